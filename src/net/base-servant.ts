/**
 * @module
 * What every {@link Servant} shares, whatever carries its bytes: the map of
 * remoters, the ready set, and the queue of idle deadlines. A backend
 * supplies opening and closing, and hands each accepted remoter to
 * {@link BaseServant.admit}; its remoters call {@link BaseServant.mark} on
 * every event.
 *
 * The ready set holds only remoters with something to do; after the sends of
 * a pass, a remoter leaves it unless it is still busy, paused (its reader
 * has yet to consume), cut off or expired. Busy and paused remoters make the
 * servant due on the next pass; idle ones cost nothing.
 * Idle deadlines sit in a min-heap keyed by tyme; a deadline that was
 * pushed back by traffic is re-queued when its old entry comes up, so
 * refreshing costs nothing and a pass touches only due remoters. A deadline
 * that moved earlier (a connection done sending falls back from its send
 * tymeout) is queued again after the pass's sends.
 */
import type { Clock } from '../core/clock.js';
import { MinHeap } from '../core/min-heap.js';
import { publishAccept } from './channels.js';
import { RemoterMap } from './remoter-map.js';
import { checkSeconds } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import type { Address } from './address.js';
import type { Remoter } from './connection.js';
import type { NetError } from './net-error.js';
import type { Servant } from './servant.js';
import type { WireLog } from './wire-log.js';

/** A remoter as a servant sees it: with a `busy` flag for work still pending in its buffers. */
export interface ServedRemoter extends Remoter {
  /** True while the remoter holds facts or bytes a pass must still handle now. */
  readonly busy: boolean;
  /** True while reading waits for the reader to consume rxQueue: kept ready, but not due. */
  readonly paused: boolean;
}

/** Shared servant machinery; see the module note. */
export abstract class BaseServant<R extends ServedRemoter> implements Servant {
  /** The admitted remoters, by remote key (keys are computed only when looked up). */
  readonly remoters = new RemoterMap<R>();
  readonly ready = new Set<R>();
  wireLog: WireLog | null;
  waker: (() => void) | null = null;
  #tymth: Tymth | null;
  #tymeout: number;
  #deadlines = new MinHeap<R>();
  /** The tyme each remoter's queued deadline entry has. */
  #scheduled = new Map<R, number>();
  #accepted: R[] = [];

  constructor(owner: string, tymth: Tymth | undefined, tymeout: number | undefined, wireLog: WireLog | null | undefined) {
    this.#tymth = tymth ?? null;
    this.#tymeout = checkSeconds(owner, 'tymeout', tymeout ?? 0);
    this.wireLog = wireLog ?? null;
  }

  abstract get address(): Address;
  abstract get opened(): boolean;
  abstract get error(): NetError | null;
  abstract open(): void;
  abstract reopen(): void;
  abstract stopListening(): void;

  /** The machine's clock fits a real servant: null. */
  get clock(): Clock | null {
    return null;
  }
  abstract serviceConnects(): void;

  get tymeout(): number {
    return this.#tymeout;
  }

  set tymeout(tymeout: number) {
    this.#tymeout = checkSeconds('Servant', 'tymeout', tymeout);
  }

