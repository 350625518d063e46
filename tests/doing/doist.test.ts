import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { Doer } from '../../src/doing/doer.js';
import { HioError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { Recorder, brief, type Trace } from '../helpers/recorder.js';

test('Doist defaults: tyme 0, tock 1/32, virtual, no limit, no doers', (t) => {
  const doist = new Doist();
  t.is(doist.tyme, 0);
  t.is(doist.tock, 0.03125);
  t.false(doist.real);
  t.is(doist.limit, Infinity);
  t.deepEqual(doist.doers, []);
  t.false(doist.done);
});

test('Doist rejects unknown options at run time too', (t) => {
  t.is(t.throws(() => new Doist({ always: true } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const doist = new Doist();
  t.is(t.throws(() => doist.do([], { limt: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => doist.do([], { limit: -1 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});

test('Doist#do with no doers runs one recur and ends done', (t) => {
  const doist = new Doist();
  t.true(doist.do());
  t.is(doist.tyme, 0.03125);
  t.true(doist.done);
});

test('Doist#recur runs due deeds at one tyme, retyme accumulating from the schedule (tock .25 and .5)', (t) => {
  const trace: Trace = [];
  const a = new Recorder(trace, { name: 'a', tock: 0.25, runs: 4 });
  const b = new Recorder(trace, { name: 'b', tock: 0.5, runs: 4 });
  const doist = new Doist({ tock: 0.25 });
  t.true(doist.do([a, b]));
  t.deepEqual(brief(trace), [
    'a:enter@0',
    'b:enter@0',
    'a:recur@0',
    'b:recur@0',
    'a:recur@0.25',
    'a:recur@0.5',
    'b:recur@0.5',
    'a:recur@0.75',
    'a:clean@0.75',
    'a:exit@0.75',
    'b:recur@1',
    'b:recur@1.5',
    'b:clean@1.5',
    'b:exit@1.5',
  ]);
  t.is(doist.tyme, 1.75);
  t.true(a.done);
  t.true(b.done);
});

test('Doist#do with limit .125 and tock 1/32 runs exactly 4 recurs and closes at the limit', (t) => {
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd' });
  const doist = new Doist({ tock: 0.03125, limit: 0.125 });
  t.false(doist.do([doer]));
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@0.03125', 'd:recur@0.0625', 'd:recur@0.09375', 'd:close@0.125', 'd:exit@0.125']);
  t.is(doist.tyme, 0.125);
  t.false(doer.done);
  t.false(doist.done);
});

test("Doist runs a deed at most once per pass even when its tock is smaller than the Doist's", (t) => {
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', tock: 0.01 });
  new Doist({ tock: 0.25 }).do([doer], { limit: 1 });
  t.deepEqual(
    trace.filter((entry) => entry.context === 'recur').map((entry) => entry.tyme),
    [0, 0.25, 0.5, 0.75],
  );
});

test('Doist does not queue a doer that finishes in enter, and records it done', (t) => {
  const trace: Trace = [];
  const quick = new Recorder(trace, { name: 'q', doneInEnter: true });
  const doist = new Doist();
  t.true(doist.do([quick]));
  t.true(quick.done);
  t.deepEqual(brief(trace), ['q:enter@0', 'q:clean@0', 'q:exit@0']);
  t.is(doist.tyme, 0.03125);
});

test('Doist#do again re-enters every doer and continues tyme unless tyme is given', (t) => {
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', runs: 1 });
  const doist = new Doist({ tock: 1, doers: [doer] });
  doist.do();
  t.is(doist.tyme, 1);
  doer.runs = 0;
  doist.do();
  t.is(doist.tyme, 2);
  doer.runs = 0;
  doist.do(undefined, { tyme: 10 });
  t.deepEqual(brief(trace), [
    'd:enter@0',
    'd:recur@0',
    'd:clean@0',
    'd:exit@0',
    'd:enter@1',
    'd:recur@1',
    'd:clean@1',
    'd:exit@1',
    'd:enter@10',
    'd:recur@10',
    'd:clean@10',
    'd:exit@10',
  ]);
});

test('Doist#extend during a pass enters at once; new deeds run next pass, before the caller', (t) => {
  const trace: Trace = [];
  const doist = new Doist({ tock: 1 });
  const c = new Recorder(trace, { name: 'c' });
  const a = new Recorder(trace, {
    name: 'a',
    onRecur: (run) => {
      if (run === 1) doist.extend([c, a]);
    },
  });
  const b = new Recorder(trace, { name: 'b' });
  doist.do([a, b], { limit: 2 });
  t.deepEqual(brief(trace), [
    'a:enter@0',
    'b:enter@0',
    'a:recur@0',
    'c:enter@0',
    'b:recur@0',
    'c:recur@1',
    'a:recur@1',
    'b:recur@1',
    'c:close@2',
    'c:exit@2',
    'b:close@2',
    'b:exit@2',
    'a:close@2',
    'a:exit@2',
  ]);
  t.deepEqual(doist.doers, [a, b, c]);
});

test('Doist#remove during a pass closes another doer at once and a doer removing itself after its run', (t) => {
  const trace: Trace = [];
  const doist = new Doist({ tock: 1 });
  const b = new Recorder(trace, { name: 'b' });
  const c = new Recorder(trace, { name: 'c' });
  const a = new Recorder(trace, {
    name: 'a',
    onRecur: (run, self) => {
      if (run === 1) doist.remove([b, c]);
      if (run === 2) doist.remove([self]);
    },
  });
  const d = new Recorder(trace, { name: 'd' });
  t.false(doist.do([a, b, c, d], { limit: 3 }));
  t.deepEqual(brief(trace), [
    'a:enter@0',
    'b:enter@0',
    'c:enter@0',
    'd:enter@0',
    'a:recur@0',
    'c:close@0',
    'c:exit@0',
    'b:close@0',
    'b:exit@0',
    'd:recur@0',
    'a:recur@1',
    'a:close@1',
    'a:exit@1',
    'd:recur@1',
    'd:recur@2',
    'd:close@3',
    'd:exit@3',
  ]);
  t.deepEqual(doist.doers, [d]);
  t.false(a.done);
  t.false(b.done);
});

test('Doist#remove ignores unlisted doers and only unlists finished ones', (t) => {
  const trace: Trace = [];
  const doist = new Doist({ tock: 1 });
  const quick = new Recorder(trace, { name: 'q', runs: 1 });
  const slow = new Recorder(trace, { name: 's' });
  doist.extend([quick, slow]);
  doist.recur();
  t.true(quick.done);
  doist.remove([quick, new Doer()]);
  t.deepEqual(doist.doers, [slow]);
  t.is(doist.size, 1);
  doist.exit();
  t.is(doist.size, 0);
});

test('Doist#extend re-enters a listed doer that already finished, and skips one still scheduled', (t) => {
  const trace: Trace = [];
  const doist = new Doist({ tock: 1 });
  const doer = new Recorder(trace, { name: 'd', runs: 1 });
  doist.extend([doer]);
  doist.extend([doer]);
  doist.recur();
  t.true(doer.done);
  doer.runs = 0;
  doist.extend([doer]);
  doist.recur();
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:clean@0', 'd:exit@0', 'd:enter@1', 'd:recur@1', 'd:clean@1', 'd:exit@1']);
  t.deepEqual(doist.doers, [doer]);
});

test('Doist closes the other deeds in reverse order of entry when a dog throws, then rethrows', (t) => {
  const trace: Trace = [];
  const a = new Recorder(trace, { name: 'a' });
  const b = new Recorder(trace, {
    name: 'b',
    onRecur: (run) => {
      if (run === 2) throw new Error('b failed');
    },
  });
  const c = new Recorder(trace, { name: 'c' });
  const doist = new Doist({ tock: 1 });
  t.throws(() => doist.do([a, b, c]), { message: 'b failed' });
  t.deepEqual(brief(trace), [
    'a:enter@0',
    'b:enter@0',
    'c:enter@0',
    'a:recur@0',
    'b:recur@0',
    'c:recur@0',
    'a:recur@1',
    'b:recur@1',
    'b:abort@1',
    'b:exit@1',
    'c:close@1',
    'c:exit@1',
    'a:close@1',
    'a:exit@1',
  ]);
  t.false(doist.done);
  t.false(a.done);
  t.false(b.done);
  t.is(doist.size, 0);
});

test('Doist closes the doers already entered when one fails in enter', (t) => {
  const trace: Trace = [];
  const a = new Recorder(trace, { name: 'a' });
  const b = new Recorder(trace, { name: 'b', failInEnter: new Error('no') });
  t.throws(() => new Doist().do([a, b]), { message: 'no' });
  t.deepEqual(brief(trace), ['a:enter@0', 'b:enter@0', 'b:abort@0', 'b:exit@0', 'a:close@0', 'a:exit@0']);
});

test('Doist#exit closes every deed even when one close throws, then rethrows the first error', (t) => {
  const trace: Trace = [];
  class BadClose extends Recorder {
    protected override close(): void {
      super.close();
      throw new Error(`${this.name} close failed`);
    }
  }
  const a = new BadClose(trace, { name: 'a' });
  const b = new BadClose(trace, { name: 'b' });
  const doist = new Doist();
  doist.extend([a, b]);
  t.throws(() => doist.exit(), { message: 'b close failed' });
  t.deepEqual(brief(trace), ['a:enter@0', 'b:enter@0', 'b:close@0', 'b:exit@0', 'a:close@0', 'a:exit@0']);
});

test('Doist#do cannot be re-entered from inside a doer', (t) => {
  const doist = new Doist();
  let caught: unknown;
  const doer = new Recorder([], {
    runs: 1,
    onRecur: () => {
      try {
        doist.do();
      } catch (error) {
        caught = error;
      }
    },
  });
  doist.do([doer]);
  t.true(caught instanceof HioError);
  t.is((caught as HioError).code, 'HIO_ERR_DOER_STATE');
});

test('Doist#run in virtual mode gives the same trace as do()', async (t) => {
  const make = (trace: Trace): Recorder[] => [
    new Recorder(trace, { name: 'a', tock: 0.25, runs: 4 }),
    new Recorder(trace, { name: 'b', tock: 0.5, runs: 3 }),
    new Recorder(trace, { name: 'c' }),
  ];
  const syncTrace: Trace = [];
  const asyncTrace: Trace = [];
  const sync = new Doist({ tock: 0.125 });
  const result = sync.do(make(syncTrace), { limit: 2 });
  const virtual = new Doist({ tock: 0.125, clock: new ManualClock() });
  const asyncResult = await virtual.run(make(asyncTrace), { limit: 2 });
  t.is(asyncResult, result);
  t.deepEqual(asyncTrace, syncTrace);
  t.is(virtual.tyme, sync.tyme);
});

test('Doist#run lets promises settle between recurs', async (t) => {
  let settled = 0;
  const doer = new Recorder([], {
    runs: 3,
    onRecur: () => {
      void Promise.resolve().then(() => {
        settled += 1;
      });
    },
  });
  const seen: number[] = [];
  const watcher = new Recorder([], {
    runs: 3,
    onRecur: () => {
      seen.push(settled);
    },
  });
  t.true(await new Doist().run([doer, watcher]));
  t.deepEqual(seen, [0, 1, 2]);
});

/** Resolves with the due time of the timer the Doist sleeps on. */
async function sleeping(clock: ManualClock): Promise<number> {
  const pending = clock.pending[0];
  return pending ?? (await clock.nextTimer());
}

test('Doist#run in real mode follows the clock and sleeps until the next due deed', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock(100);
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', tock: 1, runs: 3 });
  const doist = new Doist({ clock, real: true });
  const running = doist.run([doer]);
  t.is(await sleeping(clock), 101);
  clock.advance(1);
  t.is(await sleeping(clock), 102);
  clock.advance(1);
  t.true(await running);
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@1', 'd:recur@2', 'd:clean@2', 'd:exit@2']);
  t.deepEqual(clock.pending, []);
});

test("Doist#run in real mode recurs at once on wake, before the deed's tock", async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', tock: 1 });
  const doist = new Doist({ clock });
  const running = doist.run([doer], { real: true, limit: 2.5 });
  t.is(await sleeping(clock), 1);
  clock.advance(0.25);
  doer.wake();
  await nextTurns(3);
  t.deepEqual(brief(trace).slice(-1), ['d:recur@0.25']);
  // The woken deed keeps its phase, so the Doist sleeps until 1, on the timer already armed.
  t.deepEqual(clock.pending, [1]);
  clock.advance(0.75);
  t.is(await sleeping(clock), 2);
  clock.advance(1);
  t.is(await sleeping(clock), 2.5);
  clock.advance(0.5);
  t.false(await running);
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@0.25', 'd:recur@1', 'd:recur@2', 'd:close@2.5', 'd:exit@2.5']);
});

test('Doist#run in real mode skips missed slots after an overrun instead of bursting', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', tock: 1 });
  const doist = new Doist({ clock });
  const controller = new AbortController();
  const running = doist.run([doer], { real: true, signal: controller.signal });
  t.is(await sleeping(clock), 1);
  clock.advance(3.5);
  t.is(await clock.nextTimer(), 4);
  controller.abort();
  t.false(await running);
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@3.5', 'd:close@3.5', 'd:exit@3.5']);
});

test('Doist#run stops on an AbortSignal while sleeping and exits its doers', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const trace: Trace = [];
  const doist = new Doist({ clock, real: true });
  const controller = new AbortController();
  const running = doist.run([new Recorder(trace, { name: 'd', tock: 5 })], { signal: controller.signal });
  await sleeping(clock);
  controller.abort();
  t.false(await running);
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:close@0', 'd:exit@0']);
  t.deepEqual(clock.pending, []);
});

test('Doist#run with an already aborted signal runs no recur', async (t) => {
  const trace: Trace = [];
  const controller = new AbortController();
  controller.abort();
  t.false(await new Doist().run([new Recorder(trace, { name: 'd' })], { signal: controller.signal }));
  t.deepEqual(brief(trace), ['d:enter@0', 'd:close@0', 'd:exit@0']);
});

test('Doist#wake during a real-mode pass makes the run skip its next sleep', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const trace: Trace = [];
  const doist = new Doist({ clock, real: true, tock: 1 });
  const doer = new Recorder(trace, {
    name: 'd',
    tock: 10,
    runs: 2,
    onRecur: (run, self) => {
      if (run === 1) self.wake();
    },
  });
  t.true(await doist.run([doer]));
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@0', 'd:clean@0', 'd:exit@0']);
});

test("Doist#run in real mode paces tock-0 deeds by the Doist's tock", async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const doist = new Doist({ clock, real: true, tock: 0.5 });
  const running = doist.run([new Recorder([], { runs: 2 })]);
  t.is(await sleeping(clock), 0.5);
  clock.advance(0.5);
  t.true(await running);
});

test('Doist#run in real mode keeps one timer armed across wakes instead of re-arming it every recur', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  let armed = 0;
  const counting = {
    now: () => clock.now(),
    epochMs: () => clock.epochMs(),
    setTimer: (seconds: number, fn: () => void) => ((armed += 1), clock.setTimer(seconds, fn)),
  };
  const doer = new Recorder([], { name: 'd', tock: 10 });
  const doist = new Doist({ clock: counting, real: true });
  const controller = new AbortController();
  const running = doist.run([doer], { signal: controller.signal });
  for (let wake = 1; wake <= 20; wake++) {
    clock.advance(0.1);
    doer.wake();
    await nextTurns(2);
  }
  t.is(doer.runs, 21);
  t.is(armed, 1);
  t.deepEqual(clock.pending, [10]);
  controller.abort();
  await running;
  t.deepEqual(clock.pending, [], 'the armed timer is cancelled when the run ends');
});

test('Doist#run in real mode sleeps without a timer when every deed waits for a wake (tock Infinity)', async (t) => {
  t.timeout(5000);
  const clock = new ManualClock();
  const trace: Trace = [];
  const doer = new Recorder(trace, { name: 'd', tock: Infinity, runs: 3 });
  const doist = new Doist({ clock, real: true });
  const running = doist.run([doer]);
  await nextTurns(3);
  t.deepEqual(clock.pending, []);
  clock.advance(7);
  doer.wake();
  await nextTurns(3);
  clock.advance(1);
  doer.wake();
  t.true(await running);
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@7', 'd:recur@8', 'd:clean@8', 'd:exit@8']);
});

async function nextTurns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** A doer paced like a ServiceDoer: each run yields the seconds left until a fixed due tyme. */
class Paced extends Doer {
  readonly runs: number[] = [];

  constructor(readonly due: number) {
    super();
  }

  protected override recur(tyme: number): boolean {
    this.runs.push(tyme);
    this.tock = this.due <= tyme ? 0 : this.due - tyme;
    return false;
  }
}

test('Doist runs a paced deed woken during the pass that already ran it at its due tyme, not a pass early', (t) => {
  const paced = new Paced(1);
  const waker = new Recorder([], {
    onRecur: (run) => {
      if (run === 1) paced.wake();
    },
  });
  new Doist({ tock: 0.0625 }).do([paced, waker], { limit: 1.5 });
  // Woken at 0 after its run there, it runs again on the next pass and counts its tock from that run.
  t.deepEqual(paced.runs.slice(0, 3), [0, 0.0625, 1]);
});

test('Doist runs a paced deed woken by a later deed in a pass that found it not due at its due tyme, not a pass early', (t) => {
  const paced = new Paced(1);
  const waker = new Recorder([], {
    onRecur: (run) => {
      if (run === 2) paced.wake();
    },
  });
  new Doist({ tock: 0.0625 }).do([paced, waker], { limit: 1.5 });
  // Not due at .0625, it is woken there after the pass went past it: it runs on the next pass and counts its tock from that run.
  t.deepEqual(paced.runs.slice(0, 3), [0, 0.125, 1]);
});
