/**
 * @module
 * Server-sent events from a fetch handler: {@link sse} answers with a
 * `text/event-stream` Response whose body a producer function writes event
 * by event, on the server's tyme.
 *
 * ```ts
 * fetch: (request, info) => sse(info, async (stream) => {
 *   for (let n = 1; ; n++) {
 *     await stream.send({ data: `tick ${n}`, id: String(n) });
 *     await stream.sleep(1);
 *   }
 * }, { heartbeat: 15 })
 * ```
 *
 * Events are written as the WHATWG HTML standard's "server-sent events"
 * section reads them ({@link formatEvent}): each event one chunk of the
 * body, so one write each. `send` resolves once its event is in the body
 * stream and waits while the stream holds one unread: the server reads the
 * stream only while the connection takes more, so a client that stops
 * reading stops the producer instead of growing memory.
 *
 * The stream ends when the producer's function returns. When the client
 * goes away (or the request was HEAD) the stream is aborted: `aborted`
 * turns true, the `onAbort` callbacks run, a pending or later `send`
 * rejects with HIO_ERR_CLIENT_GONE and a pending or later `sleep` resolves
 * at once — so a producer looping on `send` and `sleep` ends by itself,
 * its rejection taken quietly. A producer that fails while the client is
 * there errors the stream: the server resets the connection and reports
 * the fault once.
 */
import { HioError } from '../core/errors.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import type { FetchInfo } from './fetch-responder.js';
import type { HeadersInit } from './light-response.js';

/** One event of an event stream. Every field is optional; an event with none is a blank line (it dispatches nothing). */
export interface ServerSentEvent {
  /**
   * The data. Several lines (split at CR LF, CR or LF) go out as several
   * `data:` lines and reach the client joined by LF. Absent: no data line,
   * an event that only sets `id` or `retry` and dispatches nothing; an empty
   * string dispatches an event with empty data.
   */
  readonly data?: string;
  /** The event type (`message` when absent); no CR or LF. */
  readonly event?: string;
  /** The last event ID the client reports when it reconnects; no CR, LF or NUL (a client ignores an id with NUL). */
  readonly id?: string;
  /** The client's reconnection delay, whole milliseconds. */
  readonly retry?: number;
}

/** The producer's side of an event stream (see the module note for what happens when the client goes away). */
export interface EventStream {
  /** True once the client went away (or will never read the body). */
  readonly aborted: boolean;
  /** The server's tyme now, in seconds. */
  readonly tyme: number;
  /** Writes one event; resolves once it is in the body stream, waiting while the stream is full. Rejects with HIO_ERR_INVALID_EVENT for a field its line cannot carry. */
  send(event: ServerSentEvent): Promise<void>;
  /** Writes a comment (`: text`, one line per line of text), which clients ignore; waits as `send` does. */
  comment(text: string): Promise<void>;
  /** Resolves `seconds` of the server's tyme from now, or at once when the stream is aborted or over. */
  sleep(seconds: number): Promise<void>;
  /** Runs `callback` once when the stream is aborted (at once if it was); a callback that throws is reported as a fault. */
  onAbort(callback: () => void): void;
}

/** Writes the events of one stream; the stream ends when it returns. */
export type EventProducer = (stream: EventStream) => void | Promise<void>;

/** Options of {@link sse}. */
export interface SseOptions {
  /**
   * Seconds of tyme after which a comment line goes out if nothing else
   * did, so proxies and clients see the stream alive (default: none).
   */
  readonly heartbeat?: number;
  /** More response headers; they may replace the Content-Type and Cache-Control given by default. */
  readonly headers?: HeadersInit;
}

/** The response body's queue holds one event: a second waits for the server to take the first. */
const QUEUED_EVENTS = 1;
const HEARTBEAT = Buffer.from(':\n\n');

/**
 * Answers with an event stream written by `produce`, which starts at once;
 * see the module note. `info` is the handler's second argument: it gives
 * the server's tyme and timers.
 */
