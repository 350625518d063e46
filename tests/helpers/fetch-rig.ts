/**
 * One fetch application served two ways, behind one surface, so a test
 * written once runs on both: on real sockets (`serve()` on port 0, its own
 * real-mode Doist; clients are raw node:net sockets) and on the simulated
 * network (an AppServer on a SimServant, virtual tyme, a seed; clients are
 * SimClients). Both servers stamp the same fixed Date, so a response's bytes
 * are the same on either and can be compared whole.
 *
 * A {@link Peer} is one raw client connection: bytes written as given,
 * bytes read up to `readLimit` per step (0 stops reading: a slow or stalled
 * reader), and how the connection ended. {@link FetchRig.until} steps the
 * world until a condition holds and throws once its bound is spent: on
 * sockets a wall-clock bound on awaiting events, in the simulation a bound
 * in seconds of virtual tyme. Nothing sleeps.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { AppServer, AppServerDoer, type AppServerOptions } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { ByteQueue } from '../../src/core/byte-queue.js';
import type { Clock } from '../../src/core/clock.js';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { Respondent, type ParsedResponse } from '../../src/http/respondent.js';
import { DEFAULT_HIGH_WATER } from '../../src/net/base-connection.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { SimNet } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';

/** Where a rig runs its server. */
export type Transport = 'sockets' | 'sim';

/** The Date every rig's server stamps: Thu, 01 Jan 2026 00:00:00 GMT. */
export const FIXED_DATE = 'Thu, 01 Jan 2026 00:00:00 GMT';

/** A clock that stays at {@link FIXED_DATE}; real timers still work, for real mode. */
const fixedClock: Clock = {
  now: () => 0,
  epochMs: () => Date.UTC(2026, 0, 1),
  setTimer(seconds, fn) {
    const handle = setTimeout(fn, seconds * 1000);
    return () => clearTimeout(handle);
  },
};

/** Options a case may give its server: an AppServer's, less what the rig decides. */
export type RigServerOptions = Omit<AppServerOptions, 'fetch' | 'servant' | 'host' | 'port' | 'clock'>;

/** One raw client connection. */
export interface Peer {
  /** Sends bytes as they are (a string as latin1, one byte per character). */
  write(bytes: string | Uint8Array): void;
  /** Half-closes: no more bytes from us; the server's answer may still come. */
  shutdown(): void;
  /** Aborts the connection with a reset. */
  reset(): void;
  /** Most bytes taken from the transport per step (Infinity by default; 0 stops reading). */
  readLimit: number;
  /** Every byte read so far. */
  readonly received: Buffer;
  /** How many bytes were read so far. */
  readonly receivedLength: number;
  /** The last `length` bytes read (fewer if fewer came), without gathering the rest. */
  tail(length: number): Buffer;
  /** The server closed its side and every byte it sent was read. */
  readonly ended: boolean;
  /** The connection failed with this code (ECONNRESET, …), or null. */
  readonly errorCode: string | null;
  /** Ended, failed, or closed: nothing more will come. */
  readonly gone: boolean;
}

/** The server and its clients on one transport. */
export interface FetchRig {
  readonly transport: Transport;
  readonly server: AppServer;
  /**
   * Bytes the transport itself may hold between the server's connection and
   * a client's reader, beyond what the server holds: the kernel's socket
   * buffers on sockets, the receive window and the client's queue in the
   * simulation.
   */
  readonly transportSlack: number;
  /** Opens a client connection (its connect completes as the rig steps). */
  connect(): Peer;
  /** Steps (clients read first, then `watch` runs) until `done()`; throws once the bound is spent. */
  until(done: () => boolean, what: string): Promise<void>;
  /** Called once per step after the clients read: to sample the server's state. */
  watch(sample: () => void): void;
  /** Stops the server and drops every client. */
  close(): Promise<void>;
}

/** Makes a rig for `fetch` on `transport`. */
export async function startRig(transport: Transport, fetch: FetchHandler, options: RigServerOptions = {}): Promise<FetchRig> {
  return transport === 'sockets' ? socketRig(fetch, options) : simRig(fetch, options);
}

/** Both transports, in the order tests run them. */
export const TRANSPORTS: readonly Transport[] = ['sockets', 'sim'];

