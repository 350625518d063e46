/**
 * @module
 * The SimClient: a {@link Client} on a host of a {@link SimNet}, with the
 * NetClient's behaviour: reopen() starts a connect that completes (or fails
 * with ECONNREFUSED or ETIMEDOUT) in a later serviceConnect; queued bytes
 * survive a reconnect; a reconnectable client retries every
 * `reconnectTymeout` seconds of tyme.
 */
import { checkOptions } from '../../core/options.js';
import type { Tymth } from '../../core/tymist.js';
import { checkAddress, formatAddress, type Address } from '../address.js';
import type { Client } from '../client.js';
import { Reconnector, reconnectOptions } from '../reconnector.js';
import { SimEndpoint, type SimEndpointOptions } from './sim-endpoint.js';
import type { SimFabric } from './sim-fabric.js';

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
    // One wake until the next receive pass is enough: that pass takes in everything.
    if (this.#notified) return;
    this.#notified = true;
    this.waker?.();
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
  }

  serviceConnect(): boolean {
    this.net.advance();
    // Consume the connect's outcome now (the receive pass would too).
    if (this.connecting || this.failure !== null) this.serviceReceives();
    if (this.#reconnector.check(this.cutoff && !this.closed)) this.reopen();
    return this.connected;
  }

  override serviceReceives(): void {
    this.#notified = false;
    super.serviceReceives();
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
