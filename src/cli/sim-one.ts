/**
 * @module
 * `hio sim FILE --seed N`: one seed, run in-process keeping its trace, and
 * a report in words on stdout — the outcome, the digest, the virtual
 * duration, the requests by outcome, the fault profile, the faults that
 * fired (and whether each reached a connection), the violations, the
 * assertions (a `sometimes` that never held is flagged) and where the
 * timeline went. A failing seed's timeline is written under --out, or
 * wherever --timeline says whatever the outcome; a failing seed is then
 * shrunk unless --no-shrink.
 *
 * The scenario runs in this process: one that calls process.exit ends the
 * command with its code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SimResult } from '../testing/sim-result.js';
import { runScenario } from '../testing/scenario.js';
import { timelineHtml, writeChromeTrace } from '../testing/timeline.js';
import type { SimOneSettings } from './command-line.js';
import { ExitStatus } from './exit-status.js';
import { count, reportShrink } from './sim-replay.js';
import { errorMessage, timelineFileName } from './sim-summary.js';
import { scenarioRunOptions } from './sim-worker.js';

/** Width of the report's labels. */
const LABEL = 14;

/** Runs the seed, prints the report, and resolves with the exit status: 0 when it passes, 1 when it fails or throws. */
export async function runOne(settings: SimOneSettings, scenario: unknown): Promise<ExitStatus> {
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const title = `hio sim ${settings.file} --seed ${settings.seed}`;
  let result: SimResult;
  try {
    result = await runScenario(scenario, settings.seed, scenarioRunOptions(settings.plan, settings.checkDeterminism, true));
  } catch (error) {
    // A broken scenario: the whole stack helps here, where a sweep prints one line.
    print(`${title}: ERROR`);
    print(row('error', errorMessage(error)));
    const stack = error instanceof Error && error.stack !== undefined ? error.stack.split('\n').slice(1) : [];
    for (const line of stack) print(`${' '.repeat(LABEL)}${line.trim()}`);
    return ExitStatus.failed;
  }
  for (const line of report(title, result)) print(line);

  const timeline = settings.timeline ?? (result.ok ? null : join(settings.out, timelineFileName(settings.file, settings.seed)));
  if (timeline !== null) {
    try {
      await mkdir(dirname(timeline), { recursive: true });
      await writeFile(timeline, timelineHtml(result));
      print(row('timeline', timeline));
    } catch (error) {
      print(row('timeline', `not written: ${errorMessage(error)}`));
    }
  }
  if (settings.chromeTrace !== null) {
    try {
      print(row('trace', writeChromeTrace(result, settings.chromeTrace)));
    } catch (error) {
      print(row('trace', `not written: ${errorMessage(error)}`));
    }
  }
  if (result.ok) return ExitStatus.ok;
  if (settings.shrink) await reportShrink(scenario, settings.file, settings.seed, settings, print);
  return ExitStatus.failed;
}

/** The report of a run, one line each. */
export function report(title: string, result: SimResult): string[] {
  const lines: string[] = [];
  const failures = result.violations.length;
  lines.push(`${title}: ${result.ok ? 'PASS' : `FAIL (${count(failures, 'violation')})`}`);
  lines.push(row('digest', result.digest));
  lines.push(row('tyme', `${seconds(result.tyme)} virtual, ${result.wallMs.toFixed(1)} ms wall`));
  lines.push(row('requests', requestCounts(result)));
  lines.push(...rows('profile', result.profile.length === 0 ? ['none'] : result.profile));
  const reached = result.faults.filter((fault) => fault.reached).length;
  lines.push(...rows(`faults`, [`${result.faults.length} fired, ${reached} reached a connection`, ...table(result.faults.map(faultCells))]));
  lines.push(...rows('violations', [failures === 0 ? 'none' : String(failures), ...result.violations.map(violationLine)]));
  const assertions = result.assertions.map((assertion) => {
    const never = assertion.kind === 'sometimes' && assertion.passes === 0 ? '  NEVER TRUE' : '';
    return `${assertion.kind} ${assertion.name}: held ${assertion.passes} of ${assertion.evaluations}${never}`;
  });
  lines.push(...rows('assertions', assertions.length === 0 ? ['none'] : assertions));
  return lines;
}

/** The requests by outcome: "40: 35 × 200, 2 × ECONNRESET, 1 pending". */
function requestCounts(result: SimResult): string {
  const outcomes = new Map<string, number>();
  for (const request of result.requests) {
    const outcome = request.status !== null ? String(request.status) : request.error !== null ? request.error : request.end === null ? 'pending' : 'no status';
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  // Statuses in order, then error codes, then the pending ones.
  const rank = (outcome: string): string => (/^\d+$/.test(outcome) ? `0${outcome.padStart(3, '0')}` : outcome === 'pending' ? '2' : `1${outcome}`);
  const parts = [...outcomes]
    .sort(([a], [b]) => (rank(a) < rank(b) ? -1 : 1))
    .map(([outcome, n]) => (outcome === 'pending' ? `${n} pending` : `${n} × ${outcome}`));
  return parts.length === 0 ? '0' : `${result.requests.length}: ${parts.join(', ')}`;
}

function faultCells(fault: SimResult['faults'][number]): string[] {
  const when = fault.end === null ? seconds(fault.tyme) : `${fault.tyme.toFixed(3)}–${seconds(fault.end)}`;
  return [when, fault.kind, fault.target, fault.reached ? 'reached' : 'NOT REACHED'];
}

/** Rows of cells as lines, each column as wide as its widest cell, indented under the label's text. */
function table(cells: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return cells.map((row) => `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`);
}

function violationLine(violation: SimResult['violations'][number]): string {
  const conn = violation.conn === undefined ? '' : ` (conn ${violation.conn})`;
  return `  ${seconds(violation.tyme)}  ${violation.invariant}: ${violation.message}${conn}`;
}

/** Tyme in seconds, to the millisecond. */
function seconds(tyme: number): string {
  return `${tyme.toFixed(3)} s`;
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL - 2)}${text}`;
}

/** A label over several lines: the first beside it, the rest under the first. */
function rows(label: string, texts: readonly string[]): string[] {
  return texts.map((text, index) => (index === 0 ? row(label, text) : `${' '.repeat(LABEL)}${text}`));
}
