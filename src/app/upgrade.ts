/**
 * @module
 * Protocol switches from a fetch handler. {@link upgrade} returns a
 * `Response` that stands for "answer 101 and run this protocol on the
 * connection"; {@link upgradeNode} one that hands the connection to a Node
 * library as node:http's `'upgrade'` event does. The {@link FetchResponder}
 * recognises them by a mark, as it does hand responses:
 *
 * ```ts
 * const wss = new WebSocketServer({ noServer: true });
 * fetch: (request) =>
 *   request.headers.get('upgrade') === 'websocket'
 *     ? upgradeNode(request, (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(m))))
 *     : new Response('hello')
 * ```
 *
 * Both check at once that the request offered an upgrade (or is a CONNECT
 * the server lets through) and throw HIO_ERR_UPGRADE otherwise, which a
 * handler that does not catch it answers 500. The Response itself is an
 * empty 200 placeholder: returned outside a hio-ts server it switches
 * nothing.
 */
import { HioError } from '../core/errors.js';
import type { Request as HttpRequest } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import { SwitchResponder, offeredProtocols, switchHead, type SwitchOptions } from '../http/switching.js';
import type { TunnelOptions, TunnelProtocol } from '../http/tunnel.js';
import { NodeUpgrade, type NodeUpgradeListener } from '../http/tunnel-duplex.js';

/** A registered symbol: a second copy of hio-ts loaded in the process knows the mark too. */
const SWITCH = Symbol.for('hio-ts.upgrade');

/** What a switching response carries under its mark. */
interface Switch {
  /** Makes the protocol, given the request as the server read it. */
  readonly make: (request: HttpRequest) => TunnelProtocol;
  readonly options: SwitchOptions;
}

/**
 * Answers `request` with `101 Switching Protocols` (or, for a CONNECT the
 * server lets through, a 2xx) and runs `protocol` on the connection from
 * then on; see {@link Tunnel}. `options.headers` go on the answer (an
 * `Upgrade` naming the protocol chosen, unless the request offered just
 * one); the tunnel's tymeouts and high-water mark may be set too.
 */
export function upgrade(request: Request, protocol: TunnelProtocol, options: SwitchOptions = {}): Response {
  switchHead(request, options);
  return marked({ make: () => protocol, options });
}

/**
 * Hands the connection to a Node protocol library: `listener` gets
 * node:http `'upgrade'` arguments — an IncomingMessage for the request, the
 * connection as a Duplex ({@link TunnelDuplex}), an empty head — and writes
 * the answer itself (`ws`'s `handleUpgrade` writes the 101). Nothing is
 * written for it.
 */
export function upgradeNode(request: Request, listener: NodeUpgradeListener, options: TunnelOptions = {}): Response {
  if (typeof listener !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'upgradeNode: the listener must be a function');
  if (request.method !== 'CONNECT' && offeredProtocols(request).length === 0) {
    throw new HioError('HIO_ERR_UPGRADE', 'the request offered no upgrade (an HTTP/1.1 request with Upgrade, listed in Connection, is needed)');
  }
  return marked({ make: (httpRequest) => new NodeUpgrade(httpRequest, listener), options: { ...options, raw: true } });
}

function marked(value: Switch): Response {
  const response = new Response(null);
  Object.defineProperty(response, SWITCH, { value });
  return response;
}

/** The responder for a response made by {@link upgrade} or {@link upgradeNode}, answering `request`; null for any other value. */
export function switchResponder(response: unknown, request: HttpRequest): Responder | null {
  const value = (response as { [SWITCH]?: Switch } | null)?.[SWITCH];
  if (value === undefined) return null;
  return new SwitchResponder(value.make(request), value.options);
}
