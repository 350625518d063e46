/**
 * @module
 * What the {@link SimNet} moves and between what: hosts, the one-way links
 * between them (each with its bandwidth queue, its hold and partition flags
 * and the parcels those parked), the network's record of each connection
 * end it attached, and parcels — a connect, its answer or refusal, bytes, a
 * half-close, a reset. A parcel of a connection travels on one of its two
 * {@link SimStream}s. Internal to the simulated network: the ends and
 * servants themselves are known here only through the {@link SimEnd} and
 * {@link SimListener} contracts.
 */
import type { SimEnd, SimListener, SimWire } from './sim-fabric.js';
import type { SimStream } from './sim-stream.js';
import type { TracedHost } from './sim-trace.js';

/** A named host: its listeners, its ports, its live connection ends. */
export interface Host extends TracedHost {
  up: boolean;
  readonly listeners: Map<number, SimListener>;
  /** Listeners of a crashed host, re-registered on restart. */
  suspended: Array<[number, SimListener]>;
  nextListenPort: number;
  nextClientPort: number;
  refuseAll: boolean;
  readonly refused: Set<number>;
  /** Largest parcel the host's ends send while fragmenting (Infinity: the network's segment). */
  fragment: number;
  /** Ends on the host that a crash kills: added when they connect or are accepted, removed when they detach. */
  readonly endpoints: Set<Attachment>;
}

/** A new host, up, with no listeners; `id` is its number in the trace (order of first use). */
export function makeHost(name: string, id: number): Host {
  return {
    name,
    id,
    up: true,
    listeners: new Map(),
    suspended: [],
    nextListenPort: 40000,
    nextClientPort: 49152,
    refuseAll: false,
    refused: new Set(),
    fragment: Infinity,
    endpoints: new Set(),
  };
}

/**
 * The network's record of one connection end, made when the end attaches
 * and kept for its life: a client's record carries each of its connections
 * in turn. It is also the end's {@link SimWire} (the network resets through
 * it too, answering bytes for a closed end). Parcels go from one record to
 * another; the end behind a record gets the network's facts through
 * {@link SimEnd}.
 */
export interface Attachment extends SimWire {
  readonly end: SimEnd;
  /** The connection number in the trace (a client gets a new one per connect; 0 before). */
  conn: number;
  /** The other end's record, once the connection exists. */
  peer: Attachment | null;
  /** The stream of what this end sends on its current connection, once paired. */
  stream: Stream | null;
  /** Bytes in flight toward this end plus bytes in its inbox: what counts against the window. */
  incoming: number;
  /** The end's port: the listening port for an accepted end, the ephemeral port of a client's connect. */
  localPort: number;
  /** The end found the peer's window full: the peer's next read wakes it. */
  blocked: boolean;
  /** The end was accepted by a listener (a remoter), not a connecting client. */
  accepted: boolean;
}

/** One direction between two hosts: its bandwidth queue, its faults, the parcels parked by them. */
export interface Link {
  readonly from: Host;
  readonly to: Host;
  /** Tyme the link finishes sending what is queued on it, under the bandwidth cap. */
  busyUntil: number;
  held: boolean;
  cut: boolean;
  parked: Parcel[];
}

/** A new link from one host to another, free and unblocked. */
export function makeLink(from: Host, to: Host): Link {
  return { from, to, busyUntil: 0, held: false, cut: false, parked: [] };
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
  readonly from: Attachment;
  /** The receiving end; null for a connect (it goes to a port). */
  readonly to: Attachment | null;
  /** The direction of the connection it travels on; null for a connect and its refusal. */
  readonly stream: Stream | null;
  readonly port: number;
  readonly bytes: Buffer | null;
}

/** One direction of a connection, ordering the parcels sent on it. */
export type Stream = SimStream<Parcel, Link>;

/** A parcel not yet scheduled; one on a stream gets its place in it. */
export function parcel(
  kind: ParcelKind,
  link: Link,
  conn: number,
  from: Attachment,
  to: Attachment | null,
  stream: Stream | null,
  port: number,
  bytes: Buffer | null,
): Parcel {
  const made: Parcel = { at: 0, seq: 0, order: 0, kind, link, conn, from, to, stream, port, bytes };
  stream?.stamp(made);
  return made;
}
