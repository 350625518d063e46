/**
 * @module
 * `hio-ts/testing`: tools for deterministic tests of code built on hio-ts.
 */
export { ManualClock } from './manual-clock.js';
export { EchoDoer } from './echo-doer.js';
export type { EchoDoerOptions } from './echo-doer.js';
export { ConformanceSteward } from './conformance-steward.js';
export { HelloSteward } from './hello-steward.js';
export { simulate, SimulationError } from './simulate.js';
export type { BareHost, FetchHost, HostSpec, Invariant, ServiceHost, SimPlan, SimulateOptions, SimWorld } from './simulate.js';
export { rawLoop, closedLoop, openLoop, pipelined, uploads, slowReaders, slowloris, eventListener } from './workloads.js';
export type {
  ClosedLoopOptions,
  EventListenerOptions,
  OpenLoopOptions,
  RawLoopOptions,
  RequestGenerator,
  RequestSpec,
  SlowlorisOptions,
  Workload,
  WorkloadOptions,
} from './workloads.js';
export { at, calm, stormy, FAULT_KINDS, PRESETS, describeFault, describeProfile } from './fault-plan.js';
export type { FaultKind, FaultProfile, FaultSpec, NetProfile } from './fault-plan.js';
export { always, sometimes, currentSimulation } from './sim-context.js';
export type { SimContext } from './sim-context.js';
export { RandomStreams } from './random-streams.js';
export { REQUEST_ID_HEADER } from './http-audit.js';
export type { HostTymeouts } from './http-audit.js';
export { defineScenario, firstDivergence, isScenario, runScenario, shrinkScenario } from './scenario.js';
export type { CustomScenario, RunScenarioOptions, Scenario, ShrinkOutcome } from './scenario.js';
export type { SimAssertionRecord, SimFaultRecord, SimRequestRecord, SimResult, SimViolation } from './sim-result.js';
export { timelineHtml, writeTimeline, chromeTrace, writeChromeTrace } from './timeline.js';
export type { ChromeTrace, ChromeTraceEvent, TimelineOptions, TimelineData } from './timeline.js';
export { tripwire, createTripStore, simNow, simDate, simRandom, simRandomUUID, ambientCalls } from './tripwire.js';
export type { AmbientCall, TripMode, TripRecord, TripStore, TripStoreOptions } from './tripwire.js';
