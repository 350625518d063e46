/**
 * @module
 * The ResponseWriter: the one place a response is framed. A {@link Steward}
 * makes one per request and hands it to the request's {@link Responder};
 * every way of answering — a whole message at once ({@link ResponseWriter.send}),
 * a head then a body in pieces ({@link ResponseWriter.writeHead},
 * {@link ResponseWriter.write}, {@link ResponseWriter.end}), interim 1xx
 * answers ({@link ResponseWriter.interim}) — goes through it, so the rules
 * live here once:
 *
 * - the status line and, unless switched off, the headers a response needs:
 *   Date, Server, Content-Length when the length is known, Transfer-Encoding
 *   chunked when it is not (HTTP/1.1), Connection when the connection will
 *   close (or, for HTTP/1.0, stay open), and Keep-Alive with the idle
 *   tymeout when it stays open (as node:http sends `Keep-Alive: timeout=5`),
 *   so a client stops reusing the connection before the server closes it;
 * - no body for HEAD (the GET's headers, though), 1xx, 204 and 304;
 * - chunk framing and trailers; HTTP/1.0 gets no chunks (a body of unknown
 *   length is ended by closing the connection) and no 1xx;
 * - header names and values that would break the framing (CR, LF, NUL,
 *   non-token names) are refused, and so is a body longer or shorter than
 *   the length the head announced: a response either is well framed or
 *   throws, and a throw from a responder resets the connection;
 * - backpressure: {@link ResponseWriter.pending} is what the connection has
 *   not yet sent and {@link ResponseWriter.writable} says whether producing
 *   more is wise now.
 *
 * Bytes handed to the writer are kept by reference until sent: do not modify
 * them afterwards.
 */
import { HioError } from '../core/errors.js';
import { Hict, type HeaderPair } from '../core/hict.js';
import { isFieldValue, isToken } from './chars.js';
import type { Request } from './request.js';
import { isBodiless, reasonPhrase } from './status.js';

/** Headers given to a response: a Hict, [name, value] pairs, or a record. */
export type HeadersInit = Hict | Iterable<HeaderPair> | Readonly<Record<string, string | number | readonly string[]>>;

/** Where a writer's bytes go: a connection's send queue and its count of unsent bytes. */
export interface ResponseSink {
  /** Queues bytes to send, kept by reference. */
  tx(bytes: Uint8Array): void;
  /** Bytes queued and not yet handed to the network. */
  readonly txPending: number;
  /** Bytes handed to the network so far, in all (a connection's count); a sink without it hands every byte on at once. */
  readonly txWritten?: number;
  /** True when bytes counted in txWritten were copied out of the buffers given to tx() (see Connection.txCopies). */
  readonly txCopies?: boolean;
}

/** The parts of a request that decide how its response is framed. */
export interface RequestHead {
  readonly method: string;
  readonly version: string;
}

/** How a writer is set up for one response. */
export interface ResponseWriterOptions {
  /** Whether the connection may carry another request after this response (default true). */
  readonly persisted?: boolean;
  /** The Date header value (default: none is added). */
  readonly date?: string;
  /** The Server header value, or null to send none (default null). */
  readonly server?: string | null;
  /** Whether the writer adds Date, Server, Content-Length or Transfer-Encoding, Connection and Keep-Alive (default true). */
  readonly requiredHeaders?: boolean;
  /**
   * The connection's idle tymeout, seconds of tyme: a response after which
   * the connection stays open says `Keep-Alive: timeout=N`, N its whole
   * seconds (at least 1), unless its headers have a Keep-Alive already
   * (requiredHeaders only). Default 0: the connection never idles out, and
   * no hint is sent.
   */
  readonly keepAliveTymeout?: number;
  /** Unsent bytes at or above which {@link ResponseWriter.writable} is false (default 64 KiB). */
  readonly highWater?: number;
  /** Called by {@link ResponseWriter.resume}: the host runs the responder again in its next pass. */
  readonly wake?: () => void;
}

/** A whole response, written at once by {@link ResponseWriter.send}. */
export interface WholeResponse {
  /** Status code, 100–999 (default 200). */
  readonly status?: number;
  /** Reason phrase (default: the standard one). */
  readonly reason?: string;
  readonly headers?: HeadersInit;
  /** The body: bytes, or text sent as UTF-8. */
  readonly body?: Uint8Array | string;
}

