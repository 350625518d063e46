import test from 'ava';
import type { SimResult } from '../../src/testing/sim-result.js';
import { escapeBytes, requestOutcome, timelineModel, type TimelineModel } from '../../src/testing/timeline-model.js';
import { emptyResult, HOSTILE, HOSTILE_HOST, smallResult } from '../helpers/sim-results.js';

/** Each lane as "host" or "host#conn>peer:port", in display order. */
function laneNames(model: TimelineModel): string[] {
  return model.lanes.map((lane) => {
    const host = model.hosts[lane.host]!;
    if (lane.conn === 0) return host;
    return `${host}#${lane.conn}>${lane.peer < 0 ? '?' : model.hosts[lane.peer]!}:${lane.port}`;
  });
}

const laneOf = (model: TimelineModel, conn: number, host = ''): number =>
  model.lanes.findIndex((lane) => lane.conn === conn && (conn !== 0 || model.hosts[lane.host] === host));

test('timelineModel gives each host a lane and each connection one under the host that opened it', (t) => {
  const model = timelineModel(smallResult());
  t.deepEqual(model.hosts, ['server', 'client-1', 'client-2', HOSTILE_HOST]);
  t.deepEqual(laneNames(model), [
    'server',
    'client-1',
    'client-1#1>server:80',
    // Seen only in a request: no peer, no port.
    'client-1#9>?:0',
    'client-2',
    'client-2#2>server:80',
    'client-2#3>server:80',
    HOSTILE_HOST,
    `${HOSTILE_HOST}#4>server:80`,
  ]);
});

test('timelineModel puts connection events on their connection lane and the rest on their host lane', (t) => {
  const result = smallResult();
  const model = timelineModel(result);
  for (const [index, event] of result.events.entries()) {
    const lane = model.lanes[model.eventLane[index]!]!;
    t.is(lane.conn, event.conn, `event ${index}`);
    if (event.conn === 0) t.is(model.hosts[lane.host], event.from);
  }
  // The lane spans its first and last event: conn 1 from its connect to its close.
  const conn1 = model.lanes[laneOf(model, 1)]!;
  t.is(conn1.first, 0.1);
  t.is(conn1.last, 2.6);
});

test('timelineModel lays a connection lane out from an accept when its connect is missing', (t) => {
  const result: SimResult = {
    ...emptyResult(),
    events: [{ tyme: 1, kind: 'accept', conn: 5, from: 'server', to: 'laptop', bytes: 8080, detail: '', hash: 0 }],
    eventBytes: [null],
  };
  const model = timelineModel(result);
  t.deepEqual(laneNames(model), ['server', 'laptop', 'laptop#5>server:8080']);
});

test('timelineModel packs overlapping requests of a lane into rows, and touching ones into one row', (t) => {
  const result = smallResult();
  const model = timelineModel(result);
  // Requests 0, 1, 2 on conn 1: 0 ends before 1 starts; 2 overlaps 1 (pipelined).
  t.deepEqual(model.requestRow.slice(0, 3), [0, 0, 1]);
  t.is(model.lanes[laneOf(model, 1)]!.rows, 2);
  // 3 ends at 0.45 before 4 starts at 0.46 on conn 2: one row.
  t.deepEqual(model.requestRow.slice(3, 5), [0, 0]);
  // 5 (pending until the end) and 6 overlap on client-2's own lane.
  t.is(model.requestLane[5], laneOf(model, 0, 'client-2'));
  t.deepEqual(model.requestRow.slice(5, 7), [0, 1]);
  t.is(model.requestLane[7], laneOf(model, 9));
  // No two requests of one lane and row overlap.
  const end = (i: number): number => result.requests[i]!.end ?? result.tyme;
  for (let a = 0; a < result.requests.length; a++) {
    for (let b = a + 1; b < result.requests.length; b++) {
      if (model.requestLane[a] !== model.requestLane[b] || model.requestRow[a] !== model.requestRow[b]) continue;
      t.true(end(a) <= result.requests[b]!.start || end(b) <= result.requests[a]!.start, `requests ${a} and ${b}`);
    }
  }
});

test('timelineModel reads the lanes a fault touches from its target', (t) => {
  const model = timelineModel(smallResult());
  const names = (index: number): string[] => model.faultLanes[index]!.map((lane) => laneNames(model)[lane]!);
  t.deepEqual(names(0), ['client-2#2>server:80']);
  // Two hosts: their own lanes and the connections between them.
  t.deepEqual(names(1), ['server', 'client-2', 'client-2#2>server:80', 'client-2#3>server:80']);
  // client-1 → server: conn 9 has no known peer, so it is not between them.
  t.deepEqual(names(2), ['server', 'client-1', 'client-1#1>server:80']);
  // One host: its lane and every connection to or from it.
  t.deepEqual(names(3), ['server', 'client-1#1>server:80', 'client-2#2>server:80', 'client-2#3>server:80', `${HOSTILE_HOST}#4>server:80`]);
  // Names nothing known: every lane.
  t.deepEqual(names(4), []);
});

test('timelineModel matches host names in a fault target as whole names only', (t) => {
  const result: SimResult = {
    ...emptyResult(),
    events: [
      { tyme: 0, kind: 'listen', conn: 0, from: 'server', to: '', bytes: 80, detail: '', hash: 0 },
      { tyme: 0, kind: 'listen', conn: 0, from: 'server-2', to: '', bytes: 80, detail: '', hash: 0 },
    ],
    eventBytes: [null, null],
    faults: [
      { tyme: 1, end: 2, kind: 'crash', target: 'server-2', reached: true },
      { tyme: 1, end: null, kind: 'reset', target: 'conn 99', reached: false },
    ],
  };
  const model = timelineModel(result);
  t.deepEqual(model.faultLanes[0], [laneOf(model, 0, 'server-2')]);
  // A connection nobody saw: no lane to shade, so every lane.
  t.deepEqual(model.faultLanes[1], []);
});

test('timelineModel packs lasting faults into rows without overlap and finds violation lanes', (t) => {
  const model = timelineModel(smallResult());
  // The hold (1.5–1.8) overlaps the partition (1–2).
  t.deepEqual(model.faultRow, [0, 0, 1, 0, 0]);
  t.is(model.faultRows, 2);
  t.deepEqual(model.violationLane, [laneOf(model, 2), -1, -1]);
});

test('requestOutcome classes a request by its error, then its status; neither is pending', (t) => {
  const outcomes = smallResult().requests.map(requestOutcome);
  t.deepEqual(outcomes, ['success', 'client-error', 'success', 'server-error', 'error', 'pending', 'error', 'success']);
  const base = smallResult().requests[0]!;
  t.is(requestOutcome({ ...base, status: 101 }), 'success');
  t.is(requestOutcome({ ...base, status: 500, error: 'ECONNRESET' }), 'error');
});

test('escapeBytes shows CR and LF as marks and every other unprintable byte as \\xNN', (t) => {
  t.is(escapeBytes('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 'GET / HTTP/1.1␍␊Host: a␍␊␍␊');
  t.is(escapeBytes('a\r\nb', true), 'a␍␊\nb');
  t.is(escapeBytes('\x00\x1b\t\x7f\x80\xff'), '\\x00\\x1b␉\\x7f\\x80\\xff');
  // A backslash is doubled so that "\x41" as text is not read as a byte.
  t.is(escapeBytes('\\x41'), '\\\\x41');
  t.is(escapeBytes(HOSTILE.slice(0, 9)), '</script>');
  t.is(escapeBytes('\u2028'), '\\u{2028}');
});
