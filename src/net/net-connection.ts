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
 *
 * Write progress counts as traffic for the idle timer. Node reports a
 * write's progress only when all of it has reached the kernel, so bytes go
 * to the socket in batches: up to {@link FAST_BATCH} while the kernel takes
 * them at once, {@link SLOW_BATCH} once it stops keeping up (the peer reads
 * slowly). Each batch the peer accepts — a 'drain' — restarts the idle
 * timer, so a slow but steady reader is never taken for an idle one.
 */
import type { Socket } from 'node:net';
import type { Address } from './address.js';
import { BaseConnection, type ConnectionOptions } from './base-connection.js';
import { toNetError, type NetError } from './net-error.js';
import { netObserved } from './channels.js';

/** Most bytes handed to the socket in one batch while the kernel accepts writes at once. */
export const FAST_BATCH = 256 * 1024;
/** Most bytes handed to the socket in one batch once the peer reads more slowly than we write. */
export const SLOW_BATCH = 16 * 1024;
/** Batch size when the socket does not say how much the kernel took (TLS). */
const OPAQUE_BATCH = 64 * 1024;

/** The part of Node's stream handle that says how many written bytes the kernel has not taken yet. */
interface HandleQueue {
  readonly writeQueueSize?: number;
}

/** Options shared by the socket-backed connections. */
export type NetConnectionOptions = ConnectionOptions;

/** A socket seen through the Connection surface. */
export abstract class NetConnection extends BaseConnection {
  #socket: Socket | null = null;
  #inbox: Buffer[] = [];
  #inboxBytes = 0;
  #tx: Buffer[] = [];
  #txBytes = 0;
  /** Bytes the kernel took from sockets this connection let go of (a client reconnects on a new one). */
  #written = 0;
  /** Bytes handed to the current socket's write(), while it is counted (until the connection lets it go). */
  #handed = 0;
  #counting = false;
  #blocked = false;
  /** 'drain' came: the peer accepted the last batch (progress, for the idle timer). */
  #drained = false;
  #batch = FAST_BATCH;
  #paused = false;
  #peerEnded = false;
  #failure: NetError | null = null;
  #socketClosed = false;
  #shutdownAsked = false;
  #shutdownSent = false;
  #localPending = false;
  #remotePending = false;

  /** The key used in wire log records. */
  protected abstract get logKey(): string;

  get txPending(): number {
    return this.#txBytes + (this.#socket?.writableLength ?? 0);
  }

  /**
   * Bytes the kernel accepted: those handed to the socket less those Node
   * still buffers (its writableLength falls as each write completes). The
   * count is folded in when the socket is let go, so a destroyed socket's
   * buffers can neither add nor take away.
   */
  /** The kernel copies what it accepts: once counted in txWritten, a buffer is ours again. */
  get txCopies(): boolean {
    return true;
  }

  get txWritten(): number {
    const socket = this.#socket;
    return this.#counting && socket !== null ? this.#written + this.#handed - socket.writableLength : this.#written;
  }

  /** Stops counting the current socket, keeping what it wrote. */
  #fold(): void {
    this.#written = this.txWritten;
    this.#handed = 0;
    this.#counting = false;
  }

  /**
   * Bytes wait in our queue, or the socket asked us to wait for 'drain': the
   * end of either is an event. (A small write the kernel took at once is not
   * waiting, though Node counts it until its callback.)
   */
  protected override get sending(): boolean {
    return this.#txBytes > 0 || this.#blocked;
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
      this.#drained ||
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
      this.cutOff(this.#failure);
    }
    if (this.#socketClosed && !this.stateCutoff) this.stateCutoff = true;
    if (this.stateCutoff && this.#counting) this.#fold();
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
    if (this.#drained) {
      this.#drained = false;
      this.refresh();
    }
    if (this.#txBytes > 0 && !this.#blocked) {
      // Queued chunks go out in one corked batch (one writev) of at most
      // #batch bytes; the socket's own buffer then says whether to wait for 'drain'.
      const log = this.wireLog;
      const key = log === null ? '' : this.logKey;
      const tx = this.#tx;
      const limit = this.#batch;
      const corked = tx.length > 1;
      if (corked) socket.cork();
      let sent = 0;
      let taken = 0;
      while (taken < tx.length && sent < limit) {
        let chunk = tx[taken]!;
        if (sent + chunk.length > limit) {
          // Split the chunk: its tail stays queued for the next batch.
          tx[taken] = chunk.subarray(limit - sent);
          chunk = chunk.subarray(0, limit - sent);
        } else {
          taken += 1;
        }
        log?.record('tx', key, chunk);
        socket.write(chunk);
        sent += chunk.length;
      }
      if (corked) socket.uncork();
      this.#tx = taken === tx.length ? [] : tx.slice(taken);
      this.#txBytes -= sent;
      this.#handed += sent;
      this.#blocked = socket.writableNeedDrain;
      const unsent = (socket as { _handle?: HandleQueue | null })._handle?.writeQueueSize;
      this.#batch = unsent === undefined ? OPAQUE_BATCH : unsent > 0 ? SLOW_BATCH : FAST_BATCH;
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
    // A subscriber to the hio:net channels gets a connection whose addresses can still be read.
    if (netObserved()) this.#resolveAddresses();
    if (this.#counting) this.#fold();
    if (reset) {
      if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
    } else {
      socket?.destroy();
    }
    this.#dropQueues();
  }

  /**
   * Whether this connection's socket keeps the process alive (Node's
   * `ref`/`unref`): a client pooling an idle connection lets go of it, so an
   * idle pool never holds a finished program open.
   */
  hold(held: boolean): void {
    const socket = this.#socket;
    if (socket === null) return;
    if (held) socket.ref();
    else socket.unref();
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
    this.#handed = 0;
    this.#counting = true;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
  }

  /**
   * Reads the socket's addresses on first use (once connected): each costs a
   * system call (getpeername, getsockname) that a connection answered and
   * closed never needs. They are read before the socket is let go, when
   * someone listens to the hio:net channels, so a subscriber sees them.
   */
  protected readAddresses(eager = netObserved()): void {
    if (this.#socket === null) return;
    this.#remotePending = true;
    this.#localPending = true;
    if (eager) this.#resolveAddresses();
  }

  /** Reads whichever address was not read yet. */
  #resolveAddresses(): void {
    void this.remoteAddress;
    void this.localAddress;
  }

  override get remoteAddress(): Address | null {
    const socket = this.#socket;
    if (this.#remotePending && socket !== null) {
      this.#remotePending = false;
      this.stateRemote = socket.remoteAddress === undefined ? null : { host: socket.remoteAddress, port: socket.remotePort ?? 0 };
    }
    return this.stateRemote;
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
    if (this.#counting) this.#fold();
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
    this.#drained = false;
    this.#batch = FAST_BATCH;
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
    this.#drained = true;
    this.notify();
  };
}

function noop(): void {}
