/**
 * @module
 * The SimNet: a deterministic simulated network on virtual tyme. Named hosts
 * listen and connect; bytes written at tyme t arrive in order at
 * t + latency (+ jitter drawn from a seeded {@link Prng}), within a
 * per-link bandwidth cap and the receiver's window. It fails the way a real
 * network does, with Node's error codes: ECONNREFUSED, EADDRINUSE,
 * ECONNRESET, EPIPE, ETIMEDOUT.
 *
 * Faults are verbs on tyme, acting when called or scheduled with
 * {@link SimNet.at}: partition and repair (both ways or one way), hold and
 * release one direction of a link, reset a connection, refuse connects,
 * crash and restart a host, half-close a connection. Parcels on a held or
 * partitioned link are parked and go on, in order, when it is released or
 * repaired (as TCP retransmits); a connect that gets no answer fails with
 * ETIMEDOUT after `connectTymeout`.
 *
 * Nothing here reads the wall clock or Math.random. Every event goes into
 * the {@link SimTrace}; the same seed and the same calls give the same
 * digest.
 *
 * The network advances lazily: every service call of its servants and
 * clients first processes the events due at the current tyme, in tyme order
 * (FIFO among equal tymes), so who calls first does not matter.
 */
import { HioError } from '../../errors.js';
import { checkOptions, checkSeconds } from '../../options.js';
import { Prng } from '../../prng.js';
import { Tymee } from '../../tymee.js';
import type { Tymth } from '../../tymist.js';
import type { Connection } from '../connection.js';
import { netError, type NetError } from '../net-error.js';
import type { SimEndpoint } from './sim-endpoint.js';
import { SimEvents } from './sim-events.js';
import type { SimServant } from './sim-servant.js';
import { SimTrace, type TracedHost } from './sim-trace.js';

/** Options of a {@link SimNet}. */
export interface SimNetOptions {
  /** The tyme closure (usually the Doist's). */
  readonly tymth?: Tymth;
  /** Seed of the jitter generator (default 0). */
  readonly seed?: number;
  /** One-way latency in seconds (default 0.001). */
  readonly latency?: number;
  /** Extra one-way delay in seconds, uniform in [0, jitter), seeded (default 0). */
  readonly jitter?: number;
  /** Bytes per second per link direction (default Infinity). */
  readonly bandwidth?: number;
  /** Receive window in bytes: in flight plus unread (default 64 KiB). */
  readonly window?: number;
  /** Largest data parcel in bytes (default 64 KiB). */
  readonly segment?: number;
  /** Seconds before an unanswered connect fails with ETIMEDOUT (default 3). */
  readonly connectTymeout?: number;
  /** Keep every trace event in memory (default true); false keeps the digest only. */
  readonly keepTrace?: boolean;
}

/** Counters for benchmarks and invariants. */
export interface SimStats {
  /** Data parcels sent. */
  sent: number;
  /** Data parcels delivered. */
  delivered: number;
  /** Payload bytes delivered. */
  bytesDelivered: number;
}

interface Host extends TracedHost {
  up: boolean;
  readonly listeners: Map<number, SimServant>;
  /** Listeners of a crashed host, re-registered on restart. */
  suspended: Array<[number, SimServant]>;
  nextListenPort: number;
  nextClientPort: number;
  refuseAll: boolean;
  readonly refused: Set<number>;
  readonly endpoints: Set<SimEndpoint>;
}

interface Link {
  readonly from: Host;
  readonly to: Host;
  busyUntil: number;
  held: boolean;
  cut: boolean;
  parked: Parcel[];
}

const ParcelKind = { syn: 0, synack: 1, refuse: 2, data: 3, fin: 4, rst: 5 } as const;
type ParcelKind = (typeof ParcelKind)[keyof typeof ParcelKind];

interface Parcel {
  /** Tyme the parcel arrives (set when scheduled). */
  at: number;
  /** Place in the event order (set when scheduled). */
  seq: number;
  readonly kind: ParcelKind;
  readonly link: Link;
  readonly conn: number;
  readonly from: SimEndpoint;
  /** The receiving endpoint; null for a connect (it goes to a port). */
  readonly to: SimEndpoint | null;
  readonly port: number;
  readonly bytes: Buffer | null;
}

interface Action {
  at: number;
  seq: number;
  readonly run: () => void;
}

type SimEvent = Parcel | Action;

