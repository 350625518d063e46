/**
 * Hand-built {@link SimResult}s for the timeline tests: two clients and a
 * server, four connections, a request of every outcome (pipelined ones that
 * overlap, ones with no known connection), instant and lasting faults,
 * violations with and without a connection, and hostile text in every
 * string a run carries (urls, bytes, details, messages, profile lines,
 * assertion names, a host name).
 */
import type { SimTraceEvent, SimTraceKindName } from '../../src/net/sim/sim-trace.js';
import type { SimFaultRecord, SimRequestRecord, SimResult, SimViolation } from '../../src/testing/sim-result.js';

/** Text that would run a script if it ever reached the page as markup or closed the data element. */
export const HOSTILE = '</script><script>alert(1)</script><!-- <SCRIPT>alert(2)</SCRIPT> \u2028 & "quoted" \'single\'';

/** The hostile host: it opens conn 4. */
export const HOSTILE_HOST = '<img src=x onerror=alert(3)>';

function event(tyme: number, kind: SimTraceKindName, conn: number, from: string, to: string, bytes = 0, detail = '', hash = 0): SimTraceEvent {
  return { tyme, kind, conn, from, to, bytes, detail, hash };
}

function request(
  id: number,
  client: string,
  url: string,
  start: number,
  end: number | null,
  status: number | null,
  error: string | null,
  conn: number,
): SimRequestRecord {
  return { id, client, method: 'GET', url, start, end, status, error, bytes: status === null ? 0 : 12, conn };
}

const GET = 'GET / HTTP/1.1\r\nHost: server\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nhello\tworld\n';

/** The small run: every kind of thing once or twice. */
export function smallResult(): SimResult {
  const entries: [SimTraceEvent, string | null][] = [
    [event(0, 'listen', 0, 'server', '', 80), null],
    [event(0.1, 'connect', 1, 'client-1', 'server', 80), null],
    [event(0.105, 'accept', 1, 'server', 'client-1', 80), null],
    [event(0.11, 'connected', 1, 'server', 'client-1'), null],
    [event(0.11, 'send', 1, 'client-1', 'server', GET.length), GET],
    [event(0.115, 'deliver', 1, 'client-1', 'server', GET.length, '', 0xdeadbeef), GET],
    [event(0.12, 'send', 1, 'server', 'client-1', OK.length), OK],
    [event(0.125, 'deliver', 1, 'server', 'client-1', OK.length, '', 0x12345678), OK],
    [event(0.2, 'send', 1, 'client-1', 'server', 600), HOSTILE + '\x00\x7f\xff\\x41'],
    [event(0.205, 'park', 1, 'client-1', 'server', 600), null],
    [event(0.3, 'connect', 2, 'client-2', 'server', 80), null],
    [event(0.305, 'accept', 2, 'server', 'client-2', 80), null],
    [event(0.5, 'fault', 2, 'client-2', '', 0, 'reset'), null],
    [event(0.5, 'deliver', 2, 'client-2', 'server', 0, 'reset'), null],
    [event(0.52, 'drop', 2, 'server', 'client-2', 40, 'reset'), null],
    [event(1, 'fault', 0, 'client-2', 'server', 0, 'partition'), null],
    [event(1.2, 'connect', 3, 'client-2', 'server', 80), null],
    [event(1.7, 'timeout', 3, 'client-2', 'server', 0, 'connect'), null],
    [event(2, 'fault', 0, 'client-2', 'server', 0, 'repair'), null],
    [event(2.5, 'fin', 1, 'client-1', 'server'), null],
    [event(2.505, 'deliver', 1, 'client-1', 'server', 0, 'fin'), null],
    [event(2.6, 'close', 1, 'server', 'client-1'), null],
    [event(3, 'fault', 0, 'server', '', 0, 'crash'), null],
    [event(3.1, 'connect', 4, HOSTILE_HOST, 'server', 80), null],
    [event(3.2, 'refuse', 4, HOSTILE_HOST, 'server', 80, HOSTILE), null],
    [event(3.5, 'fault', 0, 'server', '', 0, 'restart'), null],
    [event(3.6, 'reset', 4, HOSTILE_HOST, 'server'), null],
  ];
  const requests: SimRequestRecord[] = [
    request(0, 'client-1', '/', 0.11, 0.125, 200, null, 1),
    request(1, 'client-1', '/missing?q=' + HOSTILE, 0.13, 0.4, 404, null, 1),
    // Pipelined behind request 1: overlaps it on conn 1.
    request(2, 'client-1', '/moved', 0.14, 0.45, 302, null, 1),
    request(3, 'client-2', '/boom', 0.31, 0.45, 503, null, 2),
    request(4, 'client-2', '/reset', 0.46, 0.5, null, 'ECONNRESET', 2),
    // No known connection: on client-2's own lane, overlapping each other.
    request(5, 'client-2', '/never', 1.2, null, null, null, 0),
    request(6, 'client-2', '/later', 1.3, 1.9, null, 'HIO_ERR_CONNECTION_LOST', 0),
    // A connection the trace never saw (conn 9): gets a lane under its client.
    request(7, 'client-1', '/untraced', 2, 2.1, 200, null, 9),
  ];
  const faults: SimFaultRecord[] = [
    { tyme: 0.5, end: null, kind: 'reset', target: 'conn 2', reached: true },
    { tyme: 1, end: 2, kind: 'partition', target: 'client-2 ⇄ server', reached: true },
    { tyme: 1.5, end: 1.8, kind: 'hold', target: 'client-1 → server', reached: false },
    { tyme: 3, end: 3.5, kind: 'crash', target: 'server', reached: true },
    { tyme: 3.55, end: null, kind: HOSTILE, target: 'everything ' + HOSTILE, reached: false },
  ];
  const violations: SimViolation[] = [
    { invariant: 'answered-once', tyme: 0.45, message: 'conn 2 answered twice', conn: 2 },
    { invariant: 'liveness', tyme: 4, message: 'request 5 pending at the end: ' + HOSTILE },
    { invariant: 'no-escape', tyme: 3.2, message: 'unknown conn', conn: 77 },
  ];
  return {
    seed: 42,
    ok: false,
    digest: '0123456789abcdef',
    tyme: 4,
    wallMs: 12.5,
    requests,
    faults,
    violations,
    assertions: [
      { name: 'served', kind: 'sometimes', evaluations: 8, passes: 3 },
      { name: HOSTILE, kind: 'always', evaluations: 8, passes: 8 },
    ],
    profile: ['latency 5 ms ± 2 ms', 'partitions: often ' + HOSTILE],
    events: entries.map(([traced]) => traced),
    eventBytes: entries.map(([, bytes]) => bytes),
    healedAt: 3.55,
  };
}

