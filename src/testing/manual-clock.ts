/**
 * @module
 * A hand-driven {@link Clock} for deterministic tests of real-mode code: time
 * moves only when the test calls {@link ManualClock.advance}, which fires the
 * timers that fall due, in due order. {@link ManualClock.nextTimer} lets a
 * test wait until code under test has gone to sleep.
 */
import type { CancelTimer, Clock } from '../core/clock.js';

interface PendingTimer {
  readonly due: number;
  readonly order: number;
  readonly fn: () => void;
}

/** A clock that advances only when told to. */
export class ManualClock implements Clock {
  #now: number;
  #epochBaseMs: number;
  #timers: PendingTimer[] = [];
  #order = 0;
  #waiters: Array<(due: number) => void> = [];

  /** Starts at `now` seconds, with epoch milliseconds `epochBaseMs` at now = 0. */
  constructor(now = 0, epochBaseMs = 0) {
    this.#now = now;
    this.#epochBaseMs = epochBaseMs;
  }

  now(): number {
    return this.#now;
  }

  epochMs(): number {
    return this.#epochBaseMs + this.#now * 1000;
  }

  setTimer(seconds: number, fn: () => void): CancelTimer {
    const timer: PendingTimer = { due: this.#now + Math.max(0, seconds), order: this.#order++, fn };
    this.#timers.push(timer);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter(timer.due);
    return () => {
      const index = this.#timers.indexOf(timer);
      if (index >= 0) this.#timers.splice(index, 1);
    };
  }

  /** Due times (seconds) of the timers not yet fired or cancelled, earliest first. */
  get pending(): number[] {
    return this.#sorted().map((timer) => timer.due);
  }

  /** Resolves with the due time of the next timer set from now on. */
  nextTimer(): Promise<number> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Moves time forward by `seconds`, firing every timer that falls due, earliest first. */
  advance(seconds: number): void {
    const target = this.#now + seconds;
    for (;;) {
      const timer = this.#sorted()[0];
      if (timer === undefined || timer.due > target) break;
      this.#timers.splice(this.#timers.indexOf(timer), 1);
      this.#now = Math.max(this.#now, timer.due);
      timer.fn();
    }
    this.#now = target;
  }

  #sorted(): PendingTimer[] {
    return [...this.#timers].sort((a, b) => a.due - b.due || a.order - b.order);
  }
}
