/**
 * @module
 * A tunnel as a Node `Duplex`, so the ecosystem's protocol libraries run
 * over a hio-ts connection: `ws`'s `handleUpgrade(request, socket, head,
 * callback)` takes the {@link TunnelDuplex} as its socket and the
 * {@link incomingMessage} as its request, exactly as it takes node:http's
 * `'upgrade'` event's arguments.
 *
 * The Duplex is fed in the server's passes: received bytes are pushed while
 * the stream wants more (its buffer below the highWaterMark) and stay in the
 * connection's queue otherwise, where the transport stops reading once it
 * holds its limit; writes go to the connection and their callbacks wait
 * while it holds `highWater` unsent bytes, so `write()` returning false and
 * `'drain'` mean what they mean on a socket. The peer's half-close is the
 * stream's end; a reset or a tymeout destroys it (with the error, when there
 * is one); ending the stream half-closes the connection, destroying it
 * closes the connection. Events are emitted on Node's own schedule
 * (`process.nextTick`), which is deterministic: over a simulated connection
 * the same seed gives the same bytes.
 */
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { peerAddress } from './proxy-protocol.js';
import type { Request } from './request.js';
import type { Tunnel, TunnelService } from './tunnel.js';

/** Called once the connection is taken over, with node:http's `'upgrade'` arguments. */
export type NodeUpgradeListener = (request: IncomingMessage, socket: TunnelDuplex, head: Buffer) => void;

const EMPTY = Buffer.alloc(0);

/** A tunnel presented as a Node Duplex; see the module note. */
export class TunnelDuplex extends Duplex {
  readonly #tunnel: Tunnel;
  /** The stream asked for data (`_read`) and has not been refused since. */
  #wanted = false;
  #endPushed = false;
  /** The callback of a write waiting for room. */
  #waiting: ((error?: Error | null) => void) | null = null;
  /** Milliseconds of idleness after which 'timeout' is emitted (setTimeout), or 0. */
  #idleMs = 0;
  #idleSince = 0;
  #bytesRead = 0;
  #bytesWritten = 0;

  constructor(tunnel: Tunnel) {
    super({ allowHalfOpen: true, decodeStrings: true });
    this.#tunnel = tunnel;
    this.#idleSince = tunnel.tyme;
  }

  /** The tunnel under the stream. */
  get tunnel(): Tunnel {
    return this.#tunnel;
  }

