/**
 * @module
 * Fault profiles and plans. A profile says which kinds of fault happen and
 * how often, and what the network is like (latency, jitter, bandwidth);
 * the seed draws one ("swarm" testing: each seed its own mix), or a preset
 * names one (`calm`, `stormy`). A plan is the list of faults a profile
 * gives for a run, each at its tyme with its own `pick` (which connection or
 * host it hits, chosen when it fires) — explicit data, so a failing run's
 * plan can be shrunk fault by fault and printed as a scenario that replays.
 */
import { HioError } from '../core/errors.js';
import { exponential, logUniform, type RandomStreams } from './random-streams.js';

/** The kinds of fault. */
export const FAULT_KINDS = [
  'partition',
  'hold',
  'reset',
  'crash',
  'refuse',
  'half-close',
  'fragment',
  'cut-after-head',
  'reset-mid-body',
  'reset-mid-response',
  'keep-alive-race',
] as const;

/** One kind of fault:
 * - `partition`: no traffic between a client and a server (both ways, or one way) for `for` seconds;
 * - `hold`: one direction of a client–server link held for `for` seconds (its bytes wait);
 * - `reset`: an open connection reset from the middle;
 * - `crash`: a server host crashes and restarts `for` seconds later (a server restart);
 * - `refuse`: a server host refuses connects for `for` seconds;
 * - `half-close`: a client shuts down the sending side of a connection with a request in flight;
 * - `fragment`: a host sends in pieces of `size` bytes (1: every byte boundary) for `for` seconds;
 * - `cut-after-head`: the next response reaching its client stops right after its head (a reset);
 * - `reset-mid-body`: the next request body is cut by a reset a few bytes in;
 * - `reset-mid-response`: the next response body is cut by a reset halfway;
 * - `keep-alive-race`: a client's next request leaves just as the server's keep-alive tymeout closes its connection.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault. */
export interface FaultSpec {
  /** Tyme it fires, in seconds. */
  readonly at: number;
  readonly kind: FaultKind;
  /** How long it lasts, seconds (partition, hold, crash, refuse, fragment). */
  readonly for?: number;
  /** Which of the candidates it hits (modulo their number), chosen when it fires; default 0. */
  readonly pick?: number;
  /** Piece size of a fragment fault (default 1). */
  readonly size?: number;
  /** A partition in one direction only. */
  readonly oneWay?: boolean;
}

/** What the network is like. */
export interface NetProfile {
  /** One-way latency, seconds. */
  readonly latency: number;
  /** Extra one-way delay, uniform in [0, jitter), seconds. */
  readonly jitter: number;
  /** Bytes per second per direction (Infinity: no cap). */
  readonly bandwidth: number;
}

/** A fault profile: the network, and each kind's rate (faults per minute of tyme; absent or 0: never). */
export interface FaultProfile {
  readonly name: string;
  readonly net: NetProfile;
  readonly rates: Readonly<Partial<Record<FaultKind, number>>>;
  /** Longest a lasting fault lasts, seconds (default 5). */
  readonly maxDuration?: number;
}

/** No faults, a quick network. */
export const calm: FaultProfile = Object.freeze({ name: 'calm', net: { latency: 0.001, jitter: 0.0005, bandwidth: Infinity }, rates: {} });

/** Every kind of fault, often, on a jittery network. */
export const stormy: FaultProfile = Object.freeze({
  name: 'stormy',
  net: { latency: 0.005, jitter: 0.01, bandwidth: 10 * 1024 * 1024 },
  rates: { ...Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 12])), crash: 4, refuse: 4 },
  maxDuration: 2,
});

/** The presets by name. */
export const PRESETS: Readonly<Record<string, FaultProfile>> = Object.freeze({ calm, stormy });

/** Draws a whole profile from the seed: each kind on or off, its rate, and the network (swarm testing). */
export function drawProfile(streams: RandomStreams): FaultProfile {
  const random = streams.get('profile');
  const latency = logUniform(random, 0.0002, 0.05);
  const jitter = random.next() < 0.5 ? 0 : latency * random.next();
  const bandwidth = random.next() < 0.7 ? Infinity : Math.round(logUniform(random, 64 * 1024, 100 * 1024 * 1024));
  const rates: Partial<Record<FaultKind, number>> = {};
  for (const kind of FAULT_KINDS) {
    const on = random.next() < 0.5;
    const rate = logUniform(random, 0.5, 20);
    if (on) rates[kind] = Math.round(rate * 100) / 100;
  }
  return { name: 'swarm', net: { latency, jitter, bandwidth }, rates, maxDuration: logUniform(random, 0.2, 5) };
}

