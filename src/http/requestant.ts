/**
 * @module
 * The Requestant: an incremental, strict HTTP/1.1 request parser over a
 * connection's {@link ByteQueue}. Each {@link Requestant.parse} call advances
 * as far as the queued bytes allow and returns how far it got — "more"
 * (waiting for bytes), "head" (the header section is complete and a body
 * follows), "done" (a whole request: take it with {@link Requestant.take}) or
 * "error" ({@link Requestant.error} says which status to answer). Waiting
 * is a return value, never an exception, and the result does not depend on
 * how the bytes were split across reads.
 *
 * Strict by default (RFC 9112, RFC 9110): bare LF, obs-fold, whitespace
 * before a colon, invalid tokens and field characters, a missing or repeated
 * Host in HTTP/1.1, Content-Length together with Transfer-Encoding,
 * conflicting or malformed lengths, chunked not last, and malformed chunked
 * framing are rejected; unknown codings get 501, other versions 505. Every
 * limit of {@link HttpLimits} is enforced as bytes arrive.
 *
 * What is particular to requests lives here: the request line, Host,
 * Expect and the implemented methods. The rest is shared with the
 * Respondent: field lines (field-lines.ts: the header section is scanned
 * line by line as it arrives, LF positions only, then parsed once from one
 * contiguous view), the framing rules (message-framing.ts) and the body
 * reader (body-reader.ts: body bytes are moved out of the queue as they
 * arrive, so a large body never holds up reading).
 */
import type { ByteQueue } from '../core/byte-queue.js';
import { HttpParseError } from '../core/errors.js';
import { Hict } from '../core/hict.js';
import { SP, TCHAR, TARGET, TARGET_BROWSER, TARGET_LENIENT } from './chars.js';
import { BodyReader } from './body-reader.js';
import { FieldScanner, malformed, parseFields, type LatinText } from './field-lines.js';
import { BodyKind, MessageFraming } from './message-framing.js';
import { DEFAULT_LENIENCE, DEFAULT_LIMITS, type HttpLenience, type HttpLimits } from './limits.js';
import type { Request } from './request.js';
import { RequestBody } from './request-body.js';
import { isHostValue, parseTarget, type TargetParts } from './request-target.js';

/** How far a parse call got. */
export type Progress = 'more' | 'head' | 'done' | 'error';