/** The step loop both rigs share: read, sample, check, step. */
async function stepUntil(
  peers: Array<{ pump(): void }>,
  samples: Array<() => void>,
  done: () => boolean,
  spent: () => boolean,
  step: () => Promise<void>,
  what: string,
  where: () => string,
): Promise<void> {
  for (;;) {
    for (const peer of peers) peer.pump();
    for (const sample of samples) sample();
    if (done()) return;
    if (spent()) throw new Error(`gave up waiting for ${what} (${where()})`);
    await step();
  }
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Bytes the kernel may buffer for one loopback connection (its largest send and receive buffers), plus the client's inbox and Node's readable buffer. */
function kernelSlack(): number {
  const largest = (file: string, fallback: number): number => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1));
    } catch {
      return fallback;
    }
  };
  return largest('/proc/sys/net/ipv4/tcp_rmem', 32 * 1024 * 1024) + largest('/proc/sys/net/ipv4/tcp_wmem', 32 * 1024 * 1024) + SOCKET_INBOX_BYTES + 64 * 1024;
}

/** Wall-clock bound on one `until` on sockets, milliseconds. */
const SOCKET_BOUND_MS = 20_000;

async function socketRig(fetch: FetchHandler, options: RigServerOptions): Promise<FetchRig> {
  const handle: ServeHandle = serve({ ...options, fetch, port: 0, overrideGlobalObjects: false, clock: fixedClock });
  const { port } = await handle.listening;
  const peers: SocketPeer[] = [];
  const samples: Array<() => void> = [];
  return {
    transport: 'sockets',
    server: handle.server,
    transportSlack: kernelSlack(),
    connect() {
      const peer = new SocketPeer(connect(port, '127.0.0.1'));
      peers.push(peer);
      return peer;
    },
    async until(done, what) {
      const stop = performance.now() + SOCKET_BOUND_MS;
      await stepUntil(
        peers,
        samples,
        done,
        () => performance.now() > stop,
        immediate,
        what,
        () => `${SOCKET_BOUND_MS} ms`,
      );
    },
    watch(sample) {
      samples.push(sample);
    },
    async close() {
      for (const peer of peers) peer.socket.destroy();
      await handle.close(0.5);
    },
  };
}

/** Bytes a socket client takes from the kernel ahead of its reader before it stops reading (as a paused socket would). */
const SOCKET_INBOX_BYTES = 64 * 1024;

/**
 * A raw node:net client whose reader a test paces. The socket flows into an
 * inbox, pausing while the inbox holds SOCKET_INBOX_BYTES, so a slow reader
 * is slow on the wire too; every byte is taken before the end or a failure
 * is reported (a reset never hides bytes that arrived before it).
 */
