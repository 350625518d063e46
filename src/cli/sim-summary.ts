/**
 * @module
 * What a sweep keeps of one seed's run: a {@link SeedSummary} (seed,
 * outcome, digest, the first failure on one line, wall milliseconds) rather
 * than the whole SimResult, so that a worker's answer for a batch of
 * thousands of seeds stays small. The worker makes them, the sweep reads
 * them; the names of timeline files are shared here too.
 */
import { basename, extname } from 'node:path';
import type { SimResult } from '../testing/sim-result.js';

/** One seed of a sweep, as a worker reports it. */
export interface SeedSummary {
  readonly seed: number;
  /** True when the run broke no invariant; false also when the scenario threw or its worker died. */
  readonly ok: boolean;
  /** The run's trace digest; '' when there was no run to digest (the scenario threw, the worker died). */
  readonly digest: string;
  /** Why it failed, on one line: `invariant: message` for its first violation, `error: message` when the scenario threw; null when ok. */
  readonly failure: string | null;
  /** Wall-clock milliseconds the run took in the worker. */
  readonly wallMs: number;
  /** True when the worker wrote the seed's timeline (failing seeds only). */
  readonly timelineWritten: boolean;
  /** Something else to say about the seed on its FAIL line (the timeline could not be written…); null for nothing. */
  readonly note: string | null;
}

/** `text` on one line: line breaks and the blanks around them become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The message of something thrown, on one line. */
export function errorMessage(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

/** A failing result's first violation as `invariant: message`, on one line. */
export function firstViolation(result: SimResult): string {
  const violation = result.violations[0];
  // A result may say it failed without naming an invariant; say that rather than nothing.
  if (violation === undefined) return 'failed: the run reports no violation';
  return oneLine(`${violation.invariant}: ${violation.message}`);
}

/** The summary of a run that resolved. */
export function summarize(result: SimResult, wallMs: number, timelineWritten: boolean, note: string | null): SeedSummary {
  return {
    seed: result.seed,
    ok: result.ok,
    digest: result.digest,
    failure: result.ok ? null : firstViolation(result),
    wallMs,
    timelineWritten,
    note,
  };
}

/** The summary of a seed whose run rejected (a broken scenario) or whose worker died: a failure with the message. */
export function failedSummary(seed: number, failure: string, wallMs: number): SeedSummary {
  return { seed, ok: false, digest: '', failure, wallMs, timelineWritten: false, note: null };
}

/** The scenario's name in file names: the file's base name without its extension (`flaky` for `sims/flaky.mjs`). */
export function scenarioName(file: string): string {
  return basename(file, extname(file));
}

/** The name of a seed's timeline file, under the --out directory. */
export function timelineFileName(file: string, seed: number): string {
  return `${scenarioName(file)}-seed-${seed}.html`;
}
