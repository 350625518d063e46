/**
 * @module
 * Doers from plain generator functions. {@link doify} wraps one function in
 * one {@link GeneratorDoer}; {@link doize} turns a function into a factory
 * that makes a fresh, independent GeneratorDoer on every call. Nothing is hung
 * on the function itself, so two doers made from one function never share
 * `done` or `tock` (hio's doize shares them across every use).
 */
import { checkOptions, checkTock } from '../core/options.js';
import type { Tymth } from '../core/tymist.js';
import type { Doable, Dog } from './doable.js';

/** What a generator function doer is called with each time its dog is made. */
export interface DoContext<O> {
  /** The scheduler's tyme closure. */
  readonly tymth: Tymth;
  /** The tock the doer was scheduled with, in seconds. */
  readonly tock: number;
  /** The options given to doify/doize. */
  readonly opts: O;
  /** The doer running this function, to change its tock or wake it. */
  readonly doer: GeneratorDoer<O>;
}

/** A generator function usable as a doer: yields tocks, receives tymes, returns done. */
export type DoFunction<O> = (context: DoContext<O>) => Dog;

/** Options of {@link doify} and {@link doize}. */
export interface DoifyOptions<O> {
  /** Seconds between runs (default 0: every pass). */
  readonly tock?: number;
  /** A label (default: the function's name). */
  readonly name?: string;
  /** Values handed to the function as `context.opts`. */
  readonly opts?: O;
}

/** A doer whose dog is a plain generator function's generator. */
export class GeneratorDoer<O = undefined> implements Doable {
  readonly name: string;
  readonly opts: O;
  done = false;
  #tock: number;
  #fn: DoFunction<O>;
  #waker: (() => void) | null = null;

  constructor(fn: DoFunction<O>, options: DoifyOptions<O> = {}) {
    checkOptions('doify', options, ['tock', 'name', 'opts']);
    this.#fn = fn;
    this.name = options.name ?? (fn.name || 'GeneratorDoer');
    this.#tock = checkTock(this.name, options.tock ?? 0);
    this.opts = options.opts as O;
  }

  /** Seconds between runs, as given to doify; the function's yields decide the actual pace. */
  get tock(): number {
    return this.#tock;
  }

  set tock(tock: number) {
    this.#tock = checkTock(this.name, tock);
  }

  do(tymth: Tymth, tock: number = this.#tock): Dog {
    return this.#fn({ tymth, tock, opts: this.opts, doer: this });
  }

  wake(): void {
    this.#waker?.();
  }

  attachWaker(waker: (() => void) | null): void {
    this.#waker = waker;
  }
}

/** Wraps a generator function in a new, independent doer. */
export function doify<O = undefined>(fn: DoFunction<O>, options: DoifyOptions<O> = {}): GeneratorDoer<O> {
  return new GeneratorDoer(fn, options);
}

/**
 * Returns a decorator that turns a generator function into a factory of
 * doers: every call of the factory makes a fresh GeneratorDoer with these
 * options, so instances never share state.
 */
export function doize<O = undefined>(options: DoifyOptions<O> = {}): (fn: DoFunction<O>) => () => GeneratorDoer<O> {
  checkOptions('doize', options, ['tock', 'name', 'opts']);
  return (fn) => () => new GeneratorDoer(fn, options);
}
