/**
 * @module
 * The contract between a server and what it runs per connection: a
 * {@link ConnectionHandler}. The server calls {@link ConnectionHandler.service}
 * when the connection has events, while the handler is busy, and at its
 * deadline; after the pass's sends it settles handlers that wait for their
 * last bytes; it forgets a handler once done. A {@link Steward} is the
 * HTTP/1.1 handler; a handler that is done may name a successor that takes
 * the connection over (an upgrade to another protocol), and the server then
 * runs the successor in its place.
 */
import type { Remoter } from '../net/connection.js';

/** What a server schedules for one connection. Tymes are seconds of tyme. */
export interface ConnectionHandler {
  /** The connection handled. */
  readonly remoter: Remoter;
  /** True once the handler is finished with the connection. */
  readonly done: boolean;
  /** True while the handler needs a pass even without events (a response being poured). */
  readonly busy: boolean;
  /** Tyme of the handler's next deadline, or Infinity. */
  readonly deadline: number;
  /** True while the handler waits for its last bytes to be written before it can finish: settle() after each send pass. */
  readonly settling: boolean;
  /**
   * Once done: the handler that takes the connection over, or null when the
   * connection is finished (closed or reset by the handler).
   */
  readonly successor: ConnectionHandler | null;
  /** The server's pass number when this handler last ran; owned by the server. */
  pass: number;
  /** One pass over the connection. Should not throw; if it does, the server resets the connection. */
  service(): void;
  /** After the pass's sends: finishes if the last bytes are now written. */
  settle(): void;
  /** Optional: the server closes the connection under the handler (a forced close or a drain cut off): release what it holds. */
  abandon?(): void;
}
