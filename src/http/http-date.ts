/**
 * @module
 * The Date header value (IMF-fixdate, RFC 9110 §5.6.7) from an injected
 * {@link Clock}, formatted at most once per second.
 */
import type { Clock } from '../core/clock.js';

/** Formats the current time for Date headers, caching the text for the current second. */
export class HttpDate {
  readonly #clock: Clock;
  #second = Number.NaN;
  #text = '';

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
  now(): string {
    const ms = this.#clock.epochMs();
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#text = new Date(second * 1000).toUTCString();
    }
    return this.#text;
  }
}
