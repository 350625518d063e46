/**
 * @module
 * The Tymer: a timer on a Tymist's tyme. It stores a start and a stop tyme;
 * `expired` is true from the stop tyme on (the boundary counts). Two ways to
 * begin again: {@link Tymer.start} from now (or a given tyme) — what activity
 * refresh wants — and {@link Tymer.restart}, which begins at the old stop so
 * no time is lost — what periodic pacing wants.
 */
import { checkOptions, checkSeconds } from './options.js';
import { Tymee } from './tymee.js';
import type { Tymth } from './tymist.js';

/** Options for a {@link Tymer}. */
export interface TymerOptions {
  /** The tyme closure to read; without one the Tymer cannot be read until wound. */
  readonly tymth?: Tymth;
  /** Seconds from start to stop (default 0: a new Tymer is already expired). */
  readonly duration?: number;
  /** Start tyme in seconds (default: the current tyme, or 0 without a tymth). May lie in the past or future. */
  readonly start?: number;
}

/** A timer reading tyme through a tymth. */
export class Tymer extends Tymee {
  #start: number;
  #stop: number;

  constructor(options: TymerOptions = {}) {
    checkOptions('Tymer', options, ['tymth', 'duration', 'start']);
    super(options.tymth ?? null);
    const duration = checkSeconds('Tymer', 'duration', options.duration ?? 0);
    this.#start = options.start ?? (this.tymth === null ? 0 : this.tyme);
    this.#stop = this.#start + duration;
  }

  /** Tyme at which the timer started, in seconds. */
  get startTyme(): number {
    return this.#start;
  }

  /** Tyme at which the timer expires, in seconds. */
  get stopTyme(): number {
    return this.#stop;
  }

  /** Seconds from start to stop. */
  get duration(): number {
    return this.#stop - this.#start;
  }

  /** Seconds since start (negative when start lies in the future). */
  get elapsed(): number {
    return this.tyme - this.#start;
  }

  /** Seconds until stop (negative once expired). */
  get remaining(): number {
    return this.#stop - this.tyme;
  }

  /** True from the stop tyme on. */
  get expired(): boolean {
    return this.tyme >= this.#stop;
  }

  /**
   * Starts again at `start` (default: now), with `duration` (default: the
   * current duration). Use this to refresh an activity timeout.
   */
  start(duration: number = this.duration, start: number = this.tyme): void {
    // Refreshing with the same duration (the common case) needs no new check.
    if (duration !== this.#stop - this.#start) checkSeconds('Tymer', 'duration', duration);
    this.#start = start;
    this.#stop = start + duration;
  }

  /**
   * Starts again at the old stop tyme, losing no time, with `duration`
   * (default: the current duration). Use this for drift-free periodic pacing.
   */
  restart(duration: number = this.duration): void {
    this.start(duration, this.#stop);
  }

  /** Re-bases onto another tymth and starts there now, keeping the duration. */
  override wind(tymth: Tymth): void {
    const duration = this.duration;
    super.wind(tymth);
    this.start(duration);
  }
}
