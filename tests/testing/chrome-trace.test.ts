import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeTrace, OVERLAP_TID_STRIDE, PREVIEW_BYTES, traceMicros, writeChromeTrace, type ChromeTraceEvent } from '../../src/testing/chrome-trace.js';
import { bigResult, emptyResult, HOSTILE, HOSTILE_HOST, smallResult } from '../helpers/sim-results.js';

const trace = chromeTrace(smallResult());
const of = (ph: string, cat?: string): ChromeTraceEvent[] =>
  trace.traceEvents.filter((event) => event.ph === ph && (cat === undefined || event.cat?.split(',')[0] === cat));
const processName = (pid: number): string | undefined =>
  trace.traceEvents.find((event) => event.ph === 'M' && event.name === 'process_name' && event.pid === pid)?.args?.['name'] as string | undefined;
const pidOf = (name: string): number => trace.traceEvents.find((event) => event.name === 'process_name' && event.args?.['name'] === name)!.pid;

test('chromeTrace names a process per host, then the faults process', (t) => {
  const names = of('M')
    .filter((event) => event.name === 'process_name')
    .map((event) => [event.pid, event.args?.['name']]);
  t.deepEqual(names, [
    [1, 'server'],
    [2, 'client-1'],
    [3, 'client-2'],
    [4, HOSTILE_HOST],
    [5, 'faults'],
  ]);
  t.is(trace.displayTimeUnit, 'ms');
  t.deepEqual(trace.metadata, {
    source: 'hio-ts',
    seed: 42,
    digest: '0123456789abcdef',
    ok: false,
    tyme: 4,
    wallMs: 12.5,
    healedAt: 3.55,
    profile: smallResult().profile,
  });
});

test('chromeTrace names every thread it uses, and puts the metadata first', (t) => {
  const named = new Set(
    of('M')
      .filter((event) => event.name === 'thread_name')
      .map((event) => `${event.pid}/${event.tid}`),
  );
  const used = new Set(trace.traceEvents.filter((event) => event.ph !== 'M' && event.s !== 'g').map((event) => `${event.pid}/${event.tid}`));
  t.deepEqual(
    [...used].filter((key) => !named.has(key)),
    [],
  );
  const thread = (pid: number, tid: number): unknown =>
    trace.traceEvents.find((event) => event.name === 'thread_name' && event.pid === pid && event.tid === tid)?.args?.['name'];
  t.is(thread(pidOf('client-1'), 1), 'conn 1 client-1 → server:80');
  t.is(thread(pidOf('server'), 1), 'conn 1 client-1 → server:80');
  t.is(thread(pidOf('server'), 0), 'host');
  t.is(thread(pidOf('client-2'), 0), 'host');
  t.is(thread(pidOf('client-2'), OVERLAP_TID_STRIDE), 'host · overlap 1');
  const sortIndex = (pid: number, tid: number): unknown =>
    trace.traceEvents.find((event) => event.name === 'thread_sort_index' && event.pid === pid && event.tid === tid)?.args?.['sort_index'];
  t.is(sortIndex(pidOf('client-1'), 1 + OVERLAP_TID_STRIDE), (sortIndex(pidOf('client-1'), 1) as number) + 1);
  t.is(thread(pidOf('client-1'), 1 + OVERLAP_TID_STRIDE), 'conn 1 client-1 → server:80 · overlap 1');
  const firstOther = trace.traceEvents.findIndex((event) => event.ph !== 'M');
  t.true(trace.traceEvents.slice(firstOther).every((event) => event.ph !== 'M'));
});

test('chromeTrace draws requests as complete events in microseconds on their connection thread', (t) => {
  const result = smallResult();
  const requests = of('X', 'request');
  t.is(requests.length, result.requests.length);
  for (const [index, request] of result.requests.entries()) {
    const event = requests.find((candidate) => candidate.args?.['id'] === request.id)!;
    t.is(event.name, `GET ${request.url}`);
    t.is(event.ts, traceMicros(request.start));
    t.is(event.pid, pidOf(request.client), `request ${index}`);
    t.is(event.tid % OVERLAP_TID_STRIDE, request.conn);
    t.like(event.args, { status: request.status, error: request.error, conn: request.conn });
  }
  const first = requests[0]!;
  t.like(first, { ts: 110_000, dur: 15_000, tid: 1, cat: 'request,success' });
  // The pipelined request 2 overlaps request 1: it goes on conn 1's overlap thread.
  t.is(requests.find((event) => event.args?.['id'] === 2)!.tid, 1 + OVERLAP_TID_STRIDE);
  t.like(
    requests.find((event) => event.args?.['id'] === 4)!,
    { cat: 'request,error', args: { error: 'ECONNRESET' } },
  );
});

