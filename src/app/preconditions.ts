/**
 * @module
 * Validators and conditional requests for a file (RFC 9110 §8.8 and §13):
 * the weak entity tag and the Last-Modified date a file answer carries, the
 * HTTP-date parsed strictly, and the preconditions (If-Match,
 * If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range)
 * evaluated in the order of §13.2.2.
 *
 * Nothing here reads the clock: a Last-Modified date comes from the file's
 * modification time.
 */

/** What a request says, as far as preconditions go: its method and a header by name (several lines joined by ", "), null when absent. */
export interface ConditionalRequest {
  readonly method: string;
  header(name: string): string | null;
}

/** The validators of the representation selected: its entity tag and its Last-Modified time, each null when not sent. */
export interface Validators {
  /** The entity tag as sent (`W/"…"`), or null. */
  readonly etag: string | null;
  /** The modification time in whole seconds' milliseconds (as Last-Modified says it), or null. */
  readonly modifiedMs: number | null;
}

/** What the preconditions decide: go on, or answer 304 or 412 at once. */
export type Precondition = 'proceed' | 304 | 412;

/**
 * The weak entity tag of a file of `size` bytes last modified at `mtimeMs`:
 * `W/"<size hex>-<mtime ms hex>"`, with `-<coding>` added for a
 * content-coded variant (the bytes differ, so must the tag).
 */
export function fileEtag(size: number, mtimeMs: number, coding: string | null = null): string {
  const tag = `${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}`;
  return coding === null ? `W/"${tag}"` : `W/"${tag}-${coding}"`;
}

/** A modification time cut to the whole second an HTTP-date can say. */
export function wholeSecond(mtimeMs: number): number {
  return Math.floor(mtimeMs / 1000) * 1000;
}

/** Milliseconds since the epoch as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
export function formatHttpDate(ms: number): string {
  return new Date(wholeSecond(ms)).toUTCString();
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
const IMF_FIXDATE = /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** The obsolete RFC 850 form: "Sunday, 06-Nov-94 08:49:37 GMT". */
const RFC850_DATE = /^([A-Z][a-z]{5,8}), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** The obsolete asctime form: "Sun Nov  6 08:49:37 1994". */
const ASCTIME_DATE = /^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms, strictly:
 * case as the grammar writes it, no extra whitespace, a day that exists in
 * its month, a weekday that agrees with the date. Returns milliseconds since
 * the epoch, or null for anything else (a header with an invalid date is
 * ignored). A two-digit RFC 850 year means 1970–2069: the rule of §5.6.7
 * needs today's date, which this module never reads.
 */
export function parseHttpDate(text: string): number | null {
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    const [, day, date, month, year, hour, minute, second] = match as unknown as string[];
    return checkedDate(DAYS.indexOf(day!), Number(year), MONTHS.indexOf(month!), Number(date), Number(hour), Number(minute), Number(second));
  }
  match = RFC850_DATE.exec(text);
  if (match !== null) {
    const [, day, date, month, year, hour, minute, second] = match as unknown as string[];
    const short = Number(year);
    return checkedDate(
      LONG_DAYS.indexOf(day!),
      short < 70 ? 2000 + short : 1900 + short,
      MONTHS.indexOf(month!),
      Number(date),
      Number(hour),
      Number(minute),
      Number(second),
    );
  }
  match = ASCTIME_DATE.exec(text);
  if (match !== null) {
    const [, day, month, date, hour, minute, second, year] = match as unknown as string[];
    return checkedDate(DAYS.indexOf(day!), Number(year), MONTHS.indexOf(month!), Number(date!.trim()), Number(hour), Number(minute), Number(second));
  }
  return null;
}

