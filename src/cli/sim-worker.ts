/**
 * @module
 * The worker side of a `hio sim` sweep: tinypool loads this module once per
 * worker thread and calls its default export with a {@link SimBatch}, a
 * batch of seeds rather than one seed, so that messaging costs once per
 * batch. The worker imports the scenario file once and keeps it; it runs
 * each seed without keeping the trace, and for a failing seed runs it again
 * keeping the trace to write its timeline. It answers with one small
 * {@link SeedSummary} per seed, never the SimResult, and the batch's part
 * of the sweep's digest.
 *
 * While it runs, the batch's shared counter says how many of its seeds are
 * done: the sweep reads it for its progress bar, and if the worker dies, to
 * know which seed it died on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isScenario, runScenario, type RunScenarioOptions } from '../testing/scenario.js';
import { timelineHtml } from '../testing/timeline.js';
import { SweepDigest } from './sim-digest.js';
import { errorMessage, failedSummary, summarize, timelineFileName, type SeedSummary } from './sim-summary.js';

/** How the message of a batch that failed because a worker could not load its module or the scenario starts: the sweep stops on it. */
export const WORKER_LOAD_FAILURE = 'a worker thread cannot load ';

/** One task of the pool: seeds to run with the sweep's options. Structured-cloned to the worker. */
export interface SimBatch {
  /** The scenario module, as a file URL. */
  readonly scenarioUrl: string;
  /** The scenario file as typed, which names the timeline files. */
  readonly file: string;
  /** The seeds to run, in order. */
  readonly seeds: readonly number[];
  /** --plan, or null. */
  readonly plan: string | null;
  /** --check-determinism. */
  readonly checkDeterminism: boolean;
  /** Absolute directory failing seeds' timelines are written to. */
  readonly outDir: string;
  /** An Int32Array of one element over it counts the seeds of this batch done; the worker stores it after each seed. */
  readonly progress: SharedArrayBuffer;
  /** tsx's ESM API when the parent runs under tsx: registered in the worker for a .ts scenario. */
  readonly tsxApi: string | null;
}

/** What a worker answers for a batch. */
export interface SimBatchResult {
  /** One per seed, in the batch's order. */
  readonly summaries: readonly SeedSummary[];
  /** The batch's seeds' part of the sweep's digest: {@link SweepDigest#words}. */
  readonly digestWords: readonly number[];
  /** When the worker began the batch, in milliseconds since the epoch (high resolution): the sweep measures the workers' start from it. */
  readonly startedAt: number;
}

/** The options of runScenario for a run of a sweep or of one seed. */
export function scenarioRunOptions(plan: string | null, checkDeterminism: boolean, keepTrace: boolean): RunScenarioOptions {
  return { keepTrace, checkDeterminism, ...(plan !== null && { plan }) };
}

/** Scenario modules' default exports by URL: each is imported once per worker. */
const scenarios = new Map<string, Promise<unknown>>();

function scenarioAt(url: string, tsxApi: string | null): Promise<unknown> {
  let scenario = scenarios.get(url);
  if (scenario === undefined) {
    scenario = importScenario(url, tsxApi).then(
      (module) => {
        // The sweep checked the file before starting; a file changed since then is caught here.
        if (!isScenario(module.default)) throw new Error(`${WORKER_LOAD_FAILURE}${url}: it does not export a scenario as its default`);
        return module.default;
      },
      (error: unknown) => {
        throw new Error(`${WORKER_LOAD_FAILURE}${url}: ${errorMessage(error)}`, { cause: error });
      },
    );
    scenarios.set(url, scenario);
  }
  return scenario;
}

/** Imports a scenario module; a .ts one under a parent running tsx gets tsx's hooks registered in this worker first (Node 20 leaves them out). */
async function importScenario(url: string, tsxApi: string | null): Promise<{ default?: unknown }> {
  try {
    return (await import(url)) as { default?: unknown };
  } catch (error) {
    if (tsxApi === null || (error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const api = (await import(tsxApi)) as { register(): unknown };
    api.register();
    // Another URL: the failed import may be remembered under the first.
    return (await import(`${url}?tsx`)) as { default?: unknown };
  }
}

/** Runs every seed of `batch` in order and resolves with their summaries. Rejects only when the scenario cannot be loaded ({@link WORKER_LOAD_FAILURE}). */
export default async function runBatch(batch: SimBatch): Promise<SimBatchResult> {
  const startedAt = performance.timeOrigin + performance.now();
  const scenario = await scenarioAt(batch.scenarioUrl, batch.tsxApi);
  const done = new Int32Array(batch.progress);
  const digest = new SweepDigest();
  const summaries: SeedSummary[] = [];
  for (const seed of batch.seeds) {
    const summary = await runSeed(scenario, seed, batch);
    summaries.push(summary);
    digest.add(seed, summary.digest);
    Atomics.store(done, 0, summaries.length);
  }
  return { summaries, digestWords: digest.words(), startedAt };
}

/** One seed: a run without the trace, then, when it fails, a run with it for the timeline. */
async function runSeed(scenario: unknown, seed: number, batch: SimBatch): Promise<SeedSummary> {
  const start = performance.now();
  let result;
  try {
    result = await runScenario(scenario, seed, scenarioRunOptions(batch.plan, batch.checkDeterminism, false));
  } catch (error) {
    // A broken scenario: that seed fails with the message, the sweep goes on.
    return failedSummary(seed, `error: ${errorMessage(error)}`, performance.now() - start);
  }
  const wallMs = performance.now() - start;
  if (result.ok) return summarize(result, wallMs, false, null);
  let note: string | null = null;
  let written = false;
  try {
    const traced = await runScenario(scenario, seed, scenarioRunOptions(batch.plan, batch.checkDeterminism, true));
    if (traced.ok) note = 'the run keeping the trace for the timeline passed: this seed does not reproduce';
    else if (traced.digest !== result.digest) note = 'the run keeping the trace for the timeline has another digest: this seed does not reproduce';
    await mkdir(batch.outDir, { recursive: true });
    await writeFile(join(batch.outDir, timelineFileName(batch.file, seed)), timelineHtml(traced));
    written = true;
  } catch (error) {
    note = `no timeline: ${errorMessage(error)}`;
  }
  return summarize(result, wallMs, written, note);
}
