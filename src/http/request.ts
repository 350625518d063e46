/**
 * @module
 * A parsed HTTP request: what a {@link Requestant} produces once a request
 * is complete. The target is kept as sent and split into path and query
 * without decoding, so "%2F" and "%3F" never turn into structure; decoding
 * is the application's choice ({@link queryPairs} offers one).
 */
import type { Hict } from '../core/hict.js';
import type { RequestBody } from './request-body.js';

/** The four request-target forms of RFC 9112 §3.2. */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** A complete request. */
export interface Request {
  /** The method token, case preserved ("GET"). */
  readonly method: string;
  /** The request target exactly as sent. */
  readonly target: string;
  readonly form: TargetForm;
  /** Scheme of an absolute-form target ("http"), else "". */
  readonly scheme: string;
  /** host[:port] from an absolute- or authority-form target, else the Host header ("" without one). */
  readonly authority: string;
  /** The path, not percent-decoded ("" for authority and asterisk forms). */
  readonly path: string;
  /** The query without its "?", not decoded ("" when absent). */
  readonly query: string;
  /** The fragment without its "#" (only with the `fragment` tolerance; else ""). */
  readonly fragment: string;
  /** "HTTP/1.0" or "HTTP/1.1" (a later 1.x minor is answered as 1.1). */
  readonly version: 'HTTP/1.0' | 'HTTP/1.1';
  /** Every header field line, in order. */
  readonly headers: Hict;
  /** Trailer fields of a chunked body (empty otherwise). */
  readonly trailers: Hict;
  /** The whole body (empty when there is none, and when it is streamed: see bodyStream). */
  readonly body: Buffer;
  /**
   * The body while it arrives, when the server answers the request before
   * its body is complete (`streamBodies`); absent when `body` holds it whole.
   * `trailers` fill in once it ends.
   */
  readonly bodyStream?: RequestBody;
  /** True when the body came chunked. */
  readonly chunked: boolean;
  /** True when the connection may carry another request after this one's response. */
  readonly persisted: boolean;
  /** True when the client asked for "100-continue" (HTTP/1.1 only). */
  readonly expectContinue: boolean;
}

/**
 * Splits a query on "&" into decoded [name, value] pairs: "+" is a space,
 * percent-escapes are decoded (left as they are when malformed), a name
 * without "=" has the value "". Every pair is kept, in order.
 */
export function queryPairs(query: string): Array<[string, string]> {
  if (query === '') return [];
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return pairs;
}

function decodeComponent(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