/** A run with no trace, no requests and nothing else: the page must still build. */
export function emptyResult(): SimResult {
  return {
    seed: 1,
    ok: true,
    digest: '0000000000000000',
    tyme: 0,
    wallMs: 0,
    requests: [],
    faults: [],
    violations: [],
    assertions: [],
    profile: [],
    events: [],
    eventBytes: [],
    healedAt: null,
  };
}

/**
 * A long run: `connections` connections from `clients` clients, each a
 * request/response exchange repeated until `events` trace events exist,
 * every delivery with its bytes.
 */
export function bigResult(events: number, clients = 20, connections = 400): SimResult {
  const traced: SimTraceEvent[] = [event(0, 'listen', 0, 'server', '', 80)];
  const bytes: (string | null)[] = [null];
  const requests: SimRequestRecord[] = [];
  for (let conn = 1; conn <= connections; conn++) {
    const client = `client-${conn % clients}`;
    traced.push(event(conn * 0.001, 'connect', conn, client, 'server', 80), event(conn * 0.001 + 0.0005, 'accept', conn, 'server', client, 80));
    bytes.push(null, null);
  }
  let tyme = 1;
  for (let k = 0; traced.length < events; k++) {
    const conn = (k % connections) + 1;
    const client = `client-${conn % clients}`;
    tyme += 0.0001;
    const up = `GET /item/${k} HTTP/1.1\r\nHost: server\r\n\r\n`;
    traced.push(event(tyme, 'send', conn, client, 'server', up.length), event(tyme + 0.005, 'deliver', conn, client, 'server', up.length, '', k));
    bytes.push(up, up);
    requests.push(request(requests.length, client, `/item/${k}`, tyme, tyme + 0.012, k % 17 === 0 ? 500 : 200, null, conn));
  }
  traced.length = events;
  bytes.length = events;
  return { ...emptyResult(), seed: 7, tyme: tyme + 0.02, requests, events: traced, eventBytes: bytes };
}