/** The date's milliseconds when every field is in range and the weekday agrees, else null. A leap second (:60) is the next minute's first. */
function checkedDate(weekday: number, year: number, month: number, date: number, hour: number, minute: number, second: number): number | null {
  if (weekday < 0 || month < 0 || hour > 23 || minute > 59 || second > 60 || date < 1) return null;
  const ms = Date.UTC(year, month, date, hour, minute, 0) + second * 1000;
  const day = new Date(ms - second * 1000);
  // Date.UTC rolls 31 Feb over into March, and takes years 0–99 as 1900–1999: both show here.
  if (day.getUTCFullYear() !== year || day.getUTCMonth() !== month || day.getUTCDate() !== date || day.getUTCDay() !== weekday) return null;
  return ms;
}

/**
 * Splits an If-Match or If-None-Match value into its entity tags; null for
 * `*`; an empty list when the value is not a valid list (so it matches
 * nothing).
 */
function entityTags(value: string): string[] | null {
  const trimmed = value.trim();
  if (trimmed === '*') return null;
  const tags: string[] = [];
  // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma list with optional whitespace and empty elements.
  const pattern = /\s*(?:(W\/"[\x21\x23-\x7e\x80-\xff]*"|"[\x21\x23-\x7e\x80-\xff]*")\s*)?(?:,|$)/y;
  let at = 0;
  while (at < trimmed.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(trimmed);
    if (match === null || pattern.lastIndex === at) return [];
    if (match[1] !== undefined) tags.push(match[1]);
    at = pattern.lastIndex;
  }
  return tags;
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque tags are equal, either or both weak. */
function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** Strong comparison: both strong and identical, so a weak tag never matches. */
function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && a === b;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Evaluates the preconditions of `request` against the selected
 * representation's validators, in the order of RFC 9110 §13.2.2: If-Match
 * (strong comparison), else If-Unmodified-Since; then If-None-Match (weak
 * comparison), else If-Modified-Since for GET and HEAD. A failed If-None-Match
 * answers 304 to GET and HEAD and 412 to the rest; the other failures 412.
 * A date that does not parse, or a date condition on a representation
 * without a Last-Modified, is ignored.
 */
export function evaluatePreconditions(request: ConditionalRequest, validators: Validators): Precondition {
  const safe = request.method === 'GET' || request.method === 'HEAD';
  const ifMatch = request.header('if-match');
  if (ifMatch !== null) {
    const tags = entityTags(ifMatch);
    const etag = validators.etag;
    // "*" holds whenever there is a current representation, and there is.
    if (tags !== null && (etag === null || !tags.some((tag) => strongMatch(tag, etag)))) return 412;
  } else {
    const since = dateHeader(request, 'if-unmodified-since');
    if (since !== null && validators.modifiedMs !== null && validators.modifiedMs > since) return 412;
  }
  const ifNoneMatch = request.header('if-none-match');
  if (ifNoneMatch !== null) {
    const tags = entityTags(ifNoneMatch);
    const etag = validators.etag;
    if (tags === null || (etag !== null && tags.some((tag) => weakMatch(tag, etag)))) return safe ? 304 : 412;
  } else if (safe) {
    const since = dateHeader(request, 'if-modified-since');
    if (since !== null && validators.modifiedMs !== null && validators.modifiedMs <= since) return 304;
  }
  return 'proceed';
}

/**
 * Whether a Range may be honoured under the request's If-Range (RFC 9110
 * §13.1.5): true without one; with an entity tag, only when it strongly
 * matches (a weak tag never does); with a date, only when it is exactly the
 * Last-Modified date.
 */
export function rangeAllowed(request: ConditionalRequest, validators: Validators): boolean {
  const ifRange = request.header('if-range');
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return validators.etag !== null && strongMatch(value, validators.etag);
  const date = parseHttpDate(value);
  return date !== null && validators.modifiedMs !== null && date === validators.modifiedMs;
}

/** A header's value as an HTTP-date, or null when absent or not one date. */
function dateHeader(request: ConditionalRequest, name: string): number | null {
  const value = request.header(name);
  return value === null ? null : parseHttpDate(value.trim());
}
