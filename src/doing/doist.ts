/**
 * @module
 * The Doist: the root scheduler. It is a {@link Tymist} that runs its deeds
 * once per {@link Doist.recur} and then ticks. Two ways to run:
 *
 * - {@link Doist.do}: synchronous and virtual. Tyme advances one tock per
 *   recur, as fast as the machine goes. For simulations and tests.
 * - {@link Doist.run}: asynchronous. It returns to Node's event loop between
 *   recurs. Virtual (`real: false`) it gives the same tyme sequence as `do()`.
 *   Real (`real: true`), tyme follows the injected {@link Clock}, and between
 *   recurs it sleeps until the earliest due deed or a {@link Doist.wake}
 *   call, whichever comes first: an idle Doist uses no CPU, and a woken one
 *   recurs at once.
 *
 * Both stop on `limit`, when every deed is done, or (run only) on an
 * AbortSignal, and both always exit their doers. An exception from a dog
 * closes the other deeds in reverse order of entry and then propagates.
 *
 * Skipping (`skip: true`, virtual only) jumps tyme over idle stretches, the
 * way a real-mode run sleeps through them: after a recur's tick, when the
 * earliest due deed lies later still, tyme goes straight to it (never past
 * the limit), so a day of simulation costs what its events cost. A deed that
 * yields 0 is still due one tock later, and a wake during a pass (or, in
 * `run()`, before the next turn of the event loop ends) prevents the jump.
 * When no deed will ever be due again — every one waits for a wake — the
 * run ends: tyme goes to the limit when there is one, `done` stays false.
 * `run()` decides only after a turn of the event loop, so the promise
 * chains a pass started settle (and may wake their deeds) first; work that
 * needs more turns than one (real file reads, worker pools) can be jumped
 * over.
 */
