/**
 * @module
 * `simulate()`: a whole world in a few lines — servers on named hosts,
 * client workloads, faults drawn from the seed or planned, invariants — run
 * in virtual tyme on the simulated network, with the applications' promises
 * settling between recurs. It returns what happened (every request with its
 * outcome and virtual latency, the faults and whether they reached a
 * connection, each invariant's verdict, the trace digest) and, unless told
 * otherwise, throws a {@link SimulationError} naming the seed, the command
 * that replays the run and its timeline when an invariant broke.
 *
 * A run has three phases. Until `until`, the workloads run and the faults
 * fire. Then the network heals (partitions repaired, holds released, hosts
 * restarted) and every request still pending must settle within `heal`
 * seconds (liveness). When every workload is done the clients close and the
 * servers must close every connection within `drain` seconds.
 */
import { realClock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Prng } from '../core/prng.js';
import { Doist } from '../doing/doist.js';
import type { Doable, Dog } from '../doing/doable.js';
import { doify } from '../doing/doify.js';
import { ServiceDoer, type Serviceable } from '../doing/service-doer.js';
import { SimClient } from '../net/sim/sim-client.js';
import { SimNet } from '../net/sim/sim-net.js';
import { SimServant } from '../net/sim/sim-servant.js';
import { BareServer, BareServerDoer, type BareServerOptions } from '../http/bare-server.js';
import { EventSource } from '../http/event-source.js';
import { Patron } from '../http/patron.js';
import { PatronDoer } from '../http/patron-doer.js';
import type { PatronFetchInit } from '../http/patron-fetch.js';
import { AppServer, AppServerDoer, type AppServerOptions } from '../app/app-server.js';
import type { FetchHandler } from '../app/fetch-responder.js';
import { InlineOffload } from '../app/inline-offload.js';
import { calm, checkFault, describeProfile, drawProfile, planFaults, PRESETS, type FaultProfile, type FaultSpec, type NetProfile } from './fault-plan.js';
import { HttpAudit, REQUEST_ID_HEADER, type HostTymeouts } from './http-audit.js';
import { RandomStreams, exponential } from './random-streams.js';
import { RawClient } from './raw-client.js';
import { createTripStore, tripwire, type TripMode } from './tripwire.js';
import { AssertionLog, withSimContext } from './sim-context.js';
import type { SimFaultRecord, SimRequestRecord, SimResult, SimViolation } from './sim-result.js';
import { writeTimeline } from './timeline.js';
import type { ClosedLoopOptions, EventListenerOptions, OpenLoopOptions, RequestGenerator, RequestSpec, SlowlorisOptions, Workload } from './workloads.js';
import { join, resolve } from 'node:path';

/** A host running a fetch application (an AppServer): `{ fetch: app.fetch }` runs a Hono app. */
export interface FetchHost {
  readonly fetch: FetchHandler;
  /**
   * The application's worker pool: an InlineOffload, whose tasks run on
   * virtual tyme. Without a seed or random of its own it draws from the
   * run's stream `offload:<host>`, so the seed reproduces it.
   */
  readonly offload?: InlineOffload;
  readonly options?: Omit<AppServerOptions, 'fetch' | 'servant' | 'onFault' | 'offload'>;
  readonly port?: number;
}

/** A host running a BareServer (a steward, a respond function). */
export interface BareHost {
  readonly bare: Omit<BareServerOptions, 'servant' | 'onError'>;
  readonly port?: number;
}

/** A host running any serviceable built on the given servant; `tymeouts` (seconds) let the harness check its connections. */
export interface ServiceHost {
  readonly serve: (servant: SimServant, world: SimWorld) => Serviceable;
  readonly tymeouts?: Partial<HostTymeouts>;
  readonly port?: number;
}

/** What runs on a server host. */
export type HostSpec = FetchHost | BareHost | ServiceHost;

/** A user invariant: evaluated every check and at the end; false or a message breaks it. */
export type Invariant = (world: SimWorld) => boolean | string | void;

