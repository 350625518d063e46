/**
 * @module
 * The randomness seam. Everything that needs randomness takes a
 * {@link Random}. {@link Prng} is the seeded, reproducible implementation a
 * simulation uses (the same seed gives the same sequence on every machine);
 * {@link realRandom} is the one place real randomness enters hio-ts.
 */
import { getRandomValues } from 'node:crypto';
import { HioError } from './errors.js';

/** A source of uniformly distributed numbers. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, bound), bound a positive integer ≤ 2^32. */
  int(bound: number): number;
}

function checkBound(bound: number): void {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `random bound must be an integer in [1, 2^32], got ${bound}`);
  }
}

/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32): fast,
 * 32-bit, and identical across platforms for a given seed. Not for secrets.
 */
export class Prng implements Random {
  /** The seed this generator started from. */
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new HioError('HIO_ERR_INVALID_OPTION', `seed must be an integer, got ${seed}`);
    this.seed = seed;
    let state = seed >>> 0;
    const splitmix = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    for (let i = 0; i < 12; i++) this.#next32();
  }

  /** The next 32-bit unsigned integer. */
  #next32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#next32() / 4294967296;
  }

  int(bound: number): number {
    checkBound(bound);
    return Math.floor(this.next() * bound);
  }

  /** A new generator seeded from this one: independent streams for sub-systems. */
  fork(): Prng {
    return new Prng(this.#next32());
  }
}

/** Randomness from the operating system (node:crypto); the only real source in hio-ts. */
export const realRandom: Random = Object.freeze({
  next(): number {
    return getRandomValues(new Uint32Array(1))[0]! / 4294967296;
  },
  int(bound: number): number {
    checkBound(bound);
    return Math.floor(realRandom.next() * bound);
  },
});
