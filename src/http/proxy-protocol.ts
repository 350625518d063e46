/**
 * @module
 * The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): the
 * header a proxy in front of the server sends first on each connection,
 * carrying the address of the client it relays. {@link parseProxyHeader}
 * reads one header from the start of a {@link ByteQueue}, as bytes arrive:
 * "more" while what is queued is a valid beginning, the header once it is
 * complete (its bytes consumed, what follows left in the queue), or an
 * HIO_ERR_PROXY_PROTOCOL error as soon as the bytes cannot be one.
 *
 * - Version 1 is one text line, `PROXY TCP4|TCP6|UNKNOWN …\r\n`, at most
 *   {@link PROXY_V1_MAX_BYTES} bytes with its CRLF; addresses and ports must
 *   be canonical (no leading zeroes), a lone CR or LF is rejected, and what
 *   follows UNKNOWN is ignored.
 * - Version 2 is binary: a 12-byte signature, version and command (LOCAL or
 *   PROXY), family and transport, a length, then the addresses and any
 *   TLVs, which are skipped. Its length is capped at
 *   {@link PROXY_V2_MAX_LENGTH}. TCP over IPv4 and IPv6 carry an address;
 *   LOCAL, and the families and transports a TCP server cannot use (UNSPEC,
 *   UNIX, DGRAM), carry none: the connection's own address stands.
 *
 * {@link readProxyHeader} is what a Steward calls while its connection's
 * header is due; {@link peerAddress} then gives the client's address the
 * header carried, else the connection's.
 */
import { isIPv6 } from 'node:net';
import type { ByteQueue } from '../core/byte-queue.js';
import { HioError } from '../core/errors.js';
import type { Address } from '../net/address.js';
import type { Remoter } from '../net/connection.js';

/** Longest version 1 line, CRLF included (`PROXY UNKNOWN` with two IPv6 addresses and two ports). */
export const PROXY_V1_MAX_BYTES = 107;
/** Largest address-and-TLV block a version 2 header may announce; the whole header is 16 bytes more. */
export const PROXY_V2_MAX_LENGTH = 2048;

/** A complete PROXY protocol header. */
export interface ProxyHeader {
  readonly version: 1 | 2;
  /**
   * "proxy": the connection relays a client's; "local": the proxy's own
   * connection (a v2 LOCAL, a health check); "unknown": a v1 UNKNOWN, a
   * connection the proxy could not describe. Without a source, the
   * connection's real endpoints apply.
   */
  readonly command: 'proxy' | 'local' | 'unknown';
  /** The client's address, or null when the header carries none (UNKNOWN, LOCAL, a family without one). */
  readonly source: Address | null;
  /** The address the client connected to on the proxy, or null alongside `source`. */
  readonly destination: Address | null;
  /** Bytes the header took on the wire. */
  readonly length: number;
}

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads a PROXY protocol header from the start of `queue`: the header (its
 * bytes consumed) once complete, "more" while the queued bytes are a valid
 * beginning of one (nothing consumed), or an HIO_ERR_PROXY_PROTOCOL error
 * (nothing consumed) as soon as they cannot be. Never throws.
 */
export function parseProxyHeader(queue: ByteQueue): ProxyHeader | 'more' | HioError {
  const queued = queue.length;
  if (queued === 0) return 'more';
  const first = queue.at(0);
  if (first === V1_PREFIX[0]) return parseV1(queue);
  if (first === V2_SIGNATURE[0]) return parseV2(queue);
  return malformed('the connection did not begin with a PROXY protocol header');
}

function malformed(message: string): HioError {
  return new HioError('HIO_ERR_PROXY_PROTOCOL', message);
}

/** True when the queue's first bytes (as many as it holds, up to the prefix's length) are the prefix's. */
function startsWith(queue: ByteQueue, prefix: Buffer): boolean {
  const count = Math.min(queue.length, prefix.length);
  for (let i = 0; i < count; i++) if (queue.at(i) !== prefix[i]) return false;
  return true;
}

function parseV1(queue: ByteQueue): ProxyHeader | 'more' | HioError {
  if (!startsWith(queue, V1_PREFIX)) return malformed('not a PROXY protocol v1 line');
  const window = queue.peek(Math.min(queue.length, PROXY_V1_MAX_BYTES));
  const lf = window.indexOf(LF);
  if (lf < 0) {
    // A CR must be the line's end: anything after it but LF is malformed.
    const cr = window.indexOf(CR);
    if (cr >= 0 && cr < window.length - 1) return malformed('a PROXY v1 line has a CR without LF');
    return window.length >= PROXY_V1_MAX_BYTES ? malformed('the PROXY v1 line is longer than 107 bytes') : 'more';
  }
  if (window[lf - 1] !== CR) return malformed('the PROXY v1 line does not end in CRLF');
  const line = window.toString('latin1', 0, lf - 1);
  const header = parseV1Line(line, lf + 1);
  if (header instanceof HioError) return header;
  queue.consume(lf + 1);
  return header;
}

