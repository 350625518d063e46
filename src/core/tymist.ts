/**
 * @module
 * The Tymist: the owner of tyme. Tyme is a number of seconds — virtual in a
 * simulation, following a monotonic clock when a Doist runs in real mode —
 * advanced only by {@link Tymist.tick}. Other objects read it through the
 * closure {@link Tymist.tymen} returns (a {@link Tymth}), never by holding the
 * Tymist itself.
 */
import { checkOptions, checkSeconds } from './options.js';

/** A closure that reads the current tyme of one Tymist, in seconds. */
export type Tymth = () => number;

/** Options for a {@link Tymist}. */
export interface TymistOptions {
  /** Starting tyme in seconds (default 0). */
  readonly tyme?: number;
  /** Default step in seconds for {@link Tymist.tick} (default 1/32). */
  readonly tock?: number;
}

/** The default tock, 1/32 s: exact in binary, so sums of tocks do not drift. */
export const DEFAULT_TOCK = 0.03125;

/** Owns tyme and advances it one tock at a time. */
export class Tymist {
  #tyme: number;
  #tock: number;

  constructor(options: TymistOptions = {}) {
    checkOptions('Tymist', options, ['tyme', 'tock']);
    this.#tyme = options.tyme ?? 0;
    if (!Number.isFinite(this.#tyme)) checkSeconds('Tymist', 'tyme', this.#tyme);
    this.#tock = checkSeconds('Tymist', 'tock', options.tock ?? DEFAULT_TOCK);
  }

  /** Current tyme in seconds. Setting it jumps tyme (the owner's prerogative); Tymers see the jump. */
  get tyme(): number {
    return this.#tyme;
  }

  set tyme(tyme: number) {
    if (!Number.isFinite(tyme)) checkSeconds('Tymist', 'tyme', tyme);
    this.#tyme = tyme;
  }

  /** The step {@link tick} adds when called without an argument, in seconds (≥ 0). */
  get tock(): number {
    return this.#tock;
  }

  set tock(tock: number) {
    this.#tock = checkSeconds('Tymist', 'tock', tock);
  }

  /**
   * Advances tyme by `tock` seconds (default: this Tymist's tock, which is
   * left unchanged either way) and returns the new tyme.
   */
  tick(tock: number = this.#tock): number {
    this.#tyme += checkSeconds('Tymist', 'tick', tock);
    return this.#tyme;
  }

  /** Returns a closure that always reads this Tymist's current tyme. */
  tymen(): Tymth {
    return () => this.#tyme;
  }
}
