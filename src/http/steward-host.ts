/**
 * @module
 * The contract between a connection handler and the server that hosts it:
 * what a {@link Steward} needs from its server — the settings it enforces,
 * the tyme, the Date value, a place to report faults and publish requests,
 * and whether the server is draining. {@link BareServer} implements it;
 * anything else that runs stewards (an application server, a test) can too,
 * without the steward knowing which server it works for.
 */
import type { Tymth } from '../core/tymist.js';
import type { HttpLenience, HttpLimits } from './limits.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { Remoter } from '../net/connection.js';
import type { Request } from './request.js';
import type { Responder } from './responder.js';

/**
 * Makes the responder for one request (the application of a server without
 * a Steward subclass), given the connection it came on. Throwing answers 500.
 */
export type RespondFunction = (request: Request, connection: Remoter) => Responder;

/** What a steward reads from and reports to its server. Tymeouts are seconds of tyme; sizes are bytes. */
export interface StewardHost {
  /** Parser limits. */
  readonly limits: HttpLimits;
  /** Parser tolerances. */
  readonly lenient: HttpLenience;
  /** The methods answered; others get 501. */
  readonly methods: ReadonlySet<string>;
  /** Idle keep-alive tymeout. */
  readonly keepAliveTymeout: number;
  /** Idle tymeout while bytes are owed to the peer. */
  readonly sendTymeout: number;
  /** Deadline of a header section from its first byte. */
  readonly headerTymeout: number;
  /** Grace period of a body before minBodyRate applies. */
  readonly bodyTymeout: number;
  /** Slowest average body rate after the grace period, bytes per second of tyme. */
  readonly minBodyRate: number;
  /** Quiet time that ends a linger. */
  readonly lingerTymeout: number;
  /** Longest linger in all. */
  readonly maxLingerTymeout: number;
  /** Most bytes a lingering connection discards. */
  readonly maxDiscardBytes: number;
  /** Requests parsed ahead of the one being answered. */
  readonly maxPipelined: number;
  /** Most bytes held in requests parsed ahead plus unsent output. */
  readonly maxBufferedBytes: number;
  /** Unsent bytes at which a response stops being poured. */
  readonly highWater: number;
  /** The Server header value, or null. */
  readonly serverName: string | null;
  /** Whether responders add Date, Server, Content-Length, Connection and Keep-Alive. */
  readonly requiredHeaders: boolean;
  /** Whether a request is answered as soon as its head is parsed, its body streamed to the responder as it arrives (see Request.bodyStream). */
  readonly streamBodies: boolean;
  /** The server's respond function, used by stewards that do not override respond(); null for the echo. */
  readonly respond: RespondFunction | null;
  /**
   * Whether every connection begins with a PROXY protocol header, read
   * before any request (absent: false).
   */
  readonly proxyProtocol?: boolean;
  /** True once the server began a graceful shutdown. */
  readonly draining: boolean;
  /** The tyme closure, or null before the server is wound. */
  readonly tymth: Tymth | null;
  /** The Date header value for responses sent now. */
  date(): string;
  /** Runs `callback` once, `seconds` of the server's tyme from now, in a pass; returns what cancels it. */
  after(seconds: number, callback: () => void): () => void;
  /** Records a fault the steward contained (with the request it was answering, if any). */
  fault(error: unknown, request: Request | null): void;
  /** Publishes a completed request to whoever listens. */
  published(request: Request): void;
  /**
   * A handler that waited on something outside its connection (an
   * application's promise) is ready again: run it in the next pass. Called
   * between passes, from wherever the wait ended.
   */
  wake(handler: ConnectionHandler): void;
}