class SocketPeer implements Peer {
  readonly socket: Socket;
  readLimit = Infinity;
  readonly #bytes = new Received();
  readonly #inbox: Buffer[] = [];
  #inboxBytes = 0;
  #eof = false;
  #closed = false;
  #error: string | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#inbox.push(chunk);
      this.#inboxBytes += chunk.length;
      if (this.#inboxBytes >= SOCKET_INBOX_BYTES) socket.pause();
    });
    socket.on('end', () => (this.#eof = true));
    socket.on('close', () => (this.#closed = true));
    socket.on('error', (error: NodeJS.ErrnoException) => (this.#error ??= error.code ?? error.message));
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
  shutdown(): void {
    this.socket.end();
  }
  reset(): void {
    this.socket.resetAndDestroy();
  }
  get received(): Buffer {
    return this.#bytes.all();
  }
  get receivedLength(): number {
    return this.#bytes.length;
  }
  tail(length: number): Buffer {
    return this.#bytes.tail(length);
  }
  get ended(): boolean {
    return this.#eof && this.#inboxBytes === 0;
  }
  get errorCode(): string | null {
    return this.#inboxBytes === 0 ? this.#error : null;
  }
  get gone(): boolean {
    return this.#inboxBytes === 0 && (this.#eof || this.#closed || this.#error !== null);
  }

  pump(): void {
    let budget = this.readLimit;
    while (budget > 0 && this.#inbox.length > 0) {
      const chunk = this.#inbox[0]!;
      const take = Math.min(budget, chunk.length);
      if (take === chunk.length) this.#inbox.shift();
      else this.#inbox[0] = chunk.subarray(take);
      this.#bytes.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.#inboxBytes -= take;
      budget -= take;
    }
    if (this.#inboxBytes < SOCKET_INBOX_BYTES && this.socket.isPaused() && !this.socket.destroyed) this.socket.resume();
  }
}

/** The bytes a peer read, kept as they came and gathered only when asked for. */
class Received {
  #chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  all(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  tail(length: number): Buffer {
    const parts: Buffer[] = [];
    let wanted = length;
    for (let i = this.#chunks.length - 1; i >= 0 && wanted > 0; i--) {
      const chunk = this.#chunks[i]!;
      parts.unshift(chunk.subarray(Math.max(0, chunk.length - wanted)));
      wanted -= chunk.length;
    }
    return Buffer.concat(parts);
  }
}

/** Seconds of virtual tyme one `until` may take in the simulation. */
const SIM_BOUND = 600;

async function simRig(fetch: FetchHandler, options: RigServerOptions): Promise<FetchRig> {
  const doist = new Doist({ tock: 1 / 16 });
  const net = new SimNet({ tymth: doist.tymen(), seed: 11, latency: 0.005, jitter: 0.002 });
  const server = new AppServer({ ...options, fetch, servant: new SimServant({ net, host: 'server', port: 80 }), clock: fixedClock });
  doist.extend([new AppServerDoer(server)]);
  doist.recur();
  const peers: SimPeer[] = [];
  const samples: Array<() => void> = [];
  return {
    transport: 'sim',
    server,
    // The receive window (in flight and delivered), plus what the client's endpoint queues before it stops taking more.
    transportSlack: 2 * net.window + DEFAULT_HIGH_WATER,
    connect() {
      const client = new SimClient({ net, host: 'server', port: 80 });
      doist.extend([new ClientDoer(client)]);
      const peer = new SimPeer(client);
      peers.push(peer);
      return peer;
    },
    async until(done, what) {
      const stop = doist.tyme + SIM_BOUND;
      const step = async (): Promise<void> => {
        doist.recur();
        // Promises settle between recurs; tyme stays virtual.
        await immediate();
      };
      await stepUntil(
        peers,
        samples,
        done,
        () => doist.tyme >= stop,
        step,
        what,
        () => `${SIM_BOUND} s of tyme, seed 11`,
      );
    },
    watch(sample) {
      samples.push(sample);
    },
    async close() {
      doist.exit();
    },
  };
}

/** A simulated client read by hand. */
class SimPeer implements Peer {
  readonly client: SimClient;
  readLimit = Infinity;
  readonly #bytes = new Received();

  constructor(client: SimClient) {
    this.client = client;
  }

  write(bytes: string | Uint8Array): void {
    this.client.tx(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
  shutdown(): void {
    this.client.shutdownSend();
  }
  reset(): void {
    this.client.reset();
  }
  get received(): Buffer {
    return this.#bytes.all();
  }
  get receivedLength(): number {
    return this.#bytes.length;
  }
  tail(length: number): Buffer {
    return this.#bytes.tail(length);
  }
  get ended(): boolean {
    return this.client.rxEnded && this.client.rxQueue.length === 0;
  }
  get errorCode(): string | null {
    return this.client.error?.code ?? null;
  }
  get gone(): boolean {
    return this.ended || this.client.cutoff;
  }

  pump(): void {
    const rx = this.client.rxQueue;
    const take = Math.min(this.readLimit, rx.length);
    if (take <= 0) return;
    this.#bytes.push(rx.take(take));
  }
}

/** What the strict response parser made of a connection's bytes. */
export interface Parsed {
  /** Whole responses, interim (1xx) ones included, in order. */
  readonly responses: ParsedResponse[];
  /** The parser's error code, if the bytes broke the rules (a response cut short by the close included). */
  readonly error: string | null;
}

/**
 * Parses bytes received on one connection with the strict Respondent.
 * `methods` are the requests' methods in order (HEAD answers have no body);
 * `ended` says the server closed, which completes a close-delimited body.
 */
export function parseResponses(bytes: Buffer, methods: readonly string[] = [], ended = false): Parsed {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue, {
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER, maxChunks: Number.MAX_SAFE_INTEGER },
    everyContinue: true,
  });
  for (const method of methods) respondent.expect(method);
  queue.push(bytes);
  if (ended) respondent.end();
  const responses: ParsedResponse[] = [];
  for (;;) {
    const progress = respondent.parse();
    if (progress === 'head') continue;
    if (progress === 'done') {
      responses.push(respondent.take());
      continue;
    }
    return { responses, error: progress === 'error' ? respondent.error!.code : null };
  }
}
