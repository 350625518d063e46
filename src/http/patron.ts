/**
 * @module
 * The Patron: hio's HTTP client — a queue of requests in, responses out,
 * over pooled keep-alive connections, stepped by the Doist like the
 * servers. It is a plain serviceable object (`wind`, `reopen`, `service`,
 * `close`, `nextDue`, `waker`) with a {@link PatronDoer}; the same code runs
 * over real sockets (NetClient, TlsClient) and the simulated network
 * (SimClient), chosen by its `connect` option.
 *
 * - Per origin: requests queue in order; each takes an idle pooled
 *   connection, else a new one up to `connections`, else waits. Pipelining
 *   is off (`pipelining: 1`); above 1, idempotent requests may ride behind
 *   others on a connection.
 * - Keep-alive: a connection idles in the pool for `keepAliveTymeout`
 *   seconds, or for the server's `Keep-Alive: timeout` hint less
 *   `keepAliveMargin`, so it is dropped before the server drops it.
 * - An idempotent request whose reused connection is lost before the first
 *   byte of its response (the keep-alive race) is sent once more, on a fresh
 *   connection; never a POST or a body that cannot be replayed.
 * - Deadlines are on tyme (connect, response head, body idle, 100
 *   Continue), so a simulation makes them virtual.
 *
 * Two surfaces: {@link Patron.request} returns an {@link Exchange} a Doer
 * polls, and {@link Patron.fetch} returns a WHATWG `Response`, following
 * redirects ({@link decideRedirect}). Without a Doist driving it, a
 * Patron used from fetch() or sleep() drives itself on the real clock for as
 * long as it has work, and lets its idle pooled sockets go, so a program
 * using it exits when done.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { realClock, type Clock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { TimerQueue } from '../core/timer-queue.js';
import type { Tymth } from '../core/tymist.js';
import { Doist } from '../doing/doist.js';
import type { Client } from '../net/client.js';
import { NetClient, TlsClient } from '../net/net-client.js';
import { Exchange, ExchangeState } from './exchange.js';
import { resolveLimits, type HttpLimits } from './limits.js';
import { OutgoingRequest, type Origin, type PatronRequest, type RequestBodySource } from './outgoing-request.js';
import { SelfDriver, type Drivable } from './patron-doer.js';
import { PatronConnection, type ConnectionHost, type ConnectionSettings } from './patron-connection.js';
import { abortReason, headOf, readFetchCall, responseOf, type PatronFetchInit } from './patron-fetch.js';
import { decideRedirect, isRedirectStatus, newRedirectState, type RedirectHop } from './redirects.js';
import type { ResponseLenience } from './respondent.js';

/** Node's setImmediate as loaded: deciding whether to drive itself never trips a simulation's tripwire. */
const setImmediate = globalThis.setImmediate;

/** A fetch body as the redirect layer carries it. */
interface HopBody {
  readonly replayable: boolean;
  readonly source: RequestBodySource;
}

/** Makes the client for one new connection to an origin. */
export type Connector = (origin: Origin) => Client;

