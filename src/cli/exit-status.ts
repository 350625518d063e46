/**
 * @module
 * The exit statuses of the `hio` command.
 */

/** What the `hio` process exits with. */
export const ExitStatus = {
  /** Done: help printed, demo run, or served and shut down cleanly (drained). */
  ok: 0,
  /** Shut down by force: a second SIGTERM or SIGINT while draining. */
  forced: 1,
  /** `hio sim`: a seed failed (a violation, an error, a worker crash), in the range or in the bank; a server with --workers: its workers kept exiting past the restart budget. */
  failed: 1,
  /** An unknown command or flag, an invalid value, the server could not listen, or a scenario file that is missing or exports no scenario. */
  usage: 2,
  /** `hio sim`: stopped by SIGINT (Ctrl-C) during a sweep, 128 + the signal's number as shells report it. */
  interrupted: 130,
} as const;

/** One of the {@link ExitStatus} values. */
export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];
