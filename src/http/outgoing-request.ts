/**
 * @module
 * An outgoing request, as the {@link Patron} sends it: a checked method and
 * URL, header fields held to RFC 9110's grammar, and a body source. The
 * head is framed once into bytes ({@link OutgoingRequest.headBytes}), with
 * `Host` first and the body's framing (`Content-Length` for bytes and
 * strings, `Transfer-Encoding: chunked` for streams and generators unless a
 * length was given) decided here, so a connection only writes.
 *
 * Everything wrong with a request is a programmer's mistake found before
 * any byte is sent, so it throws at once (HIO_ERR_INVALID_REQUEST): a method
 * that is not a token, a URL that is not http(s) or has credentials, a
 * header name that is not a token, a value with CR, LF or NUL, a framing
 * header that contradicts the body.
 */
import { HioError } from '../core/errors.js';
import { FIELD_VALUE, TCHAR } from './chars.js';

/** What a request body may be given as; strings are sent as UTF-8. */
export type RequestBodySource =
  Uint8Array | ArrayBuffer | string | ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** Header fields as a caller gives them. */
export type HeaderFields =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | number | readonly string[]>>
  | { forEach(callback: (value: string, name: string) => void): void };

/** A request given to a {@link Patron}. */
export interface PatronRequest {
  /** The method (default GET); a token, sent as given (upper-case it yourself). */
  readonly method?: string;
  /** An absolute http: or https: URL. */
  readonly url: string | URL;
  /** Header fields; `Host`, `Content-Length` and `Transfer-Encoding` are set from the URL and the body. */
  readonly headers?: HeaderFields;
  /** The body: bytes or a string (sent with Content-Length), or a stream, async iterable or generator (chunked). */
  readonly body?: RequestBodySource | null;
  /**
   * Send `Expect: 100-continue` and hold the body until the server answers
   * 100 (or `continueTymeout` passes). Default: only for bodies of at least
   * the Patron's `expectContinueBytes`.
   */
  readonly expectContinue?: boolean;
}

/** Methods whose effect is the same however many times they are sent (RFC 9110 §9.2.2): safe to retry and to pipeline. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Methods that carry a body by convention: without one they say `Content-Length: 0`, as fetch does. */
const BODY_EXPECTED = new Set(['POST', 'PUT', 'PATCH']);

/** Header fields the Patron frames itself. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect']);

const EMPTY = Buffer.alloc(0);

/** A body kept as bytes (replayable) or pulled from a source as it is sent (once only). */
export type OutgoingBody = { readonly kind: 'bytes'; readonly bytes: Buffer } | { readonly kind: 'stream'; readonly source: RequestBodySource };

function invalid(message: string): HioError {
  return new HioError('HIO_ERR_INVALID_REQUEST', message);
}

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || TCHAR[code] !== 1) return false;
  }
  return true;
}

/** A field value: no CR, LF or NUL, no leading or trailing whitespace (trimmed as fetch does), Latin-1 only. */
function fieldValue(name: string, value: string): string {
  const trimmed = value.replace(/^[\t ]+|[\t ]+$/g, '');
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code > 255 || FIELD_VALUE[code] !== 1) throw invalid(`the value of header ${name} holds a character a field value cannot`);
  }
  return trimmed;
}

/** The caller's header fields as [name, value] pairs, in order. */
export function headerPairs(headers: HeaderFields | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (headers === undefined) return pairs;
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers) && !(Symbol.iterator in headers)) {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => pairs.push([name, value]));
  } else if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) pairs.push([String(name), String(value)]);
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | number | readonly string[]>)) {
      if (Array.isArray(value)) for (const each of value as readonly string[]) pairs.push([name, String(each)]);
      else pairs.push([name, String(value)]);
    }
  }
  return pairs;
}

/** The origin a URL is sent to: the pool key and where to connect. */
export interface Origin {
  /** "http://host:port" with the port always written. */
  readonly key: string;
  readonly secure: boolean;
  /** Host name or address, IPv6 without brackets. */
  readonly hostname: string;
  readonly port: number;
}

/** The origin of an http(s) URL. */
export function originOf(url: URL): Origin {
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { key: `${url.protocol}//${url.hostname}:${port}`, secure, hostname, port };
}

/** A checked request, ready to frame. */
export class OutgoingRequest {
  /** The request as given, to build it again (without `Expect` after a 417). */
  readonly source: PatronRequest;
  readonly method: string;
  readonly url: URL;
  readonly origin: Origin;
  /** The caller's header fields, checked (framing fields removed). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: OutgoingBody | null;
  /** The body's length when known before sending, else -1 (chunked). */
  readonly length: number;
  /** True when the request carries `Expect: 100-continue`. */
  readonly expectContinue: boolean;
  /** True when the caller asked to close the connection after the answer (`Connection: close`). */
  readonly closes: boolean;
  /** True for idempotent methods: retried once after a lost reused connection, and pipelined when allowed. */
  readonly idempotent: boolean;
  /** The framed head: request line, fields, the empty line. */
  readonly headBytes: Buffer;

