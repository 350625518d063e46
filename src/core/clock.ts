/**
 * @module
 * The clock seam: the only place real time enters hio-ts. Everything in
 * `core`, `doing` and `http` that needs real time takes a {@link Clock};
 * {@link realClock} is the one implementation that reads the machine, and a
 * simulation passes a clock driven by virtual tyme instead
 * ({@link tymeClock}) or a hand-advanced one in tests.
 */
import { HioError } from './errors.js';
import type { Tymth } from './tymist.js';

/** Cancels a timer set with {@link Clock.setTimer}; calling it twice is harmless. */
export type CancelTimer = () => void;

/** A source of real (or simulated) time. */
export interface Clock {
  /** Monotonic seconds from an arbitrary origin; never goes backwards. */
  now(): number;
  /** Milliseconds since the Unix epoch, for Date headers and logs; not monotonic. */
  epochMs(): number;
  /** Calls `fn` once, about `seconds` from now (on Node's event loop for the real clock). */
  setTimer(seconds: number, fn: () => void): CancelTimer;
}

// Node's functions as loaded. The real clock is a seam chosen on purpose, so
// the simulation tripwire, which patches the globals to catch application
// code, never sees it: a virtual Doist.run reads it once as it starts and a
// Patron once at construction, and neither uses the value.
const monotonicNow = performance.now.bind(performance);
const epochNow = Date.now;
const startTimer = setTimeout;
const stopTimer = clearTimeout;

/** The machine's clock: `performance.now()` for monotonic time, `Date.now()` for the epoch. */
export const realClock: Clock = Object.freeze({
  now: () => monotonicNow() / 1000,
  epochMs: () => epochNow(),
  setTimer(seconds: number, fn: () => void): CancelTimer {
    const handle = startTimer(fn, Math.max(0, seconds * 1000));
    return () => stopTimer(handle);
  },
});

/**
 * A clock that follows virtual tyme: `now()` is the tyme, `epochMs()` is
 * `epochBaseMs` plus the tyme in milliseconds. It gives simulations
 * deterministic Date headers. It cannot sleep: virtual tyme only moves when
 * its Tymist ticks, so `setTimer` throws `HIO_ERR_INVALID_OPTION`.
 */
export function tymeClock(tymth: Tymth, epochBaseMs = 0): Clock {
  return {
    now: tymth,
    epochMs: () => epochBaseMs + tymth() * 1000,
    setTimer(): CancelTimer {
      throw new HioError('HIO_ERR_INVALID_OPTION', 'a tyme clock cannot set real timers; use a real clock for real mode');
    },
  };
}
