/**
 * @module
 * The state and lifecycle contexts shared by {@link Doer} and {@link ReDoer}.
 * A dog made by either runs its contexts in hio's orders:
 *
 * - normal end: enter, recur…, clean, exit
 * - forced close (`dog.return()`): enter, recur…, close, exit
 * - exception inside: enter, recur…, abort(ex), exit, then the exception propagates
 * - exception in enter: enter, abort(ex), exit
 *
 * JavaScript has no GeneratorExit: a forced `return()` runs only `finally`
 * blocks, so the dog notices a close as "reached `finally` without ending or
 * failing".
 */
import { checkTock } from '../core/options.js';
import { Tymee } from '../core/tymee.js';
import type { Tymth } from '../core/tymist.js';
import type { Doable, Dog } from './doable.js';

/** Options shared by every doer class. */
export interface DoerOptions {
  /** The tyme closure to read before the doer is scheduled (a scheduler winds its own). */
  readonly tymth?: Tymth;
  /** Seconds between runs (default 0: every pass). */
  readonly tock?: number;
  /** A label for traces and errors (default: the class name). */
  readonly name?: string;
}

/** Base of the context-driven doers. Override the contexts you need; each does nothing by default. */
export abstract class BaseDoer extends Tymee implements Doable {
  readonly name: string;
  done = false;
  #tock: number;
  #waker: (() => void) | null = null;

  constructor(options: DoerOptions = {}) {
    super(options.tymth ?? null);
    this.name = options.name ?? this.constructor.name;
    this.#tock = checkTock(this.name, options.tock ?? 0);
  }

  /**
   * Seconds between runs; re-read after every run, so recur may change the
   * pace. 0 runs on every pass; Infinity runs only when woken.
   */
  get tock(): number {
    return this.#tock;
  }

  set tock(tock: number) {
    this.#tock = checkTock(this.name, tock);
  }

  wake(): void {
    this.#waker?.();
  }

  attachWaker(waker: (() => void) | null): void {
    this.#waker = waker;
  }

  abstract do(tymth: Tymth, tock: number): Dog;

  /**
   * Winds the tymth and tock into this doer and clears `done`: the first
   * steps of every dog, before `enter()`.
   */
  protected begin(tymth: Tymth, tock: number): void {
    this.wind(tymth);
    this.tock = tock;
    this.done = false;
  }

  /**
   * The lifecycle every dog shares, around `work` (the runs): begin, enter,
   * the work, clean — or abort when something throws, or close when the
   * scheduler stops the dog early (`return()`) — and exit last, always.
   * Returns what the work returned.
   */
  protected *lifecycle<R>(tymth: Tymth, tock: number, work: () => Generator<number | undefined, R, number>): Generator<number | undefined, R, number> {
    this.begin(tymth, tock);
    let ended = false;
    try {
      this.enter();
      const result = yield* work();
      this.clean();
      ended = true;
      return result;
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
  }

  /** Runs once when the dog starts, before the first recur. Setting `done` here skips recur. */
  protected enter(): void {}

  /** Runs after the last recur when the doer finished by itself. */
  protected clean(): void {}

  /** Runs when the dog is closed from outside before it finished. */
  protected close(): void {}

  /** Runs when an exception escapes enter, recur or clean; the exception then propagates. */
  protected abort(_error: unknown): void {}

  /** Runs last, whichever way the dog ended. */
  protected exit(): void {}
}