/** The faults a profile gives over [0, window) seconds: Poisson arrivals per kind, each from its own stream. */
export function planFaults(profile: FaultProfile, streams: RandomStreams, window: number): FaultSpec[] {
  const faults: FaultSpec[] = [];
  const maxDuration = profile.maxDuration ?? 5;
  for (const kind of FAULT_KINDS) {
    const rate = profile.rates[kind] ?? 0;
    if (!(rate > 0)) continue;
    const random = streams.get(`faults:${kind}`);
    const mean = 60 / rate;
    for (let at = exponential(random, mean); at < window; at += exponential(random, mean)) {
      const pick = Math.floor(random.next() * 4294967296);
      const duration = Math.round(logUniform(random, 0.01, maxDuration) * 1e6) / 1e6;
      const spec: FaultSpec = { at: Math.round(at * 1e6) / 1e6, kind, pick };
      if (kind === 'partition') faults.push({ ...spec, for: duration, oneWay: random.next() < 0.3 });
      else if (kind === 'hold' || kind === 'crash' || kind === 'refuse') faults.push({ ...spec, for: duration });
      else if (kind === 'fragment') faults.push({ ...spec, for: duration, size: random.next() < 0.5 ? 1 : 1 + random.int(16) });
      else faults.push(spec);
    }
  }
  return faults.sort((a, b) => a.at - b.at || FAULT_KINDS.indexOf(a.kind) - FAULT_KINDS.indexOf(b.kind));
}

/** A fault at `tyme` seconds, for explicit plans: `at(2, 'reset')`, `at(1.5, { kind: 'partition', for: 2 })`. */
export function at(tyme: number, fault: FaultKind | Omit<FaultSpec, 'at'>): FaultSpec {
  const spec: FaultSpec = typeof fault === 'string' ? { at: tyme, kind: fault } : { ...fault, at: tyme };
  checkFault(spec);
  return spec;
}

/** Throws HIO_ERR_INVALID_OPTION for a fault that cannot be planned. */
export function checkFault(spec: FaultSpec): void {
  if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: unknown fault kind ${JSON.stringify(spec.kind)} (one of ${FAULT_KINDS.join(', ')})`);
  }
  if (!(Number.isFinite(spec.at) && spec.at >= 0))
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: a fault's tyme must be a number >= 0, got ${spec.at}`);
  if (spec.for !== undefined && !(Number.isFinite(spec.for) && spec.for >= 0)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: a fault's duration must be a number >= 0, got ${spec.for}`);
  }
  if (spec.size !== undefined && !(Number.isInteger(spec.size) && spec.size >= 1)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `simulate: a fragment size must be a positive integer, got ${spec.size}`);
  }
}

/** A fault in words: "2.500 s partition for 1.2 s (pick 17)". */
export function describeFault(spec: FaultSpec): string {
  const parts = [`${spec.at.toFixed(3)} s ${spec.kind}`];
  if (spec.for !== undefined) parts.push(`for ${spec.for} s`);
  if (spec.size !== undefined) parts.push(`in ${spec.size}-byte pieces`);
  if (spec.oneWay === true) parts.push('one way');
  if (spec.pick !== undefined) parts.push(`(pick ${spec.pick})`);
  return parts.join(' ');
}

/** A profile in words, one line each. */
export function describeProfile(profile: FaultProfile): string[] {
  const { latency, jitter, bandwidth } = profile.net;
  const kinds = FAULT_KINDS.filter((kind) => (profile.rates[kind] ?? 0) > 0);
  return [
    `profile ${profile.name}: latency ${(latency * 1000).toFixed(3)} ms, jitter ${(jitter * 1000).toFixed(3)} ms, bandwidth ${bandwidth === Infinity ? 'unlimited' : `${Math.round(bandwidth)} B/s`}`,
    kinds.length === 0 ? 'faults: none' : `faults per minute: ${kinds.map((kind) => `${kind} ${profile.rates[kind]}`).join(', ')}`,
  ];
}
