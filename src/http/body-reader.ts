/**
 * @module
 * The body reader: a state machine over a connection's {@link ByteQueue}
 * that reads one message body the way its framing says ({@link BodyKind}) —
 * a fixed length, the chunked coding (sizes, extensions, trailers) or, for a
 * response, every byte until the peer closes. Requests and responses share
 * it. The limits of {@link HttpLimits} are enforced as bytes arrive:
 * `maxBodyBytes` on a declared length and on bytes received, `maxChunks`,
 * `maxChunkLineBytes`, and the header limits on the trailer section.
 *
 * Body bytes are moved out of the queue as they arrive, as views of the
 * chunks they came in (no copy), so a large body never holds up reading;
 * they are joined once, when the owner takes the complete body. Chunked
 * framing is strict whatever the tolerances: size lines and trailer lines end
 * in CRLF, sizes are hexadecimal without trailing whitespace, extensions are
 * well-formed (then ignored).
 */
import type { ByteQueue } from '../core/byte-queue.js';
import { HttpParseError } from '../core/errors.js';
import { Hict } from '../core/hict.js';
import { BACKSLASH, CR, FIELD_VALUE, HEX, HTAB, LF, QUOTE, SEMICOLON, SP, TCHAR } from './chars.js';
import { FieldScanner, parseFields, type MessageKind } from './field-lines.js';
import type { HttpLimits } from './limits.js';
import { BodyKind } from './message-framing.js';

