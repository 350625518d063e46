/**
 * @module
 * One of a {@link Patron}'s connections: a {@link Client} to one origin, the
 * {@link Respondent} reading its responses, and the exchanges on it in
 * order. Each pass it takes in what the network did, parses responses into
 * their exchanges (only while the exchange being read has room: a lagging
 * consumer stops the reading, and the client's bounded queue then stops the
 * socket), writes requests and their bodies as the connection has room, and
 * checks its one deadline, whose meaning follows the phase: connecting,
 * waiting for 100 Continue, waiting for a response head, waiting for body
 * bytes, or sitting idle in the pool.
 *
 * When the connection is lost before a response's first byte, its
 * exchanges are handed back to the Patron ({@link ConnectionHost.lost}),
 * which retries the idempotent ones once on a fresh connection; an exchange
 * whose response had begun fails with HIO_ERR_CONNECTION_LOST.
 */
import { HioError, type HttpParseError } from '../core/errors.js';
import type { Tymth } from '../core/tymist.js';
import type { Client } from '../net/client.js';
import { Pulled, BodyPump } from './body-pump.js';
import type { Exchange } from './exchange.js';
import { ExchangeState } from './exchange.js';
import type { Origin } from './outgoing-request.js';
import { Respondent, type RespondentOptions } from './respondent.js';

/** What a connection needs from its Patron. */
export interface ConnectionHost {
  /** Settings, in seconds of tyme and bytes. */
  readonly settings: ConnectionSettings;
  /** Exchanges sent on a lost connection, no byte of whose response arrived: the Patron retries or fails each. */
  lost(connection: PatronConnection, exchanges: Exchange[], error: HioError): void;
  /** Wakes the Patron for another pass. */
  wake(): void;
  /** The origin answered in HTTP/1.0: it is not sent chunked bodies (RFC 9112 §6.1). */
  heardHttp10(origin: Origin): void;
  /** Sends an exchange again on another connection without `Expect: 100-continue` (it got a 417 for it). */
  resendWithoutExpect(exchange: Exchange): void;
}

/** The timing and size settings of a Patron's connections. */
export interface ConnectionSettings {
  readonly connectTymeout: number;
  readonly responseTymeout: number;
  readonly bodyTymeout: number;
  readonly continueTymeout: number;
  readonly keepAliveTymeout: number;
  readonly keepAliveMaxTymeout: number;
  readonly keepAliveMargin: number;
  readonly bodyHighWater: number;
  readonly respondent: RespondentOptions;
}

