/**
 * @module
 * A `hio sim` sweep: every seed of a range (of this machine's shard of it)
 * on a {@link SimPool}, plus the seeds of the bank first.
 *
 * Seeds go to the workers in batches sized from the seeds' measured wall
 * time, about {@link TARGET_BATCH_MS} each (a few seeds when they are slow,
 * thousands when they take microseconds, so that messaging never dominates),
 * and smaller towards the end so the threads finish together. `jobs` lanes
 * each keep one batch in flight. A FAIL line is printed on stdout as each
 * batch comes back; progress goes to stderr; the summary, the digest of the
 * sweep and the shrink of the first failing seed come at the end, and the
 * new failing seeds are banked.
 *
 * A worker that dies (an uncaught error, process.exit) fails the seed it was
 * running, read from the batch's shared counter; the batch's other seeds run
 * again elsewhere. After {@link crashLimit} deaths in a row without a batch
 * finishing, the sweep stops. Ctrl-C stops it too: the pool is closed, the
 * partial summary printed, and the exit status is 130.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { SimSweepSettings } from './command-line.js';
import { ExitStatus } from './exit-status.js';
import { SeedBank, type BankOptions } from './sim-bank.js';
import { SweepDigest } from './sim-digest.js';
import { SimPool, tsxApiUrl } from './sim-pool.js';
import { SweepProgress } from './sim-progress.js';
import { count, replayCommand, reportShrink } from './sim-replay.js';
import { errorMessage, failedSummary, timelineFileName, type SeedSummary } from './sim-summary.js';
import { WORKER_LOAD_FAILURE, type SimBatch } from './sim-worker.js';

/** Wall milliseconds a batch aims at, once the seeds' speed is known. */
const TARGET_BATCH_MS = 100;
/** Seeds in a first batch, before any seed's speed is known. */
const FIRST_BATCH = 4;
const MAX_BATCH = 4096;
/** Batches per thread the seeds left should still make, so that the threads finish together. */
const TAIL_BATCHES = 4;

/** Worker deaths in a row, with no batch finishing between them, after which the sweep stops. */
function crashLimit(jobs: number): number {
  return Math.max(8, 2 * jobs);
}

/** Where seeds come from: the bank (replayed first) or the range. */
type Origin = 'bank' | 'range';

/** Seeds handed to one worker. */
interface Batch {
  readonly origin: Origin;
  readonly seeds: readonly number[];
}

/** The seeds of this machine's shard of the range: positions index − 1, index − 1 + count, … */
class ShardRange {
  readonly first: number;
  readonly last: number;
  readonly index: number;
  readonly stride: number;
  /** Seeds in this shard. */
  readonly size: number;

  constructor(settings: SimSweepSettings) {
    this.first = settings.first;
    this.last = settings.last;
    this.index = settings.shard.index;
    this.stride = settings.shard.count;
    const positions = settings.last - settings.first + 1;
    this.size = Math.max(0, Math.ceil((positions - (this.index - 1)) / this.stride));
  }

  /** The seed at `ordinal` (0-based) in this shard. */
  seedAt(ordinal: number): number {
    return this.first + this.index - 1 + ordinal * this.stride;
  }

  has(seed: number): boolean {
    return seed >= this.first && seed <= this.last && (seed - this.first) % this.stride === this.index - 1;
  }
}

/** The seeds still to hand out: seeds to run again after a worker died, then the bank's, then the range's. */
class SeedQueue {
  readonly #range: ShardRange;
  readonly #bank: readonly number[];
  readonly #again: Batch[] = [];
  #bankAt = 0;
  #rangeAt = 0;

  constructor(range: ShardRange, bank: readonly number[]) {
    this.#range = range;
    this.#bank = bank;
  }

  get remaining(): number {
    return this.#again.reduce((sum, batch) => sum + batch.seeds.length, 0) + this.#bank.length - this.#bankAt + this.#range.size - this.#rangeAt;
  }

  /** Seeds to run once more, ahead of the others. */
  putBack(batch: Batch): void {
    if (batch.seeds.length > 0) this.#again.push(batch);
  }

