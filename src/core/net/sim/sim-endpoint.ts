/**
 * @module
 * One end of a simulated connection, with the same {@link Connection}
 * surface as a socket: the base of {@link SimRemoter} and {@link SimClient}.
 * The {@link SimNet} delivers parcels into it (bytes, half-close, reset) as
 * recorded facts; its service passes consume them exactly as the socket
 * backend consumes socket events.
 *
 * Flow control: the bytes in flight toward an endpoint plus those waiting in
 * its inbox may not exceed the network's receive window. An endpoint moves
 * inbox bytes into rxQueue only while rxQueue is below its high-water mark,
 * so a reader that does not consume stalls its writer, as a full socket
 * buffer does.
 */
import { ByteQueue } from '../../byte-queue.js';
import type { Address } from '../address.js';
import { BaseConnection, type ConnectionOptions } from '../base-connection.js';
import type { NetError } from '../net-error.js';
import type { SimNet } from './sim-net.js';

/** Options shared by simulated connections (the idle timer follows the network's tymth by default). */
export type SimEndpointOptions = ConnectionOptions;

/** A simulated connection end. */
export abstract class SimEndpoint extends BaseConnection {
  /** The network this endpoint lives on. */
  readonly net: SimNet;
  /** Name of the host this endpoint lives on. */
  readonly host: string;
  /** @internal The connection number in the trace (a client gets a new one per connect). */
  conn = 0;
  /** @internal The other end, once the connection exists. */
  peer: SimEndpoint | null = null;
  /** @internal Bytes in flight toward this endpoint plus bytes in its inbox: what counts against the window. */
  incoming = 0;
  /** @internal Set when the window was full: the peer notifies when it opens. */
  windowBlocked = false;
  /** @internal Our port: the listening port for an accepted end, the ephemeral port for a client. */
  localPort = 0;
  /** @internal The network's stream for what this end sends on its current connection, once paired. */
  stream: unknown = null;
  /** Delivered chunks not yet moved to rxQueue: slots [#inboxHead, #inboxCount), reused, never shrunk. */
  #inbox: Buffer[] = [];
  #inboxHead = 0;
  #inboxCount = 0;
  #inboxBytes = 0;
  #tx = new ByteQueue();
  #connectedFact = false;
  #peerEnded = false;
  #failure: NetError | null = null;
  #connected = false;
  #shutdownAsked = false;
  #finSent = false;

  constructor(net: SimNet, host: string, options: SimEndpointOptions) {
    const tymth = options.tymth ?? net.tymth;
    super(tymth === null ? options : { ...options, tymth });
    this.net = net;
    this.host = host;
  }

  /** The key used in wire log records. */
  protected abstract get logKey(): string;

  /** Tells the owner that a fact arrived (mark ready, wake the scheduler). */
  abstract override notify(): void;

  get txPending(): number {
    return this.#tx.length;
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
      (this.#connected && !this.stateCutoff && ((this.#tx.length > 0 && !this.windowBlocked) || (this.#shutdownAsked && !this.#finSent)))
    );
  }

