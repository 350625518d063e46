/**
 * @module
 * The event-stream client: an {@link EventSource} reads the server-sent
 * events of one URL as an async iterator, reconnecting when the connection
 * drops, over an abstract {@link EventStreamHost} — the Patron's `fetch` and
 * a sleep on the same tyme, or a fake in tests.
 *
 * ```ts
 * const source = new EventSource(patron, 'http://localhost:8080/ticks', { maxAttempts: 5 });
 * for await (const event of source) {
 *   if (event.type === 'tick') console.log(event.data, event.lastEventId);
 * }
 * ```
 *
 * It follows the WHATWG HTML standard's EventSource processing model. Each
 * request is a GET with `Accept: text/event-stream`, `Cache-Control:
 * no-store` and, once the stream gave a non-empty id, `Last-Event-ID`. A
 * response other than 200 with a `text/event-stream` type (204 included, the
 * server's way to say "stop") fails the source for good:
 * `HIO_ERR_EVENT_STREAM_REFUSED`, no reconnection. A network error, or the
 * body ending or breaking, is a lost connection: the source reconnects after
 * the reconnection time — the server's latest `retry` (milliseconds on the
 * wire) or `retryDelay` — doubled for each further attempt in a row that
 * brought no event, at most `maxRetryDelay`; an event resets it. After
 * `maxAttempts` such attempts in a row it fails with
 * `HIO_ERR_EVENT_STREAM_LOST`, the last fault as `cause`.
 *
 * Nothing happens until the first `next()`: the connection is opened by the
 * consumer's first pull, and the body is read only when the consumer asks for
 * an event that is not already parsed, so a slow consumer leaves the bytes in
 * the transport (backpressure) instead of in memory. All waiting goes through
 * `host.sleep`, so in a simulation reconnection runs on virtual tyme.
 */
import { HioError } from '../core/errors.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import { checkMaxEventBytes, EventStreamParser, type ReceivedEvent } from './event-stream-parser.js';
import { EVENT_STREAM_DEFAULTS } from './limits.js';

/** What an {@link EventSource} needs from the client it runs on (the Patron, or a fake in tests). */
export interface EventStreamHost {
  /** A fetch on the client's tyme (the Patron's fetch); the response body is read as it streams. */
  fetch(url: string, init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal }): Promise<Response>;
  /** Resolves after `seconds` of the client's tyme (virtual in a simulation); rejects/settles early when `signal` aborts. */
  sleep(seconds: number, signal: AbortSignal): Promise<void>;
}

/** The states of an {@link EventSource}, numbered as the HTML standard's CONNECTING, OPEN and CLOSED. */
export const EventSourceState = {
  /** Before the first response, and while waiting to reconnect. */
  connecting: 0,
  /** A 200 `text/event-stream` response is being read. */
  open: 1,
  /** Closed by `close()` or failed for good (then `error` says why). */
  closed: 2,
} as const;
/** One of the {@link EventSourceState} constants. */
export type EventSourceState = (typeof EventSourceState)[keyof typeof EventSourceState];

/** Options of an {@link EventSource}; durations are seconds of the host's tyme. */
export interface EventSourceOptions {
  /** More request headers (such as Authorization); not Accept, Cache-Control or Last-Event-ID, which the source sets. */
  readonly headers?: Record<string, string>;
  /** The last event ID to resume from: the first request sends it as `Last-Event-ID` (default: none). */
  readonly lastEventId?: string;
  /** Reconnection delay until the server sends `retry` (default 3 s). */
  readonly retryDelay?: number;
  /** Longest reconnection delay, however many attempts failed in a row (default 30 s). */
  readonly maxRetryDelay?: number;
  /** Most attempts in a row that bring no event before the source fails (default: no limit). */
  readonly maxAttempts?: number;
  /** Longest line, and largest data of one event, in bytes (default 1 MiB); more fails the source with `HIO_ERR_EVENT_TOO_LARGE`. */
  readonly maxEventBytes?: number;
}

const OPTIONS = ['headers', 'lastEventId', 'retryDelay', 'maxRetryDelay', 'maxAttempts', 'maxEventBytes'];
/** The request headers the source owns, lower-cased. */
const OWN_HEADERS = ['accept', 'cache-control', 'last-event-id'];
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The client of one event stream, read as an async iterator of
 * {@link ReceivedEvent}s (see the module note). One consumer at a time:
 * calls of `next()` are served in order. Breaking out of `for await` closes
 * it; a failure rejects the pending `next()` with the error, once, and then
 * iteration is done.
 */