/** An explicit plan: faults and request counts instead of the seed's (what shrinking produces). */
export interface SimPlan {
  readonly faults: readonly FaultSpec[];
  /** Requests per client of each workload, by workload name (default the workload's own). */
  readonly requests?: Readonly<Record<string, number>>;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The seed: it draws the fault profile and plan, the network's jitter and every client's choices (default 1). */
  readonly seed?: number;
  /** Name of the scenario, for reports and timeline files (default "simulation"). */
  readonly name?: string;
  /** Server hosts by name. */
  readonly hosts: Readonly<Record<string, HostSpec>>;
  /** Client workloads (see workloads.ts). */
  readonly clients: readonly Workload[];
  /** A preset ('calm', 'stormy'), 'swarm' (the seed draws the profile; the default), a profile, or an explicit list of faults. */
  readonly faults?: 'calm' | 'stormy' | 'swarm' | FaultProfile | readonly FaultSpec[];
  /** Network settings over the profile's. */
  readonly net?: Partial<NetProfile>;
  /** Seconds of tyme during which faults fire; then the network heals (default 30). */
  readonly until?: number;
  /** Liveness bound: seconds after healing by which every request pending then must have settled (default 60). */
  readonly heal?: number;
  /** Seconds the servers have, once the clients are done and closed, to close every connection (default 30). */
  readonly drain?: number;
  /** Hard stop, seconds of tyme (default until + heal + drain + 3600). */
  readonly limit?: number;
  /** User invariants by name. */
  readonly invariants?: Readonly<Record<string, Invariant>>;
  /** Seconds of tyme between two checks of the invariants (default 1). */
  readonly check?: number;
  /** Seconds of slack over a server's tymeouts (default 1). */
  readonly slack?: number;
  /** Seconds a complete request may wait for its answer; a client giving up on one that waited longer breaks liveness (default 10). */
  readonly answerWithin?: number;
  /** Most bytes one server connection may hold queued, received plus unsent (default the server's maxBufferedBytes plus its highWater plus 1 MiB). */
  readonly maxQueuedBytes?: number;
  /** Planned faults of which none reached a connection (the run tested no fault): fail the run (default) or only say so in the profile. */
  readonly unreachedFaults?: 'fail' | 'count';
  /** Contained faults (application errors a server caught and answered with 500): fail the run (default) or only count them. */
  readonly containedFaults?: 'fail' | 'count';
  /** Keep every trace event (default false: the digest only; a failing run is replayed with the trace for its timeline). */
  readonly keepTrace?: boolean;
  /** Throw a SimulationError when an invariant broke (default true). */
  readonly throws?: boolean;
  /** Write the timeline: for a failing run (default), always, or never. */
  readonly timeline?: 'on-failure' | 'always' | 'never';
  /** Directory of timeline files (default `.hio-sim` in the working directory). */
  readonly out?: string;
  /** The command that replays this run, shown on failure (default a description of the call). */
  readonly replay?: string;
  /** An explicit plan replacing the seed's faults and request counts. */
  readonly plan?: SimPlan;
  /** Seconds per recur when something is due at once (default 0.001). */
  readonly tock?: number;
  /** Ambient time, randomness, timers and sockets called inside: each call a `tripwire` violation and the call throws (default), recorded only ('warn'), or allowed ('off'). */
  readonly tripwire?: TripMode;
  /** Epoch milliseconds at tyme 0 for simNow() and simDate() (default 0: 1970-01-01). */
  readonly epochMs?: number;
}

/** What invariants and hosts can look at. */
export interface SimWorld {
  readonly seed: number;
  readonly net: SimNet;
  readonly doist: Doist;
  /** The servers by host name (what each host's spec built). */
  readonly servers: ReadonlyMap<string, Serviceable>;
  /** Every request so far. */
  readonly requests: readonly SimRequestRecord[];
  /** The run's labelled random streams. */
  readonly random: RandomStreams;
  readonly tyme: number;
}

/** A run that broke an invariant: the message has the seed, the first violations, the replay command and the timeline's path. */
export class SimulationError extends Error {
  readonly result: SimResult;
  readonly timeline: string | null;

  constructor(result: SimResult, replay: string, timeline: string | null, note: string | null = null) {
    const lines = result.violations.slice(0, 5).map((violation) => `  ${violation.invariant} at ${violation.tyme.toFixed(3)} s: ${violation.message}`);
    if (result.violations.length > 5) lines.push(`  … and ${result.violations.length - 5} more`);
    super(
      [
        `simulation failed with seed ${result.seed} (digest ${result.digest}):`,
        ...lines,
        `replay: ${replay}`,
        ...(timeline === null ? [] : [`timeline: ${timeline}`]),
        ...(note === null ? [] : [`note: ${note}`]),
      ].join('\n'),
    );
    this.name = 'SimulationError';
    this.result = result;
    this.timeline = timeline;
  }
}

const KNOWN = [
  'seed',
  'name',
  'hosts',
  'clients',
  'faults',
  'net',
  'until',
  'heal',
  'drain',
  'limit',
  'invariants',
  'check',
  'slack',
  'answerWithin',
  'maxQueuedBytes',
  'containedFaults',
  'unreachedFaults',
  'keepTrace',
  'throws',
  'timeline',
  'out',
  'replay',
  'plan',
  'tock',
  'tripwire',
  'epochMs',
];

