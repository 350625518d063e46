/**
 * @module
 * The contract between the simulated network and what lives on it, in both
 * directions, so that neither side imports the other. {@link SimFabric} is
 * what endpoints and servants need from the network (its tyme, attaching an
 * endpoint, listening); {@link SimWire} is one endpoint's attachment, through
 * which it connects, sends within the receiver's window and tells the
 * network what its reader took. {@link SimEnd} and {@link SimListener} are
 * what the network needs in return: the facts it delivers to a connection
 * end, and the calls it makes on a listening servant.
 *
 * The {@link SimNet} implements the fabric; {@link SimEndpoint} (and so
 * {@link SimClient} and {@link SimRemoter}) implements SimEnd;
 * {@link SimServant} implements SimListener.
 *
 * The network advances only when its servants and clients are serviced, so
 * they sleep between passes no longer than until its next event that
 * concerns them ({@link SimFabric.nextEventTyme}); each says how long it
 * sleeps ({@link SimFabric.sleep}) and, as a {@link SimSleeper}, is woken
 * should the network schedule such an event before then.
 *
 * The network's record of each end (connection number, peer, stream, bytes
 * in flight) is the object the end holds as its wire, but the end sees only
 * the SimWire calls: the bookkeeping stays the network's.
 */
import type { Tymth } from '../../core/tymist.js';
import type { Address } from '../address.js';
import type { NetError } from '../net-error.js';

/** What endpoints and servants need from the simulated network. */
export interface SimFabric {
  /** The network's tyme closure, the default for its ends' idle timers; null when none is wound in. */
  readonly tymth: Tymth | null;
  /** The network's current tyme in seconds. */
  readonly tyme: number;
  /** Largest data parcel in bytes: an end sends its queue in pieces of at most this. */
  readonly segment: number;
  /**
   * Processes every event due at the current tyme. Servants and clients call
   * it first in each service pass: the network advances only when they run.
   */
  advance(): void;
  /**
   * Processes the events due before the current tyme, as every entry point
   * of the network does first. An end calls it before it forgets the state
   * of the connection it leaves: what happened before now belongs to that
   * connection.
   */
  catchUp(): void;
  /**
   * Attaches a new connection end living on host `end.host` (called once,
   * by the end's constructor) and returns the wire it uses for the rest of
   * its life. The network delivers to `end` through {@link SimEnd}.
   */
  attach(end: SimEnd): SimWire;
  /**
   * Registers `listener` on `host:port` (port 0 picks a free port) and
   * returns the port, or the error: EADDRINUSE for a taken port, ENETDOWN
   * while the host is crashed.
   */
  listen(listener: SimListener, host: string, port: number): number | NetError;
  /** Removes `listener` from `host:port` (and from a crashed host's listeners to restore). */
  unlisten(listener: SimListener, host: string, port: number): void;
  /**
   * Tyme in seconds of the network's next scheduled event (a parcel
   * arriving, a connect timing out, a scheduled fault), or Infinity when
   * none is. Nothing the network does happens before it unless a servant or
   * client acts (sends, connects, closes) or a fault is called. Given a
   * sleeper, the next event that concerns it: a parcel for one of its ends
   * ({@link SimEnd.sleeper}), its connect's timeout, or an event that
   * concerns every sleeper (a connect reaching a port, a scheduled fault, a
   * parcel for an end without a sleeper).
   */
  nextEventTyme(sleeper?: SimSleeper): number;
  /**
   * Records that `sleeper` has its next pass at `tyme` (seconds) unless an
   * event of its own wakes it first. Should the network schedule an event
   * that concerns it (see {@link SimFabric.nextEventTyme}) before `tyme` —
   * whoever causes it, a peer, a fault, the network itself —
   * it calls {@link SimSleeper.wake} once and forgets the sleeper until it
   * sleeps again. Called from a servant's or client's nextDue.
   */
  sleep(sleeper: SimSleeper, tyme: number): void;
  /** Forgets `sleeper`: it is awake (woken by an event of its own) or closed, and needs no wake from the network. */
  forgetSleeper(sleeper: SimSleeper): void;
}

