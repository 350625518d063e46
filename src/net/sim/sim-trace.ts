/**
 * @module
 * The simulated network's trace: every event (listen, connect, accept,
 * refuse, send, deliver, park, fin, close, reset, timeout, fault) with its
 * tyme. The digest is a running 64-bit hash over every event's fields and a
 * hash of every delivered payload's bytes, so two runs agree on it exactly
 * when they produced the same events in the same order at the same tymes and
 * delivered the same bytes: the check that a seed reproduces a run. Keeping
 * the events themselves is optional (long runs keep only the digest).
 */

/** The kinds of traced events. */
export const SimTraceKind = {
  listen: 1,
  unlisten: 2,
  connect: 3,
  accept: 4,
  refuse: 5,
  connected: 6,
  send: 7,
  deliver: 8,
  park: 9,
  fin: 10,
  close: 11,
  reset: 12,
  timeout: 13,
  fault: 14,
  drop: 15,
} as const;

/** One traced event kind name. */
export type SimTraceKindName = keyof typeof SimTraceKind;

/** One traced event. */
export interface SimTraceEvent {
  /** Tyme in seconds when it happened. */
  readonly tyme: number;
  readonly kind: SimTraceKindName;
  /** Connection number (0 for events not tied to a connection). */
  readonly conn: number;
  /** Host the event comes from (the sender, the listener, the faulted host). */
  readonly from: string;
  /** Host the event goes to ('' when there is none). */
  readonly to: string;
  /** Payload bytes (data events), else 0. */
  readonly bytes: number;
  /** Extra words for faults and failures ('' otherwise). */
  readonly detail: string;
  /** {@link payloadHash} of the bytes delivered (data deliveries), else 0. */
  readonly hash: number;
}

/** A host as the trace sees it: its name and a stable number. */
export interface TracedHost {
  readonly name: string;
  readonly id: number;
}

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/**
 * A 32-bit hash of a payload's bytes, cheap enough for every delivery: four
 * bytes at a time, each step a bijection of the running value, so two
 * payloads of one length that differ in a single word never collide; other
 * collisions are as rare as a 32-bit hash allows.
 */
export function payloadHash(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  let i = 0;
  for (const end = length - 3; i < end; i += 4) {
    h = Math.imul(h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)), 0x5bd1e995);
    h ^= h >>> 15;
  }
  for (; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Sees every event as it is recorded, with the bytes of sends and deliveries
 * (borrowed: read them during the call, never keep or modify them). The
 * simulation harness audits the HTTP on every connection this way.
 */
export type SimObserver = (
  tyme: number,
  kind: SimTraceKindName,
  conn: number,
  from: string,
  to: string,
  bytes: number,
  detail: string,
  payload: Uint8Array | null,
) => void;

/** Events plus their running digest. */
export class SimTrace {
  /** The events, oldest first, when kept (see the constructor). */
  readonly events: SimTraceEvent[] = [];
  /** Called with every event recorded (default none). */
  observer: SimObserver | null = null;
  readonly #keep: boolean;
  #h1 = 0x811c9dc5;
  #h2 = 0x9747b28c;
  #count = 0;

  /** With `keep` false only the digest and count are kept. */
  constructor(keep = true) {
    this.#keep = keep;
  }

  /** Number of events recorded. */
  get count(): number {
    return this.#count;
  }

  /**
   * Records one event. Hosts come with a stable number (their order of
   * first use) so the digest need not hash their names on every event.
   * `payload`, given for a data delivery, is hashed into the digest (the
   * caller keeps ownership; it is only read). `seen`, the bytes of a send,
   * goes to the observer only, not into the digest.
   */
  record(
    tyme: number,
    kind: SimTraceKindName,
    conn: number,
    from: TracedHost,
    to: TracedHost | null,
    bytes: number,
    detail = '',
    payload: Uint8Array | null = null,
    seen: Uint8Array | null = payload,
  ): void {
    this.#count += 1;
    const hash = payload === null ? 0 : payloadHash(payload);
    scratch[0] = tyme;
    // Kind and both host numbers share one word: kinds < 16, hosts numbered from 1 in order of first use.
    const hosts = SimTraceKind[kind] ^ (from.id << 4) ^ ((to === null ? 0 : to.id) << 18);
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ words[0]!, 0x01000193);
    h2 = Math.imul(h2 + words[1]!, 0x5bd1e995);
    h1 = Math.imul(h1 ^ hosts, 0x01000193);
    h2 = Math.imul(h2 + conn, 0x5bd1e995);
    h1 = Math.imul(h1 ^ bytes, 0x01000193);
    h1 = Math.imul(h1 ^ hash, 0x01000193);
    h2 = Math.imul((h2 ^ (h2 >>> 15)) + h1, 0x5bd1e995);
    this.#h1 = h1;
    this.#h2 = h2;
    if (detail !== '') this.#mixText(detail);
    if (this.#keep) this.events.push({ tyme, kind, conn, from: from.name, to: to === null ? '' : to.name, bytes, detail, hash });
    if (this.observer !== null) this.observer(tyme, kind, conn, from.name, to === null ? '' : to.name, bytes, detail, seen);
  }

  /** A 16-hex-digit digest of every event so far. */
  digest(): string {
    const hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');
    return hex(this.#h1) + hex(this.#h2);
  }

  #mix(value: number): void {
    this.#h1 = Math.imul(this.#h1 ^ value, 0x01000193);
    this.#h2 = Math.imul(this.#h2 ^ (value >>> 0), 0x5bd1e995);
    this.#h2 ^= this.#h2 >>> 15;
  }

  #mixText(text: string): void {
    this.#mix(text.length);
    for (let i = 0; i < text.length; i++) this.#mix(text.charCodeAt(i));
  }
}
