/**
 * @module
 * The event-stream parser: bytes of a `text/event-stream` body in, events
 * out, exactly as the WHATWG HTML standard interprets an event stream
 * ("Server-sent events", §9.2.5–9.2.6), however the body was cut into chunks.
 *
 * The bytes go through one streaming UTF-8 decoder, which drops one leading
 * byte order mark, turns invalid bytes into U+FFFD and holds a character split
 * across chunks until its last byte comes. The text is cut into lines at CR LF,
 * LF or CR (a CR ending one chunk and an LF starting the next are one line
 * end); each line is a comment (`:` first), a field (`name: value`, one space
 * after the colon dropped) or blank, and a blank line dispatches the event the
 * fields built. The stream's end needs no call: an event not yet followed by a
 * blank line is simply never dispatched, as the standard says.
 *
 * Memory is bounded: a line, or the data of one event, longer than
 * `maxEventBytes` (UTF-8) is an error, `HIO_ERR_EVENT_TOO_LARGE`. Comment
 * lines are skipped as they arrive, never held, so a long heartbeat padding is
 * not one.
 */
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { EVENT_STREAM_DEFAULTS } from './limits.js';

/** One dispatched event, as a client receives it. */
export interface ReceivedEvent {
  /** The event type: the event's last `event` field when it was not empty, else `'message'`. */
  readonly type: string;
  /** The event's `data` lines joined by LF (no trailing LF); may be empty. */
  readonly data: string;
  /** The stream's last event ID when the event was dispatched: the latest `id` field, in this event or an earlier one. */
  readonly lastEventId: string;
}

/** Options of an {@link EventStreamParser}. */
export interface EventStreamParserOptions {
  /** Longest line, and largest data of one event, in bytes of UTF-8 (default 1 MiB). */
  readonly maxEventBytes?: number;
  /**
   * The last event ID the stream starts from: the one a reconnecting client
   * sent in `Last-Event-ID` (default empty). Events of the new stream carry it
   * until an `id` field replaces it, as browsers do.
   */
  readonly lastEventId?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const DIGITS = /^[0-9]+$/;

/**
 * Parses one event stream, the body of one response; a reconnection starts a
 * new parser (given the last event ID so far). The caller owns each chunk it
 * pushes and may reuse it once `push` returns: the parser keeps text, never
 * the bytes. Not reusable after it threw.
 */
export class EventStreamParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxEventBytes: number;
  /** The line so far, when a chunk ended inside it. */
  #line = '';
  #lineBytes = 0;
  /** The line so far is a comment: its text is dropped as it comes. */
  #comment = false;
  /** The last line ended in CR: an LF starting the next text belongs to that line end. */
  #afterCr = false;
  #data = '';
  #dataBytes = 0;
  #eventType = '';
  /** The last event ID buffer: set by each `id` field, kept across events. */
  #idBuffer: string;
  /** The last event ID string: the buffer as of the last blank line. */
  #lastEventId: string;
  #retryMs: number | null = null;
  #failure: HioError | null = null;

  /** Throws `HIO_ERR_INVALID_OPTION` for an unknown option or a `maxEventBytes` that is not a whole number ≥ 1. */
  constructor(options: EventStreamParserOptions = {}) {
    checkOptions('EventStreamParser', options, ['maxEventBytes', 'lastEventId']);
    this.#maxEventBytes = checkMaxEventBytes('EventStreamParser', options.maxEventBytes ?? EVENT_STREAM_DEFAULTS.maxEventBytes);
    this.#idBuffer = this.#lastEventId = options.lastEventId ?? '';
  }

  /**
   * The last event ID string: the latest `id` field as of the last blank
   * line, whether that line dispatched an event or not (`id: 7` then a blank
   * line sets it without an event). Empty when none came or `id` was empty.
   */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * The reconnection time the server asked for with its latest valid `retry`
   * field, in milliseconds; null when none came. It applies as soon as its
   * line ends, blank line or not.
   */
  get retryMs(): number | null {
    return this.#retryMs;
  }

