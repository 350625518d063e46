/**
 * Recording doers for scheduler trace tests: every context appends
 * `{ tyme, name, context, feed }` to a shared trace, so a test can assert the
 * whole sequence of a run at once.
 */
import { Doer } from '../../src/doing/doer.js';
import type { DoerOptions } from '../../src/doing/base-doer.js';
import { ReDoer } from '../../src/doing/re-doer.js';
import { DoDoer, type DoDoerOptions } from '../../src/doing/do-doer.js';

export interface Entry {
  readonly tyme: number;
  readonly name: string;
  readonly context: string;
  readonly feed?: number;
}

export type Trace = Entry[];

export interface RecorderOptions extends DoerOptions {
  /** Finish (recur returns true) on this run; default never. */
  readonly runs?: number;
  /** Called during each recur, after recording, with the run number (1-based). */
  readonly onRecur?: (run: number, doer: Recorder) => void;
  /** Throw this from enter. */
  readonly failInEnter?: Error;
  /** Set done in enter, skipping recur. */
  readonly doneInEnter?: boolean;
}

/** A Doer that records every context into `trace`. */
export class Recorder extends Doer {
  readonly trace: Trace;
  runs = 0;
  readonly #finishOn: number;
  readonly #onRecur: ((run: number, doer: Recorder) => void) | undefined;
  readonly #failInEnter: Error | undefined;
  readonly #doneInEnter: boolean;

  constructor(trace: Trace, options: RecorderOptions = {}) {
    const { runs, onRecur, failInEnter, doneInEnter, ...rest } = options;
    super(rest);
    this.trace = trace;
    this.#finishOn = runs ?? Infinity;
    this.#onRecur = onRecur;
    this.#failInEnter = failInEnter;
    this.#doneInEnter = doneInEnter ?? false;
  }

  #log(context: string, feed?: number): void {
    this.trace.push(feed === undefined ? { tyme: this.tyme, name: this.name, context } : { tyme: this.tyme, name: this.name, context, feed });
  }

  protected override enter(): void {
    this.#log('enter');
    if (this.#failInEnter !== undefined) throw this.#failInEnter;
    if (this.#doneInEnter) this.done = true;
  }

  protected override recur(tyme: number): boolean {
    this.runs += 1;
    this.#log('recur', tyme);
    this.#onRecur?.(this.runs, this);
    return this.runs >= this.#finishOn;
  }

  protected override clean(): void {
    this.#log('clean');
  }

  protected override close(): void {
    this.#log('close');
  }

  protected override abort(): void {
    this.#log('abort');
  }

  protected override exit(): void {
    this.#log('exit');
  }
}

/** A ReDoer that records its contexts; its recur generator finishes after `runs` runs. */
export class ReRecorder extends ReDoer {
  readonly trace: Trace;
  readonly #runs: number;

  constructor(trace: Trace, options: DoerOptions & { runs?: number } = {}) {
    const { runs, ...rest } = options;
    super(rest);
    this.trace = trace;
    this.#runs = runs ?? Infinity;
  }

  protected override enter(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'enter' });
  }

  protected override *recur(): Generator<number, boolean, number> {
    for (let run = 1; ; run++) {
      const tyme = yield this.tock;
      this.trace.push({ tyme: this.tyme, name: this.name, context: 'recur', feed: tyme });
      if (run >= this.#runs) return true;
    }
  }

  protected override clean(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'clean' });
  }

  protected override close(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'close' });
  }

  protected override abort(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'abort' });
  }

  protected override exit(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'exit' });
  }
}

/** A DoDoer that records its own contexts around its children's. */
export class RecordingDoDoer extends DoDoer {
  readonly trace: Trace;

  constructor(trace: Trace, options: DoDoerOptions = {}) {
    super(options);
    this.trace = trace;
  }

  protected override enter(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'enter' });
    super.enter();
  }

  protected override recur(tyme: number): boolean {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'recur', feed: tyme });
    return super.recur(tyme);
  }

  protected override clean(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'clean' });
  }

  protected override close(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'close' });
  }

  protected override abort(): void {
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'abort' });
  }

  protected override exit(): void {
    super.exit();
    this.trace.push({ tyme: this.tyme, name: this.name, context: 'exit' });
  }
}

/** Compact form of a trace for whole-trace assertions: "name:context@tyme". */
export function brief(trace: Trace): string[] {
  return trace.map((entry) => `${entry.name}:${entry.context}@${entry.tyme}`);
}
