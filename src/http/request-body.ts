/**
 * @module
 * The RequestBody: a request body handed to the application while it is
 * still arriving. The steward starts answering a request as soon as its
 * head is parsed when the server streams bodies (`streamBodies`), and the
 * body's bytes then flow through one of these: the parser pushes them as
 * they are read, the application takes them as it wants them.
 *
 * Memory stays bounded: the bytes pushed and not yet taken count against
 * the connection's `maxBufferedBytes`, and once the connection holds that
 * much the steward stops reading (the transport then pauses the socket)
 * until the application takes some. The first time the application asks
 * for bytes the steward is told ({@link RequestBody.wanted}), which is when
 * a client that sent `Expect: 100-continue` gets its 100. A body the
 * application never finishes reading is discarded (up to a cap) once the
 * response is complete; one that fails (a limit, a timeout, the client
 * going away) rejects whoever waits on it.
 */
import { HioError } from '../core/errors.js';
import type { Hict } from '../core/hict.js';

const EMPTY: readonly Buffer[] = [];

/** A request body arriving in pieces, read by the application as it comes. */
export class RequestBody {
  /** The trailer fields of a chunked body, filled once it ends. */
  readonly trailers: Hict;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #received = 0;
  #ended = false;
  #error: Error | null = null;
  #wanted = false;
  #discarding = false;
  #blocked = false;
  #waiters: Array<() => void> = [];
  /** Told when the application first asks for bytes, and when it takes bytes the producer waits to make room for. */
  #notify: (() => void) | null;

  /** `notify` is called (between passes) when the steward has something to do for this body. */
  constructor(trailers: Hict, notify: (() => void) | null = null) {
    this.trailers = trailers;
    this.#notify = notify;
  }

  /** Body bytes pushed and not yet taken. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Body bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** True once the whole body arrived (it may still hold bytes not taken). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Why the body failed, or null. */
  get error(): Error | null {
    return this.#error;
  }

  /** True once the application asked for the body. */
  get wanted(): boolean {
    return this.#wanted;
  }

  /** True once nobody will read the rest: bytes pushed from now on are dropped. */
  get discarding(): boolean {
    return this.#discarding;
  }

  // The producer's side: the steward and its parser.

  /** Adds body bytes, as read. */
  push(chunk: Buffer): void {
    if (this.#ended) return;
    this.#received += chunk.length;
    if (this.#discarding || this.#error !== null) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#settle();
  }

  /** The whole body arrived. */
  end(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    this.#settle();
  }

  /** The body will not complete: bytes not taken are dropped and whoever waits, or asks later, gets `error`. */
  fail(error: Error): void {
    if (this.#ended || this.#error !== null) return;
    this.#error = error;
    this.#drop();
    this.#settle();
  }

  /**
   * The producer stopped reading for lack of room: the next time the
   * application takes bytes, the steward is told so it reads on.
   */
  block(): void {
    this.#blocked = true;
  }

  /** Nobody will read the rest of the body: bytes held are dropped, and so is what arrives from now on. */
  discard(): void {
    if (this.#discarding) return;
    this.#discarding = true;
    this.#drop();
    if (!this.#ended && this.#error === null) this.#error = new HioError('HIO_ERR_BODY_DISCARDED', 'the rest of the request body was discarded');
    this.#settle();
  }

  // The application's side.

  /**
   * Takes every byte received and not yet taken (an empty list when none
   * is there now). Throws the body's error once it failed.
   */
  take(): readonly Buffer[] {
    this.#want();
    if (this.#chunks.length === 0) {
      if (this.#error !== null && !this.#ended) throw this.#error;
      return EMPTY;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#buffered = 0;
    if (this.#blocked) {
      this.#blocked = false;
      this.#notify?.();
    }
    return chunks;
  }

  /** Settles once bytes are there to take, the body ended, or it failed. */
  wait(): Promise<void> {
    this.#want();
    if (this.#chunks.length > 0 || this.#ended || this.#error !== null) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The whole body, once it arrived: one buffer. Rejects when it fails. */
  async bytes(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      for (const chunk of this.take()) {
        parts.push(chunk);
        length += chunk.length;
      }
      if (this.#ended && this.#chunks.length === 0) break;
      await this.wait();
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  /** The body as a byte stream, pulled only as its reader asks; cancelling it discards the rest. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          for (;;) {
            const chunks = this.take();
            if (chunks.length > 0) {
              for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
              return;
            }
            if (this.#ended) {
              controller.close();
              return;
            }
            await this.wait();
          }
        },
        cancel: () => this.discard(),
      },
      // Nothing is read before the application asks: asking is what sends a 100 Continue.
      { highWaterMark: 0 },
    );
  }

  #want(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    this.#notify?.();
  }

  #drop(): void {
    if (this.#chunks.length > 0) this.#chunks = [];
    this.#buffered = 0;
  }

  #settle(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