  constructor(request: PatronRequest, expectContinueBytes: number) {
    const method = request.method ?? 'GET';
    if (!isToken(method)) throw invalid(`the method ${JSON.stringify(method)} is not a token`);
    if (method === 'CONNECT') throw invalid('CONNECT is not supported');
    let url: URL;
    try {
      url = request.url instanceof URL ? request.url : new URL(request.url);
    } catch (cause) {
      throw new HioError('HIO_ERR_INVALID_REQUEST', `not an absolute URL: ${String(request.url)}`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`the scheme ${url.protocol} is not http: or https:`);
    if (url.username !== '' || url.password !== '') throw invalid('a URL with credentials is not sent; use an Authorization header');
    this.source = request;
    this.method = method;
    this.url = url;
    this.origin = originOf(url);
    this.idempotent = IDEMPOTENT.has(method);

    let declared = -1;
    let chunkedAsked = false;
    let expectAsked: boolean | null = null;
    const fields: Array<readonly [string, string]> = [];
    for (const [name, raw] of headerPairs(request.headers)) {
      if (!isToken(name)) throw invalid(`the header name ${JSON.stringify(name)} is not a token`);
      const value = fieldValue(name, raw);
      const lower = name.toLowerCase();
      if (!FRAMING.has(lower)) {
        fields.push([name, value]);
        continue;
      }
      if (lower === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (declared >= 0 && declared !== Number(value))) throw invalid('invalid Content-Length');
        declared = Number(value);
      } else if (lower === 'transfer-encoding') {
        if (value.toLowerCase() !== 'chunked') throw invalid('only Transfer-Encoding: chunked can be sent');
        chunkedAsked = true;
      } else if (lower === 'expect') {
        if (value.toLowerCase() !== '100-continue') throw invalid('only Expect: 100-continue can be sent');
        expectAsked = true;
      } else if (lower === 'connection') {
        // Connection options name hop-by-hop fields; the Patron manages persistence itself, so only "close" is kept.
        if (value.toLowerCase() === 'close') fields.push([name, 'close']);
      } else if (lower === 'host') {
        throw invalid('Host is taken from the URL');
      }
    }
    if (declared >= 0 && chunkedAsked) throw invalid('Content-Length and Transfer-Encoding together');

    const source = request.body ?? null;
    let body: OutgoingBody | null = null;
    if (source !== null) {
      if (method === 'GET' || method === 'HEAD') throw invalid(`a ${method} request cannot have a body`);
      if (typeof source === 'string') body = { kind: 'bytes', bytes: Buffer.from(source, 'utf8') };
      else if (source instanceof ArrayBuffer) body = { kind: 'bytes', bytes: Buffer.from(source) };
      else if (ArrayBuffer.isView(source)) body = { kind: 'bytes', bytes: Buffer.from(source.buffer, source.byteOffset, source.byteLength) };
      else body = { kind: 'stream', source };
    }
    if (body?.kind === 'bytes') {
      if (declared >= 0 && declared !== body.bytes.length) throw invalid('Content-Length differs from the body length');
      if (chunkedAsked) body = { kind: 'stream', source: [body.bytes] };
      else declared = body.bytes.length;
    }
    if (body === null && declared > 0) throw invalid('Content-Length given without a body');
    this.body = body;
    this.length = body === null ? 0 : declared;
    const large = this.length >= expectContinueBytes || (this.length < 0 && expectContinueBytes === 0);
    this.expectContinue = body !== null && (request.expectContinue ?? expectAsked ?? large);
    this.headers = fields;
    this.closes = fields.some(([name, value]) => value === 'close' && name.toLowerCase() === 'connection');

    let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const [name, value] of fields) head += `${name}: ${value}\r\n`;
    if (body === null) {
      if (BODY_EXPECTED.has(method)) head += 'Content-Length: 0\r\n';
    } else if (this.length >= 0) {
      head += `Content-Length: ${this.length}\r\n`;
    } else {
      head += 'Transfer-Encoding: chunked\r\n';
    }
    if (this.expectContinue) head += 'Expect: 100-continue\r\n';
    this.headBytes = Buffer.from(`${head}\r\n`, 'latin1');
  }

  /** True when the body can be sent again (bytes, or none): a retry or a 307 may resend it. */
  get replayable(): boolean {
    return this.body === null || this.body.kind === 'bytes';
  }

  /** The body bytes when kept as bytes, else empty. */
  get bytes(): Buffer {
    return this.body?.kind === 'bytes' ? this.body.bytes : EMPTY;
  }
}
