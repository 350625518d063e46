/**
 * @module
 * The Range header of a GET for a file (RFC 9110 §14): parsed strictly,
 * resolved against the file's size, checked against the limits that keep a
 * range request from costing more than the whole file, and coalesced.
 *
 * The parser is written here rather than taken from range-parser, which is
 * lenient where the RFC is not: it reads "5x-" as 5, skips a range whose
 * last position comes before its first instead of rejecting the header,
 * calls `bytes=abc` unsatisfiable (a 416) where it is malformed (ignored),
 * and drops a suffix longer than the file where the RFC selects the whole
 * file.
 */

/** One byte range, both ends inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What a Range header asks of a file: nothing to honour (absent, malformed,
 * another unit, past the limits: send the whole file), nothing satisfiable
 * (answer 416), or these ranges, ascending and neither overlapping nor
 * adjacent.
 */
export type RangeRequest = { readonly kind: 'whole' } | { readonly kind: 'unsatisfiable' } | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

const WHOLE: RangeRequest = { kind: 'whole' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

/** int-range ("first-last", "first-") or suffix-range ("-length"), nothing else. */
const RANGE_SPEC = /^(?:(\d+)-(\d*)|-(\d+))$/;

/**
 * Reads `header` (a Range value) for a file of `size` bytes. More than
 * `maxRanges` ranges, or ranges whose lengths add up to more than the file
 * (overlaps asking for the same bytes again and again: the "Apache Killer"
 * request), are not honoured: the whole file is sent, as RFC 9110 §14.2
 * allows. A file of no bytes has no range to send and is sent whole (empty).
 */
export function readRange(header: string, size: number, maxRanges: number): RangeRequest {
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).toLowerCase() !== 'bytes') return WHOLE;
  const specs = header.slice(equals + 1).split(',');
  const ranges: ByteRange[] = [];
  let count = 0;
  let total = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    // A list may hold empty elements ("1#" rule, RFC 9110 §5.6.1); only whitespace around commas is optional.
    if (spec === '') continue;
    const match = RANGE_SPEC.exec(spec);
    if (match === null) return WHOLE;
    count += 1;
    let start: number;
    let end: number;
    if (match[3] !== undefined) {
      const length = Number(match[3]);
      if (length === 0 || size === 0) continue;
      start = Math.max(0, size - length);
      end = size - 1;
    } else {
      start = Number(match[1]);
      const last = match[2] === '' ? Infinity : Number(match[2]);
      if (last < start) return WHOLE;
      if (start >= size) continue;
      end = Math.min(last, size - 1);
    }
    total += end - start + 1;
    ranges.push({ start, end });
  }
  if (count === 0) return WHOLE;
  if (size === 0) return WHOLE;
  if (ranges.length === 0) return UNSATISFIABLE;
  if (count > maxRanges || total > size) return WHOLE;
  return { kind: 'ranges', ranges: coalesce(ranges) };
}

/** Sorts ranges by start and merges those that overlap or touch. */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  ranges.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  let current = ranges[0]!;
  for (let i = 1; i < ranges.length; i++) {
    const next = ranges[i]!;
    if (next.start <= current.end + 1) current = { start: current.start, end: Math.max(current.end, next.end) };
    else {
      merged.push(current);
      current = next;
    }
  }
  merged.push(current);
  return merged;
}
