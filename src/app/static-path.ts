/**
 * @module
 * Static path resolution: from a request's path, still percent-encoded, to
 * the names of a file under a served root — or the status that refuses it.
 * It is the one place a static file server decides what a path may name,
 * so it is strict, pure and table-tested.
 *
 * The raw path is split at its literal "/" first and each segment is
 * percent-decoded exactly once afterwards, so no escape can make or remove
 * a boundary. A segment is refused when it could name something other than
 * what it says on some file system, whatever this one is:
 *
 * - 414: more than `maxBytes` (4096) characters.
 * - 400: not starting with "/"; a raw character outside visible ASCII, or a
 *   raw "\", "?" or "#"; an empty segment ("//": no second canonical
 *   spelling, and never a "//host" to redirect to); a malformed escape or
 *   bytes that are not UTF-8 (overlong forms and surrogates included); a
 *   decoded control character, "/" or "\"; a "." or ".." segment, raw or
 *   encoded; a ":" (drive letters, NTFS streams); a trailing "." or space
 *   (Windows drops them, so "a.html." is "a.html" there); a DOS device name
 *   (CON, NUL, COM1…); a "~" followed by a digit (an 8.3 alias such as
 *   GIT~1 for .git); and any of these appearing once the segment is
 *   NFKC-normalised ("．．", "／", "＼" are "..", "/", "\").
 * - dotfiles, segments starting with "." (also after NFKC) anywhere in the
 *   path: "ignore" (the default) → 404, "deny" → 403, "allow" → served.
 *
 * Reasons are fixed phrases; none repeats the input.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { HioError } from '../core/errors.js';

/** What to do with a path through a dotfile or dot-directory (".env", ".git/config"). */
export type DotfilePolicy = 'ignore' | 'allow' | 'deny';

/** How strict {@link staticPath} is. */
export interface StaticPathOptions {
  /** "ignore" (404, the default), "deny" (403) or "allow". */
  readonly dotfiles?: DotfilePolicy;
  /** The longest raw path accepted, in bytes (default {@link DEFAULT_MAX_PATH_BYTES}); longer is 414. */
  readonly maxBytes?: number;
}

/** The statuses a path is refused with. */
export type StaticPathStatus = 400 | 403 | 404 | 414;

/** A verdict on a request path. */
export type StaticPath =
  | {
      readonly ok: true;
      /** Decoded names under the root, none empty, ".", ".." or holding a separator; [] for the root. */
      readonly segments: readonly string[];
      /** The path ended with "/": the client asked for a directory. */
      readonly directory: boolean;
    }
  | {
      readonly ok: false;
      readonly status: StaticPathStatus;
      /** A fixed phrase for logs; never any part of the input. */
      readonly reason: string;
    };

/** The longest raw path {@link staticPath} accepts by default. */
export const DEFAULT_MAX_PATH_BYTES = 4096;

const POLICIES: readonly string[] = ['ignore', 'allow', 'deny'];
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

/** DOS device names, matched on the name before its first "." once trailing spaces go. */
const DEVICE = /^(?:con|prn|aux|nul|conin\$|conout\$|com[0-9]|lpt[0-9])$/i;
/** An 8.3 short-name alias ("PROGRA~1"). */
const SHORT_NAME = /~[0-9]/;

function refuse(status: StaticPathStatus, reason: string): StaticPath {
  return { ok: false, status, reason };
}

/** Whether a decoded name holds a character no segment may: a C0 or C1 control, DEL, "/", "\" or ":". */
function hasForbidden(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2f || code === 0x5c || code === 0x3a) return true;
  }
  return false;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Percent-decodes one raw segment (visible ASCII) as UTF-8; null when an escape is malformed or the bytes are not UTF-8. */
function decodeSegment(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  const bytes = new Uint8Array(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code !== 0x25) {
      bytes[length++] = code;
      continue;
    }
    const high = hexDigit(raw.charCodeAt(i + 1));
    const low = hexDigit(raw.charCodeAt(i + 2));
    if (high < 0 || low < 0) return null;
    bytes[length++] = high * 16 + low;
    i += 2;
  }
  try {
    return UTF8.decode(bytes.subarray(0, length));
  } catch {
    return null;
  }
}

/** Why a decoded segment could name something else than it says, or null when it cannot. */
function hazardOf(name: string): string | null {
  if (hasForbidden(name)) return 'a segment holds a control character, a separator or a colon';
  if (name === '.' || name === '..') return 'a dot segment';
  if (name.endsWith('.') || name.endsWith(' ')) return 'a segment ends with a dot or a space';
  if (DEVICE.test(name.split('.', 1)[0]!.trimEnd())) return 'a segment is a device name';
  if (SHORT_NAME.test(name)) return 'a segment looks like a short-name alias';
  return null;
}

