import test from 'ava';
import { TimerQueue } from '../../src/core/timer-queue.js';

const rethrow = (error: unknown): never => {
  throw error;
};

test('TimerQueue#fire runs what is due in tyme order, first added first among equal tymes', (t) => {
  const queue = new TimerQueue();
  const ran: string[] = [];
  queue.add(2, () => ran.push('b1'));
  queue.add(1, () => ran.push('a'));
  queue.add(2, () => ran.push('b2'));
  queue.add(3, () => ran.push('c'));
  t.is(queue.size, 4);
  t.is(queue.nextDue(), 1);
  t.is(queue.fire(0.5, rethrow), 0);
  t.is(queue.fire(2, rethrow), 3);
  t.deepEqual(ran, ['a', 'b1', 'b2']);
  t.is(queue.nextDue(), 3);
  t.is(queue.fire(10, rethrow), 1);
  t.deepEqual(ran, ['a', 'b1', 'b2', 'c']);
  t.is(queue.nextDue(), Infinity);
  t.is(queue.size, 0);
});

test('TimerQueue runs a callback added while it fires in the next pass, even at zero delay', (t) => {
  const queue = new TimerQueue();
  let runs = 0;
  const again = (): void => {
    runs += 1;
    queue.add(5, again);
  };
  queue.add(5, again);
  t.is(queue.fire(5, rethrow), 1);
  t.is(runs, 1);
  t.is(queue.nextDue(), 5);
  t.is(queue.fire(5, rethrow), 1);
  t.is(runs, 2);
});

test('TimerQueue cancel stops a callback, is harmless twice or after it ran, and nextDue skips it', (t) => {
  const queue = new TimerQueue();
  const ran: number[] = [];
  const cancelFirst = queue.add(1, () => ran.push(1));
  const cancelSecond = queue.add(2, () => ran.push(2));
  cancelFirst();
  cancelFirst();
  t.is(queue.size, 1);
  t.is(queue.nextDue(), 2);
  queue.fire(2, rethrow);
  cancelSecond();
  t.deepEqual(ran, [2]);
  // Cancelled while due, with nobody asking nextDue first: fire passes over it.
  const cancelThird = queue.add(3, () => ran.push(3));
  queue.add(3, () => ran.push(4));
  cancelThird();
  t.is(queue.fire(3, rethrow), 1);
  t.deepEqual(ran, [2, 4]);
  t.is(queue.size, 0);
  t.is(queue.held, 0);
});

test('TimerQueue holds memory in proportion to live timers however many are set and cancelled', (t) => {
  const queue = new TimerQueue();
  const keep = queue.add(1e9, () => {});
  let most = 0;
  for (let i = 0; i < 100_000; i++) {
    // Later tymes than the live one: they never reach the front on their own.
    queue.add(1e9 + i, () => {})();
    most = Math.max(most, queue.held);
  }
  t.is(queue.size, 1);
  t.true(most <= 66, `held at most ${most}`);
  keep();
  t.is(queue.size, 0);
});

test('TimerQueue hands a throwing callback to onFault and runs the rest', (t) => {
  const queue = new TimerQueue();
  const faults: unknown[] = [];
  const ran: string[] = [];
  const boom = new Error('boom');
  queue.add(1, () => {
    throw boom;
  });
  queue.add(1, () => ran.push('after'));
  t.is(
    queue.fire(1, (error) => faults.push(error)),
    2,
  );
  t.deepEqual(faults, [boom]);
  t.deepEqual(ran, ['after']);
});

test('TimerQueue#clear drops everything; cancels kept from before stay harmless', (t) => {
  const queue = new TimerQueue();
  const cancel = queue.add(1, () => t.fail());
  queue.add(2, () => t.fail());
  queue.clear();
  cancel();
  t.is(queue.size, 0);
  t.is(queue.held, 0);
  t.is(queue.fire(10, rethrow), 0);
  queue.add(3, () => {});
  t.is(queue.size, 1);
});
