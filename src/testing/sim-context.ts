/**
 * @module
 * The running simulation, as application code and assertions see it: its
 * tyme, its seeded random, and the `always` / `sometimes` assertions
 * (Antithesis's idea): `always(condition, name)` must hold every time it is
 * evaluated; `sometimes(condition, name)` must hold at least once in a run,
 * or the run fails saying so — the check that a test's interesting case
 * happened at all. The context follows the simulation's async work
 * (AsyncLocalStorage), so two simulations in one process never mix; outside
 * any simulation the assertions do nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SimAssertionRecord } from './sim-result.js';

/** What a running simulation offers the code inside it. */
export interface SimContext {
  /** The simulation's tyme, seconds. */
  readonly tyme: () => number;
  /** The simulation's seeded random in [0, 1), a stream of its own. */
  readonly random: () => number;
  /** Takes one evaluation of an assertion. */
  readonly assert: (kind: 'always' | 'sometimes', name: string, holds: boolean, details: unknown) => void;
}

const storage = new AsyncLocalStorage<SimContext>();

/** Runs `fn` with `context` as the current simulation, for it and the async work it starts. */
export function withSimContext<T>(context: SimContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The simulation the caller runs in, or undefined outside any. */
export function currentSimulation(): SimContext | undefined {
  return storage.getStore();
}

/** Asserts that `condition` holds every time this is evaluated in a simulation; a false one fails the run. */
export function always(condition: boolean, name: string, details?: unknown): void {
  storage.getStore()?.assert('always', name, condition, details);
}

/** Asserts that `condition` holds at least once in a simulation's run; a run where it never did fails. */
export function sometimes(condition: boolean, name: string, details?: unknown): void {
  storage.getStore()?.assert('sometimes', name, condition, details);
}

/** Keeps the tallies of a run's assertions and the first failure of each `always`. */
export class AssertionLog {
  readonly #records = new Map<string, SimAssertionRecord>();
  readonly #failed = new Map<string, string>();

  take(kind: 'always' | 'sometimes', name: string, holds: boolean, details: unknown, tyme: number): string | null {
    const key = `${kind}:${name}`;
    let record = this.#records.get(key);
    if (record === undefined) {
      record = { name, kind, evaluations: 0, passes: 0 };
      this.#records.set(key, record);
    }
    record.evaluations += 1;
    if (holds) {
      record.passes += 1;
      return null;
    }
    if (kind === 'sometimes' || this.#failed.has(key)) return null;
    const message = `always(${JSON.stringify(name)}) was false at ${tyme.toFixed(3)} s${details === undefined ? '' : `: ${describe(details)}`}`;
    this.#failed.set(key, message);
    return message;
  }

  get records(): SimAssertionRecord[] {
    return [...this.#records.values()];
  }
}

function describe(details: unknown): string {
  try {
    return typeof details === 'string' ? details : JSON.stringify(details);
  } catch {
    return String(details);
  }
}
