/**
 * The simulated network's queues: {@link TymeQueue}, the tymes of the
 * events that concern one sleeper, must give them back earliest first
 * whatever order they came in and however pushes and pops interleave.
 */
import test from 'ava';
import fc from 'fast-check';
import { TymeQueue } from '../../src/net/sim/sim-events.js';

test('TymeQueue gives tymes back earliest first: in order, out of order, and after emptying', (t) => {
  const queue = new TymeQueue();
  t.is(queue.peek(), Infinity);
  for (const tyme of [1, 2, 2, 5, 3, 0.5, 4]) queue.push(tyme);
  t.is(queue.size, 7);
  const out: number[] = [];
  while (queue.size > 0) {
    out.push(queue.peek());
    queue.pop();
  }
  t.deepEqual(out, [0.5, 1, 2, 2, 3, 4, 5]);
  t.is(queue.peek(), Infinity);
  // Emptied, it takes an in-order run again from any tyme.
  queue.push(0.25);
  queue.push(0.75);
  t.is(queue.peek(), 0.25);
});

test('TymeQueue matches a sorted list under any interleaving of pushes and pops', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(-1)), { maxLength: 300 }), (steps) => {
      const queue = new TymeQueue();
      const model: number[] = [];
      for (const step of steps) {
        if (step < 0) {
          // A pop: the earliest goes, or nothing when empty.
          model.sort((a, b) => a - b);
          model.shift();
          queue.pop();
        } else {
          model.push(step);
          queue.push(step);
        }
        if (queue.size !== model.length) return false;
        if (queue.peek() !== (model.length === 0 ? Infinity : Math.min(...model))) return false;
      }
      return true;
    }),
    { seed: 1, numRuns: 200 },
  );
  t.pass();
});