export function sse(info: FetchInfo, produce: EventProducer, options: SseOptions = {}): Response {
  checkOptions('sse', options, ['heartbeat', 'headers']);
  if (typeof produce !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'sse: the producer must be a function (stream) => Promise<void>');
  const heartbeat = options.heartbeat ?? Infinity;
  if (options.heartbeat !== undefined && checkSeconds('sse', 'heartbeat', heartbeat) === 0) {
    throw new HioError('HIO_ERR_INVALID_OPTION', 'sse: heartbeat must be more than 0 seconds');
  }
  const headers = new Headers(options.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'text/event-stream');
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
  const source = new EventStreamSource(info, heartbeat);
  const response = new Response(source.body, { headers });
  source.run(produce);
  return response;
}

/** A send waiting for room in the body stream. */
interface WaitingSend {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A sleep under way: its timer, and how to end it early. */
interface Sleep {
  cancel: () => void;
  readonly resolve: () => void;
}

/** The stream behind one {@link sse} response: the producer's {@link EventStream} and the body's underlying source. */
class EventStreamSource implements EventStream {
  readonly body: ReadableStream<Uint8Array>;
  readonly #info: FetchInfo;
  readonly #heartbeat: number;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #waiting: WaitingSend[] = [];
  readonly #sleeps = new Set<Sleep>();
  #abortCallbacks: Array<() => void> = [];
  #aborted = false;
  /** The producer returned: close once the sends still waiting are in. */
  #finished = false;
  /** Closed, errored or aborted: nothing more goes in. */
  #over = false;
  /** Tyme something last went into the body (for the heartbeat). */
  #lastSent: number;
  #cancelHeartbeat: (() => void) | null = null;

  constructor(info: FetchInfo, heartbeat: number) {
    this.#info = info;
    this.#heartbeat = heartbeat;
    this.#lastSent = info.tyme;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#pull(),
        cancel: () => this.#abort(),
      },
      { highWaterMark: QUEUED_EVENTS },
    );
    if (heartbeat !== Infinity) this.#cancelHeartbeat = info.after(heartbeat, this.#beat);
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get tyme(): number {
    return this.#info.tyme;
  }

  send(event: ServerSentEvent): Promise<void> {
    let text: string;
    try {
      text = formatEvent(event);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#push(Buffer.from(text));
  }

  comment(text: string): Promise<void> {
    let formatted: string;
    try {
      formatted = formatComment(text);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#push(Buffer.from(formatted));
  }

  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      checkSeconds('EventStream', 'sleep seconds', seconds);
      if (this.#over) {
        resolve();
        return;
      }
      const sleep: Sleep = { cancel: ignore, resolve };
      sleep.cancel = this.#info.after(seconds, () => {
        this.#sleeps.delete(sleep);
        resolve();
      });
      this.#sleeps.add(sleep);
    });
  }

  onAbort(callback: () => void): void {
    if (this.#aborted) this.#call(callback);
    else if (!this.#over) this.#abortCallbacks.push(callback);
  }

  /** Starts the producer; its end closes the stream, its failure errors it (or, once aborted, is taken quietly). */
  run(produce: EventProducer): void {
    let result: void | Promise<void>;
    try {
      result = produce(this);
    } catch (error) {
      this.#fail(error);
      return;
    }
    Promise.resolve(result).then(
      () => this.#finish(),
      (error: unknown) => this.#fail(error),
    );
  }

  #push(bytes: Uint8Array): Promise<void> {
    if (this.#aborted) return Promise.reject(gone());
    if (this.#over) return Promise.reject(new HioError('HIO_ERR_RESPONSE_STATE', 'the event stream is over: its producer returned or failed'));
    if (this.#waiting.length === 0 && this.#room()) {
      this.#enqueue(bytes);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiting.push({ bytes, resolve, reject }));
  }

  /** Whether the body's queue takes another event now. */
  #room(): boolean {
    return (this.#controller!.desiredSize ?? 0) > 0;
  }

  #enqueue(bytes: Uint8Array): void {
    this.#controller!.enqueue(bytes);
    this.#lastSent = this.#info.tyme;
  }

  /** The server read an event: the next waiting send goes in. */
  #pull(): void {
    const waiting = this.#waiting;
    while (waiting.length > 0 && this.#room()) {
      const send = waiting.shift()!;
      this.#enqueue(send.bytes);
      send.resolve();
    }
    if (waiting.length === 0 && this.#finished && !this.#over) {
      this.#end();
      this.#controller!.close();
    }
  }

  /**
   * Runs in a server pass once `heartbeat` seconds passed since the last
   * write: a comment line goes out unless the body already holds an unread
   * event (then the client is not idle, only slow), and the next beat is
   * due `heartbeat` after the last write.
   */
  readonly #beat = (): void => {
    // Never after the end: ending the stream cancels this timer.
    this.#cancelHeartbeat = null;
    const now = this.#info.tyme;
    if (now >= this.#lastSent + this.#heartbeat) {
      if (this.#waiting.length === 0 && this.#room()) this.#enqueue(HEARTBEAT);
      else this.#lastSent = now;
    }
    this.#cancelHeartbeat = this.#info.after(this.#lastSent + this.#heartbeat - now, this.#beat);
  };

  #finish(): void {
    if (this.#over) return;
    this.#finished = true;
    this.#pull();
  }

  #fail(error: unknown): void {
    if (this.#aborted) {
      // The client left: the producer's way out is the rejection of its send, anything else is a fault of its own.
      if (!(error instanceof HioError && error.code === 'HIO_ERR_CLIENT_GONE')) this.#info.fault(error);
      return;
    }
    const waiting = this.#end();
    for (const send of waiting) send.reject(error);
    // The server reads the error after the head: it resets the connection and reports the fault.
    this.#controller!.error(error);
  }

  /** The body was cancelled: the client went away, or the request was HEAD. */
  #abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const waiting = this.#end();
    for (const send of waiting) send.reject(gone());
    const callbacks = this.#abortCallbacks;
    this.#abortCallbacks = [];
    for (const callback of callbacks) this.#call(callback);
  }

  /** Nothing more goes in: stops the heartbeat, ends the sleeps, and hands back the sends that were waiting. */
  #end(): WaitingSend[] {
    this.#over = true;
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = null;
    for (const sleep of this.#sleeps) {
      sleep.cancel();
      sleep.resolve();
    }
    this.#sleeps.clear();
    const waiting = this.#waiting;
    this.#waiting = [];
    if (!this.#aborted) this.#abortCallbacks = [];
    return waiting;
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#info.fault(error);
    }
  }
}

