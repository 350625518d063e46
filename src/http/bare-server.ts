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
 */
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { realClock, type Clock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { MinHeap } from '../core/min-heap.js';
import type { Remoter } from '../core/net/connection.js';
import { NetServant } from '../core/net/net-servant.js';
import type { Servant } from '../core/net/servant.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import { ServiceDoer, type ServiceDoerOptions, type Serviceable } from '../doing/service-doer.js';
import { isFieldValue } from './chars.js';
import { HttpDate } from './http-date.js';
import { HTTP_DEFAULTS, resolveLenience, resolveLimits, type HttpLenience, type HttpLimits } from './limits.js';
import type { Request } from './request.js';
import { Steward } from './steward.js';

const log = debuglog('hio');
const requestChannel = channel('hio:http:request');
const faultChannel = channel('hio:http:fault');

/** A Steward class: made once per accepted connection. */
export type StewardClass = new (server: BareServer, remoter: Remoter) => Steward;

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
  /** Idle keep-alive timeout in seconds of tyme (default 5). */
  readonly keepAliveTymeout?: number;
  /** Deadline for a header section from its first byte, seconds of tyme (default 10; answer 408). */
  readonly headerTymeout?: number;
  /** How long a closing connection waits for the peer's close, seconds of tyme (default 2). */
  readonly lingerTymeout?: number;
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
  /** Clock for the Date header (default: the machine's). */
  readonly clock?: Clock;
  /** Server header value, or null for none (default "hio-ts"). */
  readonly serverName?: string | null;
  /** Add Date, Server, Content-Length and Connection to responses (default true). */
  readonly requiredHeaders?: boolean;
  /** The steward class (default: the echoing Steward). */
  readonly steward?: StewardClass;
}

const KNOWN = [
  'servant', 'host', 'port', 'keepAliveTymeout', 'headerTymeout', 'lingerTymeout', 'limits', 'lenient', 'methods',
  'maxPipelined', 'highWater', 'clock', 'serverName', 'requiredHeaders', 'steward',
];

/** An HTTP/1.1 server: a servant and its stewards. */
export class BareServer implements Serviceable {
  readonly servant: Servant;
  /** The live stewards, by connection. */
  readonly stewards = new Map<Remoter, Steward>();
  readonly limits: HttpLimits;
  readonly lenient: HttpLenience;
  readonly methods: ReadonlySet<string>;
  readonly keepAliveTymeout: number;
  readonly headerTymeout: number;
  readonly lingerTymeout: number;
  readonly maxPipelined: number;
  readonly highWater: number;
  readonly serverName: string | null;
  readonly requiredHeaders: boolean;
  /** Faults contained by the server (application errors, broken responders). */
  faults = 0;
  readonly #Steward: StewardClass;
  readonly #date: HttpDate;
  #tymth: Tymth | null = null;
  #busy = new Set<Steward>();
  #settling = new Set<Steward>();
  #deadlines = new MinHeap<{ readonly steward: Steward; readonly at: number }>();
  #scheduled = new Map<Steward, number>();
  #pass = 0;

