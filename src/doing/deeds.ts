/**
 * @module
 * The deed queue shared by the {@link Doist} and the {@link DoDoer}. A deed is
 * one scheduled doer: its dog, the tyme it is next due (retyme), and its place
 * in entry order. A pass runs every due deed once, in queue order; deeds
 * entered during a pass wait for the next one. Retyme accumulates from the
 * scheduled tyme, not the actual run tyme, so pacing does not drift.
 *
 * Removal is safe at any moment, also during a pass and also for the deed
 * that is running: a running deed is closed right after its run returns.
 * Closing many deeds (remove, exit, after an exception) goes in reverse order
 * of entry, so nested resources unwind innermost first.
 */
import type { Tymth } from '../core/tymist.js';
import type { Doable, Dog } from './doable.js';

/** Where a deed is in its life. */
const DeedState = {
  /** In the queue, waiting for its retyme. */
  queued: 0,
  /** Its dog is running now. */
  running: 1,
  /** Removed while running: close it when the run returns. */
  removing: 2,
  /** Finished, failed or closed; dropped from the queue at the next pass. */
  ended: 3,
} as const;
type DeedState = (typeof DeedState)[keyof typeof DeedState];

interface Deed {
  readonly doer: Doable;
  readonly dog: Dog;
  /** Tyme in seconds at which the deed is next due. */
  retyme: number;
  /** Entry sequence number: closing goes from the highest down. */
  readonly order: number;
  state: DeedState;
  /** Woken while running: due again on the next pass whatever it yielded. */
  woken: boolean;
  /** The number of the last pass that went past it (ran it, or found it not due). */
  seen: number;
  /**
   * Woken during a pass that had already gone past it, so due again at that
   * pass's tyme while its next run comes a pass later: the tock that run
   * yields counts from the run's tyme. (A deed woken between passes keeps
   * its phase: its retyme stays where the wake put it.)
   */
  rebased: boolean;
}

/** A queue of deeds with one-pass scheduling, safe extend and remove, and ordered closing. */
export class Deeds {
  /** The listed doers, in the order given and extended. */
  readonly doers: Doable[] = [];
  #queue: Deed[] = [];
  #spare: Deed[] = [];
  #live = new Map<Doable, Deed>();
  #order = 0;
  /** Passes begun so far; the current one's number while {@link pass} runs. */
  #passes = 0;
  #passing = false;
  /**
   * Never later than the earliest retyme among queued deeds (Infinity when
   * none is queued): kept up to date by the pass, by entering and by waking,
   * so {@link nextDue} costs nothing. A deed removed or closed may leave it
   * early until the next pass recomputes it.
   */
  #due = Infinity;
  #tymth: Tymth;
  #wakeOwner: () => void;

  /**
   * `tymth` reads the owner's tyme (new deeds are due at once; a woken deed is
   * due now). `wakeOwner` is called whenever a deed is woken, so the owner can
   * wake its own scheduler in turn.
   */
  constructor(tymth: Tymth, wakeOwner: () => void) {
    this.#tymth = tymth;
    this.#wakeOwner = wakeOwner;
  }

  /** Number of deeds still scheduled (not finished, failed or closed). */
  get size(): number {
    return this.#live.size;
  }

  /** Re-bases onto another tyme closure (a DoDoer takes its parent's). */
  wind(tymth: Tymth): void {
    this.#tymth = tymth;
  }

  /** Replaces the listed doers. Call only when no deed is live. */
  replace(doers: readonly Doable[]): void {
    this.doers.length = 0;
    this.doers.push(...doers);
    this.#queue.length = 0;
    this.#due = Infinity;
  }

  /**
   * Enters every listed doer: makes its dog on `tymth` and runs it to its
   * first yield (its enter context). A dog that finishes at once sets done and
   * is not queued; the others are due at the current tyme.
   */
  enterAll(tymth: Tymth): void {
    this.wind(tymth);
    for (const doer of this.doers) this.#enter(doer);
  }

