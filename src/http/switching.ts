/**
 * @module
 * Switching protocols (RFC 9110 §7.8, §15.2.2) and tunnels (§9.3.6): the
 * rules for answering a request with `101 Switching Protocols` or a 2xx to
 * CONNECT, and the {@link SwitchResponder} that writes that answer and hands
 * the connection to a {@link Tunnel} running the application's protocol.
 *
 * A 101 answers only an HTTP/1.1 request that offered an upgrade (an
 * `Upgrade` field, listed in `Connection`), and names the protocol it
 * switches to in its own `Upgrade` field: given none, the request's offer
 * is used when it named exactly one. A CONNECT reaches an application only
 * when the server's `methods` include it (otherwise it is answered 501).
 * With `raw`, nothing is written: the protocol writes its own answer (a
 * Node library such as `ws` writes its 101 itself). A request body still
 * arriving is read to its end before the switch (what the application did
 * not read is dropped): the new protocol begins after the whole request.
 */
import { HioError } from '../core/errors.js';
import { Hict } from '../core/hict.js';
import type { Remoter } from '../net/connection.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { Request } from './request.js';
import type { Responder } from './responder.js';
import type { HeadersInit, ResponseWriter } from './response-writer.js';
import { Tunnel, type TunnelHost, type TunnelOptions, type TunnelProtocol } from './tunnel.js';

/** How a request is answered when its connection switches protocols. */
export interface SwitchOptions extends TunnelOptions {
  /** Headers of the answer: for a 101, `Upgrade` names the protocol switched to (default: the request's, when it offered exactly one). */
  readonly headers?: HeadersInit;
  /** The status of the answer to a CONNECT, a 2xx (default 200); a switch always answers 101. */
  readonly status?: number;
  /** Write no HTTP answer: the protocol writes its own (default false). */
  readonly raw?: boolean;
}

/** The request's method and headers, as either kind of request carries them. */
export interface SwitchRequest {
  readonly method: string;
  /** "HTTP/1.1" or "HTTP/1.0"; a WHATWG request, which has none, counts as HTTP/1.1. */
  readonly version?: string;
  readonly headers: { get(name: string): string | null | undefined };
}

/**
 * Whether a request may switch the connection to another protocol: a
 * CONNECT, or an HTTP/1.1 request with an Upgrade field. Cheap: run for
 * every request, so the server stops parsing ahead after such a one.
 */
export function maySwitch(request: Request): boolean {
  return request.method === 'CONNECT' || (request.version === 'HTTP/1.1' && request.headers.has('upgrade'));
}

/**
 * The protocols a request offers to switch to (its Upgrade field, in
 * order), or an empty list when it offers none: not HTTP/1.1, no Upgrade,
 * or "upgrade" missing from its Connection field.
 */
export function offeredProtocols(request: SwitchRequest): string[] {
  if ((request.version ?? 'HTTP/1.1') !== 'HTTP/1.1') return [];
  const upgrade = request.headers.get('upgrade');
  const connection = request.headers.get('connection');
  if (upgrade == null || connection == null) return [];
  if (!connection.split(',').some((token) => token.trim().toLowerCase() === 'upgrade')) return [];
  return upgrade
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
}

/**
 * Checks that `request` may be answered with a switch and returns the
 * status and headers of the answer. Throws HIO_ERR_UPGRADE when it may not
 * (no upgrade offered, a CONNECT answered with other than 2xx, a 101
 * naming no protocol).
 */
export function switchHead(request: SwitchRequest, options: SwitchOptions = {}): { status: number; headers: Hict } {
  const headers = new Hict(options.headers as ConstructorParameters<typeof Hict>[0]);
  if (request.method === 'CONNECT') {
    const status = options.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 299)
      throw new HioError('HIO_ERR_UPGRADE', `a CONNECT tunnel is answered with a 2xx status, not ${status}`);
    return { status, headers };
  }
  if (options.status !== undefined && options.status !== 101) throw new HioError('HIO_ERR_UPGRADE', `a protocol switch is answered 101, not ${options.status}`);
  const offered = offeredProtocols(request);
  if (offered.length === 0) {
    throw new HioError('HIO_ERR_UPGRADE', 'the request offered no upgrade (an HTTP/1.1 request with Upgrade, listed in Connection, is needed)');
  }
  if (!headers.has('upgrade')) {
    if (offered.length !== 1) throw new HioError('HIO_ERR_UPGRADE', `the request offers ${offered.join(', ')}: name the one chosen in an Upgrade header`);
    headers.add('Upgrade', offered[0]!);
  }
  if (!headers.has('connection')) headers.add('Connection', 'Upgrade');
  return { status: 101, headers };
}

/** The connection switches to `protocol` after this answer; see the module note. */
export class SwitchResponder implements Responder {
  readonly #protocol: TunnelProtocol;
  readonly #options: SwitchOptions;

  constructor(protocol: TunnelProtocol, options: SwitchOptions = {}) {
    this.#protocol = protocol;
    this.#options = options;
  }

  pour(writer: ResponseWriter): boolean {
    const body = writer.request.bodyStream;
    if (body !== undefined && !body.ended) {
      // The switch takes effect after the whole request: a body still arriving is read to its end first, unread bytes dropped.
      if (body.error !== null) throw new HioError('HIO_ERR_UPGRADE', 'the request body failed before the switch', { cause: body.error });
      body.take();
      writer.suspend();
      void body.wait().then(() => writer.resume());
      return false;
    }
    if (this.#options.raw === true) {
      // Nothing written for the protocol: the request must still be one the server stopped parsing after (HTTP/1.1 with Upgrade, or CONNECT).
      if (!maySwitch(writer.request) || (writer.request.method !== 'CONNECT' && offeredProtocols(writer.request).length === 0)) {
        throw new HioError('HIO_ERR_UPGRADE', 'the request offered no upgrade (an HTTP/1.1 request with Upgrade, listed in Connection, is needed)');
      }
      return true;
    }
    const { status, headers } = switchHead(writer.request, this.#options);
    writer.send({ status, headers });
    return true;
  }

  takeOver(remoter: Remoter, host: TunnelHost): ConnectionHandler {
    return new Tunnel(remoter, host, this.#protocol, this.#options);
  }
}