const Phase = { connecting: 0, open: 1, closed: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** What the request being written is waiting for. */
const Send = { idle: 0, head: 1, continue: 2, body: 3 } as const;
type Send = (typeof Send)[keyof typeof Send];

const CRLF = Buffer.from('\r\n');
/** Interim responses one request may get before the server is taken to be misbehaving. */
const MAX_INTERIM = 32;
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** The idle seconds a `Keep-Alive: timeout=N` hint allows, or -1 without one. */
export function keepAliveHint(value: string | undefined): number {
  if (value === undefined) return -1;
  const match = /(?:^|[\s,])timeout\s*=\s*"?(\d+)/i.exec(value);
  return match === null ? -1 : Number(match[1]);
}

/** See the module note. */
export class PatronConnection {
  readonly origin: Origin;
  readonly client: Client;
  readonly respondent: Respondent;
  /** Exchanges on this connection in order: [0]'s response is being read; [#sendIndex] is being written. */
  readonly exchanges: Exchange[] = [];
  /** True once a response completed on it: a request sent on it again rides a reused connection. */
  reused = false;
  /** True once it must take no more requests (the server said close, a request body was cut short, …). */
  retiring = false;
  readonly #host: ConnectionHost;
  #phase: Phase = Phase.connecting;
  #send: Send = Send.idle;
  #sendIndex = 0;
  #pump: BodyPump | null = null;
  /** Bytes of a fixed-length streamed body still to send. */
  #bodyLeft = 0;
  /** Tyme by which the network must take more of what waits to be sent (Infinity: nothing waits). */
  #sendDue = Infinity;
  /** txWritten when #sendDue was last set. */
  #sentMark = 0;
  /** Tyme of the current deadline (Infinity: none). */
  #due = Infinity;
  /** Tyme by which a request held for 100 Continue sends its body anyway (Infinity: none waits). */
  #continueDue = Infinity;
  #tymth: Tymth;
  /** Seconds an idle connection may stay pooled, from the last response's hint. */
  #idleTymeout: number;

  constructor(origin: Origin, client: Client, host: ConnectionHost, tymth: Tymth) {
    this.origin = origin;
    this.client = client;
    this.#host = host;
    this.#tymth = tymth;
    this.#idleTymeout = host.settings.keepAliveTymeout;
    this.respondent = new Respondent(client.rxQueue, { ...host.settings.respondent, streamBodies: true });
    client.waker = () => host.wake();
    client.wind(tymth);
    client.open();
    this.#due = tymth() + host.settings.connectTymeout;
  }

  /** True once closed: the Patron drops it. */
  get closed(): boolean {
    return this.#phase === Phase.closed;
  }

  /** True while it has no exchange and may take one. */
  get idle(): boolean {
    return this.exchanges.length === 0 && !this.retiring && this.#phase !== Phase.closed;
  }

  /** True when idle and still fit to carry a request: news from the peer is taken in first; one the server closed, that holds unsolicited bytes, or whose keep-alive ran out is closed instead. */
  reusable(): boolean {
    if (!this.idle) return false;
    if (this.#phase !== Phase.open) return true;
    const client = this.client;
    client.serviceReceives();
    if (client.rxEnded || client.cutoff || client.rxQueue.length > 0 || this.#tymth() >= this.#due) {
      this.close();
      return false;
    }
    return true;
  }

  /** True when it may take `exchange` behind those it carries, pipelined up to `depth`. */
  canPipeline(exchange: Exchange, depth: number): boolean {
    if (this.retiring || this.#phase === Phase.closed || this.exchanges.length >= depth || !exchange.request.idempotent) return false;
    // Nothing rides behind a request that is not idempotent, or that asks to close the connection after its answer.
    for (const each of this.exchanges) if (!each.request.idempotent || each.request.closes) return false;
    return true;
  }

  /** The tyme of this connection's next deadline. */
  get due(): number {
    const first = this.exchanges[0];
    // A socket paused because our consumer lags needs no pass until it reads (Exchange.read wakes the Patron).
    if (first !== undefined && first.state === ExchangeState.headed && first.buffered >= this.#host.settings.bodyHighWater)
      return Math.min(this.#due, this.#sendDue, this.#continueDue);
    return Math.min(this.#due, this.#sendDue, this.#continueDue, this.client.nextDue());
  }

  /** Re-bases the connection onto another tyme. */
  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    this.client.wind(tymth);
  }

  /** Puts an exchange on this connection; it is written on the next pass. */
  add(exchange: Exchange): void {
    exchange.state = ExchangeState.sent;
    this.respondent.expect(exchange.request.method, exchange.request.expectContinue);
    this.exchanges.push(exchange);
    if (this.exchanges.length === 1) this.#due = this.#phase === Phase.open ? Infinity : this.#due;
  }

  /** One pass: connect, receive, parse, write, deadlines. */
  service(): void {
    if (this.#phase === Phase.closed) return;
    const client = this.client;
    const settings = this.#host.settings;
    if (this.#phase === Phase.connecting) {
      if (client.serviceConnect()) {
        this.#phase = Phase.open;
        this.#due = this.exchanges.length === 0 ? this.#tymth() + this.#idleTymeout : Infinity;
      } else if (client.cutoff) {
        this.#lose(new HioError('HIO_ERR_CONNECT', `could not connect to ${this.origin.key}`, { cause: client.error }));
        return;
      } else {
        if (this.#tymth() >= this.#due)
          this.#lose(new HioError('HIO_ERR_CONNECT_TIMEOUT', `no connection to ${this.origin.key} within ${settings.connectTymeout} s`));
        return;
      }
    } else {
      client.serviceReceives();
    }
    this.#read();
    if (this.closed) return;
    this.#write();
    if (this.closed) return;
    client.serviceSends();
    this.#watchSends();
    if (this.closed) return;
    this.#checkEnd();
    if (this.closed) return;
    // Bytes on a connection nothing was asked on: it can carry no request any more.
    if (this.exchanges.length === 0 && client.rxQueue.length > 0) {
      this.close();
      return;
    }
    if (this.#send === Send.continue && this.#tymth() >= this.#continueDue) {
      // No 100 came in time: send the body anyway (RFC 9110 §10.1.1).
      this.#send = Send.body;
      this.#continueDue = Infinity;
      this.#host.wake();
    }
    if (this.#tymth() >= this.#due) this.#expire();
  }

  /** Closes the connection; exchanges still on it fail with `error` (none are retried). */
  close(error: HioError = new HioError('HIO_ERR_ABORTED', 'the client closed')): void {
    if (this.#phase === Phase.closed) return;
    this.#phase = Phase.closed;
    this.#pump?.cancel();
    this.#pump = null;
    this.client.waker = null;
    this.client.close();
    const exchanges = this.exchanges.splice(0);
    for (const exchange of exchanges) exchange.markFailed(error);
  }

  /** Parses what arrived into the exchanges, as far as their consumers have room. */
  #read(): void {
    const respondent = this.respondent;
    const highWater = this.#host.settings.bodyHighWater;
    while (this.exchanges.length > 0) {
      const exchange = this.exchanges[0]!;
      if (exchange.cancelled) {
        // Its response can only be skipped by reading it all: give up the connection instead.
        this.retiring = true;
        this.exchanges.shift();
        exchange.markFailed(new HioError('HIO_ERR_ABORTED', 'the request was cancelled'));
        this.#lose(new HioError('HIO_ERR_ABORTED', 'an earlier request on the connection was cancelled'));
        return;
      }
      if (exchange.state === ExchangeState.headed && exchange.buffered >= highWater) {
        // The consumer lags: no body deadline while it does (the server is not idle, we are), restarted once it reads.
        this.#due = Infinity;
        return;
      }
      if (exchange.state === ExchangeState.headed && this.#due === Infinity) this.#due = this.#tymth() + this.#host.settings.bodyTymeout;
      const progress = respondent.parse();
      const parts = respondent.takeParts();
      if (parts.length > 0) {
        exchange.push(parts);
        this.#due = this.#tymth() + this.#host.settings.bodyTymeout;
      }
      if (progress === 'more') {
        if (parts.length > 0) exchange.listener?.onProgress(exchange);
        return;
      }
      if (progress === 'error') {
        this.exchanges.shift();
        exchange.markFailed(respondent.error as HttpParseError);
        this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier response on the connection was malformed'));
        return;
      }
      if (progress === 'head') {
        exchange.heard = true;
        exchange.markHeaded(respondent.head);
        // A final answer instead of 100: the held body is never sent.
        if (this.#sendIndex === 0 && this.#send === Send.continue) this.#continueDue = Infinity;
        this.#due = this.#tymth() + this.#host.settings.bodyTymeout;
        continue;
      }
      // A whole message: interim or final.
      const head = respondent.head;
      const response = respondent.take();
      // Any answer at all means the server saw the request: it is never sent again.
      exchange.heard = true;
      if (response.status < 200 && !response.switched) {
        if (response.status === 100 && this.#send === Send.continue && this.#sendIndex === 0) {
          this.#send = Send.body;
          this.#continueDue = Infinity;
        } else if (exchange.interim.length >= MAX_INTERIM) {
          this.exchanges.shift();
          exchange.markFailed(new HioError('HIO_ERR_BAD_RESPONSE', `more than ${MAX_INTERIM} interim responses`));
          this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier response on the connection was malformed'));
          return;
        } else {
          exchange.interim.push(head);
        }
        continue;
      }
      if (response.switched && !exchange.request.headers.some(([name]) => name.toLowerCase() === 'upgrade')) {
        // 101 Switching Protocols answers only a request that offered an upgrade (RFC 9110 §15.2.2).
        this.exchanges.shift();
        exchange.markFailed(new HioError('HIO_ERR_BAD_RESPONSE', 'a 101 Switching Protocols to a request that offered no upgrade'));
        this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'the connection switched protocols'));
        return;
      }
      if (response.status === 417 && this.#sendIndex === 0 && this.#send === Send.continue && exchange.request.replayable && exchange.retries === 0) {
        // The server does not do 100-continue: send it again without the expectation (RFC 9110 §10.1.1), the body still unsent.
        this.exchanges.shift();
        this.#send = Send.idle;
        this.#pump?.cancel();
        this.#pump = null;
        this.retiring = true;
        this.#host.resendWithoutExpect(exchange);
        this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier request on the connection was cut off'));
        return;
      }
      if (response.version === 'HTTP/1.0') this.#host.heardHttp10(this.origin);
      this.exchanges.shift();
      this.#sendIndex -= 1;
      if (exchange.state !== ExchangeState.headed) exchange.markHeaded(head);
      exchange.markDone(response.trailers);
      this.reused = true;
      if (!response.persisted || response.switched || exchange.request.closes) this.retiring = true;
      if (this.#sendIndex < 0) {
        // The answer came before the request was all sent (a 413, a 417, a final answer instead of 100): the body's framing is broken off.
        this.#sendIndex = 0;
        this.#send = Send.idle;
        this.#continueDue = Infinity;
        this.#pump?.cancel();
        this.#pump = null;
        this.retiring = true;
      }
      const hint = keepAliveHint(head.headers.get('keep-alive'));
      if (hint >= 0) this.#idleTymeout = Math.min(hint - this.#host.settings.keepAliveMargin, this.#host.settings.keepAliveMaxTymeout);
      if (this.#idleTymeout <= 0) this.retiring = true;
      if (this.retiring) {
        this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'the connection closed after an earlier response'));
        return;
      }
      this.#due =
        this.exchanges.length === 0 ? this.#tymth() + this.#idleTymeout : this.#sendIndex > 0 ? this.#tymth() + this.#host.settings.responseTymeout : Infinity;
    }
  }

  /** Writes requests in order, each body as the connection has room. */
  #write(): void {
    const client = this.client;
    const highWater = this.#host.settings.bodyHighWater;
    while (this.#sendIndex < this.exchanges.length) {
      const exchange = this.exchanges[this.#sendIndex]!;
      const request = exchange.request;
      if (this.#send === Send.idle) {
        client.tx(request.headBytes);
        if (request.body === null) {
          this.#sent();
          continue;
        }
        if (request.body.kind === 'stream') {
          this.#pump = new BodyPump(request.body.source, () => this.#host.wake());
          this.#bodyLeft = request.length;
        }
        if (request.expectContinue) {
          this.#send = Send.continue;
          this.#continueDue = this.#tymth() + this.#host.settings.continueTymeout;
          return;
        }
        this.#send = Send.body;
      }
      if (this.#send === Send.continue) return;
      // Send.body
      if (request.body!.kind === 'bytes') {
        client.tx(request.body!.bytes);
        this.#sent();
        continue;
      }
      const pump = this.#pump!;
      while (client.txPending < highWater) {
        const chunk = pump.pull();
        if (chunk === Pulled.wait) return;
        if (chunk === Pulled.end) {
          if (pump.error !== null || (request.length >= 0 && this.#bodyLeft !== 0)) {
            const error = pump.error ?? new HioError('HIO_ERR_REQUEST_BODY', `the request body ended ${this.#bodyLeft} bytes short of its Content-Length`);
            this.#failSending(exchange, error);
            return;
          }
          if (request.length < 0) client.tx(LAST_CHUNK);
          this.#pump = null;
          this.#sent();
          break;
        }
        if (request.length >= 0) {
          if (chunk.length > this.#bodyLeft) {
            this.#failSending(exchange, new HioError('HIO_ERR_REQUEST_BODY', 'the request body is longer than its Content-Length'));
            return;
          }
          this.#bodyLeft -= chunk.length;
          client.tx(chunk);
        } else {
          client.tx(Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'));
          client.tx(chunk);
          client.tx(CRLF);
        }
      }
      if (this.#pump !== null) return;
    }
  }

  /** The request at #sendIndex is all written. */
  #sent(): void {
    this.#send = Send.idle;
    this.#sendIndex += 1;
    if (this.#sendIndex === 1 && this.exchanges[0]!.state === ExchangeState.sent) this.#due = this.#tymth() + this.#host.settings.responseTymeout;
  }

  /** A request body failed while being sent: the request cannot be finished, nor the connection reused. */
  #failSending(exchange: Exchange, error: HioError): void {
    const index = this.exchanges.indexOf(exchange);
    this.exchanges.splice(index, 1);
    exchange.markFailed(error);
    this.client.reset();
    this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier request on the connection failed'));
  }

  /**
   * Bounds a request the server stops taking: while bytes wait to be sent,
   * the network must take some every `bodyTymeout` seconds, or the request
   * fails with HIO_ERR_SEND_TIMEOUT.
   */
  #watchSends(): void {
    const client = this.client;
    // While a response is read the server need not read on (its body deadline, or our lagging consumer, governs).
    if (client.txPending === 0 || this.exchanges.length === 0 || this.exchanges[0]!.state === ExchangeState.headed) {
      this.#sendDue = Infinity;
      return;
    }
    const now = this.#tymth();
    if (client.txWritten !== this.#sentMark || this.#sendDue === Infinity) {
      this.#sentMark = client.txWritten;
      this.#sendDue = now + this.#host.settings.bodyTymeout;
      return;
    }
    if (now < this.#sendDue) return;
    const exchange = this.exchanges[Math.min(this.#sendIndex, this.exchanges.length - 1)]!;
    this.exchanges.splice(this.exchanges.indexOf(exchange), 1);
    exchange.markFailed(new HioError('HIO_ERR_SEND_TIMEOUT', `the server took no byte of the request for ${this.#host.settings.bodyTymeout} s`));
    this.client.reset();
    this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier request on the connection stalled'));
  }

  /** The peer half-closed, or the connection was cut off. */
  #checkEnd(): void {
    const client = this.client;
    if (!client.rxEnded && !client.cutoff) return;
    const first = this.exchanges[0];
    // Bytes still wait for a consumer that lags: the response is not over until they are parsed.
    // So does a body that ends with the connection (no length): it ends once the consumer took what is parsed.
    if (
      first !== undefined &&
      first.state === ExchangeState.headed &&
      first.buffered >= this.#host.settings.bodyHighWater &&
      (client.rxQueue.length > 0 || client.error === null)
    )
      return;
    if (this.exchanges.length > 0 && client.rxEnded) {
      this.respondent.end();
      this.#read();
      if (this.closed) return;
    }
    if (this.exchanges.length === 0) {
      this.close();
      return;
    }
    const cause = client.error;
    this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', `the connection to ${this.origin.key} ${cause === null ? 'closed' : 'failed'}`, { cause }));
  }

  /** A deadline passed. */
  #expire(): void {
    if (this.exchanges.length === 0) {
      this.close();
      return;
    }
    const exchange = this.exchanges[0]!;
    const error =
      exchange.state === ExchangeState.headed
        ? new HioError('HIO_ERR_BODY_IDLE_TIMEOUT', `no response body byte for ${this.#host.settings.bodyTymeout} s`)
        : new HioError('HIO_ERR_RESPONSE_TIMEOUT', `no response head within ${this.#host.settings.responseTymeout} s`);
    this.exchanges.shift();
    exchange.markFailed(error);
    this.client.reset();
    this.#lose(new HioError('HIO_ERR_CONNECTION_LOST', 'an earlier request on the connection timed out'));
  }

  /**
   * Ends the connection: the exchange whose response had begun fails with
   * `error`; the others (no byte of their responses came) go back to the
   * Patron to be retried or failed.
   */
  #lose(error: HioError): void {
    const exchanges = this.exchanges.splice(0);
    const first = exchanges[0];
    if (first !== undefined && first.state === ExchangeState.headed) {
      exchanges.shift();
      first.markFailed(error);
    } else if (first !== undefined && (first.heard || (this.respondent.started && this.#phase === Phase.open))) {
      exchanges.shift();
      first.markFailed(error);
    }
    this.close();
    if (exchanges.length > 0) this.#host.lost(this, exchanges, error);
  }
}
