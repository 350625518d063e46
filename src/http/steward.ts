/**
 * @module
 * The Steward: one per connection of a {@link BareServer}, pairing the
 * connection's {@link Requestant} with a {@link Responder} per request.
 * {@link Steward.respond} is the override point; the default echoes the
 * request back as JSON.
 *
 * What a steward guarantees, whatever the peer does:
 * - requests are parsed ahead while earlier ones are answered (up to
 *   `maxPipelined`), and answered strictly in order;
 * - a request that cannot be parsed gets its status (400, 408, 413, 414,
 *   417, 431, 501, 505) with `Connection: close`, after the answers to the
 *   requests before it; nothing after it is answered;
 * - a response that ends the connection (HTTP/1.0, `Connection: close`, an
 *   error) is followed by a half-close once flushed; the steward then reads
 *   and discards until the peer closes or `lingerTymeout` passes, so the
 *   peer is never reset before it read the response;
 * - a peer that half-closed still gets the answers to what it sent;
 * - the header section must arrive within `headerTymeout` of its first byte
 *   (else 408); an idle connection closes after the keep-alive tymeout;
 * - a fault in the application becomes a 500 (or a reset, if part of the
 *   response was already written), never an exception out of service().
 */
import { isUtf8 } from 'node:buffer';
import { HttpParseError } from '../core/errors.js';
import type { Remoter } from '../core/net/connection.js';
import type { BareServer } from './bare-server.js';
import { CustomResponder } from './custom-responder.js';
import { queryPairs, type Request } from './request.js';
import { Requestant } from './requestant.js';
import type { Exchange, Responder } from './responder.js';
import { reasonPhrase } from './status.js';

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

/** A per-connection request/response pairing. Subclass it and override {@link respond}. */
export class Steward {
  /** The server this steward works for. */
  readonly server: BareServer;
  /** The connection. */
  readonly remoter: Remoter;
  /** The parser reading the connection's bytes. */
  readonly requestant: Requestant;
  /** True once the connection is finished with; the server then forgets the steward. */
  done = false;
  /** @internal The server's pass number when this steward last ran. */
  pass = -1;
  #pending: Array<Request | HttpParseError> = [];
  #responder: Responder | null = null;
  #exchange: Exchange | null = null;
  #closing = false;
  #shutdown = false;
  #continued = false;
  /** Tyme by which the header section under way must be complete; Infinity when none is under way. */
  #headerDeadline = Infinity;
  /** Tyme by which a half-closed connection closes whatever the peer does. */
  #lingerDeadline = Infinity;
  #discarding = false;

  constructor(server: BareServer, remoter: Remoter) {
    this.server = server;
    this.remoter = remoter;
    this.requestant = new Requestant(remoter.rxQueue, { limits: server.limits, lenient: server.lenient });
    remoter.tymeout = server.keepAliveTymeout;
  }

  /**
   * True while a response is being poured over several passes, or while a
   * closing connection waits only for its last bytes to be written: the
   * server runs this steward every pass.
   */
  get busy(): boolean {
    if (this.done) return false;
    return this.#responder !== null || (this.#shutdown && this.remoter.rxEnded);
  }

  /** Tyme of this steward's next deadline (header read, linger), or Infinity. */
  get deadline(): number {
    return this.#shutdown ? this.#lingerDeadline : this.#headerDeadline;
  }

  /**
   * Makes the responder for one request. The default echoes the request as
   * JSON; override it to serve something else. Throwing answers 500.
   */
  respond(request: Request): Responder {
    return new CustomResponder({ data: echo(request) });
  }

