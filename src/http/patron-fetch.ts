/**
 * @module
 * The fetch surface of a {@link Patron}: a WHATWG `fetch(input, init)`
 * call turned into Patron requests, and an {@link Exchange} turned into a
 * WHATWG `Response` whose body streams from the exchange with backpressure
 * (the stream pulls one chunk at a time; while nobody pulls, the exchange
 * fills to its high-water mark and the connection stops reading).
 *
 * The promise of a response settles in a microtask after the Patron's pass
 * that parsed its head, so a response whose whole body came with its head
 * gets that body as bytes, without a stream in between.
 */
import { HioError } from '../core/errors.js';
import { ExchangeState, type Exchange } from './exchange.js';
import { PatronResponse, abortReason } from './patron-response.js';
import type { PatronRequest, RequestBodySource } from './outgoing-request.js';

type HeadersInit = ConstructorParameters<typeof Headers>[0];
type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;

/** Statuses whose responses have no body in a WHATWG Response. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A fetch() call's request, before redirects: what each hop starts from. */
export interface FetchCall {
  readonly request: PatronRequest & { readonly method: string; readonly url: URL };
  readonly redirect: 'follow' | 'manual' | 'error';
  readonly signal: AbortSignal | null;
}

/** The `init` a Patron's fetch takes: the standard RequestInit's fields it honours, plus its own. */
export interface PatronFetchInit {
  readonly method?: string;
  readonly headers?: HeadersInit;
  readonly body?: BodyInit | RequestBodySource | null;
  readonly redirect?: 'follow' | 'manual' | 'error';
  readonly signal?: AbortSignal | null;
  /** At most this many redirects are followed (default the Patron's `maxRedirects`). */
  readonly maxRedirects?: number;
  /** Send `Expect: 100-continue` and hold the body for the server's 100. */
  readonly expectContinue?: boolean;
  /** Accepted for compatibility with the standard RequestInit (a stream body is always half-duplex). */
  readonly duplex?: 'half';
}

/**
 * Reads a fetch call: a URL or a `Request`, and init overriding it. Bodies
 * the Patron does not send as they are (FormData, Blob, URLSearchParams)
 * go through a `Response` to get their bytes and content type.
 */
export async function readFetchCall(input: string | URL | Request, init: PatronFetchInit = {}): Promise<FetchCall> {
  const isRequest = typeof input === 'object' && !(input instanceof URL);
  const method = normalizeMethod(init.method ?? (isRequest ? input.method : 'GET'));
  const url = new URL(isRequest ? input.url : input);
  const headers = new Headers(init.headers ?? (isRequest ? input.headers : undefined));
  let body: RequestBodySource | null = null;
  const given = init.body !== undefined ? init.body : isRequest ? input.body : null;
  if (given !== null && given !== undefined) {
    // FormData, URLSearchParams and Blob are iterable too: they are read for their bytes and type, never pulled as a stream.
    const typed = given instanceof FormData || given instanceof URLSearchParams || given instanceof Blob;
    if (!typed && (typeof given === 'string' || given instanceof Uint8Array || given instanceof ArrayBuffer || isStreamish(given))) {
      body = given as RequestBodySource;
    } else if (ArrayBuffer.isView(given)) {
      body = new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
    } else {
      const carrier = new Response(given as BodyInit);
      const type = carrier.headers.get('content-type');
      if (type !== null && !headers.has('content-type')) headers.set('content-type', type);
      // Small bodies go as bytes, with a Content-Length (and can be sent again); a large Blob or form streams.
      body = sizeOf(given) <= 1 << 20 ? new Uint8Array(await carrier.arrayBuffer()) : carrier.body!;
    }
  }
  if (typeof given === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  if (given instanceof URLSearchParams && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  const request: PatronRequest & { method: string; url: URL } = {
    method,
    url,
    headers,
    body,
    ...(init.expectContinue !== undefined && { expectContinue: init.expectContinue }),
  };
  const signal = init.signal ?? (isRequest ? input.signal : null);
  return { request, redirect: init.redirect ?? (isRequest ? input.redirect : 'follow'), signal };
}

/** The standard methods fetch upper-cases; any other is sent as given. */
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** A method as fetch sends it: the six standard ones upper-cased, CONNECT, TRACE and TRACK refused. */
function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') throw new HioError('HIO_ERR_INVALID_REQUEST', `fetch() does not send ${upper}`);
  return NORMALIZED.has(upper) ? upper : method;
}

/** About how many bytes a Blob, form or URLSearchParams makes (Infinity when it cannot tell). */
function sizeOf(body: object): number {
  if (body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) return body.toString().length;
  if (body instanceof FormData) {
    let size = 0;
    for (const [name, value] of body) size += name.length + (typeof value === 'string' ? value.length : value.size) + 256;
    return size;
  }
  return Infinity;
}

function isStreamish(value: object): boolean {
  return typeof (value as ReadableStream).getReader === 'function' || Symbol.asyncIterator in value || Symbol.iterator in value;
}

/** Settles once the exchange has its final head (or failed), in a microtask after that pass. */
export function headOf(exchange: Exchange, signal: AbortSignal | null): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const onAbort = (): void => {
      exchange.cancel();
      reject(abortReason(signal!));
    };
    if (signal !== null) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const settle = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (exchange.error !== null) reject(exchange.error);
      else resolve(exchange);
    };
    if (exchange.state >= ExchangeState.headed) {
      settle();
      return;
    }
    exchange.listener = {
      onHead: settle,
      onProgress(ex) {
        if (ex.state === ExchangeState.failed) settle();
      },
    };
  });
}

/** A WHATWG Response over a headed exchange: its bytes when the whole body is in, else a stream from the exchange. */
export function responseOf(exchange: Exchange, url: URL, redirected: boolean, signal: AbortSignal | null): Response {
  const head = exchange.head!;
  // A WHATWG Response cannot carry a 101: fetch() offers no upgrades.
  if (head.status === 101) throw new HioError('HIO_ERR_NOT_IMPLEMENTED', 'fetch() does not switch protocols (101)');
  const headers = new Headers();
  for (const [name, value] of head.headers) headers.append(name, value);
  const init: ResponseInit = { status: head.status, statusText: head.reason, headers };
  // The fragment, an empty one included, is not part of a response's URL.
  const hash = url.href.indexOf('#');
  const href = hash < 0 ? url.href : url.href.slice(0, hash);
  if (exchange.request.method === 'HEAD' || NULL_BODY.has(head.status)) {
    exchange.discard();
    return new PatronResponse(null, init, href, redirected).asResponse();
  }
  // The whole body is here: hand it over as bytes.
  if (exchange.done) return new PatronResponse({ bytes: exchange.readAll() }, init, href, redirected).asResponse();
  if (signal !== null) {
    // An abort after the head gives up the exchange whether or not its body is ever touched.
    const onAbort = (): void => {
      if (!exchange.settled) exchange.cancel();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  }
  return new PatronResponse({ exchange, signal }, init, href, redirected).asResponse();
}

export { NULL_BODY };
export { abortReason };
