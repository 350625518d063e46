/**
 * The RestartBudget, driven by hand: times are plain numbers.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { RESTART_DEFAULTS, RestartBudget } from '../../src/app/restart-budget.js';

test('RestartBudget doubles the delay from backoff up to maxBackoff', (t) => {
  const budget = new RestartBudget({ backoff: 0.1, maxBackoff: 0.5, maxRestarts: 100 });
  const delays = [1, 2, 3, 4, 5].map((now) => budget.next(now, now - 0.01));
  t.deepEqual(delays, [0.1, 0.2, 0.4, 0.5, 0.5]);
});

test('RestartBudget resets the delay after a worker that stayed up for settle seconds', (t) => {
  const budget = new RestartBudget({ backoff: 1, maxBackoff: 8, settle: 10, maxRestarts: 100 });
  t.is(budget.next(0, 0), 1);
  t.is(budget.next(1, 0.5), 2);
  t.is(budget.next(2, 1.5), 4);
  // Up for exactly settle seconds: back to the first delay, which then doubles again.
  t.is(budget.next(20, 10), 1);
  t.is(budget.next(21, 20.5), 2);
});

test('RestartBudget grants maxRestarts restarts within window and refuses the one after', (t) => {
  const budget = new RestartBudget({ maxRestarts: 3, window: 60, backoff: 0, maxBackoff: 0 });
  t.is(budget.next(0, 0), 0);
  t.is(budget.next(10, 5), 0);
  t.is(budget.next(20, 15), 0);
  t.is(budget.recent, 3);
  t.is(budget.next(30, 25), null);
  // Refused restarts are not counted: once the first restart leaves the window, one more is granted.
  t.is(budget.next(60, 55), 0);
  t.is(budget.next(61, 60.5), null);
});

test('RestartBudget with maxRestarts 0 refuses the first restart', (t) => {
  t.is(new RestartBudget({ maxRestarts: 0 }).next(100, 0), null);
});

test('RestartBudget defaults to 10 restarts per 60 s, 0.1 s doubling to 5 s, reset after 10 s up', (t) => {
  const budget = new RestartBudget();
  t.deepEqual(budget.policy, RESTART_DEFAULTS);
  t.deepEqual(RESTART_DEFAULTS, { maxRestarts: 10, window: 60, backoff: 0.1, maxBackoff: 5, settle: 10 });
  // Undefined keys count as absent.
  t.is(new RestartBudget({ window: undefined } as never).policy.window, 60);
});

test('RestartBudget rejects unknown keys, negative or fractional counts and bad durations with HIO_ERR_INVALID_OPTION', (t) => {
  for (const policy of [
    { maxRestarts: -1 },
    { maxRestarts: 1.5 },
    { window: -1 },
    { backoff: Number.NaN },
    { maxBackoff: Infinity },
    { settle: -0.1 },
    { retries: 3 },
  ]) {
    const error = t.throws(() => new RestartBudget(policy as never), { instanceOf: HioError }, JSON.stringify(policy));
    t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  }
});
