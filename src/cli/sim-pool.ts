/**
 * @module
 * The worker threads of a `hio sim` sweep: a tinypool of `jobs` threads
 * running `sim-worker`, one batch per thread at a time.
 *
 * Workers inherit the parent's execArgv: tinypool leaves it undefined and a
 * Worker then takes the parent's (passing process.execArgv explicitly would
 * break on V8 flags such as --max-old-space-size, which a Worker refuses but
 * inherits). That is not enough for TypeScript under `node --import=tsx`:
 * the preload runs in each worker, but on Node 20 tsx installs its hooks in
 * the main thread only. So the pool starts each worker on a small bootstrap
 * (a `data:` module) that imports `sim-worker` and, when that fails for an
 * unknown extension and the parent loads tsx, registers tsx's hooks in the
 * worker through its API and imports it again; `sim-worker` does the same
 * for a .ts scenario (a built hio running a .ts scenario under tsx).
 *
 * tinypool fails a batch when its worker throws an uncaught error, but a
 * worker thread that ends without one (the scenario calls process.exit)
 * leaves its task pending forever and its slot taken. So every thread is
 * watched: an exit the pool did not ask for is turned into the 'error'
 * tinypool already handles, which fails that batch with a {@link WorkerExit}
 * and replaces the thread. (A crash of native code, a segfault, ends the
 * whole process: worker threads share it.)
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import { WORKER_LOAD_FAILURE, type SimBatch, type SimBatchResult } from './sim-worker.js';

/** The worker module beside this one: sim-worker.ts under tsx, sim-worker.js once built. */
const WORKER_URL = new URL(`./sim-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** The flags that preload a module, whose value names tsx when the process runs under it. */
const PRELOAD_FLAG = /^(?:--import|--require|-r|--loader|--experimental-loader)$/;

/** The URL of tsx's ESM API when this process was started with tsx preloaded (`node --import=tsx`), else null. */
export function tsxApiUrl(execArgv: readonly string[] = process.execArgv): string | null {
  const preloadsTsx = execArgv.some((arg, index) => {
    const [flag = '', inline] = arg.split(/=(.*)/s);
    const value = inline ?? (PRELOAD_FLAG.test(flag) ? execArgv[index + 1] : undefined);
    // `tsx`, `tsx/esm`, or a path into tsx's package.
    return PRELOAD_FLAG.test(flag) && value !== undefined && /(?:^|[/\\])tsx(?:[/\\]|$)/.test(value);
  });
  if (!preloadsTsx) return null;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

/**
 * The module a worker starts on: it imports `sim-worker` (registering tsx
 * first when that is what it takes) and re-exports its batch function. It
 * never throws while loading (tinypool would report a different error);
 * when the worker cannot be loaded, every batch rejects saying why.
 */
function bootstrapUrl(tsxApi: string | null): string {
  const source = `
const workerUrl = ${JSON.stringify(WORKER_URL.href)};
const tsxApi = ${JSON.stringify(tsxApi)};
let runBatch;
try {
  runBatch = (await import(workerUrl)).default;
} catch (error) {
  try {
    if (tsxApi === null || error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    (await import(tsxApi)).register();
    runBatch = (await import(workerUrl + '?tsx')).default;
  } catch (failure) {
    const message = ${JSON.stringify(WORKER_LOAD_FAILURE)} + workerUrl + ': ' + (failure?.message ?? String(failure));
    runBatch = () => Promise.reject(new Error(message));
  }
}
export default runBatch;
`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** A worker thread ended while it ran a batch, without an error: the scenario called process.exit, or something terminated it. */
export class WorkerExit extends Error {
  /** The thread's exit code. */
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`the worker thread exited with code ${exitCode} (did the scenario call process.exit?)`);
    this.name = 'WorkerExit';
    this.exitCode = exitCode;
  }
}

/** The threads a sweep runs its batches on. */
export class SimPool {
  readonly #pool: Tinypool;
  /** Threads whose exit is watched. */
  readonly #watched = new WeakSet<object>();
  /** Set by close(): threads exit because they are told to. */
  #closing = false;

  /**
   * `jobs` threads, started at once. `onStray` hears of a worker that died
   * while it ran no batch (a timer of the scenario's calling process.exit
   * after its seed ended): no seed to blame, but worth saying.
   */
  constructor(jobs: number, tsxApi: string | null, onStray: (message: string) => void) {
    this.#pool = new Tinypool({ filename: bootstrapUrl(tsxApi), minThreads: jobs, maxThreads: jobs, concurrentTasksPerWorker: 1 });
    this.#pool.on('error', (error: unknown) => {
      if (!this.#closing) onStray(error instanceof Error ? error.message : String(error));
    });
    this.#watch();
  }

  /**
   * Runs a batch on the next free thread; rejects when its thread dies (an
   * uncaught error, a {@link WorkerExit}), when the pool closes, and with a
   * message starting with {@link WORKER_LOAD_FAILURE} when the worker or the
   * scenario cannot be loaded in it.
   */
  run(batch: SimBatch): Promise<SimBatchResult> {
    const result = this.#pool.run(batch) as Promise<SimBatchResult>;
    // A thread the pool started for this batch is watched before it can run anything.
    this.#watch();
    return result;
  }

  /** Terminates every thread; batches under way reject. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#pool.destroy();
  }

  /** Watches the threads not watched yet. Runs synchronously after anything that may start one, so no thread runs unwatched. */
  #watch(): void {
    for (const thread of this.#pool.threads) {
      if (this.#watched.has(thread)) continue;
      this.#watched.add(thread);
      let failed = false;
      thread.on('error', () => {
        failed = true;
        // tinypool has just started the thread replacing it.
        this.#watch();
      });
      thread.on('exit', (code: number) => {
        // An uncaught error was reported already; a close is ours.
        if (failed || this.#closing) return;
        failed = true;
        thread.emit('error', new WorkerExit(code));
        this.#watch();
      });
    }
  }
}
