/**
 * The Doist's skipping mode (`skip: true`): virtual tyme jumps over
 * stretches where no deed is due. Recurs are counted by a Doist whose
 * recur() counts itself (do() and virtual run() pass through it), so each
 * test shows the jump as a small number of recurs over a long tyme.
 */
import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { HioError } from '../../src/core/errors.js';
import { Recorder, brief, type Trace } from '../helpers/recorder.js';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** A Doist that counts its recurs. */
class CountingDoist extends Doist {
  recurs = 0;

  override recur(): void {
    this.recurs += 1;
    super.recur();
  }
}

/** The tymes at which the recorded doer `name` ran. */
function runs(trace: Trace, name: string): number[] {
  return trace.filter((entry) => entry.name === name && entry.context === 'recur').map((entry) => entry.tyme);
}

test('Doist skip defaults to false, is kept as a field and accepted by do and run', async (t) => {
  t.false(new Doist().skip);
  const doist = new Doist({ skip: true });
  t.true(doist.skip);
  t.true(doist.do([], { skip: false }));
  t.true(await doist.run([], { skip: true }));
  t.is(t.throws(() => doist.do([], { skips: true } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});

test('Doist#do skipping runs an hourly doer 24 times in 24 hours in 24 recurs', (t) => {
  const trace: Trace = [];
  const doist = new CountingDoist({ tock: 1, skip: true });
  t.false(doist.do([new Recorder(trace, { name: 'h', tock: HOUR })], { limit: DAY }));
  t.deepEqual(
    runs(trace, 'h'),
    Array.from({ length: 24 }, (_, hour) => hour * HOUR),
  );
  t.is(doist.recurs, 24);
  t.is(doist.tyme, DAY);
  t.deepEqual(brief(trace).slice(-2), [`h:close@${DAY}`, `h:exit@${DAY}`]);
});

test('Doist#do skipping stops exactly at the limit, also between two due tymes', (t) => {
  const trace: Trace = [];
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  t.false(doist.do([new Recorder(trace, { name: 'h', tock: HOUR })], { limit: 5000.5 }));
  t.deepEqual(brief(trace), ['h:enter@0', 'h:recur@0', 'h:recur@3600', 'h:close@5000.5', 'h:exit@5000.5']);
  t.is(doist.tyme, 5000.5);
  t.is(doist.recurs, 2);
  // A limit that falls on a due tyme: the deed due there does not run (as without skipping).
  const onTheHour: Trace = [];
  new Doist({ tock: 0.25, skip: true }).do([new Recorder(onTheHour, { name: 'h', tock: HOUR })], { limit: 2 * HOUR });
  t.deepEqual(runs(onTheHour, 'h'), [0, HOUR]);
});

test('Doist#do skipping is per call: skip false in the call ticks one tock per recur', (t) => {
  const doist = new CountingDoist({ tock: 1, skip: true });
  doist.do([new Recorder([], { tock: HOUR })], { limit: 2 * HOUR, skip: false });
  t.is(doist.recurs, 2 * HOUR);
  const opted = new CountingDoist({ tock: 1 });
  opted.do([new Recorder([], { tock: HOUR })], { limit: 2 * HOUR, skip: true, tyme: 0 });
  t.is(opted.recurs, 2);
});

test('Doist#do skipping keeps a deed yielding 0 on the tock: again next pass, one tock later', (t) => {
  const trace: Trace = [];
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  doist.do([new Recorder(trace, { name: 'h', tock: HOUR }), new Recorder(trace, { name: 'z', runs: 3 })], { limit: HOUR + 1 });
  t.deepEqual(runs(trace, 'z'), [0, 0.25, 0.5]);
  t.deepEqual(runs(trace, 'h'), [0, HOUR]);
  // 0, .25, .5 (z ends there), then the jump to the hour.
  t.is(doist.recurs, 4);
});

test('Doist#do skipping honours a wake during a pass: the woken deed runs one tock later, not after the jump', (t) => {
  const trace: Trace = [];
  const waiter = new Recorder(trace, { name: 'w', tock: Infinity });
  const waker = new Recorder(trace, {
    name: 'k',
    tock: HOUR,
    onRecur: (run) => {
      if (run === 1) waiter.wake();
    },
  });
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  doist.do([waiter, waker], { limit: HOUR + 1 });
  t.deepEqual(runs(trace, 'w'), [0, 0.25]);
  t.deepEqual(runs(trace, 'k'), [0, HOUR]);
  t.is(doist.recurs, 3);
});

test("Doist#do skipping honours the Doist's own wake during a pass with one more tock before the jump", (t) => {
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  const trace: Trace = [];
  const hourly = new Recorder(trace, {
    name: 'h',
    tock: HOUR,
    onRecur: (run) => {
      if (run === 1) doist.wake();
    },
  });
  doist.do([hourly], { limit: HOUR + 1 });
  t.deepEqual(runs(trace, 'h'), [0, HOUR]);
  // 0, the woken pass at .25 (nothing due there), the hour.
  t.is(doist.recurs, 3);
});

test('Doist#do skipping ends when every deed waits for a wake: at the limit when there is one, else at once', (t) => {
  const trace: Trace = [];
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  t.false(doist.do([new Recorder(trace, { name: 'w', tock: Infinity })], { limit: 10 }));
  t.deepEqual(brief(trace), ['w:enter@0', 'w:recur@0', 'w:close@10', 'w:exit@10']);
  t.is(doist.tyme, 10);
  t.is(doist.recurs, 1);
  const unbounded: Trace = [];
  const forever = new CountingDoist({ tock: 0.25, skip: true });
  t.false(forever.do([new Recorder(unbounded, { name: 'w', tock: Infinity })]));
  t.deepEqual(brief(unbounded), ['w:enter@0', 'w:recur@0', 'w:close@0.25', 'w:exit@0.25']);
  t.false(forever.done);
});

test('Doist#do skipping still ends done when every deed finishes', (t) => {
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  t.true(doist.do([new Recorder([], { tock: HOUR, runs: 3 })]));
  t.is(doist.tyme, 2 * HOUR + 0.25);
  t.is(doist.recurs, 3);
});

test('Doist#run skipping (virtual) gives the same trace and tyme as do()', async (t) => {
  const make = (trace: Trace): Recorder[] => [new Recorder(trace, { name: 'h', tock: HOUR }), new Recorder(trace, { name: 'z', tock: 0.5, runs: 3 })];
  const syncTrace: Trace = [];
  const asyncTrace: Trace = [];
  const sync = new CountingDoist({ tock: 0.125, skip: true });
  sync.do(make(syncTrace), { limit: 3 * HOUR + 0.5 });
  const virtual = new CountingDoist({ tock: 0.125, skip: true });
  await virtual.run(make(asyncTrace), { limit: 3 * HOUR + 0.5 });
  t.deepEqual(asyncTrace, syncTrace);
  t.is(virtual.tyme, sync.tyme);
  t.is(virtual.recurs, sync.recurs);
  t.is(sync.recurs, 6);
});

test('Doist#run skipping lets a wake from a promise between recurs prevent the jump', async (t) => {
  const trace: Trace = [];
  const waiter: Recorder = new Recorder(trace, {
    name: 'w',
    tock: Infinity,
    onRecur: (run) => {
      // A microtask the first time, a later turn's callback the second: both settle before the next recur.
      if (run === 1) void Promise.resolve().then(() => waiter.wake());
      if (run === 2) void new Promise((resolve) => setImmediate(resolve)).then(() => waiter.wake());
      if (run === 3)
        void Promise.resolve()
          .then(async () => Promise.resolve())
          .then(() => waiter.wake());
    },
  });
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  t.false(await doist.run([waiter, new Recorder(trace, { name: 'h', tock: HOUR })], { limit: 2 * HOUR + 0.5 }));
  t.deepEqual(runs(trace, 'w'), [0, 0.25, 0.5, 0.75]);
  t.deepEqual(runs(trace, 'h'), [0, HOUR, 2 * HOUR]);
  t.is(doist.recurs, 6);
  t.is(doist.tyme, 2 * HOUR + 0.5);
});

test('Doist#run skipping ends after a turn when no deed will be due, unless a promise wakes one', async (t) => {
  const trace: Trace = [];
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  t.false(await doist.run([new Recorder(trace, { name: 'w', tock: Infinity })]));
  t.deepEqual(brief(trace), ['w:enter@0', 'w:recur@0', 'w:close@0.25', 'w:exit@0.25']);
  const woken: Trace = [];
  const waiter: Recorder = new Recorder(woken, {
    name: 'w',
    tock: Infinity,
    runs: 2,
    onRecur: () => void new Promise((resolve) => setImmediate(resolve)).then(() => waiter.wake()),
  });
  t.true(await new Doist({ tock: 0.25, skip: true }).run([waiter]));
  t.deepEqual(runs(woken, 'w'), [0, 0.25]);
});

test('Doist#run skipping stops on an abort during the turn, without jumping', async (t) => {
  const controller = new AbortController();
  const trace: Trace = [];
  const doist = new Doist({ tock: 0.25, skip: true });
  const hourly = new Recorder(trace, { name: 'h', tock: HOUR, onRecur: () => setImmediate(() => controller.abort()) });
  t.false(await doist.run([hourly], { signal: controller.signal }));
  t.deepEqual(brief(trace), ['h:enter@0', 'h:recur@0', 'h:close@0.25', 'h:exit@0.25']);
});

test('Doist#do skipping jumps after a pass in which a woken deed already ran: the wake cost no extra recur', (t) => {
  const trace: Trace = [];
  const waiter = new Recorder(trace, { name: 'w', tock: Infinity });
  const waker = new Recorder(trace, {
    name: 'k',
    tock: HOUR,
    onRecur: (run) => {
      if (run === 2) waiter.wake();
    },
  });
  // Listed after the waker, the waiter is woken before the pass reaches it and runs in that pass.
  const doist = new CountingDoist({ tock: 0.25, skip: true });
  doist.do([waker, waiter], { limit: 2 * HOUR + 1 });
  t.deepEqual(runs(trace, 'w'), [0, HOUR]);
  t.deepEqual(runs(trace, 'k'), [0, HOUR, 2 * HOUR]);
  t.is(doist.recurs, 3);
});
