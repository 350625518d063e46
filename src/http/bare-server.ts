/**
 * @module
 * The BareServer: a {@link Servant} plus one {@link Steward} per connection
 * (hio's BareServer). One {@link BareServer.service} pass: accept, receive,
 * run the stewards that have something to do, send. Only connections with
 * events, stewards pouring a response, and stewards whose deadline came are
 * touched; idle connections cost nothing. Cut-off and timed-out connections
 * are closed and forgotten. A fault inside a steward is contained to its
 * connection: service() never throws.
 *
 * The default steward echoes each request as JSON; pass a Steward subclass
 * as `steward` to serve something else. {@link BareServerDoer} runs a server
 * under a Doist.
 *
 * Applications wait on the server's tyme with {@link BareServer.after}: a
 * callback run by the first pass at or after a tyme, whose due tyme joins
 * {@link BareServer.nextDue}, so a Doist paced by the server wakes for it
 * on real seconds and a simulation on virtual ones.
 *
 * Shutting down: {@link BareServer.close} closes everything at once;
 * {@link BareServer.drain} stops accepting, closes idle connections, lets
 * in-flight requests and responses finish (the last answer of each
 * connection saying `Connection: close`) and force-closes what remains at
 * its deadline; {@link BareServer.drained} then turns true.
 */
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { realClock, type CancelTimer, type Clock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { MinHeap } from '../core/min-heap.js';
import { TimerQueue } from '../core/timer-queue.js';
import type { Remoter } from '../net/connection.js';
import { NetServant } from '../net/net-servant.js';
import type { Servant } from '../net/servant.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import { ServiceDoer, type ServiceDoerOptions, type Serviceable } from '../doing/service-doer.js';
import { isFieldValue } from './chars.js';
import { HttpDate } from './http-date.js';
import { HTTP_DEFAULTS, resolveLenience, resolveLimits, type HttpLenience, type HttpLimits } from './limits.js';
import type { Request } from './request.js';
import type { ConnectionHandler } from './connection-handler.js';
import { Steward } from './steward.js';
import type { RespondFunction, StewardHost } from './steward-host.js';

const log = debuglog('hio');
const requestChannel = channel('hio:http:request');
const faultChannel = channel('hio:http:fault');

/** A Steward class: made once per accepted connection. */
export type StewardClass = new (server: StewardHost, remoter: Remoter) => Steward;

/**
 * Takes a fault the server contained: an exception thrown by the
 * application, with the request it was answering (null when the fault came
 * from the steward itself). The default writes it to stderr once.
 */
export type FaultHandler = (error: unknown, request: Request | null) => void;

/** The methods a server implements unless told otherwise (CONNECT is for proxies). */
export const DEFAULT_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);

