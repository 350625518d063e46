/**
 * @module
 * The HTTP auditor: it watches every connection of a simulated network
 * through the trace's observer and parses both directions as the server
 * sees them — the requests delivered to it (a strict {@link Requestant}) and
 * the responses it sends (a strict {@link Respondent}), bodies streamed and
 * dropped — so it knows, at every instant, how many requests each server
 * connection took and answered. From that come the built-in invariants:
 *
 * - answered-once: a final response sent with no request left to answer
 *   (unless it closes the connection: a 408 or a 400 may precede a request);
 *   a keep-alive connection the server closes with requests unanswered;
 * - request-order: a response naming (`x-sim-request`) another request
 *   than the one at its place;
 * - valid-response: bytes the strict parser refuses;
 * - connection-tymeout: an idle connection, or a request head, kept past
 *   the server's own tymeouts;
 * - connections-closed: at the end, a connection the server never closed.
 *
 * The auditor is also where HTTP-level faults are aimed: it knows where a
 * response head ends in a stream and when a request body is under way.
 */
import { ByteQueue } from '../core/byte-queue.js';
import type { SimNet } from '../net/sim/sim-net.js';
import type { SimTraceKindName } from '../net/sim/sim-trace.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../http/limits.js';
import { Requestant } from '../http/requestant.js';
import type { Request } from '../http/request.js';
import { Respondent } from '../http/respondent.js';
import type { SimViolation } from './sim-result.js';

/** The header the harness's clients name each request with, and that an application may echo. */
export const REQUEST_ID_HEADER = 'x-sim-request';

const AUDIT_LIMITS: HttpLimits = { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER, maxChunks: Number.MAX_SAFE_INTEGER };

/** The tymeouts a server host keeps, for the connection-tymeout invariant (seconds; Infinity: not checked). */
export interface HostTymeouts {
  readonly keepAlive: number;
  readonly header: number;
  readonly send: number;
}

/** An HTTP-level fault waiting for its moment. */
export type ArmedFault = 'cut-after-head' | 'reset-mid-response' | 'reset-mid-body';

/** What one server connection has done, as the auditor saw it. */
export class ConnectionAudit {
  readonly conn: number;
  readonly server: string;
  readonly client: string;
  readonly acceptedAt: number;
  /** Complete request heads delivered to the server. */
  requests = 0;
  /** Final responses the server began to send. */
  responses = 0;
  /** The server end sent its FIN, was reset or died. */
  serverClosed = false;
  /** The client end sent its FIN, was reset or died. */
  clientClosed = false;
  /** A fault reset or cut this connection. */
  faulted = false;
  lastActivity: number;
  /** Tyme the first byte of a request head still incomplete arrived, or null. */
  headSince: number | null = null;
  /** Bytes the server sent on it, and bytes delivered to the client. */
  sentToClient = 0;
  deliveredToClient = 0;
  /** Requests after the first this many need no answer: a request or a response said the connection closes after it (Infinity: none did). */
  closeAfter = Infinity;
  /** The client closed or reset its end (it reads nothing more), at this tyme; null while it has not. */
  clientGoneAt: number | null = null;
  /** Requests not yet answered, oldest first: the id they carried and the tyme they were complete (Infinity while their body is under way). */
  readonly #unanswered: Array<{ readonly id: string | null; done: number }> = [];
  /** Requests complete so far, and how many of the earliest have left #unanswered. */
  #complete = 0;
  #answered = 0;
  readonly #rxQueue = new ByteQueue();
  readonly #txQueue = new ByteQueue();
  readonly #requestant: Requestant;
  readonly #respondent: Respondent;
  #broken = false;
  #counted = false;

  readonly #onRequest: ((id: string, conn: number) => void) | null;

  /** `onRequest` hears the id (x-sim-request) of each request the server takes on this connection. */
  constructor(conn: number, server: string, client: string, tyme: number, onRequest: ((id: string, conn: number) => void) | null = null) {
    this.#onRequest = onRequest;
    this.conn = conn;
    this.server = server;
    this.client = client;
    this.acceptedAt = tyme;
    this.lastActivity = tyme;
    this.#requestant = new Requestant(this.#rxQueue, { limits: AUDIT_LIMITS });
    this.#respondent = new Respondent(this.#txQueue, { limits: AUDIT_LIMITS, streamBodies: true, everyContinue: true });
  }

