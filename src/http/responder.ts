/**
 * @module
 * The Responder contract: how a response for one request reaches the
 * connection. A {@link Steward} creates one responder per request and calls
 * {@link Responder.pour} on every pass until it returns true, handing it the
 * request's {@link ResponseWriter}: the request, the connection's
 * backpressure, and the only way to put response bytes on the connection.
 */
import type { ResponseWriter } from './response-writer.js';

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
}
