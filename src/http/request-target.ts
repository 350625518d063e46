/**
 * @module
 * Parsing of the request target (RFC 9112 §3.2) and of Host values
 * (RFC 9110 §7.2, RFC 3986 §3.2.2). The target is split into its parts
 * without percent-decoding anything.
 */
import { HttpParseError } from '../core/errors.js';
import { HEX, REG_NAME, TARGET_LENIENT } from './chars.js';
import type { TargetForm } from './request.js';

/** The parts of a request target. */
export interface TargetParts {
  readonly form: TargetForm;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

function bad(message: string): HttpParseError {
  return new HttpParseError('HIO_ERR_BAD_REQUEST', 400, message);
}

/**
 * Splits and checks a request target for `method`. Throws a 400
 * HttpParseError for a character outside `allowed` (one of the TARGET
 * tables of chars.ts), a malformed percent-escape (unless `allowed` is
 * any visible ASCII), a fragment (unless `allowFragment`), or a form the
 * method does not allow. The message never quotes the target.
 */
export function parseTarget(method: string, target: string, allowed: Uint8Array, allowFragment: boolean): TargetParts {
  const anyVisible = allowed === TARGET_LENIENT;
  let hash = -1;
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === 0x23 && hash < 0 && allowFragment) {
      hash = i;
      continue;
    }
    if (code > 255 || allowed[code] !== 1) throw bad('invalid character in the request target');
    if (code === 0x25 && !anyVisible && (HEX[target.charCodeAt(i + 1)] === 255 || HEX[target.charCodeAt(i + 2)] === 255 || i + 2 >= target.length)) {
      throw bad('malformed percent-escape in the request target');
    }
  }
  const fragment = hash < 0 ? '' : target.slice(hash + 1);
  const bare = hash < 0 ? target : target.slice(0, hash);
  if (bare.charCodeAt(0) === 0x2f) {
    if (method === 'CONNECT') throw bad('CONNECT needs an authority-form target');
    const [path, query] = splitQuery(bare);
    return { form: 'origin', scheme: '', authority: '', path, query, fragment };
  }
  if (bare === '*') {
    if (method !== 'OPTIONS') throw bad('the asterisk form is only for OPTIONS');
    return { form: 'asterisk', scheme: '', authority: '', path: '', query: '', fragment };
  }
  const scheme = SCHEME.exec(bare);
  if (scheme !== null && method !== 'CONNECT') {
    const rest = bare.slice(scheme[0].length);
    let end = rest.length;
    for (let i = 0; i < rest.length; i++) {
      const code = rest.charCodeAt(i);
      if (code === 0x2f || code === 0x3f) {
        end = i;
        break;
      }
    }
    const authority = rest.slice(0, end);
    if (authority === '' || !isHostValue(authority)) throw bad('invalid authority in an absolute-form target');
    const [path, query] = splitQuery(rest.slice(end));
    return { form: 'absolute', scheme: scheme[1]!.toLowerCase(), authority, path: path === '' ? '/' : path, query, fragment };
  }
  if (method === 'CONNECT') {
    const colon = bare.lastIndexOf(':');
    if (colon <= 0 || colon === bare.length - 1 || !isHostValue(bare)) throw bad('CONNECT needs host:port');
    return { form: 'authority', scheme: '', authority: bare, path: '', query: '', fragment };
  }
  throw bad('the request target is not in origin, absolute or asterisk form');
}

function splitQuery(pathAndQuery: string): [string, string] {
  const question = pathAndQuery.indexOf('?');
  return question < 0 ? [pathAndQuery, ''] : [pathAndQuery.slice(0, question), pathAndQuery.slice(question + 1)];
}

/**
 * True when `value` is a valid Host value: empty, or uri-host [":" port]
 * where uri-host is a reg-name, an IPv4 address or a bracketed IP literal,
 * and port is at most 65535.
 */
export function isHostValue(value: string): boolean {
  if (value === '') return true;
  let host = value;
  let port = '';
  if (value.charCodeAt(0) === 0x5b) {
    const close = value.indexOf(']');
    if (close < 0) return false;
    host = value.slice(1, close);
    const rest = value.slice(close + 1);
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 0x3a) return false;
      port = rest.slice(1);
    }
    if (!/^(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)$/.test(host) || (!host.startsWith('v') && !host.includes(':'))) return false;
  } else {
    const colon = value.indexOf(':');
    if (colon >= 0) {
      host = value.slice(0, colon);
      port = value.slice(colon + 1);
      if (host === '') return false;
    }
    for (let i = 0; i < host.length; i++) {
      const code = host.charCodeAt(i);
      if (code > 255 || REG_NAME[code] !== 1) return false;
      if (code === 0x25 && (HEX[host.charCodeAt(i + 1)] === 255 || HEX[host.charCodeAt(i + 2)] === 255 || i + 2 >= host.length)) return false;
    }
  }
  if (port.length > 5) return false;
  let number = 0;
  for (let i = 0; i < port.length; i++) {
    const digit = port.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return false;
    number = number * 10 + digit;
  }
  return number <= 65535;
}