/** The fields of one v1 line, its CRLF removed. */
function parseV1Line(line: string, length: number): ProxyHeader | HioError {
  // What follows UNKNOWN is to be ignored, whatever it is.
  if (line === 'PROXY UNKNOWN' || line.startsWith('PROXY UNKNOWN ')) return { version: 1, command: 'unknown', source: null, destination: null, length };
  // Nothing but printable ASCII and single spaces between fields (a CR inside the line is malformed too).
  if (!/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(line)) return malformed('the PROXY v1 line has empty fields or control bytes');
  const fields = line.split(' ');
  const protocol = fields[1];
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return malformed('the PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN');
  if (fields.length !== 6) return malformed('a PROXY v1 line has six fields');
  const [, , sourceHost, destinationHost, sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  const valid = protocol === 'TCP4' ? isCanonicalIPv4 : isTextIPv6;
  if (!valid(sourceHost) || !valid(destinationHost)) return malformed(`a PROXY v1 address is not a canonical ${protocol === 'TCP4' ? 'IPv4' : 'IPv6'} address`);
  const source = portOf(sourcePort);
  const destination = portOf(destinationPort);
  if (source < 0 || destination < 0) return malformed('a PROXY v1 port is not a decimal in [0, 65535] without leading zeroes');
  return {
    version: 1,
    command: 'proxy',
    source: { host: sourceHost, port: source },
    destination: { host: destinationHost, port: destination },
    length,
  };
}

const IPV4_PART = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){3}$`);

function isCanonicalIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** An IPv6 address as text, without a zone (the IPv4-mapped form a dual-stack proxy prints is one). */
function isTextIPv6(text: string): boolean {
  return isIPv6(text) && !text.includes('%');
}

/** A port in decimal without leading zeroes, or -1. */
function portOf(text: string): number {
  if (!/^(?:0|[1-9][0-9]{0,4})$/.test(text)) return -1;
  const port = Number(text);
  return port <= 65535 ? port : -1;
}

function parseV2(queue: ByteQueue): ProxyHeader | 'more' | HioError {
  if (!startsWith(queue, V2_SIGNATURE)) return malformed('not a PROXY protocol v2 signature');
  if (queue.length < 16) return 'more';
  const fixed = queue.peek(16);
  const versionCommand = fixed[12]!;
  if (versionCommand >> 4 !== 2) return malformed('the PROXY v2 version is not 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return malformed('the PROXY v2 command is neither LOCAL nor PROXY');
  const family = fixed[13]! >> 4;
  const transport = fixed[13]! & 0x0f;
  if (family > 3 || transport > 2) return malformed('the PROXY v2 family or transport is not one the protocol defines');
  const length = fixed.readUInt16BE(14);
  if (length > PROXY_V2_MAX_LENGTH) return malformed(`the PROXY v2 header announces ${length} bytes, more than ${PROXY_V2_MAX_LENGTH}`);
  const total = 16 + length;
  if (queue.length < total) return 'more';
  const block = queue.peek(total).subarray(16);
  let source: Address | null = null;
  let destination: Address | null = null;
  // Only a relayed TCP connection says where the client is; the rest keep the connection's own endpoints.
  if (command === 1 && transport === 1 && (family === 1 || family === 2)) {
    const size = family === 1 ? 4 : 16;
    if (length < 2 * size + 4) return malformed('the PROXY v2 address block is shorter than its family needs');
    const format = family === 1 ? formatIPv4 : formatIPv6;
    source = { host: format(block, 0), port: block.readUInt16BE(2 * size) };
    destination = { host: format(block, size), port: block.readUInt16BE(2 * size + 2) };
  }
  queue.consume(total);
  return { version: 2, command: command === 1 ? 'proxy' : 'local', source, destination, length: total };
}

function formatIPv4(bytes: Buffer, at: number): string {
  return `${bytes[at]!}.${bytes[at + 1]!}.${bytes[at + 2]!}.${bytes[at + 3]!}`;
}

/** RFC 5952 text of 16 bytes: lower-case hex, the longest run of two or more zero groups as "::"; IPv4-mapped ones as "::ffff:a.b.c.d", as Node prints them. */
export function formatIPv6(bytes: Buffer, at = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(at + 2 * i));
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return `::ffff:${formatIPv4(bytes, at + 12)}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The source addresses PROXY protocol headers carried, by connection. */
const proxied = new WeakMap<Remoter, Address>();

/**
 * Reads the PROXY protocol header `connection` must begin with, from its
 * receive queue: "more" while it is incomplete, "done" once read (the
 * client's address it carried, if any, is then the connection's
 * {@link peerAddress}; the bytes after it stay queued), or the
 * HIO_ERR_PROXY_PROTOCOL error that should close the connection.
 */
export function readProxyHeader(connection: Remoter): 'more' | 'done' | HioError {
  const header = parseProxyHeader(connection.rxQueue);
  if (header === 'more' || header instanceof HioError) return header;
  if (header.source !== null) proxied.set(connection, header.source);
  return 'done';
}

/**
 * The address of the peer a connection stands for: the client's that its
 * PROXY protocol header carried, else the connection's own remote address
 * (null once it cannot be known).
 */
export function peerAddress(connection: Remoter): Address | null {
  return proxied.get(connection) ?? connection.remoteAddress;
}
