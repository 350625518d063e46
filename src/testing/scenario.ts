/**
 * @module
 * A scenario: what a scenario file's default export is, and the three
 * things the command line does with one — run it for a seed (optionally
 * twice, comparing digests), and shrink a failing seed to a smaller plan
 * that still fails.
 */
import { HioError } from '../core/errors.js';
import type { SimTraceEvent } from '../net/sim/sim-trace.js';
import { describeFault } from './fault-plan.js';
import { RandomStreams } from './random-streams.js';
import type { SimResult } from './sim-result.js';
import { requestsOf, resolveFaults, simulate, workloadNames, type SimPlan, type SimulateOptions } from './simulate.js';

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** A shrunk plan (the JSON text {@link shrinkScenario} printed) replacing the seed's own faults and request counts. */
  readonly plan?: string;
  /** Run twice and compare the traces: a difference is a `determinism` violation naming the first divergent event. */
  readonly checkDeterminism?: boolean;
  /** Keep every trace event in the result (for a timeline); default true. */
  readonly keepTrace?: boolean;
}

/** What {@link shrinkScenario} found. */
export interface ShrinkOutcome {
  /** The run of the smallest plan that still fails. */
  readonly result: SimResult;
  /** The plan as JSON text, for `hio sim FILE --seed N --plan '…'`. */
  readonly plan: string;
  /** The plan in words, one line each (faults with their tymes, requests per client). */
  readonly description: readonly string[];
  /** Faults and requests before and after shrinking. */
  readonly before: { readonly faults: number; readonly requests: number };
  readonly after: { readonly faults: number; readonly requests: number };
}

/**
 * A scenario written by hand: it runs its own simulation for a seed and
 * reports a {@link SimResult}. Such a scenario cannot be shrunk.
 */
export interface CustomScenario {
  readonly name?: string;
  run(seed: number, options: RunScenarioOptions): Promise<SimResult>;
}

/** A scenario built from simulate's options (the seed aside), or a function of the seed giving them. */
export type Scenario = Omit<SimulateOptions, 'seed'> | ((seed: number) => Omit<SimulateOptions, 'seed'>) | CustomScenario;

/** Types a scenario file's default export: `export default defineScenario({ hosts, clients, faults: 'stormy' })`. */
export function defineScenario<S extends Scenario>(scenario: S): S {
  return scenario;
}

function isCustom(value: unknown): value is CustomScenario {
  return typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function';
}

function isOptions(value: unknown): value is Omit<SimulateOptions, 'seed'> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { hosts?: unknown }).hosts === 'object' &&
    Array.isArray((value as { clients?: unknown }).clients)
  );
}

/** True for a value a scenario file may export as its default. */
export function isScenario(value: unknown): value is Scenario {
  return isCustom(value) || isOptions(value) || typeof value === 'function';
}

function optionsFor(scenario: Scenario, seed: number): Omit<SimulateOptions, 'seed'> {
  const options = typeof scenario === 'function' ? scenario(seed) : scenario;
  if (!isOptions(options)) throw new HioError('HIO_ERR_INVALID_OPTION', 'a scenario must give simulate options: { hosts, clients, … }');
  return options;
}

function parsePlan(text: string): SimPlan {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `a plan must be JSON: ${(error as Error).message}`);
  }
  if (typeof plan !== 'object' || plan === null || !Array.isArray((plan as { faults?: unknown }).faults)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', 'a plan must be {"faults": [...], "requests": {...}}');
  }
  return plan as SimPlan;
}

/** Runs a scenario (a scenario file's default export) for one seed. Never throws for a failing run: the result says. */
export async function runScenario(scenario: unknown, seed: number, options: RunScenarioOptions = {}): Promise<SimResult> {
  if (isCustom(scenario)) return scenario.run(seed, options);
  if (!isScenario(scenario))
    throw new HioError(
      'HIO_ERR_INVALID_OPTION',
      'not a scenario: export simulate options ({ hosts, clients, … }), a function of the seed giving them, or { run(seed) }',
    );
  const check = options.checkDeterminism === true;
  // Each run gets the scenario's options afresh: a function of the seed makes a new application every time.
  const run = (keepTrace: boolean): Promise<SimResult> =>
    simulate({
      ...optionsFor(scenario, seed),
      seed,
      throws: false,
      timeline: 'never',
      keepTrace,
      ...(options.plan !== undefined && { plan: parsePlan(options.plan) }),
    });
  const first = await run(check || options.keepTrace !== false);
  if (!check) return first;
  const second = await run(true);
  const divergence = firstDivergence(first, second);
  if (divergence === null) return first;
  return { ...first, ok: false, violations: [...first.violations, { invariant: 'determinism', tyme: divergence.tyme, message: divergence.message }] };
}

