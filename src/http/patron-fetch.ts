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
import { ExchangeState, type Exchange, type ExchangeListener } from './exchange.js';
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
  const method = (init.method ?? (isRequest ? input.method : 'GET')).toUpperCase();
  const url = new URL(isRequest ? input.url : input);
  const headers = new Headers(init.headers ?? (isRequest ? input.headers : undefined));
  let body: RequestBodySource | null = null;
  const given = init.body !== undefined ? init.body : isRequest ? input.body : null;
  if (given !== null && given !== undefined) {
    if (typeof given === 'string' || given instanceof Uint8Array || given instanceof ArrayBuffer || isStreamish(given)) {
      body = given as RequestBodySource;
    } else if (ArrayBuffer.isView(given)) {
      body = new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
    } else {
      const carrier = new Response(given as BodyInit);
      const type = carrier.headers.get('content-type');
      if (type !== null && !headers.has('content-type')) headers.set('content-type', type);
      body = given instanceof Blob && given.size <= 1 << 20 ? new Uint8Array(await carrier.arrayBuffer()) : carrier.body!;
    }
  } else if (typeof given === 'string') {
    body = given;
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

function isStreamish(value: object): boolean {
  return typeof (value as ReadableStream).getReader === 'function' || Symbol.asyncIterator in value || (Symbol.iterator in value && typeof value !== 'string');
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

/** The abort reason of a signal, as fetch rejects with it. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A WHATWG Response over a headed exchange; its body streams from the exchange. */
export function responseOf(exchange: Exchange, url: URL, redirected: boolean, signal: AbortSignal | null): Response {
  const head = exchange.head!;
  const headers = new Headers();
  for (const [name, value] of head.headers) headers.append(name, value);
  const init: ResponseInit = { status: head.status, statusText: head.reason, headers };
  let response: Response;
  if (exchange.request.method === 'HEAD' || NULL_BODY.has(head.status)) {
    exchange.discard();
    response = new Response(null, init);
  } else if (exchange.done) {
    // The whole body is here: hand it over as bytes.
    response = new Response(exchange.readAll(), init);
  } else {
    response = new Response(bodyStream(exchange, signal), init);
  }
  if (redirected) Object.defineProperty(response, 'redirected', { value: true });
  Object.defineProperty(response, 'url', { value: url.href.replace(/#.*$/, '') });
  return response;
}

/** A byte stream pulling from the exchange: one chunk per pull, waiting when none is there. */
function bodyStream(exchange: Exchange, signal: AbortSignal | null): ReadableStream<Uint8Array> {
  let wake: (() => void) | null = null;
  const listener: ExchangeListener = {
    onHead() {},
    onProgress() {
      const waiting = wake;
      wake = null;
      waiting?.();
    },
  };
  exchange.listener = listener;
  const onAbort = (): void => {
    exchange.cancel();
    listener.onProgress(exchange);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const stop = (): void => signal?.removeEventListener('abort', onAbort);
  return new ReadableStream<Uint8Array>(
    {
      pull(controller): Promise<void> | undefined {
        for (;;) {
          if (signal?.aborted === true) {
            stop();
            controller.error(abortReason(signal));
            return undefined;
          }
          const chunk = exchange.read();
          if (chunk !== null) {
            controller.enqueue(chunk);
            return undefined;
          }
          if (exchange.state === ExchangeState.done) {
            stop();
            controller.close();
            return undefined;
          }
          if (exchange.state === ExchangeState.failed) {
            stop();
            controller.error(exchange.error ?? new HioError('HIO_ERR_CONNECTION_LOST'));
            return undefined;
          }
          return new Promise<void>((resolve) => {
            wake = resolve;
          }).then(() => this.pull!(controller));
        }
      },
      cancel(): void {
        stop();
        exchange.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}

export { NULL_BODY };
