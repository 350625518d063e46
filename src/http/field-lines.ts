/**
 * @module
 * Field lines (RFC 9112 §2.2 and §5, RFC 9110 §5.5): finding the lines of a
 * header or trailer section as its bytes arrive, and parsing them into a
 * {@link Hict}. Requests and responses share it — the start line differs,
 * the field lines do not. A {@link FieldScanner} records where each line
 * lies (LF positions only, nothing copied), checking the line and section
 * limits on the way; once the empty line ending the section is in, the owner
 * parses the section once, from one contiguous view, with
 * {@link parseFields}.
 *
 * Strict by default: a bare LF, obs-fold, whitespace before a colon, a name
 * that is not a token and a control character in a value are errors; the
 * first two each have a tolerance ({@link HttpLenience}), trailers never
 * accept a bare LF.
 */
import type { ByteQueue } from '../core/byte-queue.js';
import { HttpParseError } from '../core/errors.js';
import type { Hict } from '../core/hict.js';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TCHAR } from './chars.js';
import type { HttpLimits } from './limits.js';

/** Which way a message goes: it decides the error code of a malformed one. */
export type MessageKind = 'request' | 'response';

/** A message that breaks the HTTP/1.1 grammar: HIO_ERR_BAD_REQUEST or HIO_ERR_BAD_RESPONSE, status 400. */
export function malformed(kind: MessageKind, message: string): HttpParseError {
  return new HttpParseError(kind === 'request' ? 'HIO_ERR_BAD_REQUEST' : 'HIO_ERR_BAD_RESPONSE', 400, message);
}

/** Buffer's own latin1 slicer: the fast path behind toString('latin1', start, end). */
export interface LatinText {
  latin1Slice(start: number, end: number): string;
}

/** What a {@link FieldScanner} scans and how tolerantly. */
export interface FieldScannerOptions {
  /** Whose section it is (the code of a grammar error). */
  readonly kind: MessageKind;
  /**
   * True for a head: a start line (request or status line, limited by
   * `maxRequestLineBytes`) comes first. False for a trailer section.
   */
  readonly startLine: boolean;
  /** Accept a bare LF as a line end (heads only; a trailer line must end in CRLF whatever this says). */
  readonly bareLf: boolean;
  /** Empty lines skipped before a start line (RFC 9112 §2.2 lets a server ignore a few; a client none). */
  readonly leadingEmptyLines: number;
}

/**
 * Finds the lines of one header or trailer section in a queue as its bytes
 * arrive. Positions are queue indexes, valid until the owner consumes the
 * section: {@link FieldScanner.scan} returns true once the empty line is in,
 * the owner parses `lines` from a view of the first {@link FieldScanner.length}
 * bytes, consumes them and calls {@link FieldScanner.reset} before the next
 * section. Over-limit and malformed lines throw an {@link HttpParseError},
 * which the owning parser records.
 */
export class FieldScanner {
  readonly #queue: ByteQueue;
  readonly #limits: HttpLimits;
  readonly #kind: MessageKind;
  readonly #startLine: boolean;
  readonly #bareLf: boolean;
  readonly #leadingEmptyLines: number;
  /** Where the next LF search starts, so bytes are looked at once. */
  #scan = 0;
  #lineStart = 0;
  /** Where the section's byte budget starts: the start line's end, or 0 for trailers. */
  #base = 0;
  #emptyLines = 0;
  #lines: number[] = [];

  constructor(queue: ByteQueue, limits: HttpLimits, options: FieldScannerOptions) {
    this.#queue = queue;
    this.#limits = limits;
    this.#kind = options.kind;
    this.#startLine = options.startLine;
    this.#bareLf = options.bareLf && options.startLine;
    this.#leadingEmptyLines = options.leadingEmptyLines;
  }

  /**
   * [start, end) queue indexes of each line found, CRLF excluded, two
   * numbers per line; for a head the start line's come first. A new array
   * after each reset.
   */
  get lines(): readonly number[] {
    return this.#lines;
  }

  /** Bytes of the section, its empty last line included, once {@link FieldScanner.scan} returned true. */
  get length(): number {
    return this.#lineStart;
  }

