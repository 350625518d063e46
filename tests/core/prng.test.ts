import test from 'ava';
import { Prng, realRandom } from '../../src/core/prng.js';
import { HioError } from '../../src/core/errors.js';

test('Prng gives the same sequence for the same seed and a different one for another seed', (t) => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 20 }, () => a.next());
  const seqB = Array.from({ length: 20 }, () => b.next());
  const seqC = Array.from({ length: 20 }, () => c.next());
  t.deepEqual(seqA, seqB);
  t.notDeepEqual(seqA, seqC);
  t.is(a.seed, 42);
});

test('Prng values stay in [0, 1) and int(bound) covers [0, bound) roughly evenly', (t) => {
  const prng = new Prng(7);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    const value = prng.next();
    t.true(value >= 0 && value < 1);
    counts[prng.int(4)]! += 1;
  }
  for (const count of counts) t.true(count > 850 && count < 1150, `count ${count}`);
});

test('Prng#fork gives an independent reproducible stream', (t) => {
  const first = new Prng(1).fork();
  const second = new Prng(1).fork();
  t.is(first.next(), second.next());
  t.not(new Prng(1).fork().seed, new Prng(2).fork().seed);
});

test('Prng and realRandom reject bad seeds and bounds', (t) => {
  t.is(t.throws(() => new Prng(1.5), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new Prng(1).int(0), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => realRandom.int(2 ** 33), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const value = realRandom.int(10);
  t.true(Number.isInteger(value) && value >= 0 && value < 10);
  const fraction = realRandom.next();
  t.true(fraction >= 0 && fraction < 1);
});
