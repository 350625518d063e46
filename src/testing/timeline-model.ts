/**
 * @module
 * How a run's timeline is laid out, shared by the HTML page and the Chrome
 * trace export: the hosts in order of first appearance, a lane per host
 * and, under it, a lane per connection (under the host that opened it);
 * which lane each trace event, request, fault and violation belongs to; and
 * requests and faults packed into rows so that none overlaps another in its
 * row. Everything here is pure and deterministic: the same result gives the
 * same layout.
 */
import type { SimFaultRecord, SimRequestRecord, SimResult } from './sim-result.js';

/** How a request ended, as the timeline colours it. */
export const RequestOutcome = {
  /** A 1xx, 2xx or 3xx final status. */
  success: 'success',
  /** A 4xx status. */
  clientError: 'client-error',
  /** A 5xx status. */
  serverError: 'server-error',
  /** Failed with an error code and no status. */
  error: 'error',
  /** Still unsettled when the run ended. */
  pending: 'pending',
} as const;

/** One {@link RequestOutcome} value. */
export type RequestOutcomeName = (typeof RequestOutcome)[keyof typeof RequestOutcome];

/** The outcome of one request: its error first, then its status class; neither means pending. */
export function requestOutcome(request: SimRequestRecord): RequestOutcomeName {
  if (request.error !== null) return RequestOutcome.error;
  if (request.status === null) return RequestOutcome.pending;
  if (request.status >= 500) return RequestOutcome.serverError;
  if (request.status >= 400) return RequestOutcome.clientError;
  return RequestOutcome.success;
}

/** One lane of the timeline: a host's own, or one connection's. */
export interface TimelineLane {
  /** Index in {@link TimelineModel.hosts} of the host (for a connection, the host that opened it). */
  readonly host: number;
  /** Connection number; 0 for the host's own lane. */
  readonly conn: number;
  /** Index of the connection's other host, or -1 (host lanes, or when never seen). */
  readonly peer: number;
  /** Port the connection was made to (from its connect event), 0 when unknown. */
  readonly port: number;
  /** Rows its requests need so that none overlaps another (at least 1). */
  readonly rows: number;
  /** Tymes, in seconds, of the first and last thing on the lane (null when it is empty). */
  readonly first: number | null;
  readonly last: number | null;
}

/** The layout of one run (see the module note). Indexes run parallel to the result's arrays. */
export interface TimelineModel {
  /** Host names, in order of first appearance in the trace, then request clients not seen there. */
  readonly hosts: readonly string[];
  /** Lanes in display order: each host's lane followed by its connections' by number. */
  readonly lanes: readonly TimelineLane[];
  /** Lane of each trace event. */
  readonly eventLane: readonly number[];
  /** Lane and row of each request. */
  readonly requestLane: readonly number[];
  readonly requestRow: readonly number[];
  /** The lanes each fault touches; empty when the fault names nothing known (it touches every lane). */
  readonly faultLanes: readonly (readonly number[])[];
  /** Row of each fault, packed so that lasting faults in one row never overlap. */
  readonly faultRow: readonly number[];
  /** Rows the faults need (0 when there are none). */
  readonly faultRows: number;
  /** Lane of each violation's connection, or -1 when it names none (or one never seen). */
  readonly violationLane: readonly number[];
}

/** What is known of one connection while the lanes are built. */
interface ConnInfo {
  host: number;
  peer: number;
  port: number;
}

/** Builds the layout of a run. */
export function timelineModel(result: SimResult): TimelineModel {
  const hostIndex = new Map<string, number>();
  const hosts: string[] = [];
  const indexOf = (name: string): number => {
    let index = hostIndex.get(name);
    if (index === undefined) {
      index = hosts.length;
      hosts.push(name);
      hostIndex.set(name, index);
    }
    return index;
  };
  const conns = new Map<number, ConnInfo>();
  for (const event of result.events) {
    const from = indexOf(event.from);
    const to = event.to === '' ? -1 : indexOf(event.to);
    if (event.conn === 0) continue;
    let info = conns.get(event.conn);
    if (info === undefined) {
      // An accept seen first (a trace cut short) names the opener as its `to`.
      info = event.kind === 'accept' && to >= 0 ? { host: to, peer: from, port: event.bytes } : { host: from, peer: to, port: 0 };
      conns.set(event.conn, info);
    }
    if (event.kind === 'connect') Object.assign(info, { host: from, peer: to, port: event.bytes });
    else if (info.peer < 0) info.peer = from !== info.host ? from : to;
  }
  for (const request of result.requests) {
    const client = indexOf(request.client);
    // Without the trace a request's connection still gets a lane, under its client.
    if (request.conn !== 0 && !conns.has(request.conn)) conns.set(request.conn, { host: client, peer: -1, port: 0 });
  }

  const lanes: MutableLane[] = [];
  const hostLane: number[] = [];
  const connLane = new Map<number, number>();
  const connsOf = hosts.map((): number[] => []);
  for (const [conn, info] of conns) connsOf[info.host]?.push(conn);
  for (const [host, owned] of connsOf.entries()) {
    hostLane.push(lanes.length);
    lanes.push({ host, conn: 0, peer: -1, port: 0, rows: 1, first: null, last: null });
    for (const conn of owned.sort((a, b) => a - b)) {
      const info = conns.get(conn)!;
      connLane.set(conn, lanes.length);
      lanes.push({ host, conn, peer: info.peer, port: info.port, rows: 1, first: null, last: null });
    }
  }

  const eventLane = result.events.map((event) => (event.conn !== 0 ? connLane.get(event.conn)! : hostLane[hostIndex.get(event.from)!]!));
  for (const [index, event] of result.events.entries()) widen(lanes[eventLane[index]!]!, event.tyme, event.tyme);

  const requestLane = result.requests.map((request) => (request.conn !== 0 ? connLane.get(request.conn)! : hostLane[hostIndex.get(request.client)!]!));
  const requestEnd = (request: SimRequestRecord): number => request.end ?? Math.max(result.tyme, request.start);
  const requestRow = packRows(result.requests.map((request, index) => ({ group: requestLane[index]!, start: request.start, end: requestEnd(request) })));
  for (const [index, request] of result.requests.entries()) {
    const lane = lanes[requestLane[index]!]!;
    lane.rows = Math.max(lane.rows, requestRow[index]! + 1);
    widen(lane, request.start, requestEnd(request));
  }

  const faultLanes = result.faults.map((fault) => lanesTouched(fault, hosts, lanes, connLane));
  const faultRow = packRows(result.faults.map((fault) => ({ group: 0, start: fault.tyme, end: fault.end ?? fault.tyme })));
  const violationLane = result.violations.map((violation) => (violation.conn === undefined ? -1 : (connLane.get(violation.conn) ?? -1)));

  return {
    hosts,
    lanes,
    eventLane,
    requestLane,
    requestRow,
    faultLanes,
    faultRow,
    faultRows: faultRow.reduce((rows, row) => Math.max(rows, row + 1), 0),
    violationLane,
  };
}

