/**
 * @module
 * Offloading: blocking work run off the I/O loop, its completion delivered
 * as a fact the next server pass consumes, like bytes on a socket. An
 * {@link Offloader} is a pool with one method an application awaits,
 * `offload(task, args)`, and the lifecycle of any I/O component (`wind`,
 * `reopen`, `service`, `close`, a waker and a `nextDue`), so an AppServer
 * given one services it every pass it runs.
 *
 * {@link OffloadPool} is what both pools share: the ledger of accepted tasks,
 * the bound (at most `threads` running plus `maxQueue` waiting; one more is
 * refused at once with HIO_ERR_OFFLOAD_BUSY), the tymeouts — checked in
 * `service()` against the server's tyme, never on a wall-clock timer, so a
 * simulation stays virtual — the caller's AbortSignal, and the counters. A
 * completion the backend reports between passes is queued and wakes the
 * server; the next pass settles the caller's promise. The backends are
 * {@link WorkerOffload} (worker threads through tinypool) and
 * {@link InlineOffload} (the same semantics on virtual tyme, for simulations).
 *
 * {@link shedResponse} is how a fetch application's unhandled offload error
 * is answered: 503 with Retry-After for a full queue or a closed pool, 504
 * for a tymeout; a crash stays a fault (500).
 */
import type { Transferable } from 'node:worker_threads';
import { HioError, OffloadError } from '../core/errors.js';
import { MinHeap } from '../core/min-heap.js';
import { checkSeconds, checkTock } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import type { Serviceable } from '../doing/service-doer.js';

/** Options of one {@link Offloader.offload} call. */
export interface OffloadOptions {
  /** Aborting it removes a waiting task or cancels a running one; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Seconds of tyme the task may take from now, waiting included (default the pool's; Infinity: no limit). */
  readonly tymeout?: number;
  /** Objects moved to the worker rather than copied (ArrayBuffers, MessagePorts); ignored by an inline pool. */
  readonly transferList?: readonly Transferable[];
}

/** Runs a task of the pool by name; see {@link Offloader.offload}. */
export type OffloadFunction = <T = unknown>(task: string, args?: unknown, options?: OffloadOptions) => Promise<T>;

/** Settings shared by both pools. */
export interface OffloadPoolOptions {
  /** Tasks running at once (default: an inline pool 1; a worker pool the machine's parallelism less one, at least 1). */
  readonly threads?: number;
  /** Tasks waiting for a thread, at most; one more is refused with HIO_ERR_OFFLOAD_BUSY (default 64). */
  readonly maxQueue?: number;
  /** Default seconds of tyme a task may take from its offload() call, waiting included (default 30; Infinity: no limit). */
  readonly tymeout?: number;
  /** Seconds a 503 for a full queue or a closed pool tells the client to wait, in Retry-After (default 1). */
  readonly retryAfter?: number;
}

/** Defaults of {@link OffloadPoolOptions}. */
export const OFFLOAD_DEFAULTS = Object.freeze({ maxQueue: 64, tymeout: 30, retryAfter: 1 });

/**
 * A pool running tasks off the I/O loop. `offload` is bound: `const {
 * offload } = pool` works. One server (or one ServiceDoer) drives a pool.
 */
export interface Offloader extends Serviceable {
  /**
   * Runs `task` with `args` and resolves with what it returned, in the first
   * pass after it finished. Rejects with the task's own error when it threw,
   * with OffloadError HIO_ERR_OFFLOAD_BUSY at once when the queue is full,
   * HIO_ERR_OFFLOAD_TIMEOUT once its tymeout passed (the task cancelled),
   * HIO_ERR_OFFLOAD_CRASHED when its worker died under it,
   * HIO_ERR_OFFLOAD_CLOSED when the pool is or gets closed, and with the
   * signal's reason when the signal aborts.
   */
  readonly offload: OffloadFunction;
  /** Tasks running at once. */
  readonly threads: number;
  /** Tasks waiting, at most. */
  readonly maxQueue: number;
  /** Default tymeout of a task, seconds. */
  readonly tymeout: number;
  /** Retry-After seconds of a 503. */
  readonly retryAfter: number;
  /** Tasks accepted and not settled yet. */
  readonly pending: number;
  /** Tasks waiting for a thread. */
  readonly queued: number;
  /** Tasks on a thread. */
  readonly running: number;
  /** Tasks that resolved. */
  readonly completed: number;
  /** Tasks that rejected with their own error or a crash. */
  readonly failed: number;
  /** Tasks whose worker died under them (counted in failed too). */
  readonly crashed: number;
  /** Tasks cancelled at their tymeout. */
  readonly timedOut: number;
  /** Tasks refused because the queue was full. */
  readonly rejectedBusy: number;
  /** Tasks ended by their signal or by close(). */
  readonly cancelled: number;
  /** True once closed, until reopened. */
  readonly closed: boolean;
  /** Takes faults outside any task (a worker dying idle, a module failing to load); the server sets it. */
  onFault: ((error: unknown) => void) | null;
  /** Tyme at which the pool next needs a pass: a completion to settle, a tymeout, a task due (Infinity: only on a wake). */
  nextDue(): number;
}

