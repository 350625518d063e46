/**
 * @module
 * The Steward: one per connection of a {@link BareServer}, pairing the
 * connection's {@link Requestant} with a {@link Responder} per request.
 * {@link Steward.respond} is the override point; the default echoes the
 * request back as JSON.
 *
 * What a steward guarantees, whatever the peer does:
 * - requests are parsed ahead while earlier ones are answered, and answered
 *   strictly in order; parsing ahead stops at `maxPipelined` requests or
 *   once the requests held plus the output not yet written pass
 *   `maxBufferedBytes`, and resumes by itself as soon as there is room (the
 *   transport pauses the socket meanwhile, so memory stays bounded);
 * - a request that cannot be parsed gets its status (400, 408, 413, 414,
 *   417, 431, 501, 505) with `Connection: close` and a one-line reason (its
 *   error code, never the offending input; no body for HEAD), after the
 *   answers to the requests before it; nothing after it is answered;
 * - a response that ends the connection (HTTP/1.0, `Connection: close`, an
 *   error, a drain) is followed by a half-close once flushed; once the last
 *   byte is written the steward reads and discards what the peer still
 *   sends (the rest of an unwanted upload) until the peer closes, it goes
 *   quiet for `lingerTymeout`, `maxLingerTymeout` passes or
 *   `maxDiscardBytes` were thrown away, so the peer is not reset before it
 *   read the answer;
 * - a peer that half-closed still gets the answers to what it sent;
 * - the header section must arrive within `headerTymeout` of its first
 *   byte, and a body at no less than `minBodyRate` bytes per second after a
 *   grace of `bodyTymeout` (else 408); a connection on which nothing moves
 *   either way — no byte read, none accepted by the peer — for the
 *   keep-alive tymeout closes (408 when a request was under way), and a
 *   response that leaves the connection open announces that tymeout
 *   (`Keep-Alive: timeout=N`);
 * - when the server drains, an idle connection closes at once and a busy one
 *   finishes the requests it received, the last answer saying
 *   `Connection: close`;
 * - a fault in the application becomes a 500 (or a reset, if part of the
 *   response was already written), never an exception out of service().
 */
import { isUtf8 } from 'node:buffer';
import { HioError, HttpParseError } from '../core/errors.js';
import type { HeaderPair } from '../core/hict.js';
import { formatAddress } from '../net/address.js';
import type { Remoter } from '../net/connection.js';
import { CustomResponder } from './custom-responder.js';
import { queryPairs, type Request } from './request.js';
import type { RequestBody } from './request-body.js';
import { Requestant } from './requestant.js';
import { maySwitch } from './switching.js';
import type { ConnectionHandler } from './connection-handler.js';
import { readProxyHeader } from './proxy-protocol.js';
import type { Responder } from './responder.js';
import { ResponseWriter, type RequestHead } from './response-writer.js';
import type { StewardHost } from './steward-host.js';
import { reasonPhrase } from './status.js';

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

/** A request parsed ahead, with the bytes it holds. */
interface Held {
  readonly request: Request;
  readonly bytes: number;
}

/**
 * A per-connection request/response pairing. Give the server a `respond`
 * function, or subclass it and override {@link respond}.
 */
export class Steward implements ConnectionHandler {
  /** The server this steward works for (a {@link BareServer}, or any host). */
  readonly server: StewardHost;
  /** The connection. */
  readonly remoter: Remoter;
  /** The parser reading the connection's bytes. */
  readonly requestant: Requestant;
  /** True once the connection is finished with; the server then forgets the steward (or runs its successor). */
  done = false;
  #successor: ConnectionHandler | null = null;
  /** Hands this steward back to the server's passes when a suspended response resumes: one function per connection, not per request. */
  readonly #wake = (): void => this.server.wake(this);
  /** The server's pass number when this steward last ran (the ConnectionHandler contract; owned by the server). */
  pass = -1;
  #pending: Array<Held | HttpParseError> = [];
  /** Bytes held by the requests in #pending. */
  #pendingBytes = 0;
  #responder: Responder | null = null;
  #writer: ResponseWriter | null = null;
  /** Bytes held by the request being answered. */
  #exchangeBytes = 0;
  /**
   * The body of the request being answered while it is still arriving (the
   * server streams bodies), until it ends or, once the response is
   * complete, until what is left of it was discarded.
   */
  #stream: RequestBody | null = null;
  /** Tells the steward its streamed body is wanted (a 100 Continue to send) or has room again: one function per connection. */
  readonly #bodyNotify = (): void => this.server.wake(this);
  /** Body bytes received when the rest of a streamed body began to be discarded. */
  #discardBase = 0;

