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
 * partitioned link are parked and go on when it is released or repaired (as
 * TCP retransmits); a connect that gets no answer fails with ETIMEDOUT after
 * `connectTymeout`.
 *
 * Whatever the faults and the jitter, each direction of a connection is a
 * {@link SimStream}: its parcels are taken at the far end in the order they
 * were written, a later one waiting for an earlier one that was parked. Once
 * an end is reset (by the network, by either end, or by a crash of its
 * host), nothing more of that connection reaches it.
 *
 * Nothing here reads the wall clock or Math.random. Every event goes into
 * the {@link SimTrace}, stamped with the tyme it happened — a scheduled
 * fault with the tyme it was scheduled for — so trace tyme never goes back;
 * the same seed and the same calls give the same digest.
 *
 * The network advances lazily: every service call of its servants and
 * clients first processes the events due at the current tyme, in tyme order
 * (FIFO among equal tymes), so who calls first does not matter. Every other
 * entry point (a fault, a connect, a send) first catches up with the events
 * due before the caller's tyme.
 *
 * So servants and clients need a pass at every event that concerns them,
 * and no sooner unless something of their own happens: they sleep until
 * {@link SimNet.nextEventTyme} for themselves (or an earlier deadline of
 * their own) and tell the network so ({@link SimNet.sleep}). A parcel for
 * an end concerns the sleeper that owns it (a client, an accepted end's
 * servant); a connect, a scheduled fault or a parcel for an end with no
 * sleeper concerns every sleeper. An event scheduled before a concerned
 * sleeper's tyme — a peer's send, a connect, a fault called or scheduled
 * between passes — wakes that sleeper, so each of them has a pass at every
 * event of its own, as if it ran on every pass; what an event delivers
 * wakes its end's owner in any case. A day of idle keep-alive connections
 * thus costs each sleeper its own events only, not everybody's.
 *
 * The network is the {@link SimFabric} of its ends and servants and knows
 * them only through the {@link SimEnd} and {@link SimListener} contracts.
 * Its record of each end (an {@link Attachment}) is a {@link Wire}, which
 * the end sees only as a {@link SimWire}.
 */
import { HioError } from '../../core/errors.js';
import type { Prng } from '../../core/prng.js';
import { Tymee } from '../../core/tymee.js';
import type { Connection } from '../connection.js';
import { netError, type NetError } from '../net-error.js';
import { SimEvents, TymeQueue } from './sim-events.js';
import type { SimEnd, SimFabric, SimListener, SimSleeper, SimWire } from './sim-fabric.js';
import { simNetSettings, type DirectionOptions, type SimNetOptions } from './sim-net-options.js';
import { makeHost, makeLink, parcel, ParcelKind, type Attachment, type Host, type Link, type Parcel, type Stream } from './sim-parcel.js';
import { SimStream } from './sim-stream.js';
import { SimTrace } from './sim-trace.js';
import { Wire, type WireCarrier } from './sim-wire.js';

export type { DirectionOptions, SimNetOptions } from './sim-net-options.js';

/** Counters for benchmarks and invariants. */
export interface SimStats {
  /** Data parcels sent. */
  sent: number;
  /** Data parcels delivered. */
  delivered: number;
  /** Payload bytes delivered. */
  bytesDelivered: number;
}

interface Action {
  at: number;
  seq: number;
  readonly run: () => void;
  /** The sleeper the action concerns (a connect's timeout: its client); null: every sleeper. */
  readonly sleeper: SimSleeper | null;
}

type SimEvent = Parcel | Action;