/** Options of a {@link Patron}; durations are seconds of tyme. */
export interface PatronOptions {
  /** Tyme to start on (a Doist winds its own in). */
  readonly tymth?: Tymth;
  /** Makes each connection's client (default: NetClient, or TLS for https: with `tls`). */
  readonly connect?: Connector;
  /** TLS options for https: origins with the default connector (ca, servername, …); certificates are checked unless told otherwise. */
  readonly tls?: ConnectionOptions;
  /** Connections per origin at most (default 64). */
  readonly connections?: number;
  /** Requests per connection at once: 1 is no pipelining (default); above 1 only idempotent requests are pipelined. */
  readonly pipelining?: number;
  /** Seconds an idle connection stays pooled when the server gives no hint (default 4). */
  readonly keepAliveTymeout?: number;
  /** Seconds an idle connection stays pooled at most, whatever the hint (default 600). */
  readonly keepAliveMaxTymeout?: number;
  /** Seconds taken off the server's `Keep-Alive: timeout` hint (default 1). */
  readonly keepAliveMargin?: number;
  /** Seconds to establish a connection (default 10). */
  readonly connectTymeout?: number;
  /** Seconds from a request's end to its response's head (default 300). */
  readonly responseTymeout?: number;
  /** Seconds without a body byte while a response body is read (default 300). */
  readonly bodyTymeout?: number;
  /** Seconds to wait for 100 Continue before sending the body anyway (default 1). */
  readonly continueTymeout?: number;
  /** Bodies of at least this many bytes (or of unknown length when 0) are sent with `Expect: 100-continue` (default 1 MiB). */
  readonly expectContinueBytes?: number;
  /** Unread response body bytes per exchange before reading pauses (default 64 KiB). */
  readonly bodyHighWater?: number;
  /** Redirects fetch() follows at most (default 20). */
  readonly maxRedirects?: number;
  /** Limits on responses (the server's defaults, `maxBodyBytes` unbounded: a streamed body costs no memory). */
  readonly limits?: Partial<HttpLimits>;
  /** Response tolerances by name (default none). */
  readonly lenient?: Partial<ResponseLenience>;
  /** The real clock a Patron driving itself follows (default the machine's). */
  readonly clock?: Clock;
}

const KNOWN = [
  'tymth',
  'connect',
  'tls',
  'connections',
  'pipelining',
  'keepAliveTymeout',
  'keepAliveMaxTymeout',
  'keepAliveMargin',
  'connectTymeout',
  'responseTymeout',
  'bodyTymeout',
  'continueTymeout',
  'expectContinueBytes',
  'bodyHighWater',
  'maxRedirects',
  'limits',
  'lenient',
  'clock',
];

function seconds(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || Number.isNaN(chosen) || chosen < 0)
    throw new HioError('HIO_ERR_INVALID_OPTION', `Patron: ${name} must be seconds >= 0, got ${chosen}`);
  return chosen;
}

function whole(name: string, value: number | undefined, fallback: number, least: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < least)
    throw new HioError('HIO_ERR_INVALID_OPTION', `Patron: ${name} must be an integer >= ${least}, got ${chosen}`);
  return chosen;
}

/** One origin's queue and connections. */
interface Pool {
  readonly origin: Origin;
  readonly queue: Exchange[];
  readonly connections: PatronConnection[];
}

/** See the module note. */
export class Patron implements ConnectionHost, Drivable {
  /** Called when the Patron needs a pass; its doer sets it. */
  waker: (() => void) | null = null;
  readonly settings: ConnectionSettings;
  readonly #connect: Connector;
  readonly #connections: number;
  readonly #pipelining: number;
  readonly #expectContinueBytes: number;
  readonly #maxRedirects: number;
  readonly #pools = new Map<string, Pool>();
  /** Origins that answered in HTTP/1.0. */
  readonly #http10 = new Set<string>();
  readonly #timers = new TimerQueue();
  readonly #clock: Clock;
  #tymth: Tymth | null;
  #dirty = true;
  #closed = false;
  /** True while a doer (the caller's or our own) drives the Patron. */
  #driven = false;
  #selfDriving = false;
  #selfDrivePending = false;
  #selfDoist: Doist | null = null;
  #clockOrigin = 0;
  /** Exchanges not yet settled, and sleeps pending: the work a self-driving Patron runs for. */
  #work = 0;
  readonly #sleepers = new Set<(error: HioError) => void>();

