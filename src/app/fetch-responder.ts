/**
 * @module
 * The FetchResponder: answers one request with a fetch-standard application
 * — a handler that takes a WHATWG `Request` and returns a `Response` or a
 * promise of one. It pours the response through the connection's
 * {@link ResponseWriter}: the head when the response is known, then the
 * body pulled from its stream only while the connection takes more
 * (backpressure), chunked unless the application gave a Content-Length.
 * Waiting on the application or on the stream suspends the writer, so the
 * server neither polls the connection nor counts the wait as idleness.
 *
 * HEAD and bodiless statuses get the head only; the body stream is
 * cancelled, never pumped. A handler that throws or rejects answers 500
 * through the server's fault handling (or `onError`'s response) — but a
 * worker pool's refusal or tymeout it left unhandled answers 503 or 504
 * (see shedResponse), load shed rather than a fault — and a
 * stream that fails after the head resets the connection. A connection that
 * goes away before the response completes aborts the request's signal and
 * cancels the body stream.
 */
import { HioError } from '../core/errors.js';
import type { HeaderPair } from '../core/hict.js';
import type { Remoter } from '../net/connection.js';
import type { ConnectionHandler } from '../http/connection-handler.js';
import type { TunnelHost } from '../http/tunnel.js';
import type { Request as HttpRequest } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import type { ResponseWriter } from '../http/response-writer.js';
import { isBodiless } from '../http/status.js';
import { handResponder } from './hand.js';
import { switchResponder } from './upgrade.js';
import { ChunksInFlight, recyclerOf } from './file-body.js';
import { HttpAbort } from './helpers.js';
import { LightRequest } from './light-request.js';
import { lightParts, trailersOf, type HeadersInit } from './light-response.js';
import { shedResponse } from './offload.js';

/** What a fetch handler learns about the connection besides the request, and the server's tyme. */
export interface FetchInfo {
  /** The client's address ("host" and "port"), read on first use; null once it cannot be known. */
  readonly remoteAddress: { readonly host: string; readonly port: number } | null;
  /** The server's tyme now, in seconds: real ones on real sockets, virtual ones in a simulation. */
  readonly tyme: number;
  /**
   * Resolves in the first server pass at or after `seconds` of tyme from
   * now: never on a wall-clock timer, so a simulation stays virtual. Given
   * a signal (`request.signal`, say), rejects with its reason as soon as it
   * aborts, and the timer goes with it. Rejects with HIO_ERR_INVALID_OPTION
   * for a negative or endless delay.
   */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
  /** Runs `callback` once, `seconds` of tyme from now, as `BareServer.after` does; returns what cancels it. */
  after(seconds: number, callback: () => void): () => void;
  /**
   * Reports a fault the application contained itself, out of reach of the
   * handler's promise (a background task, an abort callback): counted and
   * handed to the server's fault handler with this request.
   */
  fault(error: unknown): void;
}

/** A fetch-standard application: a request in, a response (or a promise of one) out. */
export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

/** Answers a fault of the application instead of the default 500; may itself return a promise. */
export type FetchErrorHandler = (error: unknown, request: Request) => Response | Promise<Response>;

/** What a FetchResponder needs besides the request. */
export interface FetchContext {
  readonly fetch: FetchHandler;
  readonly onError: FetchErrorHandler | null;
  /** The scheme and authority ("http://example.com") of the request's absolute URL, given the request and its connection's information. */
  readonly origin: (request: HttpRequest, info: FetchInfo) => string;
  /** The connection's information, handed to the handler. */
  readonly info: FetchInfo;
}

const State = { start: 0, waiting: 1, respond: 2, pull: 3, reading: 4, trailers: 5, done: 6, hand: 7 } as const;
type State = (typeof State)[keyof typeof State];

/** One request answered by a fetch handler. */
export class FetchResponder implements Responder {
  readonly #context: FetchContext;
  readonly #request: HttpRequest;
  #state: State = State.start;
  #fetchRequest: LightRequest | null = null;
  #response: Response | null = null;
  #failure: unknown = null;
  #failed = false;
  /** Whether the failure being waited on came from onError itself (no second chance). */
  #handled = false;
  /** The failure onError was called for. */
  #handledFailure: unknown = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #chunk: Uint8Array | null = null;
  #ended = false;
  #trailers: NonNullable<HeadersInit> | null = null;
  /** Chunks of a file body written and not yet out (see recyclerOf), when the connection lets their buffers be reused. */
  #inFlight: ChunksInFlight | null = null;
  /** The responder a hand response (see handResponse) passes the answer to. */
  #hand: Responder | null = null;