  /** The server's tyme (0 before it is wound). */
  #tyme(): number {
    return this.server.tymth?.() ?? 0;
  }

  /** One pass: read and parse, answer in order, watch deadlines, close when finished. */
  service(): void {
    if (this.done) return;
    const remoter = this.remoter;
    if (remoter.cutoff) {
      this.done = true;
      return;
    }
    if (this.#shutdown) {
      this.#linger();
      return;
    }
    if (remoter.expired && this.#expire()) return;
    this.#read();
    this.#answer();
    if (this.#closing && this.#responder === null && this.#pending.length === 0) {
      this.#shutdown = true;
      remoter.shutdownSend();
      this.#lingerDeadline = this.#tyme() + this.server.lingerTymeout;
      this.#linger();
    }
  }

  /** Parses ahead: completed requests and errors join the pending queue, in order. */
  #read(): void {
    const requestant = this.requestant;
    const remoter = this.remoter;
    while (!this.#closing && this.#pending.length < this.server.maxPipelined) {
      const progress = requestant.parse();
      if (progress === 'more') {
        if (requestant.readingHead && requestant.started && this.#headerDeadline === Infinity) {
          this.#headerDeadline = this.#tyme() + this.server.headerTymeout;
        }
        if (this.#tyme() >= this.#headerDeadline) {
          requestant.fail(new HttpParseError('HIO_ERR_HEADER_TIMEOUT', 408, 'the header section did not arrive in time'));
          continue;
        }
        if (remoter.rxEnded) {
          if (!requestant.end()) this.#closing = true;
          else continue;
        }
        break;
      }
      this.#headerDeadline = Infinity;
      if (progress === 'head') {
        if (!this.server.methods.has(requestant.method)) {
          requestant.fail(new HttpParseError('HIO_ERR_NOT_IMPLEMENTED', 501, `method ${requestant.method} is not implemented`));
        }
        continue;
      }
      if (progress === 'done') {
        const request = requestant.take();
        this.server.published(request);
        this.#pending.push(request);
        this.#continued = false;
        continue;
      }
      this.#pending.push(requestant.error!);
      this.#closing = true;
    }
    this.#maybeContinue();
  }

  /**
   * Sends "100 Continue" when the request being read is the next to answer,
   * asked for it, and its body has not started: the body is wanted.
   */
  #maybeContinue(): void {
    const requestant = this.requestant;
    if (this.#continued || this.#closing || !requestant.expectContinue || requestant.readingHead) return;
    if (requestant.bodyReceived > 0 || this.#pending.length > 0 || this.#responder !== null) return;
    this.#continued = true;
    this.remoter.tx(CONTINUE);
  }

  /** Answers pending requests in order while the connection takes more output. */
  #answer(): void {
    const remoter = this.remoter;
    for (;;) {
      if (this.#responder === null) {
        const next = this.#pending.shift();
        if (next === undefined) break;
        if (next instanceof HttpParseError) {
          this.#pending.length = 0;
          this.#closing = true;
          remoter.tx(errorResponse(next.status, this.server.date(), this.server.serverName));
          break;
        }
        this.#begin(next);
      }
      if (remoter.txPending > this.server.highWater) break;
      const exchange = this.#exchange!;
      let finished: boolean;
      try {
        finished = this.#responder!.pour(exchange);
      } catch (error) {
        // Part of the response may be out already: only a reset tells the client it is broken.
        this.server.fault(error, exchange.request);
        remoter.reset();
        this.done = true;
        return;
      }
      if (!finished) break;
      this.#responder = null;
      this.#exchange = null;
      if (!exchange.persisted) {
        this.#pending.length = 0;
        this.#closing = true;
        break;
      }
    }
    this.#maybeContinue();
  }

  #begin(request: Request): void {
    const exchange: Exchange = {
      request,
      remoter: this.remoter,
      persisted: request.persisted && !(this.remoter.rxEnded && this.#pending.length === 0 && !this.requestant.started),
      date: this.server.date(),
      server: this.server.serverName,
      requiredHeaders: this.server.requiredHeaders,
    };
    let responder: Responder;
    try {
      responder = this.respond(request);
    } catch (error) {
      this.server.fault(error, request);
      exchange.persisted = false;
      responder = new CustomResponder({ status: 500, body: '500 Internal Server Error\n' });
    }
    this.#responder = responder;
    this.#exchange = exchange;
  }

  /** The idle tymeout ran out: 408 for a request under way, else close quietly. Returns true when handled. */
  #expire(): boolean {
    if (this.#responder !== null) {
      // The peer stopped reading our response: give up on it.
      this.remoter.close();
      this.done = true;
      return true;
    }
    if (this.requestant.started && this.#pending.length === 0) {
      this.requestant.fail(new HttpParseError('HIO_ERR_HEADER_TIMEOUT', 408, 'the request did not arrive in time'));
      return false;
    }
    if (this.#pending.length === 0) {
      this.remoter.close();
      this.done = true;
      return true;
    }
    return false;
  }

  /** True while the connection is half-closed by us and waits to close: the server settles it after each send pass. */
  get settling(): boolean {
    return this.#shutdown && !this.done;
  }

  /** After the pass's sends: closes a half-closed connection whose last bytes are now written, if it may. */
  settle(): void {
    if (this.settling) this.#linger();
  }

  /**
   * After our half-close: once our last bytes are written, close at once if
   * the peer sent nothing after the answered requests, else discard its
   * input until it closes too or the linger tymeout passes — closing on
   * unread bytes would reset the connection and could destroy our answer
   * before the peer read it.
   */
  #linger(): void {
    const remoter = this.remoter;
    if (remoter.rxQueue.length > 0) {
      this.#discarding = true;
      remoter.rxQueue.clear();
    }
    const flushed = remoter.txPending === 0;
    if (remoter.cutoff || this.#tyme() >= this.#lingerDeadline || (flushed && (remoter.rxEnded || !this.#discarding))) {
      remoter.close();
      this.done = true;
    }
  }
}

/** A complete error response with `Connection: close`: "400 Bad Request" and the like, as text. */
export function errorResponse(status: number, date: string, server: string | null): Buffer {
  const body = `${status} ${reasonPhrase(status)}\n`;
  const serverLine = server === null ? '' : `Server: ${server}\r\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nDate: ${date}\r\n${serverLine}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    'latin1',
  );
}

/** The echo of a request: what the default Steward answers, as JSON data. */
export function echo(request: Request): Record<string, unknown> {
  const text = isUtf8(request.body);
  const contentType = request.headers.get('content-type') ?? '';
  let data: unknown = null;
  if (text && /\bjson\b/i.test(contentType)) {
    try {
      data = JSON.parse(request.body.toString('utf8'));
    } catch {
      data = null;
    }
  }
  return {
    version: request.version,
    method: request.method,
    target: request.target,
    path: request.path,
    query: request.query,
    qargs: queryPairs(request.query),
    fragment: request.fragment,
    headers: request.headers.entries(),
    trailers: request.trailers.entries(),
    body: text ? request.body.toString('utf8') : request.body.toString('base64'),
    bodyEncoding: text ? 'utf8' : 'base64',
    data,
  };
}