  tx(bytes: Uint8Array): void {
    if (this.refusesSend(this.#shutdownAsked) || bytes.length === 0) return;
    this.#tx.push(bytes);
    this.notify();
  }

  serviceReceives(): void {
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
      this.incoming -= moved;
      if (moved > 0) {
        this.refresh();
        // Room in our window again: let a blocked writer go on.
        const peer = this.peer;
        if (peer !== null && peer.windowBlocked) {
          peer.windowBlocked = false;
          peer.notify();
        }
      }
    }
    if (this.#peerEnded && this.#inboxBytes === 0) this.stateRxEnded = true;
    if (this.#failure !== null && !this.stateCutoff) {
      this.stateError ??= this.#failure;
      this.stateCutoff = true;
      this.#tx.clear();
    }
    // Both directions closed: the connection is over, as a socket's 'close'.
    if (this.stateRxEnded && this.#finSent && !this.stateCutoff) this.stateCutoff = true;
  }

  serviceSends(): void {
    // A reset end sends nothing more, even before a receive pass takes the failure in.
    if (!this.#connected || this.stateCutoff || this.stateClosed || this.#failure !== null) return;
    let sent = false;
    while (this.#tx.length > 0) {
      const room = this.net.roomFor(this);
      if (room <= 0) {
        this.windowBlocked = true;
        break;
      }
      const size = Math.min(room, this.net.segment, this.#tx.length);
      const bytes = this.#tx.take(size);
      if (this.wireLog !== null) this.wireLog.record('tx', this.logKey, bytes);
      this.net.transmitData(this, bytes);
      sent = true;
    }
    if (sent) this.refresh();
    if (this.#shutdownAsked && !this.#finSent && this.#tx.length === 0) {
      this.#finSent = true;
      this.net.transmitFin(this);
      // The peer had already half-closed: both directions are now closed.
      if (this.stateRxEnded) this.stateCutoff = true;
    }
  }

  shutdownSend(): void {
    if (this.#shutdownAsked || this.stateClosed) return;
    this.#shutdownAsked = true;
    this.notify();
  }

  protected release(reset: boolean): void {
    // Closing with unread bytes aborts the connection, as close(2) does.
    if (reset || this.#inboxBytes > 0) this.net.transmitReset(this);
    else if (!this.#finSent) this.net.transmitFin(this, true);
    this.#finSent = true;
    this.#drop();
  }

  /** @internal The network delivers bytes. */
  deliverData(bytes: Buffer): void {
    if (this.#inboxCount < this.#inbox.length) this.#inbox[this.#inboxCount] = bytes;
    else this.#inbox.push(bytes);
    this.#inboxCount += 1;
    this.#inboxBytes += bytes.length;
    this.notify();
  }

  /** @internal The network delivers the peer's half-close. */
  deliverFin(): void {
    this.#peerEnded = true;
    this.notify();
  }

  /** @internal The network reports a failure (reset, refused, timed out). */
  deliverFailure(error: NetError): void {
    if (this.stateClosed) return;
    this.#failure ??= error;
    this.#discardInbox();
    this.notify();
  }

  /** @internal The network completed the connection. */
  deliverConnected(local: Address, remote: Address): void {
    this.stateLocal = local;
    this.stateRemote = remote;
    this.#connectedFact = true;
    this.notify();
  }

  /** @internal Marks an accepted (server-side) endpoint connected at once. */
  establish(local: Address, remote: Address): void {
    this.stateLocal = local;
    this.stateRemote = remote;
    this.#connected = true;
  }

  /** @internal True while a connect is under way with no answer yet. */
  get awaitingConnect(): boolean {
    return !this.#connected && !this.#connectedFact && this.#failure === null && !this.stateClosed;
  }

  /** @internal Whether bytes arriving now would be read (else the sender is reset). */
  get accepting(): boolean {
    return !this.stateClosed;
  }

  /** @internal The host crashed: the endpoint dies with the given error. */
  kill(error: NetError): void {
    if (this.stateClosed) return;
    this.stateClosed = true;
    this.stateCutoff = true;
    this.stateError ??= error;
    this.#drop();
    this.notify();
  }

  /** Forgets the current connection's facts and state, keeping queued bytes (a client reconnecting). */
  protected forget(): void {
    this.peer = null;
    this.stream = null;
    this.incoming = 0;
    this.windowBlocked = false;
    this.#clearInbox();
    this.#connectedFact = false;
    this.#peerEnded = false;
    this.#failure = null;
    this.#connected = false;
    this.#shutdownAsked = false;
    this.#finSent = false;
    this.clearState();
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
    this.incoming -= this.#inboxBytes;
    this.#clearInbox();
  }
}

const EMPTY = Buffer.alloc(0);
