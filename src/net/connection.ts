/**
 * @module
 * The byte surface shared by every connection, accepted ({@link Remoter}) or
 * outgoing ({@link Client}), real or simulated:
 *
 * - received bytes land in {@link Connection.rxQueue} during
 *   {@link Connection.serviceReceives}; the reader consumes them;
 * - {@link Connection.tx} queues bytes and {@link Connection.serviceSends}
 *   writes them, honouring backpressure; {@link Connection.txPending} tells a
 *   producer how much is still unsent, so it can stop producing, and
 *   {@link Connection.txWritten} how many the network has taken in all;
 * - {@link Connection.rxEnded} means the peer half-closed: no more bytes will
 *   come, but we may still send; {@link Connection.cutoff} means the
 *   connection is gone (reset, failed, or closed), with {@link Connection.error}
 *   saying why when a failure caused it;
 * - {@link Connection.tymer} measures idleness: traffic either way — bytes
 *   received, queued, or accepted by the network — restarts it from now, and
 *   {@link Connection.expired} is true once `tymeout` seconds of tyme passed
 *   without traffic (never when `tymeout` is 0); while queued bytes wait for
 *   the peer to take them, the longer `sendTymeout` applies instead.
 */
import type { ByteQueue } from '../core/byte-queue.js';
import type { Tymer } from '../core/tymer.js';
import type { Tymth } from '../core/tymist.js';
import type { Address } from './address.js';
import type { NetError } from './net-error.js';
import type { WireLog } from './wire-log.js';

/** One connection's bytes in and out. */
export interface Connection {
  /** Our end's address, once connected. */
  readonly localAddress: Address | null;
  /** The peer's address, once connected. */
  readonly remoteAddress: Address | null;
  /** Received bytes, appended by serviceReceives; the reader owns consumption. */
  readonly rxQueue: ByteQueue;
  /** The peer will send nothing more (it half-closed) and every byte it sent is in rxQueue. */
  readonly rxEnded: boolean;
  /** The connection is gone: reset, failed, or closed by us. Nothing more can be sent. */
  readonly cutoff: boolean;
  /** The failure that cut the connection off, with Node's code (ECONNRESET, EPIPE, …), or null. */
  readonly error: NetError | null;
  /** True once we closed or reset the connection. */
  readonly closed: boolean;
  /** Bytes given to tx() and not yet handed to the network (ours and the socket's buffers). */
  readonly txPending: number;
  /**
   * Bytes the network has taken since the connection was made, in all: a
   * socket's kernel accepted them, or the simulated network put them on the
   * wire. It only grows; while the connection is open, txWritten plus
   * txPending is every byte given to tx(). A producer that remembers
   * `txWritten + txPending` after a tx() knows its bytes are out once
   * txWritten reaches that mark. Bytes dropped by a close are never counted.
   */
  readonly txWritten: number;
  /**
   * True when the network copies what it takes: a buffer given to tx() is
   * no longer referenced once txWritten passed its last byte, and may be
   * reused (a socket's kernel copies; the simulated network hands the very
   * buffers to the peer, so there it is false).
   */
  readonly txCopies?: boolean;
  /** Idle timer; restarted from now by traffic in either direction. */
  readonly tymer: Tymer;
  /** Idle timeout in seconds of tyme; 0 means never expire. */
  tymeout: number;
  /**
   * Idle timeout in seconds of tyme while queued bytes wait for the peer to
   * take them (a slow reader's progress is seen only now and then); used
   * when longer than `tymeout`, ignored when `tymeout` is 0. Default 0.
   */
  sendTymeout: number;
  /** Tyme at which the connection expires unless traffic comes first; Infinity without a tymeout. */
  readonly idleDeadline: number;
  /** True when tymeout > 0 and the idle deadline passed. */
  readonly expired: boolean;
  /** Receives every chunk moved in either direction, if set. */
  wireLog: WireLog | null;

  /**
   * Queues bytes to send. The bytes are kept by reference until written: do
   * not modify them afterwards. On a closed, cut-off or send-shut connection
   * the bytes are dropped and `error` becomes EPIPE.
   */
  tx(bytes: Uint8Array): void;
  /** Moves received bytes into rxQueue and takes note of half-close and failures. */
  serviceReceives(): void;
  /** Writes queued bytes as far as the network accepts them now. */
  serviceSends(): void;
  /** Half-closes: once every queued byte is written, tells the peer we will send nothing more. */
  shutdownSend(): void;
  /** Restarts the idle timer from now (traffic does this by itself). */
  refresh(): void;
  /** Closes at once; bytes not yet written are dropped. */
  close(): void;
  /** Aborts the connection with a reset: the peer sees ECONNRESET. */
  reset(): void;
  /** Re-bases the idle timer onto another tyme closure. */
  wind(tymth: Tymth): void;
}

/** A connection accepted by a {@link Servant}. */
export interface Remoter extends Connection {
  /** The key of this remoter in its servant's map: the peer's "host:port". */
  readonly remoteKey: string;
}