import { realClock, type CancelTimer, type Clock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import { Tymist } from '../core/tymist.js';
import type { Doable } from './doable.js';
import { Deeds } from './deeds.js';

/** Node's setImmediate as loaded: the scheduler's own turns never trip a simulation's tripwire. */
const setImmediate = globalThis.setImmediate;

/** Options of a {@link Doist}. */
export interface DoistOptions {
  /** Starting tyme in seconds (default 0). */
  readonly tyme?: number;
  /** Seconds per recur in virtual mode, and the pace of deeds that yield 0 (default 1/32). */
  readonly tock?: number;
  /** Default mode of {@link Doist.run}: true follows the clock (default false). */
  readonly real?: boolean;
  /** Default of do/run in virtual mode: jump tyme over stretches where no deed is due (default false; see the module note). */
  readonly skip?: boolean;
  /** Seconds of tyme after which do/run stop (default Infinity: no limit). */
  readonly limit?: number;
  /** The doers to schedule (default none). */
  readonly doers?: readonly Doable[];
  /** The real clock for real mode (default the machine's). */
  readonly clock?: Clock;
}

/** Options of one {@link Doist.do} call. */
export interface DoOptions {
  /** Replaces the Doist's limit, in seconds. */
  readonly limit?: number;
  /** Sets tyme before entering, in seconds. */
  readonly tyme?: number;
  /** Jump tyme over idle stretches (virtual mode only); default the Doist's `skip`. */
  readonly skip?: boolean;
}

/** Options of one {@link Doist.run} call. */
export interface RunOptions extends DoOptions {
  /** Follow the clock (true) or advance one tock per recur (false); default the Doist's `real`. */
  readonly real?: boolean;
  /** Stops the run (the doers are exited) when aborted. */
  readonly signal?: AbortSignal;
}

/** The root scheduler. */
export class Doist extends Tymist {
  /** Default mode of {@link run}. */
  real: boolean;
  /** Default of do/run in virtual mode: jump tyme to the earliest due deed when none is due sooner. */
  skip: boolean;
  /** Seconds of tyme after which do/run stop; Infinity for none. */
  limit: number;
  /** True after do/run when every deed finished by itself. */
  done = false;
  /** The clock real mode follows. */
  readonly clock: Clock;
  #deeds: Deeds;
  #woken = false;
  #wakeSleeper: (() => void) | null = null;
  #cancelTimer: CancelTimer | null = null;
  #wakePending = false;
  #timerDue = Infinity;
  #running = false;

  constructor(options: DoistOptions = {}) {
    checkOptions('Doist', options, ['tyme', 'tock', 'real', 'skip', 'limit', 'doers', 'clock']);
    super({ ...(options.tyme !== undefined && { tyme: options.tyme }), ...(options.tock !== undefined && { tock: options.tock }) });
    this.real = options.real ?? false;
    this.skip = options.skip ?? false;
    this.limit = checkLimit(options.limit ?? Infinity);
    this.clock = options.clock ?? realClock;
    // A woken deed is due at once, which the next sleep or jump sees: the wake need only end a sleep under way.
    this.#deeds = new Deeds(this.tymen(), () => {
      if (this.#wakeSleeper !== null) this.wake();
    });
    this.#deeds.replace(options.doers ?? []);
  }

  /** The listed doers. */
  get doers(): readonly Doable[] {
    return this.#deeds.doers;
  }

  /** Number of deeds still scheduled. */
  get size(): number {
    return this.#deeds.size;
  }

  /** Enters every listed doer; each deed is first due at the current tyme. */
  enter(): void {
    this.#deeds.enterAll(this.tymen());
  }

  /** One pass over the deeds at the current tyme, then one tick (never a jump: do/run skip between recurs). */
  recur(): void {
    this.#woken = false;
    this.#deeds.pass(this.tyme, this.tock);
    this.tick();
  }

  /** Closes every remaining deed in reverse order of entry. */
  exit(): void {
    this.#deeds.closeAll();
  }

  /** Enters and lists new doers now (also during a pass); they first run on the next pass. */
  extend(doers: readonly Doable[]): void {
    this.#deeds.extend(doers);
  }

  /** Unlists doers and closes their deeds, also during a pass and also the running doer itself. */
  remove(doers: readonly Doable[]): void {
    this.#deeds.remove(doers);
  }

  /**
   * Ends the current sleep of a real-mode run at once, or, when called during
   * a pass (or, in a virtual `run()`, between recurs), makes the run skip its
   * next sleep or jump. Transports call it when bytes arrive. A doer's own
   * `wake()` makes its deed due, which the next sleep or jump sees anyway,
   * and calls this only to end a sleep under way.
   */
  wake(): void {
    if (this.#wakeSleeper === null) {
      this.#woken = true;
    } else if (!this.#wakePending) {
      // End the sleep after the current I/O phase, not inside this event's
      // callback: every event Node delivers in the same turn then lands in
      // one recur instead of one recur each.
      this.#wakePending = true;
      setImmediate(this.#wakeNow);
    }
  }

  readonly #wakeNow = (): void => {
    this.#wakePending = false;
    this.#wakeSleeper?.();
  };

  /**
   * Runs synchronously in virtual tyme until every deed is done or `limit`
   * seconds of tyme have passed; always exits the doers. Given `doers`, they
   * replace the listed ones. Skipping, it also ends when no deed will ever
   * be due again: nothing outside a synchronous run can wake one. Returns
   * {@link done}.
   */
  do(doers?: readonly Doable[], options: DoOptions = {}): boolean {
    const limit = this.#prepare('do', doers, options, ['limit', 'tyme', 'skip']);
    const skip = options.skip ?? this.skip;
    try {
      this.enter();
      const stop = this.tyme + limit;
      for (;;) {
        this.recur();
        if (this.#deeds.size === 0) {
          this.done = true;
          break;
        }
        if (skip && !this.#leap(stop)) break;
        if (this.tyme >= stop) break;
      }
    } finally {
      this.#running = false;
      this.exit();
    }
    return this.done;
  }

  /**
   * Runs asynchronously, returning to the event loop between recurs, until
   * every deed is done, `limit` seconds of tyme have passed or `signal`
   * aborts; always exits the doers. Real mode follows the clock and sleeps
   * between recurs until the earliest due deed or a wake. Virtual mode with
   * `skip` jumps after each turn of the event loop, and ends when no deed
   * will be due again after one. Returns {@link done}.
   */
  async run(doers?: readonly Doable[], options: RunOptions = {}): Promise<boolean> {
    const limit = this.#prepare('run', doers, options, ['limit', 'tyme', 'real', 'skip', 'signal']);
    const real = options.real ?? this.real;
    const skip = !real && (options.skip ?? this.skip);
    const signal = options.signal;
    const onAbort = (): void => this.wake();
    signal?.addEventListener('abort', onAbort);
    try {
      this.enter();
      const stop = this.tyme + limit;
      const clockStart = this.clock.now();
      const tymeStart = this.tyme;
      const syncTyme = (): void => {
        const tyme = tymeStart + (this.clock.now() - clockStart);
        if (tyme > this.tyme) this.tick(tyme - this.tyme);
      };
      while (signal?.aborted !== true) {
        if (real) {
          syncTyme();
          this.#woken = false;
          this.#deeds.pass(this.tyme, this.tock, true);
          syncTyme();
        } else {
          this.recur();
        }
        if (this.#deeds.size === 0) {
          this.done = true;
          break;
        }
        if (this.tyme >= stop) break;
        if (real) {
          await this.#sleep(Math.min(this.#deeds.nextDue(), stop) - this.tyme, signal);
        } else {
          await nextTurn();
          // Only now, with the turn's promises settled and their wakes in, is it known what is due.
          if (skip && !aborted(signal) && (!this.#leap(stop) || this.tyme >= stop)) break;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#disarm();
      this.#wakeSleeper = null;
      this.#running = false;
      this.exit();
    }
    return this.done;
  }

  /**
   * Skipping, between recurs: jumps tyme to the earliest due deed when it
   * lies beyond the current tyme, or to `stop` when that comes first. No
   * jump after a wake (the woken deed is due now). Returns false when no
   * deed will ever be due and there is no stop to go to: the run ends.
   */
  #leap(stop: number): boolean {
    if (this.#woken) return true;
    const due = this.#deeds.nextDue();
    if (due <= this.tyme) return true;
    if (due === Infinity && stop === Infinity) return false;
    this.tyme = Math.min(due, stop);
    return true;
  }

  /** Shared start of do/run: checks, replaces doers, applies limit and tyme. */
  #prepare(owner: string, doers: readonly Doable[] | undefined, options: DoOptions, known: readonly string[]): number {
    checkOptions(`Doist.${owner}`, options, known);
    if (this.#running) throw new HioError('HIO_ERR_DOER_STATE', `Doist.${owner}: already running`);
    if (options.limit !== undefined) this.limit = checkLimit(options.limit);
    this.#running = true;
    this.done = false;
    if (doers !== undefined) {
      this.exit();
      this.#deeds.replace(doers);
    }
    if (options.tyme !== undefined) this.tyme = options.tyme;
    return this.limit;
  }

  /**
   * Sleeps up to `seconds` (real), returning early on wake or abort. One
   * clock timer stays armed across sleeps: it is re-armed only when the next
   * due tyme comes earlier than the armed one, so a busy server does not set
   * and clear a timer on every recur. A timer armed too early just costs one
   * extra recur, after which the Doist sleeps again.
   */
  #sleep(seconds: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#woken || seconds <= 0 || signal?.aborted === true) {
      this.#woken = false;
      return nextTurn();
    }
    return new Promise((resolve) => {
      this.#wakeSleeper = (): void => {
        this.#wakeSleeper = null;
        resolve();
      };
      // Nothing is due (every deed waits for a wake): sleep until woken or aborted.
      if (!Number.isFinite(seconds)) return;
      const due = this.clock.now() + seconds;
      if (this.#cancelTimer !== null && this.#timerDue <= due) return;
      this.#cancelTimer?.();
      this.#timerDue = due;
      this.#cancelTimer = this.clock.setTimer(seconds, this.#onTimer);
    });
  }

  readonly #onTimer = (): void => {
    this.#cancelTimer = null;
    this.#timerDue = Infinity;
    this.#wakeSleeper?.();
  };

  #disarm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#timerDue = Infinity;
  }
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `signal` aborted; a call, so the compiler does not keep what it knew before an await. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function checkLimit(limit: number): number {
  if (limit === Infinity) return limit;
  return checkSeconds('Doist', 'limit', limit);
}
