/**
 * @module
 * Doers for I/O components. A component — a servant, a client, a server — is
 * a plain object with `reopen()`, `service()` and `close()` that knows nothing
 * of generators; its doer maps enter → wind and reopen, recur → service,
 * exit → close (hio's ServerDoer and ClientDoer).
 *
 * The doer also hands the component a waker, so an event (bytes arriving)
 * makes its deed due and wakes a real-mode Doist at once, and, when the
 * component can say when it next needs a pass (`nextDue`), it sleeps until
 * then: an idle server costs no CPU, a busy one adds no tock of latency.
 */
import type { Tymth } from '../core/tymist.js';
import type { DoerOptions } from './base-doer.js';
import { Doer } from './doer.js';

/** What a {@link ServiceDoer} drives. */
export interface Serviceable {
  /** Re-bases the component onto the scheduler's tyme. */
  wind(tymth: Tymth): void;
  /** (Re)opens the component: start listening or connecting. */
  reopen(): void;
  /** One I/O pass. Must not throw for I/O faults: it records them instead. */
  service(): void;
  /** Closes the component and everything it holds. */
  close(): void;
  /** Called by the component when an event needs a pass; the doer sets it. */
  waker: (() => void) | null;
  /** Tyme at which the component next needs a pass absent events (Infinity: only on an event). */
  nextDue?(): number;
}

/** Options of a {@link ServiceDoer}. */
export interface ServiceDoerOptions extends DoerOptions {
  /**
   * Pace runs by the component's `nextDue()` and its wakes (default true).
   * False runs on every pass of the scheduler.
   */
  readonly paced?: boolean;
}

/** Drives one I/O component through the doer lifecycle. */
export class ServiceDoer<S extends Serviceable = Serviceable> extends Doer {
  /** The component driven. */
  readonly component: S;
  /** Whether runs are paced by the component's nextDue() and wakes. */
  protected readonly paced: boolean;

  constructor(component: S, options: ServiceDoerOptions = {}) {
    const { paced, ...rest } = options;
    super(rest);
    this.component = component;
    this.paced = paced ?? true;
  }

  /** Winds the component onto our tyme, installs the waker and reopens it. */
  protected override enter(): void {
    const tymth = this.tymth;
    if (tymth !== null) this.component.wind(tymth);
    this.component.waker = () => this.wake();
    this.component.reopen();
  }

  /** One service pass; then, when paced, sleep until the component's next due tyme. */
  protected override recur(tyme: number): boolean {
    this.component.service();
    if (this.paced && this.component.nextDue !== undefined) {
      const due = this.component.nextDue();
      this.tock = due <= tyme ? 0 : due - tyme;
    }
    return false;
  }

  /** Closes the component and detaches the waker. */
  protected override exit(): void {
    this.component.waker = null;
    this.component.close();
  }
}

/** A ServiceDoer over a listening endpoint (hio's ServerDoer). */
export class ServantDoer<S extends Serviceable = Serviceable> extends ServiceDoer<S> {}

/** A ServiceDoer over one outgoing connection (hio's ClientDoer). */
export class ClientDoer<S extends Serviceable = Serviceable> extends ServiceDoer<S> {}
