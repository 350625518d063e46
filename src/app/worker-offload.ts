/**
 * @module
 * The WorkerOffload: an {@link Offloader} on worker threads, through
 * tinypool. The worker module's named exports are the tasks; `offload(name,
 * args)` runs one with `args` (structured-cloned, or moved with a
 * `transferList`) and the next server pass settles the caller's promise
 * with what it returned.
 *
 * Every task runs with its own AbortController, so a task cancelled (its
 * tymeout passed, its signal aborted) is taken off tinypool's queue, or its
 * worker is terminated and tinypool starts another. A worker that dies under
 * a task — an exception thrown outside the task's promise, `process.exit()`
 * — fails that task only, with HIO_ERR_OFFLOAD_CRASHED (the original error
 * as the cause); tinypool respawns it and the other tasks go on. Tinypool
 * does not notice a worker thread that exits on its own, so the pool
 * watches each thread's 'exit': one tinypool still counts as its own died,
 * and is reported to tinypool as an error, which fails its task and
 * replaces it.
 *
 * Threads start with the first task (all of them: `threads` is both the
 * least and the most), stay up while the pool is open, and are terminated
 * by close(). The worker module must be one Node runs as it is (.mjs or
 * .js): a worker thread does not inherit a TypeScript loader in every setup.
 */
import { availableParallelism } from 'node:os';
import { debuglog } from 'node:util';
import Tinypool from 'tinypool';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { OffloadPool, type OffloadJob, type OffloadPoolOptions } from './offload.js';

const log = debuglog('hio');

/** Options of a {@link WorkerOffload}. */
export interface WorkerOffloadOptions extends OffloadPoolOptions {
  /** The worker module (a path or a file URL): its named exports are the tasks. */
  readonly filename: string | URL;
}

const KNOWN = ['filename', 'threads', 'maxQueue', 'tymeout', 'retryAfter'];

/** Tinypool's errors for a full queue, the only way it tells them (the pool's own count refuses first). */
const QUEUE_FULL = new Set(['Task queue is at limit', 'No task queue available and all Workers are busy']);

/** One worker as tinypool lists it: a wrapper around the thread's events. */
interface ThreadHandle {
  on(event: string, listener: (...args: never[]) => void): void;
  emit(event: string, ...data: unknown[]): void;
}

/** A pool of worker threads running the named exports of one module. */
export class WorkerOffload extends OffloadPool {
  /** The worker module's path or URL. */
  readonly filename: string | URL;
  #pool: Tinypool | null = null;
  /** Threads whose events the pool listens to. */
  readonly #watched = new WeakSet<object>();
  /** Errors that came from a worker dying rather than from a task throwing. */
  readonly #deaths = new WeakSet<object>();

  constructor(options: WorkerOffloadOptions) {
    checkOptions('WorkerOffload', options, KNOWN);
    super('WorkerOffload', options, Math.max(1, availableParallelism() - 1));
    const { filename } = options;
    if (!(typeof filename === 'string' && filename !== '') && !(filename instanceof URL))
      throw new HioError('HIO_ERR_INVALID_OPTION', 'WorkerOffload: filename must be the path or file URL of the worker module');
    this.filename = filename;
  }

  /** Tasks on a thread: tinypool runs them first come, first served, one per thread. */
  get running(): number {
    return Math.min(this.pending, this.threads);
  }

  protected begin(job: OffloadJob): void {
    const pool = this.#ensurePool();
    const controller = new AbortController();
    job.backend = controller;
    pool.run(job.args, { name: job.task, signal: controller.signal, transferList: job.transferList }).then(
      (value: unknown) => this.finish(job, { ok: true, value }),
      (error: unknown) => this.finish(job, { ok: false, error: this.#classify(error) }),
    );
    this.#watch(pool);
  }

  protected cancel(job: OffloadJob): void {
    const pool = this.#pool;
    // Tinypool rejects the run with an AbortError, which the settled task ignores; a running task's worker is replaced.
    (job.backend as AbortController).abort();
    if (pool !== null) this.#watch(pool);
  }

  protected shutdown(): void {
    const pool = this.#pool;
    this.#pool = null;
    if (pool === null) return;
    pool.destroy().catch((error: unknown) => this.fault(error));
  }

  #ensurePool(): Tinypool {
    if (this.#pool !== null) return this.#pool;
    const pool = new Tinypool({
      filename: this.filename,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Never the bound that matters: the pool refuses past threads + maxQueue before tinypool sees the task.
      maxQueue: this.threads + this.maxQueue,
    });
    // A worker dying with no task (a module that fails to load, say) is a fault of the pool's, not of a task.
    pool.on('error', (error: unknown) => {
      log('offload: a worker failed outside any task: %s', String(error));
      this.fault(error);
      this.#watch(pool);
    });
    this.#pool = pool;
    this.#watch(pool);
    return pool;
  }

  /** Listens to the threads tinypool started since the last look (it starts them on its own when one dies). */
  #watch(pool: Tinypool): void {
    for (const thread of pool.threads as unknown as ThreadHandle[]) {
      if (this.#watched.has(thread)) continue;
      this.#watched.add(thread);
      // Tinypool's own listener runs first and rejects the task with this error; the rejection is seen after this marks it.
      thread.on('error', (error: unknown) => {
        if (typeof error === 'object' && error !== null) this.#deaths.add(error);
        this.#watch(pool);
      });
      thread.on('exit', (code: number) => {
        // A thread tinypool terminated is no longer listed; one still listed exited on its own.
        if (!(pool.threads as unknown as ThreadHandle[]).includes(thread)) return;
        thread.emit('error', new Error(`the worker exited with code ${code}`));
      });
    }
  }

  /** A worker's death becomes HIO_ERR_OFFLOAD_CRASHED, tinypool's full queue HIO_ERR_OFFLOAD_BUSY; a task's own error stays as it is. */
  #classify(error: unknown): unknown {
    if (typeof error !== 'object' || error === null) return error;
    if (this.#deaths.has(error)) {
      const why = error instanceof Error ? error.message : String(error);
      return this.error('HIO_ERR_OFFLOAD_CRASHED', `the worker died running the task (${why})`, error);
    }
    if (error instanceof Error && QUEUE_FULL.has(error.message)) return this.error('HIO_ERR_OFFLOAD_BUSY', 'the worker pool queue is full', error);
    return error;
  }
}
