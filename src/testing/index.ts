/**
 * @module
 * `hio-ts/testing`: tools for deterministic tests of code built on hio-ts.
 */
export { ManualClock } from './manual-clock.js';
export { EchoDoer } from './echo-doer.js';
export type { EchoDoerOptions } from './echo-doer.js';
export { ConformanceSteward } from './conformance-steward.js';
export { HelloSteward } from './hello-steward.js';
