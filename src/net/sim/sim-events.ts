/**
 * @module
 * The simulated network's event queue: events in tyme order, first in first
 * out among equal tymes. Nearly every parcel is due at "now + latency", later
 * than everything queued before it, so such events go to a plain FIFO and
 * only the out-of-order ones (jitter, faults scheduled ahead) to a heap; the
 * order is the same total order either way, (tyme, sequence).
 */
import { MinHeap } from '../../core/min-heap.js';

/** What the queue stamps on each event: its tyme and its place in insertion order. */
export interface Timed {
  at: number;
  seq: number;
}

/** A priority queue of timed events, optimised for events that arrive in order. */
export class SimEvents<E extends Timed> {
  /** In-order events: slots [#head, #count), reused, never shrunk. */
  #fifo: E[] = [];
  #head = 0;
  #count = 0;
  #last = -Infinity;
  #heap = new MinHeap<E>();
  #seq = 0;

  /** Number of queued events. */
  get size(): number {
    return this.#count - this.#head + this.#heap.size;
  }

  /** Queues `event` at tyme `at`. */
  push(at: number, event: E): void {
    event.at = at;
    event.seq = this.#seq++;
    if (at >= this.#last) {
      if (this.#count < this.#fifo.length) this.#fifo[this.#count] = event;
      else this.#fifo.push(event);
      this.#count += 1;
      this.#last = at;
    } else {
      this.#heap.push(at, event);
    }
  }

  /** The earliest tyme queued, or Infinity. */
  peekKey(): number {
    const first = this.#head < this.#count ? this.#fifo[this.#head] : undefined;
    const heapKey = this.#heap.peekKey();
    return first === undefined ? heapKey : Math.min(first.at, heapKey);
  }

  /** Removes and returns the earliest event (the first queued among equal tymes). */
  pop(): E | undefined {
    const first = this.#head < this.#count ? this.#fifo[this.#head] : undefined;
    const top = this.#heap.peek();
    if (first === undefined || (top !== undefined && (top.at < first.at || (top.at === first.at && top.seq < first.seq)))) {
      return this.#heap.pop();
    }
    this.#head += 1;
    if (this.#head === this.#count) {
      this.#head = 0;
      this.#count = 0;
      this.#last = -Infinity;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#count) {
      this.#fifo.copyWithin(0, this.#head, this.#count);
      this.#count -= this.#head;
      this.#head = 0;
    }
    return first;
  }
}