  constructor(options: PatronOptions = {}) {
    checkOptions('Patron', options, KNOWN);
    this.#tymth = options.tymth ?? null;
    this.#clock = options.clock ?? realClock;
    this.#clockOrigin = this.#clock.now();
    const tls = options.tls;
    this.#connect =
      options.connect ??
      ((origin: Origin): Client =>
        origin.secure
          ? new TlsClient({
              host: origin.hostname,
              port: origin.port,
              // SNI carries host names only (RFC 6066 §3): an address is checked against the certificate's IP names.
              tls: { ...(isIP(origin.hostname) === 0 && { servername: origin.hostname }), ...tls },
            })
          : new NetClient({ host: origin.hostname, port: origin.port }));
    this.#connections = whole('connections', options.connections, 64, 1);
    this.#pipelining = whole('pipelining', options.pipelining, 1, 1);
    this.#expectContinueBytes = whole('expectContinueBytes', options.expectContinueBytes, 1 << 20, 0);
    this.#maxRedirects = whole('maxRedirects', options.maxRedirects, 20, 0);
    this.settings = {
      connectTymeout: seconds('connectTymeout', options.connectTymeout, 10),
      responseTymeout: seconds('responseTymeout', options.responseTymeout, 300),
      bodyTymeout: seconds('bodyTymeout', options.bodyTymeout, 300),
      continueTymeout: seconds('continueTymeout', options.continueTymeout, 1),
      keepAliveTymeout: seconds('keepAliveTymeout', options.keepAliveTymeout, 4),
      keepAliveMaxTymeout: seconds('keepAliveMaxTymeout', options.keepAliveMaxTymeout, 600),
      keepAliveMargin: seconds('keepAliveMargin', options.keepAliveMargin, 1),
      bodyHighWater: whole('bodyHighWater', options.bodyHighWater, 64 * 1024, 1),
      respondent: {
        limits: resolveLimits({ maxBodyBytes: Number.MAX_SAFE_INTEGER, maxChunks: Number.MAX_SAFE_INTEGER, ...options.limits }),
        ...(options.lenient !== undefined && { lenient: options.lenient }),
      },
    };
  }

  /** The tyme the Patron reads (its Doist's). */
  get tymth(): Tymth | null {
    return this.#tymth;
  }

  /** Exchanges queued or on a connection, not yet settled. */
  get pending(): number {
    let count = 0;
    for (const pool of this.#pools.values()) {
      count += pool.queue.length;
      for (const connection of pool.connections) count += connection.exchanges.length;
    }
    return count;
  }

