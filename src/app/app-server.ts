/**
 * @module
 * The AppServer: a servant plus a fetch-standard application (hio's WSGI
 * `Server`): every request is answered by a {@link FetchResponder} calling
 * the application. It is a {@link BareServer} in everything else — the same
 * limits, tymeouts, lenience, clock, drain and servant, so a SimServant puts
 * the application in a simulation — and {@link AppServerDoer} runs it under a
 * Doist. {@link serve} starts one on real sockets in one call.
 */
import { HioError } from '../core/errors.js';
import { formatAddress } from '../net/address.js';
import type { Remoter } from '../net/connection.js';
import { TlsServant } from '../net/net-servant.js';
import { ServiceDoer, type ServiceDoerOptions } from '../doing/service-doer.js';
import { BareServer, type BareServerOptions, type FaultHandler } from '../http/bare-server.js';
import type { Request as HttpRequest } from '../http/request.js';
import { FetchResponder, type FetchErrorHandler, type FetchHandler, type FetchInfo } from './fetch-responder.js';

/** Options of an {@link AppServer}: a BareServer's, with the application instead of a steward. */
export interface AppServerOptions extends Omit<BareServerOptions, 'steward' | 'respond' | 'onError'> {
  /** The application. */
  readonly fetch: FetchHandler;
  /** Answers an application fault instead of the default 500 (its own fault then answers 500). */
  readonly onError?: FetchErrorHandler;
  /** Takes every contained fault (default: one report on stderr each), as BareServer's `onError`. */
  readonly onFault?: FaultHandler;
}

/** An HTTP/1.1 server answering with a fetch-standard application. */
export class AppServer extends BareServer {
  /** The application. */
  readonly fetch: FetchHandler;

  constructor(options: AppServerOptions) {
    const { fetch, onError, onFault, ...rest } = options;
    if (typeof fetch !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'AppServer: fetch must be a function (request) => Response');
    if (onError !== undefined && typeof onError !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'AppServer: onError must be a function');
    const errorHandler = onError ?? null;
    // The responder reads the scheme from the servant, which exists only once super() ran.
    let scheme = 'http';
    const origin = (request: HttpRequest): string => `${scheme}://${request.headers.get('host') ?? this.#authority()}`;
    super({
      streamBodies: true,
      ...rest,
      ...(onFault !== undefined && { onError: onFault }),
      respond: (request: HttpRequest, connection: Remoter) =>
        new FetchResponder({ fetch, onError: errorHandler, origin, info: new ConnectionInfo(connection) }, request),
    });
    scheme = this.servant instanceof TlsServant ? 'https' : 'http';
    this.fetch = fetch;
  }

  /** The listener's "host:port", for requests without a Host (HTTP/1.0). */
  #authority(): string {
    return formatAddress(this.servant.address);
  }
}

/** The connection's information for the application; the address is read only if asked for. */
class ConnectionInfo implements FetchInfo {
  readonly #connection: Remoter;

  constructor(connection: Remoter) {
    this.#connection = connection;
  }

  get remoteAddress(): FetchInfo['remoteAddress'] {
    return this.#connection.remoteAddress;
  }
}

/** A ServiceDoer running an AppServer: enter opens, recur services, exit closes. */
export class AppServerDoer extends ServiceDoer<AppServer> {
  constructor(server: AppServer, options: ServiceDoerOptions = {}) {
    super(server, options);
  }
}
