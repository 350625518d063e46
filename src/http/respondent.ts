/**
 * @module
 * The Respondent: an incremental, strict HTTP/1.1 response parser over a
 * connection's {@link ByteQueue} — the client side's Requestant, built from
 * the same field-lines, framing and body-reader modules, so a response is
 * held to the rules a request is. Each {@link Respondent.parse} call
 * advances as far as the queued bytes allow and returns how far it got:
 * "more", "head" (a final response's head is parsed and a body follows),
 * "done" (a whole response: take it with {@link Respondent.take}) or "error"
 * ({@link Respondent.error}). The result does not depend on how the bytes
 * were split across reads.
 *
 * A response's framing depends on the request it answers, so the parser is
 * told each request's method, in order ({@link Respondent.expect}): an
 * answer to HEAD has no body, a 2xx answer to CONNECT turns the connection
 * into a tunnel. Interim (1xx) responses are whole messages of their own,
 * taken like any other before the final response to the same request; 101
 * Switching Protocols is final and, like a tunnel, ends the HTTP on the
 * connection. A body with neither Content-Length nor Transfer-Encoding
 * lasts until the peer closes ({@link Respondent.end}).
 *
 * Strict by default: a status line other than `HTTP/1.x SSS reason` (three
 * digits, 100–599, the space before the reason required), bare LF, obs-fold,
 * empty lines before the status line, Content-Length with
 * Transfer-Encoding, malformed lengths and chunked framing are errors
 * (HIO_ERR_BAD_RESPONSE for the grammar, the shared codes otherwise);
 * another major version is HIO_ERR_BAD_VERSION. The limits of
 * {@link HttpLimits} apply as they do to requests, `maxRequestLineBytes`
 * bounding the status line.
 */
import type { ByteQueue } from '../core/byte-queue.js';
import { HttpParseError } from '../core/errors.js';
import { Hict } from '../core/hict.js';
import { BodyReader } from './body-reader.js';
import { FIELD_VALUE, SP } from './chars.js';
import { FieldScanner, malformed, parseFields, type LatinText } from './field-lines.js';
import { DEFAULT_LIMITS, type HttpLenience, type HttpLimits } from './limits.js';
import { BodyKind, MessageFraming } from './message-framing.js';
import type { Progress } from './requestant.js';

const EMPTY = Buffer.alloc(0);