/** Options of a fault that applies to one or both directions. */
export interface DirectionOptions {
  /** Only from the first host to the second (default false: both ways). */
  readonly oneWay?: boolean;
}

const KNOWN = ['tymth', 'seed', 'latency', 'jitter', 'bandwidth', 'window', 'segment', 'connectTymeout', 'keepTrace'];

/** A simulated network of named hosts. */
export class SimNet extends Tymee {
  readonly prng: Prng;
  readonly latency: number;
  readonly jitter: number;
  readonly bandwidth: number;
  readonly window: number;
  readonly segment: number;
  readonly connectTymeout: number;
  readonly trace: SimTrace;
  readonly stats: SimStats = { sent: 0, delivered: 0, bytesDelivered: 0 };
  #hosts = new Map<string, Host>();
  #links = new Map<string, Link>();
  #events = new SimEvents<SimEvent>();
  #conns = 0;
  #advancing = false;

  constructor(options: SimNetOptions = {}) {
    checkOptions('SimNet', options, KNOWN);
    super(options.tymth ?? null);
    this.prng = new Prng(options.seed ?? 0);
    this.latency = checkSeconds('SimNet', 'latency', options.latency ?? 0.001);
    this.jitter = checkSeconds('SimNet', 'jitter', options.jitter ?? 0);
    this.bandwidth = options.bandwidth ?? Infinity;
    if (!(this.bandwidth > 0)) throw new HioError('HIO_ERR_INVALID_OPTION', 'SimNet: bandwidth must be > 0');
    this.window = positiveInteger('window', options.window ?? 65536);
    this.segment = positiveInteger('segment', options.segment ?? 65536);
    this.connectTymeout = checkSeconds('SimNet', 'connectTymeout', options.connectTymeout ?? 3);
    this.trace = new SimTrace(options.keepTrace ?? true);
  }

