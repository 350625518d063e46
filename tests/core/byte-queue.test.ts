import test from 'ava';
import fc from 'fast-check';
import { ByteQueue } from '../../src/core/byte-queue.js';
import { HioError } from '../../src/core/errors.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function queueOf(...chunks: string[]): ByteQueue {
  const queue = new ByteQueue();
  for (const chunk of chunks) queue.push(bytes(chunk));
  return queue;
}

test('ByteQueue finds a pattern that straddles chunk boundaries', (t) => {
  const queue = queueOf('GET / HTTP/1.1\r', '\n\r', '\n');
  t.is(queue.length, 18);
  t.is(queue.indexOf(bytes('\r\n\r\n')), 14);
  t.is(queue.indexOf(bytes('\r\n')), 14);
  t.is(queue.indexOf(bytes('\r\n'), 15), 16);
  t.is(queue.indexOf(0x0a), 15);
  t.is(queue.indexOf(bytes('x')), -1);
  t.is(queue.indexOf(bytes(''), 3), 3);
});

test('ByteQueue#peek returns a view within one chunk and a copy across chunks', (t) => {
  const first = bytes('abc');
  const queue = new ByteQueue();
  queue.push(first);
  queue.push(bytes('def'));
  const view = queue.peek(2);
  t.is(view.buffer, first.buffer);
  t.is(view.toString(), 'ab');
  t.is(queue.peek(5).toString(), 'abcde');
  t.is(queue.peek().toString(), 'abcdef');
  t.is(queue.length, 6);
});

test('ByteQueue#consume and #take advance across chunks', (t) => {
  const queue = queueOf('ab', 'cd', 'ef');
  queue.consume(1);
  t.is(queue.at(0), 'b'.charCodeAt(0));
  t.is(queue.take(3).toString(), 'bcd');
  t.is(queue.length, 2);
  t.is(queue.take(2).toString(), 'ef');
  t.is(queue.length, 0);
  t.is(queue.peek(0).length, 0);
  t.is(queue.at(0), -1);
});

test('ByteQueue#takeChunks passes chunks on without copying', (t) => {
  const a = bytes('hello ');
  const b = bytes('world');
  const queue = new ByteQueue();
  queue.push(a);
  queue.push(b);
  queue.consume(1);
  const chunks = queue.takeChunks(8);
  t.deepEqual(
    chunks.map((chunk) => chunk.toString()),
    ['ello ', 'wor'],
  );
  t.is(chunks[0]!.buffer, a.buffer);
  t.is(chunks[1]!.buffer, b.buffer);
  t.is(queue.take(2).toString(), 'ld');
});

test('ByteQueue rejects reading more bytes than it holds', (t) => {
  const queue = queueOf('abc');
  t.is(t.throws(() => queue.peek(4), { instanceOf: HioError }).code, 'HIO_ERR_BYTE_RANGE');
  t.is(t.throws(() => queue.consume(-1), { instanceOf: HioError }).code, 'HIO_ERR_BYTE_RANGE');
  t.is(t.throws(() => queue.take(1.5), { instanceOf: HioError }).code, 'HIO_ERR_BYTE_RANGE');
  queue.clear();
  t.is(queue.length, 0);
});

test('ByteQueue accepts Uint8Array views without copying and ignores empty chunks', (t) => {
  const backing = new Uint8Array([1, 2, 3, 4, 5]);
  const queue = new ByteQueue();
  queue.push(backing.subarray(1, 4));
  queue.push(new Uint8Array(0));
  t.is(queue.length, 3);
  t.deepEqual([...queue.peek()], [2, 3, 4]);
  t.is(queue.peek().buffer, backing.buffer);
});

test('ByteQueue stays compact after many small chunks are consumed', (t) => {
  const queue = new ByteQueue();
  for (let i = 0; i < 1000; i++) {
    queue.push(bytes(`${i % 10}`));
    if (i % 3 === 2) queue.consume(2);
  }
  let expected = '';
  for (let i = 0; i < 1000; i++) expected += `${i % 10}`;
  const consumed = Math.floor(1000 / 3) * 2;
  t.is(queue.length, 1000 - consumed);
  t.is(queue.peek().toString(), expected.slice(consumed));
});

// Model-based property test: every operation on the queue matches the same
// operation on a plain array of bytes.
type Operation =
  | { kind: 'push'; chunk: number[] }
  | { kind: 'consume'; fraction: number }
  | { kind: 'take'; fraction: number }
  | { kind: 'takeChunks'; fraction: number }
  | { kind: 'indexOf'; pattern: number[]; from: number }
  | { kind: 'indexOfByte'; value: number; from: number }
  | { kind: 'peek'; fraction: number }
  | { kind: 'at'; index: number };

const smallBytes = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), chunk: smallBytes }),
  fc.record({ kind: fc.constant('consume' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('take' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('takeChunks' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('indexOf' as const),
    pattern: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    from: fc.integer({ min: -2, max: 20 }),
  }),
  fc.record({ kind: fc.constant('indexOfByte' as const), value: fc.integer({ min: 0, max: 3 }), from: fc.integer({ min: -2, max: 20 }) }),
  fc.record({ kind: fc.constant('peek' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('at' as const), index: fc.integer({ min: -1, max: 20 }) }),
);

function modelIndexOf(model: number[], pattern: number[], from: number): number {
  for (let i = Math.max(0, from); i + pattern.length <= model.length; i++) {
    if (pattern.every((value, k) => model[i + k] === value)) return i;
  }
  return -1;
}

test('ByteQueue matches a plain-array model under random operations', (t) => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const queue = new ByteQueue();
      let model: number[] = [];
      for (const op of operations) {
        switch (op.kind) {
          case 'push':
            queue.push(Uint8Array.from(op.chunk));
            model.push(...op.chunk);
            break;
          case 'consume': {
            const count = Math.floor(op.fraction * model.length);
            queue.consume(count);
            model = model.slice(count);
            break;
          }
          case 'take': {
            const count = Math.floor(op.fraction * model.length);
            if (![...queue.take(count)].every((value, k) => value === model[k])) return false;
            model = model.slice(count);
            break;
          }
          case 'takeChunks': {
            const count = Math.floor(op.fraction * model.length);
            const taken = Buffer.concat(queue.takeChunks(count));
            if (taken.length !== count || ![...taken].every((value, k) => value === model[k])) return false;
            model = model.slice(count);
            break;
          }
          case 'indexOf':
            if (queue.indexOf(Uint8Array.from(op.pattern), op.from) !== modelIndexOf(model, op.pattern, op.from)) return false;
            break;
          case 'indexOfByte':
            if (queue.indexOf(op.value, op.from) !== modelIndexOf(model, [op.value], op.from)) return false;
            break;
          case 'peek': {
            const count = Math.floor(op.fraction * model.length);
            if (![...queue.peek(count)].every((value, k) => value === model[k])) return false;
            break;
          }
          case 'at':
            if (queue.at(op.index) !== (op.index >= 0 && op.index < model.length ? model[op.index] : -1)) return false;
            break;
        }
        if (queue.length !== model.length) return false;
      }
      return true;
    }),
    { seed: 20261121, numRuns: 500 },
  );
  t.pass();
});
