/**
 * A bench for transport tests on the simulated network: a {@link SimNet} on
 * hand-driven tyme, one {@link SimServant} and some {@link SimClient}s,
 * serviced once per step in a fixed order (the servant, then each client),
 * every step one tock later. Everything an end receives is drained into the
 * {@link Flow} of its direction, so a test compares, per direction of each
 * connection, the bytes written with the bytes received.
 *
 * {@link traceProblems} checks a kept trace for what must never happen:
 * tyme going backwards, bytes reaching an end after that end was reset, and
 * bytes reaching a client before it was connected.
 */
import { SimClient } from '../../src/net/sim/sim-client.js';
import type { SimEndpoint } from '../../src/net/sim/sim-endpoint.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import type { SimRemoter } from '../../src/net/sim/sim-remoter.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import type { SimTraceEvent } from '../../src/net/sim/sim-trace.js';

/** Options of a {@link SimLab}: the network's, less the tymth, plus the step. */
export interface SimLabOptions extends Omit<SimNetOptions, 'tymth'> {
  /** Seconds of tyme per step (default 1/32). */
  readonly tock?: number;
  /** Server host name (default 'server'). */
  readonly serverHost?: string;
}

/** One direction of one connection, as the two applications see it. */
export class Flow {
  /** Chunks the writer handed to tx (and tx accepted). */
  readonly written: Buffer[] = [];
  /** Chunks the reader took from its rxQueue, in order. */
  readonly received: Buffer[] = [];
  /** Received length when the reader first saw rxEnded, or -1. */
  endedAt = -1;
  /** Received length when the reader first saw the connection cut off, or -1. */
  cutoffAt = -1;
  /** The reader's error code when it was cut off ('' if none). */
  errorCode = '';

  get writtenBytes(): Buffer {
    return Buffer.concat(this.written);
  }

  get receivedBytes(): Buffer {
    return Buffer.concat(this.received);
  }
}

/** See the module note. */
export class SimLab {
  tyme = 0;
  readonly tock: number;
  readonly net: SimNet;
  readonly servant: SimServant;
  readonly clients: SimClient[] = [];
  /** Client to server, per client. */
  readonly up = new Map<SimClient, Flow>();
  /** Server to client, per client. */
  readonly down = new Map<SimClient, Flow>();
  /** The remoter that accepted each client (its latest connection). */
  readonly remoterOf = new Map<SimClient, SimRemoter>();
  readonly #seen = new WeakSet<SimRemoter>();
  /** Called once per accepted connection, in the servant's pass (the server may write at once). */
  onAccept: ((remoter: SimRemoter, client: SimClient) => void) | null = null;

  constructor(options: SimLabOptions = {}) {
    const { tock, serverHost, ...netOptions } = options;
    this.tock = tock ?? 1 / 32;
    this.net = new SimNet({ ...netOptions, tymth: () => this.tyme });
    this.servant = new SimServant({ net: this.net, host: serverHost ?? 'server', port: 80 });
    this.servant.reopen();
  }

  /** Adds a client on `host` and starts its connect now. */
  client(host = 'client', options: { reconnectable?: boolean } = {}): SimClient {
    const client = new SimClient({ net: this.net, localHost: host, host: this.servant.address.host, port: 80, ...options });
    this.clients.push(client);
    this.up.set(client, new Flow());
    this.down.set(client, new Flow());
    client.open();
    return client;
  }

  /** Writes bytes from a client (or from the remoter serving it, with `toClient`), noting them in the flow. */
  write(client: SimClient, bytes: Buffer | string, toClient = false): void {
    const chunk = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const end: SimEndpoint | undefined = toClient ? this.remoterOf.get(client) : client;
    if (end === undefined || end.closed || end.cutoff) return;
    end.tx(chunk);
    if (end.error?.code !== 'EPIPE') (toClient ? this.down : this.up).get(client)!.written.push(chunk);
  }

