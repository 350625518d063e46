/**
 * @module
 * File responses: one file from a {@link FileSource} answered the way a
 * static file server answers it. {@link sendFile} gives a fetch handler the
 * `Response`; a {@link FileResponder} (see file-responder.ts) pours the same
 * answer for a BareServer. Both plan it here ({@link planFile}):
 *
 * - GET and HEAD only: other methods get 405 with `Allow: GET, HEAD` (a
 *   file is not something to post to; route other methods before calling);
 * - a missing path (or a directory) 404, FileError "denied" 403, "io" 500,
 *   each a short fixed text that never holds the path;
 * - Content-Type from the extension (mime-types, `charset=utf-8` on text
 *   types only), Content-Disposition for an attachment (RFC 6266, with
 *   `filename*` for names beyond ASCII), Cache-Control from maxAge and
 *   immutable;
 * - validators (a weak ETag from size and mtime, Last-Modified) and the
 *   conditional requests of RFC 9110 §13 (see preconditions.ts);
 * - byte ranges (RFC 9110 §14): one range, or several as
 *   multipart/byteranges, bounded (see byte-ranges.ts), for the identity
 *   coding only;
 * - precompressed siblings (`path.br`, `path.gz`) and compression on the
 *   fly, chosen by the client's Accept-Encoding q-values; `Vary:
 *   Accept-Encoding` whenever either is on.
 *
 * A GET opens the file before anything is decided and takes every number
 * (Content-Length, ranges, validators) from the opened file's stat, so the
 * body matches what the head announces — or, when the file shrinks under
 * it, the body fails and the server resets the connection. A HEAD only
 * stats: it never opens the file (so a file it may not read is still
 * announced 200).
 *
 * The body streams: a chunk is read only when the connection takes more,
 * and the file is closed when the body ends, fails or is abandoned.
 */
import { createHash } from 'node:crypto';
import { create as contentDisposition } from 'content-disposition';
import mime from 'mime-types';
import Negotiator from 'negotiator';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { FileError, type FileReader, type FileSource, type FileStat } from '../fs/file-source.js';
import { readRange, type ByteRange } from './byte-ranges.js';
import { bodyStream, CompressedBody, emptyStream, FileSpans, type BodySource, type ContentCoding, type Segment } from './file-body.js';
import type { HeadersInit } from './light-response.js';
import { evaluatePreconditions, fileEtag, formatHttpDate, rangeAllowed, wholeSecond, type ConditionalRequest, type Validators } from './preconditions.js';

export type { ContentCoding } from './file-body.js';

/** How {@link compress} compresses on the fly. */
export interface CompressOptions {
  /** Files smaller than this many bytes go uncompressed (default 1024). */
  readonly threshold?: number;
  /** The codings offered, in the server's order of preference at equal q (default ['br', 'gzip']). */
  readonly encodings?: readonly ContentCoding[];
}

/** How a file is answered. */
export interface FileResponseOptions {
  /** Where the file is read from. */
  readonly source: FileSource;
  /** The Content-Type, as given (default: from the extension, `application/octet-stream` when unknown). */
  readonly contentType?: string;
  /** Answer as a download: true names it after the path's last segment, a string names it so. */
  readonly attachment?: boolean | string;
  /** Seconds a cache may keep the answer fresh: `Cache-Control: max-age=N` (default: no Cache-Control). */
  readonly maxAge?: number;
  /** Adds `immutable` to the Cache-Control of maxAge. */
  readonly immutable?: boolean;
  /** Sends a weak ETag and honours If-Match and If-None-Match against it (default true). */
  readonly etag?: boolean;
  /** Sends Last-Modified and honours the date conditions against it (default true). */
  readonly lastModified?: boolean;
  /** Honours Range (default true). */
  readonly ranges?: boolean;
  /** Most ranges honoured in one request; more get the whole file (default 16). */
  readonly maxRanges?: number;
  /**
   * Serves `path.br` and `path.gz` when the client accepts them (true: both,
   * brotli first at equal q; or the codings to look for, in order). A
   * missing sibling falls back to the next coding, then to the file itself.
   */
  readonly precompressed?: boolean | readonly ContentCoding[];
  /**
   * Compresses on the fly (true: the defaults of {@link CompressOptions}).
   * Only types worth it: text/*, JSON, XML, JavaScript and SVG (`+json`,
   * `+xml` included) — a conservative rule, since fonts, images and archives
   * are mostly compressed already.
   */
  readonly compress?: boolean | CompressOptions;
  /**
   * More header fields for answers about the file (200, 206, 304, 416), each
   * replacing a field of the same name the answer would carry. The framing
   * fields (Content-Length, Content-Range, Content-Encoding,
   * Transfer-Encoding) are the answer's own and refused here.
   */
  readonly headers?: HeadersInit;
  /** Bytes read from the file at a time (default 64 KiB). */
  readonly chunkSize?: number;
}

