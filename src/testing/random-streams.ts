/**
 * @module
 * Labelled random streams: one seeded generator per purpose ("profile",
 * "faults:reset", "client:c-3"), each derived from the run's seed and its
 * label alone. A new random call in one purpose never reshuffles another's
 * draws, so adding a fault kind or a client leaves the rest of a seed's
 * run as it was.
 */
import { Prng } from '../core/prng.js';

/** FNV-1a over the label's UTF-16 code units, then mixed with the seed. */
function streamSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  h ^= Math.floor(seed / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The generators of one run, by label. */
export class RandomStreams {
  readonly seed: number;
  readonly #streams = new Map<string, Prng>();

  constructor(seed: number) {
    this.seed = seed;
  }

  /** The generator for `label` (the same object on every call for one label). */
  get(label: string): Prng {
    let prng = this.#streams.get(label);
    if (prng === undefined) {
      prng = new Prng(streamSeed(this.seed, label));
      this.#streams.set(label, prng);
    }
    return prng;
  }
}

/** An exponentially distributed wait with mean `mean`, from `prng`. */
export function exponential(prng: Prng, mean: number): number {
  return -Math.log(1 - prng.next()) * mean;
}

/** A value between `low` and `high`, uniform on a log scale (both > 0). */
export function logUniform(prng: Prng, low: number, high: number): number {
  return low * Math.pow(high / low, prng.next());
}