export class EventSource implements AsyncIterableIterator<ReceivedEvent, undefined> {
  /** The URL every request goes to. */
  readonly url: string;
  readonly #host: EventStreamHost;
  readonly #headers: Record<string, string>;
  readonly #maxRetryDelay: number;
  readonly #maxAttempts: number;
  readonly #maxEventBytes: number;
  /** Aborted by close() or a failure: ends the fetch or sleep under way. */
  readonly #abort = new AbortController();
  #readyState: EventSourceState = EventSourceState.connecting;
  #error: HioError | null = null;
  #lastEventId: string;
  /** The reconnection time in seconds: `retryDelay`, until the server's `retry` replaces it. */
  #retryDelay: number;
  /** Attempts in a row that brought no event. */
  #failures = 0;
  /** Waits since the last event: the exponent of the backoff. */
  #waits = 0;
  /** Seconds to sleep before the next attempt; null before the first. */
  #delay: number | null = null;
  /** The body being read and its parser, while open. */
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #parser: EventStreamParser | null = null;
  /** The open connection brought an event. */
  #delivered = false;
  /** Events parsed and not yet taken, oldest first. */
  #queue: ReceivedEvent[] = [];
  /** The `next()` calls, served one after the other. */
  #turn: Promise<unknown> = Promise.resolve();

  /**
   * A source for `url` on `host`. Opens nothing yet: the first `next()`
   * connects. Throws `HIO_ERR_INVALID_OPTION` for an unknown or invalid option.
   */
  constructor(host: EventStreamHost, url: string, options: EventSourceOptions = {}) {
    checkOptions('EventSource', options, OPTIONS);
    this.#host = host;
    this.url = url;
    this.#headers = checkHeaders(options.headers);
    this.#lastEventId = checkLastEventId(options.lastEventId ?? '');
    this.#retryDelay = checkSeconds('EventSource', 'retryDelay', options.retryDelay ?? EVENT_STREAM_DEFAULTS.retryDelay);
    this.#maxRetryDelay = checkSeconds('EventSource', 'maxRetryDelay', options.maxRetryDelay ?? EVENT_STREAM_DEFAULTS.maxRetryDelay);
    this.#maxAttempts = checkMaxAttempts(options.maxAttempts ?? Infinity);
    this.#maxEventBytes = checkMaxEventBytes('EventSource', options.maxEventBytes ?? EVENT_STREAM_DEFAULTS.maxEventBytes);
  }

  /** Connecting (also while waiting to reconnect), open, or closed; see {@link EventSourceState}. */
  get readyState(): EventSourceState {
    return this.#readyState;
  }

  /**
   * The ID the next request sends as `Last-Event-ID` (empty: none). It
   * follows the bytes read, which may run ahead of the events taken: each
   * event carries its own `lastEventId`.
   */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Why the source failed for good; null while it has not (and after a plain `close()`). */
  get error(): HioError | null {
    return this.#error;
  }