  #closing = false;
  #shutdown = false;
  #continued = false;
  #drainSeen = false;
  /**
   * A request that may switch protocols (it offers an upgrade, or is a
   * CONNECT) was parsed: nothing after it is parsed until it is answered,
   * since what follows may belong to another protocol.
   */
  #barrier = false;
  /** Parsing ahead stopped for lack of room; deadlines restart when it resumes. */
  #gated = false;
  /** Tyme by which the header section under way must be complete; Infinity when none is under way. */
  #headerDeadline = Infinity;
  /** Tyme the body under way started (or resumed) being read, and its bytes then; Infinity when none. */
  #bodyStart = Infinity;
  #bodyBase = 0;
  /** Tyme by which a lingering connection closes: quiet for lingerTymeout, or maxLingerTymeout in all. */
  #lingerDeadline = Infinity;
  #lingerEnd = Infinity;
  #discarding = false;
  #discarded = 0;
  /** The PROXY protocol header the connection begins with is still to be read (the server's proxyProtocol). */
  #proxyHeader = false;

  constructor(server: StewardHost, remoter: Remoter) {
    this.server = server;
    this.remoter = remoter;
    this.requestant = new Requestant(remoter.rxQueue, { limits: server.limits, lenient: server.lenient, methods: server.methods });
    remoter.tymeout = server.keepAliveTymeout;
    remoter.sendTymeout = server.sendTymeout;
    this.#proxyHeader = server.proxyProtocol === true;
  }

