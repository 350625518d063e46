/**
 * @module
 * The server commands of `hio` (echo, serve, conformance, bench): one
 * BareServer (its stewards answering from a StaticSink for `serve`) under a real-mode Doist, its listening line on stdout, one-line errors on
 * stderr, and a graceful shutdown.
 *
 * Three doers share the Doist: the server's, `announce` (prints the
 * listening line, or the listen error), and `shutdown`. The first SIGTERM or
 * SIGINT wakes `shutdown`, which calls `server.drain(drainTymeout)` inside a
 * pass and then watches `server.drained` once per tock; once drained it stops
 * the Doist and the command exits 0, or 1 when the drain timeout cut
 * connections off. A second signal while draining closes the server at once
 * and exits 1.
 *
 * Exit statuses: 0 after a clean shutdown, 1 when forced (by a signal or the
 * drain timeout), 2 for an invalid option or a listen failure.
 *
 * With `--workers N` (N > 1) the process is the primary of a cluster and
 * runs `cli/serve-cluster.ts` instead; each worker it forks runs this same
 * command, but reports its address (or its listen failure) to the primary
 * instead of printing it, and drains when the primary says so (the primary
 * handles SIGTERM and SIGINT for all of them; see `app/cluster-link.ts`).
 */
import { HioError } from '../core/errors.js';
import { formatAddress } from '../net/address.js';
import type { Dog } from '../doing/doable.js';
import { doify } from '../doing/doify.js';
import { Doist } from '../doing/doist.js';
import { stat } from 'node:fs/promises';
import { clusterLink, type ClusterLink } from '../app/cluster-link.js';
import { StaticSink } from '../app/static-sink.js';
import { BareServer, BareServerDoer, type BareServerOptions, type StewardClass } from '../http/bare-server.js';
import type { Request } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import { Steward } from '../http/steward.js';
import { ConformanceSteward } from '../testing/conformance-steward.js';
import { HelloSteward } from '../testing/hello-steward.js';
import { SERVE_COMMANDS, type FileSettings, type ServeCommand, type ServeSettings } from './command-line.js';
import { ExitStatus } from './exit-status.js';
import { superviseServe } from './serve-cluster.js';

const STEWARDS: Readonly<Record<Exclude<ServeCommand, 'serve'>, StewardClass>> = Object.freeze({
  echo: Steward,
  conformance: ConformanceSteward,
  bench: HelloSteward,
});

/** The sink of a command's files. */
function sinkOf(files: FileSettings): StaticSink {
  return new StaticSink({
    root: files.dir,
    prefix: files.prefix,
    spa: files.spa,
    listing: files.listing,
    cors: files.cors,
    compress: files.compress,
    precompressed: true,
    ...(files.noCache && { headers: { 'cache-control': 'no-cache' } }),
  });
}

/** The benchmark's steward with the files of $STATIC_DIR under /static/: hello world stays on the bare path, files go through the sink. */
function helloWithFiles(sink: StaticSink): StewardClass {
  return class HelloFilesSteward extends HelloSteward {
    override respond(request: Request): Responder {
      if (request.path.startsWith(sink.prefix)) return sink.responder(this.server, this.remoter, request);
      return super.respond(request);
    }
  };
}

/** A steward answering every request from the sink, below the fetch layer (a file goes straight onto the connection); a miss is 404. */
function filesOnly(sink: StaticSink): StewardClass {
  return class FilesSteward extends Steward {
    override respond(request: Request): Responder {
      return sink.responder(this.server, this.remoter, request);
    }
  };
}

/** The server a command runs. */
function serverFor(settings: ServeSettings): BareServer {
  const options = {
    host: settings.host,
    port: settings.port,
    keepAliveTymeout: settings.keepAliveTymeout,
    headerTymeout: settings.headerTymeout,
    limits: settings.limits,
    lenient: settings.lenient,
    proxyProtocol: settings.proxyProtocol ?? false,
  } satisfies BareServerOptions;
  const files = settings.files;
  if (settings.command === 'serve') return new BareServer({ ...options, steward: filesOnly(sinkOf(files!)) });
  const steward = settings.command === 'bench' && files !== null ? helloWithFiles(sinkOf(files)) : STEWARDS[settings.command];
  return new BareServer({ ...options, steward });
}

/** Whether `dir` is a directory we can read. */
async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether the directory to serve is one: a one-line error otherwise. */
async function checkDirectory(files: FileSettings | null): Promise<boolean> {
  if (files === null) return true;
  try {
    if ((await stat(files.dir)).isDirectory()) return true;
    console.error(`hio: ${JSON.stringify(files.dir)} is not a directory`);
  } catch {
    console.error(`hio: cannot read the directory ${JSON.stringify(files.dir)}`);
  }
  return false;
}

/**
 * Serves until a signal drains the server (or forces it closed) and
 * resolves with the exit status. Installs SIGTERM and SIGINT handlers for
 * its lifetime and removes them before it resolves.
 */
