/**
 * @module
 * The public API of hio-ts. Every export is named here; the simulation
 * harness for tests lives in the second entry point, `hio-ts/testing`.
 */
export { errorCodes, HioError, HttpParseError } from './core/errors.js';
export type { HioErrorCode, ParseStatus } from './core/errors.js';
export { Tymist, DEFAULT_TOCK } from './core/tymist.js';
export type { Tymth, TymistOptions } from './core/tymist.js';
export { Tymee } from './core/tymee.js';
export { Tymer } from './core/tymer.js';
export type { TymerOptions } from './core/tymer.js';
export { realClock, tymeClock } from './core/clock.js';
export type { Clock, CancelTimer } from './core/clock.js';
export type { Doable, Dog } from './doing/doable.js';
export { BaseDoer } from './doing/base-doer.js';
export type { DoerOptions } from './doing/base-doer.js';
export { Doer } from './doing/doer.js';
export { ReDoer } from './doing/re-doer.js';
export { DoDoer } from './doing/do-doer.js';
export type { DoDoerOptions } from './doing/do-doer.js';
export { doify, doize, GeneratorDoer } from './doing/doify.js';
export type { DoContext, DoFunction, DoifyOptions } from './doing/doify.js';
export { Doist } from './doing/doist.js';
export type { DoistOptions, DoOptions, RunOptions } from './doing/doist.js';
