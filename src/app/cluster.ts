/**
 * @module
 * The ClusterSupervisor: the primary process of a hio cluster. It runs no
 * server. It forks `workers` processes with node:cluster — each re-runs the
 * same script with the same arguments and serves on the shared listening
 * port (see {@link ClusterLink}) — and keeps them running:
 *
 * - `listening` resolves with the address once the first worker reports it
 *   listens; it rejects with the listen error (EADDRINUSE, …) when a worker
 *   cannot listen, and the primary then stops every worker instead of
 *   restarting them in a loop.
 * - A worker that exits unasked (a crash, a kill) is replaced after a
 *   backoff, within the {@link RestartBudget}; each restart is one line on
 *   the log. When the budget is spent the primary drains the rest and
 *   `finished` rejects with `HIO_ERR_CLUSTER` naming the last exit.
 * - `close(tymeout)` asks every worker to drain (each closes its own server
 *   with that tymeout and exits once stopped); a worker still alive
 *   `killMargin` seconds after the tymeout is killed. `force()` kills every
 *   worker at once.
 * - `finished` settles once every worker is gone.
 *
 * Time comes from an injected {@link Clock} and processes from an injected
 * {@link ForkWorker}, so the whole policy runs in a test without processes.
 */
import cluster from 'node:cluster';
import { realClock, type CancelTimer, type Clock } from '../core/clock.js';
import { HioError } from '../core/errors.js';
import { checkOptions, checkSeconds } from '../core/options.js';
import type { Address } from '../net/address.js';
import { netError, type NetError } from '../net/net-error.js';
import { HTTP_DEFAULTS } from '../http/limits.js';
import { isClusterMessage, PORT_ENV, WORKER_ENV, type PrimaryMessage, type WorkerMessage } from './cluster-link.js';
import { RESTART_DEFAULTS, RestartBudget, type RestartPolicy } from './restart-budget.js';

/** A forked worker as the primary sees it. */
export interface WorkerProcess {
  /** Its process id. */
  readonly pid: number;
  /** Sends a message over its IPC channel; nothing when the channel is already closed. */
  send(message: PrimaryMessage): void;
  kill(signal: NodeJS.Signals): void;
}

/** What a forked worker reports: every message it sends, then its exit, once. */
export interface WorkerEvents {
  message(message: unknown): void;
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

/** Starts one worker process with `env` added to the primary's environment (node:cluster's `fork` by default). */
export type ForkWorker = (env: Readonly<Record<string, string>>, events: WorkerEvents) => WorkerProcess;

/** Options of a {@link ClusterSupervisor}. */
export interface ClusterOptions {
  /** How many worker processes to keep running (an integer >= 1). */
  readonly workers: number;
  /** When a worker that exits unasked is replaced, and when the primary gives up. */
  readonly restarts?: RestartPolicy;
  /** Seconds a draining worker may outlive its tymeout before it is killed (default 5). */
  readonly killMargin?: number;
  /** Where time and timers come from (default the real clock). */
  readonly clock?: Clock;
  /** Starts a worker (default node:cluster's `fork`). */
  readonly fork?: ForkWorker;
  /** Where the one line about each restart goes (default stderr). */
  readonly log?: (line: string) => void;
}

/** The state of a cluster, as the primary's serve handle shows it. */
export interface ClusterView {
  /** Worker processes kept running. */
  readonly workers: number;
  /** The process ids of the workers alive now. */
  readonly pids: readonly number[];
  /** Workers replaced so far after exiting unasked. */
  readonly restarts: number;
}

const KNOWN = ['workers', 'restarts', 'killMargin', 'clock', 'fork', 'log'];

/** A running worker in its slot. */
interface Slot {
  readonly process: WorkerProcess;
  readonly startedAt: number;
  /** Whether it reported listening. */
  listened: boolean;
}

/** The primary of a cluster; see the module note. Starts its workers when constructed. */
export class ClusterSupervisor implements ClusterView {
  readonly workers: number;
  /** Resolves with the address once the first worker listens; rejects when a worker cannot listen or the cluster stops first. */
  readonly listening: Promise<Address>;
  /** Resolves once every worker is gone after close() or a listen failure; rejects with HIO_ERR_CLUSTER when the restart budget is spent. */
  readonly finished: Promise<void>;
  /** Resolves once every worker is gone, whatever the outcome: for clean-ups that must not handle `finished`'s rejection for its owner. */
  readonly stopped: Promise<void>;
  readonly #budget: RestartBudget;
  readonly #killMargin: number;
  readonly #clock: Clock;
  readonly #fork: ForkWorker;
  readonly #log: (line: string) => void;
  readonly #slots: Array<Slot | null>;
  /** Restarts waiting out their backoff, by slot. */
  readonly #pending = new Map<number, CancelTimer>();
  #phase: 'running' | 'stopping' | 'stopped' = 'running';
  #address: Address | null = null;
  /** The port workers are told to listen on in place of 0 (see ClusterLink); null to let them ask for their own. */
  #portKey: number | null = null;
  #restarts = 0;
  #failure: Error | null = null;
  /** Whether the cluster is stopping for a failure (a listen failure, the restart budget spent) rather than asked to. */
  #failed = false;
  #killTimer: CancelTimer | null = null;
  /** The tymeout of the drain asked for; null while running. */
  #drainTymeout: number | null = null;
  #unclean = 0;
  #resolveListening!: (address: Address) => void;
  #rejectListening!: (error: Error) => void;
  #resolveFinished!: () => void;
  #rejectFinished!: (error: Error) => void;
  #markStopped!: () => void;

