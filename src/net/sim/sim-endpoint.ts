/**
 * @module
 * One end of a simulated connection, with the same {@link Connection}
 * surface as a socket: the base of {@link SimRemoter} and {@link SimClient}.
 * The network delivers into it (bytes, half-close, reset) through the
 * {@link SimEnd} contract, as recorded facts; its service passes consume
 * them exactly as the socket backend consumes socket events. It reaches the
 * network only through the {@link SimFabric} it was made on and the
 * {@link SimWire} the fabric attached it with.
 *
 * Flow control: the bytes in flight toward an endpoint plus those waiting in
 * its inbox may not exceed the network's receive window. An endpoint moves
 * inbox bytes into rxQueue only while rxQueue is below its high-water mark,
 * so a reader that does not consume stalls its writer, as a full socket
 * buffer does. The network counts the window; the end tells it what its
 * reader took ({@link SimWire.read}) and is told when its peer's window
 * opens ({@link SimEnd.windowOpened}).
 */
import { ByteQueue } from '../../core/byte-queue.js';
import type { Address } from '../address.js';
import { BaseConnection, type ConnectionOptions } from '../base-connection.js';
import type { NetError } from '../net-error.js';
import type { SimEnd, SimFabric, SimSleeper, SimWire } from './sim-fabric.js';

/** Options shared by simulated connections (the idle timer follows the network's tymth by default). */
export type SimEndpointOptions = ConnectionOptions;

/** A simulated connection end. */
export abstract class SimEndpoint extends BaseConnection implements SimEnd {
  /** The network this endpoint lives on. */
  readonly net: SimFabric;
  /** Name of the host this endpoint lives on. */
  readonly host: string;
  /** This end's attachment to the network: how it connects, sends and opens its window. */
  readonly #wire: SimWire;
  /** Delivered chunks not yet moved to rxQueue: slots [#inboxHead, #inboxCount), reused, never shrunk. */
  #inbox: Buffer[] = [];
  #inboxHead = 0;
  #inboxCount = 0;
  #inboxBytes = 0;
  #tx = new ByteQueue();
  /** Bytes put on the wire since the endpoint was made. */
  #written = 0;
  #connectedFact = false;
  #peerEnded = false;
  #failure: NetError | null = null;
  #connected = false;
  #shutdownAsked = false;
  #finSent = false;
  /** Our half-close, sent after the peer's, ended the connection during a send pass: the owner sees it in the next pass. */
  #endedBySend = false;

  constructor(net: SimFabric, host: string, options: SimEndpointOptions) {
    const tymth = options.tymth ?? net.tymth;
    super(tymth === null ? options : { ...options, tymth });
    this.net = net;
    this.host = host;
    this.#wire = net.attach(this);
  }

  /** The key used in wire log records. */
  protected abstract get logKey(): string;

  /** Tells the owner that a fact arrived (mark ready, wake the scheduler). */
  abstract override notify(): void;

  /** The sleeper whose passes take in this end's deliveries (the {@link SimEnd} contract). */
  abstract readonly sleeper: SimSleeper | null;

  get txPending(): number {
    return this.#tx.length;
  }

  get txWritten(): number {
    return this.#written;
  }

  /**
   * This end's port: the listening port for an accepted end, the ephemeral
   * port of a client's latest connect (0 before the first).
   */
  get localPort(): number {
    return this.#wire.localPort;
  }

  /** True while the connection is established and not cut off. */
  get connected(): boolean {
    return this.#connected && !this.stateCutoff;
  }

  /** True while unread bytes wait in the inbox because rxQueue is at its high-water mark. */
  get paused(): boolean {
    return this.#inboxBytes > 0 && this.rxQueue.length >= this.highWater;
  }

