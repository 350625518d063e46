/**
 * @module
 * What a scheduler needs from a doer. A {@link Doable} makes a dog — a
 * generator that yields its tock (seconds until it wants to run again; 0 or
 * undefined means "every pass") and receives the current tyme on each run —
 * and exposes `done`. {@link Doer}, {@link ReDoer}, {@link GeneratorDoer} and
 * {@link DoDoer} all implement it; the {@link Doist} and {@link DoDoer}
 * schedule any Doable.
 */
import type { Tymth } from '../core/tymist.js';

/**
 * The generator a doer's `do()` returns. It yields tocks in seconds
 * (`undefined` or 0: run again next pass), receives the tyme of each run, and
 * returns true when it finished its work.
 */
export type Dog = Generator<number | undefined, boolean | undefined | void, number>;

/** Anything a Doist or DoDoer can schedule. */
export interface Doable {
  /** A label for traces and errors. */
  readonly name: string;
  /** Seconds between runs; 0 runs on every pass of the scheduler. */
  tock: number;
  /** True once the doer's dog finished by itself; false while running, after a close, or before a run. */
  done: boolean;
  /** Makes a fresh dog on `tymth`, starting at `tock`. Runs nothing until the first `next()`. */
  do(tymth: Tymth, tock: number): Dog;
  /**
   * Makes this doer's deed due at once and wakes the schedulers above it, so
   * a real-mode Doist recurs without waiting for the deed's tock. Harmless when
   * the doer is not scheduled.
   */
  wake(): void;
  /** Scheduler hook: installs the function {@link wake} calls while scheduled; null detaches. */
  attachWaker(waker: (() => void) | null): void;
}
