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

/**
 * The tymes of the events that concern one sleeper (or every sleeper), to
 * answer "when is its next event" at once: taken out earliest first, as the
 * network processes the events. Like {@link SimEvents}, an in-order run goes
 * to a FIFO and only out-of-order tymes to a heap; plain numbers, nothing
 * allocated per tyme.
 */
export class TymeQueue {
  /** In-order tymes: slots [#head, #fifo.length). */
  #fifo: number[] = [];
  #head = 0;
  #last = -Infinity;
  /** Out-of-order tymes, a binary min-heap. */
  #heap: number[] = [];

  /** Number of tymes queued. */
  get size(): number {
    return this.#fifo.length - this.#head + this.#heap.length;
  }

  /** The earliest tyme queued, or Infinity. */
  peek(): number {
    const first = this.#head < this.#fifo.length ? this.#fifo[this.#head]! : Infinity;
    const top = this.#heap.length > 0 ? this.#heap[0]! : Infinity;
    return first < top ? first : top;
  }

  push(tyme: number): void {
    if (tyme >= this.#last) {
      this.#fifo.push(tyme);
      this.#last = tyme;
      return;
    }
    const heap = this.#heap;
    let index = heap.length;
    heap.push(tyme);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (above <= tyme) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = tyme;
  }

  /** Takes out the earliest tyme. */
  pop(): void {
    const fifo = this.#fifo;
    const heap = this.#heap;
    if (this.#head < fifo.length && (heap.length === 0 || fifo[this.#head]! <= heap[0]!)) {
      this.#head += 1;
      if (this.#head === fifo.length) {
        fifo.length = 0;
        this.#head = 0;
        this.#last = -Infinity;
      } else if (this.#head >= 1024 && this.#head * 2 >= fifo.length) {
        fifo.splice(0, this.#head);
        this.#head = 0;
      }
      return;
    }
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    const size = heap.length;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child += 1;
      if (heap[child]! >= last) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}
