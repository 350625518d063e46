/**
 * @module
 * The InlineOffload: an {@link Offloader} for simulations and tests. Tasks
 * are plain functions of this process, run on virtual tyme: each takes a
 * seeded draw of `latency` seconds, and the pool has the worker pool's
 * semantics — `threads` running at once, `maxQueue` waiting (one more
 * refused with HIO_ERR_OFFLOAD_BUSY), tymeouts, signals, close — so an
 * application that offloads runs in a simulation unchanged and sheds load
 * there as it would on real threads.
 *
 * Faults are injected at seeded rates: a `crash` fails the task with
 * HIO_ERR_OFFLOAD_CRASHED at the end of its latency (the task is not
 * called: its worker died first); a `hang` never finishes, so only its
 * tymeout (or its signal, or close) ends it. Arguments and results are
 * structured-cloned, as they would be on their way to and from a worker.
 *
 * Randomness comes from `seed` or `random` when given; otherwise a
 * simulation hands the pool one of its labelled streams ({@link reset}), so
 * the run's seed reproduces the pool's draws too.
 */
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { Prng, type Random } from '../core/prng.js';
import { OffloadPool, type OffloadJob, type OffloadOutcome, type OffloadPoolOptions } from './offload.js';

/** A task of an inline pool: it takes the (cloned) args; it may return a promise. */
export type InlineTask = (args: never) => unknown;

/** A source of numbers in [0, 1): a {@link Random} or a plain function. */
export type RandomSource = Random | (() => number);

/** Options of an {@link InlineOffload}. */
export interface InlineOffloadOptions extends OffloadPoolOptions {
  /** The tasks by name. */
  readonly tasks: Readonly<Record<string, InlineTask>>;
  /** Seed of the pool's own generator (default: a simulation's stream, else 1). */
  readonly seed?: number;
  /** The pool's own randomness, instead of a seed. */
  readonly random?: RandomSource;
  /** Seconds of tyme a task takes, drawn uniformly between the two (default [0, 0]). */
  readonly latency?: readonly [number, number];
  /** Share of tasks whose worker crashes (0 to 1, default 0). */
  readonly crash?: number;
  /** Share of tasks that never finish (0 to 1, default 0). */
  readonly hang?: number;
}

const KNOWN = ['tasks', 'seed', 'random', 'latency', 'crash', 'hang', 'threads', 'maxQueue', 'tymeout', 'retryAfter'];

/** A task on a thread: when it is due, how it ends, and its outcome once known (a promise-returning task settles later). */
interface Run {
  readonly due: number;
  outcome: OffloadOutcome | null;
}

/** A pool of virtual threads running plain functions on tyme. */
export class InlineOffload extends OffloadPool {
  /** The tasks by name. */
  readonly tasks: Readonly<Record<string, InlineTask>>;
  /** Seconds of tyme per task, least and most. */
  readonly latency: readonly [number, number];
  /** Share of tasks that crash. */
  readonly crash: number;
  /** Share of tasks that hang. */
  readonly hang: number;
  readonly #seed: number | null;
  readonly #ownRandom: (() => number) | null;
  #random: () => number;
  readonly #waiting = new Set<OffloadJob>();
  readonly #running = new Map<OffloadJob, Run>();

  constructor(options: InlineOffloadOptions) {
    checkOptions('InlineOffload', options, KNOWN);
    super('InlineOffload', options, 1);
    const { tasks, seed, random, latency = [0, 0], crash = 0, hang = 0 } = options;
    if (typeof tasks !== 'object' || tasks === null || Object.values(tasks).some((task) => typeof task !== 'function'))
      throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: tasks must map names to functions');
    this.tasks = tasks;
    if (!Array.isArray(latency) || latency.length !== 2 || !latency.every((s) => Number.isFinite(s) && s >= 0) || latency[0] > latency[1])
      throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: latency must be [min, max] seconds, 0 <= min <= max');
    this.latency = [latency[0], latency[1]];
    this.crash = share('crash', crash);
    this.hang = share('hang', hang);
    if (this.crash + this.hang > 1) throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: crash + hang must be at most 1');
    if (seed !== undefined && random !== undefined) throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: give seed or random, not both');
    if (seed !== undefined && !Number.isInteger(seed)) throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: seed must be an integer');
    this.#seed = seed ?? null;
    this.#ownRandom = random === undefined ? null : draw(random);
    this.#random = this.#ownRandom ?? seeded(seed ?? 1);
  }

  /** True when the pool draws from its own seed or random, not from what a simulation hands it. */
  get ownsRandom(): boolean {
    return this.#seed !== null || this.#ownRandom !== null;
  }