/** Options of a {@link BareServer}. */
export interface BareServerOptions {
  /** The listening endpoint (default: a NetServant on host and port). */
  readonly servant?: Servant;
  /** Host of the default NetServant (default 127.0.0.1). */
  readonly host?: string;
  /** Port of the default NetServant (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** Idle keep-alive timeout in seconds of tyme (default 5; 0: never), announced on responses that keep the connection open as `Keep-Alive: timeout=N`. */
  readonly keepAliveTymeout?: number;
  /** How long a connection owing the peer bytes may go without the peer accepting any, seconds of tyme (default 60). */
  readonly sendTymeout?: number;
  /** Deadline for a header section from its first byte, seconds of tyme (default 10; answer 408). */
  readonly headerTymeout?: number;
  /** How long a closing connection waits, once its last byte is written, for the peer's close; seconds of tyme without a byte from the peer (default 2). */
  readonly lingerTymeout?: number;
  /** Longest a closing connection lingers in all, seconds of tyme (default 30). */
  readonly maxLingerTymeout?: number;
  /** Most bytes a closing connection discards (the rest of an unwanted upload) before it closes anyway (default 16 MiB). */
  readonly maxDiscardBytes?: number;
  /** Grace period of a request body from the end of its head, seconds of tyme, before minBodyRate applies (default 10; answer 408). */
  readonly bodyTymeout?: number;
  /** Slowest average body rate after the grace period, bytes per second of tyme (default 1024; answer 408). */
  readonly minBodyRate?: number;
  /** Most bytes a connection holds in requests parsed ahead plus unsent output before it stops reading (default 512 KiB). */
  readonly maxBufferedBytes?: number;
  /** Parser limits (defaults in limits.ts). */
  readonly limits?: Partial<HttpLimits>;
  /** Parser tolerances (all off by default). */
  readonly lenient?: Partial<HttpLenience>;
  /** Methods answered; others get 501 (default: the standard methods but CONNECT). */
  readonly methods?: readonly string[];
  /** Requests parsed ahead of the one being answered, per connection (default 16). */
  readonly maxPipelined?: number;
  /** Stop pouring a response while this many bytes wait to be sent (default 256 KiB). */
  readonly highWater?: number;
  /** Clock for the Date header (default: the servant's — virtual tyme on a simulated network — else the machine's). */
  readonly clock?: Clock;
  /** Takes contained faults instead of the default (one report on stderr each); e.g. `() => {}` to silence them. */
  readonly onError?: FaultHandler;
  /** Server header value, or null for none (default "hio-ts"). */
  readonly serverName?: string | null;
  /** Add Date, Server, Content-Length, Connection and Keep-Alive to responses (default true). */
  readonly requiredHeaders?: boolean;
  /**
   * Answer a request as soon as its head is parsed when it is next in line,
   * its body handed to the responder as it arrives (`request.bodyStream`)
   * rather than whole (default false; an AppServer's default is true).
   */
  readonly streamBodies?: boolean;
  /**
   * Every connection must begin with a PROXY protocol header (v1 or v2), as
   * a proxy in front sends with HAProxy's `send-proxy`/`send-proxy-v2`; the
   * client's address it carries becomes the connection's as the application
   * sees it. A connection without a valid header within `headerTymeout` is
   * closed unanswered, a fault with code HIO_ERR_PROXY_PROTOCOL (default
   * false: only turn it on where nothing but the proxy can connect).
   */
  readonly proxyProtocol?: boolean;
  /** The steward class (default: the echoing Steward). */
  readonly steward?: StewardClass;
  /**
   * Makes the responder for each request, for stewards that do not override
   * `respond` (default: none; the Steward echoes the request as JSON).
   */
  readonly respond?: RespondFunction;
}

const KNOWN = [
  'servant',
  'host',
  'port',
  'keepAliveTymeout',
  'sendTymeout',
  'headerTymeout',
  'lingerTymeout',
  'maxLingerTymeout',
  'maxDiscardBytes',
  'bodyTymeout',
  'minBodyRate',
  'maxBufferedBytes',
  'limits',
  'lenient',
  'methods',
  'maxPipelined',
  'highWater',
  'clock',
  'onError',
  'serverName',
  'requiredHeaders',
  'streamBodies',
  'proxyProtocol',
  'steward',
  'respond',
];

