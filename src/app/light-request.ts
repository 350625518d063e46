/**
 * @module
 * The light Request: the WHATWG `Request` a fetch handler receives, made
 * over the parsed request without building the standard one. `method` and
 * `url` are plain strings, `headers` is made on first use, `signal` only
 * when someone listens, and the body methods answer from the received bytes.
 * Whatever else is read (`body` as a stream, `clone()`, the fetch-only
 * fields) makes the standard Request it stands for, once. Its prototype
 * chain runs through the standard one, so `instanceof Request` holds.
 */
import type { Request as HttpRequest } from '../http/request.js';

const StandardRequest: typeof Request = globalThis.Request;

/** A Request over a parsed request. */
export class LightRequest {
  readonly #source: HttpRequest;
  readonly #url: string;
  #headers: Headers | null = null;
  #controller: AbortController | null = null;
  #standard: Request | null = null;
  #used = false;

  /** Wraps `source`; `url` is its absolute URL. */
  constructor(source: HttpRequest, url: string) {
    this.#source = source;
    this.#url = url;
  }

  get method(): string {
    return this.#source.method;
  }
  get url(): string {
    return this.#url;
  }
  get headers(): Headers {
    if (this.#standard !== null) return this.#standard.headers;
    if (this.#headers === null) {
      const headers = new Headers();
      for (const [name, value] of this.#source.headers.entries()) headers.append(name, value);
      this.#headers = headers;
    }
    return this.#headers;
  }
  /** Aborted when the client goes away before the response completes. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#real().body;
  }
  get bodyUsed(): boolean {
    return this.#standard?.bodyUsed ?? this.#used;
  }
  get cache(): Request['cache'] {
    return this.#real().cache;
  }
  get credentials(): Request['credentials'] {
    return this.#real().credentials;
  }
  get destination(): Request['destination'] {
    return this.#real().destination;
  }
  get integrity(): string {
    return this.#real().integrity;
  }
  get keepalive(): boolean {
    return this.#real().keepalive;
  }
  get mode(): Request['mode'] {
    return this.#real().mode;
  }
  get redirect(): Request['redirect'] {
    return this.#real().redirect;
  }
  get referrer(): string {
    return this.#real().referrer;
  }
  get referrerPolicy(): Request['referrerPolicy'] {
    return this.#real().referrerPolicy;
  }
  get duplex(): 'half' {
    return 'half';
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#standard !== null) return this.#standard.arrayBuffer();
    return this.#read((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
  }
  text(): Promise<string> {
    if (this.#standard !== null) return this.#standard.text();
    return this.#read((bytes) => bytes.toString('utf8'));
  }
  json(): Promise<unknown> {
    if (this.#standard !== null) return this.#standard.json() as Promise<unknown>;
    return this.#read((bytes) => JSON.parse(bytes.toString('utf8')) as unknown);
  }
  blob(): Promise<Blob> {
    return this.#real().blob();
  }
  formData(): Promise<FormData> {
    return this.#real().formData();
  }
  clone(): Request {
    return this.#real().clone();
  }

  /** Aborts the signal, if anyone asked for it (the client went away). */
  abort(reason: unknown): void {
    this.#controller?.abort(reason);
  }

  /** Reads the body bytes, once: a second read rejects as the standard one does. */
  #read<T>(convert: (bytes: Buffer) => T): Promise<T> {
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.#used = true;
    const stream = this.#source.bodyStream;
    if (stream !== undefined) return stream.bytes().then(convert);
    try {
      return Promise.resolve(convert(this.#source.body));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** The standard Request this one stands for, made on first use. */
  #real(): Request {
    if (this.#standard !== null) return this.#standard;
    const source = this.#source;
    const stream = source.bodyStream;
    const hasBody = !this.#used && (stream !== undefined || source.body.length > 0) && source.method !== 'GET' && source.method !== 'HEAD';
    const init: RequestInit & { duplex?: 'half' } = { method: source.method, headers: this.headers, signal: this.signal };
    if (hasBody) {
      // A body still arriving is a stream: the standard Request takes it with duplex "half".
      if (stream === undefined) init.body = source.body;
      else {
        init.body = stream.stream();
        init.duplex = 'half';
      }
    }
    this.#standard = new StandardRequest(this.#url, init);
    return this.#standard;
  }
}

// A light request is a Request for whoever checks: its prototype chain runs through the standard one.
Object.setPrototypeOf(LightRequest.prototype, StandardRequest.prototype);
