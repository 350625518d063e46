/**
 * @module
 * The CustomResponder: a whole response message built at once from a status,
 * headers and a body (bytes or text) or JSON data (hio's CustomResponder).
 * The message goes out as one buffer in one tx. Unless switched off, it adds
 * the headers a response needs: Date (from the injected clock), Server,
 * Content-Length, Content-Type for text and JSON, and Connection when the
 * connection will close (or, for HTTP/1.0, stay open). It sends no body for
 * HEAD, 1xx, 204 and 304, and refuses header names and values that would
 * break the framing (CR, LF, NUL).
 */
import { HioError } from '../core/errors.js';
import { Hict, type HeaderPair } from '../core/hict.js';
import { isFieldValue, isToken } from './chars.js';
import type { Exchange, Responder } from './responder.js';
import { isBodiless, reasonPhrase } from './status.js';

/** Headers given to a response: a Hict, [name, value] pairs, or a record. */
export type HeadersInit = Hict | Iterable<HeaderPair> | Readonly<Record<string, string | number | readonly string[]>>;

/** What a CustomResponder sends. */
export interface ResponseSpec {
  /** Status code, 100–999 (default 200). */
  readonly status?: number;
  /** Reason phrase (default: the standard one). */
  readonly reason?: string;
  readonly headers?: HeadersInit;
  /** The body: bytes, or text sent as UTF-8. */
  readonly body?: Uint8Array | string;
  /** JSON data: sent compact with Content-Type application/json; charset=utf-8. Wins over body. */
  readonly data?: unknown;
}

/** A whole response built from a {@link ResponseSpec}. */
export class CustomResponder implements Responder {
  readonly spec: ResponseSpec;

  constructor(spec: ResponseSpec = {}) {
    this.spec = spec;
  }

  pour(exchange: Exchange): boolean {
    exchange.remoter.tx(buildResponse(this.spec, exchange));
    return true;
  }
}

/** Builds the whole response message for `exchange` as one buffer (head and body). */
export function buildResponse(spec: ResponseSpec, exchange: Exchange): Buffer {
  const status = spec.status ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid status ${status}`);
  const reason = spec.reason ?? reasonPhrase(status);
  if (!isFieldValue(reason)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'invalid reason phrase');
  const headers = spec.headers === undefined ? new Hict() : spec.headers instanceof Hict ? spec.headers : new Hict(spec.headers);
  let body: Buffer;
  let contentType: string | null = null;
  if (spec.data !== undefined) {
    body = Buffer.from(JSON.stringify(spec.data) ?? 'null');
    contentType = 'application/json; charset=utf-8';
  } else if (typeof spec.body === 'string') {
    body = Buffer.from(spec.body);
    contentType = 'text/plain; charset=utf-8';
  } else if (spec.body !== undefined) {
    body = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body.buffer, spec.body.byteOffset, spec.body.length);
  } else {
    body = EMPTY;
  }
  const request = exchange.request;
  const http10 = request.version === 'HTTP/1.0';
  const bodiless = isBodiless(status);
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  let chunked = false;
  for (const [name, value] of headers) {
    if (!isToken(name) || !isFieldValue(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid header field ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (lower === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) exchange.persisted = false;
    if (lower === 'transfer-encoding') {
      if (!/^\s*chunked\s*$/i.test(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'only Transfer-Encoding: chunked can be sent');
      if (http10) continue;
      chunked = !bodiless;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (exchange.requiredHeaders) {
    if (!headers.has('date')) head += `Date: ${exchange.date}\r\n`;
    if (exchange.server !== null && !headers.has('server')) head += `Server: ${exchange.server}\r\n`;
    if (contentType !== null && !headers.has('content-type') && !bodiless) head += `Content-Type: ${contentType}\r\n`;
    if (!bodiless && !chunked && !headers.has('content-length')) head += `Content-Length: ${body.length}\r\n`;
    if (!headers.has('connection')) {
      if (!exchange.persisted) head += 'Connection: close\r\n';
      else if (http10) head += 'Connection: keep-alive\r\n';
    }
  }
  head += '\r\n';
  // What follows the head: nothing for HEAD and bodiless statuses, else the body, chunk-framed if asked.
  let payload: Buffer = EMPTY;
  if (!bodiless && request.method !== 'HEAD') {
    if (!chunked) payload = body;
    else payload = body.length === 0 ? LAST_CHUNK : Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, CRLF_LAST_CHUNK]);
  }
  const headLength = Buffer.byteLength(head, 'latin1');
  const message = Buffer.allocUnsafe(headLength + payload.length);
  message.write(head, 0, 'latin1');
  payload.copy(message, headLength);
  return message;
}

const EMPTY = Buffer.alloc(0);
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const CRLF_LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
