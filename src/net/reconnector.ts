/**
 * @module
 * The reconnect policy a {@link Client} follows, whatever its backend: after
 * a failure or cutoff that was not our own close, wait `reconnectTymeout`
 * seconds of tyme from the moment the failure was noticed, then connect
 * again, so a dead server is not hammered.
 */
import { checkSeconds } from '../core/options.js';
import { Tymer } from '../core/tymer.js';
import type { Tymth } from '../core/tymist.js';

/** Options of a {@link Reconnector}. */
export interface ReconnectorOptions {
  readonly tymth?: Tymth | null;
  /** Reconnect at all (default false). */
  readonly reconnectable?: boolean;
  /** Seconds of tyme between a noticed failure and the next connect (default 1). */
  readonly reconnectTymeout?: number;
}

/** Decides when a failed client connects again. */
export class Reconnector {
  /** Reconnect after failures. */
  reconnectable: boolean;
  readonly #redo: Tymer;
  #tymeout: number;
  #waiting = false;

  constructor(owner: string, options: ReconnectorOptions) {
    this.reconnectable = options.reconnectable ?? false;
    this.#tymeout = checkSeconds(owner, 'reconnectTymeout', options.reconnectTymeout ?? 1);
    this.#redo = new Tymer(options.tymth === undefined || options.tymth === null ? {} : { tymth: options.tymth });
  }

  /** Seconds of tyme between a noticed failure and the next connect. */
  get tymeout(): number {
    return this.#tymeout;
  }

  set tymeout(seconds: number) {
    this.#tymeout = checkSeconds('Client', 'reconnectTymeout', seconds);
  }

  /** Tyme of the next reconnect when one is scheduled, else Infinity. */
  get due(): number {
    return this.#waiting ? this.#redo.stopTyme : Infinity;
  }

  wind(tymth: Tymth): void {
    this.#redo.wind(tymth);
  }

  /**
   * Called on every connect pass with whether the connection is down
   * through no doing of ours; true when it is time to reconnect now.
   */
  check(failed: boolean): boolean {
    if (!this.reconnectable || this.#redo.tymth === null || !failed) {
      this.#waiting = false;
      return false;
    }
    if (!this.#waiting) {
      this.#waiting = true;
      this.#redo.start(this.#tymeout);
      return false;
    }
    if (!this.#redo.expired) return false;
    this.#waiting = false;
    return true;
  }
}

/** The reconnect settings a client's options carry, without the absent ones (for exactOptionalPropertyTypes). */
export function reconnectOptions(options: { readonly reconnectable?: boolean; readonly reconnectTymeout?: number }): {
  reconnectable?: boolean;
  reconnectTymeout?: number;
} {
  return {
    ...(options.reconnectable !== undefined && { reconnectable: options.reconnectable }),
    ...(options.reconnectTymeout !== undefined && { reconnectTymeout: options.reconnectTymeout }),
  };
}
