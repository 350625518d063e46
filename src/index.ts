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
export { Prng, realRandom } from './core/prng.js';
export type { Random } from './core/prng.js';
export { ByteQueue } from './core/byte-queue.js';
export { MinHeap } from './core/min-heap.js';
export { formatAddress } from './core/net/address.js';
export type { Address } from './core/net/address.js';
export { netError } from './core/net/net-error.js';
export type { NetError, NetErrorCode } from './core/net/net-error.js';
export { MemoryWireLog } from './core/net/wire-log.js';
export type { WireLog, WireEntry, WireDirection } from './core/net/wire-log.js';
export type { Connection, Remoter } from './core/net/connection.js';
export type { Servant } from './core/net/servant.js';
export type { Client } from './core/net/client.js';
export { BaseServant } from './core/net/base-servant.js';
export type { ServedRemoter } from './core/net/base-servant.js';
export { NetServant, TlsServant } from './core/net/net-servant.js';
export type { NetServantOptions } from './core/net/net-servant.js';
export { NetRemoter } from './core/net/net-remoter.js';
export { NetClient, TlsClient } from './core/net/net-client.js';
export type { NetClientOptions } from './core/net/net-client.js';
export type { NetConnectionOptions } from './core/net/net-connection.js';
export { SimNet } from './core/net/sim/sim-net.js';
export type { SimNetOptions, SimStats, DirectionOptions } from './core/net/sim/sim-net.js';
export { SimServant } from './core/net/sim/sim-servant.js';
export type { SimServantOptions } from './core/net/sim/sim-servant.js';
export { SimClient } from './core/net/sim/sim-client.js';
export type { SimClientOptions } from './core/net/sim/sim-client.js';
export { SimRemoter } from './core/net/sim/sim-remoter.js';
export type { SimEndpointOptions } from './core/net/sim/sim-endpoint.js';
export { SimTrace, SimTraceKind } from './core/net/sim/sim-trace.js';
export type { SimTraceEvent, SimTraceKindName } from './core/net/sim/sim-trace.js';
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
export { ServiceDoer, ServantDoer, ClientDoer } from './doing/service-doer.js';
export type { Serviceable, ServiceDoerOptions } from './doing/service-doer.js';
export type { DoistOptions, DoOptions, RunOptions } from './doing/doist.js';
