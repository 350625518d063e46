/**
 * @module
 * `serve()`: a fetch-standard application on real sockets in one call,
 * shaped like `@hono/node-server`'s `serve`, so `serve({ fetch: app.fetch,
 * port: 3000 })` runs a Hono application unchanged. It starts an
 * {@link AppServer} under its own real-mode Doist, prints nothing, and
 * returns a handle: the bound address once listening (port 0 picks one),
 * and `close()`, a graceful drain as {@link BareServer.drain}.
 *
 * With `workers: N` (N > 1, or `'auto'`) the process that calls it becomes
 * the primary of a node:cluster: it runs no server, forks N workers that
 * re-run the same script and serve on one shared port, restarts those that
 * crash, and drains them all on SIGTERM and SIGINT (see
 * {@link ClusterSupervisor}); in each worker the same call serves as with
 * one process, and reports to the primary. One clustered `serve()` per
 * script.
 */
import { availableParallelism } from 'node:os';
import { HioError } from '../core/errors.js';
import type { Address } from '../net/address.js';
import { NetServant } from '../net/net-servant.js';
import type { Dog } from '../doing/doable.js';
import { doify } from '../doing/doify.js';
import { Doist } from '../doing/doist.js';
import { HTTP_DEFAULTS } from '../http/limits.js';
import { AppServer, AppServerDoer, type AppServerOptions } from './app-server.js';
import { clusterLink, type ClusterLink } from './cluster-link.js';
import { ClusterSupervisor, workerCount, type ClusterView, type WorkerCount } from './cluster.js';
import { installLightResponse } from './light-response.js';
import type { RestartPolicy } from './restart-budget.js';

/** Options of {@link serve}: an AppServer's, with where to listen. */
export interface ServeOptions extends Omit<AppServerOptions, 'servant' | 'host' | 'port'> {
  /** Port to listen on (default 3000; 0 picks a free one). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly hostname?: string;
  /**
   * Make the global `Response` the light one, whose string and bytes bodies
   * the server writes without a stream (default true, as `@hono/node-server`).
   */
  readonly overrideGlobalObjects?: boolean;
  /**
   * Server processes sharing the port (default 1: this process serves);
   * `'auto'` for `os.availableParallelism()`. More than one makes this
   * process the primary of a cluster; see the module note.
   */
  readonly workers?: WorkerCount;
  /** With workers: when a crashed worker is replaced, and when the primary gives up. */
  readonly restarts?: RestartPolicy;
  /** With workers: the primary drains every worker on SIGTERM and SIGINT, and kills them on a second signal (default true). */
  readonly signals?: boolean;
}

/** A running {@link serve}. */
export interface ServeHandle {
  /**
   * The server, for its settings and state. In a cluster's primary, which
   * runs no server, reading it throws `HIO_ERR_CLUSTER`.
   */
  readonly server: AppServer;
  /** Resolves with the bound address once listening (in a cluster's primary, once the first worker listens); rejects when listening failed (EADDRINUSE, …). */
  readonly listening: Promise<Address>;
  /**
   * Resolves once the server stopped (after close(), or a listen failure). In
   * a cluster's primary: once every worker is gone; it rejects with
   * `HIO_ERR_CLUSTER` when workers kept exiting past the restart budget, and
   * left unhandled that rejection ends the primary with the error.
   */
  readonly finished: Promise<void>;
  /**
   * Drains (stops accepting, lets requests under way finish, the last answer
   * on each connection saying `Connection: close`) and stops; connections
   * still open after `tymeout` seconds are cut. Resolves once stopped.
   */
  close(tymeout?: number): Promise<void>;
  /** In a cluster's primary, its workers (count, pids, restarts); null in a process that serves. */
  readonly cluster: ClusterView | null;
}

/** Starts an application server on real sockets, or a cluster of them; see the module note. */
export function serve(options: ServeOptions): ServeHandle {
  const { workers, restarts, signals, ...single } = options;
  const count = workerCount(workers, availableParallelism);
  if (count === 1) return serveHere(single, null);
  const link = clusterLink();
  if (link !== null) return serveHere(single, link);
  // Options a worker would reject are rejected here, before any process starts.
  serverFor(single);
  return servePrimary(new ClusterSupervisor({ workers: count, ...(restarts !== undefined && { restarts }) }), signals !== false);
}

type SingleOptions = Omit<ServeOptions, 'workers' | 'restarts' | 'signals'>;

/** The server of `options`, not yet listening. */
function serverFor(options: SingleOptions, link: ClusterLink | null = null): AppServer {
  const { port, hostname, overrideGlobalObjects: _light, ...rest } = options;
  const servant = new NetServant({ host: hostname ?? '127.0.0.1', port: link === null ? (port ?? 3000) : link.port(port ?? 3000) });
  return new AppServer({ ...rest, servant });
}

/** The primary's handle: the supervisor's promises, and its drain on SIGTERM and SIGINT when `signals`. */
function servePrimary(supervisor: ClusterSupervisor, signals: boolean): ServeHandle {
  if (signals) {
    const off = supervisor.handleSignals();
    // Not on `finished`: a rejection nobody handles must still end the primary with the error.
    void supervisor.stopped.then(off);
  }
  return {
    get server(): AppServer {
      throw new HioError('HIO_ERR_CLUSTER', 'the primary runs no server; each worker process runs its own (read handle.server in a worker)');
    },
    listening: supervisor.listening,
    finished: supervisor.finished,
    close: (tymeout) => supervisor.close(tymeout),
    cluster: supervisor,
  };
}

/** Serves in this process; in a cluster's worker, reports to the primary through `link` and drains on its word. */
function serveHere(options: SingleOptions, link: ClusterLink | null): ServeHandle {
  if (options.overrideGlobalObjects !== false) installLightResponse();
  const server = serverFor(options, link);
  const serverDoer = new AppServerDoer(server);
  const controller = new AbortController();
  let drainTymeout: number | null = null;
  let markListening!: (address: Address) => void;
  let failListening!: (error: Error) => void;
  const listening = new Promise<Address>((resolve, reject) => {
    markListening = resolve;
    failListening = reject;
  });
  // Nobody may ask: a listen failure must not become an unhandled rejection.
  listening.catch(() => {});

  const watch = doify(function* watch(): Dog {
    for (;;) {
      if (server.servant.opened) {
        markListening(server.servant.address);
        link?.listening(server.servant.address);
        break;
      }
      if (server.servant.error !== null) {
        failListening(server.servant.error);
        link?.failed(server.servant.error);
        controller.abort();
        return false;
      }
      if (drainTymeout !== null) break;
      yield 0;
    }
    // Asleep until close() wakes it.
    while (drainTymeout === null) yield Infinity;
    server.drain(drainTymeout);
    serverDoer.wake();
    while (!server.drained) yield 0;
    controller.abort();
    return true;
  });

  const finished = new Doist({ real: true }).run([serverDoer, watch], { signal: controller.signal }).then(() => {
    failListening(new Error('the server stopped before listening'));
    link?.done();
  });

  const close = (tymeout: number = HTTP_DEFAULTS.drainTymeout): Promise<void> => {
    drainTymeout ??= tymeout;
    watch.wake();
    return finished;
  };
  link?.onDrain((tymeout) => void close(tymeout ?? undefined));
  return { server, listening, finished, close, cluster: null };
}