/** A settled result: a value, or an error. */
export type OffloadOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** One accepted task, as the pool and its backend see it. */
export class OffloadJob {
  /** The tyme by which it must be settled (Infinity: none). */
  readonly deadline: number;
  /** What the backend keeps with it (its AbortController, its place in the queue). */
  backend: unknown = null;
  /** Set by the pool once the promise settled or is about to be. */
  settled = false;
  readonly task: string;
  readonly args: unknown;
  readonly transferList: readonly Transferable[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | null;
  onAbort: (() => void) | null = null;

  constructor(task: string, args: unknown, options: OffloadOptions, deadline: number, resolve: (value: unknown) => void, reject: (error: unknown) => void) {
    this.task = task;
    this.args = args;
    this.transferList = options.transferList ?? [];
    this.signal = options.signal ?? null;
    this.deadline = deadline;
    this.resolve = resolve;
    this.reject = reject;
  }
}

/**
 * The ledger both pools share; a backend says how a task starts, stops and
 * finishes. Backends call {@link finish} when a task ended; the pool does
 * the rest.
 */
export abstract class OffloadPool implements Offloader {
  readonly threads: number;
  readonly maxQueue: number;
  readonly tymeout: number;
  readonly retryAfter: number;
  waker: (() => void) | null = null;
  onFault: ((error: unknown) => void) | null = null;
  #tymth: Tymth | null = null;
  #closed = false;
  readonly #jobs = new Set<OffloadJob>();
  #finished: Array<{ job: OffloadJob; outcome: OffloadOutcome }> = [];
  readonly #deadlines = new MinHeap<OffloadJob>();
  /** What nextDue() last told the scheduler; -Infinity during a pass (nothing to wake then). */
  #reportedDue = Infinity;
  #inPass = false;
  #counts = { completed: 0, failed: 0, crashed: 0, timedOut: 0, rejectedBusy: 0, cancelled: 0 };

  protected constructor(owner: string, options: OffloadPoolOptions, defaultThreads: number) {
    this.threads = whole(owner, 'threads', options.threads ?? defaultThreads, 1);
    this.maxQueue = whole(owner, 'maxQueue', options.maxQueue ?? OFFLOAD_DEFAULTS.maxQueue, 0);
    this.tymeout = checkTock(owner, options.tymeout ?? OFFLOAD_DEFAULTS.tymeout);
    this.retryAfter = checkSeconds(owner, 'retryAfter', options.retryAfter ?? OFFLOAD_DEFAULTS.retryAfter);
  }

  /** Hands an accepted task to the backend (between passes, from the caller). */
  protected abstract begin(job: OffloadJob): void;
  /** Stops a task that will not be waited for any more (tymeout, signal): dequeue it, or cancel it where it runs. */
  protected abstract cancel(job: OffloadJob): void;
  /** Releases the backend's resources; pending tasks are already rejected. */
  protected abstract shutdown(): void;
  /** Tasks on a thread now. */
  abstract get running(): number;
  /** The backend's part of a pass, before completions settle (an inline pool finishes tasks due now). */
  protected progress(_tyme: number): void {}
  /** The backend's part of a pass, after tymeouts (an inline pool starts waiting tasks on free threads). */
  protected refill(_tyme: number): void {}
  /** Tyme at which the backend next needs a pass (Infinity: only on a wake). */
  protected backendDue(): number {
    return Infinity;
  }