test('chromeTrace ends a pending request at the end of the run and says it is pending', (t) => {
  const pending = of('X', 'request').find((event) => event.args?.['id'] === 5)!;
  t.like(pending, { ts: 1_200_000, dur: 2_800_000, tid: 0, pid: pidOf('client-2'), cat: 'request,pending' });
  t.is(pending.args?.['pending'], 'still pending when the run ended at 4 s');
  t.false('pending' in of('X', 'request')[0]!.args!);
});

test('chromeTrace complete events never overlap on one thread, as the format requires', (t) => {
  let checked = 0;
  for (const { traceEvents } of [trace, chromeTrace(bigResult(20_000))]) {
    const byThread = new Map<string, ChromeTraceEvent[]>();
    for (const event of traceEvents) {
      if (event.ph !== 'X') continue;
      const key = `${event.pid}/${event.tid}`;
      const list = byThread.get(key) ?? [];
      list.push(event);
      byThread.set(key, list);
    }
    for (const events of byThread.values()) {
      const sorted = [...events].sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < sorted.length; i++) {
        const before = sorted[i - 1]!;
        t.true(before.ts + before.dur! <= sorted[i]!.ts, `${before.name} overlaps ${sorted[i]!.name}`);
        checked += 1;
      }
    }
  }
  t.true(checked > 1000);
});

test('chromeTrace draws faults as complete events on the faults process, instant ones with no duration', (t) => {
  const faults = of('X', 'fault');
  const pid = pidOf('faults');
  t.is(faults.length, 5);
  t.true(faults.every((event) => event.pid === pid));
  t.like(faults[0]!, { name: 'reset conn 2', ts: 500_000, dur: 0, tid: 1, args: { instant: true, reached: true } });
  t.like(faults[1]!, { name: 'partition client-2 ⇄ server', ts: 1_000_000, dur: 1_000_000, tid: 1, args: { instant: false } });
  // Overlapping the partition: the next row.
  t.like(faults[2]!, { ts: 1_500_000, dur: 300_000, tid: 2, args: { reached: false } });
  t.is(processName(pid), 'faults');
});

test('chromeTrace marks every trace event as an instant on the host where it happened', (t) => {
  const result = smallResult();
  const instants = of('i', 'net');
  t.is(instants.length, result.events.length);
  for (const [index, event] of result.events.entries()) {
    const instant = instants[index]!;
    t.like(instant, {
      s: 't',
      tid: event.conn,
      ts: traceMicros(event.tyme),
      args: { index, from: event.from, to: event.to, bytes: event.bytes, detail: event.detail },
    });
  }
  // A send at its sender, a delivery at its receiver.
  t.is(instants[4]!.pid, pidOf('client-1'));
  t.like(instants[5]!, { name: 'deliver', pid: pidOf('server'), args: { hash: 'deadbeef', preview: 'GET / HTTP/1.1␍␊Host: server␍␊␍␊' } });
  t.is(instants[12]!.name, 'fault reset');
  t.false('preview' in instants[0]!.args!);
  const hostile = instants[8]!.args!['preview'] as string;
  t.true(hostile.startsWith(HOSTILE.slice(0, 20)));
  t.true(hostile.length <= PREVIEW_BYTES * 4 + 1);
});

test('chromeTrace marks violations and the heal as global instants', (t) => {
  const violations = of('i', 'violation');
  t.deepEqual(
    violations.map((event) => [event.name, event.ts, event.s, event.args?.['conn']]),
    [
      ['violation: answered-once', 450_000, 'g', 2],
      ['violation: liveness', 4_000_000, 'g', undefined],
      ['violation: no-escape', 3_200_000, 'g', 77],
    ],
  );
  t.is(violations[1]!.args?.['message'], 'request 5 pending at the end: ' + HOSTILE);
  t.like(of('i', 'heal')[0]!, { ts: 3_550_000, s: 'g' });
  t.deepEqual(of('i', 'heal'), of('i', 'heal').slice(0, 1));
  t.deepEqual(
    chromeTrace(emptyResult()).traceEvents.filter((event) => event.ph !== 'M'),
    [],
  );
});

test('traceMicros rounds to the nanosecond', (t) => {
  t.is(traceMicros(0.1), 100_000);
  t.is(traceMicros(1.2345678901), 1_234_567.89);
  t.is(traceMicros(0), 0);
});

test('writeChromeTrace writes JSON that reads back as the trace, creating directories', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hio-chrome-trace-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const path = join(root, 'a', 'b', 'trace.json');
  t.is(writeChromeTrace(smallResult(), path), path);
  t.true(existsSync(path));
  t.deepEqual(JSON.parse(readFileSync(path, 'utf8')), JSON.parse(JSON.stringify(trace)));
});
