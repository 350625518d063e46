/**
 * @module
 * The Doer: a unit of scheduled work whose `recur(tyme)` is a plain method
 * called once per run. Its dog yields the doer's tock before each run
 * (re-read every time) and stops when recur returns true. See
 * {@link BaseDoer} for the context orders.
 */
import type { Tymth } from '../core/tymist.js';
import { BaseDoer } from './base-doer.js';
import type { Dog } from './doable.js';

/** A doer whose recur is a plain method. Subclass it and override the contexts you need. */
export class Doer extends BaseDoer {
  /** Makes the dog. Nothing runs until the scheduler's first `next()`, which runs enter. */
  *do(tymth: Tymth, tock: number = this.tock): Dog {
    yield* this.lifecycle(tymth, tock, () => this.#runs());
    return true;
  }

  /** The runs: yield the tock, run recur at the tyme received, until it returns true. */
  *#runs(): Generator<number, void, number> {
    while (!this.done) {
      const tyme: number = yield this.tock;
      if (this.recur(tyme)) this.done = true;
    }
  }

  /**
   * Does one run's work at `tyme` (seconds). Return true when finished.
   * The default never finishes.
   */
  protected recur(_tyme: number): boolean {
    return false;
  }
}
