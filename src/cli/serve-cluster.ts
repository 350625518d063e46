/**
 * @module
 * The primary of `hio echo|serve|conformance|bench --workers N`: a
 * {@link ClusterSupervisor} forks N workers that run the same command on one
 * shared port, and this process prints what the one-process command prints —
 * the listening line once, with the number of workers; one line per worker
 * restarted — and handles SIGTERM and SIGINT for all of them: the first
 * drains every worker (`--drain-timeout`), a second kills them.
 *
 * Exit statuses as with one process: 0 after a clean drain, 1 when forced (a
 * second signal, or a worker whose drain cut connections or that had to be
 * killed), 2 when the workers could not listen; and 1 with a
 * `HIO_ERR_CLUSTER` line when workers kept exiting past the restart budget.
 */
import { ClusterSupervisor } from '../app/cluster.js';
import { HioError } from '../core/errors.js';
import { formatAddress } from '../net/address.js';
import { SERVE_COMMANDS, type ServeSettings } from './command-line.js';
import { ExitStatus } from './exit-status.js';

/** Runs the workers until a signal drains them, or the restart budget is spent; resolves with the exit status. */
export async function superviseServe(settings: ServeSettings): Promise<ExitStatus> {
  const supervisor = new ClusterSupervisor({ workers: settings.workers });
  let status: ExitStatus = ExitStatus.ok;
  supervisor.listening.then(
    (address) => {
      const about = settings.command === 'serve' ? `files of ${settings.files!.dir}` : SERVE_COMMANDS[settings.command].about;
      console.log(`hio ${about} listening on http://${formatAddress(address)}/ (${settings.workers} workers)`);
    },
    (error: unknown) => {
      // A listen failure (EADDRINUSE, …); the cluster's own failures are told when `finished` rejects.
      if (error instanceof HioError) return;
      console.error(`hio: cannot listen on ${formatAddress(settings)}: ${(error as { code?: string }).code ?? String(error)}`);
      status = ExitStatus.usage;
    },
  );

  const off = supervisor.handleSignals(settings.drainTymeout, (signal, forced) => {
    if (!forced) {
      console.error(`hio: ${signal}: draining ${settings.workers} workers (${settings.drainTymeout} s; signal again to force)`);
      return;
    }
    const alive = supervisor.pids.length;
    console.error(`hio: ${signal} while draining: forced shutdown (${alive} worker${alive === 1 ? '' : 's'} killed)`);
    status = ExitStatus.forced;
  });
  try {
    await supervisor.finished;
  } catch (error) {
    if (!(error instanceof HioError)) throw error;
    console.error(`hio: ${error.code}: ${error.message}`);
    return ExitStatus.failed;
  } finally {
    off();
  }
  if (status === ExitStatus.ok && supervisor.unclean > 0) status = ExitStatus.forced;
  return status;
}
