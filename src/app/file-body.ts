/**
 * @module
 * The body of a file answer, made a chunk at a time and only when asked:
 * spans of an open file with bytes between them (a whole file, one range,
 * or the parts of a multipart/byteranges body), optionally compressed on
 * the way with node:zlib. {@link bodyStream} turns one into a
 * ReadableStream that pulls a chunk per read and holds none ahead.
 *
 * A body owns its {@link FileReader}: it closes it when it ends, when a read
 * fails, and when it is closed — after the read under way has settled, so a
 * file is never closed under a pending read.
 */
import { constants as zlibConstants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';
import { FileError, type FileReader } from '../fs/file-source.js';

/** A response body produced one chunk at a time. */
export interface BodySource {
  /** The next chunk, or null once the body is complete. Rejects when the file cannot be read; the body is then closed. */
  next(): Promise<Uint8Array | null>;
  /** Releases the file (and the compressor); harmless more than once, and after the end. */
  close(): void;
  /**
   * Takes back a chunk this body gave out once nothing references it any
   * more (the network copied it): its buffer may be read into again.
   * Chunks it did not make are ignored.
   */
  recycle?(chunk: Uint8Array): void;
}

/** Read buffers a body keeps for reuse: enough for the chunks in flight on one connection. */
const MAX_SPARES = 4;

/** A piece of a body: bytes as they are, or the file's bytes from `start` to `end` inclusive. */
export type Segment = Uint8Array | { readonly start: number; readonly end: number };

/** Spans of an open file and bytes between them, read `chunkSize` bytes at a time. */
export class FileSpans implements BodySource {
  readonly #reader: FileReader;
  readonly #segments: readonly Segment[];
  readonly #chunkSize: number;
  #index = 0;
  /** Buffers this body allocated to read into, and those free again. */
  readonly #owned = new WeakSet<ArrayBufferLike>();
  readonly #spares: Uint8Array[] = [];
  /** The next file position to read in the current span. */
  #position = -1;
  #reading = false;
  #closed = false;
  #released = false;

  constructor(reader: FileReader, segments: readonly Segment[], chunkSize: number) {
    this.#reader = reader;
    this.#segments = segments;
    this.#chunkSize = chunkSize;
  }

  async next(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const segment = this.#segments[this.#index];
    if (segment === undefined) {
      this.close();
      return null;
    }
    if (segment instanceof Uint8Array) {
      this.#index += 1;
      return segment;
    }
    if (this.#position < 0) this.#position = segment.start;
    const length = Math.min(this.#chunkSize, segment.end + 1 - this.#position);
    let bytes: Uint8Array;
    this.#reading = true;
    try {
      bytes = await this.#reader.read(this.#position, length, this.#buffer());
    } catch (error) {
      this.#reading = false;
      this.close();
      throw error;
    }
    this.#reading = false;
    if (this.#closed) {
      this.#release();
      return null;
    }
    // The file ended before the size it was opened with: the body cannot be what the head announced.
    if (bytes.length === 0) {
      this.close();
      throw new FileError('io', 'the file ended before the size it had when it was opened');
    }
    if (bytes.length > length) bytes = bytes.subarray(0, length);
    this.#position += bytes.length;
    if (this.#position > segment.end) {
      this.#index += 1;
      this.#position = -1;
    }
    return bytes;
  }

  close(): void {
    this.#closed = true;
    if (!this.#reading) this.#release();
  }

  recycle(chunk: Uint8Array): void {
    const buffer = chunk.buffer;
    if (this.#closed || this.#spares.length >= MAX_SPARES || !this.#owned.has(buffer)) return;
    this.#spares.push(new Uint8Array(buffer, 0, this.#chunkSize));
  }

  /** A buffer of chunkSize bytes to read into: a spare one, else a new one (not zero-filled: only what is read is given out). */
  #buffer(): Uint8Array {
    const spare = this.#spares.pop();
    if (spare !== undefined) return spare;
    const buffer: Uint8Array = Buffer.allocUnsafeSlow(this.#chunkSize);
    this.#owned.add(buffer.buffer);
    return buffer;
  }

  /** Closes the file once; a failure to close is the file system's, not the response's. */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#reader.close().catch(ignore);
  }
}

/** The codings the server can compress with on the fly. */
export type ContentCoding = 'br' | 'gzip';

/**
 * A body compressed on the way: each chunk of `inner` goes through a zlib
 * stream (gzip at its default level, or brotli at quality 5, a rate fit for
 * answering while the client waits), and what it gives back is handed out
 * as it comes. One input chunk is in the compressor at a time.
 */
export class CompressedBody implements BodySource {
  readonly #inner: BodySource;
  readonly #zlib: Gzip | BrotliCompress;
  readonly #output: Uint8Array[] = [];
  #failure: { readonly error: unknown } | null = null;
  #finished = false;
  #closed = false;

  constructor(inner: BodySource, coding: ContentCoding, size: number) {
    this.#inner = inner;
    this.#zlib =
      coding === 'gzip'
        ? createGzip()
        : createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size } });
    this.#zlib.on('data', (chunk: Buffer) => this.#output.push(chunk));
    this.#zlib.on('error', (error: unknown) => {
      this.#failure ??= { error };
    });
  }

  async next(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#closed) return null;
      if (this.#failure !== null) {
        this.close();
        throw this.#failure.error;
      }
      const ready = this.#output.shift();
      if (ready !== undefined) return ready;
      if (this.#finished) {
        this.close();
        return null;
      }
      let chunk: Uint8Array | null;
      try {
        chunk = await this.#inner.next();
      } catch (error) {
        this.close();
        throw error;
      }
      if (chunk === null) await this.#finish();
      else await this.#compress(chunk);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inner.close();
    this.#zlib.destroy();
  }

  /** Feeds one chunk; settles once the compressor has taken it (its output, if any, is in #output by then or soon after). */
  #compress(chunk: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      this.#zlib.write(chunk, (error) => {
        if (error !== undefined && error !== null) this.#failure ??= { error };
        resolve();
      });
    });
  }

  /** Ends the compressed stream; settles once its last bytes are out (or it failed). */
  #finish(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#finished = true;
        resolve();
      };
      this.#zlib.once('end', done);
      this.#zlib.once('error', done);
      // Closed meanwhile: the stream is destroyed and will not end.
      this.#zlib.once('close', done);
      // 'end' comes only once the output is read: it is, as it comes ('data' listener).
      this.#zlib.end();
    });
  }
}