/** A simulated network of named hosts: the {@link SimFabric} its servants and clients are built on. */
export class SimNet extends Tymee implements SimFabric {
  /** The seeded jitter generator. */
  readonly prng: Prng;
  /** One-way latency in seconds. */
  readonly latency: number;
  /** Largest extra one-way delay in seconds. */
  readonly jitter: number;
  /** Bytes per second per link direction. */
  readonly bandwidth: number;
  /** Receive window in bytes: in flight plus unread. */
  readonly window: number;
  /** Largest data parcel in bytes. */
  readonly segment: number;
  /** Seconds before an unanswered connect fails with ETIMEDOUT. */
  readonly connectTymeout: number;
  /** Every event, and their digest. */
  readonly trace: SimTrace;
  /** Counters for benchmarks and invariants. */
  readonly stats: SimStats = { sent: 0, delivered: 0, bytesDelivered: 0 };
  #hosts = new Map<string, Host>();
  #links = new Map<string, Link>();
  /** The record of every end attached, by the end (a Connection to the faults that name it). */
  #attachments = new WeakMap<object, Attachment>();
  /** What the wires ask of the network: its private operations on their records. */
  readonly #carrier: WireCarrier;
  #events = new SimEvents<SimEvent>();
  #conns = 0;
  #advancing = false;
  /** While advancing: the tyme of the event being processed. */
  #eventTyme = 0;
  /** Servants and clients asleep, with the tyme of their next pass. */
  #sleepers = new Map<SimSleeper, number>();
  /** No sleeper sleeps past this tyme: an event scheduled at or after it wakes nobody. */
  #horizon = -Infinity;
  /** Tymes of the queued events that concern one sleeper, by sleeper (kept while the sleeper lives: a client has an event or two at a time, again and again). */
  #concerning = new WeakMap<SimSleeper, TymeQueue>();
  /** Tymes of the queued events that concern every sleeper. */
  #concerningAll = new TymeQueue();

