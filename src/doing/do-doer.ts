/**
 * @module
 * The DoDoer: a Doer that schedules child doers like a Doist, on its parent's
 * tyme (the children get the same tymth; no new clock is made). Each of its
 * runs is one pass over its children, without a tick. A child yielding 0 runs
 * on every run of the DoDoer. It finishes when every child has finished,
 * unless `always` keeps it running with an empty queue until closed. Closing
 * or aborting it closes the remaining children in reverse order of entry, in
 * its exit context.
 *
 * Subclasses that override enter, recur or exit must call `super`.
 */
import { checkOptions } from '../core/options.js';
import type { DoerOptions } from './base-doer.js';
import type { Doable } from './doable.js';
import { Deeds } from './deeds.js';
import { Doer } from './doer.js';

/** Options of a {@link DoDoer}. */
export interface DoDoerOptions extends DoerOptions {
  /** The child doers (default none). */
  readonly doers?: readonly Doable[];
  /** Keep running with no children left, until closed (default false). */
  readonly always?: boolean;
}

/** A doer that schedules child doers. */
export class DoDoer extends Doer {
  /** Keep running with no children left, until closed. */
  always: boolean;
  #deeds: Deeds;

  constructor(options: DoDoerOptions = {}) {
    checkOptions('DoDoer', options, ['tymth', 'tock', 'name', 'doers', 'always']);
    super(options);
    this.always = options.always ?? false;
    // The tymth is wound at enter; until then a closure that reads ours lazily.
    this.#deeds = new Deeds(
      () => this.tyme,
      () => this.wake(),
    );
    this.#deeds.replace(options.doers ?? []);
  }

  /** The listed children. */
  get doers(): readonly Doable[] {
    return this.#deeds.doers;
  }

  /** Replaces the listed children; takes effect at the next enter. */
  set doers(doers: readonly Doable[]) {
    this.#deeds.closeAll();
    this.#deeds.replace(doers);
  }

  /** Number of children still scheduled. */
  get size(): number {
    return this.#deeds.size;
  }

  /** Enters and lists new children now; they first run on the next pass. */
  extend(doers: readonly Doable[]): void {
    this.#deeds.extend(doers);
  }

  /** Unlists children and closes their deeds, also during a pass and also a child removing itself. */
  remove(doers: readonly Doable[]): void {
    this.#deeds.remove(doers);
  }

  /** Enters every listed child on this DoDoer's tymth. */
  protected override enter(): void {
    const tymth = this.tymth;
    if (tymth !== null) this.#deeds.enterAll(tymth);
  }

  /** One pass over the children; true (finished) once none is left, unless `always`. */
  protected override recur(tyme: number): boolean {
    this.#deeds.pass(tyme, this.tock);
    return this.#deeds.size === 0 && !this.always;
  }

  /** Closes the remaining children in reverse order of entry. */
  protected override exit(): void {
    this.#deeds.closeAll();
  }
}