/** What the client asked, as far as answering a file goes. */
export type FileRequest = ConditionalRequest;

/** An answer planned for one request. */
export interface FileAnswer {
  readonly status: number;
  /** The header fields, Content-Length aside. */
  readonly headers: Array<[string, string]>;
  /** The body's length in bytes, announced as Content-Length; -1 when only the sending will tell (compressed on the fly). */
  readonly length: number;
  /** The body to send; null when none is read (HEAD, 304, and the text answers). */
  readonly body: BodySource | null;
  /** A short fixed text sent as the body instead (errors, 412, 416), else null. */
  readonly text: string | null;
}

/** Options checked and settled with their defaults. */
export interface FileSettings {
  readonly source: FileSource;
  readonly contentType: string | null;
  readonly attachment: boolean | string;
  readonly cacheControl: string | null;
  readonly etag: boolean;
  readonly lastModified: boolean;
  readonly ranges: boolean;
  readonly maxRanges: number;
  readonly precompressed: readonly ContentCoding[];
  readonly compress: readonly ContentCoding[];
  readonly threshold: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly chunkSize: number;
}

/** The names of {@link FileResponseOptions}. */
export const FILE_OPTION_NAMES: readonly string[] = [
  'source',
  'contentType',
  'attachment',
  'maxAge',
  'immutable',
  'etag',
  'lastModified',
  'ranges',
  'maxRanges',
  'precompressed',
  'compress',
  'headers',
  'chunkSize',
];
const CODINGS: readonly ContentCoding[] = ['br', 'gzip'];
const FRAMING_FIELDS = ['content-length', 'content-range', 'content-encoding', 'transfer-encoding'];

/** Options objects already checked: an application passes the same one on every request. */
const settled = new WeakMap<FileResponseOptions, FileSettings>();

/** Checks `options` (throwing HIO_ERR_INVALID_OPTION) and settles their defaults, once per options object. */
export function fileSettings(options: FileResponseOptions): FileSettings {
  const known = settled.get(options);
  if (known !== undefined) return known;
  const owner = 'file response';
  if (options === null || typeof options !== 'object') throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: options are required`);
  checkOptions(owner, options, FILE_OPTION_NAMES);
  const source = options.source as FileSource | undefined;
  if (source === undefined || source === null || typeof source.open !== 'function' || typeof source.stat !== 'function') {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: source must be a FileSource`);
  }
  const maxAge = options.maxAge;
  if (maxAge !== undefined && !(typeof maxAge === 'number' && Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: maxAge must be a finite number of seconds >= 0`);
  }
  const compress = options.compress ?? false;
  const compressOptions: CompressOptions = typeof compress === 'object' ? compress : {};
  if (typeof compress === 'object') checkOptions(`${owner} compress`, compress, ['threshold', 'encodings']);
  const headers: Array<readonly [string, string]> = [];
  for (const [name, value] of new Headers(options.headers)) {
    if (FRAMING_FIELDS.includes(name)) throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${name} is the answer's own`);
    headers.push([name, value]);
  }
  const settings: FileSettings = {
    source,
    contentType: options.contentType ?? null,
    attachment: options.attachment ?? false,
    cacheControl: maxAge === undefined ? null : `max-age=${Math.floor(maxAge)}${options.immutable === true ? ', immutable' : ''}`,
    etag: options.etag ?? true,
    lastModified: options.lastModified ?? true,
    ranges: options.ranges ?? true,
    maxRanges: count(owner, 'maxRanges', options.maxRanges ?? 16),
    precompressed: codings(owner, 'precompressed', options.precompressed ?? false),
    compress: compress === false ? [] : codings(owner, 'compress.encodings', compressOptions.encodings ?? true),
    threshold: compressOptions.threshold === undefined ? 1024 : count(owner, 'compress.threshold', compressOptions.threshold, 0),
    headers,
    chunkSize: count(owner, 'chunkSize', options.chunkSize ?? 64 * 1024),
  };
  settled.set(options, settings);
  return settings;
}

