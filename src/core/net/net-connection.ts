/**
 * @module
 * The socket half of {@link NetRemoter} and {@link NetClient}: one node:net
 * (or node:tls) socket turned into the {@link Connection} surface. Socket
 * events only record facts — bytes in an inbox, "peer ended", "failed",
 * "writable again" — and call the owner's notify hook; the facts are
 * consumed by the next service pass, so no application code runs inside an
 * event handler.
 *
 * Memory stays bounded whatever the peer does: reading pauses once the inbox
 * and rxQueue together pass `highWater` bytes and resumes when the reader has
 * consumed below half of it; writing stops when `socket.write` reports
 * backpressure and resumes on 'drain', and `txPending` lets producers stop.
 */
import type { Socket } from 'node:net';
import type { Address } from './address.js';
import { BaseConnection, type ConnectionOptions } from './base-connection.js';
import { toNetError, type NetError } from './net-error.js';

/** Options shared by the socket-backed connections. */
export type NetConnectionOptions = ConnectionOptions;

/** A socket seen through the Connection surface. */
export abstract class NetConnection extends BaseConnection {
  #socket: Socket | null = null;
  #inbox: Buffer[] = [];
  #inboxBytes = 0;
  #tx: Buffer[] = [];
  #txBytes = 0;
  #blocked = false;
  #paused = false;
  #peerEnded = false;
  #failure: NetError | null = null;
  #socketClosed = false;
  #shutdownAsked = false;
  #shutdownSent = false;
  #localPending = false;

  /** The key used in wire log records. */
  protected abstract get logKey(): string;

  get txPending(): number {
    return this.#txBytes + (this.#socket?.writableLength ?? 0);
  }

  /** True while reading is paused because the reader has not consumed rxQueue. */
  get paused(): boolean {
    return this.#paused;
  }

