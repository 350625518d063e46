/**
 * @module
 * The AppServer: a servant plus a fetch-standard application (hio's WSGI
 * `Server`): every request is answered by a {@link FetchResponder} calling
 * the application. It is a {@link BareServer} in everything else — the same
 * limits, tymeouts, lenience, clock, drain and servant, so a SimServant puts
 * the application in a simulation — and {@link AppServerDoer} runs it under a
 * Doist. {@link serve} starts one on real sockets in one call.
 *
 * Given a worker pool (`offload`), the server drives it as one more I/O
 * component: each pass services the pool before the connections, the pool's
 * next due tyme (a task's tymeout) joins the server's, and closing the
 * server closes the pool.
 */
import type { CancelTimer } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { formatAddress, type Address } from '../net/address.js';
import type { Remoter } from '../net/connection.js';
import { TlsServant } from '../net/net-servant.js';
import { ServiceDoer, type ServiceDoerOptions } from '../doing/service-doer.js';
import { BareServer, type BareServerOptions, type FaultHandler } from '../http/bare-server.js';
import { peerAddress } from '../http/proxy-protocol.js';
import type { Request as HttpRequest } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import type { StewardHost } from '../http/steward-host.js';
import { HTTP_DEFAULTS } from '../http/limits.js';
import type { Tymth } from '../core/tymist.js';
import { FetchResponder, type FetchErrorHandler, type FetchHandler, type FetchInfo } from './fetch-responder.js';
import type { Offloader } from './offload.js';
import { compileTrust, type ProxyTrust, type TrustProxy } from './trust-proxy.js';

/** Options of an {@link AppServer}: a BareServer's, with the application instead of a steward. */
export interface AppServerOptions extends Omit<BareServerOptions, 'steward' | 'respond' | 'onError'> {
  /** The application. */
  readonly fetch: FetchHandler;
  /** Answers an application fault instead of the default 500 (its own fault then answers 500). */
  readonly onError?: FetchErrorHandler;
  /** Takes every contained fault (default: one report on stderr each), as BareServer's `onError`. */
  readonly onFault?: FaultHandler;
  /**
   * A worker pool for the application's blocking work: the server winds it,
   * services it every pass, wakes for its tymeouts and closes it when it
   * closes (a drain waits for its tasks, up to the drain's deadline).
   */
  readonly offload?: Offloader;
  /**
   * Which peers may say who the client is (`X-Forwarded-For`) and which
   * scheme and host it asked for (`X-Forwarded-Proto`, `X-Forwarded-Host`):
   * `true` every one, addresses, CIDR ranges and the names `loopback`,
   * `linklocal`, `uniquelocal` (a list, or a comma-separated string), or a
   * function `(address, hop) => boolean`. Default false: the headers are
   * ignored, `info.remoteAddress` and the URL are the connection's and the
   * Host header's. See trust-proxy.ts.
   */
  readonly trustProxy?: TrustProxy;
}

/** An HTTP/1.1 server answering with a fetch-standard application. */
export class AppServer extends BareServer {
  /** The application. */
  readonly fetch: FetchHandler;
  /** The worker pool the server drives, or null. */
  readonly offload: Offloader | null;
  #drainDeadline = Infinity;

