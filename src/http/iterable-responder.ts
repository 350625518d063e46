/**
 * @module
 * The IterableResponder: a response poured from an iterable or async
 * iterable of chunks (hio's iterable responses, WSGI's body iterable). An
 * empty chunk means "not ready yet, come back next pass" (hio's
 * `Responder.service`); the head — the {@link IterableHead}'s status,
 * reason and headers, which the producer may change — is written with the
 * first non-empty chunk (hio's extension of WSGI `start_response`), or at
 * the end if there was none. Chunks are pulled only while the connection
 * takes more. An async iterable's pending chunk suspends the writer, so
 * waiting costs no passes. A producer that throws answers 500 before the
 * head and resets the connection after it; a connection that goes away
 * calls the iterator's `return()`, so its `finally` blocks run.
 */
import type { HeadersInit } from './response-writer.js';
import type { Responder } from './responder.js';
import type { ResponseWriter } from './response-writer.js';

/** A chunk of body: bytes, or text sent as UTF-8; empty means "not ready yet". */
export type Chunk = Uint8Array | string;

/** The head of an iterable response, read when the first non-empty chunk comes: the producer may change it until then. */
export interface IterableHead {
  status: number;
  reason?: string;
  headers?: HeadersInit;
  /** The body's length in bytes when known (sent as Content-Length); else chunked. */
  length?: number;
}

/** A response poured from an iterable or async iterable of chunks. */
export class IterableResponder implements Responder {
  /** The head, read when the first non-empty chunk comes. */
  readonly head: IterableHead;
  readonly #iterator: Iterator<Chunk> | AsyncIterator<Chunk>;
  #pending: IteratorResult<Chunk> | null = null;
  #waiting = false;
  #failure: { error: unknown } | null = null;
  #finished = false;

  constructor(source: Iterable<Chunk> | AsyncIterable<Chunk>, head: IterableHead = { status: 200 }) {
    this.head = head;
    this.#iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  pour(writer: ResponseWriter): boolean {
    while (!this.#finished) {
      if (this.#failure !== null) {
        this.#finished = true;
        throw this.#failure.error;
      }
      if (this.#waiting) return false;
      let result = this.#pending;
      this.#pending = null;
      if (result === null) {
        if (writer.headSent && !writer.writable) return false;
        const next = this.#iterator.next();
        if (isPromise(next)) {
          this.#await(next, writer);
          continue;
        }
        result = next;
      }
      if (result.done === true) {
        if (!writer.headSent) this.#writeHead(writer);
        writer.end();
        this.#finished = true;
        return true;
      }
      const chunk = result.value;
      // Not ready yet: come back next pass.
      if (chunk.length === 0) return false;
      if (!writer.headSent) this.#writeHead(writer);
      writer.write(chunk);
    }
    return true;
  }

  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      const closing = this.#iterator.return?.();
      if (isPromise(closing)) closing.catch(ignore);
    } catch {
      // The producer's own cleanup failed: nothing is left to answer.
    }
  }

  #writeHead(writer: ResponseWriter): void {
    const head = this.head;
    writer.writeHead(head.status, head.headers, {
      ...(head.reason !== undefined && { reason: head.reason }),
      ...(head.length !== undefined && { length: head.length }),
    });
  }

  /** Waits on an async iterator's next chunk with the writer suspended. */
  #await(next: Promise<IteratorResult<Chunk>>, writer: ResponseWriter): void {
    this.#waiting = true;
    writer.suspend();
    next.then(
      (result) => {
        this.#waiting = false;
        this.#pending = result;
        writer.resume();
      },
      (error: unknown) => {
        this.#waiting = false;
        this.#failure = { error };
        writer.resume();
      },
    );
  }
}

function isPromise<T>(value: T | Promise<T> | undefined): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function ignore(): void {}