  get running(): number {
    return this.#running.size;
  }

  /**
   * Starts afresh, as for a new run: pending tasks rejected
   * (HIO_ERR_OFFLOAD_CLOSED), counters zeroed, the pool open, and its
   * generator restarted from its seed — or, without a seed or random of its
   * own, taken from `fallback` (a simulation's stream for this pool).
   */
  reset(fallback?: RandomSource): void {
    this.close();
    this.clearCounts();
    this.reopen();
    if (this.#seed !== null) this.#random = seeded(this.#seed);
    else if (this.#ownRandom !== null) this.#random = this.#ownRandom;
    else this.#random = fallback === undefined ? seeded(1) : draw(fallback);
  }

  protected begin(job: OffloadJob): void {
    this.#waiting.add(job);
    // The next pass starts it when a thread is free.
    this.waker?.();
  }

  protected cancel(job: OffloadJob): void {
    // A running task's worker is replaced at once: its thread takes the next task in the next pass.
    if (!this.#waiting.delete(job)) this.#running.delete(job);
  }

  protected shutdown(): void {
    this.#waiting.clear();
    this.#running.clear();
  }

  protected override progress(tyme: number): void {
    for (const [job, run] of this.#running) {
      if (run.due > tyme || run.outcome === null) continue;
      this.#running.delete(job);
      this.finish(job, run.outcome);
    }
  }

  protected override refill(tyme: number): void {
    for (const job of this.#waiting) {
      if (this.#running.size >= this.threads) break;
      this.#waiting.delete(job);
      this.#start(job, tyme);
    }
  }

  protected override backendDue(): number {
    let due = this.#waiting.size > 0 && this.#running.size < this.threads ? this.tyme : Infinity;
    for (const run of this.#running.values()) if (run.outcome !== null && run.due < due) due = run.due;
    return due;
  }

  /** Puts a task on a thread: draws its fate and latency, then calls it unless it crashes or hangs. */
  #start(job: OffloadJob, tyme: number): void {
    // Both draws every time, whatever the rates: the stream stays aligned across settings.
    const fate = this.#random();
    const spread = this.#random();
    const [least, most] = this.latency;
    const latency = least + spread * (most - least);
    if (fate < this.crash) {
      const cause = new Error('the worker exited (an injected crash)');
      this.#running.set(job, {
        due: tyme + latency,
        outcome: { ok: false, error: this.error('HIO_ERR_OFFLOAD_CRASHED', `the worker died running task ${job.task}`, cause) },
      });
      return;
    }
    if (fate < this.crash + this.hang) {
      this.#running.set(job, { due: Infinity, outcome: null });
      return;
    }
    const run: Run = { due: tyme + latency, outcome: null };
    this.#running.set(job, run);
    const task = Object.hasOwn(this.tasks, job.task) ? this.tasks[job.task] : undefined;
    if (task === undefined) {
      run.outcome = { ok: false, error: new HioError('HIO_ERR_INVALID_OPTION', `InlineOffload: no task named ${JSON.stringify(job.task)}`) };
      return;
    }
    let result: unknown;
    try {
      result = task(structuredClone(job.args) as never);
    } catch (error) {
      run.outcome = { ok: false, error };
      return;
    }
    if (!isPromiseLike(result)) {
      run.outcome = cloned(result);
      return;
    }
    Promise.resolve(result).then(
      (value) => this.#settled(job, run, cloned(value)),
      (error: unknown) => this.#settled(job, run, { ok: false, error }),
    );
  }

  /** A promise-returning task settled between passes: its outcome waits for its due tyme. */
  #settled(job: OffloadJob, run: Run, outcome: OffloadOutcome): void {
    run.outcome = outcome;
    if (this.#running.get(job) === run) this.waker?.();
  }
}

/** What a worker would send back: a clone of the value (a value that cannot be cloned fails the task). */
function cloned(value: unknown): OffloadOutcome {
  try {
    return { ok: true, value: structuredClone(value) };
  } catch (error) {
    return { ok: false, error };
  }
}

function seeded(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

function draw(random: RandomSource): () => number {
  if (typeof random === 'function') return random;
  if (typeof random === 'object' && random !== null && typeof random.next === 'function') return () => random.next();
  throw new HioError('HIO_ERR_INVALID_OPTION', 'InlineOffload: random must be a function or have next()');
}

function share(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new HioError('HIO_ERR_INVALID_OPTION', `InlineOffload: ${name} must be between 0 and 1`);
  return value;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