  /** The next batch of at most `size` seeds, all of one origin; null when none are left. */
  take(size: number): Batch | null {
    const again = this.#again.shift();
    if (again !== undefined) {
      if (again.seeds.length > size) this.#again.unshift({ origin: again.origin, seeds: again.seeds.slice(size) });
      return { origin: again.origin, seeds: again.seeds.slice(0, size) };
    }
    if (this.#bankAt < this.#bank.length) {
      const seeds = this.#bank.slice(this.#bankAt, this.#bankAt + size);
      this.#bankAt += seeds.length;
      return { origin: 'bank', seeds };
    }
    if (this.#rangeAt < this.#range.size) {
      const end = Math.min(this.#range.size, this.#rangeAt + size);
      const seeds: number[] = [];
      for (let ordinal = this.#rangeAt; ordinal < end; ordinal++) seeds.push(this.#range.seedAt(ordinal));
      this.#rangeAt = end;
      return { origin: 'range', seeds };
    }
    return null;
  }
}

/** A failing seed, kept for the bank and the shrink. */
interface Failure {
  readonly seed: number;
  readonly origin: Origin;
  readonly failure: string;
  /** False when the run gave no result (it threw, its worker died): nothing to shrink. */
  readonly ran: boolean;
}

/** Tallies of one origin. */
interface Tally {
  run: number;
  failed: number;
}

/** Why a sweep ended before its last seed; null while it runs or once it completed. */
type Stop =
  | { readonly reason: 'interrupted' }
  | { readonly reason: 'crashes'; readonly crashes: number }
  | { readonly reason: 'broken'; readonly message: string }
  | null;

/** Runs the sweep and resolves with the exit status. Throws HIO_ERR_INVALID_OPTION for a bank file that is not a bank. */
export async function sweep(settings: SimSweepSettings, scenario: unknown): Promise<ExitStatus> {
  const bank = settings.bank === null ? null : await SeedBank.open(settings.bank);
  const range = new ShardRange(settings);
  // Banked seeds this machine runs anyway are run once, with the range.
  const banked = bank === null ? [] : bank.seedsOf(settings.file).filter((seed) => !range.has(seed));
  const queue = new SeedQueue(range, banked);
  const total = queue.remaining;
  const replay = { plan: settings.plan, checkDeterminism: settings.checkDeterminism };
  const progress = new SweepProgress(process.stderr, total, !settings.quiet);
  const print = (line: string): void => {
    progress.clear();
    process.stdout.write(`${line}\n`);
  };
  const warn = (line: string): void => {
    progress.clear();
    process.stderr.write(`hio: ${line}\n`);
  };

  const tallies: Record<Origin, Tally> = { bank: { run: 0, failed: 0 }, range: { run: 0, failed: 0 } };
  const failures: Failure[] = [];
  const digest = new SweepDigest();
  /** Worker wall milliseconds over seeds run, for the batch size. */
  let workerMs = 0;
  let measured = 0;
  let crashesInARow = 0;
  // Cast, so that the checks after the awaits do not take it for always null: the lanes and the signal set it.
  let stop = null as Stop;
  /** Counters of the batches in flight, read for the progress. */
  const inFlight = new Set<Int32Array>();

  const record = (summary: SeedSummary, origin: Origin): void => {
    const tally = tallies[origin];
    tally.run += 1;
    workerMs += summary.wallMs;
    measured += 1;
    if (summary.ok) return;
    tally.failed += 1;
    failures.push({ seed: summary.seed, origin, failure: summary.failure ?? 'failed', ran: summary.digest !== '' });
    const timeline = summary.timelineWritten ? `  timeline: ${join(settings.out, timelineFileName(settings.file, summary.seed))}` : '';
    const note = summary.note === null ? '' : `  (${summary.note})`;
    const from = origin === 'bank' ? ' (bank)' : '';
    print(`FAIL seed ${summary.seed}${from}  ${summary.failure}  replay: ${replayCommand(settings.file, summary.seed, replay)}${timeline}${note}`);
  };

  const batchSize = (): number => {
    const perSeedMs = measured === 0 ? null : Math.max(workerMs / measured, 0.001);
    const size = perSeedMs === null ? FIRST_BATCH : Math.min(MAX_BATCH, Math.max(1, Math.floor(TARGET_BATCH_MS / perSeedMs)));
    return Math.min(size, Math.max(1, Math.ceil(queue.remaining / (settings.jobs * TAIL_BATCHES))));
  };

  const base = {
    scenarioUrl: pathToFileURL(resolve(settings.file)).href,
    file: settings.file,
    plan: settings.plan,
    checkDeterminism: settings.checkDeterminism,
    outDir: resolve(settings.out),
    tsxApi: tsxApiUrl(),
  };
  let batchesDone = 0;
  /** When the first batch began in a worker (epoch milliseconds): before it, the workers were starting. */
  let firstStartedAt = Infinity;
  /** Stops the sweep for good: the workers cannot run it. */
  const broken = (message: string): void => {
    if (stop !== null) return;
    stop = { reason: 'broken', message };
    // Batches under way reject at once; the close is awaited after the lanes.
    pool.close().catch(() => {});
  };
  const pool = new SimPool(settings.jobs, base.tsxApi, (message) => {
    // A worker that dies before any batch came back is one that cannot start: every other would too.
    if (batchesDone === 0) broken(message);
    else warn(`a worker thread died between batches: ${message}`);
  });

  const runBatch = async (batch: Batch): Promise<void> => {
    const task: SimBatch = { ...base, seeds: batch.seeds, progress: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) };
    const counter = new Int32Array(task.progress);
    inFlight.add(counter);
    try {
      const result = await pool.run(task);
      batchesDone += 1;
      crashesInARow = 0;
      firstStartedAt = Math.min(firstStartedAt, result.startedAt);
      for (const summary of result.summaries) record(summary, batch.origin);
      if (batch.origin === 'range') digest.merge(result.digestWords, result.summaries.length);
    } catch (error) {
      // Closed on Ctrl-C: the batches in flight are dropped.
      if (stop !== null) return;
      if (errorMessage(error).startsWith(WORKER_LOAD_FAILURE)) {
        broken(errorMessage(error));
        return;
      }
      // The seed it died on: the first not done, or the last when all were (a timer of its killed it on the way back).
      const done = Atomics.load(counter, 0);
      const blamed = Math.min(done, batch.seeds.length - 1);
      const seed = batch.seeds[blamed]!;
      record(failedSummary(seed, `worker died: ${errorMessage(error)}`, 0), batch.origin);
      if (batch.origin === 'range') digest.add(seed, '');
      queue.putBack({ origin: batch.origin, seeds: batch.seeds.filter((_, index) => index !== blamed) });
      crashesInARow += 1;
      if (crashesInARow >= crashLimit(settings.jobs)) stop = { reason: 'crashes', crashes: crashesInARow };
    } finally {
      inFlight.delete(counter);
    }
  };

  const lane = async (): Promise<void> => {
    for (;;) {
      if (stop !== null) return;
      const batch = queue.take(batchSize());
      if (batch === null) return;
      await runBatch(batch);
    }
  };

  const done = (): number => {
    let running = 0;
    for (const counter of inFlight) running += Atomics.load(counter, 0);
    return tallies.bank.run + tallies.range.run + running;
  };
  const failed = (): number => tallies.bank.failed + tallies.range.failed;

  const onSignal = (): void => {
    if (stop?.reason === 'interrupted') {
      // A second Ctrl-C while the pool closes: out now.
      process.exit(ExitStatus.interrupted);
    }
    stop = { reason: 'interrupted' };
    pool.close().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  const timer = setInterval(() => progress.update(done(), failed()), 100);
  const start = performance.now();
  const startedAt = performance.timeOrigin + start;
  try {
    await Promise.all(Array.from({ length: settings.jobs }, lane));
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    await pool.close();
  }
  const wallMs = performance.now() - start;
  progress.update(done(), failed());
  progress.finish();

  const ended = stop;
  if (ended?.reason === 'crashes') warn(`${ended.crashes} worker threads died in a row: the sweep stopped (${queue.remaining} seeds not run)`);
  if (ended?.reason === 'broken') warn(`the sweep stopped: ${ended.message}`);
  const startupMs = Number.isFinite(firstStartedAt) ? Math.max(0, firstStartedAt - startedAt) : wallMs;
  printSummary(settings, range, { tallies, digest, wallMs, startupMs, stop: ended, bankedSeeds: banked.length });

  // New failing seeds of the range go to the bank (banked ones are there already).
  if (bank !== null) {
    const options: BankOptions = { ...(settings.checkDeterminism && { checkDeterminism: true }), ...(settings.plan !== null && { plan: settings.plan }) };
    const added = bank.add(
      settings.file,
      failures.filter((failure) => failure.origin === 'range'),
      options,
    );
    if (added > 0) {
      try {
        await bank.save();
        print(`banked: ${count(added, 'new failing seed')} in ${bank.path}`);
      } catch (error) {
        warn(`cannot write the seed bank ${JSON.stringify(bank.path)}: ${errorMessage(error)}`);
      }
    }
  }

  if (ended?.reason === 'interrupted') return ExitStatus.interrupted;
  if (settings.shrink) {
    // The smallest failing seed that ran to a result: the range's first, else the bank's.
    const first = failures.filter((failure) => failure.ran).sort((a, b) => (a.origin === b.origin ? a.seed - b.seed : a.origin === 'range' ? -1 : 1))[0];
    if (first !== undefined) await reportShrink(scenario, settings.file, first.seed, replay, print);
  }
  return failures.length > 0 || ended !== null ? ExitStatus.failed : ExitStatus.ok;
}

/** What the summary reports. */
interface SweepFigures {
  readonly tallies: Readonly<Record<Origin, Tally>>;
  readonly digest: SweepDigest;
  readonly wallMs: number;
  /** Of which the workers spent starting (loading the worker and the scenario), until the first batch began. */
  readonly startupMs: number;
  readonly stop: Stop;
  /** Banked seeds queued for replay. */
  readonly bankedSeeds: number;
}

/** The summary on stdout, one `name: value` line each. */
function printSummary(settings: SimSweepSettings, range: ShardRange, figures: SweepFigures): void {
  const { tallies, digest, wallMs, stop } = figures;
  const ran = tallies.bank.run + tallies.range.run;
  const lines: string[] = [];
  const shard = settings.shard.count === 1 ? 'all of it' : `shard ${settings.shard.index}/${settings.shard.count}: ${count(range.size, 'seed')}`;
  lines.push(`sweep: ${settings.file} seeds ${settings.first}..${settings.last} (${shard})`);
  const why = { interrupted: 'interrupted', crashes: 'stopped: workers kept dying', broken: 'stopped: the workers cannot run it' } as const;
  const unfinished = stop === null ? '' : ` of ${range.size} (${why[stop.reason]})`;
  lines.push(`seeds: ${tallies.range.run} run${unfinished}, ${tallies.range.run - tallies.range.failed} passed, ${tallies.range.failed} failed`);
  const seconds = wallMs / 1000;
  const running = (wallMs - figures.startupMs) / 1000;
  const rate = (time: number): number => (time > 0 ? Math.round(ran / time) : 0);
  lines.push(
    `wall: ${seconds.toFixed(3)} s (${(figures.startupMs / 1000).toFixed(3)} s starting the workers), ` +
      `${rate(seconds)} seeds/s (${rate(running)} once started), ${count(settings.jobs, 'job')}, shard ${settings.shard.index}/${settings.shard.count}`,
  );
  lines.push(
    stop === null
      ? `digest: ${digest.hex()} (of ${count(digest.count, 'seed')}: the same for any --jobs; the shards' digests add up to the range's, mod 2^128)`
      : `digest: none (the sweep did not finish)`,
  );
  if (settings.bank === null) lines.push('bank: off (--no-bank)');
  else if (figures.bankedSeeds === 0) lines.push(`bank: no other seeds banked for this scenario in ${settings.bank}`);
  else lines.push(`bank: ${count(tallies.bank.run, 'seed')} replayed, ${tallies.bank.failed} ${tallies.bank.failed === 1 ? 'fails' : 'fail'}`);
  for (const line of lines) process.stdout.write(`${line}\n`);
}