function count(owner: string, name: string, value: number, least = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${name} must be a whole number >= ${least}`);
  }
  return value;
}

function codings(owner: string, name: string, value: boolean | readonly ContentCoding[]): readonly ContentCoding[] {
  if (value === true) return CODINGS;
  if (value === false) return [];
  if (!Array.isArray(value) || !value.every((coding) => CODINGS.includes(coding))) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${name} must be true, false or a list of 'br' and 'gzip'`);
  }
  return value;
}

/**
 * Answers a fetch `request` with the file at `path` (absolute, "/"
 * separated, as the source takes it; resolve and confine it first: this
 * serves whatever it is given). Rejects with HIO_ERR_INVALID_OPTION for bad
 * options, and with whatever the source throws that is not a FileError.
 * The body holds the file open until it is read to the end or cancelled:
 * return the Response to the server, which does one or the other.
 */
export async function sendFile(request: Request, path: string, options: FileResponseOptions): Promise<Response> {
  const settings = fileSettings(options);
  const headers = request.headers;
  const answer = await planFile({ method: request.method, header: (name) => headers.get(name) }, path, settings);
  try {
    return answerResponse(answer, request.method === 'HEAD');
  } catch (error) {
    // A field the Response refuses (a contentType with a line break): the file must not stay open.
    answer.body?.close();
    throw error;
  }
}

/** The Response for a planned answer. */
function answerResponse(answer: FileAnswer, head: boolean): Response {
  const headers = new Headers(answer.headers);
  const init = { status: answer.status, headers };
  if (answer.text !== null) {
    headers.set('content-length', String(answer.text.length));
    return new Response(answer.text, init);
  }
  if (answer.length >= 0 && answer.status !== 304) headers.set('content-length', String(answer.length));
  if (answer.body !== null) return new Response(bodyStream(answer.body), init);
  // A HEAD of a body compressed on the fly: a body of unknown length (chunked) is announced, none is sent.
  if (head && answer.length < 0 && answer.status !== 304) return new Response(emptyStream(), init);
  return new Response(null, init);
}

/** Plans the answer to `request` for the file at `path`. Rejects only with what the source throws that is not a FileError. */
export async function planFile(request: FileRequest, path: string, settings: FileSettings): Promise<FileAnswer> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return textAnswer(405, [['Allow', 'GET, HEAD']]);
  let reader: FileReader | null = null;
  try {
    const found = await findFile(request, path, settings);
    if (found === null) return textAnswer(404);
    reader = found.reader;
    return answerFound(request, path, settings, found);
  } catch (error) {
    // Whatever failed after the file was opened must not leave it open.
    reader?.close().catch(ignore);
    if (error instanceof FileError) return textAnswer(error.reason === 'denied' ? 403 : 500);
    throw error;
  }
}

/** The file chosen for the answer: opened (GET) or only stat'ed (HEAD), and its content coding. */
interface Found {
  readonly reader: FileReader | null;
  readonly stat: FileStat;
  /** A precompressed sibling's coding, or null for the file itself. */
  readonly sibling: ContentCoding | null;
}

/** Finds the file or the precompressed sibling to answer with; null when `path` names no file. */
async function findFile(request: FileRequest, path: string, settings: FileSettings): Promise<Found | null> {
  const source = settings.source;
  const head = request.method === 'HEAD';
  let original: FileStat | null = null;
  if (settings.precompressed.length > 0) {
    // A sibling stands for its file: without the file, there is nothing to answer.
    original = await source.stat(path);
    if (original === null || original.kind !== 'file') return null;
    for (const coding of preferredCodings(request, settings.precompressed)) {
      const sibling = `${path}${coding === 'br' ? '.br' : '.gz'}`;
      if (head) {
        const stat = await source.stat(sibling);
        if (stat !== null && stat.kind === 'file') return { reader: null, stat, sibling: coding };
      } else {
        const reader = await source.open(sibling);
        if (reader !== null) return { reader, stat: reader.stat, sibling: coding };
      }
    }
  }
  if (head) {
    const stat = original ?? (await source.stat(path));
    return stat === null || stat.kind !== 'file' ? null : { reader: null, stat, sibling: null };
  }
  const reader = await source.open(path);
  return reader === null ? null : { reader, stat: reader.stat, sibling: null };
}

