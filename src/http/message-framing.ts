/**
 * @module
 * Message framing (RFC 9112 §6): how a message's body is delimited, decided
 * from its head's Content-Length, Transfer-Encoding and Connection fields,
 * and whether the connection carries another message after it. Requests and
 * responses share the field rules and differ only in the decision:
 *
 * - a request (§6.3 items 3–6) has a chunked body, a body of its
 *   Content-Length, or none;
 * - a response (§6.3 items 1–7) has no body when it answers HEAD or is 1xx,
 *   204 or 304; none when it is a 2xx answer to CONNECT (the connection
 *   becomes a tunnel; 101 likewise switches protocols); else a chunked body,
 *   a body of its Content-Length, or one read until the connection closes.
 *
 * Strict in both directions: Content-Length together with Transfer-Encoding,
 * Transfer-Encoding in HTTP/1.0, chunked anywhere but last (or twice), a
 * malformed or conflicting Content-Length are errors; a coding other than
 * chunked is not implemented (501).
 */
import { HttpParseError } from '../core/errors.js';
import type { Hict } from '../core/hict.js';
import { malformed, type MessageKind } from './field-lines.js';

/** How a message body is delimited. */
export const BodyKind = {
  /** No body. */
  none: 0,
  /** Exactly `length` bytes (> 0). */
  fixed: 1,
  /** The chunked transfer coding, trailers included. */
  chunked: 2,
  /** Every byte until the peer closes (responses only). */
  untilClose: 3,
} as const;
/** One of {@link BodyKind}. */
export type BodyKind = (typeof BodyKind)[keyof typeof BodyKind];

/**
 * The framing of one message at a time. The owning parser hands it the
 * head's framing fields ({@link MessageFraming.note} or
 * {@link MessageFraming.gather}), asks for a decision
 * ({@link MessageFraming.frameRequest} or {@link MessageFraming.frameResponse}),
 * reads `body`, `length` and `persisted`, and resets it for the next message.
 * A decision that breaks the rules throws an {@link HttpParseError}, which
 * the owner records. One object per parser: nothing is allocated per message.
 */
export class MessageFraming {
  /** How the body is delimited, once decided. */
  body: BodyKind = BodyKind.none;
  /** The declared Content-Length in bytes, or -1 (none, or chunked). */
  length = -1;
  /** True when the connection may carry another message after this one. */
  persisted = true;
  /**
   * True when the connection stops carrying HTTP after this response: a
   * 2xx answer to CONNECT (a tunnel) or 101 Switching Protocols.
   */
  switched = false;
  readonly #kind: MessageKind;
  #lengths: string[] = [];
  #codings: string[] = [];
  #connection = '';

  constructor(kind: MessageKind) {
    this.#kind = kind;
  }

