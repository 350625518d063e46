/**
 * @module
 * The progress of a `hio sim` sweep on stderr: on a terminal one bar
 * redrawn in place (`\r`, at most ten times a second); otherwise (a pipe, a
 * CI log) one line each time another tenth of the seeds is done. `--quiet`
 * turns it off. The sweep calls {@link SweepProgress#update} from a timer
 * and {@link SweepProgress#clear} before each line it prints on stdout, so
 * that a bar never runs into a FAIL line on a shared terminal.
 */
import { performance } from 'node:perf_hooks';

/** Least milliseconds between two redraws of the bar. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** The stream it writes to: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
}

export class SweepProgress {
  readonly #stream: ProgressStream;
  readonly #enabled: boolean;
  readonly #tty: boolean;
  readonly #total: number;
  readonly #start = performance.now();
  /** True while a bar is on the terminal's last line. */
  #drawn = false;
  #lastDrawMs = -Infinity;
  /** The bar last drawn: an unchanged one is not drawn again. */
  #lastBar = '';
  /** The next tenth (1–10) that prints a line when not on a terminal. */
  #nextTenth = 1;

  /** Progress of `total` seeds on `stream`; silent unless `enabled`. */
  constructor(stream: ProgressStream, total: number, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled && total > 0;
    this.#tty = stream.isTTY === true;
    this.#total = total;
  }

  /** `done` of the seeds run so far, `failed` of them failing. */
  update(done: number, failed: number): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#lastDrawMs < REDRAW_MS) return;
      this.#lastDrawMs = now;
      const bar = this.#bar(done, failed, now);
      if (this.#drawn && bar === this.#lastBar) return;
      this.#lastBar = bar;
      this.#stream.write(`\r${bar}\x1b[K`);
      this.#drawn = true;
      return;
    }
    const tenth = Math.floor((done * 10) / this.#total);
    if (tenth < this.#nextTenth) return;
    this.#nextTenth = tenth + 1;
    const seconds = ((now - this.#start) / 1000).toFixed(1);
    this.#stream.write(`hio sim: ${tenth * 10}% (${done}/${this.#total} seeds, ${failed} failed, ${seconds} s)\n`);
  }

  /** Takes the bar off the terminal, before a line is printed; the next update draws it again. */
  clear(): void {
    if (!this.#drawn) return;
    this.#stream.write('\r\x1b[K');
    this.#drawn = false;
    this.#lastDrawMs = -Infinity;
  }

  /** The sweep is over: the bar goes, the summary follows. */
  finish(): void {
    this.clear();
  }

  #bar(done: number, failed: number, now: number): string {
    const fraction = Math.min(1, done / this.#total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const seconds = (now - this.#start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? `, ${Math.ceil((this.#total - done) / rate)} s left` : '';
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    return `hio sim ${bar} ${done}/${this.#total} ${Math.floor(fraction * 100)}%  ${failed} failed  ${Math.round(rate)} seeds/s${eta}`;
  }
}