/** Options of {@link ResponseWriter.writeHead}. */
export interface HeadOptions {
  /** Reason phrase (default: the standard one). */
  readonly reason?: string;
  /**
   * The body's length in bytes when known: sent as Content-Length, and the
   * body written must match it. Unknown (the default) means chunked for
   * HTTP/1.1 and a close-delimited body for HTTP/1.0.
   */
  readonly length?: number;
  /** Content-Type added when the headers have none and the status has a body (requiredHeaders only). */
  readonly contentType?: string | null;
  /** Whether this head gets the headers a response needs (default: the writer's {@link ResponseWriter.requiredHeaders}). */
  readonly requiredHeaders?: boolean;
  /**
   * Answering HEAD, send the body as for GET (default false: the head
   * only). For testing clients: a client that asked HEAD reads no body.
   */
  readonly bodyForHead?: boolean;
}

/** How the body is delimited. */
const Framing = { none: 0, length: 1, chunked: 2, close: 3 } as const;
type Framing = (typeof Framing)[keyof typeof Framing];

/** Bits for the header names the writer acts on. */
const Seen = { date: 1, server: 2, type: 4, length: 8, connection: 16, encoding: 32, keepAlive: 64 } as const;

/** Writes one response onto a connection. */
export class ResponseWriter<R extends RequestHead = Request> {
  /** The request being answered. */
  readonly request: R;
  /** The Date header value, or '' for none. */
  readonly date: string;
  /** The Server header value, or null. */
  readonly server: string | null;
  /** Whether the writer adds the headers a response needs. */
  readonly requiredHeaders: boolean;
  /** The connection's idle tymeout announced in Keep-Alive, seconds of tyme; 0 for none. */
  readonly keepAliveTymeout: number;
  /** Unsent bytes at or above which {@link writable} turns false. */
  readonly highWater: number;
  /** The status sent, once the head is written (0 before). */
  status = 0;
  /**
   * @internal Set by the steward while a client waits for a 100 Continue it
   * has not been sent: a head written meanwhile says `Connection: close`,
   * as the client may never send the body.
   */
  closeBeforeHead = false;
  readonly #sink: ResponseSink;
  #persisted: boolean;
  #headSent = false;
  #ended = false;
  #framing: Framing = Framing.none;
  /** Whether body bytes go on the wire (not for HEAD or bodiless statuses). */
  #sendsBody = false;
  /** The announced length for Framing.length. */
  #length = 0;
  #written = 0;
  #suspended = false;
  readonly #wake: (() => void) | null;

  constructor(sink: ResponseSink, request: R, options: ResponseWriterOptions = {}) {
    this.#sink = sink;
    this.request = request;
    this.#persisted = options.persisted ?? true;
    this.date = options.date ?? '';
    this.server = options.server ?? null;
    this.requiredHeaders = options.requiredHeaders ?? true;
    this.keepAliveTymeout = options.keepAliveTymeout ?? 0;
    this.highWater = options.highWater ?? 64 * 1024;
    this.#wake = options.wake ?? null;
  }

  /**
   * True while the responder waits on something outside the connection (an
   * application's promise): the host neither runs it every pass nor counts
   * the wait against the connection's idle tymeout. See {@link suspend}.
   */
  get suspended(): boolean {
    return this.#suspended;
  }

