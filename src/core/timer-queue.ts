/**
 * @module
 * The TimerQueue: callbacks due at tymes on one tyme line, run by their
 * owner's passes. The owner adds a callback for a tyme, asks
 * {@link TimerQueue.nextDue} when it next needs a pass, and calls
 * {@link TimerQueue.fire} with the tyme of each pass; nothing here reads a
 * clock or sets a real timer, so the same queue runs on real seconds and
 * on virtual ones.
 *
 * Callbacks run in tyme order, first added first among equal tymes. One
 * added while the queue fires waits for the next pass, even when already
 * due, so a callback that re-arms itself at zero delay cannot hold a pass
 * forever. Cancelling is O(1); cancelled entries are dropped as they reach
 * the front and, once they outnumber the live ones, all at once, so a
 * stream of timers set and cancelled holds memory in proportion to the
 * live ones only.
 */
import type { CancelTimer } from './clock.js';
import { MinHeap } from './min-heap.js';

/** One queued callback; `callback` is null once it ran or was cancelled. */
interface Timer {
  readonly at: number;
  /** Order of addition: a fire pass runs only timers added before it began. */
  readonly index: number;
  callback: (() => void) | null;
}

/** Below this many entries cancelled ones are left to reach the front on their own. */
const COMPACT_FLOOR = 64;

/** Callbacks ordered by the tyme they are due; see the module note. */
export class TimerQueue {
  readonly #heap = new MinHeap<Timer>();
  #live = 0;
  #added = 0;

  /** Callbacks waiting to run (cancelled ones not counted). */
  get size(): number {
    return this.#live;
  }

  /** Entries held, cancelled ones not yet dropped included: never more than twice the live ones past a small floor. */
  get held(): number {
    return this.#heap.size;
  }

  /** Queues `callback` for the first pass at or after tyme `at`; returns what cancels it (harmless once it ran). */
  add(at: number, callback: () => void): CancelTimer {
    const timer: Timer = { at, index: this.#added++, callback };
    this.#heap.push(at, timer);
    this.#live += 1;
    return () => this.#cancel(timer);
  }

  /** The tyme of the earliest live callback, or Infinity. */
  nextDue(): number {
    const heap = this.#heap;
    for (;;) {
      const timer = heap.peek();
      if (timer === undefined) return Infinity;
      if (timer.callback !== null) return timer.at;
      heap.pop();
    }
  }

  /**
   * Runs, in order, the callbacks due at `tyme` that were queued before this
   * call. A callback that throws is handed to `onFault` and the rest still
   * run. Returns how many ran.
   */
  fire(tyme: number, onFault: (error: unknown) => void): number {
    const heap = this.#heap;
    const bound = this.#added;
    let ran = 0;
    for (;;) {
      const timer = heap.peek();
      // Timers added during this pass sort after every timer due before it (their tyme is no earlier, their index later).
      if (timer === undefined || timer.at > tyme || timer.index >= bound) break;
      heap.pop();
      const callback = timer.callback;
      if (callback === null) continue;
      timer.callback = null;
      this.#live -= 1;
      ran += 1;
      try {
        callback();
      } catch (error) {
        onFault(error);
      }
    }
    return ran;
  }

  /** Drops every callback unrun. */
  clear(): void {
    // Each entry is marked spent, so a cancel function kept from before the clear stays harmless.
    this.#heap.retain(spend);
    this.#live = 0;
  }

  #cancel(timer: Timer): void {
    if (timer.callback === null) return;
    timer.callback = null;
    this.#live -= 1;
    const heap = this.#heap;
    if (heap.size > COMPACT_FLOOR && heap.size > 2 * this.#live) heap.retain(isLive);
  }
}

function spend(timer: Timer): boolean {
  timer.callback = null;
  return false;
}

function isLive(timer: Timer): boolean {
  return timer.callback !== null;
}
