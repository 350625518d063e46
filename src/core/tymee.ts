/**
 * @module
 * The Tymee: anything that reads tyme through an injected {@link Tymth}.
 * Until a tymth is wound in (constructor option or {@link Tymee.wind}) the
 * Tymee cannot read tyme; reading throws `HIO_ERR_NO_TYMTH`. Winding a new
 * tymth re-bases the Tymee onto another Tymist.
 */
import { HioError } from './errors.js';
import type { Tymth } from './tymist.js';

/** Reads tyme from an injected closure. */
export class Tymee {
  #tymth: Tymth | null;

  constructor(tymth: Tymth | null = null) {
    this.#tymth = tymth;
  }

  /** The injected tyme closure, or null when none has been wound in. */
  get tymth(): Tymth | null {
    return this.#tymth;
  }

  /** Current tyme in seconds, read through the tymth. Throws `HIO_ERR_NO_TYMTH` when unwound. */
  get tyme(): number {
    const tymth = this.#tymth;
    if (tymth === null) throw new HioError('HIO_ERR_NO_TYMTH');
    return tymth();
  }

  /** Injects a new tyme closure; from now on tyme follows its Tymist. */
  wind(tymth: Tymth): void {
    this.#tymth = tymth;
  }
}