  constructor(options: ClusterOptions) {
    checkOptions('ClusterSupervisor', options, KNOWN);
    this.workers = checkWorkers(options.workers);
    // One event may kill every worker at once (the OOM killer, a kill of the group): the default budget covers twice the workers.
    const restarts = options.restarts ?? {};
    this.#budget = new RestartBudget(
      restarts.maxRestarts === undefined ? { ...restarts, maxRestarts: Math.max(RESTART_DEFAULTS.maxRestarts, 2 * this.workers) } : restarts,
    );
    this.#killMargin = checkSeconds('ClusterSupervisor', 'killMargin', options.killMargin ?? 5);
    this.#clock = options.clock ?? realClock;
    this.#fork = options.fork ?? forkClusterWorker;
    this.#log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.#slots = new Array<Slot | null>(this.workers).fill(null);
    this.listening = new Promise<Address>((resolve, reject) => {
      this.#resolveListening = resolve;
      this.#rejectListening = reject;
    });
    // Nobody may ask: a listen failure must not also be an unhandled rejection.
    this.listening.catch(() => {});
    this.finished = new Promise<void>((resolve, reject) => {
      this.#resolveFinished = resolve;
      this.#rejectFinished = reject;
    });
    this.stopped = new Promise<void>((resolve) => (this.#markStopped = resolve));
    for (let index = 0; index < this.workers; index++) this.#start(index);
  }

  get pids(): readonly number[] {
    return this.#slots.flatMap((slot) => (slot === null ? [] : [slot.process.pid]));
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Workers that ended uncleanly while stopping: killed, or exiting non-zero (a drain that cut connections). */
  get unclean(): number {
    return this.#unclean;
  }

  /** Whether the cluster is draining or stopped. */
  get stopping(): boolean {
    return this.#phase !== 'running';
  }

  /**
   * Drains every worker: each closes its server with `tymeout` seconds for
   * requests under way and exits; one still alive `killMargin` seconds later
   * is killed. Resolves (or rejects) as {@link finished}. Only the first call's
   * tymeout counts.
   */
  close(tymeout: number = HTTP_DEFAULTS.drainTymeout): Promise<void> {
    checkSeconds('ClusterSupervisor', 'tymeout', tymeout);
    this.#stop(tymeout);
    return this.finished;
  }

  /**
   * Drains on SIGTERM and SIGINT (`tymeout` seconds for what is under way)
   * and kills every worker on the next one; `told` hears each signal first,
   * with whether it forces. Returns what removes the handlers.
   */
  handleSignals(tymeout: number = HTTP_DEFAULTS.drainTymeout, told: (signal: NodeJS.Signals, forced: boolean) => void = () => {}): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      const forced = this.stopping;
      told(signal, forced);
      if (forced) this.force();
      else this.close(tymeout).catch(() => {});
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  /** Kills every worker at once (SIGKILL): the second Ctrl-C. */
  force(): void {
    this.#stop(0);
    for (const slot of this.#slots) slot?.process.kill('SIGKILL');
  }

  #alive(): number {
    return this.#slots.reduce((count, slot) => count + (slot === null ? 0 : 1), 0);
  }

  #start(index: number): void {
    // Nobody left holding the shared port-0 socket: the next worker asks for the port already chosen.
    if (this.#alive() === 0 && this.#address !== null) this.#portKey = this.#address.port;
    const env: Record<string, string> = { [WORKER_ENV]: '1' };
    if (this.#portKey !== null) env[PORT_ENV] = String(this.#portKey);
    const startedAt = this.#clock.now();
    let slot: Slot | null = null;
    const worker = this.#fork(env, {
      message: (message) => {
        if (slot !== null) this.#onMessage(slot, message);
      },
      exit: (code, signal) => {
        if (slot !== null) this.#onExit(index, slot, code, signal);
      },
    });
    slot = { process: worker, startedAt, listened: false };
    this.#slots[index] = slot;
  }

  #onMessage(slot: Slot, message: unknown): void {
    if (!isClusterMessage(message)) return;
    const report = message as WorkerMessage;
    // A worker still starting when the drain was asked for had no ear for it yet: it hears it again now.
    if (this.#drainTymeout !== null) slot.process.send({ hio: 'cluster', type: 'drain', tymeout: this.#drainTymeout });
    if (report.type === 'listening') {
      slot.listened = true;
      if (this.#address === null) {
        this.#address = { host: String(report.host), port: Number(report.port) };
        this.#resolveListening(this.#address);
      }
    } else if (report.type === 'failed') {
      this.#onListenFailure(netError(String(report.code), 'listen', String(report.message)));
    }
  }

  /** A worker could not listen: stop, rather than restart it in a loop. */
  #onListenFailure(error: NetError): void {
    if (this.#phase !== 'running') return;
    this.#failed = true;
    if (this.#address === null) {
      this.#rejectListening(error);
    } else {
      this.#failure = new HioError('HIO_ERR_CLUSTER', `a restarted worker could not listen on port ${this.#address.port}: ${error.code}`, { cause: error });
    }
    // The workers still serving finish what is under way; none was listening before the first report.
    this.#stop(this.#address === null ? 0 : HTTP_DEFAULTS.drainTymeout);
  }

  #onExit(index: number, slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#slots[index] === slot) this.#slots[index] = null;
    if (this.#phase !== 'running') {
      // Ctrl-C reaches the whole process group: a worker still starting, not yet ignoring SIGINT, dies of it with nothing to drain.
      const interrupted = signal === 'SIGINT' && !slot.listened;
      // After a failure the workers' ends are no news: the failure is.
      if (code !== 0 && !interrupted && !this.#failed) {
        this.#unclean += 1;
        this.#log(`hio: worker ${slot.process.pid} ${describeExit(code, signal)} while stopping`);
      }
      this.#settle();
      return;
    }
    const exit = `worker ${slot.process.pid} ${describeExit(code, signal)}`;
    const delay = this.#budget.next(this.#clock.now(), slot.startedAt);
    if (delay === null) {
      const { maxRestarts, window } = this.#budget.policy;
      this.#failed = true;
      this.#failure = new HioError('HIO_ERR_CLUSTER', `${exit}: more than ${maxRestarts} restarts within ${window} s; stopping`);
      this.#stop(HTTP_DEFAULTS.drainTymeout);
      return;
    }
    this.#restarts += 1;
    this.#log(
      `hio: ${exit}; restarting it in ${delay} s (${this.#budget.recent} of ${this.#budget.policy.maxRestarts} restarts per ${this.#budget.policy.window} s)`,
    );
    this.#pending.set(
      index,
      this.#clock.setTimer(delay, () => {
        this.#pending.delete(index);
        this.#start(index);
      }),
    );
  }

  #stop(tymeout: number): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'stopping';
    this.#drainTymeout = tymeout;
    for (const cancel of this.#pending.values()) cancel();
    this.#pending.clear();
    for (const slot of this.#slots) slot?.process.send({ hio: 'cluster', type: 'drain', tymeout });
    this.#killTimer = this.#clock.setTimer(tymeout + this.#killMargin, () => {
      for (const slot of this.#slots) slot?.process.kill('SIGKILL');
    });
    this.#settle();
  }

  /** Once stopping and no worker is left: stopped, and every promise settled. */
  #settle(): void {
    if (this.#phase !== 'stopping' || this.#alive() > 0) return;
    this.#phase = 'stopped';
    this.#killTimer?.();
    this.#killTimer = null;
    if (this.#address === null) this.#rejectListening(this.#failure ?? new HioError('HIO_ERR_CLUSTER', 'the cluster stopped before a worker listened'));
    if (this.#failure === null) this.#resolveFinished();
    else this.#rejectFinished(this.#failure);
    this.#markStopped();
  }
}

/** The number of workers asked for: an integer >= 1, or `'auto'` for the available parallelism (`os.availableParallelism()`). */
export type WorkerCount = number | 'auto';

/** Throws `HIO_ERR_INVALID_OPTION` unless `workers` is an integer >= 1. */
function checkWorkers(workers: number): number {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `workers must be an integer >= 1 or 'auto', got ${String(workers)}`);
  }
  return workers;
}

/** `workers` as a count: `'auto'` is `parallelism` (the machine's available parallelism); throws `HIO_ERR_INVALID_OPTION` for anything but an integer >= 1 or `'auto'`. */
export function workerCount(workers: WorkerCount | undefined, parallelism: () => number): number {
  if (workers === undefined) return 1;
  if (workers === 'auto') return Math.max(1, parallelism());
  return checkWorkers(workers);
}

/** "exited with code 1", "was killed by SIGKILL". */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
}

/** node:cluster's fork behind {@link ForkWorker}. */
function forkClusterWorker(env: Readonly<Record<string, string>>, events: WorkerEvents): WorkerProcess {
  const worker = cluster.fork(env);
  worker.on('message', events.message);
  worker.on('exit', events.exit);
  // A message to a worker that is exiting fails on its own; the exit tells the rest.
  worker.on('error', () => {});
  return {
    pid: worker.process.pid ?? 0,
    send(message) {
      if (worker.isConnected()) worker.send(message);
    },
    kill(signal) {
      worker.process.kill(signal);
    },
  };
}
