import test from 'ava';
import { realClock, tymeClock } from '../../src/core/clock.js';
import { Tymist } from '../../src/core/tymist.js';
import { HioError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

test('realClock is monotonic and its timers fire and cancel', async (t) => {
  t.timeout(5000);
  const first = realClock.now();
  t.true(realClock.now() >= first);
  t.true(Math.abs(realClock.epochMs() - Date.now()) < 1000);
  let cancelledFired = false;
  const cancel = realClock.setTimer(0, () => {
    cancelledFired = true;
  });
  cancel();
  await new Promise<void>((resolve) => realClock.setTimer(0.001, resolve));
  t.false(cancelledFired);
});

test('tymeClock follows tyme and cannot set timers', (t) => {
  const tymist = new Tymist({ tock: 0.5 });
  const clock = tymeClock(tymist.tymen(), 1_000_000);
  tymist.tick();
  t.is(clock.now(), 0.5);
  t.is(clock.epochMs(), 1_000_500);
  t.is(t.throws(() => clock.setTimer(1, () => {}), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});

test('ManualClock fires timers in due order only when advanced', async (t) => {
  const clock = new ManualClock(10, 5000);
  const fired: string[] = [];
  const next = clock.nextTimer();
  clock.setTimer(2, () => fired.push(`b@${clock.now()}`));
  t.is(await next, 12);
  clock.setTimer(1, () => fired.push(`a@${clock.now()}`));
  const cancel = clock.setTimer(1.5, () => fired.push('cancelled'));
  cancel();
  cancel();
  t.deepEqual(clock.pending, [11, 12]);
  clock.advance(0.5);
  t.deepEqual(fired, []);
  clock.advance(2);
  t.deepEqual(fired, ['a@11', 'b@12']);
  t.is(clock.now(), 12.5);
  t.is(clock.epochMs(), 17500);
});