  get open(): boolean {
    return !this.serverClosed;
  }

  /** Requests taken and not yet answered. */
  get owed(): number {
    return this.requests - this.responses;
  }

  /** Requests taken, not answered, that the connection still owes an answer (those after a closing request or response do not). */
  get owedAnswers(): number {
    return Math.max(0, Math.min(this.requests, this.closeAfter) - this.responses);
  }

  /** True while a response is partly sent (its head or body under way), or bytes follow the last one. */
  get sending(): boolean {
    return !this.#broken && (this.#respondent.started || this.#txQueue.length > 0);
  }

  /**
   * The server closed its end: a body read until the close ends there. True
   * when that leaves no response half-sent and no bytes after the last.
   */
  closedCleanly(): boolean {
    if (this.#broken) return true;
    const respondent = this.#respondent;
    if (!respondent.started && this.#txQueue.length === 0) return true;
    respondent.end();
    for (;;) {
      const progress = respondent.parse();
      if (progress === 'head') {
        respondent.takeParts();
        continue;
      }
      if (progress !== 'done') return false;
      respondent.take();
      if (!respondent.started && this.#txQueue.length === 0) return true;
    }
  }

  /** Bytes the server sent after its last complete response with no request left to answer: nobody asked for them. */
  get stray(): boolean {
    return !this.#broken && this.owed <= 0 && this.#txQueue.length > 0 && !this.#respondent.readingBody;
  }

  /** Owed requests complete at least `seconds` before `tyme`: the oldest one's number (from 1) and completion tyme, or null. */
  waitedLongest(tyme: number, seconds: number): { readonly index: number; readonly done: number } | null {
    const owed = this.owedAnswers;
    for (let i = 0; i < owed && i < this.#unanswered.length; i++) {
      const done = this.#unanswered[i]!.done;
      if (tyme - done >= seconds) return { index: this.#answered + i + 1, done };
    }
    return null;
  }

  /** Bytes delivered to the server; returns the number of request heads they completed, and whether a body is under way. */
  received(bytes: Uint8Array, tyme: number): { heads: number; inBody: boolean } {
    let heads = 0;
    if (this.#broken) return { heads, inBody: false };
    this.#rxQueue.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const requestant = this.#requestant;
    for (;;) {
      const progress = requestant.parse();
      if (progress === 'more') break;
      if (progress === 'error') {
        // The harness's own clients send valid requests; a slowloris sends part of one. Nothing more to audit.
        this.#broken = true;
        this.headSince = null;
        return { heads, inBody: false };
      }
      if (progress === 'head') {
        const request = requestant.takeHead(null);
        request.bodyStream?.discard();
        this.#took(request);
        heads += 1;
        continue;
      }
      const request = requestant.take();
      // A request whose head was taken above is counted already.
      if (request.bodyStream === undefined) {
        this.#took(request);
        heads += 1;
      }
      this.#completed(tyme);
    }
    this.headSince = requestant.readingHead && requestant.started ? (this.headSince ?? tyme) : null;
    return { heads, inBody: requestant.readingBody };
  }

  #took(request: Request): void {
    this.requests += 1;
    const id = request.headers.get(REQUEST_ID_HEADER) ?? null;
    this.#unanswered.push({ id, done: Infinity });
    if (id !== null) this.#onRequest?.(id, this.conn);
    if (!request.persisted && this.requests < this.closeAfter) this.closeAfter = this.requests;
    this.#respondent.expect(request.method, request.expectContinue);
  }

  /** The oldest request not yet complete is now complete (its whole body in). */
  #completed(tyme: number): void {
    const index = this.#complete++ - this.#answered;
    const entry = this.#unanswered[index];
    if (entry !== undefined) entry.done = tyme;
  }

  /**
   * Bytes the server sent; reports what breaks an invariant. Returns the
   * stream offset just past a response head completed in them (-1 when none).
   */
  sent(bytes: Uint8Array, report: (invariant: string, message: string) => void): number {
    this.sentToClient += bytes.length;
    if (this.#broken) return -1;
    const queue = this.#txQueue;
    queue.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const respondent = this.#respondent;
    let headEnd = -1;
    for (;;) {
      const progress = respondent.parse();
      if (progress === 'more') {
        respondent.takeParts();
        break;
      }
      if (progress === 'error') {
        this.#broken = true;
        report('valid-response', `conn ${this.conn}: the server sent a response the strict parser refuses: ${respondent.error?.message ?? 'malformed'}`);
        break;
      }
      if (!this.#counted) {
        this.#counted = true;
        this.#count(report);
        // A cut after the head needs a body to cut: none follows a HEAD's, a 1xx, 204 or 304, or an empty one.
        const head = respondent.head;
        if (headEnd < 0 && progress === 'head' && head.length !== 0) headEnd = this.sentToClient - queue.length;
      }
      if (progress === 'head') {
        respondent.takeParts();
        continue;
      }
      respondent.take();
      this.#counted = false;
    }
    return headEnd;
  }

  #count(report: (invariant: string, message: string) => void): void {
    const head = this.#respondent.head;
    if (head.status < 200 && head.status !== 101) return;
    this.responses += 1;
    if (!head.persisted && this.responses < this.closeAfter) this.closeAfter = this.responses;
    if (this.responses > this.requests) {
      // A response before any request is left to answer: allowed only as the last word on a closing connection (a 408, a 400).
      if (head.persisted) {
        report(
          'answered-once',
          `conn ${this.conn}: the server sent response ${this.responses} (${head.status}) with only ${this.requests} request${this.requests === 1 ? '' : 's'} received`,
        );
      }
      return;
    }
    const entry = this.#unanswered.shift();
    this.#answered += 1;
    const echoed = head.headers.get(REQUEST_ID_HEADER);
    const expected = entry?.id;
    if (echoed !== undefined && expected !== undefined && expected !== null && echoed !== expected) {
      report('request-order', `conn ${this.conn}: response ${this.responses} answers request ${echoed}, but request ${expected} is at its place`);
    }
  }
}

/** Options of an {@link HttpAudit}. */
export interface HttpAuditOptions {
  /** Hosts that run servers, with their tymeouts. */
  readonly servers: ReadonlyMap<string, HostTymeouts>;
  /** Seconds of slack over a server's tymeouts before the connection-tymeout invariant fails. */
  readonly slack: number;
  /** Seconds a complete request may wait for its answer before a client that gives up on it breaks liveness. */
  readonly answerWithin: number;
  /** Reports a broken invariant. */
  readonly report: (violation: SimViolation) => void;
  /** Hears the id (x-sim-request) of each request a server takes, with the connection it came on. */
  readonly onRequest?: (id: string, conn: number) => void;
  /** Sees every traced event first (the harness learns of refused connects and of bytes reaching closed sockets). */
  readonly observe?: (kind: SimTraceKindName, conn: number, from: string, to: string, bytes: number, detail: string) => void;
}

/** Every server connection of a network, audited. */
export class HttpAudit {
  /** Connections whose server end is still open, by number. */
  readonly open = new Map<number, ConnectionAudit>();
  /** Connections accepted in all. */
  accepted = 0;
  readonly #options: HttpAuditOptions;
  readonly #net: SimNet;
  /** Armed HTTP-level faults, each with its callback once it acts (on a connection). */
  #armed: Array<{ readonly kind: ArmedFault; readonly pick: number; readonly fired: (conn: number) => void }> = [];

  constructor(net: SimNet, options: HttpAuditOptions) {
    this.#net = net;
    this.#options = options;
    net.trace.observer = (tyme, kind, conn, from, to, bytes, detail, payload) => this.#see(tyme, kind, conn, from, to, bytes, detail, payload);
  }

  /** Aims an HTTP-level fault at the next moment of its kind; `fired` is called with the connection once it acts. */
  arm(kind: ArmedFault, pick: number, fired: (conn: number) => void): void {
    this.#armed.push({ kind, pick, fired });
  }

  /** Drops the armed faults that have not acted. */
  disarm(): void {
    this.#armed = [];
  }

  /** Open connections in connection order (for faults that pick one). */
  openConnections(): ConnectionAudit[] {
    return [...this.open.values()].filter((audit) => !audit.clientClosed);
  }

  /** Checks the connection tymeouts at `tyme`. */
  checkTymeouts(tyme: number, up: (host: string) => boolean): void {
    const slack = this.#options.slack;
    for (const audit of this.open.values()) {
      const tymeouts = this.#options.servers.get(audit.server);
      if (tymeouts === undefined || !up(audit.server)) continue;
      let bound = Infinity;
      let what = '';
      if (audit.headSince !== null) {
        bound = audit.headSince + tymeouts.header;
        what = `a request head begun at ${audit.headSince.toFixed(3)} s (header tymeout ${tymeouts.header} s)`;
      } else if (audit.sending) {
        bound = audit.lastActivity + tymeouts.send;
        what = `a response under way, idle since ${audit.lastActivity.toFixed(3)} s (send tymeout ${tymeouts.send} s)`;
      } else if (audit.owed === 0) {
        bound = audit.lastActivity + tymeouts.keepAlive;
        what = `an idle connection, idle since ${audit.lastActivity.toFixed(3)} s (keep-alive tymeout ${tymeouts.keepAlive} s)`;
      }
      if (tyme > bound + slack) {
        this.#report('connection-tymeout', tyme, `conn ${audit.conn} on ${audit.server}: still open at ${tyme.toFixed(3)} s with ${what}`, audit.conn);
        // Once per connection.
        audit.lastActivity = Infinity;
        audit.headSince = null;
      }
    }
  }

  /** At the end: every connection the server accepted must be closed. */
  checkClosed(tyme: number): void {
    for (const audit of this.open.values()) {
      this.#report(
        'connections-closed',
        tyme,
        `conn ${audit.conn} (${audit.client} → ${audit.server}, accepted at ${audit.acceptedAt.toFixed(3)} s) is still open at the end`,
        audit.conn,
      );
    }
  }

  #report(invariant: string, tyme: number, message: string, conn?: number): void {
    this.#options.report({ invariant, tyme, message, ...(conn !== undefined && { conn }) });
  }

  #see(tyme: number, kind: SimTraceKindName, conn: number, from: string, to: string, bytes: number, detail: string, payload: Uint8Array | null): void {
    this.#options.observe?.(kind, conn, from, to, bytes, detail);
    if (conn === 0) {
      if (kind === 'fault' && detail === 'crash') this.#crashed(from);
      return;
    }
    if (kind === 'accept') {
      if (!this.#options.servers.has(from)) return;
      this.accepted += 1;
      this.open.set(conn, new ConnectionAudit(conn, from, to, tyme, this.#options.onRequest ?? null));
      return;
    }
    const audit = this.open.get(conn);
    if (audit === undefined) return;
    switch (kind) {
      case 'deliver':
        audit.lastActivity = tyme;
        if (payload === null) {
          // The client's reset reaching the server ends the connection there.
          if (detail === 'reset' && to === audit.server) this.#ended(audit, tyme, 'the client reset it');
          return;
        }
        if (to === audit.server) this.#delivered(audit, payload, tyme);
        else audit.deliveredToClient += bytes;
        return;
      case 'send':
        audit.lastActivity = tyme;
        if (from === audit.server && payload !== null) this.#sent(audit, payload, tyme);
        return;
      case 'fin':
      case 'close':
      case 'reset':
        if (from === audit.server) this.#ended(audit, tyme, kind === 'reset' ? 'the server reset it' : 'the server closed it');
        else if (kind === 'fin') audit.clientClosed = true;
        else this.#clientGone(audit, tyme);
        return;
      case 'fault':
        // The network reset it, or cut it short: whatever was owed is lost with it. (A half-close by the network is no excuse: the server still owes what it took.)
        if (detail === 'reset' || detail === 'truncate') audit.faulted = true;
        if (detail === 'reset') this.#ended(audit, tyme, 'the network reset it');
        return;
      default:
        return;
    }
  }

  /**
   * The client closed or reset its end: it reads nothing more, and the
   * server owes it nothing more. A request complete for `answerWithin`
   * seconds and still unanswered then breaks liveness: the client gave up
   * on a server that never answered.
   */
  #clientGone(audit: ConnectionAudit, tyme: number): void {
    audit.clientClosed = true;
    if (audit.clientGoneAt !== null) return;
    audit.clientGoneAt = tyme;
    if (audit.faulted) return;
    if (audit.stray) {
      this.#report('valid-response', tyme, `conn ${audit.conn}: the server sent bytes after its last response that no request asked for`, audit.conn);
      return;
    }
    const waited = audit.waitedLongest(tyme, this.#options.answerWithin);
    if (waited !== null) {
      this.#report(
        'liveness',
        tyme,
        `conn ${audit.conn}: request ${waited.index}, complete at ${waited.done.toFixed(3)} s, was still unanswered when the client gave up at ${tyme.toFixed(3)} s`,
        audit.conn,
      );
    }
  }

  #delivered(audit: ConnectionAudit, payload: Uint8Array, tyme: number): void {
    const { heads, inBody } = audit.received(payload, tyme);
    if (heads > 0 && inBody) this.#fire('reset-mid-body', audit, () => this.#net.truncate(audit.conn, audit.client, 1 + (audit.conn % 7)));
  }

  #sent(audit: ConnectionAudit, payload: Uint8Array, tyme: number): void {
    const headEnd = audit.sent(payload, (invariant, message) => this.#report(invariant, tyme, message, audit.conn));
    if (headEnd < 0) return;
    const delivered = audit.deliveredToClient;
    if (headEnd <= delivered) return;
    if (this.#fire('cut-after-head', audit, () => this.#net.truncate(audit.conn, audit.server, headEnd - delivered))) return;
    if (audit.sentToClient > headEnd)
      this.#fire('reset-mid-response', audit, () =>
        this.#net.truncate(audit.conn, audit.server, headEnd - delivered + Math.max(1, (audit.sentToClient - headEnd) >> 1)),
      );
  }

  /** Fires the first armed fault of `kind`, if any; true when one fired. */
  #fire(kind: ArmedFault, audit: ConnectionAudit, act: () => boolean): boolean {
    const index = this.#armed.findIndex((armed) => armed.kind === kind);
    if (index < 0) return false;
    const armed = this.#armed[index]!;
    if (!act()) return false;
    this.#armed.splice(index, 1);
    // The connection counts as faulted once the cut happens (the network traces it).
    armed.fired(audit.conn);
    return true;
  }

  /**
   * The server end of a connection is gone. Unless a fault cut it or the
   * client had gone first, a request the connection still owed an answer
   * breaks answered-once, and a response left half-sent breaks
   * valid-response.
   */
  #ended(audit: ConnectionAudit, tyme: number, how: string): void {
    if (!audit.faulted && audit.clientGoneAt === null) {
      const owed = audit.owedAnswers;
      if (owed > 0) {
        this.#report(
          'answered-once',
          tyme,
          `conn ${audit.conn}: ${how} with ${owed} request${owed === 1 ? '' : 's'} unanswered, no fault having touched it`,
          audit.conn,
        );
      } else if (!audit.closedCleanly()) {
        this.#report('valid-response', tyme, `conn ${audit.conn}: ${how} in the middle of a response (or with bytes after the last one)`, audit.conn);
      }
    }
    audit.serverClosed = true;
    this.open.delete(audit.conn);
  }

  #crashed(host: string): void {
    for (const audit of [...this.open.values()]) {
      if (audit.server === host || audit.client === host) {
        audit.faulted = true;
        audit.serverClosed = true;
        this.open.delete(audit.conn);
      }
    }
  }
}