  /**
   * Processes every event due at the current tyme, in order. Service calls do
   * this first. The trace records each parcel at its own arrival tyme, which
   * may lie between two passes.
   */
  advance(): void {
    if (this.#advancing) return;
    this.#advancing = true;
    try {
      const tyme = this.tyme;
      while (this.#events.peekKey() <= tyme) {
        const event = this.#events.pop()!;
        if ('run' in event) event.run();
        else this.#arrive(event);
      }
    } finally {
      this.#advancing = false;
    }
  }

  /** Tyme of the next scheduled event, or Infinity. */
  nextEventTyme(): number {
    return this.#events.peekKey();
  }

  /** Runs `action` at `tyme` (seconds), in order with the network's own events: for scheduled faults. */
  at(tyme: number, action: () => void): void {
    this.#events.push(tyme, { at: 0, seq: 0, run: action });
  }

  // ------------------------------------------------------------------ faults

  /** Stops traffic between two hosts (both ways unless oneWay); parcels wait for repair. */
  partition(a: string, b: string, options: DirectionOptions = {}): void {
    this.#fault('partition', a, b, options);
    this.#link(this.#host(a), this.#host(b)).cut = true;
    if (options.oneWay !== true) this.#link(this.#host(b), this.#host(a)).cut = true;
  }

  /** Ends a partition; parked parcels go on in order. */
  repair(a: string, b: string, options: DirectionOptions = {}): void {
    this.#fault('repair', a, b, options);
    this.#unblock(this.#link(this.#host(a), this.#host(b)), 'cut');
    if (options.oneWay !== true) this.#unblock(this.#link(this.#host(b), this.#host(a)), 'cut');
  }

  /** Holds every parcel from host `a` to host `b` until released. */
  hold(a: string, b: string): void {
    this.#fault('hold', a, b, { oneWay: true });
    this.#link(this.#host(a), this.#host(b)).held = true;
  }

  /** Releases a held link; parked parcels go on in order. */
  release(a: string, b: string): void {
    this.#fault('release', a, b, { oneWay: true });
    this.#unblock(this.#link(this.#host(a), this.#host(b)), 'held');
  }

  /** Resets a connection from the middle: both ends fail with ECONNRESET at once. */
  reset(connection: Connection): void {
    const endpoint = this.#endpoint(connection);
    this.trace.record(this.tyme, 'fault', endpoint.conn, this.#host(endpoint.host), null, 0, 'reset');
    endpoint.deliverFailure(netError('ECONNRESET', 'read', 'reset by the network'));
    endpoint.peer?.deliverFailure(netError('ECONNRESET', 'read', 'reset by the network'));
  }

  /** Half-closes a connection from the given end: it sends nothing more once its queue is written. */
  halfClose(connection: Connection): void {
    const endpoint = this.#endpoint(connection);
    this.trace.record(this.tyme, 'fault', endpoint.conn, this.#host(endpoint.host), null, 0, 'half-close');
    endpoint.shutdownSend();
  }

  /** Refuses connects to a port of a host (every port when none is given), listening or not. */
  refuse(host: string, port?: number): void {
    const target = this.#host(host);
    this.trace.record(this.tyme, 'fault', 0, target, null, port ?? 0, 'refuse');
    if (port === undefined) target.refuseAll = true;
    else target.refused.add(port);
  }

  /** Accepts connects again after {@link refuse}. */
  unrefuse(host: string, port?: number): void {
    const target = this.#host(host);
    this.trace.record(this.tyme, 'fault', 0, target, null, port ?? 0, 'unrefuse');
    if (port === undefined) {
      target.refuseAll = false;
      target.refused.clear();
    } else {
      target.refused.delete(port);
    }
  }

  /**
   * Crashes a host: every connection on it dies (its own ends fail with
   * ECONNABORTED, the peers get a reset), its listeners stop, and parcels to
   * it are lost until {@link restart}.
   */
  crash(host: string): void {
    const target = this.#host(host);
    this.trace.record(this.tyme, 'fault', 0, target, null, 0, 'crash');
    target.up = false;
    target.suspended = [...target.listeners];
    target.listeners.clear();
    for (const [, servant] of target.suspended) servant.suspend();
    const endpoints = [...target.endpoints];
    target.endpoints.clear();
    for (const endpoint of endpoints) {
      if (endpoint.peer !== null && endpoint.accepting) this.transmitReset(endpoint);
      endpoint.kill(netError('ECONNABORTED', 'read', 'host crashed'));
    }
  }

  /** Restarts a crashed host; its listeners listen again on the same ports. */
  restart(host: string): void {
    const target = this.#host(host);
    this.trace.record(this.tyme, 'fault', 0, target, null, 0, 'restart');
    target.up = true;
    for (const [port, servant] of target.suspended) {
      target.listeners.set(port, servant);
      servant.resume();
    }
    target.suspended = [];
  }

  /** True while the host is up. */
  isUp(host: string): boolean {
    return this.#host(host).up;
  }

  // ------------------------------------------------ used by servants and ends

  /** @internal Registers a listener; returns the port, or EADDRINUSE. */
  listen(servant: SimServant, host: string, port: number): number | NetError {
    const target = this.#host(host);
    if (!target.up) return netError('ENETDOWN', 'listen', host);
    if (port === 0) {
      while (target.listeners.has(target.nextListenPort)) target.nextListenPort += 1;
      port = target.nextListenPort++;
    }
    if (target.listeners.has(port)) {
      this.trace.record(this.tyme, 'fault', 0, target, null, port, 'EADDRINUSE');
      return netError('EADDRINUSE', 'listen', `${host}:${port}`);
    }
    target.listeners.set(port, servant);
    this.trace.record(this.tyme, 'listen', 0, target, null, port);
    return port;
  }

  /** @internal Removes a listener. */
  unlisten(servant: SimServant, host: string, port: number): void {
    const target = this.#host(host);
    if (target.listeners.get(port) === servant) {
      target.listeners.delete(port);
      this.trace.record(this.tyme, 'unlisten', 0, target, null, port);
    }
    target.suspended = target.suspended.filter(([, suspended]) => suspended !== servant);
  }

  /** @internal Starts a connect from `client` to its address; returns the local port. */
  connect(client: SimEndpoint, targetHost: string, targetPort: number): number {
    const host = this.#host(client.host);
    const target = this.#host(targetHost);
    const conn = ++this.#conns;
    client.conn = conn;
    const port = host.nextClientPort++;
    if (host.nextClientPort > 60999) host.nextClientPort = 32768;
    this.trace.record(this.tyme, 'connect', conn, host, target, targetPort);
    if (!host.up) {
      client.deliverFailure(netError('ENETDOWN', 'connect', client.host));
      return port;
    }
    host.endpoints.add(client);
    this.#send({ at: 0, seq: 0, kind: ParcelKind.syn, link: this.#link(host, target), conn, from: client, to: null, port: targetPort, bytes: null }, client);
    this.at(this.tyme + this.connectTymeout, () => {
      if (client.conn === conn && client.awaitingConnect) {
        this.trace.record(this.tyme, 'timeout', conn, host, target, 0, 'connect');
        client.deliverFailure(netError('ETIMEDOUT', 'connect', `${targetHost}:${targetPort}`));
      }
    });
    return port;
  }

  /** @internal Free window toward the sender's peer, in bytes. */
  roomFor(sender: SimEndpoint): number {
    const peer = sender.peer;
    return peer === null ? 0 : this.window - peer.incoming;
  }

  /** @internal Sends bytes from an endpoint to its peer. */
  transmitData(sender: SimEndpoint, bytes: Buffer): void {
    const peer = sender.peer!;
    peer.incoming += bytes.length;
    this.stats.sent += 1;
    const link = this.#linkOf(sender, peer);
    const tyme = this.tyme;
    this.trace.record(tyme, 'send', sender.conn, link.from, link.to, bytes.length);
    this.#send({ at: 0, seq: 0, kind: ParcelKind.data, link, conn: sender.conn, from: sender, to: peer, port: 0, bytes }, sender, tyme);
  }

  /** @internal Sends a half-close (or, with `closing`, the FIN of a close) to the peer. */
  transmitFin(sender: SimEndpoint, closing = false): void {
    const peer = sender.peer;
    if (peer === null) return;
    const link = this.#linkOf(sender, peer);
    this.trace.record(this.tyme, closing ? 'close' : 'fin', sender.conn, link.from, link.to, 0);
    this.#send({ at: 0, seq: 0, kind: ParcelKind.fin, link, conn: sender.conn, from: sender, to: peer, port: 0, bytes: null }, sender);
  }

  /** @internal Sends a reset to the peer. */
  transmitReset(sender: SimEndpoint): void {
    const peer = sender.peer;
    if (peer === null) return;
    const link = this.#linkOf(sender, peer);
    this.trace.record(this.tyme, 'reset', sender.conn, link.from, link.to, 0);
    this.#send({ at: 0, seq: 0, kind: ParcelKind.rst, link, conn: sender.conn, from: sender, to: peer, port: 0, bytes: null }, sender);
  }

  /** @internal Forgets an endpoint that closed for good (a removed remoter, a closed client). */
  forget(endpoint: SimEndpoint): void {
    this.#hosts.get(endpoint.host)?.endpoints.delete(endpoint);
  }

  // ----------------------------------------------------------------- inside

  /** Schedules a parcel: after the link is free, plus latency and jitter, never before the sender's previous parcel. */
  #send(parcel: Parcel, sender: SimEndpoint, tyme = this.tyme): void {
    const link = parcel.link;
    let departure = tyme;
    if (parcel.bytes !== null && this.bandwidth !== Infinity) {
      departure = Math.max(tyme, link.busyUntil) + parcel.bytes.length / this.bandwidth;
      link.busyUntil = departure;
    }
    let arrival = departure + this.latency;
    if (this.jitter > 0) arrival += this.jitter * this.prng.next();
    if (arrival < sender.lastArrival) arrival = sender.lastArrival;
    sender.lastArrival = arrival;
    this.#events.push(arrival, parcel);
  }

  #arrive(parcel: Parcel): void {
    const link = parcel.link;
    if (link.held || link.cut) {
      link.parked.push(parcel);
      this.trace.record(parcel.at, 'park', parcel.conn, link.from, link.to, parcel.bytes?.length ?? 0);
      return;
    }
    const to = parcel.to;
    switch (parcel.kind) {
      case ParcelKind.syn:
        this.#acceptConnect(parcel);
        return;
      case ParcelKind.synack:
        if (to !== null && to.conn === parcel.conn && to.accepting) {
          this.trace.record(parcel.at, 'connected', parcel.conn, link.from, link.to, 0);
          to.deliverConnected({ host: to.host, port: to.localPort }, { host: link.from.name, port: parcel.port });
        }
        return;
      case ParcelKind.refuse:
        if (to !== null && to.conn === parcel.conn) {
          this.trace.record(parcel.at, 'refuse', parcel.conn, link.from, link.to, parcel.port);
          to.deliverFailure(netError('ECONNREFUSED', 'connect', `${link.from.name}:${parcel.port}`));
        }
        return;
      case ParcelKind.data: {
        const bytes = parcel.bytes!;
        if (to === null || to.conn !== parcel.conn) return;
        if (!to.accepting || !link.to.up) {
          to.incoming -= bytes.length;
          this.trace.record(parcel.at, 'drop', parcel.conn, link.from, link.to, bytes.length);
          // Bytes for a closed socket: the kernel answers with a reset.
          if (link.to.up && parcel.from.conn === parcel.conn && parcel.from.accepting) this.transmitReset(to);
          return;
        }
        this.stats.delivered += 1;
        this.stats.bytesDelivered += bytes.length;
        this.trace.record(parcel.at, 'deliver', parcel.conn, link.from, link.to, bytes.length);
        to.deliverData(bytes);
        return;
      }
      case ParcelKind.fin:
        if (to !== null && to.conn === parcel.conn && to.accepting) {
          this.trace.record(parcel.at, 'deliver', parcel.conn, link.from, link.to, 0, 'fin');
          to.deliverFin();
        }
        return;
      case ParcelKind.rst:
        if (to !== null && to.conn === parcel.conn) {
          this.trace.record(parcel.at, 'deliver', parcel.conn, link.from, link.to, 0, 'reset');
          to.deliverFailure(netError('ECONNRESET', 'read', 'connection reset by peer'));
        }
        return;
    }
  }

  #acceptConnect(parcel: Parcel): void {
    const link = parcel.link;
    const client = parcel.from;
    if (client.conn !== parcel.conn) return;
    const host = link.to;
    if (!host.up) {
      this.trace.record(parcel.at, 'drop', parcel.conn, link.from, host, 0, 'host down');
      return;
    }
    const servant = host.listeners.get(parcel.port);
    const back = this.#link(host, link.from);
    if (servant === undefined || host.refuseAll || host.refused.has(parcel.port)) {
      this.#send({ at: 0, seq: 0, kind: ParcelKind.refuse, link: back, conn: parcel.conn, from: client, to: client, port: parcel.port, bytes: null }, client);
      return;
    }
    const remoter = servant.acceptFrom(client, parcel.port);
    remoter.conn = parcel.conn;
    remoter.peer = client;
    client.peer = remoter;
    host.endpoints.add(remoter);
    this.trace.record(parcel.at, 'accept', parcel.conn, host, link.from, parcel.port);
    this.#send({ at: 0, seq: 0, kind: ParcelKind.synack, link: back, conn: parcel.conn, from: remoter, to: client, port: parcel.port, bytes: null }, remoter);
  }

