/**
 * @module
 * What a simulation run reports: every request with its outcome and virtual
 * latency, every fault with whether it reached a connection, every
 * invariant's verdict, the `sometimes` assertions and the trace digest. The
 * timeline, the command line and the tests all read this shape.
 */
import type { SimTraceEvent } from '../net/sim/sim-trace.js';

/** One request a workload made. */
export interface SimRequestRecord {
  /** Number of the request in the run, from 0, in the order they were made. */
  readonly id: number;
  /** Name of the client (workload) that made it. */
  readonly client: string;
  readonly method: string;
  readonly url: string;
  /** Virtual tyme it was made, in seconds. */
  readonly start: number;
  /** Virtual tyme it settled, in seconds; null while pending (a liveness failure once the run ends). */
  end: number | null;
  /** Status of the final response; null when it failed or is pending. */
  status: number | null;
  /** The error code when it failed (HIO_ERR_CONNECTION_LOST, ECONNRESET…); null otherwise. */
  error: string | null;
  /** Response body bytes read. */
  bytes: number;
  /** Number of the simulated connection it reached the server on (trace `conn`; the last, when it was sent again), 0 when it reached none. */
  conn: number;
}

/** One fault that fired. */
export interface SimFaultRecord {
  /** Virtual tyme it fired, in seconds. */
  readonly tyme: number;
  /** Tyme it ended (repair, release, restart…), or null for an instant fault. */
  end: number | null;
  /** Kind: partition, hold, reset, crash, refuse, half-close, fragment, cut-after-head, reset-mid-body, reset-mid-response… */
  readonly kind: string;
  /** What it acted on, in words: "client-3 ⇄ server", "conn 17", "server". */
  readonly target: string;
  /** True when it touched at least one open connection or a connect in progress. */
  reached: boolean;
}

/** One broken invariant. */
export interface SimViolation {
  /** Name of the invariant: answered-once, request-order, connection-tymeout, connections-closed, no-escape, bounded-memory, liveness, always:NAME, sometimes:NAME, or a user invariant's name. */
  readonly invariant: string;
  /** Virtual tyme it was seen, in seconds. */
  readonly tyme: number;
  /** What was seen, in words. */
  readonly message: string;
  /** The connection concerned, when there is one. */
  readonly conn?: number;
}

/** An `always` or `sometimes` assertion's tally. */
export interface SimAssertionRecord {
  readonly name: string;
  readonly kind: 'always' | 'sometimes';
  /** Times it was evaluated. */
  evaluations: number;
  /** Times it held. */
  passes: number;
}

/** The whole report of one run. */
export interface SimResult {
  readonly seed: number;
  /** True when no invariant was broken. */
  readonly ok: boolean;
  /** The network trace's digest: equal digests mean the same events at the same tymes with the same bytes. */
  readonly digest: string;
  /** Virtual tyme at the end, in seconds. */
  readonly tyme: number;
  /** Wall-clock milliseconds the run took. */
  readonly wallMs: number;
  readonly requests: readonly SimRequestRecord[];
  readonly faults: readonly SimFaultRecord[];
  readonly violations: readonly SimViolation[];
  readonly assertions: readonly SimAssertionRecord[];
  /** The fault profile the seed drew (or the preset given), in words per line. */
  readonly profile: readonly string[];
  /** Every trace event when the trace was kept, else empty. */
  readonly events: readonly SimTraceEvent[];
  /** Beside `events` (same index): the first bytes (at most 512, as latin1 text) of a send or delivery, else null. */
  readonly eventBytes: readonly (string | null)[];
  /** Tyme the heal phase began (faults stopped), or null when there was none. */
  readonly healedAt: number | null;
}
