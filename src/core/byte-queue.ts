/**
 * @module
 * The ByteQueue: received bytes as a queue of chunks. Appending never copies
 * or concatenates; reading works across chunk boundaries — {@link ByteQueue.indexOf}
 * finds a pattern that straddles chunks, {@link ByteQueue.peek} returns a
 * view when the bytes lie in one chunk and copies only when they span
 * several. One owner per queue: the transport appends during its receive
 * service, the parser reading it consumes.
 *
 * The chunks pushed are kept by reference: the pusher hands ownership over
 * and must not modify them afterwards.
 */
import { HioError } from './errors.js';

const EMPTY = Buffer.alloc(0);

/** A FIFO of bytes stored as the chunks they arrived in. */
export class ByteQueue {
  /** Chunk slots; [#head, #count) hold bytes. Slots are reused, never shrunk: no reallocation per drain. */
  #chunks: Buffer[] = [];
  #count = 0;
  /** Index in #chunks of the first chunk still holding bytes. */
  #head = 0;
  /** Bytes of the head chunk already consumed. */
  #offset = 0;
  #length = 0;
  /** Cursor cache: the chunk index and queue index of its first unconsumed byte, from the last lookup. */
  #cursorChunk = 0;
  #cursorBase = 0;

  /** Number of bytes queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk by reference (no copy). Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.#count < this.#chunks.length) this.#chunks[this.#count] = buffer;
    else this.#chunks.push(buffer);
    this.#count += 1;
    this.#length += chunk.length;
  }

  /** The byte at `index` (0 = the oldest queued byte), or -1 past the end. */
  at(index: number): number {
    if (index < 0 || index >= this.#length) return -1;
    const i = this.#locate(index);
    const skip = i === this.#head ? this.#offset : 0;
    return this.#chunks[i]![skip + index - this.#cursorBase]!;
  }

  /**
   * The index of the chunk holding queue index `index` (< length), leaving
   * the cursor on it. Lookups moving forward start from the cursor, so
   * scanning a queue of many small chunks stays linear.
   */
  #locate(index: number): number {
    let i = this.#cursorChunk;
    let base = this.#cursorBase;
    if (i < this.#head || index < base) {
      i = this.#head;
      base = 0;
    }
    for (;;) {
      const chunk = this.#chunks[i]!;
      const size = chunk.length - (i === this.#head ? this.#offset : 0);
      if (index < base + size) break;
      base += size;
      i += 1;
    }
    this.#cursorChunk = i;
    this.#cursorBase = base;
    return i;
  }

  /**
   * The index of the first occurrence of `pattern` (a byte value or a byte
   * sequence) at or after `from`, across chunk boundaries, or -1.
   */
  indexOf(pattern: number | Uint8Array, from = 0): number {
    const needle = typeof pattern === 'number' ? pattern : pattern.length === 1 ? pattern[0]! : pattern;
    if (typeof needle !== 'number' && needle.length === 0) return Math.min(Math.max(from, 0), this.#length);
    if (from < 0) from = 0;
    if (from >= this.#length) return -1;
    const first = this.#locate(from);
    let base = this.#cursorBase; // queue index of the current chunk's first unconsumed byte
    for (let i = first; i < this.#count; i++) {
      const chunk = this.#chunks[i]!;
      const skip = i === this.#head ? this.#offset : 0;
      const size = chunk.length - skip;
      if (from < base + size) {
        const start = skip + Math.max(0, from - base);
        const found = chunk.indexOf(needle, start);
        if (found >= 0) return base + found - skip;
        if (typeof needle !== 'number') {
          // A match may begin in this chunk's last bytes and end in later chunks.
          const first = Math.max(start, chunk.length - needle.length + 1);
          for (let p = first; p < chunk.length; p++) {
            if (this.#matchesAt(base + p - skip, needle)) return base + p - skip;
          }
        }
      }
      base += size;
    }
    return -1;
  }

  /**
   * The first `count` bytes (default all) without consuming them: a view into
   * the head chunk when they lie within it, else a copy. Throws
   * `HIO_ERR_BYTE_RANGE` when fewer bytes are queued.
   */
  peek(count: number = this.#length): Buffer {
    this.#checkCount(count);
    if (count === 0) return EMPTY;
    const head = this.#chunks[this.#head]!;
    if (this.#offset === 0 && count === head.length) return head;
    if (this.#offset + count <= head.length) return head.subarray(this.#offset, this.#offset + count);
    const copy = Buffer.allocUnsafe(count);
    let written = 0;
    for (let i = this.#head; written < count; i++) {
      const chunk = this.#chunks[i]!;
      const start = i === this.#head ? this.#offset : 0;
      const end = Math.min(chunk.length, start + count - written);
      copy.set(chunk.subarray(start, end), written);
      written += end - start;
    }
    return copy;
  }

  /** Drops the first `count` bytes. Throws `HIO_ERR_BYTE_RANGE` when fewer are queued. */
  consume(count: number): void {
    this.#checkCount(count);
    this.#length -= count;
    let remaining = count + this.#offset;
    while (remaining > 0) {
      const chunk = this.#chunks[this.#head]!;
      if (remaining < chunk.length) break;
      remaining -= chunk.length;
      this.#chunks[this.#head] = EMPTY;
      this.#head += 1;
    }
    this.#offset = remaining;
    // Queue indexes shift down by `count`: reset the cursor to the head.
    this.#cursorChunk = this.#head;
    this.#cursorBase = 0;
    this.#compact();
  }

  /** Removes and returns the first `count` bytes (a view when they lie in one chunk). */
  take(count: number): Buffer {
    const bytes = this.peek(count);
    this.consume(count);
    return bytes;
  }

  /**
   * Removes up to `limit` bytes and returns them as chunk views, without
   * copying: for passing bytes on (an echo, a proxy) unchanged.
   */
  takeChunks(limit: number = this.#length): Buffer[] {
    const taken: Buffer[] = [];
    let wanted = Math.min(limit, this.#length);
    while (wanted > 0) {
      const chunk = this.#chunks[this.#head]!;
      const available = chunk.length - this.#offset;
      const size = Math.min(available, wanted);
      taken.push(this.#offset === 0 && size === chunk.length ? chunk : chunk.subarray(this.#offset, this.#offset + size));
      this.consume(size);
      wanted -= size;
    }
    return taken;
  }

  /** Drops every queued byte. */
  clear(): void {
    this.#chunks.fill(EMPTY, this.#head, this.#count);
    this.#count = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#length = 0;
    this.#cursorChunk = 0;
    this.#cursorBase = 0;
  }

  #matchesAt(index: number, needle: Uint8Array): boolean {
    if (index + needle.length > this.#length) return false;
    for (let k = 0; k < needle.length; k++) {
      if (this.at(index + k) !== needle[k]) return false;
    }
    return true;
  }

  #checkCount(count: number): void {
    if (!Number.isInteger(count) || count < 0 || count > this.#length) {
      throw new HioError('HIO_ERR_BYTE_RANGE', `asked for ${count} bytes of ${this.#length}`);
    }
  }

  /** Reuses the slots once everything is consumed; moves the live slots down once the consumed ones dominate. */
  #compact(): void {
    if (this.#head === this.#count) {
      this.#head = 0;
      this.#count = 0;
      this.#cursorChunk = 0;
    } else if (this.#head >= 32 && this.#head * 2 >= this.#count) {
      const live = this.#count - this.#head;
      this.#chunks.copyWithin(0, this.#head, this.#count);
      this.#chunks.fill(EMPTY, live, this.#count);
      this.#head = 0;
      this.#count = live;
      this.#cursorChunk = 0;
    }
  }
}
