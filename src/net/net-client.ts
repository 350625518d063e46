/**
 * @module
 * The NetClient: a {@link Client} over node:net, or node:tls when given
 * `tls` options (see {@link TlsClient}). Connecting is asynchronous: reopen()
 * starts it and a later serviceConnect() takes note of the outcome. Bytes
 * queued before the connection is up are sent once it is; a reconnectable
 * client that failed or was cut off reconnects every `reconnectTymeout`
 * seconds of tyme, keeping its queues.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { checkOptions } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import { checkAddress, formatAddress, type Address } from './address.js';
import type { Client } from './client.js';
import { NetConnection, type NetConnectionOptions } from './net-connection.js';
import { Reconnector, reconnectOptions } from './reconnector.js';
import { toNetError } from './net-error.js';

/** Options of a {@link NetClient}. */
export interface NetClientOptions extends NetConnectionOptions {
  /** Host to connect to (default 127.0.0.1). */
  readonly host?: string;
  /** Port to connect to. */
  readonly port: number;
  /** Reconnect after a failure or cutoff (default false). */
  readonly reconnectable?: boolean;
  /** Seconds of tyme between reconnect attempts (default 1). */
  readonly reconnectTymeout?: number;
  /** Connect with TLS using these options (servername, ca, …). */
  readonly tls?: ConnectionOptions;
}

const KNOWN = ['host', 'port', 'tymth', 'tymeout', 'highWater', 'wireLog', 'reconnectable', 'reconnectTymeout', 'tls'];

/** An outgoing socket connection. */
export class NetClient extends NetConnection implements Client {
  readonly address: Address;
  waker: (() => void) | null = null;
  readonly #reconnector: Reconnector;
  readonly #tls: ConnectionOptions | undefined;
  #connectedFact = false;
  #connected = false;

  constructor(options: NetClientOptions) {
    checkOptions('NetClient', options, KNOWN);
    super(options);
    this.address = checkAddress('NetClient', { host: options.host ?? '127.0.0.1', port: options.port });
    this.#tls = options.tls;
    this.#reconnector = new Reconnector('NetClient', { tymth: options.tymth ?? null, ...reconnectOptions(options) });
  }

  get connected(): boolean {
    return this.#connected && !this.cutoff;
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

  protected notify(): void {
    this.waker?.();
  }

  protected override get sendable(): boolean {
    return this.#connected;
  }

  override wind(tymth: Tymth): void {
    super.wind(tymth);
    this.#reconnector.wind(tymth);
  }

  open(): void {
    if (!this.hasSocket) this.reopen();
  }

  reopen(): void {
    this.detach();
    this.#connected = false;
    this.#connectedFact = false;
    const { host, port } = this.address;
    const onConnect = (): void => {
      this.#connectedFact = true;
      this.notify();
    };
    try {
      const socket: Socket =
        this.#tls === undefined
          ? netConnect({ host, port, allowHalfOpen: true, noDelay: true }, onConnect)
          : tlsConnect({ ...(isIP(host) === 0 && { servername: host }), ...this.#tls, host, port }, onConnect);
      this.attach(socket);
    } catch (error) {
      this.fail(toNetError(error, 'connect'));
    }
  }

  override close(): void {
    super.close();
    this.#connected = false;
  }

  serviceConnect(): boolean {
    if (this.#connectedFact) {
      this.#connectedFact = false;
      this.#connected = true;
      this.readAddresses(true);
      this.refresh();
    }
    this.serviceReceives();
    if (this.#reconnector.check(this.cutoff && !this.closed)) this.reopen();
    return this.connected;
  }

  service(): void {
    this.serviceConnect();
    this.serviceSends();
    this.serviceReceives();
  }

  nextDue(): number {
    const tymth = this.tymer.tymth;
    if (tymth === null) return Infinity;
    // Paused reading waits for a reader that may live outside this doer: poll it every pass.
    if (this.busy || this.paused || this.#connectedFact) return tymth();
    return Math.min(this.idleDeadline, this.#reconnector.due);
  }
}

/** A NetClient speaking TLS: the same client with `tls` options required. */
export class TlsClient extends NetClient {
  constructor(options: NetClientOptions & { readonly tls: ConnectionOptions }) {
    super(options);
  }
}
