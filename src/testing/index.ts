/**
 * @module
 * `hio-ts/testing`: tools for deterministic tests of code built on hio-ts.
 */
export { ManualClock } from './manual-clock.js';
