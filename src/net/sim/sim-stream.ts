/**
 * @module
 * One direction of one simulated connection, as TCP sees a byte stream:
 * every parcel sent on it (the answer to the connect, data, half-close,
 * reset) gets the next order number, and the far end takes parcels only in
 * that order. A parcel that reaches the far end while an earlier one is still
 * on its way — parked on a held or partitioned link and sent again later, or
 * overtaken under jitter — waits in the stream until the gap closes, as TCP
 * keeps out-of-order segments until the missing one is retransmitted. So
 * faults can delay a stream but never reorder it.
 *
 * A stream also remembers the arrival tyme of its latest parcel (parcels are
 * scheduled no earlier than that, so most never wait) and whether its
 * connection was reset at the receiving end: a reset stream delivers
 * nothing more. The {@link SimNet} owns every stream; endpoints hold their
 * outgoing one.
 */

/** What a stream orders: anything the network stamps with an order number. */
export interface Ordered {
  /** Place in its stream, from 0 (set by {@link SimStream.stamp}). */
  order: number;
}

/** One direction of a connection; `P` is the network's parcel, `L` its link. */
export class SimStream<P extends Ordered, L> {
  /** Connection number in the trace. */
  readonly conn: number;
  /** The link this direction crosses. */
  readonly link: L;
  /** The other direction of the same connection (set by {@link SimStream.pair}). */
  reverse: SimStream<P, L>;
  /** Arrival tyme of the latest parcel scheduled on this stream, seconds. */
  lastArrival = 0;
  /** True once the receiving end was reset: nothing more is delivered. */
  reset = false;
  /** Payload bytes still to deliver before the connection is reset (Infinity: no such fault). */
  budget = Infinity;
  #sent = 0;
  #next = 0;
  /** Parcels that arrived before an earlier one, by order; usually empty. */
  #early: P[] = [];

  private constructor(conn: number, link: L) {
    this.conn = conn;
    this.link = link;
    this.reverse = this;
  }

  /** The two directions of a new connection: from the connecting end, and back. */
  static pair<P extends Ordered, L>(conn: number, forth: L, back: L): [SimStream<P, L>, SimStream<P, L>] {
    const out = new SimStream<P, L>(conn, forth);
    const home = new SimStream<P, L>(conn, back);
    out.reverse = home;
    home.reverse = out;
    return [out, home];
  }

  /** Gives a parcel about to be sent the next order number. */
  stamp(parcel: P): void {
    parcel.order = this.#sent;
    this.#sent += 1;
  }

  /**
   * A parcel reached the far end. True when it is next in order: the caller
   * handles it now, then calls {@link SimStream.takeNext} for any that were
   * waiting behind it. False when an earlier one is still on its way: the
   * stream keeps this one until then.
   */
  arrive(parcel: P): boolean {
    if (parcel.order === this.#next) {
      this.#next += 1;
      return true;
    }
    // Almost always appended in order; a re-sent run can land before later ones.
    const early = this.#early;
    let index = early.length;
    while (index > 0 && early[index - 1]!.order > parcel.order) index -= 1;
    early.splice(index, 0, parcel);
    return false;
  }

  /** The waiting parcel that is now next in order, taken out; undefined while the gap is open. */
  takeNext(): P | undefined {
    const early = this.#early;
    // Checked first: reading past the end of an array is slow, and the stream is almost always empty.
    if (early.length === 0) return undefined;
    const first = early[0]!;
    if (first.order !== this.#next) return undefined;
    early.shift();
    this.#next += 1;
    return first;
  }

  /** Marks the receiving end reset; returns the parcels that were waiting (now never delivered). */
  cut(): P[] {
    this.reset = true;
    const early = this.#early;
    this.#early = [];
    return early;
  }
}