/** An HTTP/1.1 server: a servant and its stewards. */
export class BareServer implements Serviceable, StewardHost {
  readonly servant: Servant;
  /** The live connection handlers (stewards, or what took a connection over), by connection. */
  readonly stewards = new Map<Remoter, ConnectionHandler>();
  readonly limits: HttpLimits;
  readonly lenient: HttpLenience;
  readonly methods: ReadonlySet<string>;
  readonly keepAliveTymeout: number;
  readonly sendTymeout: number;
  readonly headerTymeout: number;
  readonly lingerTymeout: number;
  readonly maxLingerTymeout: number;
  readonly maxDiscardBytes: number;
  readonly bodyTymeout: number;
  readonly minBodyRate: number;
  readonly maxBufferedBytes: number;
  readonly maxPipelined: number;
  readonly highWater: number;
  readonly serverName: string | null;
  readonly requiredHeaders: boolean;
  readonly streamBodies: boolean;
  readonly proxyProtocol: boolean;
  readonly respond: RespondFunction | null;
  /** Faults contained by the server (application errors, broken responders). */
  faults = 0;
  readonly #Steward: StewardClass;
  readonly #date: HttpDate;
  #tymth: Tymth | null = null;
  #busy = new Set<ConnectionHandler>();
  #settling = new Set<ConnectionHandler>();
  #deadlines = new MinHeap<{ readonly steward: ConnectionHandler; readonly at: number }>();
  #scheduled = new Map<ConnectionHandler, number>();
  #pass = 0;
  readonly #timers = new TimerQueue();
  /** What nextDue() last told the scheduler; -Infinity from the start of a pass until it is asked again. */
  #reportedDue = Infinity;
  readonly #timerFault = (error: unknown): void => this.fault(error, null);
  readonly #onError: FaultHandler;
  #draining = false;
  /** Remoters without a steward must be looked at: the drain began. */
  #sweep = false;
  #drainDeadline = Infinity;
  #drainCut = 0;

  constructor(options: BareServerOptions = {}) {
    checkOptions('BareServer', options, KNOWN);
    this.servant = options.servant ?? new NetServant({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    this.limits = resolveLimits(options.limits);
    this.lenient = resolveLenience(options.lenient);
    this.methods = new Set(options.methods ?? DEFAULT_METHODS);
    this.keepAliveTymeout = checkSeconds('BareServer', 'keepAliveTymeout', options.keepAliveTymeout ?? HTTP_DEFAULTS.keepAliveTymeout);
    this.sendTymeout = checkSeconds('BareServer', 'sendTymeout', options.sendTymeout ?? HTTP_DEFAULTS.sendTymeout);
    this.headerTymeout = checkSeconds('BareServer', 'headerTymeout', options.headerTymeout ?? HTTP_DEFAULTS.headerTymeout);
    this.lingerTymeout = checkSeconds('BareServer', 'lingerTymeout', options.lingerTymeout ?? HTTP_DEFAULTS.lingerTymeout);
    this.maxLingerTymeout = checkSeconds('BareServer', 'maxLingerTymeout', options.maxLingerTymeout ?? HTTP_DEFAULTS.maxLingerTymeout);
    this.maxDiscardBytes = count('maxDiscardBytes', options.maxDiscardBytes ?? HTTP_DEFAULTS.maxDiscardBytes);
    this.bodyTymeout = checkSeconds('BareServer', 'bodyTymeout', options.bodyTymeout ?? HTTP_DEFAULTS.bodyTymeout);
    this.minBodyRate = positive('minBodyRate', options.minBodyRate ?? HTTP_DEFAULTS.minBodyRate);
    this.maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes ?? HTTP_DEFAULTS.maxBufferedBytes);
    this.maxPipelined = positive('maxPipelined', options.maxPipelined ?? HTTP_DEFAULTS.maxPipelined);
    this.highWater = positive('highWater', options.highWater ?? HTTP_DEFAULTS.highWater);
    this.serverName = options.serverName === undefined ? 'hio-ts' : options.serverName;
    if (this.serverName !== null && !isFieldValue(this.serverName))
      throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: serverName must be a valid field value');
    this.requiredHeaders = options.requiredHeaders ?? true;
    this.streamBodies = options.streamBodies ?? false;
    if (typeof this.streamBodies !== 'boolean') throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: streamBodies must be a boolean');
    this.proxyProtocol = options.proxyProtocol ?? false;
    if (typeof this.proxyProtocol !== 'boolean') throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: proxyProtocol must be a boolean');
    this.#Steward = options.steward ?? Steward;
    if (options.respond !== undefined && typeof options.respond !== 'function')
      throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: respond must be a function (request) => Responder');
    this.respond = options.respond ?? null;
    // Connections idle from their first moment time out like idle keep-alive ones.
    this.servant.tymeout = this.keepAliveTymeout;
    this.#date = new HttpDate(options.clock ?? this.servant.clock ?? realClock);
    this.#onError = options.onError ?? report;
  }

  /** The tyme closure wound in, or null. */
  get tymth(): Tymth | null {
    return this.#tymth;
  }

  get waker(): (() => void) | null {
    return this.servant.waker;
  }

  set waker(waker: (() => void) | null) {
    this.servant.waker = waker;
  }

  /** The Date header value for responses sent now. */
  date(): string {
    return this.#date.now();
  }

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    this.servant.wind(tymth);
  }

