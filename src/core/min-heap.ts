/**
 * @module
 * A binary min-heap of items ordered by a numeric key, ties broken by
 * insertion order, so equal keys pop first-in first-out: the order a
 * deterministic scheduler needs. Used for timer queues and the simulated
 * network's event queue.
 */

interface Entry<T> {
  key: number;
  seq: number;
  item: T;
}

/** A priority queue: smallest key first, FIFO among equal keys. */
export class MinHeap<T> {
  #entries: Entry<T>[] = [];
  #seq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#entries.length;
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.#entries[0]?.key ?? Infinity;
  }

  /** The item with the smallest key, without removing it. */
  peek(): T | undefined {
    return this.#entries[0]?.item;
  }

  /** Queues `item` under `key`. */
  push(key: number, item: T): void {
    const entries = this.#entries;
    const entry: Entry<T> = { key, seq: this.#seq++, item };
    let index = entries.length;
    entries.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = entries[parent]!;
      if (!before(entry, above)) break;
      entries[index] = above;
      index = parent;
    }
    entries[index] = entry;
  }

  /** Removes and returns the item with the smallest key (oldest among equals). */
  pop(): T | undefined {
    const entries = this.#entries;
    const top = entries[0];
    if (top === undefined) return undefined;
    const last = entries.pop()!;
    if (entries.length > 0) this.#siftDown(0, last);
    return top.item;
  }

  /**
   * Keeps only the items `keep` says yes to, their order unchanged: one
   * O(n) rebuild, for owners that drop many items at once (cancelled
   * timers) instead of popping them one by one.
   */
  retain(keep: (item: T) => boolean): void {
    const entries = this.#entries.filter((entry) => keep(entry.item));
    this.#entries = entries;
    for (let index = (entries.length >> 1) - 1; index >= 0; index--) this.#siftDown(index, entries[index]!);
  }

  /** Places `entry` at `index` or below it, moving smaller children up. */
  #siftDown(start: number, entry: Entry<T>): void {
    const entries = this.#entries;
    const length = entries.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(entries[right]!, entries[left]!) ? right : left;
      if (!before(entries[child]!, entry)) break;
      entries[index] = entries[child]!;
      index = child;
    }
    entries[index] = entry;
  }

  /** Removes every item. */
  clear(): void {
    this.#entries = [];
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