  /**
   * Closes the source: aborts the fetch or sleep under way, cancels the body
   * and drops the events not yet taken; the pending and later `next()` calls
   * are done. Does nothing once closed.
   */
  close(): void {
    if (this.#readyState === EventSourceState.closed) return;
    this.#end();
  }

  /** The next event, connecting or reconnecting as needed; done once closed; rejects once when the source fails. */
  next(): Promise<IteratorResult<ReceivedEvent, undefined>> {
    const result = this.#turn.then(() => this.#advance());
    this.#turn = result.catch(ignore);
    return result;
  }

  /** Called when `for await` is left early: closes the source. */
  return(): Promise<IteratorResult<ReceivedEvent, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Takes a queued event, or reads, connects or waits until there is one, the source closes, or it fails. */
  async #advance(): Promise<IteratorResult<ReceivedEvent, undefined>> {
    for (;;) {
      if (this.#readyState === EventSourceState.closed) return DONE;
      const event = this.#queue.shift();
      if (event !== undefined) return { done: false, value: event };
      if (this.#reader === null) await this.#connect();
      else await this.#read(this.#reader);
    }
  }

  /** Waits the reconnection delay (none before the first attempt), then fetches and checks the response. */
  async #connect(): Promise<void> {
    const signal = this.#abort.signal;
    if (this.#delay !== null) {
      try {
        await this.#host.sleep(this.#delay, signal);
      } catch (error) {
        // An abort is close(); anything else is the host failing.
        if (this.#readyState === EventSourceState.closed) return;
        throw this.#fail(new HioError('HIO_ERR_EVENT_STREAM_LOST', "the host's sleep failed", { cause: error }));
      }
      if (this.#readyState === EventSourceState.closed) return;
    }
    let response: Response;
    try {
      response = await this.#host.fetch(this.url, { method: 'GET', headers: this.#requestHeaders(), signal });
    } catch (error) {
      if (this.#readyState !== EventSourceState.closed) this.#lose(error);
      return;
    }
    const body = response.body;
    if (this.#readyState === EventSourceState.closed) {
      discard(body);
      return;
    }
    const type = mediaType(response.headers.get('content-type'));
    if (response.status !== 200 || type !== 'text/event-stream') {
      discard(body);
      const message = `${this.url} answered ${response.status} with content type '${type}', not 200 text/event-stream`;
      throw this.#fail(new HioError('HIO_ERR_EVENT_STREAM_REFUSED', message));
    }
    this.#readyState = EventSourceState.open;
    this.#delivered = false;
    this.#parser = new EventStreamParser({ maxEventBytes: this.#maxEventBytes, lastEventId: this.#lastEventId });
    // A 200 without a body is a stream that ended at once.
    if (body === null) this.#lose(undefined);
    else this.#reader = body.getReader();
  }

  /** Reads one chunk of the open body and queues the events it completes. */
  async #read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (this.#readyState !== EventSourceState.closed) this.#lose(error);
      return;
    }
    // close() cancelled the body: its pending read ends as done.
    if (this.#readyState === EventSourceState.closed) return;
    if (chunk.done) {
      this.#lose(undefined);
      return;
    }
    const parser = this.#parser!;
    let events: ReceivedEvent[];
    try {
      events = parser.push(chunk.value);
    } catch (error) {
      throw this.#fail(error as HioError);
    }
    this.#lastEventId = parser.lastEventId;
    // The wire's retry is milliseconds; the source counts seconds of tyme.
    if (parser.retryMs !== null) this.#retryDelay = parser.retryMs / 1000;
    if (events.length > 0) {
      this.#delivered = true;
      this.#failures = 0;
      this.#waits = 0;
      this.#queue.push(...events);
    }
  }

  /**
   * The connection was lost (a network error, or the body ended or broke):
   * counts the attempt as failed unless it brought an event, fails the source
   * after `maxAttempts` in a row, else sets the delay before the next one.
   */
  #lose(cause: unknown): void {
    this.#reader = null;
    this.#parser = null;
    this.#readyState = EventSourceState.connecting;
    if (!this.#delivered) this.#failures++;
    this.#delivered = false;
    if (this.#failures >= this.#maxAttempts) {
      const message = `${this.url}: ${this.#failures} attempts in a row brought no event`;
      throw this.#fail(new HioError('HIO_ERR_EVENT_STREAM_LOST', message, { cause }));
    }
    // The first wait since the last event is the reconnection time; each wait after it, every attempt in between having brought no event, doubles it.
    const doublings = Math.min(this.#waits, 64);
    this.#waits += 1;
    this.#delay = Math.min(this.#maxRetryDelay, this.#retryDelay * 2 ** doublings);
  }

  /** Fails the source for good (cancelling the body) and returns `error`, for the `next()` under way to reject with. */
  #fail(error: HioError): HioError {
    this.#error = error;
    this.#end();
    return error;
  }

  /** Closed: nothing more is fetched, slept, read or handed out. */
  #end(): void {
    this.#readyState = EventSourceState.closed;
    this.#abort.abort();
    const reader = this.#reader;
    this.#reader = null;
    this.#parser = null;
    this.#queue = [];
    discard(reader);
  }

  /** The request headers of the next attempt. */
  #requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = { ...this.#headers, Accept: 'text/event-stream', 'Cache-Control': 'no-store' };
    // A header value is a byte string: the ID goes as its UTF-8 bytes, one character per byte.
    if (this.#lastEventId !== '') headers['Last-Event-ID'] = Buffer.from(this.#lastEventId, 'utf8').toString('latin1');
    return headers;
  }
}

/** The essence of a Content-Type (`type/subtype`, lower case, parameters dropped); empty when absent. */
function mediaType(contentType: string | null): string {
  if (contentType === null) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** Cancels a body or reader nobody will read, quietly. */
function discard(stream: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array> | null): void {
  stream?.cancel().catch(ignore);
}

function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null) throw invalidOption('headers must be an object of strings');
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw invalidOption(`header ${name} must be a string`);
    if (OWN_HEADERS.includes(name.toLowerCase())) throw invalidOption(`header ${name} is set by the source (use the lastEventId option to resume)`);
  }
  return { ...headers };
}

function checkLastEventId(id: string): string {
  // An ID with CR, LF or NUL could never come from a stream.
  if (typeof id !== 'string' || /[\r\n\0]/.test(id)) throw invalidOption('lastEventId must be a string without CR, LF or NUL');
  return id;
}

function checkMaxAttempts(attempts: number): number {
  if (attempts !== Infinity && (!Number.isSafeInteger(attempts) || attempts < 1)) {
    throw invalidOption(`maxAttempts must be a whole number >= 1 or Infinity, got ${String(attempts)}`);
  }
  return attempts;
}

function invalidOption(message: string): HioError {
  return new HioError('HIO_ERR_INVALID_OPTION', `EventSource: ${message}`);
}

function ignore(): void {}