export async function serve(given: ServeSettings): Promise<ExitStatus> {
  let settings = given;
  const link = settings.workers > 1 ? clusterLink() : null;
  if (link !== null) settings = { ...settings, port: link.port(settings.port) };
  if (settings.command === 'bench' && settings.files !== null && !(await isDirectory(settings.files.dir))) {
    // $STATIC_DIR is optional for a benchmark run (its files may not be made yet): hello world still answers.
    if (link === null) console.error(`hio: $STATIC_DIR ${JSON.stringify(settings.files.dir)} is not a readable directory: serving without /static/`);
    settings = { ...settings, files: null };
  }
  if (!(await checkDirectory(settings.files))) return ExitStatus.usage;
  let server: BareServer;
  try {
    server = serverFor(settings);
  } catch (error) {
    // The command line checks its values, but the server has the last word on them.
    if (error instanceof HioError && (error.code === 'HIO_ERR_INVALID_OPTION' || error.code === 'HIO_ERR_NET_ADDRESS')) {
      console.error(`hio: ${error.message}`);
      return ExitStatus.usage;
    }
    throw error;
  }
  if (settings.workers > 1 && link === null) return superviseServe(settings);
  return serveHere(settings, server, link);
}

/** Runs `server` until drained, as the module note says; in a cluster's worker, on the primary's word through `link`. */
async function serveHere(settings: ServeSettings, server: BareServer, link: ClusterLink | null): Promise<ExitStatus> {
  const serverDoer = new BareServerDoer(server);
  const controller = new AbortController();
  let status: ExitStatus = ExitStatus.ok;
  /** The first signal received, which asks for the drain; null until then. */
  let signalled: NodeJS.Signals | null = null;
  /** In a worker, the drain's tymeout once the primary (or a SIGTERM) asked for it; null until then. */
  let drainTymeout: number | null = null;
  link?.onDrain((tymeout) => {
    drainTymeout ??= tymeout ?? settings.drainTymeout;
    shutdown.wake();
  });

  const announce = doify(function* announce(): Dog {
    for (;;) {
      if (server.servant.opened && link !== null) {
        link.listening(server.servant.address);
        return true;
      }
      if (server.servant.opened) {
        const about = settings.command === 'serve' ? `files of ${settings.files!.dir}` : SERVE_COMMANDS[settings.command].about;
        console.log(`hio ${about} listening on http://${formatAddress(server.servant.address)}/`);
        return true;
      }
      if (server.servant.error !== null) {
        // A worker's failure is the primary's to print.
        if (link === null) console.error(`hio: cannot listen on ${formatAddress(settings)}: ${server.servant.error.code}`);
        else link.failed(server.servant.error);
        status = ExitStatus.usage;
        controller.abort();
        return false;
      }
      // Told to stop before listening: nothing to announce.
      if (signalled !== null || drainTymeout !== null) return false;
      yield 0;
    }
  });

  const shutdown = doify(function* shutdown(): Dog {
    // Asleep until the signal handler (or, in a worker, the primary) wakes it.
    while (signalled === null && drainTymeout === null) yield Infinity;
    // Called inside a pass rather than from the handler, so the server sees
    // the drain between two of its own passes like any other state change.
    server.drain(drainTymeout ?? settings.drainTymeout);
    // The server doer sleeps until its own next due tyme; drain has work for it now.
    serverDoer.wake();
    // Printed after drain() was called: whoever reads it knows draining began.
    if (signalled !== null) console.error(`hio: ${signalled}: draining (${settings.drainTymeout} s; signal again to force)`);
    // Once per Doist tock (1/32 s): cheap, and the exit follows the drain closely.
    while (!server.drained) yield 0;
    const cut = server.drainCut;
    if (cut > 0) {
      // Not a clean drain: say so, and exit as a forced shutdown does.
      console.error(
        `hio: ${link === null ? '' : `worker ${process.pid}: `}drain timeout (${drainTymeout ?? settings.drainTymeout} s) passed: ${cut} connection${cut === 1 ? '' : 's'} cut; raise --drain-timeout to let them finish`,
      );
      status = ExitStatus.forced;
    }
    controller.abort();
    return true;
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled === null) {
      signalled = signal;
      shutdown.wake();
      return;
    }
    // Already forcing, or already stopping after a drain or a listen error.
    if (controller.signal.aborted) return;
    const open = server.servant.remoters.size;
    console.error(`hio: ${signal} while draining: forced shutdown (${open} connection${open === 1 ? '' : 's'} cut)`);
    status = ExitStatus.forced;
    server.close();
    controller.abort();
  };
  // A worker's signals are the link's: SIGINT is the primary's to act on, SIGTERM a drain.
  if (link === null) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  try {
    await new Doist({ real: true }).run([serverDoer, announce, shutdown], { signal: controller.signal });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    link?.done();
  }
  return status;
}