const Phase = { head: 0, body: 1, done: 2, failed: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** Options of a {@link Requestant}. */
export interface RequestantOptions {
  readonly limits?: HttpLimits;
  readonly lenient?: HttpLenience;
  /**
   * The methods the server implements; a request with any other method is an
   * error (501) as soon as its head is parsed, body or not. Default: any.
   */
  readonly methods?: ReadonlySet<string>;
}

const KNOWN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'];

function bad(message: string): HttpParseError {
  return malformed('request', message);
}

/** An incremental request parser reading one connection's bytes. */
export class Requestant {
  /** The bytes being parsed; the parser consumes what it has parsed. */
  readonly queue: ByteQueue;
  /** Why parsing failed, once parse() returned "error". */
  error: HttpParseError | null = null;
  readonly #limits: HttpLimits;
  readonly #lenient: HttpLenience;
  readonly #methods: ReadonlySet<string> | null;
  readonly #targetChars: Uint8Array;
  #phase: Phase = Phase.head;
  /** The lines of the current header section. */
  readonly #head: FieldScanner;
  /** The framing of the current request, from its head. */
  readonly #framing = new MessageFraming('request');
  /** The current request's body. */
  readonly #body: BodyReader;
  // The request under construction.
  #method = '';
  #target = '';
  #parts: TargetParts | null = null;
  #minor = 1;
  #headers = new Hict();
  #expectContinue = false;
  #headBytes = 0;
  #request: Request | null = null;
  /** The body of the current request while it is handed over as it arrives (see {@link Requestant.takeHead}). */
  #stream: RequestBody | null = null;

  constructor(queue: ByteQueue, options: RequestantOptions = {}) {
    this.queue = queue;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#lenient = options.lenient ?? DEFAULT_LENIENCE;
    this.#methods = options.methods ?? null;
    this.#targetChars = this.#lenient.targetChars ? TARGET_LENIENT : this.#lenient.browserChars ? TARGET_BROWSER : TARGET;
    this.#head = new FieldScanner(queue, this.#limits, {
      kind: 'request',
      startLine: true,
      bareLf: this.#lenient.bareLf,
      leadingEmptyLines: this.#limits.maxLeadingEmptyLines,
    });
    this.#body = new BodyReader(queue, this.#limits, { kind: 'request', obsFold: this.#lenient.obsFold });
  }

  /** True once any byte of the current request arrived (its header section is under way or done). */
  get started(): boolean {
    return this.#phase !== Phase.head || this.#head.lines.length > 0 || this.queue.length > 0;
  }

  /** True while the header section is still being read. */
  get readingHead(): boolean {
    return this.#phase === Phase.head;
  }

  /** True while the body of the current request is being read (its head is parsed, its end not yet). */
  get readingBody(): boolean {
    return this.#phase === Phase.body;
  }

  /** Bytes of the current request parsed so far: its header section and body bytes (framing excluded). */
  get received(): number {
    return this.#headBytes + this.#body.received;
  }

  /**
   * Bytes the current request holds in memory: its header section and the
   * body bytes read and not yet taken (for a streamed body, those its
   * reader has not taken yet).
   */
  get held(): number {
    return this.#stream === null ? this.received : this.#headBytes + this.#stream.buffered;
  }

  /** The body of the current request when it is streamed (see {@link Requestant.takeHead}), else null. */
  get stream(): RequestBody | null {
    return this.#stream;
  }

  /** The method of the current request, once its head is parsed. */
  get method(): string {
    return this.#method;
  }

  /** The declared Content-Length of the current request, or -1 (none, or chunked). */
  get declaredLength(): number {
    return this.#framing.length;
  }

  /** Body bytes of the current request received so far. */
  get bodyReceived(): number {
    return this.#body.received;
  }

  /** True when the current request's head asks for 100-continue (HTTP/1.1). */
  get expectContinue(): boolean {
    return this.#expectContinue;
  }

  /** HTTP minor version of the current request (0 or 1), once its head is parsed. */
  get minor(): number {
    return this.#minor;
  }

  /** Advances as far as the queued bytes allow. */
  parse(): Progress {
    try {
      for (;;) {
        switch (this.#phase) {
          case Phase.head:
            if (!this.#head.scan()) return 'more';
            this.#buildHead();
            if ((this.#phase as Phase) !== Phase.done) return 'head';
            break;
          case Phase.body:
            if (!this.#body.read()) {
              if (this.#stream !== null) this.#flow(this.#stream);
              return 'more';
            }
            this.#phase = Phase.done;
            if (this.#stream !== null) {
              this.#flow(this.#stream);
              this.#stream.end();
            }
            break;
          case Phase.done:
            if (this.#request === null) this.#finish();
            return 'done';
          case Phase.failed:
            return 'error';
        }
      }
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.fail(error);
      return 'error';
    }
  }

  /**
   * Tells the parser the peer will send nothing more. A request left
   * incomplete becomes an error (400, HIO_ERR_PREMATURE_CLOSE); returns
   * whether that happened.
   */
  end(): boolean {
    if (this.#phase === Phase.done || this.#phase === Phase.failed || !this.started) return false;
    this.fail(new HttpParseError('HIO_ERR_PREMATURE_CLOSE', 400, 'the connection closed inside a request'));
    return true;
  }

  /** Marks the current request failed with `error` (a deadline passed, a limit the server checks); a streamed body fails with it. */
  fail(error: HttpParseError): void {
    this.error = error;
    this.#phase = Phase.failed;
    this.#stream?.fail(error);
  }

  /**
   * Hands over the current request while its body is still being read: the
   * request comes with an empty `body` and a {@link RequestBody} that later
   * parse calls feed (the bytes read so far are in it already); its trailers
   * fill in when the body ends. `notify` is called when the body's reader
   * wants the steward (see {@link RequestBody}). Once the body is complete
   * parse() says "done" and {@link Requestant.take} returns the same request.
   */
  takeHead(notify: (() => void) | null = null): Request {
    if (this.#phase !== Phase.body || this.#stream !== null) throw bad('no request head to take');
    const stream = new RequestBody(this.#body.trailers, notify);
    this.#stream = stream;
    this.#finish(stream);
    this.#flow(stream);
    return this.#request!;
  }

  /** Moves the body bytes read so far into the streamed body. */
  #flow(stream: RequestBody): void {
    for (const part of this.#body.takeParts()) stream.push(part);
  }

  /** Takes the completed request and makes the parser ready for the next one on the same queue. */
  take(): Request {
    const request = this.#request;
    if (request === null || this.#phase !== Phase.done) throw bad('no complete request to take');
    this.#reset();
    return request;
  }

  #reset(): void {
    this.#phase = Phase.head;
    this.#head.reset();
    this.#framing.reset();
    this.#body.reset();
    this.#method = '';
    this.#target = '';
    this.#parts = null;
    this.#minor = 1;
    this.#headers = new Hict();
    this.#expectContinue = false;
    this.#headBytes = 0;
    this.#request = null;
    this.#stream = null;
  }

  /** Parses the scanned header section from one contiguous view, then decides the framing. */
  #buildHead(): void {
    const headLength = this.#head.length;
    const head = this.queue.peek(headLength);
    const lines = this.#head.lines;
    this.#parseRequestLine(head, lines[1]!);
    const headers = this.#headers;
    parseFields(head, lines, 2, this.#lenient.obsFold, headers, 'request');
    this.queue.consume(headLength);
    this.#headBytes = headLength;
    const framing = this.#framing;
    let hosts = 0;
    let host = '';
    let expect: string | null = null;
    for (let i = 0; i < headers.size; i++) {
      const key = headers.keyAt(i)!;
      // Only five names matter here; the first letters rule out the rest cheaply.
      const initial = key.charCodeAt(0);
      if (initial !== 0x68 && initial !== 0x63 && initial !== 0x74 && initial !== 0x65) continue;
      const value = headers.valueAt(i)!;
      switch (key) {
        case 'host':
          hosts += 1;
          host = value;
          break;
        case 'expect':
          expect = expect === null ? value : `${expect},${value}`;
          break;
        default:
          // Content-Length, Transfer-Encoding, Connection.
          framing.note(key, value);
      }
    }
    const http11 = this.#minor === 1;
    if (http11 && hosts !== 1) throw new HttpParseError('HIO_ERR_BAD_HOST', 400, hosts === 0 ? 'missing Host' : 'repeated Host');
    if (hosts > 1) throw new HttpParseError('HIO_ERR_BAD_HOST', 400, 'repeated Host');
    if (hosts === 1 && !isHostValue(host)) throw new HttpParseError('HIO_ERR_BAD_HOST', 400, 'invalid Host');
    // Checked here, not when a body follows: a bodiless CONNECT must not reach the application either.
    if (this.#methods !== null && !this.#methods.has(this.#method)) {
      throw new HttpParseError('HIO_ERR_NOT_IMPLEMENTED', 501, 'the method is not implemented');
    }
    if (http11 && expect !== null) {
      if (expect.trim().toLowerCase() === '100-continue') this.#expectContinue = true;
      else throw new HttpParseError('HIO_ERR_EXPECTATION', 417, 'unsupported expectation');
    }
    framing.frameRequest(http11);
    if (framing.body === BodyKind.none) {
      this.#phase = Phase.done;
      return;
    }
    this.#body.start(framing.body, framing.length);
    this.#phase = Phase.body;
  }

  #parseRequestLine(head: Buffer, lineEnd: number): void {
    const sp1 = head.indexOf(SP);
    if (sp1 <= 0 || sp1 >= lineEnd) throw bad('request line without a method and target');
    for (let i = 0; i < sp1; i++) if (TCHAR[head[i]!] !== 1) throw bad('the method is not a token');
    const sp2 = head.indexOf(SP, sp1 + 1);
    if (sp2 < 0 || sp2 >= lineEnd) throw bad('request line without an HTTP version');
    if (sp2 === sp1 + 1) throw bad('empty request target');
    const v = sp2 + 1;
    if (
      lineEnd - v !== 8 ||
      head[v] !== 0x48 ||
      head[v + 1] !== 0x54 ||
      head[v + 2] !== 0x54 ||
      head[v + 3] !== 0x50 ||
      head[v + 4] !== 0x2f ||
      head[v + 6] !== 0x2e
    ) {
      throw bad('malformed HTTP version');
    }
    const major = head[v + 5]! - 0x30;
    const minor = head[v + 7]! - 0x30;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) throw bad('malformed HTTP version');
    if (major !== 1) throw new HttpParseError('HIO_ERR_BAD_VERSION', 505, 'only HTTP/1.x is supported');
    this.#minor = minor === 0 ? 0 : 1;
    this.#method = internMethod(head, sp1);
    this.#target = (head as unknown as LatinText).latin1Slice(sp1 + 1, sp2);
    this.#parts = parseTarget(this.#method, this.#target, this.#targetChars, this.#lenient.fragment);
  }

  #finish(stream: RequestBody | null = null): void {
    const parts = this.#parts!;
    this.#request = {
      method: this.#method,
      target: this.#target,
      form: parts.form,
      scheme: parts.scheme,
      authority: parts.authority !== '' ? parts.authority : (this.#headers.get('host') ?? ''),
      path: parts.path,
      query: parts.query,
      fragment: parts.fragment,
      version: this.#minor === 0 ? 'HTTP/1.0' : 'HTTP/1.1',
      headers: this.#headers,
      trailers: this.#body.trailers,
      body: stream === null ? this.#body.takeBody() : EMPTY,
      chunked: this.#framing.body === BodyKind.chunked,
      persisted: this.#framing.persisted,
      expectContinue: this.#expectContinue,
      ...(stream !== null && { bodyStream: stream }),
    };
  }
}

const EMPTY = Buffer.alloc(0);

/** The method as an interned string when it is a standard one (no allocation on the hot path). */
function internMethod(head: Buffer, length: number): string {
  for (const known of KNOWN_METHODS) {
    if (known.length !== length) continue;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (head[i] !== known.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  return head.toString('latin1', 0, length);
}