type MutableLane = { -readonly [K in keyof TimelineLane]: TimelineLane[K] };

function widen(lane: MutableLane, start: number, end: number): void {
  if (lane.first === null || start < lane.first) lane.first = start;
  if (lane.last === null || end > lane.last) lane.last = end;
}

/**
 * Packs intervals into rows per group, first fit in order of start (then of
 * index): an interval goes into the lowest row whose last interval ended at
 * or before its start. Returns each interval's row.
 */
function packRows(intervals: readonly { readonly group: number; readonly start: number; readonly end: number }[]): number[] {
  const rows: number[] = new Array<number>(intervals.length).fill(0);
  const order = intervals.map((_, index) => index);
  order.sort((a, b) => intervals[a]!.group - intervals[b]!.group || intervals[a]!.start - intervals[b]!.start || a - b);
  let group = NaN;
  let ends: number[] = [];
  for (const index of order) {
    const interval = intervals[index]!;
    if (interval.group !== group) {
      group = interval.group;
      ends = [];
    }
    let row = ends.findIndex((end) => end <= interval.start);
    if (row < 0) row = ends.length;
    ends[row] = Math.max(interval.end, interval.start);
    rows[index] = row;
  }
  return rows;
}

const CONN_IN_TARGET = /\bconn(?:ection)?\s*#?(\d+)/gi;
const NAME_CHAR = /[\w.-]/;

/** True when `name` occurs in `text` as a whole token (not inside a longer host name such as `server-2`). */
function namesHost(text: string, name: string): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = text[at - 1];
    const after = text[at + name.length];
    if ((before === undefined || !NAME_CHAR.test(before)) && (after === undefined || !NAME_CHAR.test(after))) return true;
  }
  return false;
}

/**
 * The lanes a fault touches, read from its target words: the connections it
 * names ("conn 17"); else the hosts it names — one host with all its
 * connections (a crash), or several with the connections between them (a
 * partition "a ⇄ b"); else none, meaning every lane.
 */
function lanesTouched(fault: SimFaultRecord, hosts: readonly string[], lanes: readonly TimelineLane[], connLane: ReadonlyMap<number, number>): number[] {
  const named = [...fault.target.matchAll(CONN_IN_TARGET)].map((match) => connLane.get(Number(match[1])));
  const connLanes = named.filter((lane): lane is number => lane !== undefined);
  if (connLanes.length > 0) return [...new Set(connLanes)].sort((a, b) => a - b);
  const touched = new Set(hosts.flatMap((name, index) => (namesHost(fault.target, name) ? [index] : [])));
  if (touched.size === 0) return [];
  const result: number[] = [];
  for (const [index, lane] of lanes.entries()) {
    const hit =
      lane.conn === 0
        ? touched.has(lane.host)
        : touched.size === 1
          ? touched.has(lane.host) || touched.has(lane.peer)
          : touched.has(lane.host) && touched.has(lane.peer);
    if (hit) result.push(index);
  }
  return result;
}

/**
 * Bytes (latin1 text, one char per byte) made readable and safe to show as
 * text: printable ASCII as is, CR and LF as ␍ and ␊ (a line break follows ␊
 * when `lines`), tab as ␉, every other byte as `\xNN`.
 */
export function escapeBytes(text: string, lines = false): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d) out += '␍';
    else if (code === 0x0a) out += lines ? '␊\n' : '␊';
    else if (code === 0x09) out += '␉';
    else if (code === 0x5c) out += '\\\\';
    else if (code >= 0x20 && code < 0x7f) out += text[i]!;
    else if (code <= 0xff) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += '\\u{' + code.toString(16) + '}';
  }
  return out;
}
