/**
 * @module
 * The Servant: a listening endpoint (hio's TCP Server), implemented by
 * {@link NetServant} over node:net/node:tls and {@link SimServant} over the
 * simulated network. One service pass is: {@link Servant.serviceConnects}
 * (accept), {@link Servant.serviceReceives} (bytes and events into the
 * remoters), the application's work on {@link Servant.ready}, then
 * {@link Servant.serviceSends}.
 *
 * Work per pass is proportional to the connections that have something to
 * do: {@link Servant.ready} holds only the remoters that were accepted, got
 * bytes or a half-close, failed, have bytes to flush, hit their idle timeout,
 * or were cut off — never the idle ones. A cut-off or expired remoter stays
 * ready until it is removed.
 */
import type { Clock } from '../core/clock.js';
import type { Tymth } from '../core/tymist.js';
import type { Address } from './address.js';
import type { Remoter } from './connection.js';
import type { NetError } from './net-error.js';
import type { WireLog } from './wire-log.js';

/** A listening endpoint and its accepted connections. */
export interface Servant {
  /** The address listened on: the bound one (real port) once opened, the configured one before. */
  readonly address: Address;
  /** True once listening. */
  readonly opened: boolean;
  /** Why opening failed (EADDRINUSE, …), or null. */
  readonly error: NetError | null;
  /** The accepted connections, by remote key. */
  readonly remoters: ReadonlyMap<string, Remoter>;
  /** The remoters with something to do in this pass (see the module note). */
  readonly ready: ReadonlySet<Remoter>;
  /** Idle timeout in seconds given to each new remoter; 0 for none. */
  tymeout: number;
  /** Wire log given to each new remoter. */
  wireLog: WireLog | null;
  /**
   * Called whenever something happens that a pass should handle (a
   * connection, bytes, a failure); a scheduler sets it to wake itself.
   */
  waker: (() => void) | null;

  /** Starts listening unless already listening or opening. Opening completes by a later serviceConnects. */
  open(): void;
  /** Closes, then starts listening again. Opening completes by a later serviceConnects. */
  reopen(): void;
  /**
   * Stops accepting connections and releases the listening address, keeping
   * the connections already accepted (a server draining). `opened` turns
   * false; reopen() listens again.
   */
  stopListening(): void;
  /**
   * The clock that matches this servant's world — virtual tyme for a
   * simulated network — or null for the machine's: servers stamp Date
   * headers with it unless given a clock of their own.
   */
  readonly clock: Clock | null;
  /** Stops listening and closes every remoter. */
  close(): void;
  /** Takes note of listening and failures, and accepts waiting connections into `remoters` (and `ready`). */
  serviceConnects(): void;
  /** Moves received bytes and events into the ready remoters; marks remoters whose idle timeout ran out. */
  serviceReceives(): void;
  /** Flushes the ready remoters' queued bytes, then forgets the remoters with nothing left to do. */
  serviceSends(): void;
  /** serviceConnects, serviceReceives, serviceSends. */
  service(): void;
  /** Removes a remoter (by object or key), closing it unless `close` is false. Unknown remoters are ignored. */
  removeRemoter(remoter: Remoter | string, close?: boolean): void;
  /** Re-bases every remoter's idle timer onto another tyme closure. */
  wind(tymth: Tymth): void;
  /**
   * The tyme at which this servant next needs a pass even if nothing
   * happens: now while work is pending, the earliest idle deadline
   * otherwise, Infinity when only an event can create work.
   */
  nextDue(): number;
}
