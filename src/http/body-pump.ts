/**
 * @module
 * The body pump: pulls a request body from its source one chunk at a time,
 * only when the connection has room for it, so a body larger than memory
 * streams through with at most one chunk held. A generator or other
 * iterable is pulled synchronously within a pass; a ReadableStream or async
 * iterable is read one promise at a time, its chunk taken on a later pass
 * (the pump wakes its owner when the promise settles — never writing from
 * the callback). Strings become UTF-8; empty chunks are skipped.
 */
import { HioError } from '../core/errors.js';
import type { RequestBodySource } from './outgoing-request.js';

/** What {@link BodyPump.pull} found. */
export const Pulled = { wait: 0, end: 1 } as const;
export type Pulled = (typeof Pulled)[keyof typeof Pulled];

function toBytes(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
  throw new HioError('HIO_ERR_REQUEST_BODY', 'a request body chunk is not bytes or a string');
}

/** Pulls one body source; see the module note. */
export class BodyPump {
  /** Why the source failed, once it did. */
  error: HioError | null = null;
  readonly #wake: () => void;
  #sync: Iterator<unknown> | null = null;
  #async: AsyncIterator<unknown> | null = null;
  #reader: ReadableStreamDefaultReader<unknown> | null = null;
  #pending = false;
  #ready: Buffer | null = null;
  #ended = false;

  constructor(source: RequestBodySource, wake: () => void) {
    this.#wake = wake;
    try {
      if (typeof (source as ReadableStream).getReader === 'function') this.#reader = (source as ReadableStream<unknown>).getReader();
      else if (Symbol.asyncIterator in (source as object)) this.#async = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      else this.#sync = (source as Iterable<unknown>)[Symbol.iterator]();
    } catch (cause) {
      this.#fail(cause);
    }
  }

  /** True once the source ended (every chunk was pulled) or failed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next chunk, or {@link Pulled.wait} (a read is under way: the owner is woken when it settles) or {@link Pulled.end}. */
  pull(): Buffer | Pulled {
    for (;;) {
      if (this.#ready !== null) {
        const chunk = this.#ready;
        this.#ready = null;
        return chunk;
      }
      if (this.#ended) return Pulled.end;
      if (this.#pending) return Pulled.wait;
      if (this.#sync !== null) {
        let step: IteratorResult<unknown>;
        try {
          step = this.#sync.next();
          if (step.done === true) {
            this.#ended = true;
            return Pulled.end;
          }
          const bytes = toBytes(step.value);
          if (bytes.length > 0) return bytes;
        } catch (cause) {
          this.#fail(cause);
          return Pulled.end;
        }
        continue;
      }
      this.#read();
    }
  }

  /** Stops the source: a stream is cancelled, an iterator returned. */
  cancel(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#ready = null;
    try {
      if (this.#reader !== null) this.#reader.cancel().catch(() => {});
      else if (this.#async !== null) this.#async.return?.()?.catch(() => {});
      else this.#sync?.return?.();
    } catch {
      // A source that fails while being stopped has nothing more to say.
    }
  }

  #read(): void {
    this.#pending = true;
    const settle = (step: { readonly done?: boolean; readonly value?: unknown }): void => {
      this.#pending = false;
      if (this.#ended) return;
      if (step.done === true) this.#ended = true;
      else {
        try {
          const bytes = toBytes(step.value);
          if (bytes.length > 0) this.#ready = bytes;
        } catch (cause) {
          this.#fail(cause);
        }
      }
      this.#wake();
    };
    const fail = (cause: unknown): void => {
      this.#pending = false;
      if (this.#ended) return;
      this.#fail(cause);
      this.#wake();
    };
    try {
      const promise = this.#reader !== null ? this.#reader.read() : this.#async!.next();
      promise.then(settle, fail);
    } catch (cause) {
      fail(cause);
    }
  }

  #fail(cause: unknown): void {
    this.#ended = true;
    this.error = cause instanceof HioError ? cause : new HioError('HIO_ERR_REQUEST_BODY', 'the request body source failed', { cause });
  }
}
