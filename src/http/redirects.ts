/**
 * @module
 * The redirect decision of the HTTP client: given the request just sent (a
 * {@link RedirectHop}) and the status and Location of its response, say
 * whether the response is final, which request to send next, or why the chain
 * fails. The rules are RFC 9110 §15.4 and the WHATWG fetch standard's
 * "HTTP-redirect fetch", plus two refusals of our own (https down to http, and
 * a request repeated within one chain).
 *
 * The logic is synchronous and knows nothing of sockets or of the client that
 * sends the hops: the client loops send → read the response head →
 * {@link decideRedirect} → follow, return or fail, carrying one
 * {@link RedirectState} per chain made by {@link newRedirectState}.
 */
import { HioError } from '../core/errors.js';
import type { HioErrorCode } from '../core/errors.js';

/**
 * What the decision needs to know of a request body. A body held in memory
 * (bytes, a string) can be sent again and is `replayable`; a stream or a
 * generator is consumed by the first send and is not. The client attaches
 * its own body type by extending this interface.
 */
export interface RedirectBody {
  /** Whether the same bytes can be sent again on another request. */
  readonly replayable: boolean;
}

/**
 * One request of a redirect chain as it was sent, or as the next one is to be
 * sent. `B` is the client's body type; {@link decideRedirect} hands the very
 * same body object on when the next hop keeps it.
 */
export interface RedirectHop<B extends RedirectBody = RedirectBody> {
  /** The method as sent, upper-case for the standard methods (compared exactly). */
  readonly method: string;
  /** The absolute http or https URL; a fragment is kept here but never sent. */
  readonly url: URL;
  /**
   * The request fields the caller set, name and value, in order; the client
   * adds Host and the framing fields itself. Names keep the caller's case.
   */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The request content, or `null` for none. */
  readonly body: B | null;
}

/** Options of the redirect decision, a subset of the client's fetch options. */
export interface RedirectOptions {
  /**
   * The most redirects to follow in one chain, an integer ≥ 0 (default
   * {@link DEFAULT_MAX_REDIRECTS}). The redirect after the last one allowed
   * fails with `HIO_ERR_REDIRECT_LIMIT`; with 0 no redirect is followed and
   * the first one fails so. That is close to, but not, fetch's
   * `redirect: 'error'`, which fails on any redirect status, Location or not:
   * the client implements that mode with {@link isRedirectStatus} alone.
   */
  readonly maxRedirects?: number;
}

/**
 * The memory of one redirect chain, made by {@link newRedirectState} for each
 * fetch and owned by it; only {@link decideRedirect} changes it, and only when
 * it decides to follow.
 */
export interface RedirectState {
  /** How many redirects the chain has followed so far. */
  count: number;
  /** The requests made so far, first included, as `METHOD url-without-fragment`. */
  readonly visited: Set<string>;
}

/**
 * What to do with a response: `final` returns it to the caller as it is,
 * `follow` sends `hop` next (the redirect response's body is to be
 * discarded), `error` fails the fetch with `error`.
 */
export type RedirectDecision<B extends RedirectBody = RedirectBody> =
  { readonly kind: 'final' } | { readonly kind: 'follow'; readonly hop: RedirectHop<B> } | { readonly kind: 'error'; readonly error: HioError };

/** The most redirects followed when no maxRedirects is given: 20, as in the fetch standard. */
export const DEFAULT_MAX_REDIRECTS = 20;

/** The statuses that redirect; 300, 304, 305 and 306 do not. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Fields that describe the request content; they go with it when a redirect turns the request into a GET. */
const CONTENT_FIELDS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
  'transfer-encoding',
  'expect',
]);

/** Fields meant for the origin they were set for; they are not carried to another origin. */
const ORIGIN_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);

const FINAL: RedirectDecision<never> = Object.freeze({ kind: 'final' });

/**
 * Whether `status` is a redirect status (301, 302, 303, 307, 308), the test
 * the client's `'manual'` and `'error'` redirect modes share with
 * {@link decideRedirect}.
 */
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * Returns the redirect limit `options` set, or the default. Throws
 * `HIO_ERR_INVALID_OPTION` unless maxRedirects is absent or an integer ≥ 0;
 * the client calls it when fetch() is called, so bad options fail at once
 * rather than at the first redirect. Other keys of `options` are ignored, so
 * the client can pass its whole options object.
 */