  constructor(options: SimNetOptions = {}) {
    const settings = simNetSettings(options);
    super(options.tymth ?? null);
    this.prng = settings.prng;
    this.latency = settings.latency;
    this.jitter = settings.jitter;
    this.bandwidth = settings.bandwidth;
    this.window = settings.window;
    this.segment = settings.segment;
    this.connectTymeout = settings.connectTymeout;
    this.trace = new SimTrace(settings.keepTrace);
    this.#carrier = {
      window: this.window,
      trace: this.trace,
      stats: this.stats,
      now: () => this.#now(),
      post: (parcel, tyme) => this.#send(parcel, tyme),
      cut: (stream, tyme) => this.#cut(stream, tyme),
      connect: (wire, host, port) => this.#connect(wire, host, port),
      detach: (wire) => {
        this.#hosts.get(wire.end.host)?.endpoints.delete(wire);
      },
    };
  }

  /**
   * Processes every event due at the current tyme, in order. Service calls do
   * this first. Each event happens at its own tyme, which may lie between two
   * passes: the trace records it then, and what it sends leaves then.
   */
  advance(): void {
    if (this.#advancing || this.#events.peekKey() > this.tyme) return;
    this.#advancing = true;
    try {
      const tyme = this.tyme;
      const events = this.#events;
      while (events.peekKey() <= tyme) {
        const event = events.pop()!;
        this.#eventTyme = event.at;
        this.#unconcern(event);
        if ('run' in event) event.run();
        else this.#arrive(event);
      }
    } finally {
      this.#advancing = false;
    }
  }

  /** For the ends (the {@link SimFabric} contract): processes the events due before the current tyme (none while advancing). */
  catchUp(): void {
    this.#now();
  }

  /**
   * For servants and clients (the {@link SimFabric} contract): tyme of the
   * next scheduled event, or Infinity; given a sleeper, of the next one that
   * concerns it (see the module note). It may lie in the past: an event
   * scheduled for now during a pass is processed by the next.
   */
  nextEventTyme(sleeper?: SimSleeper): number {
    if (sleeper === undefined) return this.#events.peekKey();
    const own = this.#concerning.get(sleeper)?.peek() ?? Infinity;
    return Math.min(own, this.#concerningAll.peek());
  }

  /** For servants and clients (the {@link SimFabric} contract): `sleeper` has its next pass at `tyme`; an earlier event wakes it. */
  sleep(sleeper: SimSleeper, tyme: number): void {
    this.#sleepers.set(sleeper, tyme);
    if (tyme > this.#horizon) this.#horizon = tyme;
  }

  /** For servants and clients (the {@link SimFabric} contract): `sleeper` is awake or closed; no event wakes it. */
  forgetSleeper(sleeper: SimSleeper): void {
    this.#sleepers.delete(sleeper);
  }

  /**
   * Runs `action` at `tyme` (seconds), in order with the network's own
   * events: for scheduled faults. The faults it calls act, and are traced,
   * at that tyme. A tyme already past means now.
   */
  at(tyme: number, action: () => void): void {
    if (Number.isNaN(tyme)) throw new HioError('HIO_ERR_INVALID_OPTION', 'SimNet#at: tyme must be a number');
    // Never before the present: events, and so the trace, only go forward in tyme.
    const now = this.#advancing ? this.#eventTyme : this.tyme;
    this.#schedule(Math.max(tyme, now), { at: 0, seq: 0, run: action, sleeper: null });
  }

  // ------------------------------------------------------------------ faults

  /** Stops traffic between two hosts (both ways unless oneWay); parcels wait for repair. */
  partition(a: string, b: string, options: DirectionOptions = {}): void {
    this.#fault(this.#now(), 'partition', a, b, options);
    this.#link(this.#host(a), this.#host(b)).cut = true;
    if (options.oneWay !== true) this.#link(this.#host(b), this.#host(a)).cut = true;
  }

  /** Ends a partition; parked parcels go on in order. */
  repair(a: string, b: string, options: DirectionOptions = {}): void {
    const tyme = this.#now();
    this.#fault(tyme, 'repair', a, b, options);
    this.#unblock(this.#link(this.#host(a), this.#host(b)), 'cut', tyme);
    if (options.oneWay !== true) this.#unblock(this.#link(this.#host(b), this.#host(a)), 'cut', tyme);
  }

  /** Holds every parcel from host `a` to host `b` until released. */
  hold(a: string, b: string): void {
    this.#fault(this.#now(), 'hold', a, b, { oneWay: true });
    this.#link(this.#host(a), this.#host(b)).held = true;
  }

  /** Releases a held link; parked parcels go on in order. */
  release(a: string, b: string): void {
    const tyme = this.#now();
    this.#fault(tyme, 'release', a, b, { oneWay: true });
    this.#unblock(this.#link(this.#host(a), this.#host(b)), 'held', tyme);
  }

  /**
   * Resets a connection from the middle: both ends fail with ECONNRESET at
   * once, and nothing still in flight either way is delivered.
   */
  reset(connection: Connection): void {
    this.#resetAttachment(this.#attachmentOf(connection));
  }

  /**
   * Lets at most `bytes` more payload bytes of what host `from` sends on
   * connection `conn` reach the other end, then resets the connection both
   * ways: a response cut after its head, a body cut in its middle. Returns
   * false when no open connection of that number sends from that host.
   */
  truncate(conn: number, from: string, bytes: number): boolean {
    if (!Number.isInteger(bytes) || bytes < 0) throw new HioError('HIO_ERR_INVALID_OPTION', `SimNet#truncate: bytes must be a whole number, got ${bytes}`);
    this.#now();
    const host = this.#hosts.get(from);
    if (host === undefined) return false;
    for (const attachment of host.endpoints) {
      const stream = attachment.stream;
      if (attachment.conn === conn && stream !== null && !stream.reset) {
        stream.budget = bytes;
        return true;
      }
    }
    return false;
  }

  #resetAttachment(attachment: Attachment): void {
    const tyme = this.#now();
    this.trace.record(tyme, 'fault', attachment.conn, this.#host(attachment.end.host), null, 0, 'reset');
    const stream = attachment.stream;
    if (stream !== null) {
      this.#cut(stream, tyme);
      this.#cut(stream.reverse, tyme);
    }
    attachment.end.deliverFailure(netError('ECONNRESET', 'read', 'reset by the network'));
    // A client's peer may be an old remoter whose client has since reconnected: not this connection.
    const peer = attachment.peer;
    if (peer !== null && peer.conn === attachment.conn) peer.end.deliverFailure(netError('ECONNRESET', 'read', 'reset by the network'));
  }

  /** Half-closes a connection from the given end: it sends nothing more once its queue is written. */
  halfClose(connection: Connection): void {
    const attachment = this.#attachmentOf(connection);
    this.trace.record(this.#now(), 'fault', attachment.conn, this.#host(attachment.end.host), null, 0, 'half-close');
    attachment.end.shutdownSend();
  }

  /**
   * Makes every end on `host` send in pieces of at most `size` bytes (1:
   * every byte its own parcel, so a request arrives split at every byte
   * boundary), or, with null, in the network's segments again.
   */
  fragment(host: string, size: number | null): void {
    if (size !== null && (!Number.isInteger(size) || size < 1))
      throw new HioError('HIO_ERR_INVALID_OPTION', `SimNet#fragment: size must be a positive integer, got ${size}`);
    const target = this.#host(host);
    this.trace.record(this.#now(), 'fault', 0, target, null, size ?? 0, size === null ? 'unfragment' : 'fragment');
    target.fragment = size ?? Infinity;
  }

  /**
   * The open connection numbered `conn` in the trace, as its two ends (the
   * connecting end and the accepted one; either may be gone), for faults
   * that pick a connection by number.
   */
  connection(conn: number): { readonly client: Connection | null; readonly server: Connection | null } {
    let client: Connection | null = null;
    let server: Connection | null = null;
    for (const host of this.#hosts.values()) {
      for (const attachment of host.endpoints) {
        if (attachment.conn !== conn || !attachment.end.accepting) continue;
        const end = attachment.end as unknown as Connection;
        if (attachment.accepted) server = end;
        else client = end;
      }
    }
    return { client, server };
  }

  /** Refuses connects to a port of a host (every port when none is given), listening or not. */
  refuse(host: string, port?: number): void {
    const target = this.#host(host);
    this.trace.record(this.#now(), 'fault', 0, target, null, port ?? 0, 'refuse');
    if (port === undefined) target.refuseAll = true;
    else target.refused.add(port);
  }

  /** Accepts connects again after {@link refuse}. */
  unrefuse(host: string, port?: number): void {
    const target = this.#host(host);
    this.trace.record(this.#now(), 'fault', 0, target, null, port ?? 0, 'unrefuse');
    if (port === undefined) {
      target.refuseAll = false;
      target.refused.clear();
    } else {
      target.refused.delete(port);
    }
  }

  /**
   * Crashes a host: every connection on it dies (its own ends fail with
   * ECONNABORTED and receive nothing more, the peers get a reset), its
   * listeners stop, and parcels to it are lost until {@link restart}.
   */
  crash(host: string): void {
    const target = this.#host(host);
    const tyme = this.#now();
    this.trace.record(tyme, 'fault', 0, target, null, 0, 'crash');
    target.up = false;
    target.suspended = [...target.listeners];
    target.listeners.clear();
    for (const [, servant] of target.suspended) servant.suspend();
    const attachments = [...target.endpoints];
    target.endpoints.clear();
    for (const attachment of attachments) {
      const stream = attachment.stream;
      // The reset cuts the stream toward the dead end too.
      if (attachment.peer !== null && attachment.end.accepting) attachment.reset();
      else if (stream !== null) this.#cut(stream.reverse, tyme);
      attachment.end.kill(netError('ECONNABORTED', 'read', 'host crashed'));
    }
  }

  /** Restarts a crashed host; its listeners listen again on the same ports. */
  restart(host: string): void {
    const target = this.#host(host);
    this.trace.record(this.#now(), 'fault', 0, target, null, 0, 'restart');
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

  // ------------------------------------------------------------- the fabric

  /**
   * For the ends (the {@link SimFabric} contract): attaches a connection end
   * (its constructor calls this). The network keeps a record of the end,
   * which is also the wire the end is given.
   */
  attach(end: SimEnd): SimWire {
    const wire = new Wire(this.#carrier, end);
    this.#attachments.set(end, wire);
    return wire;
  }

  /** For the servants (the {@link SimFabric} contract): registers a listener; returns the port, or EADDRINUSE (ENETDOWN on a crashed host). */
  listen(listener: SimListener, host: string, port: number): number | NetError {
    const target = this.#host(host);
    if (!target.up) return netError('ENETDOWN', 'listen', host);
    const tyme = this.#now();
    if (port === 0) {
      while (target.listeners.has(target.nextListenPort)) target.nextListenPort += 1;
      port = target.nextListenPort++;
    }
    if (target.listeners.has(port)) {
      this.trace.record(tyme, 'fault', 0, target, null, port, 'EADDRINUSE');
      return netError('EADDRINUSE', 'listen', `${host}:${port}`);
    }
    target.listeners.set(port, listener);
    this.trace.record(tyme, 'listen', 0, target, null, port);
    return port;
  }

  /** For the servants (the {@link SimFabric} contract): removes a listener (also from a crashed host's listeners to restore). */
  unlisten(listener: SimListener, host: string, port: number): void {
    const target = this.#host(host);
    if (target.listeners.get(port) === listener) {
      target.listeners.delete(port);
      this.trace.record(this.#now(), 'unlisten', 0, target, null, port);
    }
    target.suspended = target.suspended.filter(([, suspended]) => suspended !== listener);
  }

  // -------------------------------------------------------- for the wires

  /** Starts a connect from a client's end to `targetHost:targetPort`, forgetting its previous connection. */
  #connect(client: Attachment, targetHost: string, targetPort: number): void {
    // Catch up while the record is still the previous connection's: what arrives before now is that one's.
    const tyme = this.#now();
    client.peer = null;
    client.stream = null;
    client.incoming = 0;
    client.blocked = false;
    const name = client.end.host;
    const host = this.#host(name);
    const target = this.#host(targetHost);
    const conn = ++this.#conns;
    client.conn = conn;
    const port = host.nextClientPort++;
    if (host.nextClientPort > 60999) host.nextClientPort = 32768;
    client.localPort = port;
    this.trace.record(tyme, 'connect', conn, host, target, targetPort);
    if (!host.up) {
      client.end.deliverFailure(netError('ENETDOWN', 'connect', name));
      return;
    }
    host.endpoints.add(client);
    this.#send(parcel(ParcelKind.syn, this.#link(host, target), conn, client, null, null, targetPort, null), tyme);
    const timeout = (): void => {
      if (client.conn === conn && client.end.awaitingConnect) {
        this.trace.record(this.#now(), 'timeout', conn, host, target, 0, 'connect');
        client.end.deliverFailure(netError('ETIMEDOUT', 'connect', `${targetHost}:${targetPort}`));
      }
    };
    // The timeout concerns the connecting client only.
    this.#schedule(tyme + this.connectTymeout, { at: 0, seq: 0, run: timeout, sleeper: client.end.sleeper });
  }

  // ----------------------------------------------------------------- inside

  /**
   * The tyme to stamp what happens now: while advancing, the event's own;
   * otherwise the caller's, after catching up with the events due before it,
   * so that the trace stays in tyme order.
   */
  #now(): number {
    if (this.#advancing) return this.#eventTyme;
    const tyme = this.tyme;
    if (this.#events.peekKey() < tyme) this.advance();
    return tyme;
  }

  /**
   * Schedules a parcel leaving at `tyme`: after the link is free, plus
   * latency and jitter, and never before the previous parcel of its stream.
   */
  #send(parcel: Parcel, tyme: number): void {
    let departure = tyme;
    const bytes = parcel.bytes;
    if (bytes !== null && this.bandwidth !== Infinity) {
      const link = parcel.link;
      departure = Math.max(tyme, link.busyUntil) + bytes.length / this.bandwidth;
      link.busyUntil = departure;
    }
    let arrival = departure + this.latency;
    if (this.jitter > 0) arrival += this.jitter * this.prng.next();
    const stream = parcel.stream;
    if (stream !== null) {
      // Most parcels then never wait at the far end; the stream's order holds either way.
      if (arrival < stream.lastArrival) arrival = stream.lastArrival;
      stream.lastArrival = arrival;
    }
    this.#schedule(arrival, parcel);
  }

  /** Queues an event at `tyme`, waking the sleepers it concerns whose next pass would come after it. */
  #schedule(tyme: number, event: SimEvent): void {
    this.#events.push(tyme, event);
    const sleeper = concernOf(event);
    if (sleeper === null) {
      this.#concerningAll.push(tyme);
      if (tyme < this.#horizon) this.#wakeSleepers(tyme);
      return;
    }
    let tymes = this.#concerning.get(sleeper);
    if (tymes === undefined) {
      tymes = new TymeQueue();
      this.#concerning.set(sleeper, tymes);
    }
    tymes.push(tyme);
    const until = this.#sleepers.get(sleeper);
    if (until !== undefined && until > tyme) {
      this.#sleepers.delete(sleeper);
      sleeper.wake();
    }
  }

  /** Forgets the tyme of an event taken off the queue: events are taken in tyme order, so it is the earliest of those concerning the same sleepers. */
  #unconcern(event: SimEvent): void {
    const sleeper = concernOf(event);
    if (sleeper === null) {
      this.#concerningAll.pop();
      return;
    }
    this.#concerning.get(sleeper)?.pop();
  }

  /**
   * Wakes the sleepers due after `tyme` and forgets them: each sleeps again,
   * until this event at the latest, once its pass has run. They are woken
   * in the map's order, so the same calls wake them in the same order.
   */
  #wakeSleepers(tyme: number): void {
    const woken: SimSleeper[] = [];
    let horizon = -Infinity;
    for (const [sleeper, until] of this.#sleepers) {
      if (until > tyme) woken.push(sleeper);
      else if (until > horizon) horizon = until;
    }
    this.#horizon = horizon;
    for (const sleeper of woken) {
      this.#sleepers.delete(sleeper);
      sleeper.wake();
    }
  }

  /** A parcel reaches the end of its link: parked if the link is blocked, else taken in its stream's order. */
  #arrive(parcel: Parcel): void {
    const link = parcel.link;
    const tyme = this.#eventTyme;
    if (link.held || link.cut) {
      link.parked.push(parcel);
      this.trace.record(tyme, 'park', parcel.conn, link.from, link.to, parcel.bytes?.length ?? 0);
      return;
    }
    const stream = parcel.stream;
    if (stream === null) {
      this.#take(parcel, tyme);
      return;
    }
    if (stream.reset) {
      this.#discard(parcel, tyme);
      return;
    }
    // An earlier parcel of the stream is still on its way (parked and sent again): wait for it.
    if (!stream.arrive(parcel)) return;
    this.#take(parcel, tyme);
    for (let next = stream.takeNext(); next !== undefined; next = stream.takeNext()) this.#take(next, tyme);
  }

  /** Acts on a parcel that arrived, in its stream's order, at `tyme`. */
  #take(parcel: Parcel, tyme: number): void {
    const link = parcel.link;
    const to = parcel.to;
    switch (parcel.kind) {
      case ParcelKind.syn:
        this.#acceptConnect(parcel, tyme);
        return;
      case ParcelKind.synack:
        if (to === null || to.conn !== parcel.conn) return;
        if (to.end.awaitingConnect) {
          this.trace.record(tyme, 'connected', parcel.conn, link.from, link.to, 0);
          to.end.deliverConnected({ host: to.end.host, port: to.localPort }, { host: link.from.name, port: parcel.port });
        } else {
          // Nobody waits for this connect any more (timed out, closed, crashed): the kernel answers with a reset.
          this.trace.record(tyme, 'drop', parcel.conn, link.from, link.to, 0, 'connected');
          if (link.to.up) to.reset();
        }
        return;
      case ParcelKind.refuse:
        if (to !== null && to.conn === parcel.conn) {
          this.trace.record(tyme, 'refuse', parcel.conn, link.from, link.to, parcel.port);
          to.end.deliverFailure(netError('ECONNREFUSED', 'connect', `${link.from.name}:${parcel.port}`));
        }
        return;
      case ParcelKind.data: {
        const bytes = parcel.bytes!;
        if (to === null || to.conn !== parcel.conn) return;
        if (!to.end.accepting || !link.to.up) {
          to.incoming -= bytes.length;
          this.trace.record(tyme, 'drop', parcel.conn, link.from, link.to, bytes.length);
          // Bytes for a closed socket: the kernel answers with a reset.
          if (link.to.up && parcel.from.conn === parcel.conn && parcel.from.end.accepting) to.reset();
          return;
        }
        const stream = parcel.stream!;
        if (stream.budget < bytes.length) {
          this.#truncated(parcel, bytes.subarray(0, stream.budget), tyme);
          return;
        }
        stream.budget -= bytes.length;
        this.stats.delivered += 1;
        this.stats.bytesDelivered += bytes.length;
        this.trace.record(tyme, 'deliver', parcel.conn, link.from, link.to, bytes.length, '', bytes);
        to.end.deliverData(bytes);
        return;
      }
      case ParcelKind.fin:
        if (to !== null && to.conn === parcel.conn && to.end.accepting) {
          this.trace.record(tyme, 'deliver', parcel.conn, link.from, link.to, 0, 'fin');
          to.end.deliverFin();
        }
        return;
      case ParcelKind.rst:
        if (to !== null && to.conn === parcel.conn) {
          this.trace.record(tyme, 'deliver', parcel.conn, link.from, link.to, 0, 'reset');
          this.#cut(parcel.stream!, tyme);
          to.end.deliverFailure(netError('ECONNRESET', 'read', 'connection reset by peer'));
        }
        return;
    }
  }

  #acceptConnect(syn: Parcel, tyme: number): void {
    const link = syn.link;
    const client = syn.from;
    if (client.conn !== syn.conn) return;
    const host = link.to;
    if (!host.up) {
      this.trace.record(tyme, 'drop', syn.conn, link.from, host, 0, 'host down');
      return;
    }
    const servant = host.listeners.get(syn.port);
    const back = this.#link(host, link.from);
    if (servant === undefined || host.refuseAll || host.refused.has(syn.port)) {
      this.#send(parcel(ParcelKind.refuse, back, syn.conn, client, client, null, syn.port, null), tyme);
      return;
    }
    const remoter = this.#attachmentOf(servant.acceptFrom({ host: client.end.host, port: client.localPort }, syn.port));
    const [forth, home] = SimStream.pair<Parcel, Link>(syn.conn, link, back);
    remoter.localPort = syn.port;
    remoter.accepted = true;
    remoter.conn = syn.conn;
    remoter.peer = client;
    remoter.stream = home;
    client.peer = remoter;
    client.stream = forth;
    host.endpoints.add(remoter);
    this.trace.record(tyme, 'accept', syn.conn, host, link.from, syn.port);
    this.#send(parcel(ParcelKind.synack, back, syn.conn, remoter, client, home, syn.port, null), tyme);
  }

  /** A parcel past a truncation: its first bytes are delivered, then the connection is reset both ways. */
  #truncated(parcel: Parcel, head: Buffer, tyme: number): void {
    const to = parcel.to!;
    const link = parcel.link;
    to.incoming -= parcel.bytes!.length - head.length;
    parcel.stream!.budget = Infinity;
    if (head.length > 0) {
      this.stats.delivered += 1;
      this.stats.bytesDelivered += head.length;
      this.trace.record(tyme, 'deliver', parcel.conn, link.from, link.to, head.length, '', head);
      to.end.deliverData(head);
    }
    this.trace.record(tyme, 'fault', parcel.conn, link.from, link.to, head.length, 'truncate');
    this.#resetAttachment(to);
  }

  /** Marks the receiving end of a stream reset: what waits in it, and whatever arrives later, is dropped. */
  #cut(stream: Stream, tyme: number): void {
    for (const waiting of stream.cut()) this.#discard(waiting, tyme);
  }

  /** Drops a parcel of a reset stream, giving its bytes back to the receiver's window. */
  #discard(dropped: Parcel, tyme: number): void {
    const to = dropped.to;
    const size = dropped.bytes?.length ?? 0;
    if (to !== null && to.conn === dropped.conn) to.incoming -= size;
    this.trace.record(tyme, 'drop', dropped.conn, dropped.link.from, dropped.link.to, size, 'reset');
  }

  /** Lifts a block; parked parcels leave again now, in the order they were parked. */
  #unblock(link: Link, flag: 'held' | 'cut', tyme: number): void {
    link[flag] = false;
    if (link.held || link.cut || link.parked.length === 0) return;
    const parked = link.parked;
    link.parked = [];
    for (const again of parked) {
      if (again.stream?.reset === true) this.#discard(again, tyme);
      else this.#send(again, tyme);
    }
  }

  #fault(tyme: number, verb: string, a: string, b: string, options: DirectionOptions): void {
    this.trace.record(tyme, 'fault', 0, this.#host(a), this.#host(b), 0, options.oneWay === true ? `${verb} one-way` : verb);
  }

  /** The network's record of a connection end it attached; anything else is misuse. */
  #attachmentOf(connection: Connection | SimEnd): Attachment {
    const attachment = this.#attachments.get(connection);
    if (attachment === undefined) throw new HioError('HIO_ERR_SIM', 'not a connection of this network');
    return attachment;
  }

  #host(name: string): Host {
    let host = this.#hosts.get(name);
    if (host === undefined) {
      host = makeHost(name, this.#hosts.size + 1);
      this.#hosts.set(name, host);
    }
    return host;
  }

  #link(from: Host, to: Host): Link {
    const key = `${from.id}>${to.id}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = makeLink(from, to);
      this.#links.set(key, link);
    }
    return link;
  }
}

/** The sleeper an event concerns: the owner of the end a parcel goes to, or an action's; null for every sleeper. */
function concernOf(event: SimEvent): SimSleeper | null {
  if ('run' in event) return event.sleeper;
  return event.to?.end.sleeper ?? null;
}
