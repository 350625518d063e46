/**
 * @module
 * The RemoterMap: a servant's remoters as a read-only map keyed by each
 * remoter's `remoteKey`, held as a set of remoters. Keys are computed only
 * when a lookup by key or a walk over keys asks for them: a socket remoter's
 * key is its peer's address, which costs a system call (getpeername) that a
 * server answering and closing a connection never needs.
 */

/** What the map holds: anything with a remote key. */
interface Keyed {
  readonly remoteKey: string;
}

/** A servant's remoters by remote key, with membership by identity. */
export class RemoterMap<R extends Keyed> implements ReadonlyMap<string, R> {
  readonly #members = new Set<R>();
  /** Key index, built on the first lookup by key and kept up to date from then on. */
  #index: Map<string, R> | null = null;

  get size(): number {
    return this.#members.size;
  }

  /** Adds a remoter. */
  add(remoter: R): void {
    this.#members.add(remoter);
    this.#index?.set(remoter.remoteKey, remoter);
  }

  /** Removes a remoter; returns whether it was there. */
  remove(remoter: R): boolean {
    if (!this.#members.delete(remoter)) return false;
    const index = this.#index;
    if (index !== null && index.get(remoter.remoteKey) === remoter) index.delete(remoter.remoteKey);
    return true;
  }

  /** Whether this remoter (the object itself) is held. */
  holds(remoter: R): boolean {
    return this.#members.has(remoter);
  }

  clear(): void {
    this.#members.clear();
    this.#index = null;
  }

  get(key: string): R | undefined {
    return this.#byKey().get(key);
  }

  has(key: string): boolean {
    return this.#byKey().has(key);
  }

  forEach(each: (value: R, key: string, map: ReadonlyMap<string, R>) => void, thisArg?: unknown): void {
    for (const remoter of this.#members) each.call(thisArg, remoter, remoter.remoteKey, this);
  }

  *entries(): MapIterator<[string, R]> {
    for (const remoter of this.#members) yield [remoter.remoteKey, remoter];
  }

  *keys(): MapIterator<string> {
    for (const remoter of this.#members) yield remoter.remoteKey;
  }

  values(): MapIterator<R> {
    return this.#members.values();
  }

  [Symbol.iterator](): MapIterator<[string, R]> {
    return this.entries();
  }

  #byKey(): Map<string, R> {
    if (this.#index === null) {
      this.#index = new Map();
      for (const remoter of this.#members) this.#index.set(remoter.remoteKey, remoter);
    }
    return this.#index;
  }
}
