/**
 * @module
 * Trusting a reverse proxy: which peers may say, in `X-Forwarded-For`,
 * `X-Forwarded-Proto` and `X-Forwarded-Host`, who the client is and which
 * URL it asked for. Off unless configured: anyone can send these headers,
 * so believing them from any peer lets a client choose its own address.
 *
 * {@link compileTrust} turns an AppServer's `trustProxy` option into a
 * {@link ProxyTrust}, or null when it is off. With it:
 * - the client's address is the `proxy-addr` walk of `X-Forwarded-For` from
 *   the immediate peer (the connection's address, or the one its PROXY
 *   protocol header carried) back through trusted hops, stopping at the
 *   first untrusted one; an entry that is not an IP address is not
 *   believed (the hop that passed it on stands instead);
 * - the URL's scheme and host come from the last `X-Forwarded-Proto` and
 *   `X-Forwarded-Host` values — the ones the nearest proxy wrote — when the
 *   immediate peer is trusted, a proto other than http/https and a host that
 *   is not a valid authority being ignored.
 * `Forwarded` (RFC 7239) is not read.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { HioError } from '../core/errors.js';
import type { Address } from '../net/address.js';
import type { Request as HttpRequest } from '../http/request.js';
import { isHostValue } from '../http/request-target.js';

/** Decides whether the hop at `address` may be believed; `hop` 0 is the immediate peer, 1 the address it forwarded for, and so on. */
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Which peers may forward client information: `false` (the default) none;
 * `true` every one; addresses, CIDR ranges and the names `loopback`,
 * `linklocal` and `uniquelocal`, as a list or a comma-separated string;
 * or a function of each hop's address.
 */
export type TrustProxy = boolean | string | readonly string[] | TrustFunction;

/** A compiled `trustProxy`: what to believe of a request's forwarding headers. */
export class ProxyTrust {
  readonly #trust: TrustFunction;
  /** The trust function is the caller's: its verdicts are not cached. */
  readonly #custom: boolean;
  #lastPeer = '';
  #lastVerdict = false;

  constructor(trust: TrustFunction, custom: boolean) {
    this.#trust = trust;
    this.#custom = custom;
  }

  /** Whether the immediate peer at `host` is trusted (one cached verdict: behind one proxy, every connection has the same peer). */
  trusts(host: string): boolean {
    if (this.#custom) return this.#trust(host, 0);
    if (host !== this.#lastPeer) {
      this.#lastVerdict = this.#trust(host, 0);
      this.#lastPeer = host;
    }
    return this.#lastVerdict;
  }

  /**
   * The client's address: `peer` itself unless it is trusted and the
   * request has `X-Forwarded-For`, else the furthest address the trusted
   * hops vouch for, with port 0 (the header carries none).
   */
  client(request: HttpRequest, peer: Address | null): Address | null {
    if (peer === null) return null;
    const lines = request.headers.getAll('x-forwarded-for');
    if (lines.length === 0 || !this.trusts(peer.host)) return peer;
    const like = { headers: { 'x-forwarded-for': lines.join(',') }, socket: { remoteAddress: peer.host } };
    // proxy-addr reads only these two fields of a Node request.
    const hops = proxyaddr.all(like as unknown as IncomingMessage, this.#trust);
    // hops: the peer, then each address a trusted hop vouched for, nearest first; the last is the client.
    // An entry that is no IP address is not believed, nor anything beyond it: the hop that passed it on stands.
    let client = 0;
    for (let i = 1; i < hops.length && isIP(hops[i]!) !== 0; i++) client = i;
    if (client > 0) return { host: hops[client]!, port: 0 };
    return peer;
  }

  /**
   * The scheme and authority of the request's URL ("https://example.com"):
   * the forwarded ones when the peer is trusted and they are valid, else
   * `scheme` and the Host header (`fallback` without one).
   */
  origin(request: HttpRequest, peer: Address | null, scheme: string, fallback: string): string {
    const headers = request.headers;
    const host = headers.get('host') ?? fallback;
    const proto = headers.last('x-forwarded-proto');
    const forwardedHost = headers.last('x-forwarded-host');
    if ((proto === undefined && forwardedHost === undefined) || peer === null || !this.trusts(peer.host)) return `${scheme}://${host}`;
    const claimedScheme = proto === undefined ? undefined : lastValue(proto).toLowerCase();
    const claimedHost = forwardedHost === undefined ? '' : lastValue(forwardedHost);
    const finalScheme = claimedScheme === 'http' || claimedScheme === 'https' ? claimedScheme : scheme;
    const finalHost = claimedHost !== '' && isHostValue(claimedHost) ? claimedHost : host;
    return `${finalScheme}://${finalHost}`;
  }
}

/** The last comma-separated element of a field value, trimmed: the one the nearest proxy appended. */
function lastValue(value: string): string {
  return value.slice(value.lastIndexOf(',') + 1).trim();
}

/**
 * Checks and compiles a `trustProxy` option: null when off (false or
 * absent). Throws HIO_ERR_INVALID_OPTION for anything else than the forms
 * {@link TrustProxy} allows, an empty entry, or an address or range that
 * does not parse.
 */
export function compileTrust(owner: string, value: TrustProxy | undefined): ProxyTrust | null {
  if (value === undefined || value === false) return null;
  if (value === true) return new ProxyTrust(trustAll, false);
  if (typeof value === 'function') return new ProxyTrust(value, true);
  const entries = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as readonly unknown[]) : null;
  if (entries === null) throw invalid(owner, 'trustProxy must be a boolean, an address list or a function (address, hop) => boolean');
  const list: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.trim() === '') throw invalid(owner, 'trustProxy entries must be non-empty strings');
    list.push(entry.trim());
  }
  if (list.length === 0) throw invalid(owner, 'trustProxy must name at least one address, range or name');
  try {
    return new ProxyTrust(proxyaddr.compile(list), false);
  } catch (error) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: trustProxy: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function trustAll(): boolean {
  return true;
}

function invalid(owner: string, message: string): HioError {
  return new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${message}`);
}
