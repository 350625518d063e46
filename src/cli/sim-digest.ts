/**
 * @module
 * The digest of a whole sweep, to compare two sweeps at a glance: the sum,
 * modulo 2^128, of the first 128 bits of SHA-256(`seed:digest`) over every
 * seed. Each term binds a seed to its run's digest, so the sum changes when
 * any seed's run does; a sum does not depend on the order the seeds came back
 * in, so it is the same for any --jobs and any batching; and the digests of
 * the shards of a range add up to the digest of the whole range. The
 * workers hash their batches' seeds and send partial sums, which the sweep
 * adds: hashing stays off the one thread that hears from every worker.
 */
import { createHash } from 'node:crypto';

export class SweepDigest {
  /** The sum, four 32-bit words, least significant first. */
  readonly #words = new Uint32Array(4);
  /** Seeds added. */
  count = 0;

  /** Adds a seed's run; `digest` is '' for a seed whose run gave no result (it threw), which still counts. */
  add(seed: number, digest: string): void {
    const term = createHash('sha256').update(`${seed}:${digest}`).digest();
    this.merge([term.readUInt32LE(0), term.readUInt32LE(4), term.readUInt32LE(8), term.readUInt32LE(12)], 1);
  }

  /** Adds another sum (its {@link SweepDigest#words}) of `count` seeds. */
  merge(words: readonly number[], count: number): void {
    let carry = 0;
    for (let index = 0; index < 4; index++) {
      const sum = this.#words[index]! + (words[index] ?? 0) + carry;
      this.#words[index] = sum >>> 0;
      carry = sum > 0xffffffff ? 1 : 0;
    }
    this.count += count;
  }

  /** The sum as four 32-bit words, least significant first, for {@link SweepDigest#merge}. */
  words(): number[] {
    return Array.from(this.#words);
  }

  /** The sum as 32 hexadecimal digits, most significant first. */
  hex(): string {
    return Array.from(this.#words)
      .reverse()
      .map((word) => word.toString(16).padStart(8, '0'))
      .join('');
  }
}