  readonly offload: OffloadFunction = <T = unknown>(task: string, args?: unknown, options: OffloadOptions = {}): Promise<T> => {
    if (this.#closed) return Promise.reject(this.#error('HIO_ERR_OFFLOAD_CLOSED', 'the pool is closed'));
    if (typeof task !== 'string') return Promise.reject(new HioError('HIO_ERR_INVALID_OPTION', 'offload: task must be the name of a task'));
    let tymeout: number;
    try {
      tymeout = checkTock('offload', options.tymeout ?? this.tymeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.#jobs.size >= this.threads + this.maxQueue) {
      this.#counts.rejectedBusy += 1;
      return Promise.reject(
        this.#error('HIO_ERR_OFFLOAD_BUSY', `the pool is busy: ${this.#jobs.size} tasks accepted, ${this.threads} threads and ${this.maxQueue} queued at most`),
      );
    }
    const deadline = this.tyme + tymeout;
    let job!: OffloadJob;
    const promise = new Promise<unknown>((resolve, reject) => {
      job = new OffloadJob(task, args, options, deadline, resolve, reject);
    });
    this.#jobs.add(job);
    if (deadline < Infinity) {
      this.#deadlines.push(deadline, job);
      if (deadline < this.#reportedDue) {
        this.#reportedDue = deadline;
        this.waker?.();
      }
    }
    if (signal !== undefined) {
      job.onAbort = () => {
        if (job.settled) return;
        this.#stop(job);
        this.#settle(job, { ok: false, error: signal.reason }, 'cancelled');
        // A thread may be free now: the next pass refills it.
        this.waker?.();
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    try {
      this.begin(job);
    } catch (error) {
      this.finish(job, { ok: false, error });
    }
    return promise as Promise<T>;
  };

  /** The server's tyme (0 before a tymth is wound). */
  get tyme(): number {
    return this.#tymth?.() ?? 0;
  }

  get pending(): number {
    return this.#jobs.size;
  }

  /** @internal Entries in the deadline heap, settled ones included until dropped: for tests of its bound. */
  get tracked(): number {
    return this.#deadlines.size;
  }

  get queued(): number {
    return this.#jobs.size - this.running;
  }

  get completed(): number {
    return this.#counts.completed;
  }

  get failed(): number {
    return this.#counts.failed;
  }

  get crashed(): number {
    return this.#counts.crashed;
  }

  get timedOut(): number {
    return this.#counts.timedOut;
  }

  get rejectedBusy(): number {
    return this.#counts.rejectedBusy;
  }

  get cancelled(): number {
    return this.#counts.cancelled;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The tasks accepted and not settled, in the order they came. */
  protected get jobs(): ReadonlySet<OffloadJob> {
    return this.#jobs;
  }

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
  }

  /** Accepts tasks again after close(). */
  reopen(): void {
    this.#closed = false;
  }

  /**
   * One pass: the backend's progress, then the completions reported since
   * the last pass settle their promises (in the order they finished), then
   * every task past its tymeout is cancelled and rejects with
   * HIO_ERR_OFFLOAD_TIMEOUT, then free threads take waiting tasks. Never
   * throws.
   */
  service(): void {
    this.#reportedDue = -Infinity;
    this.#inPass = true;
    const tyme = this.tyme;
    this.#guard(() => this.progress(tyme));
    if (this.#finished.length > 0) {
      const finished = this.#finished;
      this.#finished = [];
      for (const { job, outcome } of finished) this.#settle(job, outcome, kindOf(outcome));
    }
    while (this.#deadlines.peekKey() <= tyme) {
      const job = this.#deadlines.pop()!;
      if (job.settled) continue;
      this.#stop(job);
      this.#settle(job, { ok: false, error: this.#error('HIO_ERR_OFFLOAD_TIMEOUT', `task ${job.task} did not finish within its tymeout`) }, 'timedOut');
    }
    this.#guard(() => this.refill(tyme));
    this.#inPass = false;
  }

  /** Now when completions wait to be settled, else the earliest tymeout or the backend's next due tyme. */
  nextDue(): number {
    if (this.#finished.length > 0) return (this.#reportedDue = this.tyme);
    // Entries of tasks settled otherwise would wake the scheduler for nothing.
    while (this.#deadlines.peek()?.settled === true) this.#deadlines.pop();
    return (this.#reportedDue = Math.min(this.#deadlines.peekKey(), this.backendDue()));
  }

  /**
   * Rejects every pending task with HIO_ERR_OFFLOAD_CLOSED, refuses new ones
   * until {@link reopen}, and releases the backend (a worker pool's threads
   * are terminated, whatever they were running).
   */
  close(): void {
    this.#closed = true;
    for (const job of [...this.#jobs]) {
      this.#settle(job, { ok: false, error: this.#error('HIO_ERR_OFFLOAD_CLOSED', 'the pool closed before the task finished') }, 'cancelled');
    }
    this.#finished = [];
    this.#deadlines.clear();
    this.#guard(() => this.shutdown());
  }

  /**
   * Called by the backend when a task ended, in a pass or between passes:
   * the outcome is queued for the next pass (which the waker asks for). A
   * task already settled (timed out, aborted, closed) is ignored.
   */
  protected finish(job: OffloadJob, outcome: OffloadOutcome): void {
    if (job.settled) return;
    this.#finished.push({ job, outcome });
    // A completion inside a pass is seen by the nextDue() that follows it.
    if (!this.#inPass) this.waker?.();
  }

  /** An OffloadError of this pool (with its Retry-After advice). */
  protected error(code: ConstructorParameters<typeof OffloadError>[0], message: string, cause?: unknown): OffloadError {
    return this.#error(code, message, cause);
  }

  /** Zeroes the counters (a pool reused for a new run). */
  protected clearCounts(): void {
    this.#counts = { completed: 0, failed: 0, crashed: 0, timedOut: 0, rejectedBusy: 0, cancelled: 0 };
  }

  /** Reports a fault outside any task. */
  protected fault(error: unknown): void {
    try {
      this.onFault?.(error);
    } catch {
      // A fault handler that throws has nowhere further to go.
    }
  }

  #error(code: ConstructorParameters<typeof OffloadError>[0], message: string, cause?: unknown): OffloadError {
    return new OffloadError(code, this.retryAfter, message, cause === undefined ? undefined : { cause });
  }

  #stop(job: OffloadJob): void {
    this.#guard(() => this.cancel(job));
  }

  #settle(job: OffloadJob, outcome: OffloadOutcome, kind: OutcomeKind): void {
    if (job.settled) return;
    job.settled = true;
    this.#jobs.delete(job);
    // A settled job stays in the deadline heap until it reaches the top: past twice the live ones, drop them all (memory bounded by the tasks accepted, not by the tymeout).
    const deadlines = this.#deadlines;
    if (deadlines.size > 64 && deadlines.size > 2 * this.#jobs.size) deadlines.retain((entry) => !entry.settled);
    if (job.onAbort !== null) job.signal?.removeEventListener('abort', job.onAbort);
    const counts = this.#counts;
    if (kind === 'crashed') counts.failed += 1;
    counts[kind] += 1;
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  }

  /** Runs a backend step; what it throws is a contained fault, never thrown out of service(). */
  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.fault(error);
    }
  }
}

/**
 * The answer to an offload error a fetch application left unhandled, or
 * null when it is not one to shed: 503 with Retry-After for a full queue or
 * a closed pool (come back later), 504 for a tymeout (the worker behind the
 * server did not answer in time, as a gateway's upstream). A crash is not
 * shed: it is a fault, answered 500.
 */
export function shedResponse(error: unknown): Response | null {
  if (!(error instanceof OffloadError)) return null;
  switch (error.code) {
    case 'HIO_ERR_OFFLOAD_BUSY':
    case 'HIO_ERR_OFFLOAD_CLOSED':
      return new Response(`503 Service Unavailable (${error.code})\n`, {
        status: 503,
        headers: { 'retry-after': String(Math.ceil(error.retryAfter)), 'content-type': 'text/plain; charset=utf-8' },
      });
    case 'HIO_ERR_OFFLOAD_TIMEOUT':
      return new Response(`504 Gateway Timeout (${error.code})\n`, { status: 504, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    default:
      return null;
  }
}

/** Which counter a settled task adds to. */
type OutcomeKind = 'completed' | 'failed' | 'crashed' | 'timedOut' | 'rejectedBusy' | 'cancelled';

/** The counter of an outcome a backend reported: a crash, a refusal the backend made itself, else the task's own result. */
function kindOf(outcome: OffloadOutcome): OutcomeKind {
  if (outcome.ok) return 'completed';
  const error = outcome.error;
  if (error instanceof OffloadError && error.code === 'HIO_ERR_OFFLOAD_CRASHED') return 'crashed';
  if (error instanceof OffloadError && error.code === 'HIO_ERR_OFFLOAD_BUSY') return 'rejectedBusy';
  return 'failed';
}

function whole(owner: string, name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least)
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${name} must be an integer >= ${least}, got ${String(value)}`);
  return value;
}