/**
 * A ReadableStream over a body: one chunk is read ahead of the consumer
 * (highWaterMark 1), so the next file read overlaps the socket write of the
 * last; a slow reader costs one chunk more than the writer holds. The body is closed when it ends,
 * fails (erroring the stream) or the stream is cancelled.
 */
export function bodyStream(body: BodySource): ReadableStream<Uint8Array> {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Uint8Array | null;
        try {
          chunk = await body.next();
        } catch (error) {
          body.close();
          if (!cancelled) controller.error(error);
          return;
        }
        if (cancelled) return;
        if (chunk === null) {
          body.close();
          controller.close();
        } else controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
        body.close();
      },
    },
    { highWaterMark: 1 },
  );
  if (body.recycle !== undefined) RECYCLERS.set(stream, (chunk) => body.recycle!(chunk));
  return stream;
}

/**
 * Chunks written to a connection that copies what it sends (a socket),
 * each held until the connection's txWritten passes the mark taken right
 * after writing it; then its buffer goes back to the body to be read into
 * again.
 */
export class ChunksInFlight {
  readonly #recycle: (chunk: Uint8Array) => void;
  /** Chunk, mark, chunk, mark, … in the order written. */
  readonly #items: Array<Uint8Array | number> = [];

  constructor(recycle: (chunk: Uint8Array) => void) {
    this.#recycle = recycle;
  }

  /** A chunk just written through `writer`: it is out once the connection's txWritten reaches what is queued now. */
  add(chunk: Uint8Array, writer: { readonly txWritten: number; readonly pending: number }): void {
    this.#items.push(chunk, writer.txWritten + writer.pending);
  }

  /** Hands back every chunk whose mark `written` (the connection's txWritten) has reached. */
  release(written: number): void {
    const items = this.#items;
    let done = 0;
    while (done < items.length && written >= (items[done + 1] as number)) {
      this.#recycle(items[done] as Uint8Array);
      done += 2;
    }
    if (done > 0) items.splice(0, done);
  }
}

const RECYCLERS = new WeakMap<ReadableStream<Uint8Array>, (chunk: Uint8Array) => void>();

/**
 * For a stream made by {@link bodyStream}: what takes its chunks back for
 * reuse once the network copied them (the responder that writes them knows
 * when); null for any other stream.
 */
export function recyclerOf(stream: ReadableStream<Uint8Array>): ((chunk: Uint8Array) => void) | null {
  return RECYCLERS.get(stream) ?? null;
}

/** A body with nothing in it, for an answer to HEAD that announces a body of unknown length. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

function ignore(): void {}