/**
 * What the network needs from a servant or client that sleeps between its
 * passes: a way to wake it (make its next pass due now).
 */
export interface SimSleeper {
  /** The network scheduled an event before the sleeper's next pass: it needs a pass now, to sleep again no later than that event. */
  wake(): void;
}

/**
 * One end's attachment to the network, returned by {@link SimFabric.attach}.
 * The end calls it from its own service passes and close; it carries the
 * end's current connection (a client gets a new one on every connect).
 */
export interface SimWire {
  /**
   * The end's own port: the listening port of an accepted end, the
   * ephemeral port of a client's latest connect (0 before the first).
   */
  readonly localPort: number;
  /**
   * True while the end waits for its peer's window: set when {@link SimWire.room}
   * finds none, cleared (with {@link SimEnd.windowOpened}) when the peer's
   * reader takes bytes, or by a new connect.
   */
  readonly blocked: boolean;
  /**
   * Forgets the current connection and starts a connect to `host:port`.
   * The outcome comes back later as {@link SimEnd.deliverConnected} or
   * {@link SimEnd.deliverFailure} (ECONNREFUSED, ETIMEDOUT, ENETDOWN).
   */
  connect(host: string, port: number): void;
  /** Bytes that may be sent now: the peer's free receive window (0 while not connected; then the end is blocked). */
  room(): number;
  /** Sends bytes to the peer (taken from the end's queue; the network keeps them). */
  send(bytes: Buffer): void;
  /** Sends a half-close to the peer; with `closing`, the FIN of a close. */
  fin(closing: boolean): void;
  /** Sends a reset to the peer; from now on nothing of the connection reaches this end. */
  reset(): void;
  /** The reader took `bytes` out of the end's inbox: the window opens, and a peer blocked on it is woken. */
  read(bytes: number): void;
  /** `bytes` in the inbox were lost with the connection: the window opens, nobody is woken. */
  discard(bytes: number): void;
  /** The end closed for good: its host forgets it, so a crash no longer reaches it. */
  detach(): void;
}

/**
 * What the network needs from one end of a connection: its host, two
 * questions about its state, and the facts it delivers. Deliveries are
 * recorded by the end and taken in by its next service pass.
 */
export interface SimEnd {
  /** Name of the host the end lives on. */
  readonly host: string;
  /**
   * The sleeper whose passes take in what is delivered to this end (a
   * client itself, an accepted end's servant): the events for this end
   * concern it alone. Null when there is none: they concern every sleeper.
   */
  readonly sleeper: SimSleeper | null;
  /** True while a connect is under way with no answer yet. */
  readonly awaitingConnect: boolean;
  /** Whether bytes arriving now would be read (else the sender is answered with a reset). */
  readonly accepting: boolean;
  /** The connect completed, with the two addresses. */
  deliverConnected(local: Address, remote: Address): void;
  /** Bytes arrived, in order (the end keeps the buffer). */
  deliverData(bytes: Buffer): void;
  /** The peer half-closed. */
  deliverFin(): void;
  /** The connection failed: reset, refused, timed out. */
  deliverFailure(error: NetError): void;
  /** The end's host crashed: the end dies with `error` at once. */
  kill(error: NetError): void;
  /** A half-close fault: the end sends nothing more once its queue is written. */
  shutdownSend(): void;
  /** The peer's window opened: the end, which was blocked on it, may send again. */
  windowOpened(): void;
}

/** What the network needs from a listening servant. */
export interface SimListener {
  /**
   * A connect from `remote` reached the servant's `port`: the servant makes
   * the accepted end (attached to the network) and queues it for admission.
   */
  acceptFrom(remote: Address, port: number): SimEnd;
  /** The servant's host crashed: it stops listening until {@link SimListener.resume}. */
  suspend(): void;
  /** The servant's host restarted: it listens again on the same port. */
  resume(): void;
}
