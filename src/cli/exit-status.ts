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
  /** An unknown command or flag, an invalid value, or the server could not listen. */
  usage: 2,
} as const;

/** One of the {@link ExitStatus} values. */
export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];