  /** Forgets the message, ready for the next one. */
  reset(): void {
    this.body = BodyKind.none;
    this.length = -1;
    this.persisted = true;
    this.switched = false;
    // Fresh arrays cost less than truncating (a runtime call in V8), and are rarely needed.
    if (this.#lengths.length > 0) this.#lengths = [];
    if (this.#codings.length > 0) this.#codings = [];
    this.#connection = '';
  }

  /** Takes one header field (its lower-case name) when framing depends on it; other fields are ignored. */
  note(key: string, value: string): void {
    switch (key) {
      case 'content-length':
        this.#lengths.push(value);
        break;
      case 'transfer-encoding':
        this.#codings.push(value);
        break;
      case 'connection':
        this.#connection = this.#connection === '' ? value : `${this.#connection},${value}`;
        break;
    }
  }

  /** Takes the framing fields of a whole header section. */
  gather(headers: Hict): void {
    for (let i = 0; i < headers.size; i++) {
      const key = headers.keyAt(i)!;
      // Only three names matter; their first letters rule out the rest cheaply.
      const initial = key.charCodeAt(0);
      if (initial === 0x63 || initial === 0x74) this.note(key, headers.valueAt(i)!);
    }
  }

  /** Decides the framing of a request (RFC 9112 §6.3): chunked, a Content-Length, or no body. */
  frameRequest(http11: boolean): void {
    const chunked = this.#checkFields(http11);
    this.persisted = persistence(this.#connection, http11);
    this.body = chunked ? BodyKind.chunked : this.length > 0 ? BodyKind.fixed : BodyKind.none;
  }

  /**
   * Decides the framing of a response (RFC 9112 §6.3) with status `status`
   * answering a request with method `method`. The framing fields are checked
   * even when the status or method means no body.
   */
  frameResponse(status: number, method: string, http11: boolean): void {
    const chunked = this.#checkFields(http11);
    this.persisted = persistence(this.#connection, http11);
    if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) {
      // What follows the head belongs to the tunnel or the new protocol.
      this.switched = true;
      this.persisted = false;
      this.body = BodyKind.none;
    } else if (method === 'HEAD' || status < 200 || status === 204 || status === 304) {
      this.body = BodyKind.none;
    } else if (chunked) {
      this.body = BodyKind.chunked;
    } else if (this.length >= 0) {
      this.body = this.length > 0 ? BodyKind.fixed : BodyKind.none;
    } else {
      this.body = BodyKind.untilClose;
      this.persisted = false;
    }
  }

  /** Checks Transfer-Encoding and Content-Length against each other and the version; sets `length`; true when chunked. */
  #checkFields(http11: boolean): boolean {
    if (this.#codings.length > 0) {
      if (!http11) throw malformed(this.#kind, `Transfer-Encoding in an HTTP/1.0 ${this.#kind}`);
      if (this.#lengths.length > 0) throw new HttpParseError('HIO_ERR_BAD_LENGTH', 400, 'both Content-Length and Transfer-Encoding');
      checkCodings(this.#codings, this.#kind);
      return true;
    }
    if (this.#lengths.length > 0) this.length = contentLength(this.#lengths);
    return false;
  }
}

/** Connection persistence: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
function persistence(connection: string, http11: boolean): boolean {
  if (connection === '') return http11;
  // The usual single tokens, without splitting.
  if (connection.length === 5 && connection.toLowerCase() === 'close') return false;
  if (connection.length === 10 && connection.toLowerCase() === 'keep-alive') return true;
  let close = false;
  let keepAlive = false;
  for (const option of connection.split(',')) {
    const token = option.trim().toLowerCase();
    if (token === 'close') close = true;
    else if (token === 'keep-alive') keepAlive = true;
  }
  if (close) return false;
  return http11 || keepAlive;
}

/**
 * Checks the transfer codings of a message: chunked must be last and once
 * (400); other codings are not implemented (501). A response's other coding
 * is reported first: its framing would be valid (read until close), only
 * undecodable here.
 */
function checkCodings(values: readonly string[], kind: MessageKind): void {
  const codings: string[] = [];
  for (const value of values) {
    for (const element of value.split(',')) {
      const coding = element.split(';')[0]!.trim().toLowerCase();
      if (coding === '' && element.trim() === '') continue;
      if (coding === '' || !/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(coding)) throw malformed(kind, 'invalid transfer coding');
      codings.push(coding);
    }
  }
  if (kind === 'response') checkOnlyChunked(codings);
  const chunkedAt = codings.indexOf('chunked');
  // Without chunked last (once), the body length cannot be known: 400 (RFC 9112 §6.3).
  if (chunkedAt < 0 || chunkedAt !== codings.length - 1 || codings.lastIndexOf('chunked') !== chunkedAt) {
    throw new HttpParseError('HIO_ERR_BAD_LENGTH', 400, 'chunked must be the last transfer coding, once');
  }
  checkOnlyChunked(codings);
}

function checkOnlyChunked(codings: readonly string[]): void {
  for (const coding of codings) {
    if (coding !== 'chunked') throw new HttpParseError('HIO_ERR_NOT_IMPLEMENTED', 501, 'a transfer coding other than chunked is not implemented');
  }
}

/** The Content-Length: every value (and list element) the same run of digits; else 400. */
function contentLength(values: readonly string[]): number {
  let length = -1;
  for (const value of values) {
    for (const element of value.split(',')) {
      const digits = element.trim();
      if (!/^[0-9]+$/.test(digits)) throw new HttpParseError('HIO_ERR_BAD_LENGTH', 400, 'invalid Content-Length');
      const parsed = digits.length > 15 ? Infinity : Number(digits);
      if (!Number.isSafeInteger(parsed)) throw new HttpParseError('HIO_ERR_BAD_LENGTH', 400, 'Content-Length too large');
      if (length >= 0 && parsed !== length) throw new HttpParseError('HIO_ERR_BAD_LENGTH', 400, 'conflicting Content-Length values');
      length = parsed;
    }
  }
  return length;
}