  /**
   * Enters the given doers now and lists those not listed yet. A doer that
   * still has a live deed is skipped; one that finished is entered again.
   */
  extend(doers: readonly Doable[]): void {
    for (const doer of doers) {
      if (this.#live.has(doer)) continue;
      if (!this.doers.includes(doer)) this.doers.push(doer);
      this.#enter(doer);
    }
  }

  /**
   * Unlists the given doers and closes their live deeds in reverse order of
   * entry, setting done false. A running doer (one removing itself) is closed
   * as soon as its run returns. Doers not listed are ignored.
   */
  remove(doers: readonly Doable[]): void {
    const closing: Deed[] = [];
    for (const doer of doers) {
      const index = this.doers.indexOf(doer);
      if (index < 0) continue;
      this.doers.splice(index, 1);
      const deed = this.#live.get(doer);
      if (deed === undefined) continue;
      this.#live.delete(doer);
      doer.attachWaker(null);
      if (deed.state === DeedState.running) deed.state = DeedState.removing;
      else closing.push(deed);
    }
    closeInReverse(closing);
  }

  /**
   * One pass at `tyme`: every deed due (retyme ≤ tyme) runs once, in queue
   * order. A deed yielding a falsy tock is due again at `tyme + defaultTock`;
   * a positive tock adds to its retyme — to the run's tyme instead when a
   * wake during a pass that had already gone past it made it due again. With
   * `skipMissed` (real time), a deed that fell more than one tock behind
   * skips the slots it missed instead of running once per pass until it
   * catches up. An exception from a dog ends
   * that deed, keeps the rest queued, and propagates.
   */
  pass(tyme: number, defaultTock: number, skipMissed = false): void {
    const current = this.#queue;
    const next = this.#spare;
    this.#queue = next;
    const pass = ++this.#passes;
    this.#passing = true;
    // Recomputed over the deeds that go on; those entered or woken during the pass lower it too.
    let due = Infinity;
    this.#due = Infinity;
    let index = 0;
    try {
      for (; index < current.length; index++) {
        const deed = current[index]!;
        if (deed.state !== DeedState.queued) continue;
        deed.seen = pass;
        if (deed.retyme > tyme) {
          if (deed.retyme < due) due = deed.retyme;
          next.push(deed);
          continue;
        }
        deed.state = DeedState.running;
        const result = deed.dog.next(tyme);
        if (result.done === true) {
          this.#end(deed, result.value === true);
          continue;
        }
        // The run may have removed its own doer (remove() sets removing).
        if ((deed.state as DeedState) === DeedState.removing) {
          deed.state = DeedState.ended;
          closeDeed(deed);
          continue;
        }
        deed.state = DeedState.queued;
        const tock = result.value;
        if (deed.rebased) {
          // A doer that yields "due - tyme" then runs at its due tyme, not a pass early.
          deed.rebased = false;
          deed.retyme = tyme;
        }
        if (tock) {
          deed.retyme += tock;
          if (skipMissed && deed.retyme <= tyme) deed.retyme += Math.ceil((tyme - deed.retyme) / tock) * tock;
        } else {
          deed.retyme = tyme + defaultTock;
        }
        if (deed.woken) {
          deed.woken = false;
          if (deed.retyme > tyme) {
            deed.retyme = tyme;
            deed.rebased = true;
          }
        }
        if (deed.retyme < due) due = deed.retyme;
        next.push(deed);
      }
    } catch (error) {
      const failed = current[index]!;
      if (failed.state === DeedState.running || failed.state === DeedState.removing) this.#end(failed, false);
      for (index += 1; index < current.length; index++) next.push(current[index]!);
      // The deeds not reached keep their retymes: a bound that is due now is early, never late.
      due = -Infinity;
      throw error;
    } finally {
      this.#passing = false;
      current.length = 0;
      this.#spare = current;
      if (due < this.#due) this.#due = due;
    }
  }

  /**
   * The earliest tyme at which a queued deed is due, Infinity when none is
   * queued (every deed waits for a wake, or none is left). Constant cost: the
   * pass tracks it. It may be early — at worst the tyme of a deed since
   * removed, or now after a pass that threw — until the next pass, never late.
   */
  nextDue(): number {
    return this.#due;
  }

  /**
   * Closes every live deed in reverse order of entry (each doer's close then
   * exit), setting done false. Every deed is closed even if one throws; the
   * first error is rethrown after.
   */
  closeAll(): void {
    const closing = [...this.#live.values()].filter((deed) => deed.state !== DeedState.running);
    for (const deed of closing) {
      this.#live.delete(deed.doer);
      deed.doer.attachWaker(null);
    }
    this.#queue.length = 0;
    this.#due = Infinity;
    closeInReverse(closing);
  }

  #enter(doer: Doable): void {
    doer.done = false;
    const tymth = this.#tymth;
    const dog = doer.do(tymth, doer.tock);
    const deed: Deed = { doer, dog, retyme: tymth(), order: this.#order++, state: DeedState.running, woken: false, seen: 0, rebased: false };
    // The tock yielded by enter is ignored: every new deed runs in the next pass.
    const result = dog.next();
    if (result.done === true) {
      doer.done = result.value === true;
      deed.state = DeedState.ended;
      return;
    }
    deed.state = DeedState.queued;
    this.#live.set(doer, deed);
    doer.attachWaker(() => this.#wake(deed));
    this.#queue.push(deed);
    if (deed.retyme < this.#due) this.#due = deed.retyme;
  }

  #end(deed: Deed, done: boolean): void {
    deed.state = DeedState.ended;
    deed.doer.done = done;
    if (this.#live.get(deed.doer) === deed) {
      this.#live.delete(deed.doer);
      deed.doer.attachWaker(null);
    }
  }

  #wake(deed: Deed): void {
    if (deed.state === DeedState.running) {
      deed.woken = true;
    } else if (deed.state === DeedState.queued) {
      const tyme = this.#tymth();
      // A deed the pass under way has yet to reach runs in it and is counted then.
      const passed = !this.#passing || deed.seen === this.#passes;
      if (deed.retyme > tyme) {
        deed.retyme = tyme;
        if (this.#passing && passed) deed.rebased = true;
      }
      if (passed && deed.retyme < this.#due) this.#due = deed.retyme;
    }
    this.#wakeOwner();
  }
}

/** Closes a deed's dog (its close and exit contexts run) and marks its doer not done. */
function closeDeed(deed: Deed): void {
  deed.state = DeedState.ended;
  try {
    deed.dog.return(undefined);
  } finally {
    deed.doer.done = false;
  }
}

/** Closes deeds from the last entered to the first; rethrows the first error after all are closed. */
function closeInReverse(deeds: Deed[]): void {
  deeds.sort((a, b) => b.order - a.order);
  let failure: { error: unknown } | null = null;
  for (const deed of deeds) {
    try {
      closeDeed(deed);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== null) throw failure.error;
}
