/**
 * @module
 * The SimServant: a {@link Servant} listening on a host of a {@link SimNet},
 * with the same behaviour as the {@link NetServant}: opening completes in the
 * next serviceConnects, a taken port fails with EADDRINUSE, port 0 picks a
 * free port, accepted connections wait in a queue until serviceConnects.
 *
 * It sleeps like a real servant: its next due tyme is the earliest of its
 * remoters' idle deadlines and the network's next event (which it takes in
 * with its next pass), or now while it has work pending. Facts the network
 * delivers between passes wake it through its waker, as socket events do; an
 * event scheduled before its due tyme wakes it through the network
 * ({@link SimSleeper}).
 */
import { tymeClock, type Clock } from '../../core/clock.js';
import { checkOptions } from '../../core/options.js';
import type { Tymth } from '../../core/tymist.js';
import { checkAddress, type Address } from '../address.js';
import { BaseServant } from '../base-servant.js';
import { netError, type NetError } from '../net-error.js';
import type { WireLog } from '../wire-log.js';
import type { SimFabric, SimListener, SimSleeper } from './sim-fabric.js';
import { SimRemoter } from './sim-remoter.js';

/** Options of a {@link SimServant}. */
export interface SimServantOptions {
  /** The network to listen on (a {@link SimNet}). */
  readonly net: SimFabric;
  /** Host name to listen on (default 'server'). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (default 0). */
  readonly port?: number;
  /** Tyme closure for idle timers (default: the network's). */
  readonly tymth?: Tymth;
  /** Idle timeout in seconds of tyme for each remoter (default 0: never). */
  readonly tymeout?: number;
  /** Receive high-water mark per remoter in bytes (default 512 KiB). */
  readonly highWater?: number;
  /** Wire log hook given to every remoter. */
  readonly wireLog?: WireLog | null;
}

const KNOWN = ['net', 'host', 'port', 'tymth', 'tymeout', 'highWater', 'wireLog'];

/** A simulated listening endpoint. */
export class SimServant extends BaseServant<SimRemoter> implements SimListener {
  /** The network this servant listens on. */
  readonly net: SimFabric;
  readonly #configured: Address;
  readonly #highWater: number | undefined;
  #address: Address;
  #listening = false;
  #opening: number | NetError | null = null;
  #opened = false;
  #error: NetError | null = null;
  #clock: Clock | null = null;
  /** Connections accepted by the network wait for admission by the next serviceConnects. */
  #admitting = false;
  /** How the network wakes this servant when it schedules an event before its due tyme. */
  readonly #sleeper: SimSleeper = { wake: () => this.waker?.() };

  constructor(options: SimServantOptions) {
    checkOptions('SimServant', options, KNOWN);
    super('SimServant', options.tymth ?? options.net.tymth ?? undefined, options.tymeout, options.wireLog);
    this.net = options.net;
    this.#configured = checkAddress('SimServant', { host: options.host ?? 'server', port: options.port ?? 0 });
    this.#address = this.#configured;
    this.#highWater = options.highWater;
  }

  get address(): Address {
    return this.#address;
  }

  get opened(): boolean {
    return this.#opened;
  }

  get error(): NetError | null {
    return this.#error;
  }

  open(): void {
    if (!this.#listening) this.reopen();
  }

  reopen(): void {
    this.close();
    const result = this.net.listen(this, this.#configured.host, this.#configured.port);
    this.#opening = result;
    if (typeof result === 'number') {
      this.#listening = true;
      this.#address = { host: this.#configured.host, port: result };
    }
    this.#wake();
  }

  /** Virtual tyme of the network, as a clock: Date headers in a simulation are deterministic. */
  override get clock(): Clock {
    const net = this.net;
    this.#clock ??= tymeClock(() => net.tyme);
    return this.#clock;
  }

  stopListening(): void {
    if (this.#listening) this.net.unlisten(this, this.#address.host, this.#address.port);
    this.#listening = false;
    this.#opening = null;
    this.#opened = false;
  }

  override close(): void {
    this.stopListening();
    super.close();
    this.#listening = false;
    this.#opening = null;
    this.#opened = false;
    this.#error = null;
    this.#admitting = false;
    this.#address = this.#configured;
    this.net.forgetSleeper(this.#sleeper);
  }

  serviceConnects(): void {
    this.#advance();
    const opening = this.#opening;
    if (opening !== null) {
      this.#opening = null;
      if (typeof opening === 'number') this.#opened = true;
      else this.#error = opening;
    }
    this.#admitting = false;
    this.admitAccepted();
  }

  override serviceReceives(): void {
    this.#advance();
    super.serviceReceives();
  }

  /**
   * Now while an opening or accepted connections wait for serviceConnects or
   * a remoter has work pending (busy, or paused for its reader); otherwise
   * the earliest idle deadline or network event for this servant (Infinity when there is
   * neither: only an event of its own wakes it). The network is told, so an
   * event it schedules earlier wakes the servant.
   */
  override nextDue(): number {
    const now = this.tymth?.() ?? 0;
    const due = this.#opening !== null || this.#admitting ? now : Math.min(super.nextDue(), this.net.nextEventTyme(this.#sleeper));
    if (due > now) this.net.sleep(this.#sleeper, due);
    else this.net.forgetSleeper(this.#sleeper);
    return due;
  }

  /** For the network (the {@link SimListener} contract): it hands over a connect from `remote` that reached this servant's `port`. */
  acceptFrom(remote: Address, port: number): SimRemoter {
    const options = { ...(this.#highWater !== undefined && { highWater: this.#highWater }), ...(this.tymth !== null && { tymth: this.tymth }) };
    const remoter = new SimRemoter(this.net, this.#address.host, port, remote, this.#notify, this.#sleeper, options);
    this.#admitting = true;
    this.net.forgetSleeper(this.#sleeper);
    this.enqueue(remoter);
    return remoter;
  }

  /** For the network (the {@link SimListener} contract): the host crashed; stop listening until it restarts. */
  suspend(): void {
    this.#opened = false;
    this.#error = netError('ECONNABORTED', 'listen', 'host crashed');
  }

  /** For the network (the {@link SimListener} contract): the host restarted: listening again on the same port. */
  resume(): void {
    this.#error = null;
    this.#opening = this.#address.port;
    this.#wake();
  }

  /**
   * Processes the network's due events. What they deliver to this servant
   * (connects, facts for its remoters) is taken in by this same pass, so it
   * wakes nobody: a wake now would only buy an idle pass on the next tock.
   */
  #advance(): void {
    const waker = this.waker;
    this.waker = null;
    try {
      this.net.advance();
    } finally {
      this.waker = waker;
    }
  }

  /** Wakes the scheduler: a pass is due now, so the network need not wake this servant for an event. */
  #wake(): void {
    this.net.forgetSleeper(this.#sleeper);
    this.waker?.();
  }

  /** A remoter's event hook: marks it ready (the servant's mark); when that wakes the scheduler, the network need not. */
  readonly #notify = (remoter: SimRemoter): void => {
    if (!this.ready.has(remoter)) this.net.forgetSleeper(this.#sleeper);
    this.mark(remoter);
  };
}