  /** The client's address: the PROXY protocol's when the server reads one, else the connection's peer. */
  get remoteAddress(): string | undefined {
    return peerAddress(this.#tunnel.remoter)?.host;
  }

  get remotePort(): number | undefined {
    return peerAddress(this.#tunnel.remoter)?.port;
  }

  get remoteFamily(): string | undefined {
    const host = this.remoteAddress;
    return host === undefined ? undefined : host.includes(':') ? 'IPv6' : 'IPv4';
  }

  get localAddress(): string | undefined {
    return this.#tunnel.remoter.localAddress?.host;
  }

  get localPort(): number | undefined {
    return this.#tunnel.remoter.localAddress?.port;
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /**
   * As a socket's: emits 'timeout' (once per idle spell) after `ms` without
   * a byte either way; 0 stops it. The tunnel's own idle tymeout, which
   * closes the connection, stays in force either way.
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.#idleMs = ms > 0 ? ms : 0;
    this.#idleSince = this.#tunnel.tyme;
    if (callback !== undefined) this.once('timeout', callback);
    return this;
  }

  /** A no-op: the transport decides (node:net sockets get no delay). */
  setNoDelay(): this {
    return this;
  }

  /** A no-op: idle connections are the tunnel's tymeouts' business. */
  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** One pass: push what arrived while wanted, release a write waiting for room, end or fail with the connection. */
  pump(): void {
    const tunnel = this.#tunnel;
    if (this.destroyed) return;
    let moved = false;
    // Once the peer ended, nothing more arrives: what is left goes to the stream's buffer whether or not it is read now.
    const last = tunnel.remoter.rxEnded;
    while (this.#wanted || last) {
      const chunk = tunnel.read();
      if (chunk === null) break;
      moved = true;
      this.#bytesRead += chunk.length;
      this.#wanted = this.push(chunk);
    }
    if (!this.#endPushed && tunnel.ended) {
      this.#endPushed = true;
      this.push(null);
    }
    if (this.#waiting !== null && (tunnel.writable || tunnel.gone)) {
      const callback = this.#waiting;
      this.#waiting = null;
      callback();
    }
    this.#watchIdle(moved);
  }

  /** The connection went away under the stream. */
  lost(): void {
    if (this.destroyed) return;
    const failure = this.#tunnel.failure ?? this.#tunnel.remoter.error;
    if (failure === null) {
      // Closed without a failure: what arrived is still delivered, then the end; the stream closes once that is read.
      this.pump();
      if (!this.#endPushed) {
        this.#endPushed = true;
        this.push(null);
      }
      if (this.readableEnded) this.destroy();
      else this.once('end', () => this.destroy());
      return;
    }
    // A socket emits 'error' for a reset; without a listener that would end the process, so it is only said to one.
    this.destroy(this.listenerCount('error') > 0 ? failure : undefined);
  }

  override _read(): void {
    this.#wanted = true;
    if (this.#tunnel.available > 0 || (this.#tunnel.ended && !this.#endPushed)) this.#tunnel.wake();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const tunnel = this.#tunnel;
    if (tunnel.gone) {
      callback(tunnel.remoter.error ?? new Error('the connection is closed'));
      return;
    }
    this.#bytesWritten += chunk.length;
    this.#idleSince = tunnel.tyme;
    if (tunnel.write(chunk)) {
      // The pass sends it: a write outside a pass (a library's callback) asks for one.
      tunnel.wake();
      callback();
      return;
    }
    this.#waiting = callback;
    tunnel.wake();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#tunnel.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const tunnel = this.#tunnel;
    if (!tunnel.done) {
      if (error === null) tunnel.close();
      else tunnel.reset();
    }
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.(error ?? new Error('the stream was destroyed'));
    callback(error);
  }

  #watchIdle(moved: boolean): void {
    if (this.#idleMs === 0) return;
    const now = this.#tunnel.tyme;
    if (moved) {
      this.#idleSince = now;
      return;
    }
    if ((now - this.#idleSince) * 1000 >= this.#idleMs) {
      this.#idleSince = Infinity;
      this.emit('timeout');
    }
  }
}

/**
 * The tunnel protocol that hands the connection to a Node library: on the
 * first pass it makes the {@link TunnelDuplex} and calls `listener` with an
 * {@link incomingMessage} for `request`, the duplex and an empty head (the
 * bytes that came after the request are the duplex's first data).
 */
export class NodeUpgrade implements TunnelService {
  readonly #request: Request;
  readonly #listener: NodeUpgradeListener;
  #duplex: TunnelDuplex | null = null;

  constructor(request: Request, listener: NodeUpgradeListener) {
    this.#request = request;
    this.#listener = listener;
  }

  service(tunnel: Tunnel): void {
    let duplex = this.#duplex;
    if (duplex === null) {
      duplex = new TunnelDuplex(tunnel);
      this.#duplex = duplex;
      this.#listener(incomingMessage(this.#request, duplex), duplex, EMPTY);
    }
    duplex.pump();
  }

  abandon(): void {
    this.#duplex?.lost();
  }
}

/**
 * An `http.IncomingMessage` for a request already read, over `socket`: its
 * method, URL (the request target), version, headers (names lower-cased,
 * repeated values joined as node:http joins them) and raw headers; its
 * body is empty and ended.
 */
export function incomingMessage(request: Request, socket: Duplex): IncomingMessage {
  const message = new IncomingMessage(socket as Socket);
  message.method = request.method;
  message.url = request.target;
  message.httpVersion = request.version === 'HTTP/1.0' ? '1.0' : '1.1';
  message.httpVersionMajor = 1;
  message.httpVersionMinor = request.version === 'HTTP/1.0' ? 0 : 1;
  const raw: string[] = [];
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of request.headers) {
    raw.push(name, value);
    const key = name.toLowerCase();
    const seen = headers[key];
    if (key === 'set-cookie') headers[key] = [...((seen as string[] | undefined) ?? []), value];
    else if (seen === undefined) headers[key] = value;
    else if (!SINGLE.has(key)) headers[key] = `${seen as string}${key === 'cookie' ? '; ' : ', '}${value}`;
  }
  message.headers = headers;
  message.rawHeaders = raw;
  message.complete = true;
  message.push(null);
  return message;
}

/** Fields node:http keeps the first of when repeated. */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);
