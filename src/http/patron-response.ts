/**
 * @module
 * The Response a {@link Patron}'s fetch() resolves with: a WHATWG
 * `Response` (an `instanceof Response`, with standard `Headers`) that keeps
 * its body where it is — the bytes, when the whole body came with the head,
 * or the {@link Exchange} still receiving it — until someone reads it. The
 * body methods (`arrayBuffer`, `text`, `json`, `blob`, `bytes`) answer from
 * the bytes at once; `body` makes a ReadableStream only when asked for,
 * pulling from the exchange one chunk at a time, so the common
 * fetch-then-`text()` costs no stream at all. Reading a body twice fails as
 * the standard says (a TypeError), and `clone()` keeps both readable.
 */
import { HioError } from '../core/errors.js';
import { ExchangeState, type Exchange } from './exchange.js';

const EMPTY = new Uint8Array(0);

/** Where a PatronResponse's body comes from. */
export type PatronResponseBody =
  | { readonly bytes: Uint8Array }
  | { readonly exchange: Exchange; readonly signal: AbortSignal | null }
  | { readonly stream: ReadableStream<Uint8Array> }
  | null;

/** The abort reason of a signal, as fetch rejects with it. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function unusable(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

/**
 * The standard Response as a base class. Its type declares the body members
 * as properties, which a subclass cannot redefine as accessors and methods:
 * typed here by what the subclass inherits as it is.
 */
const StandardResponse = Response as unknown as new (body: null, init: ResponseInit) => Pick<Response, 'headers' | 'status' | 'statusText' | 'ok'>;

/** See the module note; an `instanceof Response` (hand it on as a `Response` with {@link PatronResponse.asResponse}). */
export class PatronResponse extends StandardResponse {
  #source: PatronResponseBody;
  #stream: ReadableStream<Uint8Array> | null = null;
  #used = false;
  /** True once the stream handed out by `body` was read from. */
  #disturbed = false;
  readonly #url: string;
  readonly #redirected: boolean;

  constructor(source: PatronResponseBody, init: ResponseInit, url: string, redirected: boolean) {
    super(null, init);
    this.#source = source;
    this.#url = url;
    this.#redirected = redirected;
  }

  /** This response, typed as the standard Response it is. */
  asResponse(): Response {
    return this as unknown as Response;
  }

  get url(): string {
    return this.#url;
  }

  get redirected(): boolean {
    return this.#redirected;
  }

  get body(): ReadableStream<Uint8Array> | null {
    const source = this.#source;
    if (source === null) return null;
    if (this.#stream === null) {
      if (this.#used) {
        // Read through a body method already: what is left is a used-up stream.
        this.#stream = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
        this.#stream.getReader();
        return this.#stream;
      }
      let made: ReadableStream<Uint8Array> | null = null;
      // Only reads from the stream this response hands out count: once clone() tees it, the branches tell their own.
      const disturb = (): void => {
        if (this.#stream === made) this.#disturbed = true;
      };
      if ('bytes' in source) made = bytesStream(source.bytes, disturb);
      else if ('exchange' in source) made = exchangeStream(source.exchange, source.signal, disturb);
      else made = trackedStream(source.stream, disturb);
      this.#stream = made;
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || this.#disturbed;
  }

  /** Always "basic": a same-process client sees every header. */
  get type(): Response['type'] {
    return 'basic';
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    const bytes = await this.#take();
    return new Blob([bytes], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    const bytes = await this.#take();
    return new Response(bytes, { headers: this.headers }).formData();
  }

  clone(): PatronResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    const init: ResponseInit = { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) };
    const source = this.#source;
    if (source === null || ('bytes' in source && this.#stream === null)) return new PatronResponse(source, init, this.#url, this.#redirected);
    const [mine, theirs] = this.body!.tee();
    this.#source = { stream: mine };
    this.#stream = null;
    return new PatronResponse({ stream: theirs }, init, this.#url, this.#redirected);
  }

  /** The whole body, once: from the bytes held, else read from the stream. */
  async #take(): Promise<Uint8Array> {
    if (this.bodyUsed) throw unusable();
    const source = this.#source;
    if (source === null || (this.#stream === null && 'bytes' in source)) {
      this.#used = true;
      return source === null ? EMPTY : source.bytes;
    }
    if (this.#stream === null && 'exchange' in source) {
      // No stream was asked for: read the exchange itself, without making one.
      this.#used = true;
      return readExchange(source.exchange, source.signal);
    }
    const reader = this.body!.getReader();
    this.#used = true;
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      length += value.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }
}

/**
 * Reads an exchange's body chunk by chunk, waiting for each: what the
 * response's stream and its whole-body readers share. It settles as the
 * exchange does, or rejects with the abort's reason (the exchange is
 * cancelled at the abort).
 */
class ExchangeReader {
  readonly #exchange: Exchange;
  readonly #signal: AbortSignal | null;
  #wake: (() => void) | null = null;
  readonly #progress = (): void => {
    const waiting = this.#wake;
    this.#wake = null;
    waiting?.();
  };
  readonly #onAbort = (): void => {
    this.#exchange.cancel();
    this.#progress();
  };

  constructor(exchange: Exchange, signal: AbortSignal | null) {
    this.#exchange = exchange;
    this.#signal = signal;
    exchange.listener = { onHead() {}, onProgress: this.#progress };
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The next chunk of the body, or null at its end. */
  async next(): Promise<Buffer | null> {
    const exchange = this.#exchange;
    for (;;) {
      const signal = this.#signal;
      if (signal?.aborted === true) {
        this.cancel();
        throw abortReason(signal);
      }
      const chunk = exchange.read();
      if (chunk !== null) return chunk;
      if (exchange.state === ExchangeState.done) {
        this.#stop();
        return null;
      }
      if (exchange.state === ExchangeState.failed) {
        this.#stop();
        throw exchange.error ?? new HioError('HIO_ERR_CONNECTION_LOST');
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Gives up the body: the exchange is cancelled. */
  cancel(): void {
    this.#stop();
    this.#exchange.cancel();
  }

  #stop(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

/** The whole body of an exchange, read as it arrives; rejects as its stream would (the exchange's error, or the abort's reason). */
async function readExchange(exchange: Exchange, signal: AbortSignal | null): Promise<Uint8Array> {
  const reader = new ExchangeReader(exchange, signal);
  const parts: Buffer[] = [];
  let length = 0;
  for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
    parts.push(chunk);
    length += chunk.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/** A stream of the bytes, in one chunk; `disturb` is told of the first read. */
function bytesStream(bytes: Uint8Array, disturb: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        disturb();
        if (bytes.length > 0) controller.enqueue(bytes);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A stream passing `inner` through, telling `disturb` of the first read (a tee's half knows nothing of its reader). */
function trackedStream(inner: ReadableStream<Uint8Array>, disturb: () => void): ReadableStream<Uint8Array> {
  const reader = inner.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        disturb();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        disturb();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** A byte stream pulling from the exchange: one chunk per pull, waiting when none is there. */
function exchangeStream(exchange: Exchange, signal: AbortSignal | null, disturb: () => void): ReadableStream<Uint8Array> {
  const reader = new ExchangeReader(exchange, signal);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller): Promise<void> {
        disturb();
        try {
          const chunk = await reader.next();
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel(): void {
        disturb();
        reader.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
