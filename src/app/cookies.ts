/**
 * @module
 * Cookies for fetch handlers (RFC 6265): {@link setCookie} and
 * {@link deleteCookie} append a Set-Cookie line to response headers, and
 * {@link getCookies} reads a request's Cookie header. Names, values, paths
 * and domains are checked, so nothing given to them can add an attribute
 * or a header of its own (CVE-2024-47764 was exactly that).
 */
import { HioError } from '../core/errors.js';
import { isToken } from '../http/chars.js';

/** Attributes of a cookie. */
export interface CookieOptions {
  /** Seconds until it expires (0 or less: at once). */
  readonly maxAge?: number;
  readonly expires?: Date;
  readonly path?: string;
  readonly domain?: string;
  readonly secure?: boolean;
  readonly httpOnly?: boolean;
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
  /** CHIPS: keyed to the top-level site (needs secure). */
  readonly partitioned?: boolean;
}

/** cookie-octet (RFC 6265 §4.1.1): visible ASCII but DQUOTE, comma, semicolon and backslash. */
const COOKIE_VALUE = /^(?:"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"|[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*)$/;
/** An attribute value: no control characters and no semicolon. */
const ATTRIBUTE_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;
/** A domain: letters, digits, dots and hyphens, with an optional leading dot. */
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

function bad(what: string): never {
  throw new HioError('HIO_ERR_INVALID_OPTION', `cookie: invalid ${what}`);
}

/** The Set-Cookie line for a cookie, checked. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!isToken(name)) bad('name');
  if (!COOKIE_VALUE.test(value)) bad('value (encode it, e.g. with encodeURIComponent)');
  let line = `${name}=${value}`;
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge)) bad('maxAge');
    line += `; Max-Age=${Math.max(0, Math.floor(options.maxAge))}`;
  }
  if (options.expires !== undefined) {
    if (!(options.expires instanceof Date) || Number.isNaN(options.expires.getTime())) bad('expires');
    line += `; Expires=${options.expires.toUTCString()}`;
  }
  if (options.domain !== undefined) {
    if (!DOMAIN.test(options.domain)) bad('domain');
    line += `; Domain=${options.domain}`;
  }
  if (options.path !== undefined) {
    if (!ATTRIBUTE_VALUE.test(options.path)) bad('path');
    line += `; Path=${options.path}`;
  }
  if (options.secure === true) line += '; Secure';
  if (options.httpOnly === true) line += '; HttpOnly';
  if (options.sameSite !== undefined) {
    if (!['Strict', 'Lax', 'None'].includes(options.sameSite)) bad('sameSite');
    // Browsers drop SameSite=None without Secure: refuse it rather than send a cookie that never sticks.
    if (options.sameSite === 'None' && options.secure !== true) bad('sameSite None without secure');
    line += `; SameSite=${options.sameSite}`;
  }
  if (options.partitioned === true) {
    if (options.secure !== true) bad('partitioned without secure');
    line += '; Partitioned';
  }
  return line;
}

/** Appends a Set-Cookie line to `headers`. */
export function setCookie(headers: Headers, name: string, value: string, options: CookieOptions = {}): void {
  headers.append('set-cookie', serializeCookie(name, value, options));
}

/** Appends a Set-Cookie line that removes the cookie (same path and domain as it was set with). */
export function deleteCookie(headers: Headers, name: string, options: Pick<CookieOptions, 'path' | 'domain' | 'secure'> = {}): void {
  setCookie(headers, name, '', { ...options, maxAge: 0, expires: new Date(0) });
}

/** {@link deleteCookie} by the name other frameworks give it. */
export const unsetCookie = deleteCookie;

/** The cookies a request sent, by name (the first of a repeated name wins); malformed pairs are skipped. */
export function getCookies(request: Request | Headers): Record<string, string> {
  const header = (request instanceof Headers ? request : request.headers).get('cookie');
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  if (header === null) return cookies;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    const name = pair.slice(0, equals).trim();
    let value = pair.slice(equals + 1).trim();
    if (!isToken(name) || name in cookies) continue;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies[name] = value;
  }
  return cookies;
}
