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
  /** A request said Connection: close, or a response closed the connection. */
  closing = false;
  readonly #requestIds: Array<string | null> = [];
  readonly #rxQueue = new ByteQueue();
  readonly #txQueue = new ByteQueue();
  readonly #requestant: Requestant;
  readonly #respondent: Respondent;
  #broken = false;
  #counted = false;

  constructor(conn: number, server: string, client: string, tyme: number) {
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

  /** True while a response is partly sent (its head or body under way). */
  get sending(): boolean {
    return this.#respondent.started && !this.#broken;
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
    }
    this.headSince = requestant.readingHead && requestant.started ? (this.headSince ?? tyme) : null;
    return { heads, inBody: requestant.readingBody };
  }

  #took(request: Request): void {
    this.requests += 1;
    this.#requestIds.push(request.headers.get(REQUEST_ID_HEADER) ?? null);
    if (!request.persisted) this.closing = true;
    this.#respondent.expect(request.method, request.expectContinue);
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
        headEnd = this.sentToClient - queue.length;
        this.#counted = true;
        this.#count(report);
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
    if (!head.persisted) this.closing = true;
    if (this.responses > this.requests && head.persisted) {
      report(
        'answered-once',
        `conn ${this.conn}: the server sent response ${this.responses} (${head.status}) with only ${this.requests} request${this.requests === 1 ? '' : 's'} received`,
      );
      return;
    }
    const echoed = head.headers.get(REQUEST_ID_HEADER);
    const expected = this.#requestIds[this.responses - 1];
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
  /** Reports a broken invariant. */
  readonly report: (violation: SimViolation) => void;
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
    if (conn === 0) {
      if (kind === 'fault' && detail === 'crash') this.#crashed(from);
      return;
    }
    if (kind === 'accept') {
      if (!this.#options.servers.has(from)) return;
      this.accepted += 1;
      this.open.set(conn, new ConnectionAudit(conn, from, to, tyme));
      return;
    }
    const audit = this.open.get(conn);
    if (audit === undefined) return;
    switch (kind) {
      case 'deliver':
        audit.lastActivity = tyme;
        if (payload === null) {
          // A reset reaching the server ends the connection: the client gave up on it.
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
        else audit.clientClosed = true;
        return;
      case 'fault':
        // The network reset or cut it: whatever was owed is lost with it.
        audit.faulted = true;
        if (detail === 'reset') this.#ended(audit, tyme, 'the network reset it');
        return;
      default:
        return;
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
    audit.faulted = true;
    armed.fired(audit.conn);
    return true;
  }

  /** The server end of a connection is gone: a request it took and never answered breaks answered-once, unless a fault or a closing response explains it. */
  #ended(audit: ConnectionAudit, tyme: number, how: string): void {
    if (!audit.faulted && !audit.closing && audit.owed > 0) {
      this.#report(
        'answered-once',
        tyme,
        `conn ${audit.conn}: ${how} with ${audit.owed} request${audit.owed === 1 ? '' : 's'} unanswered, no fault having touched it`,
        audit.conn,
      );
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
