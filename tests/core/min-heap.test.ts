import test from 'ava';
import fc from 'fast-check';
import { MinHeap } from '../../src/core/min-heap.js';

test('MinHeap pops the smallest key first and equal keys first-in first-out', (t) => {
  const heap = new MinHeap<string>();
  t.is(heap.peekKey(), Infinity);
  t.is(heap.pop(), undefined);
  heap.push(2, 'b1');
  heap.push(1, 'a');
  heap.push(2, 'b2');
  heap.push(0.5, 'z');
  heap.push(2, 'b3');
  t.is(heap.size, 5);
  t.is(heap.peek(), 'z');
  t.is(heap.peekKey(), 0.5);
  t.deepEqual([heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()], ['z', 'a', 'b1', 'b2', 'b3']);
  heap.push(1, 'x');
  heap.clear();
  t.is(heap.size, 0);
});

test('MinHeap orders like a stable sort by key', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (keys) => {
      const heap = new MinHeap<number>();
      keys.forEach((key, index) => heap.push(key, index));
      const expected = keys
        .map((key, index) => ({ key, index }))
        .sort((a, b) => a.key - b.key || a.index - b.index)
        .map((entry) => entry.index);
      const popped: number[] = [];
      while (heap.size > 0) popped.push(heap.pop()!);
      return popped.every((value, i) => value === expected[i]) && popped.length === expected.length;
    }),
    { seed: 7, numRuns: 200 },
  );
  t.pass();
});

test('MinHeap#retain keeps the chosen items and their order, stable among equal keys', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (items) => {
      const heap = new MinHeap<number>();
      items.forEach(([key], index) => heap.push(key, index));
      heap.retain((index) => items[index]![1]);
      const expected = items
        .map(([key, kept], index) => ({ key, kept, index }))
        .filter((entry) => entry.kept)
        .sort((a, b) => a.key - b.key || a.index - b.index)
        .map((entry) => entry.index);
      const popped: number[] = [];
      while (heap.size > 0) popped.push(heap.pop()!);
      return popped.length === expected.length && popped.every((value, i) => value === expected[i]);
    }),
    { seed: 7, numRuns: 200 },
  );
  t.pass();
});
