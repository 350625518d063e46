/**
 * @module
 * Response helpers for fetch handlers: {@link json} (also `jsonify`),
 * {@link redirect}, {@link responsify} (a value to a Response),
 * {@link setError} (an error response), and {@link abort}, which throws an
 * {@link HttpAbort} the server answers with its status instead of a 500. All return light responses when the global Response is the light
 * one (see `serve()`), so they keep the one-write fast path.
 */
import { HioError } from '../core/errors.js';
import type { HeadersInit } from './light-response.js';

/** Options of a Response, as its constructor takes them. */
export type ResponseOptions = ConstructorParameters<typeof Response>[1];

/** A Response with `data` as compact JSON and `application/json; charset=utf-8` (unless the headers say otherwise). */
export function json(data: unknown, init: ResponseOptions = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(data) ?? 'null', { ...init, headers });
}

/** {@link json} by the name other frameworks give it. */
export const jsonify = json;

/** The redirect statuses {@link redirect} sends. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * A redirect to `location` (a URL or a path, kept as given: never built from
 * the request). 303 turns any method into GET; 307 and 308 keep it.
 */
export function redirect(location: string | URL, status: RedirectStatus = 302): Response {
  if (![301, 302, 303, 307, 308].includes(status)) throw new HioError('HIO_ERR_INVALID_OPTION', `redirect: ${String(status)} is not a redirect status`);
  const target = String(location);
  if (hasControl(target)) throw new HioError('HIO_ERR_INVALID_OPTION', 'redirect: the location holds control characters');
  return new Response(null, { status, headers: { location: target } });
}

/** Whether `text` holds a control character (CR and LF included). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * A Response for a value: a Response as it is, null or undefined as 204, a
 * string as text, bytes as application/octet-stream, anything else as JSON.
 */
export function responsify(value: unknown): Response {
  if (value instanceof Response) return value;
  if (value === null || value === undefined) return new Response(null, { status: 204 });
  if (typeof value === 'string') return new Response(value, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (value instanceof Uint8Array) return new Response(value, { headers: { 'content-type': 'application/octet-stream' } });
  return json(value);
}

/** An HTTP answer thrown from a handler: the server sends its response instead of a 500 and counts no fault. */
export class HttpAbort extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** Headers to send with it. */
  readonly headers: HeadersInit;

  constructor(status: number, message?: string, headers?: HeadersInit) {
    super(message ?? `${status}`);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new HioError('HIO_ERR_INVALID_OPTION', `abort: ${status} is not an error status`);
    this.name = 'HttpAbort';
    this.status = status;
    this.headers = headers;
  }

  /** The response this abort answers with: its message as one line of text. */
  response(): Response {
    const headers = new Headers(this.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
    return new Response(`${this.message}\n`, { status: this.status, headers });
  }
}

/**
 * An error response to return rather than throw: `status` (400–599) with
 * `message` (default: the status) as one line of text, as {@link abort}
 * would answer.
 */
export function setError(status: number, message?: string, headers?: HeadersInit): Response {
  return new HttpAbort(status, message, headers).response();
}

/** Throws an {@link HttpAbort}: `abort(404)`, `abort(401, 'sign in first', { 'www-authenticate': 'Basic' })`. */
export function abort(status: number, message?: string, headers?: HeadersInit): never {
  throw new HttpAbort(status, message, headers);
}
