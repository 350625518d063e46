/**
 * @module
 * The HTTP limits and tolerances, with their defaults in one place. Every
 * limit is an option of the server; every tolerance of the strict parser is
 * a named switch, off by default.
 */
import { HioError } from '../core/errors.js';

/** Resource limits of the request parser. */
export interface HttpLimits {
  /** Longest request line in bytes, CRLF excluded (answer 414). */
  readonly maxRequestLineBytes: number;
  /** Largest header section in bytes, and separately largest trailer section (answer 431). */
  readonly maxHeaderBytes: number;
  /** Most field lines in the header section, and separately in the trailers (answer 431). */
  readonly maxHeaders: number;
  /** Largest request body in bytes, declared or received (answer 413). */
  readonly maxBodyBytes: number;
  /** Most chunks in one chunked body (answer 413). */
  readonly maxChunks: number;
  /** Longest chunk-size line, extensions included, in bytes (answer 400). */
  readonly maxChunkLineBytes: number;
  /** Most empty lines tolerated before a request line (answer 400). */
  readonly maxLeadingEmptyLines: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: HttpLimits = Object.freeze({
  maxRequestLineBytes: 16 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxHeaders: 200,
  maxBodyBytes: 1024 * 1024,
  maxChunks: 16 * 1024,
  maxChunkLineBytes: 4096,
  maxLeadingEmptyLines: 4,
});

/** Tolerances of the strict parser; each is off by default. */
export interface HttpLenience {
  /** Accept a bare LF as a line end in the request line and header fields (never in chunked framing). */
  readonly bareLf: boolean;
  /** Accept obs-fold continuation lines, replacing each fold with one space. */
  readonly obsFold: boolean;
  /** Accept a "#fragment" in the request target and report it. */
  readonly fragment: boolean;
  /** Accept any visible ASCII in the request target (not only URI characters). */
  readonly targetChars: boolean;
}

/** The defaults: strict everywhere. */
export const STRICT: HttpLenience = Object.freeze({ bareLf: false, obsFold: false, fragment: false, targetChars: false });

/** The other defaults of an HTTP server, in seconds of tyme and bytes. */
export const HTTP_DEFAULTS = Object.freeze({
  /** Idle keep-alive timeout between requests. */
  keepAliveTymeout: 5,
  /** Deadline for a whole header section, from its first byte (answer 408). */
  headerTymeout: 10,
  /** How long a closing connection waits for the peer's close after ours. */
  lingerTymeout: 2,
  /** Requests parsed ahead of the one being answered, per connection. */
  maxPipelined: 16,
  /** Stop producing a response while this many bytes wait to be sent. */
  highWater: 256 * 1024,
});

/** Merges options over defaults, rejecting unknown keys and invalid values. */
export function resolveLimits(limits: Partial<HttpLimits> = {}): HttpLimits {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_LIMITS)) throw new HioError('HIO_ERR_INVALID_OPTION', `unknown limit '${key}'`);
    if (!Number.isInteger(value) || (value as number) < 0) throw new HioError('HIO_ERR_INVALID_OPTION', `limit ${key} must be an integer >= 0`);
  }
  return merged;
}

/** Merges tolerances over the strict defaults, rejecting unknown keys. */
export function resolveLenience(lenient: Partial<HttpLenience> = {}): HttpLenience {
  for (const key of Object.keys(lenient)) {
    if (!(key in STRICT)) throw new HioError('HIO_ERR_INVALID_OPTION', `unknown tolerance '${key}'`);
  }
  return { ...STRICT, ...lenient };
}
