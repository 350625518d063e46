/**
 * @module
 * The state every {@link Connection} keeps, whatever carries its bytes: the
 * received-bytes queue, the idle timer and its tymeout, the wire log hook,
 * the addresses, and the four facts a reader watches (rxEnded, cutoff,
 * closed, error). {@link NetConnection} (sockets) and {@link SimEndpoint}
 * (the simulated network) extend it with how bytes actually move.
 */
import { ByteQueue } from '../core/byte-queue.js';
import { HioError } from '../core/errors.js';
import { checkSeconds } from '../core/options.js';
import { Tymer } from '../core/tymer.js';
import type { Tymth } from '../core/tymist.js';
import type { Address } from './address.js';
import { publishClose, publishError } from './channels.js';
import type { Connection } from './connection.js';
import { netError, type NetError } from './net-error.js';
import type { WireLog } from './wire-log.js';

/** Default receive high-water mark in bytes. */
export const DEFAULT_HIGH_WATER = 512 * 1024;

/** Options shared by every connection. */
export interface ConnectionOptions {
  /** Tyme closure for the idle timer (a scheduler winds its own). */
  readonly tymth?: Tymth;
  /** Idle timeout in seconds of tyme (default 0: never). */
  readonly tymeout?: number;
  /** Receive high-water mark in bytes (default 512 KiB). */
  readonly highWater?: number;
  /** Wire log hook. */
  readonly wireLog?: WireLog | null;
}

/** Connection state shared by the backends; see the module note. */
export abstract class BaseConnection implements Connection {
  readonly rxQueue = new ByteQueue();
  readonly tymer: Tymer;
  wireLog: WireLog | null;
  /** Receive high-water mark in bytes. */
  protected readonly highWater: number;
  /** The peer half-closed and every byte it sent is in rxQueue. */
  protected stateRxEnded = false;
  /** The connection is gone. */
  protected stateCutoff = false;
  /** We closed or reset it. */
  protected stateClosed = false;
  /** The failure that cut it off, or a refused send (EPIPE). */
  protected stateError: NetError | null = null;
  protected stateLocal: Address | null = null;
  protected stateRemote: Address | null = null;
  #tymeout: number;
  #sendTymeout = 0;

  constructor(options: ConnectionOptions) {
    this.tymer = new Tymer(options.tymth === undefined ? {} : { tymth: options.tymth });
    this.#tymeout = checkSeconds('Connection', 'tymeout', options.tymeout ?? 0);
    this.highWater = options.highWater ?? DEFAULT_HIGH_WATER;
    if (!Number.isInteger(this.highWater) || this.highWater < 1) {
      throw new HioError('HIO_ERR_INVALID_OPTION', `highWater must be a positive integer, got ${this.highWater}`);
    }
    this.wireLog = options.wireLog ?? null;
  }

  abstract get txPending(): number;
  abstract get txWritten(): number;
  abstract tx(bytes: Uint8Array): void;
  abstract serviceReceives(): void;
  abstract serviceSends(): void;
  abstract shutdownSend(): void;

  /** Tells the owner that something happened (mark ready, wake the scheduler). */
  protected abstract notify(): void;

  /**
   * Lets go of the transport when the connection closes: gracefully, or
   * with a reset. Queued bytes are dropped either way.
   */
  protected abstract release(reset: boolean): void;

  close(): void {
    if (this.stateClosed) return;
    this.stateClosed = true;
    this.stateCutoff = true;
    publishClose(this, false);
    this.release(false);
    // Let the owner see the cut-off connection (a servant removes it).
    this.notify();
  }

  reset(): void {
    if (this.stateClosed) return;
    this.stateClosed = true;
    this.stateCutoff = true;
    publishClose(this, true);
    this.release(true);
    this.notify();
  }

  get localAddress(): Address | null {
    return this.stateLocal;
  }

  get remoteAddress(): Address | null {
    return this.stateRemote;
  }

  get rxEnded(): boolean {
    return this.stateRxEnded;
  }

  get cutoff(): boolean {
    return this.stateCutoff;
  }

  get closed(): boolean {
    return this.stateClosed;
  }

  get error(): NetError | null {
    return this.stateError;
  }

  get tymeout(): number {
    return this.#tymeout;
  }

  set tymeout(tymeout: number) {
    this.#tymeout = checkSeconds('Connection', 'tymeout', tymeout);
    this.refresh();
  }

  get sendTymeout(): number {
    return this.#sendTymeout;
  }

  set sendTymeout(tymeout: number) {
    this.#sendTymeout = checkSeconds('Connection', 'sendTymeout', tymeout);
  }

  /**
   * True while queued bytes wait for the network or the peer to take them,
   * such that their taking will be signalled by an event (the default: any
   * bytes pending).
   */
  protected get sending(): boolean {
    return this.txPending > 0;
  }

  get idleDeadline(): number {
    if (this.#tymeout <= 0 || this.tymer.tymth === null) return Infinity;
    const stop = this.tymer.stopTyme;
    return this.#sendTymeout > this.#tymeout && this.sending ? stop - this.#tymeout + this.#sendTymeout : stop;
  }

  get expired(): boolean {
    return this.#tymeout > 0 && this.tymer.tymth !== null && this.tymer.tyme >= this.idleDeadline;
  }

  refresh(): void {
    // Without a tymeout the timer is never read; setting one refreshes it.
    if (this.#tymeout > 0 && this.tymer.tymth !== null) this.tymer.start(this.#tymeout);
  }

  wind(tymth: Tymth): void {
    this.tymer.wind(tymth);
    this.refresh();
  }

  /**
   * True (and error EPIPE recorded) when bytes may not be queued: closed,
   * cut off, or our sending side shut down.
   */
  protected refusesSend(shutdown: boolean): boolean {
    if (!this.stateClosed && !this.stateCutoff && !shutdown) return false;
    this.stateError ??= netError('EPIPE', 'write', 'connection closed for sending');
    return true;
  }

  /** Takes note of a failure that cut the connection off: records it (the first one wins) and publishes it. */
  protected cutOff(error: NetError): void {
    this.stateError ??= error;
    this.stateCutoff = true;
    publishError(this, error);
  }

  /** Clears the per-connection facts (a client reconnecting keeps its queues, not its state). */
  protected clearState(): void {
    this.stateRxEnded = false;
    this.stateCutoff = false;
    this.stateClosed = false;
    this.stateError = null;
    this.stateLocal = null;
    this.stateRemote = null;
  }
}
