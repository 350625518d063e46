/**
 * @module
 * The HTTP limits and tolerances, with their defaults in one place. Every
 * limit is an option of the server; every tolerance of the strict parser is
 * a named switch, off by default except `browserChars`.
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
  /** Most chunks in one chunked body, unless they average at least 1 KiB (answer 413). */
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

/** Tolerances of the strict parser; each is off by default but browserChars. */
export interface HttpLenience {
  /** Accept a bare LF as a line end in the request line and header fields (never in chunked framing). */
  readonly bareLf: boolean;
  /** Accept obs-fold continuation lines, replacing each fold with one space. */
  readonly obsFold: boolean;
  /** Accept a "#fragment" in the request target and report it. */
  readonly fragment: boolean;
  /** Accept any visible ASCII in the request target (not only URI characters). */
  readonly targetChars: boolean;
  /**
   * Accept in the request target the characters browsers, fetch and urllib
   * send unencoded (WHATWG URL): `[ ] { } | ^`, backtick and backslash, as
   * in `?page[size]=10`. On by default; controls, space, DEL, `" < >` and raw
   * non-ASCII are rejected either way.
   */
  readonly browserChars: boolean;
}

/** Every tolerance off: the strict RFC 9112 / RFC 3986 grammar (`lenient: STRICT`). */
export const STRICT: HttpLenience = Object.freeze({ bareLf: false, obsFold: false, fragment: false, targetChars: false, browserChars: false });

/** The default tolerances: strict, except the target characters browsers send unencoded. */
export const DEFAULT_LENIENCE: HttpLenience = Object.freeze({ ...STRICT, browserChars: true });

/** The other defaults of an HTTP server, in seconds of tyme and bytes. */
export const HTTP_DEFAULTS = Object.freeze({
  /** Idle keep-alive timeout between requests. */
  keepAliveTymeout: 5,
  /**
   * How long a connection that owes the peer bytes may go without the peer
   * accepting any. The kernel reports a slow reader's progress only every
   * megabyte or two, so this is longer than the keep-alive tymeout.
   */
  sendTymeout: 60,
  /** Deadline for a whole header section, from its first byte (answer 408). */
  headerTymeout: 10,
  /**
   * How long a closing connection waits for the peer's close after our last
   * byte is written, discarding what the peer still sends; each discarded
   * read restarts it.
   */
  lingerTymeout: 2,
  /** Longest a closing connection lingers in all, however the peer trickles. */
  maxLingerTymeout: 30,
  /** Most bytes a closing connection discards (an unwanted upload) before it gives up and closes. */
  maxDiscardBytes: 16 * 1024 * 1024,
  /** Grace period of a request body, seconds from the end of its head, before minBodyRate applies (answer 408). */
  bodyTymeout: 10,
  /** Slowest average rate, bytes per second of tyme, at which a body may arrive after the grace period (answer 408). */
  minBodyRate: 1024,
  /** Requests parsed ahead of the one being answered, per connection. */
  maxPipelined: 16,
  /**
   * Most bytes a connection may hold in requests parsed ahead plus output not
   * yet written before it stops reading (the socket is then paused). The
   * request next in line is always read, up to maxBodyBytes.
   */
  maxBufferedBytes: 512 * 1024,
  /** Stop producing a response while this many bytes wait to be sent. */
  highWater: 256 * 1024,
  /** How long drain() lets in-flight requests finish before it force-closes what remains. */
  drainTymeout: 10,
});

/** The defaults of the event-stream client (`EventSource`) and its parser, in seconds of tyme and bytes. */
export const EVENT_STREAM_DEFAULTS = Object.freeze({
  /** Reconnection delay when the server sent no `retry` field (the HTML standard suggests a few seconds). */
  retryDelay: 3,
  /** Longest reconnection delay, however many attempts failed in a row. */
  maxRetryDelay: 30,
  /** Longest line, and largest data of one event, in bytes of UTF-8. */
  maxEventBytes: 1024 * 1024,
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

/** The names of the tolerances, for option and flag checking. */
export const LENIENCE_NAMES: readonly (keyof HttpLenience)[] = Object.freeze(Object.keys(STRICT) as (keyof HttpLenience)[]);

/** Merges tolerances over the defaults ({@link DEFAULT_LENIENCE}), rejecting unknown keys and non-booleans. */
export function resolveLenience(lenient: Partial<HttpLenience> = {}): HttpLenience {
  for (const [key, value] of Object.entries(lenient)) {
    if (!(key in STRICT)) throw new HioError('HIO_ERR_INVALID_OPTION', `unknown tolerance '${key}' (known: ${LENIENCE_NAMES.join(', ')})`);
    if (typeof value !== 'boolean') throw new HioError('HIO_ERR_INVALID_OPTION', `tolerance ${key} must be true or false`);
  }
  return { ...DEFAULT_LENIENCE, ...lenient };
}