export function resolveMaxRedirects(options: RedirectOptions): number {
  const value = options.maxRedirects;
  if (value === undefined) return DEFAULT_MAX_REDIRECTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `redirects: maxRedirects must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Starts the memory of one redirect chain whose first request is `first`.
 * Called once per fetch, before the first request goes out.
 */
export function newRedirectState(first: RedirectHop<RedirectBody>): RedirectState {
  return { count: 0, visited: new Set([chainKey(first.method, first.url)]) };
}

/**
 * Decides what follows the response to `hop`: its `status` and its Location
 * field value (`null` when the response has none). Rules, checked in this
 * order, the first that fails deciding:
 *
 * 1. Only 301, 302, 303, 307 and 308 redirect, and only with a Location;
 *    anything else is `final`.
 * 2. The Location is resolved against `hop.url` (WHATWG URL parsing); one
 *    that does not parse or is not http or https fails with
 *    `HIO_ERR_REDIRECT_LOCATION`. Without a fragment of its own, the new URL
 *    takes the hop's.
 * 3. https to http fails with `HIO_ERR_REDIRECT_INSECURE`.
 * 4. A redirect beyond maxRedirects fails with `HIO_ERR_REDIRECT_LIMIT`.
 * 5. 301 and 302 turn a POST, and 303 any method but HEAD, into a GET
 *    without body or content fields (Content-Type, -Length, -Encoding,
 *    -Language, -Location, Transfer-Encoding, Expect).
 *    Every other redirect keeps the method and body, and fails with
 *    `HIO_ERR_REDIRECT_BODY` if the body is not replayable.
 * 6. A request (method and URL, fragment aside) already made in this chain,
 *    the first request included, fails with `HIO_ERR_REDIRECT_LOOP`.
 * 7. Toward another origin (scheme, host or port) Authorization,
 *    Proxy-Authorization, Cookie and Host are dropped.
 *
 * The only effect is on a `follow`: `state` counts the redirect and records
 * the new request. `hop` is never changed; the next hop has a new URL and
 * header list, and the same body object or `null`. Throws only for a bad
 * maxRedirects (see {@link resolveMaxRedirects}).
 */
export function decideRedirect<B extends RedirectBody>(
  hop: RedirectHop<B>,
  status: number,
  location: string | null,
  state: RedirectState,
  options: RedirectOptions = {},
): RedirectDecision<B> {
  const maxRedirects = resolveMaxRedirects(options);
  if (!isRedirectStatus(status) || location === null) return FINAL;

  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch (cause) {
    // The message names neither the Location nor the URL: either may carry a token.
    return fail('HIO_ERR_REDIRECT_LOCATION', `redirect ${status}: the Location is not a valid URL`, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('HIO_ERR_REDIRECT_LOCATION', `redirect ${status}: the Location has the scheme ${url.protocol} (only http: and https: are followed)`);
  }
  inheritFragment(url, hop.url);
  if (hop.url.protocol === 'https:' && url.protocol === 'http:') {
    return fail('HIO_ERR_REDIRECT_INSECURE', `redirect ${status}: from https to http`);
  }
  if (state.count >= maxRedirects) {
    return fail('HIO_ERR_REDIRECT_LIMIT', `redirect ${status}: more than ${maxRedirects} redirects`);
  }

  // RFC 9110 §15.4.2-4 allows the rewrite for 301/302 POST and asks a GET (or HEAD) for 303; fetch
  // does exactly this. A 303 turns even a GET with a body into a plain GET: the other resource is retrieved,
  // the content was for the first one.
  const toGet = (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST');
  if (!toGet && hop.body !== null && !hop.body.replayable) {
    return fail('HIO_ERR_REDIRECT_BODY', `redirect ${status}: ${hop.method} keeps its body, which cannot be sent again`);
  }
  const method = toGet ? 'GET' : hop.method;

  const key = chainKey(method, url);
  if (state.visited.has(key)) {
    return fail('HIO_ERR_REDIRECT_LOOP', `redirect ${status}: back to a ${method} already made in this chain`);
  }

  // Origins compare serialized: scheme, lower-cased host and port with the default port elided.
  const crossOrigin = url.origin !== hop.url.origin;
  const headers = hop.headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !(toGet && CONTENT_FIELDS.has(lower)) && !(crossOrigin && ORIGIN_FIELDS.has(lower));
  });

  state.count += 1;
  state.visited.add(key);
  return { kind: 'follow', hop: { method, url, headers, body: toGet ? null : hop.body } };
}

/** The error decision for `code`. */
function fail(code: HioErrorCode, message: string, cause?: unknown): RedirectDecision<never> {
  return { kind: 'error', error: new HioError(code, message, cause === undefined ? undefined : { cause }) };
}

/**
 * Gives `url` the fragment of `from` when the Location had none (fetch's
 * "location URL" step). A fragment that is present but empty ("#") counts as
 * one, on either side, which `URL#hash` cannot tell from none: the serialized
 * href can, since an unescaped '#' only ever starts the fragment.
 */
function inheritFragment(url: URL, from: URL): void {
  if (url.href.includes('#')) return;
  const at = from.href.indexOf('#');
  if (at >= 0) url.hash = from.href.slice(at);
}

/** The identity of a request within a chain; the fragment is never sent, so it is left out. */
function chainKey(method: string, url: URL): string {
  const href = url.href;
  const at = href.indexOf('#');
  return `${method} ${at < 0 ? href : href.slice(0, at)}`;
}