  /** True while the endpoint holds facts or bytes a pass must still handle. */
  get busy(): boolean {
    return (
      (this.#inboxBytes > 0 && this.rxQueue.length < this.highWater) ||
      this.#connectedFact ||
      (this.#peerEnded && !this.stateRxEnded) ||
      (this.#failure !== null && !this.stateCutoff) ||
      this.#endedBySend ||
      (this.#connected && !this.stateCutoff && ((this.#tx.length > 0 && !this.#wire.blocked) || (this.#shutdownAsked && !this.#finSent)))
    );
  }

  tx(bytes: Uint8Array): void {
    if (this.refusesSend(this.#shutdownAsked) || bytes.length === 0) return;
    this.#tx.push(bytes);
    this.notify();
  }

  serviceReceives(): void {
    this.#endedBySend = false;
    if (this.#connectedFact) {
      this.#connectedFact = false;
      this.#connected = true;
      this.refresh();
    }
    if (this.#inboxBytes > 0 && !this.stateClosed) {
      let moved = 0;
      const log = this.wireLog;
      const key = log === null ? '' : this.logKey;
      while (this.#inboxHead < this.#inboxCount && this.rxQueue.length < this.highWater) {
        const chunk = this.#inbox[this.#inboxHead]!;
        this.#inbox[this.#inboxHead] = EMPTY;
        this.#inboxHead += 1;
        this.rxQueue.push(chunk);
        log?.record('rx', key, chunk);
        moved += chunk.length;
      }
      if (this.#inboxHead === this.#inboxCount) {
        this.#inboxHead = 0;
        this.#inboxCount = 0;
      }
      this.#inboxBytes -= moved;
      if (moved > 0) {
        this.refresh();
        // Room in our window again: the network lets a blocked writer go on.
        this.#wire.read(moved);
      }
    }
    if (this.#peerEnded && this.#inboxBytes === 0) this.stateRxEnded = true;
    if (this.#failure !== null && !this.stateCutoff) {
      this.cutOff(this.#failure);
      this.#tx.clear();
    }
    // Both directions closed: the connection is over, as a socket's 'close'.
    if (this.stateRxEnded && this.#finSent && !this.stateCutoff) this.stateCutoff = true;
  }

  serviceSends(): void {
    // A reset end sends nothing more, even before a receive pass takes the failure in.
    if (!this.#connected || this.stateCutoff || this.stateClosed || this.#failure !== null) return;
    let sent = false;
    const wire = this.#wire;
    while (this.#tx.length > 0) {
      const room = wire.room();
      // No room: the wire counts this end blocked until the peer's reader opens the window.
      if (room <= 0) break;
      const size = Math.min(room, this.net.segment, this.#tx.length);
      const bytes = this.#tx.take(size);
      if (this.wireLog !== null) this.wireLog.record('tx', this.logKey, bytes);
      wire.send(bytes);
      this.#written += size;
      sent = true;
    }
    if (sent) this.refresh();
    if (this.#shutdownAsked && !this.#finSent && this.#tx.length === 0) {
      this.#finSent = true;
      wire.fin(false);
      // The peer had already half-closed: both directions are now closed,
      // after the owner's work of this pass; it is due again to see that.
      if (this.stateRxEnded) {
        this.stateCutoff = true;
        this.#endedBySend = true;
      }
    }
  }

  shutdownSend(): void {
    if (this.#shutdownAsked || this.stateClosed) return;
    this.#shutdownAsked = true;
    this.notify();
  }

  protected release(reset: boolean): void {
    // Closing with unread bytes aborts the connection, as close(2) does.
    if (reset || this.#inboxBytes > 0) this.#wire.reset();
    else if (!this.#finSent) this.#wire.fin(true);
    this.#finSent = true;
    this.#drop();
  }

  // ------------------------------------------------- the SimEnd contract

  /** For the network (the {@link SimEnd} contract): the network delivers bytes (the endpoint keeps the buffer). */
  deliverData(bytes: Buffer): void {
    if (this.#inboxCount < this.#inbox.length) this.#inbox[this.#inboxCount] = bytes;
    else this.#inbox.push(bytes);
    this.#inboxCount += 1;
    this.#inboxBytes += bytes.length;
    this.notify();
  }

  /** For the network (the {@link SimEnd} contract): the network delivers the peer's half-close. */
  deliverFin(): void {
    this.#peerEnded = true;
    this.notify();
  }

  /** For the network (the {@link SimEnd} contract): the network reports a failure (reset, refused, timed out). */
  deliverFailure(error: NetError): void {
    if (this.stateClosed) return;
    this.#failure ??= error;
    this.#discardInbox();
    this.notify();
  }

  /** For the network (the {@link SimEnd} contract): the network completed the connection. */
  deliverConnected(local: Address, remote: Address): void {
    this.stateLocal = local;
    this.stateRemote = remote;
    this.#connectedFact = true;
    this.notify();
  }

  /** For the network (the {@link SimEnd} contract): the peer's window opened; the bytes still queued go on in the next pass. */
  windowOpened(): void {
    this.notify();
  }

  /** For the network (the {@link SimEnd} contract): true while a connect is under way with no answer yet. */
  get awaitingConnect(): boolean {
    return !this.#connected && !this.#connectedFact && this.#failure === null && !this.stateClosed;
  }

  /** For the network (the {@link SimEnd} contract): whether bytes arriving now would be read (else the sender is reset). */
  get accepting(): boolean {
    return !this.stateClosed;
  }

  /** For the network (the {@link SimEnd} contract): the host crashed; the endpoint dies with the given error. */
  kill(error: NetError): void {
    if (this.stateClosed) return;
    this.stateClosed = true;
    this.cutOff(error);
    this.#drop();
    this.notify();
  }

  // ------------------------------------------------ for clients and remoters

  /** Marks an accepted (server-side) endpoint connected at once. */
  protected establish(local: Address, remote: Address): void {
    this.stateLocal = local;
    this.stateRemote = remote;
    this.#connected = true;
  }

  /**
   * Forgets the current connection's facts and state, keeping queued bytes,
   * and connects to `address` (a client reconnecting).
   */
  protected connectTo(address: Address): void {
    // What the network owes the connection being left (an answer to its connect, say) must reach it, not the next one.
    this.net.catchUp();
    this.#clearInbox();
    this.#connectedFact = false;
    this.#peerEnded = false;
    this.#failure = null;
    this.#connected = false;
    this.#shutdownAsked = false;
    this.#finSent = false;
    this.#endedBySend = false;
    this.clearState();
    this.#wire.connect(address.host, address.port);
  }

  /** Tells the network this end closed for good (a removed remoter, a closed client): a crash no longer reaches it. */
  protected detach(): void {
    this.#wire.detach();
  }

  /** The failure recorded but not yet consumed by a pass. */
  protected get failure(): NetError | null {
    return this.#failure;
  }

  /** True once the connect completed (the fact may not be consumed yet). */
  protected get connecting(): boolean {
    return this.#connectedFact;
  }

  #clearInbox(): void {
    this.#inbox.fill(EMPTY, this.#inboxHead, this.#inboxCount);
    this.#inboxHead = 0;
    this.#inboxCount = 0;
    this.#inboxBytes = 0;
  }

  #drop(): void {
    this.#tx.clear();
    this.#discardInbox();
  }

  /** Unread bytes are lost with the connection; a half-close behind them must not pass for a complete stream. */
  #discardInbox(): void {
    if (this.#inboxBytes === 0) return;
    this.#peerEnded = false;
    this.#wire.discard(this.#inboxBytes);
    this.#clearInbox();
  }
}

const EMPTY = Buffer.alloc(0);
