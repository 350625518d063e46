/**
 * @module
 * What the {@link SimNet} moves and between what: hosts, the one-way links
 * between them (each with its bandwidth queue, its hold and partition flags
 * and the parcels those parked), and parcels — a connect, its answer or
 * refusal, bytes, a half-close, a reset. A parcel of a connection travels on
 * one of its two {@link SimStream}s. Internal to the simulated network.
 */
import type { SimEndpoint } from './sim-endpoint.js';
import type { SimServant } from './sim-servant.js';
import type { SimStream } from './sim-stream.js';
import type { TracedHost } from './sim-trace.js';

/** A named host: its listeners, its ports, its live connection ends. */
export interface Host extends TracedHost {
  up: boolean;
  readonly listeners: Map<number, SimServant>;
  /** Listeners of a crashed host, re-registered on restart. */
  suspended: Array<[number, SimServant]>;
  nextListenPort: number;
  nextClientPort: number;
  refuseAll: boolean;
  readonly refused: Set<number>;
  readonly endpoints: Set<SimEndpoint>;
}

/** One direction between two hosts: its bandwidth queue, its faults, the parcels parked by them. */
export interface Link {
  readonly from: Host;
  readonly to: Host;
  busyUntil: number;
  held: boolean;
  cut: boolean;
  parked: Parcel[];
}

/** What a parcel carries. */
export const ParcelKind = { syn: 0, synack: 1, refuse: 2, data: 3, fin: 4, rst: 5 } as const;
export type ParcelKind = (typeof ParcelKind)[keyof typeof ParcelKind];

/** One thing in flight: a connect, its answer, bytes, a half-close or a reset. */
export interface Parcel {
  /** Tyme the parcel arrives (set when scheduled). */
  at: number;
  /** Place in the event order (set when scheduled). */
  seq: number;
  /** Place in its stream (set when first sent). */
  order: number;
  readonly kind: ParcelKind;
  readonly link: Link;
  readonly conn: number;
  readonly from: SimEndpoint;
  /** The receiving endpoint; null for a connect (it goes to a port). */
  readonly to: SimEndpoint | null;
  /** The direction of the connection it travels on; null for a connect and its refusal. */
  readonly stream: Stream | null;
  readonly port: number;
  readonly bytes: Buffer | null;
}

/** One direction of a connection, ordering the parcels sent on it. */
export type Stream = SimStream<Parcel, Link>;

/** A parcel not yet scheduled; one on a stream gets its place in it. */
export function parcel(kind: ParcelKind, link: Link, conn: number, from: SimEndpoint, to: SimEndpoint | null, stream: Stream | null, port: number, bytes: Buffer | null): Parcel {
  const made: Parcel = { at: 0, seq: 0, order: 0, kind, link, conn, from, to, stream, port, bytes };
  stream?.stamp(made);
  return made;
}