  /** The link from an endpoint's host to its peer's, cached on the endpoint. */
  #linkOf(sender: SimEndpoint, peer: SimEndpoint): Link {
    const cached = sender.link as Link | null;
    if (cached !== null && cached.to.name === peer.host) return cached;
    const link = this.#link(this.#host(sender.host), this.#host(peer.host));
    sender.link = link;
    return link;
  }

  #unblock(link: Link, flag: 'held' | 'cut'): void {
    link[flag] = false;
    if (link.held || link.cut || link.parked.length === 0) return;
    const parked = link.parked;
    link.parked = [];
    for (const parcel of parked) this.#send(parcel, parcel.from);
  }

  #fault(verb: string, a: string, b: string, options: DirectionOptions): void {
    this.trace.record(this.tyme, 'fault', 0, this.#host(a), this.#host(b), 0, options.oneWay === true ? `${verb} one-way` : verb);
  }

  #endpoint(connection: Connection): SimEndpoint {
    const endpoint = connection as SimEndpoint;
    if (endpoint.net !== this) throw new HioError('HIO_ERR_SIM', 'not a connection of this network');
    return endpoint;
  }

  #host(name: string): Host {
    let host = this.#hosts.get(name);
    if (host === undefined) {
      host = {
        name,
        id: this.#hosts.size + 1,
        up: true,
        listeners: new Map(),
        suspended: [],
        nextListenPort: 40000,
        nextClientPort: 49152,
        refuseAll: false,
        refused: new Set(),
        endpoints: new Set(),
      };
      this.#hosts.set(name, host);
    }
    return host;
  }

  #link(from: Host, to: Host): Link {
    const key = `${from.id}>${to.id}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { from, to, busyUntil: 0, held: false, cut: false, parked: [] };
      this.#links.set(key, link);
    }
    return link;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new HioError('HIO_ERR_INVALID_OPTION', `SimNet: ${name} must be a positive integer, got ${value}`);
  return value;
}