const Phase = { done: 0, fixed: 1, chunkSize: 2, chunkData: 3, chunkEnd: 4, trailers: 5, untilClose: 6 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const EMPTY = Buffer.alloc(0);

/** Options of a {@link BodyReader}. */
export interface BodyReaderOptions {
  /** Whose body it reads (the code of a malformed trailer line). */
  readonly kind: MessageKind;
  /** Accept obs-fold in trailer fields, replacing each fold with one space. */
  readonly obsFold: boolean;
}

/**
 * Reads message bodies from one queue, one at a time. Its owner (a
 * Requestant or a Respondent) calls {@link BodyReader.start} once a head is
 * parsed, {@link BodyReader.read} as bytes arrive until it returns true,
 * takes the body and trailers, and calls {@link BodyReader.reset}. Waiting is
 * a return value; malformed or over-limit bytes throw an
 * {@link HttpParseError}, which the owner records and answers "error" with,
 * never calling again before a reset.
 */
export class BodyReader {
  /** Trailer fields of the current chunked body (empty otherwise); a new Hict per body, handed over with it. */
  trailers = new Hict();
  readonly #queue: ByteQueue;
  readonly #limits: HttpLimits;
  readonly #kind: MessageKind;
  readonly #obsFold: boolean;
  readonly #trailerLines: FieldScanner;
  #phase: Phase = Phase.done;
  /** Bytes left of the fixed-length body or of the current chunk. */
  #remaining = 0;
  /** Where the next LF search of a chunk-size line starts. */
  #scan = 0;
  /** The body so far, as views of the chunks it came in. */
  #parts: Buffer[] = [];
  #received = 0;
  #chunks = 0;

  constructor(queue: ByteQueue, limits: HttpLimits, options: BodyReaderOptions) {
    this.#queue = queue;
    this.#limits = limits;
    this.#kind = options.kind;
    this.#obsFold = options.obsFold;
    this.#trailerLines = new FieldScanner(queue, limits, { kind: options.kind, startLine: false, bareLf: false, leadingEmptyLines: 0 });
  }

  /** Body bytes received so far (chunk framing and trailers excluded). */
  get received(): number {
    return this.#received;
  }

  /**
   * Starts reading a body framed as `body`, of `length` bytes when fixed.
   * Throws (413) when a declared length is over `maxBodyBytes`.
   */
  start(body: BodyKind, length: number): void {
    switch (body) {
      case BodyKind.fixed:
        if (length > this.#limits.maxBodyBytes) throw new HttpParseError('HIO_ERR_BODY_TOO_LARGE', 413, 'declared body too large');
        this.#remaining = length;
        this.#phase = length > 0 ? Phase.fixed : Phase.done;
        return;
      case BodyKind.chunked:
        this.#scan = 0;
        this.#phase = Phase.chunkSize;
        return;
      case BodyKind.untilClose:
        this.#phase = Phase.untilClose;
        return;
      default:
        this.#phase = Phase.done;
    }
  }

  /** Advances as far as the queued bytes allow; true once the body is complete (a body read until close: never, see {@link BodyReader.end}). */
  read(): boolean {
    for (;;) {
      switch (this.#phase) {
        case Phase.done:
          return true;
        case Phase.fixed:
          if (!this.#readData(Phase.done)) return false;
          break;
        case Phase.chunkSize:
          if (!this.#readChunkSize()) return false;
          break;
        case Phase.chunkData:
          if (!this.#readData(Phase.chunkEnd)) return false;
          break;
        case Phase.chunkEnd:
          if (!this.#readChunkEnd()) return false;
          break;
        case Phase.trailers:
          if (!this.#readTrailers()) return false;
          break;
        case Phase.untilClose:
          this.#readUntilClose();
          return false;
      }
    }
  }

  /**
   * Tells the reader the peer closed; call after a last {@link BodyReader.read}.
   * Completes a body read until close and returns true; false when the body
   * was cut short (or none was started).
   */
  end(): boolean {
    if (this.#phase !== Phase.untilClose) return false;
    this.#phase = Phase.done;
    return true;
  }

  /** The complete body, joined once (a view when it came in one piece); empty when there was none. */
  takeBody(): Buffer {
    const parts = this.#parts;
    if (parts.length === 0) return EMPTY;
    this.#parts = [];
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#received);
  }

  /** The body bytes read since the last call, as views of the chunks they came in (for a body streamed as it arrives). */
  takeParts(): Buffer[] {
    const parts = this.#parts;
    if (parts.length === 0) return parts;
    this.#parts = [];
    return parts;
  }

  /** Forgets the body, ready for the next message. */
  reset(): void {
    this.trailers = new Hict();
    this.#phase = Phase.done;
    this.#remaining = 0;
    this.#scan = 0;
    if (this.#parts.length > 0) this.#parts = [];
    this.#received = 0;
    this.#chunks = 0;
  }

  #take(count: number): void {
    for (const chunk of this.#queue.takeChunks(count)) this.#parts.push(chunk);
    this.#received += count;
  }

  /**
   * Moves up to `#remaining` body bytes out of the queue; once none remain,
   * goes on to `then` (done for a fixed length, the chunk's CRLF for a chunk).
   */
  #readData(then: Phase): boolean {
    const count = Math.min(this.#queue.length, this.#remaining);
    if (count > 0) {
      this.#take(count);
      this.#remaining -= count;
    }
    if (this.#remaining > 0) return false;
    this.#phase = then;
    return true;
  }

  #readUntilClose(): void {
    const count = this.#queue.length;
    if (count === 0) return;
    if (this.#received + count > this.#limits.maxBodyBytes) throw new HttpParseError('HIO_ERR_BODY_TOO_LARGE', 413, 'body too large');
    this.#take(count);
  }

  #readChunkSize(): boolean {
    const queue = this.#queue;
    const limits = this.#limits;
    const lf = queue.indexOf(LF, this.#scan);
    if (lf < 0) {
      if (queue.length > limits.maxChunkLineBytes) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk-size line too long');
      this.#scan = queue.length;
      return false;
    }
    if (lf > limits.maxChunkLineBytes) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk-size line too long');
    if (lf === 0 || queue.at(lf - 1) !== CR) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk-size line must end in CRLF');
    const size = chunkSize(queue.peek(lf - 1));
    queue.consume(lf + 1);
    this.#scan = 0;
    // The count guards against floods of tiny chunks: chunks averaging a KiB or more are never too many.
    if (size > 0 && ++this.#chunks > limits.maxChunks && this.#chunks * 1024 > this.#received + size) {
      throw new HttpParseError('HIO_ERR_BODY_TOO_LARGE', 413, 'too many chunks');
    }
    if (size === 0) {
      this.#trailerLines.reset();
      this.#phase = Phase.trailers;
      return true;
    }
    if (this.#received + size > limits.maxBodyBytes) throw new HttpParseError('HIO_ERR_BODY_TOO_LARGE', 413, 'chunked body too large');
    this.#remaining = size;
    this.#phase = Phase.chunkData;
    return true;
  }

  #readChunkEnd(): boolean {
    const queue = this.#queue;
    if (queue.length < 2) {
      if (queue.length === 1 && queue.at(0) !== CR) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk data longer than its size');
      return false;
    }
    if (queue.at(0) !== CR || queue.at(1) !== LF) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk data not followed by CRLF');
    queue.consume(2);
    this.#phase = Phase.chunkSize;
    return true;
  }

  #readTrailers(): boolean {
    const scanner = this.#trailerLines;
    if (!scanner.scan()) return false;
    const length = scanner.length;
    if (scanner.lines.length > 0) parseFields(this.#queue.peek(length), scanner.lines, 0, this.#obsFold, this.trailers, this.#kind);
    this.#queue.consume(length);
    this.#phase = Phase.done;
    return true;
  }
}

/**
 * The size of a chunk from its size line (CRLF excluded): 1*HEXDIG, then
 * optional extensions `BWS ";" BWS name [BWS "=" BWS (token / quoted-string)]`,
 * which are checked and ignored. Leading zeros are fine; overflow is not.
 */
function chunkSize(line: Buffer): number {
  let i = 0;
  let size = 0;
  let significant = 0;
  while (i < line.length && HEX[line[i]!] !== 255) {
    if (size > 0 || HEX[line[i]!] !== 0) significant += 1;
    size = size * 16 + HEX[line[i]!]!;
    i += 1;
  }
  if (i === 0) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk size is not hexadecimal');
  if (significant > 12) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'chunk size overflows');
  if (i === line.length) return size;
  // Extensions: only whitespace followed by ";" may come after the size.
  for (;;) {
    const start = i;
    while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
    if (i === line.length) {
      throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, start === i ? 'malformed chunk extension' : 'whitespace after the chunk size');
    }
    if (line[i] !== SEMICOLON) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'malformed chunk size or extension');
    i += 1;
    while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
    const nameStart = i;
    while (i < line.length && TCHAR[line[i]!] === 1) i++;
    if (i === nameStart) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'empty chunk extension name');
    let j = i;
    while (j < line.length && (line[j] === SP || line[j] === HTAB)) j++;
    if (j < line.length && line[j] === 0x3d) {
      i = j + 1;
      while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
      if (i < line.length && line[i] === QUOTE) {
        i += 1;
        for (;;) {
          if (i >= line.length) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'unterminated quoted chunk extension value');
          const byte = line[i]!;
          if (byte === QUOTE) {
            i += 1;
            break;
          }
          if (byte === BACKSLASH) i += 1;
          else if (FIELD_VALUE[byte] !== 1) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'invalid character in a chunk extension');
          i += 1;
        }
      } else {
        const valueStart = i;
        while (i < line.length && TCHAR[line[i]!] === 1) i++;
        if (i === valueStart) throw new HttpParseError('HIO_ERR_BAD_CHUNK', 400, 'empty chunk extension value');
      }
    }
    if (i === line.length) return size;
  }
}
