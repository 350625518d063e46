/**
 * @module
 * The network's record of one attached connection end, which is also the
 * {@link SimWire} handed to that end. The network keeps its bookkeeping of
 * the end here — the connection number, the peer's record, the stream of
 * what the end sends, the bytes in flight toward it, whether it waits for
 * the peer's window — and parcels travel from one record to another. The
 * end sees only the SimWire calls: connect, send within the peer's window,
 * half-close, reset, and tell what its reader took.
 *
 * What the end transmits becomes parcels here, on the end's stream. The
 * rest — tyme, scheduling, connects, the hosts — the wire asks of its
 * network through a narrow {@link WireCarrier} the network makes once, so a
 * record needs no access to the {@link SimNet} itself.
 */
import type { SimEnd } from './sim-fabric.js';
import { parcel, ParcelKind, type Attachment, type Parcel, type Stream } from './sim-parcel.js';
import type { SimTrace } from './sim-trace.js';

/** What the wires need from their network: its window, its record keeping, and its own operations. */
export interface WireCarrier {
  /** Receive window in bytes: in flight plus unread. */
  readonly window: number;
  /** The network's trace, for what the ends send. */
  readonly trace: SimTrace;
  /** The network's counters (the wires count data parcels sent). */
  readonly stats: { sent: number };
  /** The tyme to stamp what happens now (catching up with the events due before it). */
  now(): number;
  /** Schedules a parcel leaving at `tyme`. */
  post(parcel: Parcel, tyme: number): void;
  /** Marks the receiving end of a stream reset, dropping what waits in it. */
  cut(stream: Stream, tyme: number): void;
  /** Starts a connect from `wire`'s end to `host:port`, forgetting its previous connection. */
  connect(wire: Attachment, host: string, port: number): void;
  /** Forgets `wire` on its host: a crash no longer reaches it. */
  detach(wire: Attachment): void;
}

/** One attached end's record and wire; see the module note. */
export class Wire implements Attachment {
  readonly end: SimEnd;
  conn = 0;
  peer: Attachment | null = null;
  stream: Stream | null = null;
  incoming = 0;
  localPort = 0;
  blocked = false;
  accepted = false;
  readonly #carrier: WireCarrier;

  /** Made by the network when `end` attaches. */
  constructor(carrier: WireCarrier, end: SimEnd) {
    this.#carrier = carrier;
    this.end = end;
  }

  connect(host: string, port: number): void {
    this.#carrier.connect(this, host, port);
  }

  room(): number {
    const peer = this.peer;
    const room = peer === null ? 0 : this.#carrier.window - peer.incoming;
    // The end waits until the peer's reader opens the window (read below).
    if (room <= 0) this.blocked = true;
    // A fragmenting host sends its bytes in pieces of at most its fragment size.
    const fragment = this.stream?.link.from.fragment ?? Infinity;
    return room < fragment ? room : fragment;
  }

  send(bytes: Buffer): void {
    const carrier = this.#carrier;
    const tyme = carrier.now();
    const peer = this.peer;
    const stream = this.stream;
    // Catching up may have ended the connection (a scheduled reconnect): the bytes go nowhere.
    if (peer === null || stream === null) return;
    peer.incoming += bytes.length;
    carrier.stats.sent += 1;
    const link = stream.link;
    carrier.trace.record(tyme, 'send', this.conn, link.from, link.to, bytes.length, '', null, bytes);
    carrier.post(parcel(ParcelKind.data, link, this.conn, this, peer, stream, 0, bytes), tyme);
  }

  fin(closing: boolean): void {
    const carrier = this.#carrier;
    const tyme = carrier.now();
    const peer = this.peer;
    const stream = this.stream;
    if (peer === null || stream === null) return;
    carrier.trace.record(tyme, closing ? 'close' : 'fin', this.conn, stream.link.from, stream.link.to, 0);
    carrier.post(parcel(ParcelKind.fin, stream.link, this.conn, this, peer, stream, 0, null), tyme);
  }

  reset(): void {
    const carrier = this.#carrier;
    const tyme = carrier.now();
    const peer = this.peer;
    const stream = this.stream;
    if (peer === null || stream === null) return;
    carrier.cut(stream.reverse, tyme);
    carrier.trace.record(tyme, 'reset', this.conn, stream.link.from, stream.link.to, 0);
    carrier.post(parcel(ParcelKind.rst, stream.link, this.conn, this, peer, stream, 0, null), tyme);
  }

  read(bytes: number): void {
    this.incoming -= bytes;
    // Room in this end's window again: a writer blocked on it goes on.
    const peer = this.peer;
    if (peer !== null && peer.blocked) {
      peer.blocked = false;
      peer.end.windowOpened();
    }
  }

  discard(bytes: number): void {
    this.incoming -= bytes;
  }

  detach(): void {
    this.#carrier.detach(this);
  }
}
