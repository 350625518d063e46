/**
 * @module
 * `serve()`: a fetch-standard application on real sockets in one call,
 * shaped like `@hono/node-server`'s `serve`, so `serve({ fetch: app.fetch,
 * port: 3000 })` runs a Hono application unchanged. It starts an
 * {@link AppServer} under its own real-mode Doist, prints nothing, and
 * returns a handle: the bound address once listening (port 0 picks one),
 * and `close()`, a graceful drain as {@link BareServer.drain}.
 */
import type { Address } from '../net/address.js';
import { NetServant } from '../net/net-servant.js';
import type { Dog } from '../doing/doable.js';
import { doify } from '../doing/doify.js';
import { Doist } from '../doing/doist.js';
import { HTTP_DEFAULTS } from '../http/limits.js';
import { AppServer, AppServerDoer, type AppServerOptions } from './app-server.js';
import { installLightResponse } from './light-response.js';

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
}

/** A running {@link serve}. */
export interface ServeHandle {
  /** The server, for its settings and state. */
  readonly server: AppServer;
  /** Resolves with the bound address once listening; rejects when listening failed (EADDRINUSE, …). */
  readonly listening: Promise<Address>;
  /** Resolves once the server stopped (after close(), or a listen failure). */
  readonly finished: Promise<void>;
  /**
   * Drains (stops accepting, lets requests under way finish, the last answer
   * on each connection saying `Connection: close`) and stops; connections
   * still open after `tymeout` seconds are cut. Resolves once stopped.
   */
  close(tymeout?: number): Promise<void>;
}

/** Starts an application server on real sockets; see the module note. */
export function serve(options: ServeOptions): ServeHandle {
  const { port, hostname, overrideGlobalObjects, ...rest } = options;
  if (overrideGlobalObjects !== false) installLightResponse();
  const server = new AppServer({ ...rest, servant: new NetServant({ host: hostname ?? '127.0.0.1', port: port ?? 3000 }) });
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
        break;
      }
      if (server.servant.error !== null) {
        failListening(server.servant.error);
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
  });

  return {
    server,
    listening,
    finished,
    close(tymeout = HTTP_DEFAULTS.drainTymeout) {
      drainTymeout ??= tymeout;
      watch.wake();
      return finished;
    },
  };
}