/** Runs a simulation; see the module's description. */
export async function simulate(options: SimulateOptions): Promise<SimResult> {
  checkOptions('simulate', options, KNOWN);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: seed must be a whole number >= 0, got ${seed}`);
  let result = await runOnce(options, seed, options.keepTrace ?? false);
  const mode = options.timeline ?? 'on-failure';
  let timeline: string | null = null;
  let diverged: string | null = null;
  let timelineOf: SimResult | null = null;
  if (mode === 'always' || (mode === 'on-failure' && !result.ok)) {
    let title = `${options.name ?? 'simulation'} seed ${seed}`;
    if (result.events.length === 0) {
      // Replayed with the trace kept, for the timeline. An application kept across runs (made once, outside
      // a scenario function) can make the replay differ: the report stays the first run's, the timeline says so.
      const traced = await runOnce(options, seed, true);
      if (traced.digest === result.digest) result = { ...traced, ok: result.ok };
      else {
        diverged = `the replay kept for the timeline had digest ${traced.digest}, the run ${result.digest}: state kept across runs (an application made outside a scenario function) or nondeterminism`;
        title += ` (replay digest ${traced.digest} differs from the run's ${result.digest})`;
        timelineOf = traced;
      }
    }
    timeline = writeTimeline(timelineOf ?? result, join(resolve(options.out ?? '.hio-sim'), `${slug(options.name ?? 'simulation')}-seed-${seed}.html`), {
      title,
    });
  }
  if (!result.ok && options.throws !== false) throw new SimulationError(result, options.replay ?? `simulate({ …, seed: ${seed} })`, timeline, diverged);
  return result;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'simulation';
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!(typeof chosen === 'number' && chosen > 0))
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: ${name} must be a number > 0, got ${String(chosen)}`);
  return chosen;
}

/** The profile and plan of a run. */
export function resolveFaults(options: SimulateOptions, streams: RandomStreams, window: number): { profile: FaultProfile; plan: FaultSpec[] } {
  const faults = options.faults ?? 'swarm';
  let profile: FaultProfile;
  let plan: FaultSpec[];
  if (Array.isArray(faults)) {
    const list = faults as readonly FaultSpec[];
    list.forEach(checkFault);
    profile = { ...calm, name: 'explicit' };
    plan = [...list].sort((a, b) => a.at - b.at);
  } else {
    if (typeof faults === 'string') {
      if (faults === 'swarm') profile = drawProfile(streams);
      else {
        const preset = PRESETS[faults];
        if (preset === undefined)
          throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: faults must be calm, stormy, swarm, a profile or a list, got ${JSON.stringify(faults)}`);
        profile = preset;
      }
    } else {
      profile = faults as FaultProfile;
    }
    plan = planFaults(profile, streams, window);
  }
  if (options.plan !== undefined) {
    options.plan.faults.forEach(checkFault);
    plan = [...options.plan.faults].sort((a, b) => a.at - b.at);
  }
  return { profile: { ...profile, net: { ...profile.net, ...options.net } }, plan };
}

/** The workload names of a scenario, in order (a workload's own name, else its kind numbered when repeated). */
export function workloadNames(clients: readonly Workload[]): string[] {
  const seen = new Map<string, number>();
  return clients.map((workload) => {
    if (workload.options.name !== undefined) return workload.options.name;
    const count = (seen.get(workload.kind) ?? 0) + 1;
    seen.set(workload.kind, count);
    return count === 1 ? workload.kind : `${workload.kind}${count}`;
  });
}

/** Requests per client of a workload. */
export function requestsOf(workload: Workload): number {
  if (workload.kind === 'closed' || workload.kind === 'open' || workload.kind === 'raw') return workload.options.requests ?? 10;
  if (workload.kind === 'events') return 1;
  return workload.options.connections ?? 1;
}

interface ClientRun {
  readonly name: string;
  readonly host: string;
  readonly patron: Patron | null;
  /** A raw client (rawLoop), or null. */
  raw: RawClient | null;
  /** The next think time races the server's keep-alive close. */
  race: boolean;
}

