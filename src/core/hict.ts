/**
 * @module
 * The Hict: an ordered multi-map of header fields with case-insensitive
 * names (hio's Hict). Every field line is kept — duplicates too, in arrival
 * order, each with the name as it was written — so nothing a peer sent is
 * lost or merged behind the reader's back. Lookups ignore case. Field
 * counts are small, so lookups scan; there is no hashing per request.
 */

/** One field line: the name as written and its value. */
export type HeaderPair = readonly [name: string, value: string];

/** An ordered, case-insensitive multi-map of header fields. */
export class Hict implements Iterable<HeaderPair> {
  #names: string[] = [];
  #keys: string[] = [];
  #values: string[] = [];

  /** Builds a Hict from pairs, an object, or another Hict. */
  constructor(init?: Iterable<HeaderPair> | Readonly<Record<string, string | number | readonly string[]>>) {
    if (init === undefined) return;
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<HeaderPair>) this.add(name, value);
      return;
    }
    for (const [name, value] of Object.entries(init)) {
      if (Array.isArray(value)) for (const item of value as readonly string[]) this.add(name, item);
      else this.add(name, String(value));
    }
  }

  /** Number of field lines. */
  get size(): number {
    return this.#names.length;
  }

  /** Appends a field line, keeping any earlier ones with the same name. */
  add(name: string, value: string): void {
    this.#names.push(name);
    this.#keys.push(name.toLowerCase());
    this.#values.push(value);
  }

  /** @internal Appends a field whose lower-case key is already known (the parser's fast path). */
  addKeyed(name: string, key: string, value: string): void {
    this.#names.push(name);
    this.#keys.push(key);
    this.#values.push(value);
  }

  /** The lower-case name of field line `index` (for scanning without allocating pairs). */
  keyAt(index: number): string | undefined {
    return this.#keys[index];
  }

  /** The name, as written, of field line `index`. */
  nameAt(index: number): string | undefined {
    return this.#names[index];
  }

  /** The value of field line `index`. */
  valueAt(index: number): string | undefined {
    return this.#values[index];
  }

  /** @internal Appends text to the last field line's value (the parser's obs-fold tolerance). */
  extendLast(text: string): void {
    const last = this.#values.length - 1;
    if (last >= 0) this.#values[last] += text;
  }

  /** Replaces every field line with this name by one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.add(name, value);
  }

  /** Removes every field line with this name; returns how many were removed. */
  delete(name: string): number {
    const key = name.toLowerCase();
    let removed = 0;
    for (let i = this.#keys.length - 1; i >= 0; i--) {
      if (this.#keys[i] === key) {
        this.#names.splice(i, 1);
        this.#keys.splice(i, 1);
        this.#values.splice(i, 1);
        removed += 1;
      }
    }
    return removed;
  }

  /** True when at least one field line has this name. */
  has(name: string): boolean {
    return this.#keys.indexOf(name.toLowerCase()) >= 0;
  }

  /** The first value for this name, or undefined. */
  get(name: string): string | undefined {
    const index = this.#keys.indexOf(name.toLowerCase());
    return index < 0 ? undefined : this.#values[index];
  }

  /** The last value for this name (hio's nab), or undefined. */
  last(name: string): string | undefined {
    const index = this.#keys.lastIndexOf(name.toLowerCase());
    return index < 0 ? undefined : this.#values[index];
  }

  /** Every value for this name, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i < this.#keys.length; i++) if (this.#keys[i] === key) values.push(this.#values[i]!);
    return values;
  }

  /** Number of field lines with this name. */
  count(name: string): number {
    const key = name.toLowerCase();
    let count = 0;
    for (const candidate of this.#keys) if (candidate === key) count += 1;
    return count;
  }

  /** One pair per distinct name (ignoring case), with its first value and first-written name. */
  firsts(): HeaderPair[] {
    const seen = new Set<string>();
    const pairs: HeaderPair[] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      if (seen.has(this.#keys[i]!)) continue;
      seen.add(this.#keys[i]!);
      pairs.push([this.#names[i]!, this.#values[i]!]);
    }
    return pairs;
  }

  /** One pair per distinct name (ignoring case), with its last value and first-written name. */
  lasts(): HeaderPair[] {
    const order: string[] = [];
    const found = new Map<string, [string, string]>();
    for (let i = 0; i < this.#keys.length; i++) {
      const key = this.#keys[i]!;
      const pair = found.get(key);
      if (pair === undefined) {
        order.push(key);
        found.set(key, [this.#names[i]!, this.#values[i]!]);
      } else {
        pair[1] = this.#values[i]!;
      }
    }
    return order.map((key) => found.get(key)!);
  }

  /** Every field line in order, as [name, value] pairs. */
  *[Symbol.iterator](): Iterator<HeaderPair> {
    for (let i = 0; i < this.#names.length; i++) yield [this.#names[i]!, this.#values[i]!];
  }

  /** Every field line in order, as [name, value] pairs. */
  entries(): HeaderPair[] {
    return this.#names.map((name, i) => [name, this.#values[i]!] as const);
  }

  /** The field lines as a JSON array of [name, value] pairs. */
  toJSON(): HeaderPair[] {
    return this.entries();
  }
}
