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

/** Bits for the header names the responder acts on. */
const Seen = { date: 1, server: 2, type: 4, length: 8, connection: 16, encoding: 32 } as const;

/** Which of the names the responder acts on `name` is (ignoring case), as a Seen bit; 0 for others. */
function seen(name: string): number {
  switch (name.length) {
    case 4:
      return name.toLowerCase() === 'date' ? Seen.date : 0;
    case 6:
      return name.toLowerCase() === 'server' ? Seen.server : 0;
    case 10:
      return name.toLowerCase() === 'connection' ? Seen.connection : 0;
    case 12:
      return name.toLowerCase() === 'content-type' ? Seen.type : 0;
    case 14:
      return name.toLowerCase() === 'content-length' ? Seen.length : 0;
    case 17:
      return name.toLowerCase() === 'transfer-encoding' ? Seen.encoding : 0;
    default:
      return 0;
  }
}

/** Calls `each` for every [name, value] of a headers init, in order, without copying it. */
function forEachHeader(headers: HeadersInit, each: (name: string, value: string) => void): void {
  if (headers instanceof Hict) {
    for (let i = 0; i < headers.size; i++) each(headers.nameAt(i)!, headers.valueAt(i)!);
  } else if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<HeaderPair>) each(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const item of value as readonly string[]) each(name, item);
      else each(name, String(value));
    }
  }
}

/** Builds the whole response message for `exchange` as one buffer (head and body). */
export function buildResponse(spec: ResponseSpec, exchange: Exchange): Buffer {
  const status = spec.status ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid status ${status}`);
  let reason = reasonPhrase(status);
  if (spec.reason !== undefined) {
    if (!isFieldValue(spec.reason)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'invalid reason phrase');
    reason = spec.reason;
  }
  // Text stays text until it is written into the message: one copy, not two.
  let text: string | null = null;
  let body: Buffer = EMPTY;
  let contentType: string | null = null;
  if (spec.data !== undefined) {
    text = JSON.stringify(spec.data) ?? 'null';
    contentType = 'application/json; charset=utf-8';
  } else if (typeof spec.body === 'string') {
    text = spec.body;
    contentType = 'text/plain; charset=utf-8';
  } else if (spec.body !== undefined) {
    body = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body.buffer, spec.body.byteOffset, spec.body.length);
  }
  const bodyLength = text === null ? body.length : Buffer.byteLength(text);
  const request = exchange.request;
  const http10 = request.version === 'HTTP/1.0';
  const bodiless = isBodiless(status);
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  let present = 0;
  let chunked = false;
  if (spec.headers !== undefined) {
    forEachHeader(spec.headers, (name, value) => {
      if (!isToken(name) || !isFieldValue(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid header field ${JSON.stringify(name)}`);
      const bit = seen(name);
      present |= bit;
      if (bit === Seen.connection && /(^|,)\s*close\s*(,|$)/i.test(value)) exchange.persisted = false;
      if (bit === Seen.encoding) {
        if (!/^\s*chunked\s*$/i.test(value)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'only Transfer-Encoding: chunked can be sent');
        // HTTP/1.0 has no chunked coding: the body goes with a Content-Length instead.
        if (http10) return;
        chunked = !bodiless;
      }
      head += `${name}: ${value}\r\n`;
    });
  }
  if (exchange.requiredHeaders) {
    if ((present & Seen.date) === 0) head += `Date: ${exchange.date}\r\n`;
    if (exchange.server !== null && (present & Seen.server) === 0) head += `Server: ${exchange.server}\r\n`;
    if (contentType !== null && (present & Seen.type) === 0 && !bodiless) head += `Content-Type: ${contentType}\r\n`;
    if (!bodiless && !chunked && (present & Seen.length) === 0) head += `Content-Length: ${bodyLength}\r\n`;
    if ((present & Seen.connection) === 0) {
      if (!exchange.persisted) head += 'Connection: close\r\n';
      else if (http10) head += 'Connection: keep-alive\r\n';
    }
  }
  head += '\r\n';
  // What follows the head: nothing for HEAD and bodiless statuses, else the body, chunk-framed if asked.
  const sendsBody = !bodiless && request.method !== 'HEAD';
  const headLength = head.length;
  if (sendsBody && !chunked && text !== null) {
    const message = Buffer.allocUnsafe(headLength + bodyLength);
    (message as unknown as LatinWriter).latin1Write(head, 0, headLength);
    message.write(text, headLength, bodyLength, 'utf8');
    return message;
  }
  let payload: Buffer = EMPTY;
  if (sendsBody) {
    const bytes = text === null ? body : Buffer.from(text);
    if (!chunked) payload = bytes;
    else payload = bytes.length === 0 ? LAST_CHUNK : Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF_LAST_CHUNK]);
  }
  const message = Buffer.allocUnsafe(headLength + payload.length);
  (message as unknown as LatinWriter).latin1Write(head, 0, headLength);
  payload.copy(message, headLength);
  return message;
}

/** Buffer's own latin1 writer: the fast path behind write(text, offset, length, 'latin1'). */
interface LatinWriter {
  latin1Write(text: string, offset: number, length: number): number;
}

const EMPTY = Buffer.alloc(0);
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const CRLF_LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
