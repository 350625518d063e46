/**
 * @module
 * The doers that drive a {@link Patron}: {@link PatronDoer}, which a caller
 * puts in its own Doist (enter winds and opens the Patron, recur services
 * it, exit closes its connections), and {@link SelfDriver}, which a Patron
 * nobody drives runs in a Doist of its own on the real clock while it has
 * work, and which never closes it. Both pace their passes by the Patron's
 * next due tyme, asking for a pass due now with a wake: a tock of 0 means
 * the Doist's default tock, not "at once".
 */
import type { Tymth } from '../core/tymist.js';
import { Doer } from '../doing/doer.js';
import { ServiceDoer, type Serviceable, type ServiceDoerOptions } from '../doing/service-doer.js';

/** What the doers drive: a serviceable Patron that knows whether it is driven and whether it has work. */
export interface Drivable extends Serviceable {
  /** Marks that a doer drives it (the PatronDoer's enter and exit). */
  drive(driven: boolean): void;
  /** True while it has work a self-driving run must go on for. */
  readonly selfDriveWork: boolean;
  nextDue(): number;
  wind(tymth: Tymth): void;
}

/** Sets the doer's next run from the component's next due tyme; see the module note. */
function dueAgain(doer: Doer, due: number, tyme: number): void {
  if (due <= tyme) {
    doer.tock = 0;
    doer.wake();
  } else {
    doer.tock = due - tyme;
  }
}

/** The doer a self-driving Patron runs: service passes, paced by nextDue, until no work is left. It never closes the Patron. */
export class SelfDriver extends Doer {
  readonly #patron: Drivable;

  constructor(patron: Drivable) {
    super();
    this.#patron = patron;
  }

  protected override enter(): void {
    const tymth = this.tymth;
    if (tymth !== null) this.#patron.wind(tymth);
    this.#patron.waker = () => this.wake();
  }

  protected override recur(tyme: number): boolean {
    const patron = this.#patron;
    patron.service();
    if (!patron.selfDriveWork) return true;
    dueAgain(this, patron.nextDue(), tyme);
    return false;
  }

  protected override exit(): void {
    this.#patron.waker = null;
  }
}

/** Drives a Patron in a Doist: enter winds and opens it, recur services it, exit closes its connections. */
export class PatronDoer<P extends Drivable = Drivable> extends ServiceDoer<P> {
  constructor(patron: P, options: ServiceDoerOptions = {}) {
    super(patron, options);
  }

  protected override enter(): void {
    this.component.drive(true);
    super.enter();
  }

  protected override recur(tyme: number): boolean {
    this.component.service();
    if (this.paced) dueAgain(this, this.component.nextDue(), tyme);
    return false;
  }

  protected override exit(): void {
    super.exit();
    this.component.drive(false);
  }
}
