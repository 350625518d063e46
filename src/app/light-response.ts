/**
 * @module
 * The light Response: a WHATWG `Response` that keeps what it was made from
 * (a string or bytes body, a status, a headers init) until someone reads it
 * the standard way, so the server can write it in one buffer without
 * pulling a stream. Reading `body`, `headers`, `text()` and the rest makes
 * the standard Response it stands for, once, and answers from that. It is
 * an `instanceof Response`, and every standard `Response` is an
 * `instanceof LightResponse`, so it can stand in for the global one:
 * {@link installLightResponse} does that (as `@hono/node-server` does), and
 * `serve()` calls it unless told not to.
 */

/** A body a Response is made from. */
type BodyInit = ConstructorParameters<typeof Response>[0];
/** What a Response's headers are made from. */
export type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The standard Response, as the runtime gives it. */
const StandardResponse: typeof Response = globalThis.Response;

/** What a light response was made from. */
export interface LightParts {
  /** The body: a string or bytes (others make a standard Response at once and are not light). */
  readonly body: string | Uint8Array | null;
  readonly status: number;
  readonly statusText: string;
  /** The headers as given, or null for none. */
  readonly headers: NonNullable<HeadersInit> | null;
}

const KEEP = Symbol('light parts');
const TRAILERS = Symbol('trailers');

/** What a trailer section is made from: fields, or a promise of them (settled once the body has been sent). */
export type TrailersInit = NonNullable<HeadersInit> | Promise<NonNullable<HeadersInit>>;

/** A Response's options, with the trailers the fetch standard has no place for. */
export interface LightResponseInit extends NonNullable<ConstructorParameters<typeof Response>[1]> {
  /**
   * Trailer fields sent after a chunked body (HTTP/1.1, length unknown or
   * not given): the fields, or a promise of them the server awaits once the
   * body is out. Dropped where the framing has no trailers (a Content-Length
   * body, HTTP/1.0), as RFC 9110 §6.5 allows.
   */
  readonly trailers?: TrailersInit;
}

/** A Response that keeps its parts for the server's fast path. */
export class LightResponse {
  /** The parts while nobody read the response the standard way; null once it was. */
  [KEEP]: LightParts | null;
  /** Trailers given at construction, or null. */
  readonly [TRAILERS]: TrailersInit | null;
  #standard: Response | null = null;
  readonly #body: BodyInit | null;
  readonly #init: LightResponseInit | undefined;

  constructor(body?: BodyInit | null, init?: LightResponseInit) {
    this[TRAILERS] = init?.trailers ?? null;
    this.#body = body ?? null;
    this.#init = init;
    const light = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const status = init?.status ?? 200;
    // The standard constructor checks the status and headers: anything unusual goes through it at once.
    if (!light || !Number.isInteger(status) || status < 200 || status > 599) {
      this[KEEP] = null;
      this.#standard = new StandardResponse(body, init);
      return;
    }
    this[KEEP] = { body: (body ?? null) as string | Uint8Array | null, status, statusText: init?.statusText ?? '', headers: init?.headers ?? null };
  }

  /** The standard Response this one stands for, made on first use. */
  #real(): Response {
    if (this.#standard === null) {
      this[KEEP] = null;
      this.#standard = new StandardResponse(this.#body, this.#init);
    }
    return this.#standard;
  }

  get status(): number {
    return this[KEEP]?.status ?? this.#real().status;
  }
  get statusText(): string {
    return this[KEEP]?.statusText ?? this.#real().statusText;
  }
  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }
  get headers(): Headers {
    return this.#real().headers;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#real().body;
  }
  get bodyUsed(): boolean {
    return this.#standard?.bodyUsed ?? false;
  }
  get redirected(): boolean {
    return false;
  }
  get type(): Response['type'] {
    return this.#standard?.type ?? 'default';
  }
  get url(): string {
    return this.#standard?.url ?? '';
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#real().arrayBuffer();
  }
  blob(): Promise<Blob> {
    return this.#real().blob();
  }
  formData(): Promise<FormData> {
    return this.#real().formData();
  }
  json(): Promise<unknown> {
    return this.#real().json() as Promise<unknown>;
  }
  text(): Promise<string> {
    return this.#real().text();
  }
  clone(): Response {
    return this.#real().clone();
  }

  /** JSON as the standard `Response.json` makes it (`application/json` unless the headers say otherwise), kept light. */
  static json(data: unknown, init?: LightResponseInit): Response {
    const text = JSON.stringify(data) as string | undefined;
    // What JSON cannot hold: the standard one throws the standard error.
    if (text === undefined) return StandardResponse.json(data, init);
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LightResponse(text, { ...init, headers }) as unknown as Response;
  }
  static redirect(url: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response {
    return StandardResponse.redirect(url, status ?? 302);
  }
  static error(): Response {
    return StandardResponse.error();
  }
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof StandardResponse;
  }
}

// A light response is a Response for whoever checks: its prototype chain runs through the standard one.
Object.setPrototypeOf(LightResponse.prototype, StandardResponse.prototype);

/** The parts of a response still light (never read the standard way), else null. */
export function lightParts(response: unknown): LightParts | null {
  return (response as { [KEEP]?: LightParts | null } | null)?.[KEEP] ?? null;
}

/** The trailers a response was made with (see {@link LightResponseInit.trailers}), else null. */
export function trailersOf(response: unknown): TrailersInit | null {
  return (response as { [TRAILERS]?: TrailersInit | null } | null)?.[TRAILERS] ?? null;
}

/** Makes `Response` the light one globally (idempotent); the standard one stays `instanceof`-compatible. */
export function installLightResponse(): void {
  if (globalThis.Response !== (LightResponse as unknown as typeof Response)) {
    globalThis.Response = LightResponse as unknown as typeof Response;
  }
}
