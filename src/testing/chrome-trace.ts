/**
 * @module
 * A run as a Chrome trace (the Trace Event Format that Perfetto UI and
 * chrome://tracing load): a process per host, a thread per connection on
 * each host that took part in it, requests as complete events on their
 * connection's thread of their client's host, faults as complete events on
 * a "faults" process, every network trace event as an instant event on the
 * host where it happened, violations and the heal as global instants.
 * Timestamps are microseconds of virtual tyme.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimTraceEvent } from '../net/sim/sim-trace.js';
import type { SimResult } from './sim-result.js';
import { escapeBytes, requestOutcome, timelineModel } from './timeline-model.js';

/** One Trace Event Format event (the fields this export uses). */
export interface ChromeTraceEvent {
  readonly name: string;
  /** Phase: X complete, i instant, M metadata. */
  readonly ph: 'X' | 'i' | 'M';
  /** Process: a host, or the faults process. */
  readonly pid: number;
  /** Thread: a connection number (0 for a host's own events), or a fault row. */
  readonly tid: number;
  /** Start, in microseconds of virtual tyme. */
  readonly ts: number;
  /** Duration of a complete event, in microseconds. */
  readonly dur?: number;
  readonly cat?: string;
  /** Scope of an instant: g global, p process, t thread. */
  readonly s?: 'g' | 'p' | 't';
  readonly args?: Readonly<Record<string, unknown>>;
}

/** A whole trace, as JSON.stringify writes it. */
export interface ChromeTrace {
  readonly traceEvents: readonly ChromeTraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly metadata: {
    readonly source: 'hio-ts';
    readonly seed: number;
    readonly digest: string;
    readonly ok: boolean;
    /** Virtual tyme at the end, in seconds. */
    readonly tyme: number;
    readonly wallMs: number;
    readonly healedAt: number | null;
    readonly profile: readonly string[];
  };
}

/**
 * Threads for requests that overlap others on one connection (pipelined, or
 * concurrent on a client's own lane) are numbered `conn + row × this`, so
 * that the complete events of each thread nest as the format requires.
 */
export const OVERLAP_TID_STRIDE = 1_000_000;

/** Bytes of a send or delivery shown in its event's `preview` arg (the page shows all the result kept). */
export const PREVIEW_BYTES = 96;

/** Seconds of virtual tyme as trace microseconds, rounded to the nanosecond so 0.1 s is 100000, not 100000.00000000001. */
export function traceMicros(seconds: number): number {
  return Math.round(seconds * 1e9) / 1e3;
}

/**
 * Kinds observed where the bytes arrive (the event's `to`); the others
 * happen at their `from` (the sender, the listener, the faulted host).
 */
const ARRIVALS: ReadonlySet<string> = new Set(['deliver', 'connected', 'refuse', 'drop', 'park']);

/** The host where a trace event happened. */
function observer(event: SimTraceEvent): string {
  return ARRIVALS.has(event.kind) && event.to !== '' ? event.to : event.from;
}

