/**
 * @module
 * A raw keep-alive client for load in a simulation: it writes ready-made
 * request bytes on a SimClient and reads the answers with the strict
 * {@link Respondent}, without the fetch layer, its promises or its
 * Response objects — so a simulation can push hundreds of thousands of
 * requests a second through a server and still audit every one. It is a
 * {@link Serviceable}: a ServiceDoer drives it, paced by the network.
 *
 * It keeps up to `depth` requests in flight on its connection (pipelining
 * when more than 1), thinks `think` seconds after an answer before its next
 * request, and when the connection fails, fails what was in flight (their
 * records say the error) and connects again for the rest.
 */
import type { Tymth } from '../core/tymist.js';
import type { Serviceable } from '../doing/service-doer.js';
import { SimClient } from '../net/sim/sim-client.js';
import type { SimNet } from '../net/sim/sim-net.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { Respondent } from '../http/respondent.js';
import { REQUEST_ID_HEADER } from './http-audit.js';
import type { SimRequestRecord } from './sim-result.js';

/** Options of a {@link RawClient}. */
export interface RawClientOptions {
  readonly net: SimNet;
  /** This client's host name. */
  readonly host: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly method: string;
  readonly path: string;
  /** Body text (default none). */
  readonly body?: string;
  readonly requests: number;
  readonly depth: number;
  readonly think: number;
  readonly start: number;
  /** Makes the record of a request now starting. */
  readonly record: (method: string, path: string) => SimRequestRecord;
  /** Called once every request settled. */
  readonly done: () => void;
}

/** One raw keep-alive client. */
export class RawClient implements Serviceable {
  waker: (() => void) | null = null;
  readonly #options: RawClientOptions;
  readonly #prefix: Buffer;
  readonly #suffix: Buffer;
  #tymth: Tymth | null = null;
  #client: SimClient | null = null;
  #respondent: Respondent | null = null;
  readonly #inFlight: SimRequestRecord[] = [];
  #made = 0;
  #settled = 0;
  #nextAt = 0;
  #finished = false;
  #raceFor: number | null = null;
  #raceTurn = 0;

  constructor(options: RawClientOptions) {
    this.#options = options;
    const body = options.body ?? '';
    this.#prefix = Buffer.from(`${options.method} ${options.path} HTTP/1.1\r\nHost: ${options.targetHost}\r\n${REQUEST_ID_HEADER}: `, 'latin1');
    const length = body === '' && options.method !== 'POST' && options.method !== 'PUT' ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    this.#suffix = Buffer.from(`\r\n${length}\r\n${body}`, 'utf8');
    this.#nextAt = options.start;
  }

  /** The host it sends to. */
  get targetHost(): string {
    return this.#options.targetHost;
  }

  /**
   * Races the server's keep-alive close: after the next answer, the client
   * waits `keepAlive` seconds (give or take a couple of milliseconds) before
   * its next request, on the same connection.
   */
  race(keepAlive: number): void {
    if (keepAlive !== Infinity) this.#raceFor = keepAlive;
  }

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    this.#client?.wind(tymth);
  }

  reopen(): void {
    // Connects on the first service pass that has a request to send.
  }

  close(): void {
    this.#client?.close();
    this.#client = null;
  }

  #tyme(): number {
    return this.#tymth?.() ?? 0;
  }

  #connect(): SimClient {
    const { net, host, targetHost, targetPort } = this.#options;
    const client = new SimClient({ net, localHost: host, host: targetHost, port: targetPort });
    if (this.#tymth !== null) client.wind(this.#tymth);
    client.waker = this.waker;
    client.reopen();
    this.#client = client;
    this.#respondent = new Respondent(client.rxQueue, { limits: { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER } });
    return client;
  }

  service(): void {
    if (this.#finished) return;
    const options = this.#options;
    const tyme = this.#tyme();
    let client = this.#client;
    if (client === null) {
      if (this.#made >= options.requests || tyme < this.#nextAt) return;
      client = this.#connect();
    }
    client.service();
    const respondent = this.#respondent!;
    for (;;) {
      const progress = respondent.parse();
      if (progress === 'done') {
        const answer = respondent.take();
        const record = this.#inFlight.shift();
        if (record !== undefined) {
          record.status = answer.status;
          record.bytes = answer.body.length;
          record.end = tyme;
          this.#settled += 1;
          this.#nextAt = tyme + options.think;
          if (this.#raceFor !== null) {
            // Deterministic offsets of -2 to +2 ms around the server's close.
            this.#nextAt = tyme + this.#raceFor + ((this.#raceTurn++ % 5) - 2) * 0.001;
            this.#raceFor = null;
          }
        }
        continue;
      }
      if (progress === 'error') {
        this.#fail(respondent.error?.code ?? 'HIO_ERR_INVALID_RESPONSE', tyme);
        return;
      }
      // A head with a body to follow: parse on, the body may be here already.
      if (progress === 'head') continue;
      break;
    }
    if (client.error !== null || client.cutoff || client.rxEnded) {
      if (client.rxEnded && this.#inFlight.length === 0 && client.error === null) {
        // The server closed an idle connection: connect again for the next request.
        client.close();
        this.#client = null;
      } else {
        this.#fail(client.error?.code ?? 'HIO_ERR_CONNECTION_LOST', tyme);
        return;
      }
    } else if (client.connected) {
      while (this.#inFlight.length < options.depth && this.#made < options.requests && tyme >= this.#nextAt) {
        const record = options.record(options.method, options.path);
        this.#made += 1;
        this.#inFlight.push(record);
        respondent.expect(options.method);
        client.tx(Buffer.concat([this.#prefix, Buffer.from(String(record.id), 'latin1'), this.#suffix]));
      }
      client.serviceSends();
    }
    this.#checkDone();
  }

  /** The connection failed: what was in flight failed with it; the rest goes on a new connection. */
  #fail(code: string, tyme: number): void {
    for (const record of this.#inFlight.splice(0)) {
      record.error = code;
      record.end = tyme;
      this.#settled += 1;
    }
    this.#client?.close();
    this.#client = null;
    this.#nextAt = tyme + Math.max(this.#options.think, 0.01);
    this.#checkDone();
  }

  #checkDone(): void {
    if (!this.#finished && this.#settled >= this.#options.requests) {
      this.#finished = true;
      this.#client?.close();
      this.#client = null;
      this.#options.done();
    }
  }

  nextDue(): number {
    if (this.#finished) return Infinity;
    const client = this.#client;
    if (client === null) return this.#made >= this.#options.requests ? Infinity : this.#nextAt;
    const due = client.nextDue();
    const wants = client.connected && this.#inFlight.length < this.#options.depth && this.#made < this.#options.requests;
    return wants ? Math.min(due, Math.max(this.#nextAt, this.#tyme())) : due;
  }
}