/** Where two runs of one seed first differ, or null when their digests and events agree. */
export function firstDivergence(a: SimResult, b: SimResult): { tyme: number; message: string } | null {
  if (a.digest === b.digest) return null;
  const length = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < length; i++) {
    const x = a.events[i]!;
    const y = b.events[i]!;
    if (
      x.tyme !== y.tyme ||
      x.kind !== y.kind ||
      x.conn !== y.conn ||
      x.from !== y.from ||
      x.to !== y.to ||
      x.bytes !== y.bytes ||
      x.detail !== y.detail ||
      x.hash !== y.hash
    ) {
      return {
        tyme: Math.min(x.tyme, y.tyme),
        message: `the runs diverge at event ${i}: ${describeEvent(x)} on the first, ${describeEvent(y)} on the second (digests ${a.digest}, ${b.digest})`,
      };
    }
  }
  return {
    tyme: Math.min(a.tyme, b.tyme),
    message: `the runs agree on ${length} events, then one has ${Math.abs(a.events.length - b.events.length)} more (digests ${a.digest}, ${b.digest})`,
  };
}

function describeEvent(event: SimTraceEvent): string {
  return `${event.tyme.toFixed(6)} s ${event.kind} conn ${event.conn} ${event.from}${event.to === '' ? '' : ` → ${event.to}`} ${event.bytes} bytes${event.detail === '' ? '' : ` (${event.detail})`}`;
}

/** Budget of one shrink, in runs (not wall time: the same seed shrinks the same way on every machine). */
const SHRINK_RUNS = 200;

/**
 * Shrinks a failing seed of a scenario to the fewest faults and requests
 * that still break the same invariant: faults removed in halves, then one
 * by one (delta debugging), then each workload's requests per client halved
 * while it still fails. Null when the seed passes or the scenario is
 * hand-written.
 */
export async function shrinkScenario(scenario: unknown, seed: number): Promise<ShrinkOutcome | null> {
  if (isCustom(scenario) || !isScenario(scenario)) return null;
  const base = optionsFor(scenario, seed);
  let runs = 0;
  const attempt = async (plan: SimPlan): Promise<SimResult> => {
    runs += 1;
    return simulate({ ...optionsFor(scenario, seed), seed, throws: false, timeline: 'never', keepTrace: false, plan });
  };
  const streams = new RandomStreams(seed);
  const faults0 = resolveFaults({ ...base, seed }, streams, base.until ?? 30).plan.filter((fault) => fault.at < (base.until ?? 30));
  const names = workloadNames(base.clients);
  const requests0: Record<string, number> = Object.fromEntries(base.clients.map((workload, i) => [names[i]!, requestsOf(workload)]));
  let best = await attempt({ faults: faults0, requests: requests0 });
  if (best.ok) return null;
  const target = best.violations[0]!.invariant;
  const within = (): boolean => runs < SHRINK_RUNS;
  const fails = async (plan: SimPlan): Promise<boolean> => {
    const result = await attempt(plan);
    if (result.violations.some((violation) => violation.invariant === target)) {
      best = result;
      return true;
    }
    return false;
  };
  let faults = faults0;
  const requests = { ...requests0 };
  // Faults: delta debugging over the list.
  if (faults.length > 0 && (await fails({ faults: [], requests }))) faults = [];
  let chunks = 2;
  while (faults.length > 1 && within()) {
    const size = Math.ceil(faults.length / chunks);
    let removed = false;
    for (let i = 0; i < faults.length && within(); i += size) {
      const rest = [...faults.slice(0, i), ...faults.slice(i + size)];
      if (await fails({ faults: rest, requests })) {
        faults = rest;
        chunks = Math.max(chunks - 1, 2);
        removed = true;
        break;
      }
    }
    if (!removed) {
      if (size === 1) break;
      chunks = Math.min(faults.length, chunks * 2);
    }
  }
  // Requests: halve each workload's count while it still fails, then step down.
  for (const name of names) {
    while (requests[name]! > 1 && within()) {
      const fewer = Math.floor(requests[name]! / 2);
      if (!(await fails({ faults, requests: { ...requests, [name]: fewer } }))) break;
      requests[name] = fewer;
    }
    for (let step = 0; step < 8 && requests[name]! > 1 && within(); step++) {
      if (!(await fails({ faults, requests: { ...requests, [name]: requests[name]! - 1 } }))) break;
      requests[name] = requests[name]! - 1;
    }
  }
  // `best` is the run of the last plan that still failed: this one.
  const plan: SimPlan = { faults, requests };
  const result = best;
  const clientsOf = (counts: Record<string, number>): number =>
    base.clients.reduce((sum, workload, i) => sum + (workload.options.clients ?? 1) * counts[names[i]!]!, 0);
  return {
    result,
    plan: JSON.stringify(plan),
    description: [
      `still breaks ${target}:`,
      ...(faults.length === 0 ? ['no faults'] : faults.map((fault) => `fault ${describeFault(fault)}`)),
      ...names.map((name, i) => `${name}: ${base.clients[i]!.options.clients ?? 1} client(s) × ${requests[name]} request(s)`),
    ],
    before: { faults: faults0.length, requests: clientsOf(requests0) },
    after: { faults: faults.length, requests: clientsOf(requests) },
  };
}
