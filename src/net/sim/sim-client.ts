/**
 * @module
 * The SimClient: a {@link Client} on a host of a {@link SimNet}, with the
 * NetClient's behaviour: reopen() starts a connect that completes (or fails
 * with ECONNREFUSED or ETIMEDOUT) in a later serviceConnect; queued bytes
 * survive a reconnect; a reconnectable client retries every
 * `reconnectTymeout` seconds of tyme.
 *
 * It sleeps like a NetClient: its next due tyme is the earliest of its idle
 * deadline, its next reconnect and the network's next event (which it takes
 * in with its next pass), or now while it has work pending. Facts the
 * network delivers between passes wake it through its waker; an event
 * scheduled before its due tyme wakes it through the network
 * ({@link SimSleeper}).
 */
import { checkOptions } from '../../core/options.js';
import type { Tymth } from '../../core/tymist.js';
import { checkAddress, formatAddress, type Address } from '../address.js';
import type { Client } from '../client.js';
import { Reconnector, reconnectOptions } from '../reconnector.js';
import { SimEndpoint, type SimEndpointOptions } from './sim-endpoint.js';
import type { SimFabric, SimSleeper } from './sim-fabric.js';

/** Options of a {@link SimClient}. */
export interface SimClientOptions extends SimEndpointOptions {
  /** The network to connect over (a {@link SimNet}). */
  readonly net: SimFabric;
  /** Host name this client runs on (default 'client'). */
  readonly localHost?: string;
  /** Host to connect to (default 'server'). */
  readonly host?: string;
  /** Port to connect to. */
  readonly port: number;
  /** Reconnect after a failure or cutoff (default false). */
  readonly reconnectable?: boolean;
  /** Seconds of tyme between reconnect attempts (default 1). */
  readonly reconnectTymeout?: number;
}

const KNOWN = ['net', 'localHost', 'host', 'port', 'tymth', 'tymeout', 'highWater', 'wireLog', 'reconnectable', 'reconnectTymeout'];

/** A simulated outgoing connection. */
export class SimClient extends SimEndpoint implements Client {
  readonly address: Address;
  waker: (() => void) | null = null;
  readonly #reconnector: Reconnector;
  #notified = false;
  #started = false;
  /** True while this client's own pass processes the network's events: what they deliver is taken in by that pass. */
  #advancing = false;
  /** How the network wakes this client when it schedules an event before its due tyme (not during its own pass: that one is due anyway). */
  readonly #sleeper: SimSleeper = {
    wake: () => {
      if (!this.#advancing) this.waker?.();
    },
  };

  constructor(options: SimClientOptions) {
    checkOptions('SimClient', options, KNOWN);
    super(options.net, options.localHost ?? 'client', options);
    this.address = checkAddress('SimClient', { host: options.host ?? 'server', port: options.port });
    this.#reconnector = new Reconnector('SimClient', { tymth: options.tymth ?? options.net.tymth, ...reconnectOptions(options) });
  }

  get reconnectable(): boolean {
    return this.#reconnector.reconnectable;
  }

  set reconnectable(reconnectable: boolean) {
    this.#reconnector.reconnectable = reconnectable;
  }

  get reconnectTymeout(): number {
    return this.#reconnector.tymeout;
  }

  set reconnectTymeout(seconds: number) {
    this.#reconnector.tymeout = seconds;
  }

  protected get logKey(): string {
    return formatAddress(this.address);
  }

  notify(): void {
    // One wake until the next receive pass is enough: that pass takes in
    // everything, also what the pass's own advance delivers.
    if (this.#notified || this.#advancing) return;
    this.#notified = true;
    // A pass is due now: the network need not wake this client for an event.
    this.net.forgetSleeper(this.#sleeper);
    this.waker?.();
  }

  /** For the network (the {@link SimEnd} contract): this client takes in its own deliveries. */
  get sleeper(): SimSleeper {
    return this.#sleeper;
  }

  override wind(tymth: Tymth): void {
    super.wind(tymth);
    this.#reconnector.wind(tymth);
  }

  open(): void {
    if (!this.#started || this.closed || this.cutoff) this.reopen();
  }

  reopen(): void {
    if (this.#started && !this.closed) super.close();
    this.#started = true;
    this.connectTo(this.address);
  }

  override close(): void {
    super.close();
    this.detach();
    this.net.forgetSleeper(this.#sleeper);
  }

  serviceConnect(): boolean {
    this.#advance();
    // Consume the connect's outcome now (the receive pass would too).
    if (this.connecting || this.failure !== null) this.#takeIn();
    if (this.#reconnector.check(this.cutoff && !this.closed)) this.reopen();
    return this.connected;
  }

  /**
   * Processes the network's due events, then takes in what was delivered.
   * An owner that calls only this once connected (a Patron's connection)
   * still has the network's events for this client processed when it runs
   * for them: nobody else is due then.
   */
  override serviceReceives(): void {
    this.#advance();
    this.#takeIn();
  }

  /** Connect pass, send pass, receive pass: the network advances once, before the sends. */
  service(): void {
    this.serviceConnect();
    this.serviceSends();
    this.#takeIn();
  }

  /** Processes the network's due events; what they deliver to this client is taken in by this same pass, so it wakes nobody. */
  #advance(): void {
    this.#advancing = true;
    try {
      this.net.advance();
    } finally {
      this.#advancing = false;
    }
  }

  #takeIn(): void {
    this.#notified = false;
    super.serviceReceives();
  }

  /**
   * Now while facts or bytes wait for a pass (or reading is paused, for a
   * reader elsewhere to consume, or a cut-off connection has yet to start
   * its reconnect timer); otherwise the earliest of the idle
   * deadline, the next reconnect and the network's next event for this client (Infinity when
   * there is none: only an event of its own wakes it). The network is told,
   * so an event it schedules earlier wakes the client. Without a tymth the
   * client is always due.
   */
  nextDue(): number {
    const tymth = this.tymer.tymth;
    if (tymth === null) return 0;
    const now = tymth();
    // A connection cut off since the last connect pass: that pass starts the reconnect timer.
    const noticing = this.reconnectable && this.cutoff && !this.closed && this.#reconnector.due === Infinity;
    const due = this.busy || this.paused || noticing ? now : Math.min(this.idleDeadline, this.#reconnector.due, this.net.nextEventTyme(this.#sleeper));
    if (due > now) this.net.sleep(this.#sleeper, due);
    else this.net.forgetSleeper(this.#sleeper);
    return due;
  }
}