  /** One step: the servant's pass, each client's pass, then one tock of tyme. */
  step(): void {
    const servant = this.servant;
    servant.serviceConnects();
    servant.serviceReceives();
    for (const remoter of [...servant.ready]) {
      const client = this.#clientOf(remoter);
      if (client !== undefined && !this.#seen.has(remoter)) {
        // A client that reconnects gets a new remoter: it becomes the client's.
        this.#seen.add(remoter);
        this.remoterOf.set(client, remoter);
        this.onAccept?.(remoter, client);
      }
      if (client !== undefined && this.remoterOf.get(client) === remoter) drain(remoter, this.up.get(client)!);
      if (remoter.cutoff) servant.removeRemoter(remoter);
    }
    servant.serviceSends();
    for (const client of this.clients) {
      client.serviceConnect();
      client.serviceReceives();
      drain(client, this.down.get(client)!);
      client.serviceSends();
    }
    this.tyme += this.tock;
  }

  /** Steps until `done()` or `seconds` of tyme passed; returns whether done. */
  run(seconds: number, done: () => boolean = () => false): boolean {
    const stop = this.tyme + seconds;
    while (this.tyme < stop) {
      if (done()) return true;
      this.step();
    }
    return done();
  }

  #clientOf(remoter: SimRemoter): SimClient | undefined {
    const remote = remoter.remoteAddress;
    return this.clients.find((client) => remote !== null && client.host === remote.host && client.localPort === remote.port);
  }
}

function drain(end: SimEndpoint, flow: Flow): void {
  const rx = end.rxQueue;
  if (rx.length > 0) flow.received.push(rx.take(rx.length));
  const length = flow.received.reduce((sum, chunk) => sum + chunk.length, 0);
  if (end.rxEnded && flow.endedAt < 0) flow.endedAt = length;
  if (end.cutoff && flow.cutoffAt < 0) {
    flow.cutoffAt = length;
    flow.errorCode = end.error?.code ?? '';
  }
}

/**
 * What a kept trace must never show: an event earlier than the one before
 * it; bytes or a half-close delivered to an end of a connection after that
 * end was reset (a reset fault on the connection, a reset it sent or
 * received, a crash of its host); bytes delivered to a client before its
 * connect completed. Returns one line per problem.
 */
export function traceProblems(events: readonly SimTraceEvent[]): string[] {
  const problems: string[] = [];
  const hostsOf = new Map<number, [string, string]>();
  /** Ends that exist, as `conn@host`: a client's from its connect, a server's from its accept. */
  const ends = new Set<string>();
  const resetEnds = new Set<string>();
  const connected = new Set<number>();
  let last = -Infinity;
  for (const [index, event] of events.entries()) {
    const where = `#${index} ${event.kind} conn ${event.conn} ${event.from}>${event.to} ${event.detail} at ${event.tyme}`;
    if (event.tyme < last) problems.push(`tyme went back from ${last}: ${where}`);
    last = Math.max(last, event.tyme);
    switch (event.kind) {
      case 'connect':
        hostsOf.set(event.conn, [event.from, event.to]);
        ends.add(`${event.conn}@${event.from}`);
        break;
      case 'accept':
        ends.add(`${event.conn}@${event.from}`);
        break;
      case 'connected':
        connected.add(event.conn);
        break;
      case 'reset':
        resetEnds.add(`${event.conn}@${event.from}`);
        break;
      case 'fault':
        if (event.detail === 'reset') for (const host of hostsOf.get(event.conn) ?? []) resetEnds.add(`${event.conn}@${host}`);
        if (event.detail === 'crash') {
          for (const end of ends) if (end.endsWith(`@${event.from}`)) resetEnds.add(end);
        }
        break;
      case 'deliver': {
        const end = `${event.conn}@${event.to}`;
        if (event.detail === 'reset') {
          resetEnds.add(end);
        } else if (resetEnds.has(end)) {
          problems.push(`delivered after a reset: ${where}`);
        } else if (event.bytes > 0 && hostsOf.get(event.conn)?.[0] === event.to && !connected.has(event.conn)) {
          problems.push(`delivered before connected: ${where}`);
        }
        break;
      }
      default:
        break;
    }
  }
  return problems;
}