  /** The tyme closure wound in, or null. */
  protected get tymth(): Tymth | null {
    return this.#tymth;
  }

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    for (const remoter of this.remoters.values()) {
      remoter.wind(tymth);
      this.#schedule(remoter);
    }
  }

  /** Closes every remoter (accepted ones not yet admitted too) and forgets them. Backends extend this to stop listening. */
  close(): void {
    for (const remoter of this.#accepted) remoter.close();
    this.#accepted = [];
    for (const remoter of this.remoters.values()) remoter.close();
    this.remoters.clear();
    this.ready.clear();
    this.#deadlines.clear();
    this.#scheduled.clear();
  }

  serviceReceives(): void {
    const tymth = this.#tymth;
    if (tymth !== null) {
      const tyme = tymth();
      while (this.#deadlines.peekKey() <= tyme) {
        const key = this.#deadlines.peekKey();
        const remoter = this.#deadlines.pop()!;
        if (this.#scheduled.get(remoter) !== key) continue;
        this.#scheduled.delete(remoter);
        if (remoter.expired) this.ready.add(remoter);
        else this.#schedule(remoter);
      }
    }
    for (const remoter of this.ready) remoter.serviceReceives();
  }

  serviceSends(): void {
    for (const remoter of this.ready) {
      remoter.serviceSends();
      // Its tymeout may have changed during the pass: make sure its deadline is queued.
      this.#schedule(remoter);
      if (!remoter.busy && !remoter.paused && !remoter.cutoff && !remoter.expired) this.ready.delete(remoter);
    }
  }

  service(): void {
    this.serviceConnects();
    this.serviceReceives();
    this.serviceSends();
  }

  removeRemoter(remoter: Remoter | string, close = true): void {
    // By object, membership is by identity: no key is computed.
    const found = typeof remoter === 'string' ? this.remoters.get(remoter) : (remoter as R);
    if (found === undefined || !this.remoters.remove(found)) return;
    this.ready.delete(found);
    this.#scheduled.delete(found);
    if (close) found.close();
  }

  nextDue(): number {
    for (const remoter of this.ready) {
      // A paused remoter waits for a reader that may live in another doer:
      // poll it every pass until it reads, rather than sleep past it.
      if (remoter.busy || remoter.paused) return this.#tymth?.() ?? 0;
    }
    // Entries of removed remoters, and deadlines traffic pushed back, would
    // wake the scheduler for nothing: settle them before answering.
    for (;;) {
      const remoter = this.#deadlines.peek();
      if (remoter === undefined) return Infinity;
      const key = this.#deadlines.peekKey();
      const deadline = remoter.idleDeadline;
      if (this.#scheduled.get(remoter) !== key) {
        this.#deadlines.pop();
      } else if (deadline > key) {
        this.#deadlines.pop();
        this.#scheduled.delete(remoter);
        this.#schedule(remoter);
      } else {
        return key;
      }
    }
  }

  /** Queues a connection the backend just accepted; the next serviceConnects admits it. Wakes the scheduler. */
  protected enqueue(remoter: R): void {
    this.#accepted.push(remoter);
    this.waker?.();
  }

  /** Admits every queued connection: the accept step of serviceConnects. */
  protected admitAccepted(): void {
    if (this.#accepted.length === 0) return;
    const accepted = this.#accepted;
    this.#accepted = [];
    for (const remoter of accepted) this.admit(remoter);
  }

  /** Takes an accepted remoter in: winds it, gives it the servant's tymeout and wire log, marks it ready. */
  protected admit(remoter: R): void {
    if (this.#tymth !== null) remoter.wind(this.#tymth);
    remoter.tymeout = this.#tymeout;
    remoter.wireLog = this.wireLog;
    this.remoters.add(remoter);
    this.ready.add(remoter);
    this.#schedule(remoter);
    publishAccept(remoter);
  }

  /**
   * A remoter's event hook: marks it ready (if it is still ours) and wakes
   * the scheduler. A remoter already ready is serviced on the next pass
   * anyway, so its further events cost nothing.
   */
  readonly mark = (remoter: R): void => {
    if (this.ready.has(remoter)) return;
    if (this.remoters.holds(remoter)) this.ready.add(remoter);
    this.waker?.();
  };

  /** Queues a remoter's idle deadline unless an entry at or before it is queued already. */
  #schedule(remoter: R): void {
    if (remoter.tymeout <= 0) return;
    const deadline = remoter.idleDeadline;
    if (deadline === Infinity || deadline >= (this.#scheduled.get(remoter) ?? Infinity)) return;
    this.#scheduled.set(remoter, deadline);
    this.#deadlines.push(deadline, remoter);
  }
}
