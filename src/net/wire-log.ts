/**
 * @module
 * The wire log hook: a transport hands every chunk it receives or sends to
 * its {@link WireLog}, if one is set, in the order the bytes crossed the wire
 * for that connection. {@link MemoryWireLog} keeps them for tests and
 * debugging.
 */

/** Which way the bytes went, seen from the logging side. */
export type WireDirection = 'rx' | 'tx';

/** Receives every chunk a transport moves. The bytes are lent: copy them to keep them. */
export interface WireLog {
  record(direction: WireDirection, key: string, bytes: Uint8Array): void;
}

/** One recorded chunk. */
export interface WireEntry {
  readonly direction: WireDirection;
  readonly key: string;
  readonly bytes: Buffer;
}

/** A wire log that keeps copies of everything in memory. */
export class MemoryWireLog implements WireLog {
  readonly entries: WireEntry[] = [];

  record(direction: WireDirection, key: string, bytes: Uint8Array): void {
    this.entries.push({ direction, key, bytes: Buffer.from(bytes) });
  }

  /** Every byte recorded in one direction for one connection key, concatenated. */
  bytes(direction: WireDirection, key: string): Buffer {
    return Buffer.concat(this.entries.filter((entry) => entry.direction === direction && entry.key === key).map((entry) => entry.bytes));
  }
}