/** Builds the Chrome trace of a run (see the module note). */
export function chromeTrace(result: SimResult): ChromeTrace {
  const model = timelineModel(result);
  const pidOf = (host: number): number => host + 1;
  const faultsPid = model.hosts.length + 1;
  const events: ChromeTraceEvent[] = [];
  const threads = new Map<string, { pid: number; tid: number; name: string }>();
  const connLanes = new Map(model.lanes.filter((lane) => lane.conn !== 0).map((lane) => [lane.conn, lane]));
  const laneName = (conn: number): string => {
    const lane = connLanes.get(conn);
    if (lane === undefined) return `conn ${conn}`;
    const peer = lane.peer < 0 ? '?' : model.hosts[lane.peer]!;
    return `conn ${conn} ${model.hosts[lane.host]!} → ${peer}${lane.port > 0 ? `:${lane.port}` : ''}`;
  };
  const thread = (pid: number, tid: number, name: () => string): void => {
    const key = `${pid}/${tid}`;
    if (!threads.has(key)) threads.set(key, { pid, tid, name: name() });
  };
  const hostIndex = new Map(model.hosts.map((name, index) => [name, index]));

  for (const [index, request] of result.requests.entries()) {
    const lane = model.lanes[model.requestLane[index]!]!;
    const row = model.requestRow[index]!;
    const pid = pidOf(lane.host);
    const tid = lane.conn + row * OVERLAP_TID_STRIDE;
    const pending = request.end === null;
    thread(pid, tid, () => (lane.conn === 0 ? 'host' : laneName(lane.conn)) + (row > 0 ? ` · overlap ${row}` : ''));
    const end = request.end ?? Math.max(result.tyme, request.start);
    const outcome = requestOutcome(request);
    events.push({
      name: `${request.method} ${request.url}`,
      cat: `request,${outcome}`,
      ph: 'X',
      pid,
      tid,
      ts: traceMicros(request.start),
      dur: Math.max(0, traceMicros(end) - traceMicros(request.start)),
      args: {
        id: request.id,
        client: request.client,
        status: request.status,
        error: request.error,
        bytes: request.bytes,
        conn: request.conn,
        outcome,
        ...(pending && { pending: `still pending when the run ended at ${result.tyme} s` }),
      },
    });
  }

  for (const [index, event] of result.events.entries()) {
    const pid = pidOf(hostIndex.get(observer(event))!);
    thread(pid, event.conn, () => (event.conn === 0 ? 'host' : laneName(event.conn)));
    const text = result.eventBytes[index] ?? null;
    events.push({
      name: event.detail === '' ? event.kind : `${event.kind} ${event.detail}`,
      cat: 'net',
      ph: 'i',
      s: 't',
      pid,
      tid: event.conn,
      ts: traceMicros(event.tyme),
      args: {
        index,
        from: event.from,
        to: event.to,
        bytes: event.bytes,
        detail: event.detail,
        hash: event.hash === 0 ? '' : event.hash.toString(16).padStart(8, '0'),
        ...(text !== null && { preview: escapeBytes(text.slice(0, PREVIEW_BYTES)) + (text.length > PREVIEW_BYTES ? '…' : '') }),
      },
    });
  }

  for (const [index, fault] of result.faults.entries()) {
    const tid = model.faultRow[index]! + 1;
    thread(faultsPid, tid, () => `faults ${tid}`);
    events.push({
      name: `${fault.kind} ${fault.target}`,
      cat: 'fault',
      ph: 'X',
      pid: faultsPid,
      tid,
      ts: traceMicros(fault.tyme),
      dur: fault.end === null ? 0 : Math.max(0, traceMicros(fault.end) - traceMicros(fault.tyme)),
      args: { kind: fault.kind, target: fault.target, end: fault.end, instant: fault.end === null, reached: fault.reached },
    });
  }

  for (const violation of result.violations) {
    events.push({
      name: `violation: ${violation.invariant}`,
      cat: 'violation',
      ph: 'i',
      s: 'g',
      pid: faultsPid,
      tid: 0,
      ts: traceMicros(violation.tyme),
      args: { invariant: violation.invariant, message: violation.message, ...(violation.conn !== undefined && { conn: violation.conn }) },
    });
  }
  if (result.healedAt !== null) {
    events.push({ name: 'heal', cat: 'heal', ph: 'i', s: 'g', pid: faultsPid, tid: 0, ts: traceMicros(result.healedAt), args: {} });
  }

  // Names and order of the processes and threads come first, as chrome://tracing expects.
  const metadata: ChromeTraceEvent[] = [];
  const process = (pid: number, name: string): void => {
    metadata.push({ name: 'process_name', ph: 'M', pid, tid: 0, ts: 0, args: { name } });
    metadata.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, ts: 0, args: { sort_index: pid } });
  };
  for (const [host, name] of model.hosts.entries()) process(pidOf(host), name);
  process(faultsPid, 'faults');
  const sorted = [...threads.values()].sort((a, b) => a.pid - b.pid || a.tid - b.tid);
  for (const { pid, tid, name } of sorted) {
    metadata.push({ name: 'thread_name', ph: 'M', pid, tid, ts: 0, args: { name } });
    // A connection's overlap threads sort right after it.
    const sortIndex = (tid % OVERLAP_TID_STRIDE) * 64 + Math.floor(tid / OVERLAP_TID_STRIDE);
    metadata.push({ name: 'thread_sort_index', ph: 'M', pid, tid, ts: 0, args: { sort_index: sortIndex } });
  }

  return {
    traceEvents: [...metadata, ...events],
    displayTimeUnit: 'ms',
    metadata: {
      source: 'hio-ts',
      seed: result.seed,
      digest: result.digest,
      ok: result.ok,
      tyme: result.tyme,
      wallMs: result.wallMs,
      healedAt: result.healedAt,
      profile: result.profile,
    },
  };
}

/** Writes {@link chromeTrace} of a run as JSON to `path` (creating its directories); returns `path`. */
export function writeChromeTrace(result: SimResult, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(chromeTrace(result)));
  return path;
}
