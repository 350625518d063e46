/**
 * The digest of a sweep: the same whatever order the seeds come back in and
 * however they are batched, and the shards' digests add up to the range's.
 */
import test from 'ava';
import { SweepDigest } from '../../src/cli/sim-digest.js';

const runs = Array.from({ length: 30 }, (_, index) => ({ seed: index + 1, digest: `d${(index * 7919) % 101}` }));

function digestOf(list: ReadonlyArray<{ seed: number; digest: string }>): SweepDigest {
  const digest = new SweepDigest();
  for (const { seed, digest: text } of list) digest.add(seed, text);
  return digest;
}

test('SweepDigest does not depend on the order seeds are added in', (t) => {
  const forward = digestOf(runs);
  const backward = digestOf([...runs].reverse());
  t.is(forward.hex(), backward.hex());
  t.is(forward.count, 30);
  t.regex(forward.hex(), /^[0-9a-f]{32}$/);
});

test('SweepDigest changes when one seed runs differently, or when a seed is missing', (t) => {
  const base = digestOf(runs).hex();
  t.not(digestOf(runs.map((run) => (run.seed === 17 ? { ...run, digest: `${run.digest}x` } : run))).hex(), base);
  t.not(digestOf(runs.slice(1)).hex(), base);
  // The same digests on other seeds are other runs.
  t.not(digestOf(runs.map((run) => ({ ...run, seed: run.seed + 1 }))).hex(), base);
});

test('SweepDigest#merge of batches, or of shards, gives the digest of the whole', (t) => {
  const whole = digestOf(runs);
  const merged = new SweepDigest();
  for (const shard of [0, 1, 2]) {
    const part = digestOf(runs.filter((_, position) => position % 3 === shard));
    merged.merge(part.words(), part.count);
  }
  t.is(merged.hex(), whole.hex());
  t.is(merged.count, whole.count);
});

test('SweepDigest#merge carries across its 32-bit words', (t) => {
  const digest = new SweepDigest();
  digest.merge([0xffffffff, 0xffffffff, 0, 0], 1);
  digest.merge([1, 0, 0, 0], 1);
  t.is(digest.hex(), '00000000000000010000000000000000');
  // 2^64 + (2^128 - 2^64) = 2^128: modulo 2^128, the carry out of the top word is dropped.
  digest.merge([0, 0, 0xffffffff, 0xffffffff], 0);
  t.is(digest.hex(), '0'.repeat(32));
});
