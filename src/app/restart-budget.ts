/**
 * @module
 * The RestartBudget: how a cluster's primary decides, for a worker that
 * exited when nobody asked it to, how long to wait before starting its
 * replacement, and when to stop trying. The delay starts at `backoff` and
 * doubles with each restart up to `maxBackoff`; a worker that stayed up for
 * `settle` seconds or more resets it. More than `maxRestarts` restarts within
 * any `window` seconds spends the budget. It holds no timer and reads no
 * clock: the caller passes the times, so a test drives it by hand.
 */
import { HioError } from '../core/errors.js';
import { checkOptions, checkSeconds } from '../core/options.js';

/** When a cluster restarts its workers; every duration in seconds. */
export interface RestartPolicy {
  /** Most restarts within `window` before the primary gives up (default 10, or twice the workers when more; 0 never restarts). */
  readonly maxRestarts?: number;
  /** The sliding window the restarts are counted in (default 60 s). */
  readonly window?: number;
  /** Delay before the first restart (default 0.1 s); it doubles with each restart after that. */
  readonly backoff?: number;
  /** Longest delay before a restart (default 5 s). */
  readonly maxBackoff?: number;
  /** A worker that stayed up this long before it exited resets the delay to `backoff` (default 10 s). */
  readonly settle?: number;
}

/** The default {@link RestartPolicy}. */
export const RESTART_DEFAULTS: Readonly<Required<RestartPolicy>> = Object.freeze({
  maxRestarts: 10,
  window: 60,
  backoff: 0.1,
  maxBackoff: 5,
  settle: 10,
});

/** Decides restarts after unexpected worker exits; see the module note. */
export class RestartBudget {
  readonly policy: Readonly<Required<RestartPolicy>>;
  /** When each restart within the window was granted, oldest first. */
  #granted: number[] = [];
  /** The delay the next restart waits. */
  #delay: number;

  constructor(policy: RestartPolicy = {}) {
    checkOptions('RestartPolicy', policy, Object.keys(RESTART_DEFAULTS));
    const full = { ...RESTART_DEFAULTS, ...definedOnly(policy) };
    if (!Number.isInteger(full.maxRestarts) || full.maxRestarts < 0) {
      throw new HioError('HIO_ERR_INVALID_OPTION', `RestartPolicy: maxRestarts must be an integer >= 0, got ${String(full.maxRestarts)}`);
    }
    for (const name of ['window', 'backoff', 'maxBackoff', 'settle'] as const) checkSeconds('RestartPolicy', name, full[name]);
    this.policy = Object.freeze(full);
    this.#delay = full.backoff;
  }

  /** Restarts granted within the window that ended at the last {@link next}. */
  get recent(): number {
    return this.#granted.length;
  }

  /**
   * A worker started at `startedAt` exited unexpectedly at `now` (seconds on
   * one clock): the seconds to wait before starting its replacement, or null
   * when that restart would be one more than `maxRestarts` within `window`.
   */
  next(now: number, startedAt: number): number | null {
    if (now - startedAt >= this.policy.settle) this.#delay = this.policy.backoff;
    this.#granted = this.#granted.filter((time) => now - time < this.policy.window);
    if (this.#granted.length >= this.policy.maxRestarts) return null;
    this.#granted.push(now);
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.policy.maxBackoff);
    return delay;
  }
}

/** `policy` without its undefined keys, which count as absent. */
function definedOnly(policy: RestartPolicy): RestartPolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined)) as RestartPolicy;
}
