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
    this.begin(tymth, tock);
    let ended = false;
    try {
      this.enter();
      while (!this.done) {
        const tyme: number = yield this.tock;
        if (this.recur(tyme)) this.done = true;
      }
      this.clean();
      ended = true;
    } catch (error) {
      ended = true;
      this.abort(error);
      throw error;
    } finally {
      // Reaching here without ending or failing means return() was called: a close.
      try {
        if (!ended) this.close();
      } finally {
        this.exit();
      }
    }
    return true;
  }

  /**
   * Does one run's work at `tyme` (seconds). Return true when finished.
   * The default never finishes.
   */
  protected recur(_tyme: number): boolean {
    return false;
  }
}