/**
 * Judges a request path: the decoded segments of a file under the served
 * root, or the status to refuse it with (see the module notes for the
 * rules). `pathname` is the raw path after any mount prefix, starting with
 * "/", still percent-encoded, without query or fragment. Never throws for
 * any input; throws HIO_ERR_INVALID_OPTION for bad options.
 */
export function staticPath(pathname: string, options: StaticPathOptions = {}): StaticPath {
  const dotfiles = options.dotfiles ?? 'ignore';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PATH_BYTES;
  if (!POLICIES.includes(dotfiles)) throw new HioError('HIO_ERR_INVALID_OPTION', 'staticPath: dotfiles must be "ignore", "allow" or "deny"');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new HioError('HIO_ERR_INVALID_OPTION', 'staticPath: maxBytes must be a positive integer');
  if (typeof pathname !== 'string') return refuse(400, 'the path is not a string');
  if (pathname.length > maxBytes) return refuse(414, 'the path is too long');
  if (pathname.charCodeAt(0) !== 0x2f) return refuse(400, 'the path does not start with a slash');
  for (let i = 0; i < pathname.length; i++) {
    const code = pathname.charCodeAt(i);
    // visible ASCII only; "\" is a separator somewhere, "?" and "#" belong to the query and fragment
    if (code < 0x21 || code > 0x7e || code === 0x5c || code === 0x3f || code === 0x23) return refuse(400, 'the path holds a character it may not');
  }
  const parts = pathname.split('/');
  const directory = parts.at(-1) === '';
  const segments: string[] = [];
  let dotted = false;
  for (let i = 1; i < parts.length - (directory ? 1 : 0); i++) {
    const raw = parts[i]!;
    if (raw === '') return refuse(400, 'the path has an empty segment');
    const name = decodeSegment(raw);
    if (name === null) return refuse(400, 'a segment is not percent-encoded UTF-8');
    const hazard = hazardOf(name);
    if (hazard !== null) return refuse(400, hazard);
    const folded = name.normalize('NFKC');
    if (folded !== name && hazardOf(folded) !== null) return refuse(400, 'a segment is hazardous once normalised');
    if (name.startsWith('.') || folded.startsWith('.')) dotted = true;
    segments.push(name);
  }
  if (dotted && dotfiles === 'ignore') return refuse(404, 'the path leads through a dotfile');
  if (dotted && dotfiles === 'deny') return refuse(403, 'the path leads through a dotfile');
  return { ok: true, segments, directory };
}

/** Throws unless `root` is absolute: relative to what the process's directory happens to be is no root. */
function checkRoot(owner: string, root: string): string {
  if (typeof root !== 'string' || !isAbsolute(root)) throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: the root must be an absolute path`);
  return resolve(root);
}

/**
 * Whether `path` is `root` or lies under it, comparing resolved paths
 * component-wise ("/srv/site-old" is not under "/srv/site"). To catch a
 * symlink leading out of the root, pass the real paths of both (from
 * FileSource#realpath): a lexical check cannot see where links lead.
 */
export function isUnder(root: string, path: string): boolean {
  const base = checkRoot('isUnder', root);
  if (typeof path !== 'string' || !isAbsolute(path)) return false;
  const target = resolve(path);
  if (target === base) return true;
  return target.startsWith(base.endsWith(sep) ? base : base + sep);
}

/**
 * The platform path of `segments` under the absolute `root`, or null when
 * a segment is empty, "." or "..", holds a separator or NUL, or the result
 * would not lie under the root (a drive letter on Windows). Segments from
 * {@link staticPath} always join; the check is here so no caller has to
 * trust them.
 */
export function joinUnder(root: string, segments: readonly string[]): string | null {
  const base = checkRoot('joinUnder', root);
  for (const name of segments) {
    if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) return null;
  }
  const joined = resolve(base, ...segments);
  return isUnder(base, joined) ? joined : null;
}

/** Percent-encodes everything in a name but the unreserved characters (RFC 3986 §2.3). */
function encodeName(name: string): string {
  let encoded = '';
  for (const byte of ENCODER.encode(name)) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x2e ||
      byte === 0x5f ||
      byte === 0x7e;
    encoded += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The Location for redirecting a directory asked without its trailing "/":
 * built only from `prefix` (the mount path as plain text, "/static" or "";
 * its empty segments dropped) and the validated `segments`, every name
 * percent-encoded again, so it always starts with exactly one "/" and can
 * never be read as "//host" or "/\host". Append the query yourself.
 * Throws HIO_ERR_INVALID_OPTION for a "." or ".." in either, or an empty
 * segment: names that did not come from {@link staticPath}.
 */
export function directoryRedirect(prefix: string, segments: readonly string[]): string {
  const names = [...prefix.split('/').filter((name) => name !== ''), ...segments];
  for (const name of names) {
    if (name === '' || name === '.' || name === '..')
      throw new HioError('HIO_ERR_INVALID_OPTION', 'directoryRedirect: empty, "." and ".." names cannot be redirected to');
  }
  return names.length === 0 ? '/' : `/${names.map(encodeName).join('/')}/`;
}
