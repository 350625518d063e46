/**
 * @module
 * The ReDoer: a doer whose recur is itself a generator (hio's ReDoer). The
 * dog delegates to it between enter and clean, so recur yields its own tocks
 * and receives the tyme of each run; its return value becomes `done`. This is
 * a separate class rather than a Doer that inspects its recur at run time.
 */
import type { Tymth } from '../core/tymist.js';
import { BaseDoer } from './base-doer.js';
import type { Dog } from './doable.js';

/** A doer whose recur is a generator method. */
export abstract class ReDoer extends BaseDoer {
  /** Makes the dog; contexts run in the same orders as a {@link Doer}'s. */
  *do(tymth: Tymth, tock: number = this.tock): Dog {
    yield* this.lifecycle(tymth, tock, () => this.#runs());
    return this.done;
  }

  /** The runs: recur itself, unless enter already finished the doer; its return value becomes `done`. */
  *#runs(): Generator<number | undefined, void, number> {
    if (!this.done) this.done = (yield* this.recur()) === true;
  }

  /**
   * The work, as a generator: yield a tock (seconds; 0 or undefined for the
   * next pass), receive the tyme of the next run, return true when finished.
   */
  protected abstract recur(): Generator<number | undefined, boolean | undefined | void, number>;
}
