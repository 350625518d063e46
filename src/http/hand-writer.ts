/**
 * @module
 * The HandWriter: a response written by hand, one call at a time, as
 * wptserve's ResponseWriter and vert.x's HttpServerResponse — a status,
 * header lines, the end of the headers, body parts, trailers, flush, end.
 * It sits on the connection's {@link ResponseWriter}, which frames the
 * message: Content-Length when `end(data)` is the whole body or the
 * application wrote one, chunked when the length is unknown, the close of
 * the connection for HTTP/1.0; no body for HEAD, 1xx, 204 and 304.
 *
 * Every write returns a promise settled once its bytes have been handed to
 * the network (the kernel took them, or the simulated wire did) — awaiting
 * it is the backpressure — and rejected with `HIO_ERR_CLIENT_GONE` if the
 * connection goes away first. Promises are settled by the
 * {@link HandResponder}'s passes, which read the connection's `txWritten`;
 * nothing here reads a clock or sets a timer. A promise nobody awaits never
 * becomes an unhandled rejection.
 *
 * Misuse throws a {@link HioError} at once (`HIO_ERR_RESPONSE_STATE`): a
 * header line with CR, LF or NUL or a name that is not a token, a header
 * after the head, a write after the end. A failure once the head is given
 * to the connection — a body longer than its Content-Length, say — leaves
 * the writer failed: every later call throws, and the responder resets the
 * connection rather than let a broken message through.
 *
 * With `explicitFlush`, the head and body parts are held until
 * {@link HandWriter.flush} (or the end), so they go out together; held
 * bytes stay bounded: once they reach `maxHeldBytes` the writer flushes by
 * itself.
 */
import { HioError } from '../core/errors.js';
import type { HeaderPair } from '../core/hict.js';
import { isFieldValue, isToken } from './chars.js';
import type { Request } from './request.js';
import { switchHead, type SwitchOptions } from './switching.js';
import type { TunnelProtocol } from './tunnel.js';
import type { ResponseWriter } from './response-writer.js';

/** How a {@link HandWriter} writes one response. */
export interface HandWriterOptions {
  /** Whether the server adds Date, Server, Content-Length or Transfer-Encoding, and Connection (default: the server's setting). */
  readonly requiredHeaders?: boolean;
  /** Hold the head and body parts until {@link HandWriter.flush} or the end (default false: each write goes to the connection at once). */
  readonly explicitFlush?: boolean;
  /** With explicitFlush: held body bytes at which the writer flushes by itself (default 64 KiB). */
  readonly maxHeldBytes?: number;
  /**
   * Answering HEAD, send the body as for GET (default false: the head, with
   * the GET's Content-Length, and no body). For testing clients only: a
   * client that asked HEAD reads no body.
   */
  readonly sendBodyForHead?: boolean;
}

/** Called once a write settles: null when its bytes are out, else why they never will be. */
export type WriteCallback = (error: HioError | null) => void;

/** A write waiting for its bytes to be out: settled once the connection's txWritten reaches `mark`. */
interface Wait {
  mark: number;
  readonly resolve: () => void;
  readonly reject: (error: HioError) => void;
  readonly callback: WriteCallback | null;
}