/**
 * An event as the event-stream format writes it: `event:`, one `data:` line
 * per line of data, `id:`, `retry:`, then a blank line; LF line endings.
 * Throws HIO_ERR_INVALID_EVENT for a field its line cannot carry.
 */
export function formatEvent(event: ServerSentEvent): string {
  if (typeof event !== 'object' || event === null) throw invalid('an event must be an object');
  const { data, event: type, id, retry } = event;
  let text = '';
  if (type !== undefined) {
    if (typeof type !== 'string' || LINE_BREAK.test(type)) throw invalid('an event type must be a string without CR or LF');
    text += `event: ${type}\n`;
  }
  if (data !== undefined) {
    if (typeof data !== 'string') throw invalid('event data must be a string');
    for (const line of data.split(ANY_BREAK)) text += `data: ${line}\n`;
  }
  if (id !== undefined) {
    if (typeof id !== 'string' || ID_BREAK.test(id)) throw invalid('an event id must be a string without CR, LF or NUL');
    text += `id: ${id}\n`;
  }
  if (retry !== undefined) {
    if (!Number.isSafeInteger(retry) || retry < 0) throw invalid('retry must be a whole number of milliseconds >= 0');
    text += `retry: ${retry}\n`;
  }
  return `${text}\n`;
}

/** A comment: `: ` and one line of the text per line, then a blank line. */
function formatComment(text: string): string {
  if (typeof text !== 'string') throw invalid('a comment must be a string');
  let formatted = '';
  for (const line of text.split(ANY_BREAK)) formatted += line === '' ? ':\n' : `: ${line}\n`;
  return `${formatted}\n`;
}

const ANY_BREAK = /\r\n|\r|\n/;
const LINE_BREAK = /[\r\n]/;
const ID_BREAK = /[\r\n\0]/;

function invalid(message: string): HioError {
  return new HioError('HIO_ERR_INVALID_EVENT', message);
}

function gone(): HioError {
  return new HioError('HIO_ERR_CLIENT_GONE', 'the client went away: the event stream is closed');
}

function ignore(): void {}
