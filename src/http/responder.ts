/**
 * @module
 * The Responder contract: how a response for one request reaches the
 * connection. A {@link Steward} creates one responder per request and calls
 * {@link Responder.pour} on every pass until it returns true, handing it the
 * request's {@link ResponseWriter}: the request, the connection's
 * backpressure, and the only way to put response bytes on the connection.
 */
import type { Remoter } from '../net/connection.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { ResponseWriter } from './response-writer.js';
import type { TunnelHost } from './tunnel.js';

/** Produces one response onto a connection, possibly over several passes. */
export interface Responder {
  /**
   * Writes more of the response; returns true once the writer has ended.
   * Called again on a later pass while it returns false; a responder with
   * more to write checks `writer.writable` and returns false when it is not.
   * Throwing resets the connection (or answers 500 if nothing was written).
   */
  pour(writer: ResponseWriter): boolean;
  /**
   * Optional: the response will never complete — the connection was cut
   * off, reset, timed out or closed by the server — so release what it holds
   * (cancel a stream, abort the application's signal). Called at most once,
   * never after pour returned true.
   */
  abandon?(): void;
  /**
   * Optional: asked once, when pour returned true: the handler that takes
   * the connection over from here (a {@link Tunnel} after a 101, say), or
   * null to go on with HTTP. With a successor the responder may finish
   * without ending its writer (a protocol library writes its own answer);
   * the HTTP parser never sees the bytes that follow. Throwing is a fault:
   * the connection resets if anything was written.
   */
  takeOver?(remoter: Remoter, host: TunnelHost): ConnectionHandler | null;
}