const Phase = { head: 0, body: 1, done: 2, switched: 3, failed: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * The tolerances a {@link Respondent} can be given, each off by default:
 * what some servers send that RFC 9112 forbids.
 */
export interface ResponseLenience {
  /** Accept a bare LF as a line end in the head. */
  readonly bareLf: boolean;
  /** Accept obs-fold continuation lines, each fold read as one space. */
  readonly obsFold: boolean;
  /** Accept a status line without the space before an empty reason (`HTTP/1.1 200`). */
  readonly bareStatus: boolean;
  /** Skip up to two empty lines before a status line (left by a server that ended a body with an extra CRLF). */
  readonly leadingEmptyLines: boolean;
}

/** Every response tolerance off: the strict RFC 9112 grammar. */
export const STRICT_RESPONSES: ResponseLenience = Object.freeze({ bareLf: false, obsFold: false, bareStatus: false, leadingEmptyLines: false });

/** Options of a {@link Respondent}. */
export interface RespondentOptions {
  /** Limits; `maxRequestLineBytes` bounds the status line, `maxBodyBytes` a body. */
  readonly limits?: HttpLimits;
  /** Tolerances, by name (default none); an {@link HttpLenience} is accepted for its `bareLf` and `obsFold`. */
  readonly lenient?: Partial<ResponseLenience> | HttpLenience;
  /**
   * The caller streams bodies with {@link Respondent.takeParts}: a taken
   * response's `body` is then empty, its bytes left for takeParts (default
   * false: take() returns the whole body).
   */
  readonly streamBodies?: boolean;
  /**
   * Take every 100 Continue as an interim response, asked for or not (an
   * observer of a connection's answers); default false: a 100 answering a
   * request told without `expectsContinue` is skipped.
   */
  readonly everyContinue?: boolean;
}

/** The tolerances a Respondent applies from its options. */
export function resolveResponseLenience(lenient: Partial<ResponseLenience> | HttpLenience = {}): ResponseLenience {
  const given = lenient as Partial<ResponseLenience>;
  return {
    bareLf: given.bareLf === true,
    obsFold: given.obsFold === true,
    bareStatus: given.bareStatus === true,
    leadingEmptyLines: given.leadingEmptyLines === true,
  };
}

/** The head of a response, once parsed: everything but the body and trailers. */
export interface ResponseHead {
  readonly version: 'HTTP/1.0' | 'HTTP/1.1';
  readonly status: number;
  readonly reason: string;
  readonly headers: Hict;
  /** True when the body comes chunked. */
  readonly chunked: boolean;
  /** True when the connection may carry another response after this one. */
  readonly persisted: boolean;
  /** The body's declared length, or -1 when not declared (chunked, until close) — 0 for no body. */
  readonly length: number;
}

/** A complete response, as a {@link Respondent} produces it. */
export interface ParsedResponse {
  /** "HTTP/1.0" or "HTTP/1.1" (a later 1.x minor reads as 1.1). */
  readonly version: 'HTTP/1.0' | 'HTTP/1.1';
  /** The status code, 100–599. */
  readonly status: number;
  /** The reason phrase as sent (possibly empty); informative only. */
  readonly reason: string;
  /** The method of the request this answers, as told ("GET" when none was). */
  readonly method: string;
  /** Every header field line, in order. */
  readonly headers: Hict;
  /** Trailer fields of a chunked body (empty otherwise). */
  readonly trailers: Hict;
  /** The whole body (empty when there is none). */
  readonly body: Buffer;
  /** True when the body came chunked. */
  readonly chunked: boolean;
  /** True when the connection may carry another response after this one. */
  readonly persisted: boolean;
  /**
   * True when the connection stops carrying HTTP after this response (a 2xx
   * answer to CONNECT, 101 Switching Protocols): the bytes after it are the
   * tunnel's, left in the queue.
   */
  readonly switched: boolean;
}

/** An incremental response parser reading one connection's bytes. */
export class Respondent {
  /** The bytes being parsed; the parser consumes what it has parsed. */
  readonly queue: ByteQueue;
  /** Why parsing failed, once parse() returned "error": its `code` says what was wrong (its `status` is a server's, meaningless here). */
  error: HttpParseError | null = null;
  readonly #lenient: ResponseLenience;
  readonly #streamBodies: boolean;
  readonly #everyContinue: boolean;
  #phase: Phase = Phase.head;
  readonly #head: FieldScanner;
  readonly #framing = new MessageFraming('response');
  readonly #body: BodyReader;
  /** Methods of the requests told and not yet answered by a final response: [#next, length). */
  #methods: string[] = [];
  /** Whether each told request sent `Expect: 100-continue` (a 100 answering any other is skipped). */
  #continues: boolean[] = [];
  #next = 0;
  /** True once the peer closed: nothing more arrives. */
  #ended = false;
  // The response under construction.
  #minor = 1;
  #status = 0;
  #reason = '';
  #headers = new Hict();
  #headBytes = 0;
  #response: ParsedResponse | null = null;

  constructor(queue: ByteQueue, options: RespondentOptions = {}) {
    const limits = options.limits ?? DEFAULT_LIMITS;
    this.queue = queue;
    this.#lenient = resolveResponseLenience(options.lenient);
    this.#streamBodies = options.streamBodies === true;
    this.#everyContinue = options.everyContinue === true;
    // A client tolerates no empty lines before a status line unless told: RFC 9112 §2.2 grants that to servers only.
    const leadingEmptyLines = this.#lenient.leadingEmptyLines ? 2 : 0;
    this.#head = new FieldScanner(queue, limits, { kind: 'response', startLine: true, bareLf: this.#lenient.bareLf, leadingEmptyLines });
    this.#body = new BodyReader(queue, limits, { kind: 'response', obsFold: this.#lenient.obsFold });
  }

  /**
   * Tells the parser a request with this method was sent on the connection;
   * final responses answer the requests told, in order. A response arriving
   * with no request told is read as the answer to a GET (a server's
   * unsolicited 408, say). `expectsContinue` says the request carried
   * `Expect: 100-continue`: a 100 Continue answering a request that did not
   * is skipped (RFC 9110 §15.2.1 lets a client ignore it), never taken.
   */
  expect(method: string, expectsContinue = false): void {
    this.#methods.push(method);
    this.#continues.push(expectsContinue);
  }

  /** Requests told and not yet answered by a final response. */
  get outstanding(): number {
    return this.#methods.length - this.#next;
  }

  /** True once any byte of the current response arrived. */
  get started(): boolean {
    if (this.#phase === Phase.head) return this.#head.lines.length > 0 || this.queue.length > 0;
    return this.#phase !== Phase.switched;
  }

  /** True while the body of the current response is being read (its head is parsed, its end not yet). */
  get readingBody(): boolean {
    return this.#phase === Phase.body;
  }

  /** Bytes of the current response parsed so far: its header section and body bytes (framing excluded). */
  get received(): number {
    return this.#headBytes + this.#body.received;
  }

  /**
   * The head of the current response, once parse() returned "head" or
   * "done" for it (before take()); its headers are the response's own.
   */
  get head(): ResponseHead {
    const framing = this.#framing;
    return {
      version: this.#minor === 0 ? 'HTTP/1.0' : 'HTTP/1.1',
      status: this.#status,
      reason: this.#reason,
      headers: this.#headers,
      chunked: framing.body === BodyKind.chunked,
      persisted: framing.persisted,
      length: framing.body === BodyKind.fixed ? framing.length : framing.body === BodyKind.none ? 0 : -1,
    };
  }

  /**
   * The body bytes parsed since the last call, as views of the chunks they
   * came in, for a caller that streams the body rather than taking it whole:
   * what it takes here is not in the response take() returns.
   */
  takeParts(): Buffer[] {
    return this.#body.takeParts();
  }

  /** The status of the current response, once its head is parsed (else 0). */
  get status(): number {
    return this.#status;
  }

  /** Advances as far as the queued bytes allow. */
  parse(): Progress {
    try {
      for (;;) {
        switch (this.#phase) {
          case Phase.head:
            if (!this.#head.scan()) {
              if (this.#ended && this.started) throw this.#cutShort();
              return 'more';
            }
            this.#buildHead();
            if (this.#status === 100 && !this.#everyContinue && this.#continues[this.#next] !== true) {
              // An unsolicited 100 Continue: nobody waits for it.
              this.#reset(Phase.head);
              break;
            }
            if ((this.#phase as Phase) !== Phase.done) return 'head';
            break;
          case Phase.body:
            if (!this.#body.read()) {
              if (!this.#ended) return 'more';
              if (!this.#body.end()) throw this.#cutShort();
            }
            this.#phase = Phase.done;
            break;
          case Phase.done:
            if (this.#response === null) this.#finish();
            return 'done';
          case Phase.switched:
            // The bytes that follow are not HTTP: leave them in the queue.
            return 'more';
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
   * Tells the parser the peer closed: nothing more will arrive. The next
   * {@link Respondent.parse} completes a body read until close ("done"), and
   * turns a response left incomplete into an error (HIO_ERR_PREMATURE_CLOSE).
   */
  end(): void {
    this.#ended = true;
  }

  /** Marks the current response failed with `error` (a deadline passed, a limit the client checks). */
  fail(error: HttpParseError): void {
    this.error = error;
    this.#phase = Phase.failed;
  }

  /**
   * Takes the completed response and makes the parser ready for the next one
   * on the same queue — none after a switched response. An interim (1xx)
   * response leaves its request waiting for the final one.
   */
  take(): ParsedResponse {
    const response = this.#response;
    if (response === null || this.#phase !== Phase.done) throw malformed('response', 'no complete response to take');
    const interim = response.status < 200 && !response.switched;
    if (!interim && this.#next < this.#methods.length) {
      this.#next += 1;
      if (this.#next === this.#methods.length) {
        this.#methods = [];
        this.#continues = [];
        this.#next = 0;
      }
    }
    this.#reset(response.switched ? Phase.switched : Phase.head);
    return response;
  }

  #reset(phase: Phase): void {
    this.#phase = phase;
    this.#head.reset();
    this.#framing.reset();
    this.#body.reset();
    this.#minor = 1;
    this.#status = 0;
    this.#reason = '';
    this.#headers = new Hict();
    this.#headBytes = 0;
    this.#response = null;
  }

  #cutShort(): HttpParseError {
    return new HttpParseError('HIO_ERR_PREMATURE_CLOSE', 400, 'the connection closed inside a response');
  }

  /** Parses the scanned header section from one contiguous view, then decides the framing. */
  #buildHead(): void {
    const headLength = this.#head.length;
    const head = this.queue.peek(headLength);
    const lines = this.#head.lines;
    const start = lines[0]!;
    // Skipped empty lines (when tolerated) put the status line further in.
    this.#parseStatusLine(start === 0 ? head : head.subarray(start), lines[1]! - start);
    parseFields(head, lines, 2, this.#lenient.obsFold, this.#headers, 'response');
    this.queue.consume(headLength);
    this.#headBytes = headLength;
    const framing = this.#framing;
    framing.gather(this.#headers);
    framing.frameResponse(this.#status, this.#methods[this.#next] ?? 'GET', this.#minor === 1);
    if (framing.body === BodyKind.none) {
      this.#phase = Phase.done;
      return;
    }
    this.#body.start(framing.body, framing.length);
    this.#phase = Phase.body;
  }

  /** `HTTP/1.x SSS reason`: the version, one space, three digits, one space, then any field-value characters. */
  #parseStatusLine(head: Buffer, lineEnd: number): void {
    // `HTTP/1.1 200` with no space and no reason, when tolerated, reads as an empty reason.
    const bare = lineEnd === 12 && this.#lenient.bareStatus;
    if (
      (lineEnd < 13 && !bare) ||
      head[0] !== 0x48 ||
      head[1] !== 0x54 ||
      head[2] !== 0x54 ||
      head[3] !== 0x50 ||
      head[4] !== 0x2f ||
      head[6] !== 0x2e ||
      head[8] !== SP ||
      (head[12] !== SP && !bare)
    ) {
      throw malformed('response', 'malformed status line');
    }
    const major = head[5]! - 0x30;
    const minor = head[7]! - 0x30;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) throw malformed('response', 'malformed HTTP version');
    if (major !== 1) throw new HttpParseError('HIO_ERR_BAD_VERSION', 505, 'only HTTP/1.x is supported');
    let status = 0;
    for (let i = 9; i < 12; i++) {
      const digit = head[i]! - 0x30;
      if (digit < 0 || digit > 9) throw malformed('response', 'the status code is not three digits');
      status = status * 10 + digit;
    }
    if (status < 100 || status > 599) throw malformed('response', 'status code out of range');
    for (let i = 13; i < lineEnd; i++) if (FIELD_VALUE[head[i]!] !== 1) throw malformed('response', 'invalid character in the reason phrase');
    this.#minor = minor === 0 ? 0 : 1;
    this.#status = status;
    this.#reason = bare ? '' : (head as unknown as LatinText).latin1Slice(13, lineEnd);
  }

  #finish(): void {
    const framing = this.#framing;
    this.#response = {
      version: this.#minor === 0 ? 'HTTP/1.0' : 'HTTP/1.1',
      status: this.#status,
      reason: this.#reason,
      method: this.#methods[this.#next] ?? 'GET',
      headers: this.#headers,
      trailers: this.#body.trailers,
      body: this.#streamBodies ? EMPTY : this.#body.takeBody(),
      chunked: framing.body === BodyKind.chunked,
      persisted: framing.persisted,
      switched: framing.switched,
    };
  }
}