/** Decides the answer for a file found: preconditions, coding, ranges. Closes the reader when no body will read it. */
function answerFound(request: FileRequest, path: string, settings: FileSettings, found: Found): FileAnswer {
  const { reader, stat } = found;
  const size = stat.size;
  const type = settings.contentType ?? contentTypeOf(path);
  let coding = found.sibling;
  let onTheFly = false;
  if (coding === null && settings.compress.length > 0 && size >= settings.threshold && compressible(type)) {
    coding = preferredCodings(request, settings.compress)[0] ?? null;
    onTheFly = coding !== null;
  }
  const validators: Validators = {
    etag: settings.etag ? fileEtag(size, stat.mtimeMs, coding) : null,
    modifiedMs: settings.lastModified ? wholeSecond(stat.mtimeMs) : null,
  };
  // What a 304 repeats of the 200 (RFC 9110 §15.4.5).
  const meta: Array<[string, string]> = [];
  if (validators.etag !== null) meta.push(['ETag', validators.etag]);
  if (validators.modifiedMs !== null) meta.push(['Last-Modified', formatHttpDate(validators.modifiedMs)]);
  if (settings.cacheControl !== null) meta.push(['Cache-Control', settings.cacheControl]);
  if (settings.precompressed.length > 0 || settings.compress.length > 0) meta.push(['Vary', 'Accept-Encoding']);

  const precondition = evaluatePreconditions(request, validators);
  if (precondition !== 'proceed') {
    reader?.close().catch(ignore);
    return precondition === 304 ? { status: 304, headers: withExtra(meta, settings), length: -1, body: null, text: null } : textAnswer(412);
  }

  const headers: Array<[string, string]> = [['Content-Type', type], ...meta];
  if (settings.attachment !== false) headers.push(['Content-Disposition', disposition(settings.attachment, path)]);
  if (coding !== null) headers.push(['Content-Encoding', coding]);
  // Ranges are offered and honoured on the identity coding only.
  const ranged = coding === null && settings.ranges;
  if (ranged) headers.push(['Accept-Ranges', 'bytes']);

  const range = request.header('range');
  if (ranged && range !== null && request.method === 'GET' && rangeAllowed(request, validators)) {
    const asked = readRange(range, size, settings.maxRanges);
    if (asked.kind === 'unsatisfiable') {
      reader?.close().catch(ignore);
      return textAnswer(416, withExtra([...meta, ['Accept-Ranges', 'bytes'], ['Content-Range', `bytes */${size}`]], settings));
    }
    if (asked.kind === 'ranges') {
      const ranges = asked.ranges;
      if (ranges.length === 1) {
        const only = ranges[0]!;
        headers.push(['Content-Range', `bytes ${only.start}-${only.end}/${size}`]);
        return fileAnswer(206, withExtra(headers, settings), only.end - only.start + 1, reader, [only], settings, null, size);
      }
      const parts = multipart(ranges, type, size, validators.etag ?? fileEtag(size, stat.mtimeMs));
      headers[0] = ['Content-Type', `multipart/byteranges; boundary=${parts.boundary}`];
      return fileAnswer(206, withExtra(headers, settings), parts.length, reader, parts.segments, settings, null, size);
    }
  }
  const whole: Segment[] = size === 0 ? [] : [{ start: 0, end: size - 1 }];
  return fileAnswer(200, withExtra(headers, settings), onTheFly ? -1 : size, reader, whole, settings, onTheFly ? coding : null, size);
}

/** An answer with a body read from the file (GET) or only announced (HEAD: no reader). */
function fileAnswer(
  status: number,
  headers: Array<[string, string]>,
  length: number,
  reader: FileReader | null,
  segments: readonly Segment[],
  settings: FileSettings,
  compressWith: ContentCoding | null,
  size: number,
): FileAnswer {
  let body: BodySource | null = null;
  if (reader !== null) {
    body = new FileSpans(reader, segments, settings.chunkSize);
    if (compressWith !== null) body = new CompressedBody(body, compressWith, size);
  }
  return { status, headers, length, body, text: null };
}

