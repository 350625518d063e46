/**
 * @module
 * The ClusterLink: a worker process's side of a hio cluster, and the
 * messages both sides exchange over node:cluster's IPC channel. The primary
 * ({@link ClusterSupervisor}) forks each worker with `HIO_CLUSTER_WORKER=1`
 * in its environment; the worker re-runs the same script, and its server
 * finds the link with {@link clusterLink}, reports its bound address (or its
 * listen failure) through it, and drains when the primary says so.
 *
 * Signals in a worker: SIGINT is ignored, because Ctrl-C in a terminal
 * reaches the whole process group and the primary drains every worker on
 * its own SIGINT; SIGTERM sent to one worker drains that worker, which then
 * exits and is replaced as any worker that exits unasked (a rolling restart).
 *
 * Port 0: node:cluster binds one listening socket in the primary per
 * address and port asked for, so workers that all listen on port 0 share
 * one port while any of them listens. A worker started when none is left
 * would get a new port; the primary passes the port already chosen in
 * `HIO_CLUSTER_PORT`, which {@link ClusterLink.port} puts in place of 0.
 */
import cluster from 'node:cluster';
import type { Address } from '../net/address.js';
import type { NetError } from '../net/net-error.js';

/** The environment variable that marks a process forked by a hio cluster's primary. */
export const WORKER_ENV = 'HIO_CLUSTER_WORKER';
/** The environment variable carrying the port a port-0 worker listens on instead. */
export const PORT_ENV = 'HIO_CLUSTER_PORT';

/** A worker's report to the primary. */
export type WorkerMessage =
  | { readonly hio: 'cluster'; readonly type: 'listening'; readonly host: string; readonly port: number }
  | { readonly hio: 'cluster'; readonly type: 'failed'; readonly code: string; readonly message: string };

/** The primary's word to a worker: drain, cutting what is still open after `tymeout` seconds. */
export interface PrimaryMessage {
  readonly hio: 'cluster';
  readonly type: 'drain';
  readonly tymeout: number;
}

/** Whether `value` is a message of a hio cluster (the application may send its own over the same channel). */
export function isClusterMessage(value: unknown): value is { readonly hio: 'cluster'; readonly type: string } {
  return typeof value === 'object' && value !== null && (value as { hio?: unknown }).hio === 'cluster';
}

/** The worker's end of the channel to the primary: the process itself in a real worker, a fake in tests. */
export interface PrimaryChannel {
  send(message: WorkerMessage): void;
  /** Calls `handler` with every message the primary sends. */
  onMessage(handler: (message: unknown) => void): void;
  /** Calls `handler` on SIGTERM and swallows SIGINT, until the returned function is called. */
  onSignals(handler: () => void): () => void;
  /** Closes the channel: the process then exits once nothing else keeps it alive. */
  disconnect(): void;
}

/** A worker's link to its primary; see the module note. */
export class ClusterLink {
  readonly #channel: PrimaryChannel;
  readonly #port: number | null;
  #drain: ((tymeout: number | null) => void) | null = null;
  #removeSignals: (() => void) | null = null;
  #done = false;

  constructor(channel: PrimaryChannel, env: NodeJS.ProcessEnv) {
    this.#channel = channel;
    const port = Number(env[PORT_ENV]);
    this.#port = Number.isInteger(port) && port > 0 && port <= 65535 ? port : null;
    channel.onMessage((message) => {
      if (isClusterMessage(message) && message.type === 'drain') {
        const tymeout = (message as Partial<PrimaryMessage>).tymeout;
        this.#drain?.(typeof tymeout === 'number' && tymeout >= 0 ? tymeout : null);
      }
    });
    // At once: a Ctrl-C that comes before the server listens must not kill the worker either.
    this.#removeSignals = channel.onSignals(() => this.#drain?.(null));
  }

  /** The port to listen on: the primary's chosen port in place of 0, else `configured`. */
  port(configured: number): number {
    return configured === 0 && this.#port !== null ? this.#port : configured;
  }

  /** Calls `drain` when the primary asks for a drain (with its tymeout) or on SIGTERM (null: the worker's own). */
  onDrain(drain: (tymeout: number | null) => void): void {
    this.#drain = drain;
  }

  /** Tells the primary the server listens on `address`. */
  listening(address: Address): void {
    this.#channel.send({ hio: 'cluster', type: 'listening', host: address.host, port: address.port });
  }

  /** Tells the primary the server could not listen. */
  failed(error: NetError): void {
    this.#channel.send({ hio: 'cluster', type: 'failed', code: error.code, message: error.message });
  }

  /** The server stopped: signals go back to their defaults and the channel closes. Calling it twice is harmless. */
  done(): void {
    if (this.#done) return;
    this.#done = true;
    this.#removeSignals?.();
    this.#removeSignals = null;
    this.#channel.disconnect();
  }
}

/** The link of this process when a hio cluster's primary forked it, else null. */
export function clusterLink(env: NodeJS.ProcessEnv = process.env): ClusterLink | null {
  if (!cluster.isWorker || env[WORKER_ENV] !== '1') return null;
  return new ClusterLink(processChannel(), env);
}

/** The real channel: the worker process's IPC and signals. */
function processChannel(): PrimaryChannel {
  return {
    send(message) {
      process.send?.(message);
    },
    onMessage(handler) {
      process.on('message', handler);
    },
    onSignals(handler) {
      const ignore = (): void => {};
      process.on('SIGINT', ignore);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', ignore);
        process.off('SIGTERM', handler);
      };
    },
    disconnect() {
      // The worker's disconnect, not the process's: node:cluster then lets the process end by itself instead of exiting at once.
      cluster.worker?.disconnect();
    },
  };
}