async function runOnce(options: SimulateOptions, seed: number, keepTrace: boolean): Promise<SimResult> {
  const wallStart = realClock.now();
  const until = positive('until', options.until, 30);
  const healBound = positive('heal', options.heal, 60);
  const drain = positive('drain', options.drain, 30);
  const checkEvery = positive('check', options.check, 1);
  const slack = options.slack ?? 1;
  const limit = positive('limit', options.limit, until + healBound + drain + 3600);
  const streams = new RandomStreams(seed);
  const { profile, plan } = resolveFaults(options, streams, until);
  const doist = new Doist({ tock: positive('tock', options.tock, 0.001), skip: true });
  const net = new SimNet({
    tymth: doist.tymen(),
    seed: streams.get('net').int(4294967296),
    latency: profile.net.latency,
    jitter: profile.net.jitter,
    bandwidth: profile.net.bandwidth,
    keepTrace,
  });
  const violations: SimViolation[] = [];
  const seen = new Set<string>();
  const report = (violation: SimViolation, key = `${violation.invariant}:${violation.conn ?? ''}`): void => {
    // One report per invariant and connection (or request): a broken server breaks the same rule on every request.
    if (seen.has(key)) return;
    seen.add(key);
    violations.push(violation);
  };
  const requests: SimRequestRecord[] = [];
  const faults: SimFaultRecord[] = [];
  const servers = new Map<string, Serviceable>();
  const tymeouts = new Map<string, HostTymeouts>();
  const doers: Doable[] = [];
  let contained = 0;
  const world: SimWorld = {
    seed,
    net,
    doist,
    servers,
    requests,
    random: streams,
    get tyme() {
      return doist.tyme;
    },
  };
  const containedFault = (host: string) => (error: unknown) => {
    contained += 1;
    if (options.containedFaults !== 'count') {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      report({ invariant: 'contained-fault', tyme: doist.tyme, message: `${host}: ${message}` }, `contained-fault:${message}`);
    }
  };
  const hostNames = Object.keys(options.hosts);
  if (hostNames.length === 0) throw new HioError('HIO_ERR_INVALID_OPTION', 'simulate: hosts must name at least one server host');
  for (const name of hostNames) {
    const spec = options.hosts[name]!;
    const servant = new SimServant({ net, host: name, port: spec.port ?? 80 });
    if ('fetch' in spec) {
      const offload = spec.offload;
      if (offload !== undefined) {
        if (!(offload instanceof InlineOffload))
          throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: host ${name}'s offload must be an InlineOffload (a worker pool runs on real time)`);
        // A fresh pool for every run (a failing run is replayed for its timeline), on the run's own stream.
        offload.reset(streams.get(`offload:${name}`));
      }
      const server = new AppServer({
        ...spec.options,
        fetch: spec.fetch,
        servant,
        onFault: containedFault(name),
        ...(offload !== undefined && { offload }),
      });
      servers.set(name, server);
      tymeouts.set(name, serverTymeouts(server));
      doers.push(new AppServerDoer(server));
    } else if ('bare' in spec) {
      const server = new BareServer({ ...spec.bare, servant, onError: containedFault(name) });
      servers.set(name, server);
      tymeouts.set(name, serverTymeouts(server));
      doers.push(new BareServerDoer(server));
    } else if ('serve' in spec) {
      const server = spec.serve(servant, world);
      servers.set(name, server);
      tymeouts.set(name, { keepAlive: Infinity, header: Infinity, send: Infinity, ...spec.tymeouts });
      doers.push(new ServiceDoer(server));
    } else {
      throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: host ${name} needs fetch, bare or serve`);
    }
  }
  /** Refuse faults by host, and keep-alive races by client host, waiting to reach something. */
  const refusing = new Map<string, SimFaultRecord>();
  const racing = new Map<string, SimFaultRecord>();
  const audit = new HttpAudit(net, {
    servers: tymeouts,
    slack,
    report,
    answerWithin: positive('answerWithin', options.answerWithin, 10),
    onRequest: (id, conn) => {
      // The connection the request reached the server on (the last one, when it was sent again).
      const request = requests[Number(id)];
      if (request !== undefined) request.conn = conn;
    },
    observe: (kind, conn, from, to, bytes) => {
      if (kind === 'refuse') {
        const record = refusing.get(from);
        if (record !== undefined && record.end === null) record.reached = true;
      } else if (kind === 'drop' && bytes > 0 && tymeouts.has(to)) {
        // A request's bytes reaching a socket the server closed: the keep-alive race.
        const record = racing.get(from);
        if (record !== undefined) record.reached = true;
      }
      void conn;
    },
  });
  const eventBytes: Array<string | null> = [];
  if (keepTrace) {
    // One observer call per recorded event: the previews line up with the events.
    const auditor = net.trace.observer!;
    net.trace.observer = (at, kind, conn, from, to, bytes, detail, payload) => {
      auditor(at, kind, conn, from, to, bytes, detail, payload);
      eventBytes.push(payload === null ? null : Buffer.from(payload.buffer, payload.byteOffset, Math.min(512, payload.byteLength)).toString('latin1'));
    };
  }
  const log = new AssertionLog();

  // ------------------------------------------------------------- clients
  const names = workloadNames(options.clients);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: two workloads are named ${JSON.stringify(duplicate)}: give each its own name`);
  const clientRuns: ClientRun[] = [];
  /** Raw and slowloris clients still at work (the promise-driven ones count in `finished`). */
  const slowRunning = new Set<string>();
  const runners: Array<() => Promise<void>> = [];
  const nextId = (): number => requests.length;
  const tyme = (): number => doist.tyme;
  options.clients.forEach((workload, w) => {
    const name = names[w]!;
    const count = workload.options.clients ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: ${name}: clients must be a positive integer`);
    const target = parseTarget(workload.options.target, hostNames[0]!, options.hosts);
    const perClient = options.plan?.requests?.[name] ?? requestsOf(workload);
    for (let k = 1; k <= count; k++) {
      const host = `${name}-${k}`;
      const random = streams.get(`client:${host}`);
      const patron =
        workload.kind === 'slowloris' || workload.kind === 'raw'
          ? null
          : new Patron({
              responseTymeout: 30,
              bodyTymeout: 30,
              ...(workload.options.patron ?? {}),
              ...(workload.kind === 'closed' && workload.options.pipelining !== undefined && { pipelining: workload.options.pipelining }),
              connect: (origin) => new SimClient({ net, localHost: host, host: origin.hostname, port: origin.port }),
            });
      const run: ClientRun = {
        name,
        host,
        patron,
        raw: null,
        race: false,
      };
      clientRuns.push(run);
      if (patron !== null) doers.push(new PatronDoer(patron));
      const start = (workload.options.start ?? 0.01) * random.next();
      const record = (method: string, path: string): SimRequestRecord => {
        const entry: SimRequestRecord = {
          id: nextId(),
          client: host,
          method,
          url: `${target.origin}${path}`,
          start: tyme(),
          end: null,
          status: null,
          error: null,
          bytes: 0,
          conn: 0,
        };
        requests.push(entry);
        return entry;
      };
      switch (workload.kind) {
        case 'closed':
          runners.push(() => closedLoopRun(patron!, run, workload.options, perClient, start, random, target, record, tyme, tymeouts));
          break;
        case 'open':
          runners.push(() => openLoopRun(patron!, workload.options, perClient, start, random, target, record, tyme));
          break;
        case 'events':
          runners.push(() => eventsRun(patron!, workload.options, start, target, record, tyme));
          break;
        case 'raw': {
          const { method = 'GET', path = '/', body } = workload.options.request ?? {};
          slowRunning.add(host);
          const raw = new RawClient({
            net,
            host,
            targetHost: target.host,
            targetPort: target.port,
            method,
            path,
            ...(body !== undefined && { body }),
            requests: perClient,
            depth: workload.options.depth ?? 1,
            think: workload.options.think ?? 0,
            start,
            record,
            done: () => slowRunning.delete(host),
          });
          run.raw = raw;
          doers.push(new ServiceDoer(raw));
          break;
        }
        case 'slowloris':
          slowRunning.add(host);
          doers.push(slowlorisDoer(net, host, workload.options, perClient, start, target, record, tyme, () => slowRunning.delete(host)));
          break;
      }
    }
  });

  // -------------------------------------------------------------- faults
  const clientHosts = clientRuns.map((run) => run.host);
  /** The lasting faults now on (partitions, holds, crashes, refusals, fragmenting), by what they act on. */
  const lastingFaults = new Map<string, { readonly record: SimFaultRecord; readonly undo: () => void }>();
  let healedAt: number | null = null;
  /** The requests pending when the network healed: each must settle within `heal` seconds. */
  let pendingAtHeal: SimRequestRecord[] = [];
  const endLasting = (key: string): void => {
    const entry = lastingFaults.get(key)!;
    lastingFaults.delete(key);
    entry.undo();
    entry.record.end = doist.tyme;
  };
  const fire = (spec: FaultSpec): void => {
    if (healedAt !== null) return;
    const pick = spec.pick ?? 0;
    const now = doist.tyme;
    const add = (target: string, reached: boolean): SimFaultRecord => {
      const record: SimFaultRecord = { tyme: now, end: null, kind: spec.kind, target, reached };
      faults.push(record);
      return record;
    };
    const between = (a: string, b: string): boolean =>
      [...audit.open.values()].some((c) => (c.client === a && c.server === b) || (c.client === b && c.server === a));
    const server = hostNames[pick % hostNames.length]!;
    const client = clientHosts.length === 0 ? server : clientHosts[Math.floor(pick / 7) % clientHosts.length]!;
    /** Starts a lasting fault on `key` unless one is on there already: `act` now, `undo` after `spec.for` seconds or at the heal. */
    const last = (key: string, target: string, reached: boolean, act: () => void, undo: () => void): SimFaultRecord | null => {
      if (lastingFaults.has(key)) return null;
      act();
      const entry = { record: add(target, reached), undo };
      lastingFaults.set(key, entry);
      net.at(doist.tyme + (spec.for ?? 1), () => {
        if (lastingFaults.get(key) === entry) endLasting(key);
      });
      return entry.record;
    };
    switch (spec.kind) {
      case 'partition': {
        const oneWay = spec.oneWay === true;
        last(
          `partition:${client}:${server}`,
          `${client} ${oneWay ? '→' : '⇄'} ${server}`,
          between(client, server),
          () => net.partition(client, server, { oneWay }),
          () => net.repair(client, server, { oneWay }),
        );
        return;
      }
      case 'hold': {
        const [from, to] = pick % 2 === 0 ? [client, server] : [server, client];
        last(
          `hold:${from}:${to}`,
          `${from} → ${to}`,
          between(client, server),
          () => net.hold(from, to),
          () => net.release(from, to),
        );
        return;
      }
      case 'crash': {
        const reached = [...audit.open.values()].some((c) => c.server === server);
        last(
          `crash:${server}`,
          server,
          reached,
          () => net.crash(server),
          () => net.restart(server),
        );
        return;
      }
      case 'refuse': {
        // Reached once a connect is refused.
        const record = last(
          `refuse:${server}`,
          server,
          false,
          () => net.refuse(server),
          () => net.unrefuse(server),
        );
        if (record !== null) refusing.set(server, record);
        return;
      }
      case 'fragment': {
        const hosts = [...hostNames, ...clientHosts];
        const host = hosts[pick % hosts.length]!;
        const reached = [...audit.open.values()].some((c) => c.server === host || c.client === host);
        last(
          `fragment:${host}`,
          host,
          reached,
          () => net.fragment(host, spec.size ?? 1),
          () => net.fragment(host, null),
        );
        return;
      }
      case 'reset':
      case 'half-close': {
        const open = audit.openConnections();
        const candidates = spec.kind === 'half-close' ? open.filter((c) => c.owed > 0) : open;
        const chosen = candidates[pick % Math.max(1, candidates.length)];
        if (chosen === undefined) {
          add('no open connection', false);
          return;
        }
        const ends = net.connection(chosen.conn);
        add(`conn ${chosen.conn} (${chosen.client} → ${chosen.server})`, true);
        if (spec.kind === 'reset') {
          const end = ends.server ?? ends.client;
          if (end !== null) net.reset(end);
        } else if (ends.client !== null) {
          net.halfClose(ends.client);
        }
        return;
      }
      case 'cut-after-head':
      case 'reset-mid-body':
      case 'reset-mid-response': {
        const record = add('the next one', false);
        audit.arm(spec.kind, pick, (conn) => {
          record.reached = true;
          faults[faults.indexOf(record)] = { ...record, target: `conn ${conn}`, tyme: doist.tyme };
        });
        return;
      }
      case 'keep-alive-race': {
        const racers = clientRuns.filter((candidate) => candidate.patron !== null || candidate.raw !== null);
        const run = racers[pick % Math.max(1, racers.length)];
        if (run === undefined) return;
        // Reached once a request of this client meets a connection the server has just closed.
        racing.set(run.host, add(run.host, false));
        if (run.raw !== null) run.raw.race(tymeouts.get(run.raw.targetHost)?.keepAlive ?? Infinity);
        else run.race = true;
        return;
      }
    }
  };
  const heal = (): void => {
    if (healedAt !== null) return;
    healedAt = doist.tyme;
    pendingAtHeal = requests.filter((request) => request.end === null);
    for (const key of [...lastingFaults.keys()]) endLasting(key);
    audit.disarm();
    for (const run of clientRuns) run.race = false;
  };
  for (const spec of plan) if (spec.at < until) net.at(spec.at, () => fire(spec));
  net.at(until, heal);

  // ------------------------------------------------------------ director
  const abort = new AbortController();
  let finished = 0;
  let escaped: unknown = null;
  const queuedBound = options.maxQueuedBytes;
  const checkMemory = (): void => {
    for (const [host, server] of servers) {
      if (!(server instanceof BareServer)) continue;
      const bound = queuedBound ?? server.maxBufferedBytes + server.highWater + (1 << 20);
      for (const remoter of server.stewards.keys()) {
        const queued = remoter.rxQueue.length + remoter.txPending;
        if (queued > bound)
          report({ invariant: 'bounded-memory', tyme: doist.tyme, message: `${host}: a connection holds ${queued} bytes queued (bound ${bound})` });
      }
    }
  };
  const checkUser = (): void => {
    for (const [name, invariant] of Object.entries(options.invariants ?? {})) {
      let verdict: boolean | string | void;
      try {
        verdict = invariant(world);
      } catch (error) {
        verdict = error instanceof Error ? error.message : String(error);
      }
      if (verdict === false || typeof verdict === 'string') {
        report({ invariant: name, tyme: doist.tyme, message: typeof verdict === 'string' ? verdict : `${name} was false at ${doist.tyme.toFixed(3)} s` });
      }
    }
  };

  const checkLiveness = (): void => {
    if (healedAt === null) return;
    if (doist.tyme < healedAt + healBound) return;
    for (const request of pendingAtHeal) {
      if (request.end === null) {
        report(
          {
            invariant: 'liveness',
            tyme: doist.tyme,
            message: `request ${request.id} (${request.client} ${request.method} ${request.url}) pending at the heal (${healedAt.toFixed(3)} s) was still pending ${healBound} s later`,
          },
          `liveness:${request.id}`,
        );
      }
    }
    pendingAtHeal = [];
  };
  const director = doify(function* director(): Dog {
    yield 0;
    const settle = (promise: Promise<void>): void => {
      promise.then(
        () => {
          finished += 1;
        },
        (error: unknown) => {
          finished += 1;
          escaped ??= error;
        },
      );
    };
    for (const runner of runners) settle(runner());
    let drainStart = Infinity;
    for (;;) {
      audit.checkTymeouts(doist.tyme, (host) => net.isUp(host));
      checkMemory();
      checkUser();
      checkLiveness();
      if (drainStart === Infinity && finished === runners.length && slowRunning.size === 0) {
        heal();
        for (const run of clientRuns) run.patron?.close();
        drainStart = doist.tyme;
      }
      if (drainStart !== Infinity && (audit.open.size === 0 || doist.tyme >= drainStart + drain)) {
        // Before the run ends: ending it closes the servers, and so their connections.
        audit.checkClosed(doist.tyme);
        abort.abort();
        return true;
      }
      yield checkEvery;
    }
  });
  doers.push(director);

  const trips = createTripStore({
    tymth: doist.tymen(),
    seed: streams.get('application').int(4294967296),
    mode: options.tripwire ?? 'throw',
    ...(options.epochMs !== undefined && { epochMs: options.epochMs }),
  });
  try {
    await tripwire.run(trips, () =>
      withSimContext(
        {
          tyme,
          random: (() => {
            const random = streams.get('application');
            return () => random.next();
          })(),
          assert: (kind, name, holds, details) => {
            const message = log.take(kind, name, holds, details, doist.tyme);
            if (message !== null) report({ invariant: `always:${name}`, tyme: doist.tyme, message });
          },
        },
        () => doist.run(doers, { limit, signal: abort.signal }),
      ),
    );
  } catch (error) {
    escaped ??= error;
  }
  const end = doist.tyme;
  for (const trip of trips.records) {
    report({ invariant: 'tripwire', tyme: end, message: `${trip.call} called inside the simulation at ${trip.site}` }, `tripwire:${trip.call}:${trip.site}`);
  }
  if (escaped !== null) {
    report({
      invariant: 'no-escape',
      tyme: end,
      message: escaped instanceof Error ? (escaped.stack ?? `${escaped.name}: ${escaped.message}`) : String(escaped),
    });
  }
  // An exception that ended the run early explains whatever was left undone: no liveness verdicts then.
  if (!abort.signal.aborted && escaped === null)
    report({ invariant: 'liveness', tyme: end, message: `the run reached its limit (${limit} s) before every workload was done` }, 'liveness:limit');
  checkUser();
  for (const request of requests) {
    if (request.end === null && escaped === null)
      report(
        { invariant: 'liveness', tyme: end, message: `request ${request.id} (${request.client} ${request.method} ${request.url}) never settled` },
        `liveness:${request.id}`,
      );
  }
  for (const record of log.records) {
    if (record.kind === 'sometimes' && record.passes === 0) {
      report({
        invariant: `sometimes:${record.name}`,
        tyme: end,
        message: `sometimes(${JSON.stringify(record.name)}) was never true (evaluated ${record.evaluations} times)`,
      });
    }
  }
  if (plan.length > 0 && !faults.some((fault) => fault.reached) && options.unreachedFaults !== 'count') {
    report({
      invariant: 'faults-reached',
      tyme: end,
      message: `${plan.length} fault${plan.length === 1 ? '' : 's'} planned, ${faults.length} fired before the workload ended, none reached a connection: the run tested no fault`,
    });
  }
  const profileLines = [
    ...describeProfile(profile),
    `planned ${plan.length} fault${plan.length === 1 ? '' : 's'} before ${until} s; ${faults.length} fired, ${faults.filter((fault) => fault.reached).length} reached a connection`,
    `connections accepted: ${audit.accepted}; contained faults: ${contained}`,
  ];
  return {
    seed,
    ok: violations.length === 0,
    digest: net.trace.digest(),
    tyme: end,
    wallMs: (realClock.now() - wallStart) * 1000,
    requests,
    faults,
    violations,
    assertions: log.records,
    profile: profileLines,
    events: net.trace.events,
    eventBytes,
    healedAt,
  };
}

function serverTymeouts(server: BareServer): HostTymeouts {
  const seconds = (value: number): number => (value > 0 ? value : Infinity);
  return { keepAlive: seconds(server.keepAliveTymeout), header: seconds(server.headerTymeout), send: seconds(server.sendTymeout) };
}

/** Where a workload sends its requests. */
interface Target {
  readonly host: string;
  readonly port: number;
  readonly origin: string;
}

function parseTarget(target: string | undefined, first: string, hosts: Readonly<Record<string, HostSpec>>): Target {
  const text = target ?? first;
  const url = new URL(text.includes('://') ? text : `http://${text}`);
  if (url.protocol !== 'http:')
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: a target must be an http URL or a host name, got ${JSON.stringify(text)}`);
  const host = url.hostname;
  const spec = hosts[host];
  if (spec === undefined)
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: target host ${JSON.stringify(host)} is not one of the hosts (${Object.keys(hosts).join(', ')})`);
  const port = url.port === '' ? (spec.port ?? 80) : Number(url.port);
  return { host, port, origin: `http://${host}${port === 80 ? '' : `:${port}`}` };
}

type Record_ = (method: string, path: string) => SimRequestRecord;

function specOf(request: RequestSpec | RequestGenerator | undefined, index: number, random: Prng): RequestSpec {
  if (request === undefined) return {};
  return typeof request === 'function' ? request(index, random) : request;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined) return errorCode(cause);
    if (error instanceof Error) return error.name;
  }
  return String(error);
}