  constructor(context: FetchContext, request: HttpRequest) {
    this.#context = context;
    this.#request = request;
  }

  pour(writer: ResponseWriter): boolean {
    this.#inFlight?.release(writer.txWritten);
    for (;;) {
      switch (this.#state) {
        case State.start:
          this.#settle(writer, () => this.#context.fetch(this.#requestObject(), this.#context.info));
          continue;
        case State.waiting:
          if (this.#failed) this.#recover(writer);
          else if (this.#response === null) return false;
          else this.#state = State.respond;
          continue;
        case State.respond:
          if (this.#head(writer)) return true;
          continue;
        case State.pull:
          if (this.#chunk !== null) {
            const chunk = this.#chunk;
            this.#chunk = null;
            writer.write(chunk);
            this.#inFlight?.add(chunk, writer);
          }
          if (this.#ended) {
            this.#reader = null;
            const trailers = trailersOf(this.#response);
            if (trailers === null || !isPromiseLike(trailers)) {
              this.#state = State.done;
              writer.end(undefined, trailers === null ? undefined : initPairs(trailers));
              return true;
            }
            this.#awaitTrailers(trailers, writer);
            continue;
          }
          if (!writer.writable) return false;
          this.#read(writer);
          continue;
        case State.reading:
          if (this.#failed) {
            const failure = this.#failure;
            this.#state = State.done;
            throw failure;
          }
          if (this.#chunk === null && !this.#ended) return false;
          this.#state = State.pull;
          continue;
        case State.trailers:
          if (this.#failed) {
            this.#state = State.done;
            throw this.#failure;
          }
          if (this.#trailers === null) return false;
          this.#state = State.done;
          writer.end(undefined, initPairs(this.#trailers));
          return true;
        case State.hand:
          return this.#hand!.pour(writer);
        default:
          return true;
      }
    }
  }

  takeOver(remoter: Remoter, host: TunnelHost): ConnectionHandler | null {
    return this.#hand?.takeOver?.(remoter, host) ?? null;
  }

  abandon(): void {
    this.#state = State.done;
    this.#hand?.abandon?.();
    this.#fetchRequest?.abort(new HioError('HIO_ERR_CLIENT_GONE', 'the client went away before the response completed'));
    const reader = this.#reader;
    this.#reader = null;
    if (reader !== null) reader.cancel().catch(ignore);
    else this.#response?.body?.cancel().catch(ignore);
  }

  /** The WHATWG request, made once. */
  #requestObject(): Request {
    if (this.#fetchRequest !== null) return this.#fetchRequest as unknown as Request;
    const request = this.#request;
    // A CONNECT's target is an authority: its URL names that host and port.
    const url =
      request.form === 'absolute'
        ? request.target
        : request.form === 'authority'
          ? `http://${request.authority}/`
          : `${this.#context.origin(request, this.#context.info)}${request.target}`;
    this.#fetchRequest = new LightRequest(request, url);
    return this.#fetchRequest as unknown as Request;
  }

  /** Calls the application (or its error handler) and takes its answer, waiting on a promise with the writer suspended. */
  #settle(writer: ResponseWriter, call: () => Response | Promise<Response>): void {
    this.#state = State.waiting;
    this.#failed = false;
    let result: Response | Promise<Response>;
    try {
      result = call();
    } catch (error) {
      this.#failure = error;
      this.#failed = true;
      return;
    }
    if (!isPromiseLike(result)) {
      this.#response = result;
      return;
    }
    writer.suspend();
    result.then(
      (response) => {
        this.#response = response;
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = error;
        this.#failed = true;
        writer.resume();
      },
    );
  }

  /** The application failed: its error handler answers once, else the failure goes to the server (500 and a logged fault). */
  #recover(writer: ResponseWriter): void {
    const onError = this.#context.onError;
    const failure = this.#failure;
    if (failure instanceof HttpAbort) {
      // An answer the application chose, not a fault.
      this.#failed = false;
      this.#response = failure.response();
      this.#state = State.respond;
      return;
    }
    if (onError === null || this.#handled) {
      // A worker pool shedding load (queue full, closed, past its tymeout) is answered 503 or 504: not a fault.
      const shed = shedResponse(failure);
      if (shed === null) throw failure;
      this.#failed = false;
      this.#response = shed;
      this.#state = State.respond;
      return;
    }
    this.#handled = true;
    this.#handledFailure = failure;
    this.#settle(writer, () => onError(failure, this.#requestObject()));
  }

  /** Writes the head; returns true when the response is complete with it (no body to send). */
  #head(writer: ResponseWriter): boolean {
    const response = this.#response;
    this.#hand = handResponder(response, () => this.#requestObject()) ?? switchResponder(response, this.#request);
    if (this.#hand !== null) {
      this.#state = State.hand;
      return false;
    }
    const parts = lightParts(response);
    // Trailers need a chunked body: a response with them takes the streaming path.
    if (parts !== null && trailersOf(response) === null) {
      // The fast path: a string or bytes body in one buffer, one write, with its Content-Length.
      writer.send(
        {
          status: parts.status,
          ...(parts.statusText !== '' && { reason: parts.statusText }),
          headers: initPairs(parts.headers),
          ...(parts.body !== null && { body: parts.body }),
        },
        typeof parts.body === 'string' ? TEXT_TYPE : null,
      );
      this.#state = State.done;
      return true;
    }
    if (response === null || typeof response !== 'object' || typeof response.status !== 'number' || !(response.headers instanceof Headers)) {
      // After a failure, the Response was onError's to give: say so, with the failure it was handling.
      if (this.#handled) throw new HioError('HIO_ERR_RESPONSE_STATE', 'onError did not return a Response', { cause: this.#handledFailure });
      throw new HioError('HIO_ERR_RESPONSE_STATE', 'the application did not return a Response');
    }
    const status = response.status;
    const pairs = headerPairs(response.headers);
    const reason = response.statusText === '' ? undefined : response.statusText;
    const body = response.body;
    if (body === null || isBodiless(status) || this.#request.method === 'HEAD') {
      if (body !== null) body.cancel().catch(ignore);
      // No body at all: length 0. A HEAD announces what the GET would (a given Content-Length, else chunked).
      const length = body === null ? { length: 0 } : {};
      writer.writeHead(status, pairs, reason === undefined ? length : { reason, ...length });
      writer.end();
      this.#state = State.done;
      return true;
    }
    writer.writeHead(status, pairs, reason === undefined ? {} : { reason });
    const recycle = writer.reusesBuffers ? recyclerOf(body) : null;
    if (recycle !== null) this.#inFlight = new ChunksInFlight(recycle);
    this.#reader = body.getReader();
    this.#state = State.pull;
    return false;
  }

  /** Waits for the trailers promised with the response, the writer suspended. */
  #awaitTrailers(trailers: Promise<NonNullable<HeadersInit>>, writer: ResponseWriter): void {
    this.#state = State.trailers;
    writer.suspend();
    trailers.then(
      (fields) => {
        this.#trailers = fields;
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = error;
        this.#failed = true;
        writer.resume();
      },
    );
  }

  /** Asks the stream for its next chunk, the writer suspended until it comes. */
  #read(writer: ResponseWriter): void {
    const reader = this.#reader!;
    this.#state = State.reading;
    writer.suspend();
    reader.read().then(
      (result) => {
        if (result.done) this.#ended = true;
        else if (result.value instanceof Uint8Array) this.#chunk = result.value;
        else {
          this.#failure = new HioError('HIO_ERR_RESPONSE_STATE', 'a response body stream gave something other than bytes');
          this.#failed = true;
        }
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = error;
        this.#failed = true;
        writer.resume();
      },
    );
  }
}

/** A light response's headers init as pairs, without Transfer-Encoding (the server's to decide). */
function initPairs(init: NonNullable<HeadersInit> | null): HeaderPair[] {
  if (init === null) return [];
  if (init instanceof Headers) return headerPairs(init);
  const entries: Iterable<readonly [string, unknown]> = Symbol.iterator in init ? (init as Iterable<readonly [string, unknown]>) : Object.entries(init);
  const pairs: HeaderPair[] = [];
  for (const [name, value] of entries) {
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') continue;
    // As the standard Headers does: values lose leading and trailing whitespace, and a list is one line per value.
    if (Array.isArray(value)) for (const item of value as unknown[]) pairs.push([name, String(item).trim()]);
    else pairs.push([name, String(value).trim()]);
  }
  return pairs;
}

/** What a standard Response says of a string body. */
const TEXT_TYPE = 'text/plain;charset=UTF-8';

/** The response's fields as pairs, each Set-Cookie on its own line; Transfer-Encoding is the server's to decide. */
function headerPairs(headers: Headers): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (const [name, value] of headers) {
    if (name === 'set-cookie' || name === 'transfer-encoding') continue;
    pairs.push([name, value]);
  }
  for (const cookie of headers.getSetCookie()) pairs.push(['set-cookie', cookie]);
  return pairs;
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function ignore(): void {}