  constructor(options: BareServerOptions = {}) {
    checkOptions('BareServer', options, KNOWN);
    this.servant = options.servant ?? new NetServant({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    this.limits = resolveLimits(options.limits);
    this.lenient = resolveLenience(options.lenient);
    this.methods = new Set(options.methods ?? DEFAULT_METHODS);
    this.keepAliveTymeout = checkSeconds('BareServer', 'keepAliveTymeout', options.keepAliveTymeout ?? HTTP_DEFAULTS.keepAliveTymeout);
    this.headerTymeout = checkSeconds('BareServer', 'headerTymeout', options.headerTymeout ?? HTTP_DEFAULTS.headerTymeout);
    this.lingerTymeout = checkSeconds('BareServer', 'lingerTymeout', options.lingerTymeout ?? HTTP_DEFAULTS.lingerTymeout);
    this.maxPipelined = positive('maxPipelined', options.maxPipelined ?? HTTP_DEFAULTS.maxPipelined);
    this.highWater = positive('highWater', options.highWater ?? HTTP_DEFAULTS.highWater);
    this.serverName = options.serverName === undefined ? 'hio-ts' : options.serverName;
    if (this.serverName !== null && !isFieldValue(this.serverName)) throw new HioError('HIO_ERR_INVALID_OPTION', 'BareServer: serverName must be a valid field value');
    this.requiredHeaders = options.requiredHeaders ?? true;
    this.#Steward = options.steward ?? Steward;
    // Connections idle from their first moment time out like idle keep-alive ones.
    this.servant.tymeout = this.keepAliveTymeout;
    this.#date = new HttpDate(options.clock ?? realClock);
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

  /** Stops listening and closes every connection. */
  close(): void {
    this.#forgetStewards();
    this.servant.close();
  }

  /** One pass: accept, receive, run the stewards with something to do, send. Never throws for I/O or app faults. */
  service(): void {
    const servant = this.servant;
    servant.serviceConnects();
    servant.serviceReceives();
    const pass = ++this.#pass;
    for (const remoter of servant.ready) {
      let steward = this.stewards.get(remoter);
      if (steward === undefined) {
        // A connection gets its steward with its first bytes: accepting costs no more than that.
        if (remoter.rxQueue.length === 0 && !remoter.rxEnded && !remoter.cutoff && !remoter.expired) continue;
        if (remoter.cutoff || (remoter.expired && remoter.rxQueue.length === 0)) {
          servant.removeRemoter(remoter);
          continue;
        }
        steward = new this.#Steward(this, remoter);
        this.stewards.set(remoter, steward);
      }
      this.#run(steward, pass);
    }
    for (const steward of this.#busy) if (steward.pass !== pass) this.#run(steward, pass);
    const tyme = this.#tymth?.() ?? 0;
    while (this.#deadlines.peekKey() <= tyme) {
      const { steward, at } = this.#deadlines.pop()!;
      // Entries left behind by a rescheduled or finished steward are skipped.
      if (this.#scheduled.get(steward) !== at) continue;
      this.#scheduled.delete(steward);
      if (steward.pass !== pass && this.stewards.get(steward.remoter) === steward) this.#run(steward, pass);
    }
    servant.serviceSends();
    // Half-closed connections whose last bytes just went out may close now.
    for (const steward of this.#settling) {
      steward.settle();
      if (steward.done) this.#forget(steward);
      else if (!steward.settling) this.#settling.delete(steward);
    }
  }

  /** The tyme of the next pass needed without events: now while a steward is busy, else the earliest deadline. */
  nextDue(): number {
    const now = this.#tymth?.() ?? 0;
    if (this.#busy.size > 0) return now;
    // Entries left by finished or rescheduled stewards would wake the scheduler for nothing.
    for (;;) {
      const entry = this.#deadlines.peek();
      if (entry === undefined || this.#scheduled.get(entry.steward) === entry.at) break;
      this.#deadlines.pop();
    }
    return Math.min(this.servant.nextDue(), this.#deadlines.peekKey());
  }

  /** Records a fault contained by the server (logged, counted, published on 'hio:http:fault'). */
  fault(error: unknown, request: Request | null): void {
    this.faults += 1;
    log('contained fault: %s', error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (faultChannel.hasSubscribers) faultChannel.publish({ error, request });
  }

  #run(steward: Steward, pass: number): void {
    steward.pass = pass;
    try {
      steward.service();
    } catch (error) {
      this.fault(error, null);
      steward.remoter.reset();
      steward.done = true;
    }
    if (steward.done) {
      this.#forget(steward);
      return;
    }
    if (steward.settling) this.#settling.add(steward);
    if (steward.busy) this.#busy.add(steward);
    else this.#busy.delete(steward);
    const deadline = steward.deadline;
    if (deadline !== Infinity && this.#scheduled.get(steward) !== deadline) {
      this.#scheduled.set(steward, deadline);
      this.#deadlines.push(deadline, { steward, at: deadline });
    }
  }

  #forget(steward: Steward): void {
    this.stewards.delete(steward.remoter);
    this.#busy.delete(steward);
    this.#settling.delete(steward);
    this.#scheduled.delete(steward);
    this.servant.removeRemoter(steward.remoter);
  }

  /** Publishes a completed request on 'hio:http:request' when someone listens. */
  published(request: Request): void {
    if (requestChannel.hasSubscribers) requestChannel.publish({ request });
  }

  #forgetStewards(): void {
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

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new HioError('HIO_ERR_INVALID_OPTION', `BareServer: ${name} must be a positive integer`);
  return value;
}
