/**
 * @module
 * Byte classes of the HTTP grammar (RFC 9110 §5.6, RFC 3986), as 256-entry
 * lookup tables so parsers test a byte with one array read.
 */

function table(predicate: (byte: number) => boolean): Uint8Array {
  const result = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) result[byte] = predicate(byte) ? 1 : 0;
  return result;
}

const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** tchar: the characters of a token (method, field name, coding). */
export const TCHAR = table((b) => isAlpha(b) || isDigit(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));

/** Characters allowed in a field value: HTAB, SP, VCHAR and obs-text (no other controls, no DEL). */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/** Characters a request-target may hold in strict mode: unreserved, sub-delims, ":", "@", "/", "?", "%". */
export const TARGET = table((b) => isAlpha(b) || isDigit(b) || "-._~!$&'()*+,;=:@/?%".includes(String.fromCharCode(b)));

/**
 * Characters a request-target may hold when browsers' habits are tolerated:
 * the strict set plus what the WHATWG URL standard leaves unencoded in paths
 * and queries (`[ ] { } | ^` backtick and backslash). Controls, space, DEL,
 * `" < >` and non-ASCII stay out: browsers percent-encode those.
 */
export const TARGET_BROWSER = table((b) => TARGET[b] === 1 || '[]{}|^`\\'.includes(String.fromCharCode(b)));

/** Characters a lenient request-target may hold: any visible ASCII. */
export const TARGET_LENIENT = table((b) => b >= 0x21 && b <= 0x7e);

/** reg-name characters of a host (unreserved, sub-delims, "%"). */
export const REG_NAME = table((b) => isAlpha(b) || isDigit(b) || "-._~!$&'()*+,;=%".includes(String.fromCharCode(b)));

/** Hex digit values; 255 for non-hex bytes. */
export const HEX = (() => {
  const result = new Uint8Array(256).fill(255);
  for (let b = 0x30; b <= 0x39; b++) result[b] = b - 0x30;
  for (let b = 0x41; b <= 0x46; b++) result[b] = b - 0x41 + 10;
  for (let b = 0x61; b <= 0x66; b++) result[b] = b - 0x61 + 10;
  return result;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

/** True when the string is a non-empty token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 255 || TCHAR[code] !== 1) return false;
  }
  return true;
}

/** True when the string may be sent as a field value (no CR, LF, NUL or other controls but HTAB). */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 255 || FIELD_VALUE[code] !== 1) return false;
  }
  return true;
}
