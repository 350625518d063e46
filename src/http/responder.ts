/**
 * @module
 * The Responder contract: how a response for one request reaches the
 * connection. A {@link Steward} creates one responder per request and calls
 * {@link Responder.pour} on every pass until it returns true; a responder
 * queues what it can (honouring the connection's backpressure) and may take
 * several passes. The {@link Exchange} carries the request, the connection
 * and what the server adds to every response.
 */
import type { Remoter } from '../net/connection.js';
import type { Request } from './request.js';

/** One request being answered on one connection. */
export interface Exchange {
  /** The request being answered. */
  readonly request: Request;
  /** The connection to write to (tx) and to watch for backpressure (txPending). */
  readonly remoter: Remoter;
  /**
   * Whether the connection may carry another request after this response.
   * It starts from the request; a responder may clear it (never set it), and
   * the response then says "Connection: close".
   */
  persisted: boolean;
  /** The Date header value for responses sent now. */
  readonly date: string;
  /** The Server header value, or null to send none. */
  readonly server: string | null;
  /** Whether responders add Date, Server, Content-Length and Connection themselves. */
  readonly requiredHeaders: boolean;
}

/** Produces one response onto a connection, possibly over several passes. */
export interface Responder {
  /** Queues more of the response; returns true once all of it is queued. Must not throw for I/O. */
  pour(exchange: Exchange): boolean;
}
