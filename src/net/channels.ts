/**
 * @module
 * The transports' diagnostics channels (`node:diagnostics_channel`), beside
 * the HTTP layer's `hio:http:*` ones. Publishing costs nothing while nobody
 * subscribes. Messages carry the connection itself, so a subscriber (a
 * simulation harness, a metrics exporter) can read its addresses and error.
 *
 * - `hio:net:accept` `{ remoter }` — a servant admitted a connection;
 * - `hio:net:close` `{ connection }` — we closed a connection;
 * - `hio:net:reset` `{ connection }` — we reset a connection;
 * - `hio:net:error` `{ connection, error }` — a failure cut a connection
 *   off (ECONNRESET, EPIPE, ETIMEDOUT, …).
 */
import { channel } from 'node:diagnostics_channel';
import type { Connection, Remoter } from './connection.js';
import type { NetError } from './net-error.js';

const acceptChannel = channel('hio:net:accept');
const closeChannel = channel('hio:net:close');
const resetChannel = channel('hio:net:reset');
const errorChannel = channel('hio:net:error');

/** Publishes an admitted connection on `hio:net:accept`. */
export function publishAccept(remoter: Remoter): void {
  if (acceptChannel.hasSubscribers) acceptChannel.publish({ remoter });
}

/** Publishes a connection we closed (`reset` false) or reset on `hio:net:close` / `hio:net:reset`. */
export function publishClose(connection: Connection, reset: boolean): void {
  const target = reset ? resetChannel : closeChannel;
  if (target.hasSubscribers) target.publish({ connection });
}

/** Publishes a failure that cut a connection off on `hio:net:error`. */
export function publishError(connection: Connection, error: NetError): void {
  if (errorChannel.hasSubscribers) errorChannel.publish({ connection, error });
}

/** Whether anyone listens to a hio:net channel (connections then keep their addresses readable to the end). */
export function netObserved(): boolean {
  return acceptChannel.hasSubscribers || closeChannel.hasSubscribers || resetChannel.hasSubscribers || errorChannel.hasSubscribers;
}
