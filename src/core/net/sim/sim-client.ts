/**
 * @module
 * The SimClient: a {@link Client} on a host of a {@link SimNet}, with the
 * NetClient's behaviour: reopen() starts a connect that completes (or fails
 * with ECONNREFUSED or ETIMEDOUT) in a later serviceConnect; queued bytes
 * survive a reconnect; a reconnectable client retries every
 * `reconnectTymeout` seconds of tyme.
 */
import { checkOptions, checkSeconds } from '../../options.js';
import { Tymer } from '../../tymer.js';
import type { Tymth } from '../../tymist.js';
import { checkAddress, formatAddress, type Address } from '../address.js';
import type { Client } from '../client.js';
import { SimEndpoint, type SimEndpointOptions } from './sim-endpoint.js';
import type { SimNet } from './sim-net.js';

/** Options of a {@link SimClient}. */
export interface SimClientOptions extends SimEndpointOptions {
  /** The network to connect over. */
  readonly net: SimNet;
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
  reconnectable: boolean;
  waker: (() => void) | null = null;
  readonly #redo: Tymer;
  #reconnectTymeout: number;
  #waiting = false;
  #started = false;

  constructor(options: SimClientOptions) {
    checkOptions('SimClient', options, KNOWN);
    super(options.net, options.localHost ?? 'client', options);
    this.address = checkAddress('SimClient', { host: options.host ?? 'server', port: options.port });
    this.reconnectable = options.reconnectable ?? false;
    this.#reconnectTymeout = checkSeconds('SimClient', 'reconnectTymeout', options.reconnectTymeout ?? 1);
    const tymth = options.tymth ?? options.net.tymth;
    this.#redo = new Tymer(tymth === null ? {} : { tymth });
  }

  get reconnectTymeout(): number {
    return this.#reconnectTymeout;
  }

  set reconnectTymeout(seconds: number) {
    this.#reconnectTymeout = checkSeconds('SimClient', 'reconnectTymeout', seconds);
  }

  protected get logKey(): string {
    return formatAddress(this.address);
  }

  notify(): void {
    this.waker?.();
  }

  override wind(tymth: Tymth): void {
    super.wind(tymth);
    this.#redo.wind(tymth);
  }

  reopen(): void {
    if (this.#started && !this.closed) super.close();
    this.forget();
    this.#started = true;
    this.localPort = this.net.connect(this, this.address.host, this.address.port);
  }

  override close(): void {
    super.close();
    this.net.forget(this);
  }

  serviceConnect(): boolean {
    this.net.advance();
    // Consume the connect's outcome now (the receive pass would too).
    if (this.connecting || this.failure !== null) this.serviceReceives();
    this.#retryWhenDue(this.cutoff && !this.closed);
    return this.connected;
  }

  /**
   * A client we closed ourselves stays closed. One that failed or was cut off
   * waits `reconnectTymeout` seconds of tyme from the moment the failure was
   * noticed, then connects again, so a dead server is not hammered.
   */
  #retryWhenDue(failed: boolean): void {
    if (!this.reconnectable || this.#redo.tymth === null) return;
    if (!failed) {
      this.#waiting = false;
      return;
    }
    if (!this.#waiting) {
      this.#waiting = true;
      this.#redo.start(this.#reconnectTymeout);
    } else if (this.#redo.expired) {
      this.#waiting = false;
      this.reopen();
    }
  }

  service(): void {
    this.serviceConnect();
    this.serviceSends();
    this.serviceReceives();
  }

  /** Always due, as a SimServant: the network advances only when serviced. */
  nextDue(): number {
    return this.tymer.tymth?.() ?? 0;
  }
}