  /**
   * Says the responder waits on something outside the connection. Its pour
   * returns false meanwhile; {@link resume} ends the wait.
   */
  suspend(): void {
    if (this.#ended) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response has ended');
    this.#suspended = true;
  }

  /** Ends a wait begun by {@link suspend}: the host pours again in its next pass. Safe to call more than once. */
  resume(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#wake?.();
  }

  /**
   * Whether the connection may carry another request after this response.
   * It starts from the request; it can be cleared (never set) until the head
   * is written, and the head then says "Connection: close". The head clears
   * it too: an application `Connection: close`, or a body ended by closing.
   */
  get persisted(): boolean {
    return this.#persisted;
  }

  set persisted(value: boolean) {
    if (value && !this.#persisted) throw new HioError('HIO_ERR_RESPONSE_STATE', 'a closing connection cannot be made persistent');
    if (!value && this.#persisted && this.#headSent) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the head is already written');
    this.#persisted = value;
  }

  /** True once the status line and headers were written. */
  get headSent(): boolean {
    return this.#headSent;
  }

  /** True once the whole response was written. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Body bytes written so far (counted even when a HEAD response sends none). */
  get bodyBytes(): number {
    return this.#written;
  }

  /**
   * Bytes the connection has handed to the network since it opened (its
   * own txWritten): once it reaches `txWritten + pending` read after a
   * write, that write is out. Infinity for a sink that does not count.
   */
  get txWritten(): number {
    return this.#sink.txWritten ?? Infinity;
  }

  /**
   * True when a buffer written is free for reuse once {@link txWritten}
   * passed the mark taken after writing it: the connection counts what it
   * sends and copies it (a socket), rather than handing the buffer on.
   */
  get reusesBuffers(): boolean {
    return this.#sink.txCopies === true && this.#sink.txWritten !== undefined;
  }

  /** Bytes the connection holds unsent (this response's and any before it). */
  get pending(): number {
    return this.#sink.txPending;
  }

  /** True while the response is open and the connection holds fewer than highWater unsent bytes: more may be produced now. */
  get writable(): boolean {
    return !this.#ended && this.#sink.txPending < this.highWater;
  }

  /**
   * Writes an interim response (1xx other than 101, before the head): 100
   * Continue, 103 Early Hints. An HTTP/1.0 client gets none (RFC 9110 §15.2).
   */
  interim(status: number, headers?: HeadersInit): void {
    if (!Number.isInteger(status) || status < 100 || status > 199 || status === 101) {
      throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid interim status ${status}`);
    }
    if (this.#headSent) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the head is already written');
    if (this.request.version === 'HTTP/1.0') return;
    let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    if (headers !== undefined) forEachHeader(headers, (name, value) => (head += fieldLine(name, value)));
    this.#sink.tx(Buffer.from(`${head}\r\n`, 'latin1'));
  }

  /**
   * Writes the status line and headers; the body follows through
   * {@link write} and {@link end}. How the body is delimited: the given
   * Transfer-Encoding chunked (HTTP/1.1), else a given Content-Length or
   * `options.length`, else chunked (HTTP/1.1 with requiredHeaders) or the
   * connection's close.
   */
  writeHead(status: number, headers?: HeadersInit, options: HeadOptions = {}): void {
    const head = this.#head(
      status,
      options.reason,
      headers,
      options.length ?? -1,
      options.contentType ?? null,
      options.requiredHeaders ?? this.requiredHeaders,
      options.bodyForHead === true,
    );
    this.#sink.tx(Buffer.from(head, 'latin1'));
  }

  /**
   * Writes body bytes (text as UTF-8), framed as the head said; writes a 200
   * head first if none was written. Returns {@link writable}. Empty writes
   * are ignored. Throws past the announced length.
   */
  write(chunk: Uint8Array | string): boolean {
    if (this.#ended) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response has ended');
    if (!this.#headSent) this.writeHead(200);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const size = bytes.length;
    if (size === 0) return this.writable;
    this.#written += size;
    if (this.#framing === Framing.length && this.#sendsBody && this.#written > this.#length) {
      throw new HioError('HIO_ERR_RESPONSE_STATE', `body longer than its Content-Length ${this.#length}`);
    }
    if (!this.#sendsBody) return this.writable;
    const sink = this.#sink;
    if (this.#framing === Framing.chunked) {
      sink.tx(Buffer.from(`${size.toString(16)}\r\n`, 'latin1'));
      sink.tx(bytes);
      sink.tx(CRLF);
    } else {
      sink.tx(bytes);
    }
    return this.writable;
  }

  /**
   * Ends the response, after a last chunk if given. Trailers go out with a
   * chunked body only (elsewhere they are dropped, as RFC 9110 §6.5 allows).
   * Without a head yet, this writes the whole response at once with a
   * Content-Length. Throws when a body shorter than the announced length ends.
   */
  end(chunk?: Uint8Array | string, trailers?: HeadersInit): void {
    if (this.#ended) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response has ended');
    if (!this.#headSent) {
      this.send({ body: chunk ?? EMPTY });
      return;
    }
    if (chunk !== undefined) this.write(chunk);
    // A HEAD announces the GET's length and sends none of it.
    if (this.#framing === Framing.length && this.#sendsBody && this.#written !== this.#length) {
      throw new HioError('HIO_ERR_RESPONSE_STATE', `body of ${this.#written} bytes ended short of its Content-Length ${this.#length}`);
    }
    if (this.#framing === Framing.chunked && this.#sendsBody) {
      let tail = '0\r\n';
      if (trailers !== undefined) forEachHeader(trailers, (name, value) => (tail += fieldLine(name, value)));
      this.#sink.tx(tail === '0\r\n' ? LAST_CHUNK : Buffer.from(`${tail}\r\n`, 'latin1'));
    }
    this.#ended = true;
  }

  /**
   * Writes a whole response as one buffer in one tx, with a Content-Length
   * (or as one chunk, when the headers ask for chunked) — the fast path for
   * bodies already in memory. `contentType` is added when the headers have
   * none and the status has a body (with requiredHeaders).
   */
  send(response: WholeResponse, contentType: string | null = null): void {
    // Text stays text until it is written into the message: one copy, not two.
    let text: string | null = null;
    let body: Uint8Array = EMPTY;
    if (typeof response.body === 'string') text = response.body;
    else if (response.body !== undefined) body = response.body;
    const bodyLength = text === null ? body.length : Buffer.byteLength(text);
    const head = this.#head(response.status ?? 200, response.reason, response.headers, bodyLength, contentType, this.requiredHeaders, false);
    this.#written = bodyLength;
    this.#ended = true;
    const headLength = head.length;
    if (!this.#sendsBody || bodyLength === 0) {
      const tail = this.#sendsBody && this.#framing === Framing.chunked ? LAST_CHUNK : EMPTY;
      const message = Buffer.allocUnsafe(headLength + tail.length);
      (message as unknown as LatinWriter).latin1Write(head, 0, headLength);
      message.set(tail, headLength);
      this.#sink.tx(message);
      return;
    }
    if (this.#framing === Framing.chunked) {
      const prefix = `${bodyLength.toString(16)}\r\n`;
      const message = Buffer.allocUnsafe(headLength + prefix.length + bodyLength + CRLF_LAST_CHUNK.length);
      (message as unknown as LatinWriter).latin1Write(head + prefix, 0, headLength + prefix.length);
      let at = headLength + prefix.length;
      if (text === null) message.set(body, at);
      else message.write(text, at, bodyLength, 'utf8');
      at += bodyLength;
      message.set(CRLF_LAST_CHUNK, at);
      this.#sink.tx(message);
      return;
    }
    const message = Buffer.allocUnsafe(headLength + bodyLength);
    (message as unknown as LatinWriter).latin1Write(head, 0, headLength);
    if (text === null) message.set(body, headLength);
    else message.write(text, headLength, bodyLength, 'utf8');
    this.#sink.tx(message);
  }

  /**
   * Builds the head and settles the framing. `length` is the body length
   * when known, else -1; `required` says whether to add the headers a
   * response needs; `bodyForHead` sends a HEAD the GET's body.
   */
  #head(
    status: number,
    reason: string | undefined,
    headers: HeadersInit | undefined,
    length: number,
    contentType: string | null,
    required: boolean,
    bodyForHead: boolean,
  ): string {
    if (this.#headSent) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the head is already written');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid status ${status}`);
    if (reason !== undefined && !isFieldValue(reason)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'invalid reason phrase');
    if (this.closeBeforeHead) this.#persisted = false;
    const http10 = this.request.version === 'HTTP/1.0';
    // A 2xx to CONNECT opens a tunnel: like a 101, no body and no framing fields (RFC 9110 §9.3.6).
    const tunnel = status >= 200 && status < 300 && this.request.method === 'CONNECT';
    const bodiless = tunnel || isBodiless(status);
    let head = `HTTP/1.1 ${status} ${reason ?? reasonPhrase(status)}\r\n`;
    let present = 0;
    let chunked = false;
    let declared = -1;
    if (headers !== undefined) {
      forEachHeader(headers, (name, value) => {
        const bit = seen(name);
        present |= bit;
        if (bit === Seen.connection && CLOSE_OPTION.test(value)) this.#persisted = false;
        else if (bit === Seen.encoding) {
          if (!CHUNKED_ONLY.test(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'only Transfer-Encoding: chunked can be sent');
          // HTTP/1.0 has no chunked coding: the body is delimited another way.
          if (http10) return;
          chunked = !bodiless;
        } else if (bit === Seen.length) {
          if (!DIGITS.test(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid Content-Length ${JSON.stringify(value)}`);
          declared = Number(value);
        }
        head += fieldLine(name, value);
      });
    }
    const sendsBody = !bodiless && (bodyForHead || this.request.method !== 'HEAD');
    let framing: Framing;
    if (bodiless) framing = Framing.none;
    else if (chunked) framing = Framing.chunked;
    else if (declared >= 0) {
      // A body sent must match the length the application announced; a HEAD's announces the GET's.
      if (sendsBody && length >= 0 && length !== declared) {
        throw new HioError('HIO_ERR_RESPONSE_STATE', `Content-Length ${declared} does not match a body of ${length} bytes`);
      }
      framing = Framing.length;
      length = declared;
    } else if (length >= 0 && (required || !sendsBody)) framing = Framing.length;
    else if (required && !http10) framing = Framing.chunked;
    else framing = Framing.close;
    if (framing === Framing.close && sendsBody) this.#persisted = false;
    if (required) {
      if ((present & Seen.date) === 0 && this.date !== '') head += `Date: ${this.date}\r\n`;
      if (this.server !== null && (present & Seen.server) === 0) head += `Server: ${this.server}\r\n`;
      if (contentType !== null && (present & Seen.type) === 0 && !bodiless) head += `Content-Type: ${contentType}\r\n`;
      if (framing === Framing.length && declared < 0) head += `Content-Length: ${length}\r\n`;
      else if (framing === Framing.chunked && !chunked) head += 'Transfer-Encoding: chunked\r\n';
      if ((present & Seen.connection) === 0) {
        if (!this.#persisted) head += 'Connection: close\r\n';
        else if (http10) head += 'Connection: keep-alive\r\n';
      }
      // The hint is for a connection that carries another request: not after a 101 or a tunnel's 2xx, whose connection is no longer HTTP.
      if (this.#persisted && this.keepAliveTymeout > 0 && (present & Seen.keepAlive) === 0 && status >= 200 && !tunnel) {
        head += keepAliveLine(this.keepAliveTymeout);
      }
    }
    this.status = status;
    this.#framing = framing;
    this.#length = length;
    this.#sendsBody = sendsBody;
    this.#headSent = true;
    return `${head}\r\n`;
  }
}

/** A header line, checked: a token name and a value without CR, LF or NUL. */
function fieldLine(name: string, value: string): string {
  if (!isToken(name) || !isFieldValue(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid header field ${JSON.stringify(name)}`);
  return `${name}: ${value}\r\n`;
}

/** Which of the names the writer acts on `name` is (ignoring case), as a Seen bit; 0 for others. */
function seen(name: string): number {
  switch (name.length) {
    case 4:
      return name.toLowerCase() === 'date' ? Seen.date : 0;
    case 6:
      return name.toLowerCase() === 'server' ? Seen.server : 0;
    case 10: {
      const lower = name.toLowerCase();
      return lower === 'connection' ? Seen.connection : lower === 'keep-alive' ? Seen.keepAlive : 0;
    }
    case 12:
      return name.toLowerCase() === 'content-type' ? Seen.type : 0;
    case 14:
      return name.toLowerCase() === 'content-length' ? Seen.length : 0;
    case 17:
      return name.toLowerCase() === 'transfer-encoding' ? Seen.encoding : 0;
    default:
      return 0;
  }
}

/** The idle tymeout keepAliveLine last framed, and its line: a server has one, so the line is built once, not per response. */
let hintTymeout = 0;
let hintLine = '';

/**
 * The `Keep-Alive: timeout=N` line for an idle tymeout of `tymeout` seconds:
 * N is its whole seconds, at least 1 (a client subtracts its own margin);
 * '' for a tymeout that is not a positive finite number.
 */
function keepAliveLine(tymeout: number): string {
  if (tymeout !== hintTymeout) {
    hintLine = tymeout > 0 && Number.isFinite(tymeout) ? `Keep-Alive: timeout=${Math.max(1, Math.floor(tymeout))}\r\n` : '';
    hintTymeout = tymeout;
  }
  return hintLine;
}

/** Calls `each` for every [name, value] of a headers init, in order, without copying it. */
export function forEachHeader(headers: HeadersInit, each: (name: string, value: string) => void): void {
  if (headers instanceof Hict) {
    for (let i = 0; i < headers.size; i++) each(headers.nameAt(i)!, headers.valueAt(i)!);
  } else if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<HeaderPair>) each(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const item of value as readonly string[]) each(name, item);
      else each(name, String(value));
    }
  }
}

/** Buffer's own latin1 writer: the fast path behind write(text, offset, length, 'latin1'). */
interface LatinWriter {
  latin1Write(text: string, offset: number, length: number): number;
}

const CLOSE_OPTION = /(^|,)\s*close\s*(,|$)/i;
const CHUNKED_ONLY = /^\s*chunked\s*$/i;
const DIGITS = /^\d{1,15}$/;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const CRLF_LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
