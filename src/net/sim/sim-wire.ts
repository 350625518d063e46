/**
 * @module
 * The network's record of one attached connection end, which is also the
 * {@link SimWire} handed to that end. The network keeps its bookkeeping of
 * the end in it — the connection number, the peer's record, the stream of
 * what the end sends, the bytes in flight toward it — and parcels travel
 * from one record to another. The end sees only the SimWire calls: connect,
 * send within the peer's window, tell what its reader took.
 *
 * What a wire asks of the network goes through a narrow {@link WireCarrier}
 * the network makes once, so a record needs no access to the {@link SimNet}
 * itself, and the network's operations stay private to it.
 */
import type { SimEnd, SimWire } from './sim-fabric.js';
import type { Attachment, Stream } from './sim-parcel.js';

/** What the wires need from their network: its window and its own operations on a record. */
export interface WireCarrier {
  /** Receive window in bytes: in flight plus unread. */
  readonly window: number;
  /** Starts a connect from `wire`'s end to `host:port`, forgetting its previous connection. */
  connect(wire: Attachment, host: string, port: number): void;
  /** Sends bytes from `sender`'s end to its peer. */
  transmitData(sender: Attachment, bytes: Buffer): void;
  /** Sends a half-close, or with `closing` the FIN of a close, to the peer. */
  transmitFin(sender: Attachment, closing: boolean): void;
  /** Sends a reset to the peer. */
  transmitReset(sender: Attachment): void;
  /** Forgets `wire` on its host: a crash no longer reaches it. */
  detach(wire: Attachment): void;
}

/** One attached end's record and wire; see the module note. */
export class Wire implements Attachment, SimWire {
  readonly end: SimEnd;
  conn = 0;
  peer: Attachment | null = null;
  stream: Stream | null = null;
  incoming = 0;
  localPort = 0;
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
    return peer === null ? 0 : this.#carrier.window - peer.incoming;
  }

  send(bytes: Buffer): void {
    this.#carrier.transmitData(this, bytes);
  }

  fin(closing: boolean): void {
    this.#carrier.transmitFin(this, closing);
  }

  reset(): void {
    this.#carrier.transmitReset(this);
  }

  read(bytes: number): void {
    this.incoming -= bytes;
    // Room in this end's window again: a writer blocked on it goes on.
    this.peer?.end.windowOpened();
  }

  discard(bytes: number): void {
    this.incoming -= bytes;
  }

  detach(): void {
    this.#carrier.detach(this);
  }
}
