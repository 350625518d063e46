/**
 * @module
 * The commands that replay a seed of `hio sim`, and the shrink of a failing
 * seed to a smaller plan that still fails, printed with the command that
 * replays that plan. A replay command repeats the scenario file as the user
 * typed it and every option that changes a run (--check-determinism,
 * --plan), each word quoted for a POSIX shell when it needs to be, so it can
 * be pasted as it is.
 */
import { shrinkScenario, type ShrinkOutcome } from '../testing/scenario.js';
import { errorMessage, firstViolation } from './sim-summary.js';

/** The options that change a run, which a replay must repeat. */
export interface ReplayOptions {
  readonly plan: string | null;
  readonly checkDeterminism: boolean;
}

/** `word` as one word for a POSIX shell: as it is when it is plain, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  // Inside single quotes nothing is special but the quote itself: close, escape it, reopen.
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs `seed` of `file` alone, with the same options. */
export function replayCommand(file: string, seed: number, options: ReplayOptions): string {
  const words = ['hio', 'sim', file, '--seed', String(seed)];
  if (options.checkDeterminism) words.push('--check-determinism');
  if (options.plan !== null) words.push('--plan', options.plan);
  return words.map(shellQuote).join(' ');
}

/** Counts in words: "1 fault", "3 requests". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Shrinks a failing seed and prints what came of it with `print` (one call
 * a line): the plan's size before and after, the plan in words, and the
 * command replaying it; or why there is nothing to show. `shrink` is
 * shrinkScenario but in tests.
 */
export async function reportShrink(
  scenario: unknown,
  file: string,
  seed: number,
  options: ReplayOptions,
  print: (line: string) => void,
  shrink: (scenario: unknown, seed: number) => Promise<ShrinkOutcome | null> = shrinkScenario,
): Promise<void> {
  let outcome;
  try {
    outcome = await shrink(scenario, seed);
  } catch (error) {
    print(`shrink: seed ${seed}: the shrink failed: ${errorMessage(error)}`);
    return;
  }
  if (outcome === null) {
    print(`shrink: seed ${seed}: this scenario cannot be shrunk (a hand-written scenario runs as it is)`);
    return;
  }
  const { before, after } = outcome;
  const verdict = outcome.result.ok ? 'passes (the shrink lost the failure)' : `fails with ${firstViolation(outcome.result)}`;
  print(
    `shrink: seed ${seed}: ${count(before.faults, 'fault')}, ${count(before.requests, 'request')} -> ${count(after.faults, 'fault')}, ${count(after.requests, 'request')}; ${verdict}`,
  );
  for (const line of outcome.description) print(`  ${line}`);
  print(`  replay: ${replayCommand(file, seed, { ...options, plan: outcome.plan })}`);
}
