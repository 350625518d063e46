/**
 * @module
 * The HandResponder: answers one request with an application function that
 * writes the response by hand through a {@link HandWriter}:
 *
 * ```ts
 * respond: () => new HandResponder(async (writer) => {
 *   writer.writeStatus(200);
 *   writer.writeHeader('Content-Type', 'text/plain');
 *   await writer.write('hello, ');
 *   await writer.end('world');
 * })
 * ```
 *
 * The function runs in the first pass; what it writes later (after an
 * await) goes to the connection when it is written. The responder settles
 * the writer's promises in the server's passes, running every pass while
 * some wait for the network and suspended while the function waits on
 * anything else, so waiting costs no passes.
 *
 * The response is complete once the function has returned (its promise
 * settled) and the last bytes are out. A function that returns without
 * calling `end()` is ended for it: a response nobody ends would hold its
 * connection forever, and "the function is done" is the one moment the
 * server can know. A function that throws or rejects answers 500 if the
 * head is not out yet, else the connection is reset, the only way to tell
 * the client a message is broken — even after `end()`. A connection that
 * goes away rejects the writes still waiting with HIO_ERR_CLIENT_GONE; the
 * function should stop (see {@link HandWriter.gone}).
 */
import type { Remoter } from '../net/connection.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { Request } from './request.js';
import { Tunnel, type TunnelHost } from './tunnel.js';
import type { Responder } from './responder.js';
import type { ResponseWriter } from './response-writer.js';
import { HandWriter, type HandWriterOptions } from './hand-writer.js';

/** Writes one response by hand; may return a promise (an async function). */
export type HandFunction = (writer: HandWriter, request: Request) => void | Promise<void>;

/** A response written by an application function through a {@link HandWriter}. */
export class HandResponder implements Responder {
  readonly #write: HandFunction;
  readonly #options: HandWriterOptions;
  #hand: HandWriter | null = null;
  /** The function has not returned (or its promise has not settled). */
  #running = true;
  #failure: { readonly error: unknown } | null = null;

  constructor(write: HandFunction, options: HandWriterOptions = {}) {
    this.#write = write;
    this.#options = options;
  }

  pour(writer: ResponseWriter): boolean {
    let hand = this.#hand;
    if (hand === null) {
      hand = new HandWriter(writer, this.#options);
      this.#hand = hand;
      this.#start(hand, writer);
    }
    let waiting = hand.settle();
    const failure = this.#failure ?? hand.failure;
    if (failure !== null) {
      hand.fail(failure.error);
      throw failure.error;
    }
    if (!this.#running && !hand.ended) {
      // Ending may fail (a body short of its Content-Length): the writer is then failed and this throws.
      void hand.end();
      waiting = hand.settle();
    }
    if (!this.#running && !waiting) return true;
    // Nothing to settle: wait for the function (a write, a flush or its return resumes the writer).
    // An ended writer cannot wait that way: it is polled until the function returns.
    if (!waiting && !writer.ended) writer.suspend();
    return false;
  }

  /** After {@link HandWriter.switchProtocols}: the tunnel that takes the connection over. */
  takeOver(remoter: Remoter, host: TunnelHost): ConnectionHandler | null {
    const switched = this.#hand?.switched ?? null;
    return switched === null ? null : new Tunnel(remoter, host, switched.protocol, switched.options);
  }

  abandon(): void {
    this.#hand?.abandon();
  }

  /** Runs the function; its settling resumes the writer. */
  #start(hand: HandWriter, writer: ResponseWriter): void {
    let result: void | Promise<void>;
    try {
      result = this.#write(hand, writer.request);
    } catch (error) {
      this.#running = false;
      this.#failure = { error };
      return;
    }
    if (!isPromise(result)) {
      this.#running = false;
      return;
    }
    result.then(
      () => {
        this.#running = false;
        writer.resume();
      },
      (error: unknown) => {
        this.#running = false;
        this.#failure = { error };
        writer.resume();
      },
    );
  }
}

function isPromise(value: unknown): value is Promise<void> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