  /** True while the connection has facts or bytes a pass must still handle. */
  get busy(): boolean {
    return (
      this.#inboxBytes > 0 ||
      (this.#txBytes > 0 && !this.#blocked && !this.stateCutoff) ||
      (this.#shutdownAsked && !this.#shutdownSent && !this.stateCutoff) ||
      (this.#peerEnded && !this.stateRxEnded) ||
      ((this.#failure !== null || this.#socketClosed) && !this.stateCutoff)
    );
  }

  tx(bytes: Uint8Array): void {
    if (this.refusesSend(this.#shutdownAsked) || bytes.length === 0) return;
    this.#tx.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    this.#txBytes += bytes.length;
    this.notify();
  }

  serviceReceives(): void {
    if (this.#inboxBytes > 0) {
      const log = this.wireLog;
      const key = log === null ? '' : this.logKey;
      for (const chunk of this.#inbox) {
        this.rxQueue.push(chunk);
        log?.record('rx', key, chunk);
      }
      this.#inbox.length = 0;
      this.#inboxBytes = 0;
      this.refresh();
    }
    if (this.#peerEnded) this.stateRxEnded = true;
    if (this.#failure !== null && !this.stateCutoff) {
      this.stateError ??= this.#failure;
      this.stateCutoff = true;
    }
    if (this.#socketClosed && !this.stateCutoff) this.stateCutoff = true;
    this.#resumeIfRead();
  }

  /** Resumes reading once the reader consumed rxQueue below half the high-water mark. */
  #resumeIfRead(): void {
    if (this.#paused && this.rxQueue.length < this.highWater / 2 && this.#socket !== null && !this.stateCutoff) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  serviceSends(): void {
    // The reader may have consumed during this pass: resume reading now rather than next pass.
    this.#resumeIfRead();
    const socket = this.#socket;
    if (socket === null || this.stateCutoff || this.stateClosed || !this.sendable) return;
    if (this.#txBytes > 0 && !this.#blocked) {
      // Everything queued goes out in one corked batch (one writev); the
      // socket's own buffer then says whether to wait for 'drain'.
      const log = this.wireLog;
      const key = log === null ? '' : this.logKey;
      const corked = this.#tx.length > 1;
      if (corked) socket.cork();
      for (const chunk of this.#tx) {
        log?.record('tx', key, chunk);
        socket.write(chunk);
      }
      if (corked) socket.uncork();
      this.#tx = [];
      this.#txBytes = 0;
      this.#blocked = socket.writableNeedDrain;
      this.refresh();
    }
    if (this.#shutdownAsked && !this.#shutdownSent && this.#txBytes === 0) {
      this.#shutdownSent = true;
      socket.end();
    }
  }

  shutdownSend(): void {
    if (this.#shutdownAsked) return;
    this.#shutdownAsked = true;
    this.notify();
  }

  protected release(reset: boolean): void {
    const socket = this.#socket;
    if (reset) {
      if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
    } else {
      socket?.destroy();
    }
    this.#dropQueues();
  }

  /** True while a socket is attached (connecting, connected or closing). */
  protected get hasSocket(): boolean {
    return this.#socket !== null && !this.stateClosed && !this.stateCutoff;
  }

  /** Whether serviceSends may write now (a client writes only once connected). */
  protected get sendable(): boolean {
    return true;
  }

  /** Adopts a socket: its events become facts of this connection from now on. */
  protected attach(socket: Socket): void {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
  }

  /** Records the socket's addresses (once connected). */
  protected readAddresses(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.stateRemote = socket.remoteAddress === undefined ? null : { host: socket.remoteAddress, port: socket.remotePort ?? 0 };
    // The local address costs a system call and is rarely read: read it on first use.
    this.#localPending = true;
  }

  override get localAddress(): Address | null {
    const socket = this.#socket;
    if (this.#localPending && socket !== null) {
      this.#localPending = false;
      this.stateLocal = socket.localAddress === undefined ? null : { host: socket.localAddress, port: socket.localPort ?? 0 };
    }
    return this.stateLocal;
  }

  /** Forgets the current socket and every fact about it, keeping queued bytes (a client reconnecting). */
  protected detach(): void {
    const socket = this.#socket;
    if (socket !== null) {
      socket.off('data', this.#onData);
      socket.off('end', this.#onEnd);
      socket.off('close', this.#onClose);
      socket.off('drain', this.#onDrain);
      // A late error on a discarded socket must neither crash the process nor
      // count against the next connection: swap in a listener that drops it.
      socket.off('error', this.#onError);
      socket.on('error', noop);
      socket.destroy();
    }
    this.#socket = null;
    this.#inbox = [];
    this.#inboxBytes = 0;
    this.#blocked = false;
    this.#paused = false;
    this.#peerEnded = false;
    this.#failure = null;
    this.#socketClosed = false;
    this.#shutdownAsked = false;
    this.#shutdownSent = false;
    this.clearState();
  }

  /** Records a failure not reported through the socket (a connect that could not start). */
  protected fail(error: NetError): void {
    this.#failure ??= error;
    this.notify();
  }

  /** The failure recorded but not yet consumed by a pass. */
  protected get failure(): NetError | null {
    return this.#failure;
  }

  #dropQueues(): void {
    this.#tx = [];
    this.#txBytes = 0;
    this.#inbox = [];
    this.#inboxBytes = 0;
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#inbox.push(chunk);
    this.#inboxBytes += chunk.length;
    if (!this.#paused && this.#inboxBytes + this.rxQueue.length >= this.highWater) {
      this.#paused = true;
      this.#socket?.pause();
    }
    this.notify();
  };

  readonly #onEnd = (): void => {
    this.#peerEnded = true;
    this.notify();
  };

  readonly #onError = (error: Error): void => {
    this.#failure ??= toNetError(error, 'read');
    this.notify();
  };

  readonly #onClose = (): void => {
    this.#socketClosed = true;
    this.notify();
  };

  readonly #onDrain = (): void => {
    this.#blocked = false;
    this.notify();
  };
}

function noop(): void {}