  constructor(options: AppServerOptions) {
    const { fetch, onError, onFault, offload, trustProxy, ...rest } = options;
    if (typeof fetch !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'AppServer: fetch must be a function (request) => Response');
    if (onError !== undefined && typeof onError !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'AppServer: onError must be a function');
    const errorHandler = onError ?? null;
    const trust = compileTrust('AppServer', trustProxy);
    // The responder reads the scheme from the servant, which exists only once super() ran.
    let scheme = 'http';
    const origin =
      trust === null
        ? (request: HttpRequest): string => `${scheme}://${request.headers.get('host') ?? this.#authority()}`
        : (request: HttpRequest, info: FetchInfo): string =>
            trust.origin(request, info instanceof ConnectionInfo ? info.peer : null, scheme, request.headers.get('host') ?? this.#authority());
    super({
      streamBodies: true,
      ...rest,
      ...(onFault !== undefined && { onError: onFault }),
      respond: (request: HttpRequest, connection: Remoter) =>
        new FetchResponder({ fetch, onError: errorHandler, origin, info: new ConnectionInfo(this, connection, request, trust) }, request),
    });
    scheme = this.servant instanceof TlsServant ? 'https' : 'http';
    this.fetch = fetch;
    if (
      offload !== undefined &&
      (typeof offload !== 'object' || offload === null || typeof offload.offload !== 'function' || typeof offload.service !== 'function')
    )
      throw new HioError('HIO_ERR_INVALID_OPTION', 'AppServer: offload must be a worker pool (a WorkerOffload or an InlineOffload)');
    this.offload = offload ?? null;
    if (offload !== undefined) {
      // The pool's completions wake whatever runs the server; faults outside its tasks are the server's to report.
      offload.waker = () => this.waker?.();
      offload.onFault = (error) => this.fault(error, null);
    }
  }

  override wind(tymth: Tymth): void {
    super.wind(tymth);
    this.offload?.wind(tymth);
  }

  override reopen(): void {
    super.reopen();
    this.offload?.reopen();
  }

  /** Closes the server, then the pool: its pending tasks reject with HIO_ERR_OFFLOAD_CLOSED and its threads end. */
  override close(): void {
    super.close();
    this.offload?.close();
  }

  /** One pass: the pool's (completions settled, tymeouts enforced), then the server's. */
  override service(): void {
    this.offload?.service();
    super.service();
  }

  /** The server's next due tyme, or the pool's when earlier (a task's tymeout, a completion waiting). */
  override nextDue(): number {
    const due = super.nextDue();
    return this.offload === null ? due : Math.min(due, this.offload.nextDue());
  }

  override drain(tymeout: number = HTTP_DEFAULTS.drainTymeout): void {
    if (!this.draining) this.#drainDeadline = (this.tymth?.() ?? 0) + tymeout;
    super.drain(tymeout);
  }

  /** Drained as a BareServer, and the pool has no task left (or the drain's deadline passed). */
  override get drained(): boolean {
    if (!super.drained) return false;
    return this.offload === null || this.offload.pending === 0 || (this.tymth?.() ?? 0) >= this.#drainDeadline;
  }

  /** The listener's "host:port", for requests without a Host (HTTP/1.0). */
  #authority(): string {
    return formatAddress(this.servant.address);
  }
}

/**
 * A responder answering `request` with the fetch handler `fetch`, for a
 * Steward that hands some requests to a fetch application (a StaticSink's,
 * say): what an AppServer does for every request. Without a Host, the
 * request's URL names "localhost".
 */
export function fetchResponder(
  host: StewardHost,
  connection: Remoter,
  request: HttpRequest,
  fetch: FetchHandler,
  onError: FetchErrorHandler | null = null,
): Responder {
  return new FetchResponder({ fetch, onError, origin: localOrigin, info: new ConnectionInfo(host, connection, request, null) }, request);
}

function localOrigin(request: HttpRequest): string {
  return `http://${request.headers.get('host') ?? 'localhost'}`;
}

/**
 * One request's information for the application: the client's address
 * (worked out only if asked for) and the server's tyme, timers and fault
 * handler.
 */
class ConnectionInfo implements FetchInfo {
  readonly #server: StewardHost;
  readonly #connection: Remoter;
  readonly #request: HttpRequest;
  readonly #trust: ProxyTrust | null;
  /** The client's address once worked out from trusted forwarding headers; undefined until asked. */
  #client: Address | null | undefined = undefined;

  constructor(server: StewardHost, connection: Remoter, request: HttpRequest, trust: ProxyTrust | null) {
    this.#server = server;
    this.#connection = connection;
    this.#request = request;
    this.#trust = trust;
  }

  /** The immediate peer: the connection's address, or the one its PROXY protocol header carried. */
  get peer(): Address | null {
    return peerAddress(this.#connection);
  }

  get remoteAddress(): FetchInfo['remoteAddress'] {
    if (this.#trust === null) return this.peer;
    if (this.#client === undefined) this.#client = this.#trust.client(this.#request, this.peer);
    return this.#client;
  }

  get tyme(): number {
    return this.#server.tymth?.() ?? 0;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this.#server, seconds, signal);
  }

  after(seconds: number, callback: () => void): CancelTimer {
    return this.#server.after(seconds, callback);
  }

  fault(error: unknown): void {
    this.#server.fault(error, this.#request);
  }
}

/** A promise settled by a server timer, or by the signal's abort first (the timer then cancelled, the listener removed either way). */
function sleepOn(server: StewardHost, seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      server.after(seconds, resolve);
      return;
    }
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const aborted = (): void => {
      cancel();
      reject(signal.reason);
    };
    const cancel = server.after(seconds, () => {
      signal.removeEventListener('abort', aborted);
      resolve();
    });
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** A ServiceDoer running an AppServer: enter opens, recur services, exit closes. */
export class AppServerDoer extends ServiceDoer<AppServer> {
  constructor(server: AppServer, options: ServiceDoerOptions = {}) {
    super(server, options);
  }
}