/**
 * The segments of a multipart/byteranges body (RFC 9110 §14.6) and its
 * length. The boundary is derived, never random: a digest of the entity tag
 * and the ranges, which no file holds by chance. The same request of the
 * same file gets the same boundary, so a simulation replays byte for byte.
 */
function multipart(ranges: readonly ByteRange[], type: string, size: number, etag: string): { boundary: string; segments: Segment[]; length: number } {
  const spec = ranges.map((range) => `${range.start}-${range.end}`).join(',');
  const boundary = `hio-${createHash('sha256').update(`${etag} ${spec}`).digest('hex').slice(0, 32)}`;
  const segments: Segment[] = [];
  let length = 0;
  ranges.forEach((range, index) => {
    const head = Buffer.from(
      `${index === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
      'latin1',
    );
    segments.push(head, range);
    length += head.length + range.end - range.start + 1;
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  segments.push(tail);
  length += tail.length;
  return { boundary, segments, length };
}

/** The texts of the answers that are not the file. */
const TEXTS: Readonly<Record<number, string>> = {
  403: 'Forbidden\n',
  404: 'Not Found\n',
  405: 'Method Not Allowed\n',
  412: 'Precondition Failed\n',
  416: 'Range Not Satisfiable\n',
  500: 'Internal Server Error\n',
};

function textAnswer(status: number, headers: Array<[string, string]> = []): FileAnswer {
  const fields = headers.filter(([name]) => name.toLowerCase() !== 'content-type');
  return { status, headers: [['Content-Type', 'text/plain; charset=utf-8'], ...fields], length: -1, body: null, text: TEXTS[status]! };
}

/** The answer's fields with the options' extra ones, each replacing a field of its name. */
function withExtra(headers: Array<[string, string]>, settings: FileSettings): Array<[string, string]> {
  const extra = settings.headers;
  if (extra.length === 0) return headers;
  const names = new Set(extra.map(([name]) => name));
  const kept = headers.filter(([name]) => !names.has(name.toLowerCase()));
  for (const [name, value] of extra) kept.push([name, value]);
  return kept;
}

/** The Content-Type a file's name says (mime-types: `; charset=utf-8` on text types), or application/octet-stream. */
function contentTypeOf(path: string): string {
  // mime-types takes a string with a "/" for a type, not a name: give it the last segment.
  return mime.contentType(lastSegment(path)) || 'application/octet-stream';
}

function lastSegment(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** Content-Disposition for a download: RFC 6266 with an ISO-8859-1 fallback and `filename*` when the name needs it. */
function disposition(attachment: true | string, path: string): string {
  const name = attachment === true ? lastSegment(path) : attachment;
  return name === '' ? 'attachment' : contentDisposition(name);
}

/** Whether a type is worth compressing: text, JSON, XML, JavaScript, SVG. */
export function compressible(type: string): boolean {
  const essence = (type.split(';', 1)[0] ?? '').trim().toLowerCase();
  return (
    essence.startsWith('text/') ||
    essence.endsWith('+json') ||
    essence.endsWith('+xml') ||
    essence === 'application/json' ||
    essence === 'application/xml' ||
    essence === 'application/javascript' ||
    essence === 'application/x-javascript'
  );
}

/** Negotiator's encodings(), with the `preferred` order its types leave out. */
type Encodings = (available: readonly string[], options: { readonly preferred: readonly string[] }) => string[];

/**
 * The codings of `offered` the client prefers to the identity coding, best
 * first: by q-value, then in the offered order. None without an
 * Accept-Encoding (no preference means identity will do).
 */
function preferredCodings(request: FileRequest, offered: readonly ContentCoding[]): ContentCoding[] {
  const header = request.header('accept-encoding');
  if (header === null) return [];
  const negotiator = new Negotiator({ headers: { 'accept-encoding': header } });
  const available = [...offered, 'identity'];
  const order = (negotiator.encodings as unknown as Encodings).call(negotiator, available, { preferred: available });
  const preferred: ContentCoding[] = [];
  for (const coding of order) {
    if (coding === 'identity') break;
    preferred.push(coding as ContentCoding);
  }
  return preferred;
}

function ignore(): void {}