  /** Open connections (busy or pooled idle), all origins. */
  get connectionCount(): number {
    let count = 0;
    for (const pool of this.#pools.values()) count += pool.connections.length;
    return count;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    for (const pool of this.#pools.values()) for (const connection of pool.connections) connection.wind(tymth);
  }

  /** Opens the Patron for requests again after a close. */
  reopen(): void {
    this.#closed = false;
  }

  /**
   * Queues a request and returns its {@link Exchange}, which a Doer polls.
   * Throws HIO_ERR_INVALID_REQUEST for a malformed request and
   * HIO_ERR_ABORTED once the Patron is closed.
   */
  request(request: PatronRequest): Exchange {
    if (this.#closed) throw new HioError('HIO_ERR_ABORTED', 'the Patron is closed');
    const exchange = new Exchange(new OutgoingRequest(request, this.#expectContinueBytes), this.#wakeOne);
    this.#enqueue(exchange, false);
    return exchange;
  }

  /**
   * A WHATWG fetch: resolves with a `Response` once the final response's
   * head arrived (its body streams), after following redirects unless
   * `init.redirect` says otherwise. Rejects with an HioError (its `code`
   * says why) or, when `init.signal` aborts, with the signal's reason.
   */
  async fetch(input: string | URL | Request, init: PatronFetchInit = {}): Promise<Response> {
    const call = await readFetchCall(input, init);
    const signal = call.signal;
    if (signal?.aborted === true) throw abortReason(signal);
    const maxRedirects = init.maxRedirects ?? this.#maxRedirects;
    const source = call.request.body ?? null;
    const replayable = source === null || typeof source === 'string' || source instanceof Uint8Array || source instanceof ArrayBuffer;
    let hop: RedirectHop<HopBody> = {
      method: call.request.method,
      url: call.request.url,
      headers: [...(call.request.headers as Headers)],
      body: source === null ? null : { replayable, source },
    };
    const state = newRedirectState(hop);
    let redirected = false;
    for (;;) {
      const exchange = this.request({
        method: hop.method,
        url: hop.url,
        headers: hop.headers,
        body: hop.body === null ? null : hop.body.source,
        ...(call.request.expectContinue !== undefined && { expectContinue: call.request.expectContinue }),
      });
      this.#selfDrive();
      await headOf(exchange, signal);
      if (call.redirect === 'manual') return responseOf(exchange, hop.url, redirected, signal);
      if (call.redirect === 'error' && isRedirectStatus(exchange.status)) {
        exchange.discard();
        throw new HioError('HIO_ERR_REDIRECT_LIMIT', `a ${exchange.status} redirect, with redirect: 'error'`);
      }
      const decision = decideRedirect(hop, exchange.status, exchange.headers.get('location') ?? null, state, { maxRedirects });
      if (decision.kind === 'final') return responseOf(exchange, hop.url, redirected, signal);
      exchange.discard();
      if (decision.kind === 'error') throw decision.error;
      hop = decision.hop;
      redirected = true;
    }
  }

  /** Resolves after `seconds` of the Patron's tyme (virtual in a simulation); rejects with the reason when `signal` aborts first. */
  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortReason(signal));
        return;
      }
      if (this.#closed) {
        reject(new HioError('HIO_ERR_ABORTED', 'the Patron is closed'));
        return;
      }
      this.#work += 1;
      const onClose = (error: HioError): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#work -= 1;
        reject(error);
      };
      this.#sleepers.add(onClose);
      const onAbort = (): void => {
        cancel();
        this.#sleepers.delete(onClose);
        this.#work -= 1;
        reject(abortReason(signal!));
      };
      const cancel = this.after(seconds, () => {
        signal?.removeEventListener('abort', onAbort);
        this.#sleepers.delete(onClose);
        this.#work -= 1;
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#selfDrive();
    });
  }

  /** Calls `callback` from the pass at or after `seconds` of tyme from now; returns a cancel function. */
  after(seconds: number, callback: () => void): () => void {
    const tymth = this.#tymth !== null && (this.#driven || this.#selfDriving) ? this.#tymth : this.#selfTymth();
    const cancel = this.#timers.add(tymth() + Math.max(0, seconds), callback);
    this.#wakeOne();
    this.#selfDrive();
    return cancel;
  }

  /** One pass: due timers, queued requests onto connections, every connection serviced. */
  service(): void {
    this.#dirty = false;
    const tymth = this.#tymth;
    if (tymth === null) return;
    if (this.#timers.size > 0) this.#timers.fire(tymth(), (error) => report(error));
    for (const pool of this.#pools.values()) {
      this.#dispatch(pool, tymth);
      const connections = pool.connections;
      let closed = 0;
      for (const connection of connections) {
        connection.service();
        if (connection.closed) closed += 1;
      }
      if (closed > 0) for (let i = connections.length - 1; i >= 0; i--) if (connections[i]!.closed) connections.splice(i, 1);
      if (connections.length === 0 && pool.queue.length === 0) {
        // An origin with nothing open and nothing waiting costs nothing: forget it.
        this.#pools.delete(pool.origin.key);
        continue;
      }
      // Connections freed in this pass (and retried exchanges) take queued requests; the next pass writes them.
      if (pool.queue.length > 0) {
        const waiting = pool.queue.length;
        this.#dispatch(pool, tymth);
        if (pool.queue.length < waiting) this.#dirty = true;
      }
    }
  }

  /** The tyme of the next pass needed absent events. */
  nextDue(): number {
    const tymth = this.#tymth;
    if (tymth === null) return Infinity;
    if (this.#dirty) return tymth();
    let due = this.#timers.nextDue();
    for (const pool of this.#pools.values()) for (const connection of pool.connections) due = Math.min(due, connection.due);
    return due;
  }

  /** Closes every connection; exchanges not yet settled fail with HIO_ERR_ABORTED. Requests after this throw until reopen(). */
  close(): void {
    this.#closed = true;
    const error = new HioError('HIO_ERR_ABORTED', 'the Patron closed');
    for (const pool of this.#pools.values()) {
      for (const exchange of pool.queue.splice(0)) exchange.markFailed(error);
      for (const connection of pool.connections.splice(0)) connection.close(error);
    }
    this.#pools.clear();
    this.#timers.clear();
    const sleepers = [...this.#sleepers];
    this.#sleepers.clear();
    for (const settle of sleepers) settle(error);
    // A self-driving run sees it has nothing left to do.
    this.waker?.();
  }

  /** ConnectionHost: exchanges of a lost connection that got no byte of a response. */
  lost(connection: PatronConnection, exchanges: Exchange[], error: HioError): void {
    const pool = this.#pools.get(connection.origin.key);
    const connectFailed = error.code === 'HIO_ERR_CONNECT' || error.code === 'HIO_ERR_CONNECT_TIMEOUT';
    const retry: Exchange[] = [];
    exchanges.forEach((exchange, index) => {
      const request = exchange.request;
      // The keep-alive race: the server closed a reused connection as the request went out, or a pipelined request never got its turn.
      const raced = !connectFailed && (connection.reused || index > 0);
      if (pool !== undefined && !exchange.cancelled && !exchange.heard && raced && request.idempotent && request.replayable && exchange.retries === 0) {
        exchange.retries += 1;
        exchange.state = ExchangeState.queued;
        retry.push(exchange);
      } else {
        exchange.markFailed(error);
      }
    });
    if (retry.length > 0) pool!.queue.unshift(...retry);
    this.wake();
  }

  /** ConnectionHost: the origin answered in HTTP/1.0. */
  heardHttp10(origin: Origin): void {
    const known = this.#http10;
    if (known.has(origin.key)) return;
    // Remembered past the origin's connections (an HTTP/1.0 server closes each), for the most recent origins only.
    if (known.size >= 1024) known.delete(known.values().next().value!);
    known.add(origin.key);
  }

  /** ConnectionHost: a 417 to `Expect: 100-continue`; the request goes again, first in its queue, without the expectation. */
  resendWithoutExpect(exchange: Exchange): void {
    exchange.retries += 1;
    exchange.request = new OutgoingRequest({ ...exchange.request.source, expectContinue: false }, this.#expectContinueBytes);
    exchange.state = ExchangeState.queued;
    this.#enqueue(exchange, true);
  }

  /** ConnectionHost: something needs a pass. */
  wake(): void {
    this.#dirty = true;
    this.waker?.();
  }

  readonly #wakeOne = (): void => this.wake();

  /** Marks that a doer drives the Patron (its PatronDoer's enter and exit). */
  drive(driven: boolean): void {
    this.#driven = driven;
  }

  #enqueue(exchange: Exchange, front: boolean): void {
    const origin = exchange.request.origin;
    let pool = this.#pools.get(origin.key);
    if (pool === undefined) {
      pool = { origin, queue: [], connections: [] };
      this.#pools.set(origin.key, pool);
    }
    if (front) pool.queue.unshift(exchange);
    else pool.queue.push(exchange);
    this.wake();
  }

  /** Puts queued exchanges on connections: an idle one, a pipelining slot, or a new connection. */
  #dispatch(pool: Pool, tymth: Tymth): void {
    const queue = pool.queue;
    const connections = pool.connections;
    while (queue.length > 0) {
      const exchange = queue[0]!;
      if (exchange.cancelled) {
        queue.shift();
        exchange.markFailed(new HioError('HIO_ERR_ABORTED', 'the request was cancelled'));
        continue;
      }
      if (exchange.request.length < 0 && this.#http10.has(pool.origin.key)) {
        // RFC 9112 §6.1: no Transfer-Encoding to a server known to speak HTTP/1.0, and a body of unknown length has no other framing.
        queue.shift();
        exchange.markFailed(new HioError('HIO_ERR_INVALID_REQUEST', `${pool.origin.key} speaks HTTP/1.0: a body of unknown length needs a Content-Length`));
        continue;
      }
      let chosen: PatronConnection | null = null;
      // A retried exchange goes on a fresh connection: the pooled ones may have gone stale the same way.
      if (exchange.retries === 0) {
        for (const connection of connections) {
          if (connection.reusable()) {
            chosen = connection;
            break;
          }
        }
        for (let i = connections.length - 1; i >= 0; i--) if (connections[i]!.closed) connections.splice(i, 1);
        if (chosen === null && this.#pipelining > 1) {
          for (const connection of connections) {
            if (connection.canPipeline(exchange, this.#pipelining)) {
              chosen = connection;
              break;
            }
          }
        }
      }
      if (chosen === null) {
        if (connections.length >= this.#connections) {
          // Full: a retried exchange takes the place of an idle connection; others wait for a slot.
          const idle = exchange.retries > 0 ? connections.find((connection) => connection.idle) : undefined;
          if (idle === undefined) return;
          idle.close();
          connections.splice(connections.indexOf(idle), 1);
        }
        let client: Client;
        try {
          client = this.#connect(pool.origin);
        } catch (cause) {
          // A connector's fault fails the request that needed it, never the pass.
          queue.shift();
          exchange.markFailed(new HioError('HIO_ERR_CONNECT', `could not make a connection to ${pool.origin.key}`, { cause }));
          continue;
        }
        chosen = new PatronConnection(pool.origin, client, this, tymth);
        connections.push(chosen);
      }
      queue.shift();
      chosen.add(exchange);
      if (!this.#driven) chosen.client.hold?.(true);
    }
  }

  /** Tyme on the real clock, continuous across self-driven runs. */
  #selfTymth(): Tymth {
    const clock = this.#clock;
    const origin = this.#clockOrigin;
    const tymth = (): number => clock.now() - origin;
    this.wind(tymth);
    return tymth;
  }

  /**
   * Without a doer driving the Patron, runs one on the real clock until no
   * work is left (exchanges unsettled or bodies unread, sleeps pending).
   */
  #selfDrive(): void {
    if (this.#driven || this.#selfDriving || this.#selfDrivePending) return;
    // Decide on the next turn of the event loop: a caller that queues requests and then starts its own Doist drives them.
    this.#selfDrivePending = true;
    setImmediate(() => {
      this.#selfDrivePending = false;
      if (!this.#driven && !this.#selfDriving && !this.#closed && this.#hasWork()) this.#startSelfDrive();
    });
  }

  #startSelfDrive(): void {
    this.#selfDriving = true;
    if (this.#selfDoist === null) {
      this.#selfDoist = new Doist({ real: true, clock: this.#clock });
    }
    const doist = this.#selfDoist;
    const runner = new SelfDriver(this);
    const tyme = this.#clock.now() - this.#clockOrigin;
    for (const pool of this.#pools.values()) for (const connection of pool.connections) connection.client.hold?.(true);
    doist
      .run([runner], { tyme, real: true })
      .catch((error: unknown) => report(error))
      .finally(() => {
        this.#selfDriving = false;
        for (const pool of this.#pools.values()) for (const connection of pool.connections) connection.client.hold?.(false);
        // Work that arrived as the run ended starts another.
        if (this.#hasWork() && !this.#driven && !this.#closed) this.#startSelfDrive();
      });
  }

  /** True while exchanges are unsettled or unread, or sleeps pending. */
  #hasWork(): boolean {
    if (this.#work > 0 || this.#timers.size > 0) return true;
    for (const pool of this.#pools.values()) {
      if (pool.queue.length > 0) return true;
      for (const connection of pool.connections) if (connection.exchanges.length > 0) return true;
    }
    return false;
  }

  /** For the self driver: whether to keep running. */
  get selfDriveWork(): boolean {
    return this.#hasWork();
  }
}

/** A contained fault of a timer callback: reported once on stderr. */
function report(error: unknown): void {
  const what = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  process.stderr.write(`hio: contained fault in a Patron timer: ${what}\n`);
}
