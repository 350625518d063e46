/**
 * @module
 * The NetServant: a {@link Servant} listening with node:net, or node:tls when
 * given `tls` options (see {@link TlsServant}). Node's 'connection',
 * 'listening' and 'error' events, and every socket event of its remoters,
 * only record facts and call the waker; passes consume them. Listening on
 * port 0 works: once opened, `address` holds the port the system chose.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import { checkAddress, type Address } from './address.js';
import { BaseServant } from './base-servant.js';
import { toNetError, type NetError } from './net-error.js';
import { NetRemoter } from './net-remoter.js';
import type { WireLog } from './wire-log.js';

/** Options of a {@link NetServant}. */
export interface NetServantOptions {
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (default 0). */
  readonly port?: number;
  /** Tyme closure for the idle timers (a ServantDoer winds its Doist's). */
  readonly tymth?: Tymth;
  /** Idle timeout in seconds of tyme for each remoter (default 0: never). */
  readonly tymeout?: number;
  /** Receive high-water mark per remoter in bytes (default 512 KiB). */
  readonly highWater?: number;
  /** Listen backlog (default 511). */
  readonly backlog?: number;
  /** Refuse connections beyond this many open ones (default: no limit). */
  readonly maxConnections?: number;
  /** Wire log hook given to every remoter. */
  readonly wireLog?: WireLog | null;
  /** Serve TLS with these options (certificate, key, …). */
  readonly tls?: TlsOptions;
  /** Milliseconds a TLS handshake may take before the socket is dropped (default 10,000). */
  readonly handshakeTimeoutMs?: number;
}

const KNOWN = ['host', 'port', 'tymth', 'tymeout', 'highWater', 'backlog', 'maxConnections', 'wireLog', 'tls', 'handshakeTimeoutMs'];

/** A listening socket and its accepted connections. */
export class NetServant extends BaseServant<NetRemoter> {
  readonly #options: NetServantOptions;
  readonly #configured: Address;
  #server: Server | null = null;
  #listening = false;
  #failure: NetError | null = null;
  #opened = false;
  #error: NetError | null = null;
  #address: Address;

  constructor(options: NetServantOptions = {}) {
    checkOptions('NetServant', options, KNOWN);
    super('NetServant', options.tymth, options.tymeout, options.wireLog);
    this.#options = options;
    this.#configured = checkAddress('NetServant', { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    this.#address = this.#configured;
    if (options.maxConnections !== undefined && !(Number.isInteger(options.maxConnections) && options.maxConnections > 0)) {
      throw new HioError('HIO_ERR_INVALID_OPTION', 'NetServant: maxConnections must be a positive integer');
    }
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
    if (this.#server === null) this.reopen();
  }

  reopen(): void {
    this.close();
    const options = this.#options;
    const server =
      options.tls === undefined
        ? createNetServer({ allowHalfOpen: true, noDelay: true })
        : createTlsServer({ ...options.tls, allowHalfOpen: true, handshakeTimeout: options.handshakeTimeoutMs ?? 10_000 });
    if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
    server.on(options.tls === undefined ? 'connection' : 'secureConnection', this.#onConnection);
    server.on('listening', this.#onListening);
    server.on('error', this.#onError);
    // A client failing its TLS handshake is its own problem, not the servant's.
    server.on('tlsClientError', noop);
    this.#server = server;
    server.listen({ host: this.#configured.host, port: this.#configured.port, backlog: options.backlog ?? 511 });
  }

  override close(): void {
    this.stopListening();
    super.close();
    this.#listening = false;
    this.#failure = null;
    this.#opened = false;
    this.#error = null;
    this.#address = this.#configured;
  }

  stopListening(): void {
    const server = this.#server;
    if (server !== null) {
      server.off('connection', this.#onConnection);
      server.off('secureConnection', this.#onConnection);
      // Node keeps the accepted sockets open: only the listening socket goes.
      server.close();
      this.#server = null;
    }
    this.#listening = false;
    this.#opened = false;
  }

  serviceConnects(): void {
    if (this.#failure !== null) {
      this.#error = this.#failure;
      this.#failure = null;
      this.#opened = false;
    }
    if (this.#listening) {
      this.#listening = false;
      this.#opened = true;
      const bound = this.#server?.address();
      if (bound !== null && typeof bound === 'object') this.#address = { host: bound.address, port: bound.port };
    }
    this.admitAccepted();
  }

  readonly #onConnection = (socket: Socket): void => {
    const highWater = this.#options.highWater;
    this.enqueue(new NetRemoter(socket, this.mark, highWater === undefined ? {} : { highWater }));
  };

  readonly #onListening = (): void => {
    this.#listening = true;
    this.waker?.();
  };

  readonly #onError = (error: Error): void => {
    this.#failure = toNetError(error, 'listen');
    this.waker?.();
  };
}

/** A NetServant serving TLS: the same servant with `tls` options required. */
export class TlsServant extends NetServant {
  constructor(options: NetServantOptions & { readonly tls: TlsOptions }) {
    super(options);
  }
}

function noop(): void {}