function bodyOf(body: RequestSpec['body'], index: number): NonNullable<PatronFetchInit['body']> | null {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body ?? null;
  const { bytes, chunked = false } = body;
  const fill = 0x61 + (index % 26);
  if (!chunked) return Buffer.alloc(bytes, fill);
  return (function* pieces(): Generator<Uint8Array> {
    for (let left = bytes; left > 0; left -= 16384) yield Buffer.alloc(Math.min(16384, left), fill);
  })();
}

/** Makes one request and records its outcome. */
async function oneRequest(
  patron: Patron,
  spec: RequestSpec,
  target: Target,
  record: Record_,
  tyme: () => number,
  readRate: number | undefined,
  index: number,
): Promise<void> {
  const method = spec.method ?? (spec.body === undefined ? 'GET' : 'POST');
  const path = spec.path ?? '/';
  const entry = record(method, path);
  const init: PatronFetchInit = {
    method,
    headers: { ...spec.headers, [REQUEST_ID_HEADER]: String(entry.id) },
    body: bodyOf(spec.body, index),
  };
  try {
    const response = await patron.fetch(`${target.origin}${path}`, init);
    entry.status = response.status;
    if (readRate === undefined || response.body === null) {
      entry.bytes = (await response.arrayBuffer()).byteLength;
    } else {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        entry.bytes += value.byteLength;
        await patron.sleep(value.byteLength / readRate);
      }
    }
  } catch (error) {
    entry.error = errorCode(error);
  }
  entry.end = tyme();
}