const State = { open: 0, ended: 1, failed: 2, gone: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Default of {@link HandWriterOptions.maxHeldBytes}. */
const MAX_HELD_BYTES = 64 * 1024;

/** One response written by hand onto a connection. */
export class HandWriter {
  readonly #writer: ResponseWriter;
  readonly #requiredHeaders: boolean;
  readonly #explicitFlush: boolean;
  readonly #maxHeldBytes: number;
  readonly #bodyForHead: boolean;
  #status = 200;
  #reason: string | undefined = undefined;
  readonly #headers: HeaderPair[] = [];
  readonly #trailers: HeaderPair[] = [];
  /** The head is complete (endHeaders, or implied by a write or the end); it may still be held. */
  #headed = false;
  #held: Array<Uint8Array | string> = [];
  #heldBytes = 0;
  /** Writes whose bytes are held: they get their mark when flushed. */
  #unmarked: Wait[] = [];
  /** Writes given to the connection, in order of their marks. */
  #waits: Wait[] = [];
  #state: State = State.open;
  #failure: unknown = null;
  #switch: { readonly protocol: TunnelProtocol; readonly options: SwitchOptions } | null = null;

  constructor(writer: ResponseWriter, options: HandWriterOptions = {}) {
    const maxHeldBytes = options.maxHeldBytes ?? MAX_HELD_BYTES;
    if (!Number.isInteger(maxHeldBytes) || maxHeldBytes < 1) {
      throw new HioError('HIO_ERR_INVALID_OPTION', `HandWriter: maxHeldBytes must be a positive integer, got ${maxHeldBytes}`);
    }
    this.#writer = writer;
    this.#requiredHeaders = options.requiredHeaders ?? writer.requiredHeaders;
    this.#explicitFlush = options.explicitFlush ?? false;
    this.#maxHeldBytes = maxHeldBytes;
    this.#bodyForHead = options.sendBodyForHead ?? false;
  }

  /** The request being answered. */
  get request(): Request {
    return this.#writer.request;
  }

  /** The status the head says (200 unless written). */
  get status(): number {
    return this.#status;
  }

  /** True once the head went to the connection (with explicitFlush, at the first flush). */
  get headSent(): boolean {
    return this.#writer.headSent;
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.#state === State.ended;
  }

  /** True once the connection went away: writes reject with HIO_ERR_CLIENT_GONE. */
  get gone(): boolean {
    return this.#state === State.gone;
  }

  /** Bytes the connection holds unsent (held bytes not counted). */
  get pending(): number {
    return this.#writer.pending;
  }

  /** True while the response is open and the connection holds fewer unsent bytes than its high-water mark. */
  get writable(): boolean {
    return this.#state === State.open && this.#writer.writable;
  }

  /** Sets the status code (100–999) and, optionally, the reason phrase; before the head only. */
  writeStatus(code: number, reason?: string): void {
    this.#beforeHead();
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid status ${code}`);
    if (reason !== undefined && !isFieldValue(reason)) throw new HioError('HIO_ERR_RESPONSE_STATE', 'invalid reason phrase');
    this.#status = code;
    this.#reason = reason;
  }

  /**
   * Adds a header line; before the head only. A Content-Length makes the
   * body that length (a longer or shorter one fails the response); without
   * one the body is chunked, unless {@link end} comes before any write.
   */
  writeHeader(name: string, value: string | number): void {
    this.#beforeHead();
    this.#headers.push(checked(name, value));
  }

  /** Completes the head: it goes to the connection now, or with the first flush under explicitFlush. Implied by the first write. */
  endHeaders(): void {
    this.#beforeHead();
    this.#headed = true;
    if (!this.#explicitFlush) this.#release(false);
  }

  /**
   * Writes body bytes (text as UTF-8); completes the head first if needed.
   * Resolves once the bytes are handed to the network; rejects with
   * HIO_ERR_CLIENT_GONE if the connection goes away first (or HIO_ERR_APP
   * if the response failed). Throws at once on misuse.
   */
  write(data: string | Uint8Array, callback?: WriteCallback): Promise<void> {
    const refused = this.#refused(callback);
    if (refused !== null) return refused;
    this.#headed = true;
    this.#held.push(data);
    if (this.#explicitFlush) this.#heldBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const promise = this.#wait(callback ?? null, null);
    if (!this.#explicitFlush || this.#heldBytes >= this.#maxHeldBytes) this.#release(false);
    return promise;
  }

  /**
   * Gives what is held to the connection (under explicitFlush), and
   * resolves once everything written so far is handed to the network. It
   * does not complete the head.
   */
  flush(callback?: WriteCallback): Promise<void> {
    if (this.#state === State.gone) return this.#goneWait(callback);
    this.#usable();
    if (this.#state === State.open && this.#headed) this.#release(false);
    const writer = this.#writer;
    const promise = this.#wait(callback ?? null, writer.txWritten + writer.pending);
    writer.resume();
    return promise;
  }

  /**
   * Adds a trailer field, sent after a chunked body; dropped where the
   * framing has none (a Content-Length body, HTTP/1.0), as RFC 9110 §6.5
   * allows. A response with trailers is chunked even when {@link end}
   * carries the whole body.
   */
  setTrailer(name: string, value: string | number): void {
    if (this.#state !== State.open) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response has ended');
    this.#trailers.push(checked(name, value));
  }

  /**
   * Ends the response, after a last part if given. Before any write, the
   * body is known whole: it goes with a Content-Length (unless trailers
   * need chunks). Resolves once the last bytes are handed to the network.
   */
  end(data?: string | Uint8Array, callback?: WriteCallback): Promise<void> {
    const refused = this.#refused(callback);
    if (refused !== null) return refused;
    this.#headed = true;
    if (data !== undefined) {
      this.#held.push(data);
      this.#heldBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    }
    const promise = this.#wait(callback ?? null, null);
    this.#release(true);
    this.#state = State.ended;
    return promise;
  }

  /**
   * Answers `101 Switching Protocols` (or, to a CONNECT the server lets
   * through, a 2xx) with `options.headers`, and runs `protocol` on the
   * connection once the function has returned: see {@link SwitchResponder}.
   * Before the head only; throws HIO_ERR_UPGRADE when the request offered
   * no upgrade, or when its body is still arriving (read it first: the new
   * protocol begins after the whole request). Resolves once the answer is out.
   */
  switchProtocols(protocol: TunnelProtocol, options: SwitchOptions = {}): Promise<void> {
    this.#beforeHead();
    const body = this.#writer.request.bodyStream;
    if (body !== undefined && !body.ended) throw new HioError('HIO_ERR_UPGRADE', 'read the request body to its end before switching protocols');
    const { status, headers } = switchHead(this.#writer.request, options);
    this.#status = status;
    for (const pair of headers) this.#headers.push(pair);
    this.#switch = { protocol, options };
    return this.end();
  }

  /** @internal For the responder: the protocol to run once the function returned, after {@link switchProtocols}; else null. */
  get switched(): { readonly protocol: TunnelProtocol; readonly options: SwitchOptions } | null {
    return this.#switch;
  }

  /** @internal For the responder: settles the writes whose bytes are out; returns true while some still wait. */
  settle(): boolean {
    const waits = this.#waits;
    if (waits.length === 0) return false;
    const sent = this.#writer.txWritten;
    let done = 0;
    while (done < waits.length && waits[done]!.mark <= sent) done += 1;
    if (done === 0) return true;
    const settled = waits.splice(0, done);
    for (const wait of settled) {
      wait.resolve();
      wait.callback?.(null);
    }
    return waits.length > 0;
  }

  /** @internal For the responder: the failure that broke the response once its head was given, or null. */
  get failure(): { readonly error: unknown } | null {
    return this.#state === State.failed ? { error: this.#failure } : null;
  }

  /** @internal For the responder: the response failed; writes waiting are rejected with HIO_ERR_APP. */
  fail(error: unknown): void {
    if (this.#state === State.failed || this.#state === State.gone) return;
    this.#state = State.failed;
    this.#failure = error;
    this.#rejectAll(new HioError('HIO_ERR_APP', 'the response failed before these bytes were sent', { cause: error }));
  }

  /** @internal For the responder: the connection went away; writes waiting are rejected with HIO_ERR_CLIENT_GONE. */
  abandon(): void {
    if (this.#state === State.gone) return;
    this.#state = State.gone;
    this.#rejectAll(new HioError('HIO_ERR_CLIENT_GONE', 'the client went away before these bytes were sent'));
  }

  /** Gives the held head, body parts and, when ending, the end to the connection; marks the writes they carry. */
  #release(ending: boolean): void {
    const writer = this.#writer;
    try {
      if (!writer.headSent) {
        // Ending before any write: the body is all here, so its length is known.
        const length = ending && this.#trailers.length === 0 ? this.#heldBytes : -1;
        writer.writeHead(this.#status, this.#headers, {
          ...(this.#reason !== undefined && { reason: this.#reason }),
          ...(length >= 0 && { length }),
          requiredHeaders: this.#requiredHeaders,
          bodyForHead: this.#bodyForHead,
        });
      }
      const held = this.#held;
      this.#held = [];
      this.#heldBytes = 0;
      for (const chunk of held) writer.write(chunk);
      if (ending) writer.end(undefined, this.#trailers.length > 0 ? this.#trailers : undefined);
    } catch (error) {
      this.fail(error);
      throw error;
    }
    const mark = writer.txWritten + writer.pending;
    for (const wait of this.#unmarked) {
      wait.mark = mark;
      this.#waits.push(wait);
    }
    this.#unmarked = [];
    // A suspended responder polls again: it has writes to settle.
    if (this.#waits.length > 0) writer.resume();
  }

  /** Throws unless the head is still open to changes. */
  #beforeHead(): void {
    this.#usable();
    if (this.#headed || this.#state !== State.open) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the head is already written');
  }

  /** Throws once the response failed. */
  #usable(): void {
    if (this.#state === State.failed) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response failed', { cause: this.#failure });
  }

  /** For a write or the end: a rejected promise when the connection is gone, a throw on misuse, else null. */
  #refused(callback: WriteCallback | undefined): Promise<void> | null {
    if (this.#state === State.gone) return this.#goneWait(callback);
    this.#usable();
    if (this.#state === State.ended) throw new HioError('HIO_ERR_RESPONSE_STATE', 'the response has ended');
    return null;
  }

  /** A write after the connection went away: rejected (and its callback called) in a later microtask. */
  #goneWait(callback: WriteCallback | undefined): Promise<void> {
    const error = new HioError('HIO_ERR_CLIENT_GONE', 'the client went away');
    if (callback !== undefined) queueMicrotask(() => callback(error));
    const promise = Promise.reject(error);
    promise.catch(ignore);
    return promise;
  }

  /**
   * A promise for a write, settled once txWritten reaches `mark` (null: its
   * bytes are held and get a mark when flushed). It is marked as handled, so
   * an ignored one never rejects unhandled.
   */
  #wait(callback: WriteCallback | null, mark: number | null): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: HioError) => void;
    const promise = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    promise.catch(ignore);
    if (mark === null) this.#unmarked.push({ mark: Infinity, resolve, reject, callback });
    else this.#waits.push({ mark, resolve, reject, callback });
    return promise;
  }

  #rejectAll(error: HioError): void {
    const waits = this.#waits.concat(this.#unmarked);
    this.#waits = [];
    this.#unmarked = [];
    for (const wait of waits) {
      wait.reject(error);
      wait.callback?.(error);
    }
  }
}

/** A header or trailer line, checked: a token name and a value without CR, LF or NUL. */
function checked(name: string, value: string | number): HeaderPair {
  const text = String(value);
  if (!isToken(name) || !isFieldValue(text)) throw new HioError('HIO_ERR_RESPONSE_STATE', `invalid header field ${JSON.stringify(name)}`);
  return [name, text];
}

function ignore(): void {}