  /** Forgets the section, ready for the next one at the queue's start. */
  reset(): void {
    // A fresh array costs less than truncating one (a runtime call in V8).
    if (this.#lines.length > 0) this.#lines = [];
    this.#scan = 0;
    this.#lineStart = 0;
    this.#base = 0;
    this.#emptyLines = 0;
  }

  /**
   * Finds the lines that arrived since the last call; true once the empty
   * line ending the section is in. Empty lines before a start line are
   * consumed from the queue (up to `leadingEmptyLines`).
   */
  scan(): boolean {
    const queue = this.#queue;
    const limits = this.#limits;
    const lines = this.#lines;
    for (;;) {
      const lf = queue.indexOf(LF, this.#scan);
      if (lf < 0) {
        if (this.#startLine && lines.length === 0) {
          if (queue.length - this.#lineStart > limits.maxRequestLineBytes + 1) throw this.#lineTooLong();
        } else if (queue.length - this.#base > limits.maxHeaderBytes + 2) {
          throw this.#tooLarge();
        }
        this.#scan = queue.length;
        return false;
      }
      let end = lf;
      if (lf > this.#lineStart && queue.at(lf - 1) === CR) end = lf - 1;
      else if (!this.#bareLf) {
        throw this.#startLine ? malformed(this.#kind, 'bare LF line ending') : new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'trailer line must end in CRLF');
      }
      const length = end - this.#lineStart;
      this.#scan = lf + 1;
      if (this.#startLine && lines.length === 0) {
        if (length === 0) {
          if (++this.#emptyLines > this.#leadingEmptyLines) throw malformed(this.#kind, `too many empty lines before the ${this.#startLineName()}`);
          queue.consume(lf + 1);
          this.#scan = 0;
          this.#lineStart = 0;
          continue;
        }
        if (length > limits.maxRequestLineBytes) throw this.#lineTooLong();
        this.#base = end;
      } else {
        if (length === 0) {
          this.#lineStart = lf + 1;
          return true;
        }
        const fields = this.#startLine ? (lines.length >> 1) - 1 : lines.length >> 1;
        if (fields >= limits.maxHeaders) {
          throw new HttpParseError('HIO_ERR_TOO_MANY_HEADERS', 431, `too many ${this.#startLine ? 'header' : 'trailer'} fields`);
        }
        if (end - this.#base > limits.maxHeaderBytes) throw this.#tooLarge();
      }
      lines.push(this.#lineStart, end);
      this.#lineStart = lf + 1;
    }
  }

  #startLineName(): string {
    return this.#kind === 'request' ? 'request line' : 'status line';
  }

  #lineTooLong(): HttpParseError {
    return new HttpParseError('HIO_ERR_LINE_TOO_LONG', 414, `${this.#startLineName()} too long`);
  }

  #tooLarge(): HttpParseError {
    return new HttpParseError('HIO_ERR_HEADERS_TOO_LARGE', 431, `${this.#startLine ? 'header' : 'trailer'} section too large`);
  }
}

/**
 * Parses field lines given as [start, end) pairs of `section` (from pair
 * index `from`) into `into`. Whitespace before the colon, a non-token name,
 * a line without a colon, invalid value characters and obs-fold (unless
 * tolerated: then joined with one space) are errors of `kind`.
 */
export function parseFields(section: Buffer, lines: readonly number[], from: number, obsFold: boolean, into: Hict, kind: MessageKind): void {
  const text = section as unknown as LatinText;
  for (let k = from; k < lines.length; k += 2) {
    const start = lines[k]!;
    const end = lines[k + 1]!;
    const first = section[start]!;
    if (first === SP || first === HTAB) {
      if (!obsFold || into.size === 0) throw malformed(kind, 'obs-fold line folding');
      const [valueStart, valueEnd] = trimmed(section, start, end);
      checkValue(section, valueStart, valueEnd, kind);
      into.extendLast(` ${text.latin1Slice(valueStart, valueEnd)}`);
      continue;
    }
    const colon = section.indexOf(COLON, start);
    if (colon < 0 || colon >= end) throw malformed(kind, 'field line without a colon');
    if (colon === start) throw malformed(kind, 'empty field name');
    let lower = true;
    for (let i = start; i < colon; i++) {
      const byte = section[i]!;
      if (TCHAR[byte] !== 1) throw malformed(kind, 'the field name is not a token');
      if (byte >= 0x41 && byte <= 0x5a) lower = false;
    }
    const [valueStart, valueEnd] = trimmed(section, colon + 1, end);
    checkValue(section, valueStart, valueEnd, kind);
    const name = text.latin1Slice(start, colon);
    into.addKeyed(name, lower ? name : name.toLowerCase(), text.latin1Slice(valueStart, valueEnd));
  }
}

/** The [start, end) of a field value without its surrounding optional whitespace (SP, HTAB). */
export function trimmed(section: Buffer, start: number, end: number): [number, number] {
  while (start < end && (section[start] === SP || section[start] === HTAB)) start++;
  while (end > start && (section[end - 1] === SP || section[end - 1] === HTAB)) end--;
  return [start, end];
}

/** Checks that bytes [start, end) may stand in a field value (HTAB, SP, VCHAR, obs-text); else an error of `kind`. */
export function checkValue(section: Buffer, start: number, end: number, kind: MessageKind): void {
  for (let i = start; i < end; i++) if (FIELD_VALUE[section[i]!] !== 1) throw malformed(kind, 'invalid character in a field value');
}