  /**
   * Parses the next bytes of the body and returns the events they completed,
   * in order (often none). Throws `HIO_ERR_EVENT_TOO_LARGE` when a line or an
   * event's data passes `maxEventBytes`; events completed earlier in the same
   * chunk are lost with it, and every later push throws the same error.
   */
  push(chunk: Uint8Array): ReceivedEvent[] {
    if (this.#failure !== null) throw this.#failure;
    const text = this.#decoder.decode(chunk, { stream: true });
    const events: ReceivedEvent[] = [];
    const length = text.length;
    let start = 0;
    // A chunk can decode to no text (half a character): the CR stays pending then.
    if (this.#afterCr && length > 0) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    try {
      while (start < length) {
        const end = lineEnd(text, start);
        if (end === length) {
          this.#keep(text.slice(start));
          break;
        }
        this.#endLine(text.slice(start, end), events);
        start = end + 1;
        if (text.charCodeAt(end) === CR) {
          // CR LF is one line end, even when the LF comes in the next chunk.
          if (start === length) this.#afterCr = true;
          else if (text.charCodeAt(start) === LF) start++;
        }
      }
    } catch (error) {
      this.#failure = error as HioError;
      throw error;
    }
    return events;
  }

  /** Holds the start of a line the chunk ended inside (dropping it when it is a comment). */
  #keep(piece: string): void {
    if (this.#line === '' && !this.#comment && piece.charCodeAt(0) === COLON) this.#comment = true;
    if (this.#comment) return;
    this.#line += piece;
    this.#lineBytes += Buffer.byteLength(piece);
    if (this.#lineBytes > this.#maxEventBytes) throw tooLarge(`a line is longer than ${this.#maxEventBytes} bytes`);
  }

  /** A line end came: `tail` is the rest of the line, before it. */
  #endLine(tail: string, events: ReceivedEvent[]): void {
    if (this.#comment) {
      this.#comment = false;
      return;
    }
    let line = tail;
    let lineBytes = 0;
    if (this.#line === '') {
      // A comment in one piece: ignored, however long.
      if (tail.charCodeAt(0) === COLON) return;
    } else {
      line = this.#line + tail;
      lineBytes = this.#lineBytes;
      this.#line = '';
      this.#lineBytes = 0;
    }
    if (lineBytes + Buffer.byteLength(tail) > this.#maxEventBytes) throw tooLarge(`a line is longer than ${this.#maxEventBytes} bytes`);
    this.#interpret(line, events);
  }

  /** One whole line that is not a comment, its line end removed. */
  #interpret(line: string, events: ReceivedEvent[]): void {
    if (line === '') {
      this.#dispatch(events);
      return;
    }
    // A line without a colon is a field name with an empty value.
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon !== -1) {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'event':
        this.#eventType = value;
        return;
      case 'data':
        this.#dataBytes += Buffer.byteLength(value) + 1;
        if (this.#dataBytes > this.#maxEventBytes) throw tooLarge(`the data of an event is larger than ${this.#maxEventBytes} bytes`);
        this.#data += `${value}\n`;
        return;
      case 'id':
        // An id with NULL is ignored, so a client never sends one in Last-Event-ID.
        if (!value.includes('\0')) this.#idBuffer = value;
        return;
      case 'retry':
        if (DIGITS.test(value)) this.#retryMs = Number(value);
        return;
      default:
      // Any other field is ignored.
    }
  }

  /** A blank line: commit the last event ID, and dispatch the event if it has data. */
  #dispatch(events: ReceivedEvent[]): void {
    this.#lastEventId = this.#idBuffer;
    if (this.#data !== '') {
      // Every data line appended one LF: drop the last.
      events.push({ type: this.#eventType === '' ? 'message' : this.#eventType, data: this.#data.slice(0, -1), lastEventId: this.#lastEventId });
    }
    this.#data = '';
    this.#dataBytes = 0;
    this.#eventType = '';
  }
}

/** The index of the first CR or LF in `text` from `start`, or its length when there is none. */
function lineEnd(text: string, start: number): number {
  const length = text.length;
  for (let index = start; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === LF || code === CR) return index;
  }
  return length;
}

/** Throws `HIO_ERR_INVALID_OPTION` unless `value` is a whole number of bytes ≥ 1; returns it. */
export function checkMaxEventBytes(owner: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: maxEventBytes must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

function tooLarge(message: string): HioError {
  return new HioError('HIO_ERR_EVENT_TOO_LARGE', message);
}