  /**
   * True while a response is being poured over several passes, or while a
   * closing connection waits only for its last bytes to be written: the
   * server runs this steward every pass.
   */
  get busy(): boolean {
    if (this.done) return false;
    return (this.#responder !== null && !this.#writer!.suspended) || (this.#shutdown && this.remoter.rxEnded);
  }

  /** Tyme of this steward's next deadline (header or body read, linger), or Infinity. */
  get deadline(): number {
    if (this.#shutdown) return Math.min(this.#lingerDeadline, this.#lingerEnd);
    return Math.min(this.#headerDeadline, this.#bodyDeadline());
  }

  /**
   * The response under way will never complete: tells its responder (see
   * {@link Responder.abandon}) and forgets it. The server calls it when it
   * closes the connection under the steward.
   */
  abandon(): void {
    this.#stream?.fail(new HioError('HIO_ERR_CLIENT_GONE', 'the connection closed before the request body was read'));
    this.#stream = null;
    const responder = this.#responder;
    if (responder === null) return;
    this.#responder = null;
    this.#writer = null;
    try {
      responder.abandon?.();
    } catch (error) {
      this.server.fault(error, null);
    }
  }

  /** Once done: the handler that took the connection over (see {@link handOver}), else null. */
  get successor(): ConnectionHandler | null {
    return this.#successor;
  }

  /**
   * Hands the connection over to another handler (an upgrade to another
   * protocol): this steward is done at once, parses nothing more and answers
   * nothing more; requests it parsed ahead are dropped; bytes not yet parsed
   * stay in the connection's receive queue for `next`, which the server runs
   * from this pass on. Call it from a responder once its last answer is
   * written (a 101, say).
   */
  handOver(next: ConnectionHandler): void {
    if (this.done) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the steward is already done');
    if (next.remoter !== this.remoter) throw new HioError('HIO_ERR_RESPONSE_STATE', 'a successor must take over the same connection');
    this.#successor = next;
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.done = true;
  }

  /**
   * Makes the responder for one request. The default calls the server's
   * `respond` function, or without one echoes the request as JSON; override
   * it to serve something else. Throwing answers 500.
   */
  respond(request: Request): Responder {
    const respond = this.server.respond;
    if (respond !== null) return respond(request, this.remoter);
    const fields = echo(request);
    let text: string;
    try {
      text = JSON.stringify(fields);
    } catch {
      // Data nested too deeply to serialize (JSON.parse takes more depth than stringify): echo it as text only.
      text = JSON.stringify({ ...fields, data: null });
    }
    return new CustomResponder({ body: `${text}\n`, headers: JSON_TYPE });
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
      this.abandon();
      this.done = true;
      return;
    }
    if (this.#proxyHeader && !this.#readProxyHeader()) return;
    if (this.server.draining && !this.#drainSeen) this.#drain();
    if (this.#shutdown) {
      this.#linger();
      return;
    }
    if (remoter.expired && this.#expire()) return;
    // Answering makes room to parse what is already received: go on until
    // neither step gets further, so a burst of pipelined requests never
    // waits for an event that may not come.
    for (;;) {
      this.#read();
      if (!this.#answer() || this.#closing || this.done) break;
    }
    if (this.done) return;
    if (this.#closing && this.#responder === null && this.#pending.length === 0) {
      this.#shutdown = true;
      remoter.shutdownSend();
      this.#linger();
    }
  }

  /**
   * Reads the PROXY protocol header the connection must begin with: true
   * once it is read, and the pass goes on to the requests behind it. A
   * header that is malformed, or still incomplete when the peer closes, the
   * connection goes idle or headerTymeout passes, closes the connection
   * unanswered (the peer is a proxy, not an HTTP client) as a fault. A peer
   * that closes having sent nothing (a proxy's connect-only health check),
   * and a connection still without its header when the server drains, close
   * quietly.
   */
  #readProxyHeader(): boolean {
    const remoter = this.remoter;
    let outcome = readProxyHeader(remoter);
    if (outcome === 'done') {
      this.#proxyHeader = false;
      this.#headerDeadline = Infinity;
      return true;
    }
    if (outcome === 'more') {
      const tyme = this.#tyme();
      if (this.#headerDeadline === Infinity) this.#headerDeadline = tyme + this.server.headerTymeout;
      const silent = remoter.rxEnded && remoter.rxQueue.length === 0;
      if (silent || this.server.draining) {
        this.#finish();
        return false;
      }
      if (!remoter.rxEnded && !remoter.expired && tyme < this.#headerDeadline) return false;
      outcome = new HioError(
        'HIO_ERR_PROXY_PROTOCOL',
        remoter.rxEnded ? 'the peer closed within its PROXY protocol header' : 'the PROXY protocol header did not arrive in time',
      );
    }
    // Named by the peer that sent it: the proxy, or whatever reached a port only a proxy should.
    const peer = remoter.remoteAddress;
    const from = peer === null ? 'an unknown peer' : formatAddress(peer);
    this.server.fault(new HioError('HIO_ERR_PROXY_PROTOCOL', `${outcome.message}, from ${from}`, { cause: outcome }), null);
    this.#finish();
    return false;
  }

  /** The server began to drain: stop reading new requests; finish one whose bytes are arriving. */
  #drain(): void {
    this.#drainSeen = true;
    if (!this.requestant.started) this.#closing = true;
    // An answer under way whose head is not out yet says the connection closes after it (an application still thinking, say).
    const writer = this.#writer;
    if (writer !== null && !writer.headSent && this.#pending.length === 0 && !this.requestant.started) writer.persisted = false;
  }

  /** Bytes this connection holds: requests parsed ahead, the one being answered, the one being read, and unsent output. */
  #held(): number {
    const stream = this.#stream;
    // A streamed body the parser has finished with still holds what its reader has not taken.
    const body = stream !== null && stream !== this.requestant.stream ? stream.buffered : 0;
    return this.#pendingBytes + this.#exchangeBytes + this.requestant.held + body + this.remoter.txPending;
  }

  /**
   * Whether parsing may go on: always for the request next in line (nothing
   * ahead of it and the previous answer mostly written), otherwise only
   * while the connection holds fewer than maxBufferedBytes.
   */
  #roomToRead(): boolean {
    if (this.#pending.length === 0 && this.#responder === null && this.remoter.txPending <= this.server.highWater) return true;
    return this.#held() < this.server.maxBufferedBytes;
  }

  /** The tyme by which the body under way must have arrived at its current size, or Infinity. */
  #bodyDeadline(): number {
    if (this.#bodyStart === Infinity) return Infinity;
    const server = this.server;
    return this.#bodyStart + server.bodyTymeout + (this.requestant.bodyReceived - this.#bodyBase) / server.minBodyRate;
  }

  /** Parses ahead: completed requests and errors join the pending queue, in order. */
  #read(): void {
    const requestant = this.requestant;
    const remoter = this.remoter;
    if (this.#barrier) {
      if (this.#responder !== null || this.#pending.length > 0) return;
      // Answered without a switch: what follows is HTTP after all.
      this.#barrier = false;
    }
    while (!this.#closing && this.#pending.length < this.server.maxPipelined) {
      if (!this.#roomToRead()) {
        this.#gated = true;
        // A reader taking bytes makes room: it wakes the steward to read on.
        requestant.stream?.block();
        break;
      }
      if (this.#gated) {
        // The wait was ours, not the peer's: its deadlines start afresh.
        this.#gated = false;
        this.#headerDeadline = Infinity;
        if (this.#bodyStart !== Infinity) this.#restartBody();
      }
      const progress = requestant.parse();
      if (progress === 'more') {
        if (requestant.readingBody) {
          if (requestant.stream === null && this.server.streamBodies && this.#pending.length === 0 && this.#responder === null && !this.#closing) {
            // Next in line and its body still arriving: the application starts now and reads the body as it comes.
            this.#beginStreamed(requestant.takeHead(this.#bodyNotify));
          } else if (this.#stream?.discarding === true && this.#stream.received - this.#discardBase > this.server.maxDiscardBytes) {
            // Its answer is out and nobody reads the rest: past the cap, close rather than read on.
            this.#closing = true;
            break;
          }
        }
        const tyme = this.#tyme();
        if (requestant.readingHead && requestant.started && this.#headerDeadline === Infinity) {
          this.#headerDeadline = tyme + this.server.headerTymeout;
        }
        if (tyme >= this.#headerDeadline) {
          requestant.fail(new HttpParseError('HIO_ERR_HEADER_TIMEOUT', 408, 'the header section did not arrive in time'));
          continue;
        }
        if (tyme >= this.#bodyDeadline()) {
          requestant.fail(new HttpParseError('HIO_ERR_BODY_TIMEOUT', 408, 'the body arrived too slowly'));
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
        this.#restartBody();
        continue;
      }
      this.#bodyStart = Infinity;
      if (progress === 'done' && requestant.stream !== null) {
        // A streamed request is being answered already: its body is complete.
        const request = requestant.take();
        this.server.published(request);
        if (this.#stream?.discarding === true) this.#stream = null;
        this.#continued = false;
        if (this.server.draining) this.#closing = true;
        if (maySwitch(request)) {
          this.#barrier = true;
          break;
        }
        continue;
      }
      if (progress === 'done') {
        const bytes = requestant.received;
        const request = requestant.take();
        this.server.published(request);
        this.#pending.push({ request, bytes });
        this.#pendingBytes += bytes;
        this.#continued = false;
        // A draining server answers what it received, and nothing after it.
        if (this.server.draining) this.#closing = true;
        if (maySwitch(request)) {
          this.#barrier = true;
          break;
        }
        continue;
      }
      this.#closing = true;
      if (requestant.stream === null) this.#pending.push(requestant.error!);
      else if (this.#streamFailed(requestant.error!)) return;
    }
    this.#maybeContinue();
  }

  /**
   * The body of the request being answered failed (a limit, a deadline, a
   * premature close; its reader was told). Unanswered, the request gets the
   * error's status instead; answered in part, the connection resets; its
   * answer complete, the connection just closes. Returns true when the
   * steward is done.
   */
  #streamFailed(error: HttpParseError): boolean {
    this.#stream = null;
    if (this.#responder === null) return false;
    if (this.#writer!.headSent) {
      this.abandon();
      this.remoter.reset();
      this.done = true;
      return true;
    }
    this.abandon();
    this.#exchangeBytes = 0;
    this.#pending.push(error);
    return false;
  }

  #restartBody(): void {
    this.#bodyStart = this.#tyme();
    this.#bodyBase = this.requestant.bodyReceived;
  }

  /**
   * Sends "100 Continue" when the request being read is the next to answer,
   * asked for it, and its body has not started: the body is wanted.
   */
  #maybeContinue(): void {
    const requestant = this.requestant;
    if (this.#continued || this.#closing || !requestant.expectContinue || requestant.readingHead) return;
    const stream = requestant.stream;
    if (stream !== null) {
      // Streamed: the 100 goes once the application asks for the body, unless its answer has begun.
      if (requestant.bodyReceived > 0 && this.#writer !== null) {
        // The client sends the body without waiting: nothing to announce, nothing held back.
        this.#continued = true;
        this.#writer.closeBeforeHead = false;
        return;
      }
      if (!stream.wanted || stream.discarding || this.#writer === null || this.#writer.headSent) return;
      this.#continued = true;
      this.#writer.closeBeforeHead = false;
      this.remoter.tx(CONTINUE);
      return;
    }
    if (requestant.bodyReceived > 0 || this.#pending.length > 0 || this.#responder !== null) return;
    this.#continued = true;
    this.remoter.tx(CONTINUE);
  }

  /**
   * Answers pending requests in order while the connection takes more
   * output. Returns true when at least one response was completed (room was
   * made for parsing ahead).
   */
  #answer(): boolean {
    const remoter = this.remoter;
    let answered = false;
    for (;;) {
      if (this.#responder === null) {
        const next = this.#pending.shift();
        if (next === undefined) break;
        if (next instanceof HttpParseError) {
          this.#failed(next);
          break;
        }
        this.#pendingBytes -= next.bytes;
        this.#begin(next);
      }
      if (remoter.txPending > this.server.highWater) break;
      const writer = this.#writer!;
      let finished: boolean;
      let successor: ConnectionHandler | null = null;
      try {
        finished = this.#responder!.pour(writer);
        if (finished) {
          successor = this.#responder!.takeOver?.(remoter, this.server) ?? null;
          if (successor === null && !writer.ended) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the responder finished without ending its response');
          if (successor !== null && this.#stream !== null && this.#stream === this.requestant.stream) {
            throw new HioError('HIO_ERR_UPGRADE', 'the connection cannot be taken over while the request body is still arriving');
          }
          if (successor !== null && !maySwitch(writer.request)) {
            // Requests behind it may be parsed already: only after one that may switch does parsing stop.
            throw new HioError('HIO_ERR_UPGRADE', 'a connection is taken over only after a CONNECT or an HTTP/1.1 request with Upgrade');
          }
          if (successor === null && writer.request.method === 'CONNECT' && writer.status >= 200 && writer.status < 300) {
            // A 2xx to CONNECT promised a tunnel (no framing followed): without one, the connection cannot go on as HTTP.
            throw new HioError('HIO_ERR_UPGRADE', 'a 2xx answer to CONNECT without a protocol to take the connection over');
          }
        }
      } catch (error) {
        this.server.fault(error, writer.request);
        if (writer.headSent) {
          // Part of the response may be out already: only a reset tells the client it is broken.
          this.abandon();
          remoter.reset();
          this.done = true;
          return false;
        }
        this.#responder = FAILED;
        writer.persisted = false;
        continue;
      }
      // Handed over: whatever follows on this connection is the successor's.
      if (this.done) return false;
      if (!finished) break;
      if (successor !== null) {
        this.#responder = null;
        this.#writer = null;
        this.#stream = null;
        this.handOver(successor);
        return false;
      }
      answered = true;
      this.#responder = null;
      this.#writer = null;
      this.#exchangeBytes = 0;
      if (this.#stream !== null) this.#answeredStreamed(this.#stream);
      if (!writer.persisted) {
        this.#pending.length = 0;
        this.#pendingBytes = 0;
        this.#closing = true;
        break;
      }
    }
    this.#maybeContinue();
    return answered;
  }

  /**
   * Answers a request that could not be parsed, and ends the connection.
   * The peer may still be sending that request (its body, say): the linger
   * reads and discards it rather than resetting the peer before it read the
   * answer.
   */
  #failed(error: HttpParseError): void {
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.#closing = true;
    this.#discarding = !this.remoter.rxEnded;
    const requestant = this.requestant;
    const request = { method: requestant.method, version: requestant.minor === 0 ? 'HTTP/1.0' : 'HTTP/1.1' };
    const writer = new ResponseWriter(this.remoter, request, { persisted: false, date: this.server.date(), server: this.server.serverName });
    writeError(writer, error.status, `${error.message} (${error.code})`);
  }

  /** The answer to a streamed request is complete: the rest of its body, if any, is read and discarded. */
  #answeredStreamed(stream: RequestBody): void {
    if (stream !== this.requestant.stream) {
      this.#stream = null;
      return;
    }
    this.#discardBase = stream.received;
    stream.discard();
  }

  /** Starts answering a request whose body is still arriving. */
  #beginStreamed(request: Request): void {
    this.#stream = request.bodyStream!;
    this.#begin({ request, bytes: 0 });
    // Until the 100 goes the client may hold the body back: an answer sent before it closes the connection (RFC 9110 §10.1.1).
    if (request.expectContinue && !this.#continued) this.#writer!.closeBeforeHead = true;
  }

  #begin(held: Held): void {
    const request = held.request;
    // Last: nothing parsed behind it, and nothing more will be (closing) or has begun to arrive.
    const last = this.#pending.length === 0 && (this.#closing || !this.requestant.started);
    const server = this.server;
    const writer = new ResponseWriter(this.remoter, request, {
      // The last answer before the peer's half-close, or a draining server's last one, says it closes.
      persisted: request.persisted && !(last && (this.remoter.rxEnded || server.draining)),
      date: server.date(),
      server: server.serverName,
      requiredHeaders: server.requiredHeaders,
      // The connection's own idle tymeout (the server's keepAliveTymeout, given it when this steward took it), announced in Keep-Alive.
      keepAliveTymeout: this.remoter.tymeout,
      highWater: server.highWater,
      wake: this.#wake,
    });
    let responder: Responder;
    try {
      responder = this.respond(request);
    } catch (error) {
      server.fault(error, request);
      writer.persisted = false;
      responder = FAILED;
    }
    this.#responder = responder;
    this.#writer = writer;
    this.#exchangeBytes = held.bytes;
  }

  /**
   * Nothing moved either way for the idle tymeout: 408 for a request under
   * way, else close quietly. Returns true when handled.
   */
  #expire(): boolean {
    if (this.#writer?.suspended === true && this.remoter.txPending === 0) {
      // Waiting on the application, not on the peer: that is no idleness.
      this.remoter.refresh();
      return false;
    }
    if (this.#responder !== null || this.remoter.txPending > 0) {
      // The peer stopped reading our response: give up on it. A reset, not a
      // close: the unsent bytes would otherwise keep the kernel sending.
      this.abandon();
      this.remoter.reset();
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
   * After our half-close. Until our last byte is written the idle tymer
   * governs (write progress keeps it alive; a peer that reads nothing is
   * dropped). Once it is written: close at once if the peer sent nothing
   * after the answered requests and nothing is owed to it, else discard its
   * input until it closes too, goes quiet for lingerTymeout, or a cap is
   * reached — closing on unread bytes would reset the connection and could
   * destroy our answer before the peer read it.
   */
  #linger(): void {
    const remoter = this.remoter;
    const server = this.server;
    const unread = remoter.rxQueue.length;
    if (unread > 0) {
      this.#discarding = true;
      this.#discarded += unread;
      remoter.rxQueue.clear();
    }
    if (remoter.cutoff || this.#discarded > server.maxDiscardBytes) {
      this.#finish();
      return;
    }
    if (remoter.txPending > 0) {
      if (remoter.expired) {
        remoter.reset();
        this.done = true;
      }
      return;
    }
    const tyme = this.#tyme();
    if (this.#lingerEnd === Infinity) {
      this.#lingerEnd = tyme + server.maxLingerTymeout;
      this.#lingerDeadline = tyme + server.lingerTymeout;
    } else if (unread > 0) {
      this.#lingerDeadline = tyme + server.lingerTymeout;
    }
    if (remoter.rxEnded || !this.#discarding || tyme >= this.#lingerDeadline || tyme >= this.#lingerEnd) this.#finish();
  }

  #finish(): void {
    this.remoter.close();
    this.done = true;
  }
}

const JSON_TYPE = Object.freeze({ 'Content-Type': 'application/json; charset=utf-8' });

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** The request was HEAD: the head only, no body (RFC 9110 §9.3.2). */
  readonly head?: boolean;
  /**
   * What was wrong, in a few words (an error code and reason), appended to
   * the status line of the body. Never the offending input.
   */
  readonly detail?: string;
}

/**
 * A complete error response with `Connection: close`: a body of one line,
 * "400 Bad Request: repeated Host (HIO_ERR_BAD_HOST)", as text.
 */
export function errorResponse(status: number, date: string, server: string | null, options: ErrorResponseOptions = {}): Buffer {
  let message: Uint8Array = Buffer.alloc(0);
  const sink = {
    txPending: 0,
    tx(bytes: Uint8Array): void {
      message = bytes;
    },
  };
  const request = { method: options.head === true ? 'HEAD' : 'GET', version: 'HTTP/1.1' };
  writeError(new ResponseWriter(sink, request, { persisted: false, date, server }), status, options.detail);
  return Buffer.from(message.buffer, message.byteOffset, message.length);
}

/** Writes an error answer of one text line, "STATUS Reason: detail", through `writer`. */
function writeError(writer: ResponseWriter<RequestHead>, status: number, detail: string | undefined): void {
  const reason = reasonPhrase(status);
  writer.send({ status, body: detail === undefined ? `${status} ${reason}\n` : `${status} ${reason}: ${detail}\n` }, 'text/plain; charset=utf-8');
}

/** What a steward answers when the application failed before writing anything: 500, and the connection closes. */
const FAILED: Responder = new CustomResponder({ status: 500, body: '500 Internal Server Error (HIO_ERR_APP)\n' });

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
    headers: readable(request.headers.entries()),
    trailers: readable(request.trailers.entries()),
    body: text ? request.body.toString('utf8') : request.body.toString('base64'),
    bodyEncoding: text ? 'utf8' : 'base64',
    data,
  };
}

/** Field values as text: bytes that are valid UTF-8 shown as UTF-8, others as received (latin1). */
function readable(pairs: readonly HeaderPair[]): HeaderPair[] {
  return pairs.map((pair) => {
    const value = pair[1];
    // Pure ASCII needs no work: the usual case.
    if (!NON_ASCII.test(value)) return pair;
    const bytes = Buffer.from(value, 'latin1');
    return isUtf8(bytes) ? [pair[0], bytes.toString('utf8')] : pair;
  });
}

const NON_ASCII = /[\x80-\xff]/;
