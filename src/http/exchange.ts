/**
 * @module
 * The Exchange: one request and its response as a {@link Patron} carries
 * them — the queue-and-poll surface a Doer uses without promises. A doer
 * hands a request to `patron.request()`, then on later passes looks at
 * {@link Exchange.state}: once `headed` the status and headers are there,
 * {@link Exchange.read} takes body chunks as they arrive, and `done` (or
 * `failed`, with {@link Exchange.error}) ends it.
 *
 * The body is streamed, with backpressure: the Patron parses more of it
 * only while fewer than its `bodyHighWater` bytes wait unread here, so a
 * consumer that lags stops the connection's reading and memory stays
 * bounded. Reading wakes the Patron. Interim (1xx) responses other than an
 * awaited 100 Continue are kept in {@link Exchange.interim}.
 */
import type { HioError } from '../core/errors.js';
import { Hict } from '../core/hict.js';
import type { OutgoingRequest } from './outgoing-request.js';
import type { ResponseHead } from './respondent.js';

/** Where an exchange is. */
export const ExchangeState = {
  /** Waiting for a connection. */
  queued: 0,
  /** On a connection: the request is being sent or the response awaited. */
  sent: 1,
  /** The final response's head arrived; its body is streaming. */
  headed: 2,
  /** The whole response arrived (the body may still wait unread). */
  done: 3,
  /** It failed: see `error`. */
  failed: 4,
} as const;
export type ExchangeState = (typeof ExchangeState)[keyof typeof ExchangeState];

/** Who is told what happens to an exchange (the fetch glue); called from the Patron's pass. */
export interface ExchangeListener {
  /** The final response's head arrived. */
  onHead(exchange: Exchange): void;
  /** Body bytes arrived, the body ended, or the exchange failed. */
  onProgress(exchange: Exchange): void;
}

const EMPTY_HEADERS = new Hict();
const EMPTY = Buffer.alloc(0);

/** See the module note. */
export class Exchange {
  /** The request, as checked and framed (framed again, without `Expect`, after a 417). */
  request: OutgoingRequest;
  state: ExchangeState = ExchangeState.queued;
  /** The final response's head, once headed. */
  head: ResponseHead | null = null;
  /** Interim responses received before the final one, in order (an awaited 100 Continue excluded). */
  readonly interim: ResponseHead[] = [];
  /** Trailer fields, once done (empty without a chunked body). */
  trailers: Hict = EMPTY_HEADERS;
  /** Why it failed, once failed. */
  error: HioError | null = null;
  /** True once any response to it (an interim one included) began to arrive: from then on it is never sent again. */
  heard = false;
  /** How many times it was sent again after its connection was lost before any response byte. */
  retries = 0;
  /** Set by whoever follows the exchange (fetch); null for a polling doer. */
  listener: ExchangeListener | null = null;
  #parts: Buffer[] = [];
  #partsHead = 0;
  #buffered = 0;
  readonly #wake: () => void;
  #cancelled = false;
  #discarding = false;

  constructor(request: OutgoingRequest, wake: () => void) {
    this.request = request;
    this.#wake = wake;
  }

  /** The final status, once headed (else 0). */
  get status(): number {
    return this.head?.status ?? 0;
  }

  /** The final response's header fields, once headed (else empty). */
  get headers(): Hict {
    return this.head?.headers ?? EMPTY_HEADERS;
  }

  /** Body bytes received and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True once the whole response arrived. */
  get done(): boolean {
    return this.state === ExchangeState.done;
  }

  /** True once done or failed: nothing more will arrive. */
  get settled(): boolean {
    return this.state >= ExchangeState.done;
  }

  /** True once done and every body byte read. */
  get ended(): boolean {
    return this.state === ExchangeState.done && this.#buffered === 0;
  }

  /** True once the caller cancelled it. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Takes the next body chunk (a view the caller now owns), or null when none waits now. */
  read(): Buffer | null {
    if (this.#partsHead === this.#parts.length) return null;
    const chunk = this.#parts[this.#partsHead]!;
    this.#parts[this.#partsHead++] = EMPTY;
    this.#buffered -= chunk.length;
    if (this.#partsHead === this.#parts.length) {
      this.#parts = [];
      this.#partsHead = 0;
    }
    this.#wake();
    return chunk;
  }

  /** Takes every body chunk waiting now, joined (empty when none). */
  readAll(): Buffer {
    const parts: Buffer[] = [];
    for (let chunk = this.read(); chunk !== null; chunk = this.read()) parts.push(chunk);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Gives up on the exchange: a queued one is never sent; one on a
   * connection ends that connection (its response can no longer be read
   * past). It fails with HIO_ERR_ABORTED unless already settled.
   */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#parts = [];
    this.#partsHead = 0;
    this.#buffered = 0;
    this.#wake();
  }

  /**
   * Drops the body as it arrives, unread, so the connection can carry the
   * next request (a redirect's body, say); what waits unread now is dropped.
   */
  discard(): void {
    this.#discarding = true;
    this.#parts = [];
    this.#partsHead = 0;
    this.#buffered = 0;
    this.#wake();
  }

  /** The Patron's side: body bytes arrived. */
  push(parts: readonly Buffer[]): void {
    if (this.#cancelled || this.#discarding) return;
    for (const part of parts) {
      if (part.length === 0) continue;
      this.#parts.push(part);
      this.#buffered += part.length;
    }
  }

  /** The Patron's side: the final head arrived. */
  markHeaded(head: ResponseHead): void {
    this.head = head;
    this.state = ExchangeState.headed;
    this.listener?.onHead(this);
  }

  /** The Patron's side: the whole response arrived. */
  markDone(trailers: Hict): void {
    this.trailers = trailers;
    this.state = ExchangeState.done;
    this.listener?.onProgress(this);
  }

  /** The Patron's side: it failed. */
  markFailed(error: HioError): void {
    if (this.settled) return;
    this.error = error;
    this.state = ExchangeState.failed;
    this.listener?.onProgress(this);
  }
}