  /** Starts listening (again); stewards of earlier connections are dropped. */
  reopen(): void {
    this.#forgetStewards();
    this.servant.reopen();
  }

  /**
   * Stops listening and closes every connection at once (see {@link drain}
   * for the graceful way). Timers set with {@link after} are dropped unrun.
   */
  close(): void {
    this.#forgetStewards();
    this.#timers.clear();
    this.servant.close();
  }

  /**
   * Runs `callback` once, in the first {@link service} pass at or after
   * `seconds` of the server's tyme from now (real seconds on real sockets,
   * virtual ones in a simulation); returns what cancels it (harmless once it
   * ran). Callbacks run in tyme order, before the pass runs its stewards;
   * one set during a pass runs in a later pass, however short its delay. A
   * callback that throws is a contained fault: counted, reported through
   * `onError`, never thrown out of service(). A timer set between passes
   * that is due before the tyme {@link nextDue} last gave wakes the
   * scheduler, so a paced Doist does not sleep past it.
   */
  after(seconds: number, callback: () => void): CancelTimer {
    checkSeconds('BareServer', 'after seconds', seconds);
    if (typeof callback !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: after needs a callback function');
    const at = (this.#tymth?.() ?? 0) + seconds;
    const cancel = this.#timers.add(at, callback);
    if (at < this.#reportedDue) {
      this.#reportedDue = at;
      this.servant.waker?.();
    }
    return cancel;
  }

  /** Timers set with {@link after} still to run. */
  get timers(): number {
    return this.#timers.size;
  }

  /**
   * Begins a graceful shutdown: stops accepting connections, closes idle
   * ones at once, lets requests already under way finish — the last answer
   * on each connection says `Connection: close` — and force-closes whatever
   * remains `tymeout` seconds of tyme later. The passes that follow do the
   * work; {@link drained} says when it is over. Calling it again changes
   * nothing.
   */
  drain(tymeout: number = HTTP_DEFAULTS.drainTymeout): void {
    checkSeconds('BareServer', 'drain tymeout', tymeout);
    if (this.#draining) return;
    this.#draining = true;
    this.#sweep = true;
    this.#drainDeadline = (this.#tymth?.() ?? 0) + tymeout;
    this.servant.stopListening();
    this.servant.waker?.();
  }

  /** True once {@link drain} was called. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Connections the drain closed at its deadline, unfinished: 0 after a clean drain. */
  get drainCut(): number {
    return this.#drainCut;
  }

  /** True once draining and every connection is gone. */
  get drained(): boolean {
    return this.#draining && this.servant.remoters.size === 0 && this.stewards.size === 0;
  }

  /** One pass: accept, receive, run the stewards with something to do, send. Never throws for I/O or app faults. */
  service(): void {
    const servant = this.servant;
    // Timers set from here on are seen by the nextDue() that follows the pass: no wake needed.
    this.#reportedDue = -Infinity;
    servant.serviceConnects();
    servant.serviceReceives();
    const pass = ++this.#pass;
    const tyme = this.#tymth?.() ?? 0;
    if (this.#timers.size > 0) this.#timers.fire(tyme, this.#timerFault);
    if (this.#draining) this.#serviceDrain(pass);
    for (const remoter of servant.ready) {
      let steward = this.stewards.get(remoter);
      if (steward === undefined) {
        // A connection gets its steward with its first bytes: accepting costs no more than that.
        if (remoter.rxQueue.length === 0 && !remoter.rxEnded && !remoter.cutoff && !remoter.expired && !this.#draining) continue;
        if (remoter.cutoff || ((remoter.expired || this.#draining) && remoter.rxQueue.length === 0)) {
          servant.removeRemoter(remoter);
          continue;
        }
        steward = new this.#Steward(this, remoter);
        this.stewards.set(remoter, steward);
      } else if (steward.pass === pass) {
        continue;
      }
      this.#run(steward, pass);
    }
    for (const steward of this.#busy) if (steward.pass !== pass) this.#run(steward, pass);
    while (this.#deadlines.peekKey() <= tyme) {
      const { steward, at } = this.#deadlines.pop()!;
      // Entries left behind by a rescheduled or finished steward are skipped.
      if (this.#scheduled.get(steward) !== at) continue;
      this.#scheduled.delete(steward);
      if (steward.pass !== pass && this.stewards.get(steward.remoter) === steward) this.#run(steward, pass);
      else if (this.stewards.get(steward.remoter) === steward) this.#reschedule(steward);
    }
    servant.serviceSends();
    // Half-closed connections whose last bytes just went out may close now.
    for (const steward of this.#settling) {
      steward.settle();
      if (steward.done) {
        this.#forget(steward);
        continue;
      }
      if (!steward.settling) this.#settling.delete(steward);
      // Settling may have set a linger deadline: a server paced by nextDue must wake for it.
      this.#reschedule(steward);
    }
  }

  /** The tyme of the next pass needed without events: now while a steward is busy, else the earliest deadline or timer. */
  nextDue(): number {
    const now = this.#tymth?.() ?? 0;
    if (this.#busy.size > 0 || this.#sweep) return (this.#reportedDue = now);
    // Entries left by finished or rescheduled stewards would wake the scheduler for nothing.
    for (;;) {
      const entry = this.#deadlines.peek();
      if (entry === undefined || this.#scheduled.get(entry.steward) === entry.at) break;
      this.#deadlines.pop();
    }
    const timers = this.#timers.size > 0 ? this.#timers.nextDue() : Infinity;
    return (this.#reportedDue = Math.min(this.servant.nextDue(), this.#deadlines.peekKey(), this.#drainDeadline, timers));
  }

  /**
   * Records a fault contained by the server: counted, published on
   * 'hio:http:fault', and handed to `onError` (by default reported once on
   * stderr with its stack and the request line). A handler that throws is
   * itself contained.
   */
  fault(error: unknown, request: Request | null): void {
    this.faults += 1;
    log('contained fault: %s', error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (faultChannel.hasSubscribers) faultChannel.publish({ error, request });
    try {
      this.#onError(error, request);
    } catch (handlerError) {
      log('onError threw: %s', String(handlerError));
    }
  }

  /**
   * A pass while draining: the first one shows every steward the drain (an
   * idle connection closes at once) and closes connections that sent
   * nothing yet; at the deadline everything left is closed.
   */
  #serviceDrain(pass: number): void {
    const servant = this.servant;
    if ((this.#tymth?.() ?? 0) >= this.#drainDeadline) {
      this.#drainCut = servant.remoters.size;
      this.#forgetStewards();
      for (const remoter of [...servant.remoters.values()]) servant.removeRemoter(remoter);
      this.#sweep = false;
      this.#drainDeadline = Infinity;
      return;
    }
    if (!this.#sweep) return;
    this.#sweep = false;
    for (const remoter of [...servant.remoters.values()]) {
      const steward = this.stewards.get(remoter);
      if (steward !== undefined) this.#run(steward, pass);
      else if (remoter.rxQueue.length === 0 && !remoter.rxEnded) servant.removeRemoter(remoter);
    }
  }

  #run(steward: ConnectionHandler, pass: number): void {
    steward.pass = pass;
    try {
      steward.service();
    } catch (error) {
      this.fault(error, null);
      steward.remoter.reset();
      steward.abandon?.();
      this.#forget(steward);
      return;
    }
    if (steward.done) {
      const successor = steward.successor;
      if (successor === null || successor.remoter !== steward.remoter) {
        if (successor !== null) this.fault(new HioError('HIO_ERR_RESPONSE_STATE', 'a successor must take over the same connection'), null);
        this.#forget(steward);
        return;
      }
      // An upgrade: the successor takes the connection over in this same pass.
      this.#busy.delete(steward);
      this.#settling.delete(steward);
      this.#scheduled.delete(steward);
      this.stewards.set(steward.remoter, successor);
      this.#run(successor, pass);
      return;
    }
    if (steward.settling) this.#settling.add(steward);
    if (steward.busy) this.#busy.add(steward);
    else this.#busy.delete(steward);
    this.#reschedule(steward);
  }

  /** Queues the steward's deadline unless an entry at or before it is queued already. */
  #reschedule(steward: ConnectionHandler): void {
    // A deadline that moved later (a body arriving) keeps its earlier entry:
    // the steward runs then, finds nothing due, and is scheduled anew.
    const deadline = steward.deadline;
    if (deadline < (this.#scheduled.get(steward) ?? Infinity)) {
      this.#scheduled.set(steward, deadline);
      this.#deadlines.push(deadline, { steward, at: deadline });
    }
  }

  #forget(steward: ConnectionHandler): void {
    this.stewards.delete(steward.remoter);
    this.#busy.delete(steward);
    this.#settling.delete(steward);
    this.#scheduled.delete(steward);
    this.servant.removeRemoter(steward.remoter);
  }

  /** Runs a handler whose wait ended in the next pass (see {@link StewardHost.wake}); a handler already gone is ignored. */
  wake(handler: ConnectionHandler): void {
    if (this.stewards.get(handler.remoter) !== handler) return;
    this.#busy.add(handler);
    this.servant.waker?.();
  }

  /** Publishes a completed request on 'hio:http:request' when someone listens. */
  published(request: Request): void {
    if (requestChannel.hasSubscribers) requestChannel.publish({ request });
  }

  #forgetStewards(): void {
    for (const handler of this.stewards.values()) {
      try {
        handler.abandon?.();
      } catch (error) {
        this.fault(error, null);
      }
    }
    this.stewards.clear();
    this.#busy.clear();
    this.#settling.clear();
    this.#deadlines.clear();
    this.#scheduled.clear();
  }
}

/** A ServiceDoer running a BareServer: enter opens, recur services, exit closes. */
export class BareServerDoer extends ServiceDoer<BareServer> {
  constructor(server: BareServer, options: ServiceDoerOptions = {}) {
    super(server, options);
  }
}

/** The default fault handler: one report on stderr, with the request line and the stack (one line for a refused PROXY protocol header). */
function report(error: unknown, request: Request | null): void {
  if (error instanceof HioError && error.code === 'HIO_ERR_PROXY_PROTOCOL') {
    // A peer that does not speak the PROXY protocol is no fault of the code: one line with the code, no stack.
    process.stderr.write(`hio: refused a connection: ${error.message} (${error.code})\n`);
    return;
  }
  const where = request === null ? '' : ` answering ${request.method} ${request.target} ${request.version}`;
  const what = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  process.stderr.write(`hio: contained fault${where}: ${what}\n`);
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new HioError('HIO_ERR_INVALID_OPTION', `BareServer: ${name} must be an integer >= 0`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new HioError('HIO_ERR_INVALID_OPTION', `BareServer: ${name} must be a positive integer, got ${value}`);
  return value;
}