function thinkTime(think: ClosedLoopOptions['think'], random: Prng): number {
  if (think === undefined) return 0;
  if (typeof think === 'number') return think;
  return think[0] + (think[1] - think[0]) * random.next();
}

async function closedLoopRun(
  patron: Patron,
  run: ClientRun,
  options: ClosedLoopOptions,
  requests: number,
  start: number,
  random: Prng,
  target: Target,
  record: Record_,
  tyme: () => number,
  tymeouts: ReadonlyMap<string, HostTymeouts>,
): Promise<void> {
  await patron.sleep(start);
  let next = 0;
  const concurrency = options.concurrency ?? 1;
  const lane = async (): Promise<void> => {
    while (next < requests) {
      const index = next++;
      await oneRequest(patron, specOf(options.request, index, random), target, record, tyme, options.readRate, index);
      if (next >= requests) return;
      let think = thinkTime(options.think, random);
      if (run.race) {
        // The next request leaves as the server's keep-alive tymeout closes the connection.
        run.race = false;
        const keepAlive = tymeouts.get(target.host)?.keepAlive ?? Infinity;
        if (keepAlive !== Infinity) think = keepAlive + (random.next() - 0.5) * 0.004;
      }
      if (think > 0) await patron.sleep(think);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function openLoopRun(
  patron: Patron,
  options: OpenLoopOptions,
  requests: number,
  start: number,
  random: Prng,
  target: Target,
  record: Record_,
  tyme: () => number,
): Promise<void> {
  if (!(options.rate > 0)) throw new HioError('HIO_ERR_INVALID_OPTION', 'simulate: openLoop rate must be > 0');
  await patron.sleep(start);
  const inFlight: Array<Promise<void>> = [];
  for (let index = 0; index < requests; index++) {
    inFlight.push(oneRequest(patron, specOf(options.request, index, random), target, record, tyme, options.readRate, index));
    if (index + 1 < requests) await patron.sleep(exponential(random, 1 / options.rate));
  }
  await Promise.all(inFlight);
}

async function eventsRun(patron: Patron, options: EventListenerOptions, start: number, target: Target, record: Record_, tyme: () => number): Promise<void> {
  await patron.sleep(start);
  const path = options.path ?? '/events';
  const entry = record('GET', path);
  const source = new EventSource(patron, `${target.origin}${path}`, { maxAttempts: 20 });
  const wanted = options.events ?? 10;
  try {
    for await (const event of source) {
      void event;
      entry.bytes += 1;
      if (entry.bytes >= wanted) break;
    }
    entry.status = entry.bytes >= wanted ? 200 : null;
    if (entry.bytes < wanted) entry.error = source.error?.code ?? 'closed';
  } catch (error) {
    entry.error = errorCode(error);
  } finally {
    source.close();
  }
  entry.end = tyme();
}

function slowlorisDoer(
  net: SimNet,
  host: string,
  options: SlowlorisOptions,
  connections: number,
  start: number,
  target: Target,
  record: Record_,
  tyme: () => number,
  done: () => void,
): Doable {
  const interval = positive('slowloris interval', options.interval, 1);
  return doify(function* slowloris(): Dog {
    try {
      yield start;
      for (let c = 0; c < connections; c++) {
        const entry = record('GET', '/');
        const client = new SimClient({ net, localHost: host, host: target.host, port: target.port });
        client.reopen();
        const head = Buffer.from(`GET / HTTP/1.1\r\nHost: ${target.host}\r\nX-Slow: `, 'latin1');
        let sent = 0;
        try {
          for (;;) {
            client.service();
            if (client.cutoff || client.rxEnded || client.error !== null) break;
            if (client.connected) {
              client.tx(sent < head.length ? head.subarray(sent, sent + 1) : Buffer.from('a'));
              sent += 1;
              client.serviceSends();
            }
            yield interval;
          }
          const answer = client.rxQueue.length > 0 ? client.rxQueue.take(client.rxQueue.length).toString('latin1') : '';
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
          entry.status = status === null ? null : Number(status[1]);
          entry.error = status === null ? (client.error?.code ?? 'closed-by-server') : null;
          entry.bytes = answer.length;
        } finally {
          entry.end = tyme();
          client.close();
        }
      }
    } finally {
      done();
    }
    return true;
  });
}
