/**
 * @module
 * The Tunnel: what runs a connection once HTTP is finished with it — after
 * a `101 Switching Protocols` (a WebSocket, say) or a 2xx answer to CONNECT.
 * It is a {@link ConnectionHandler}: the server swaps it in for the
 * connection's {@link Steward} (see {@link Responder.takeOver}) and runs it
 * in the same passes, so the bytes that follow the HTTP answer reach the
 * application's protocol and never the HTTP parser.
 *
 * The application supplies the protocol: a {@link TunnelService} whose
 * `service(tunnel)` runs on every pass the connection has news (bytes
 * received, the peer's half-close, room to write again after backpressure, a
 * {@link Tunnel.wake}, or a pass in which it read part of what waits and
 * could write more), or a generator function, a Doer in hio's style,
 * stepped once per such pass. Through the tunnel it reads what arrived
 * ({@link Tunnel.read}), writes ({@link Tunnel.write}, false once the
 * connection holds `highWater` unsent bytes: wait for the next pass), ends
 * its side ({@link Tunnel.end}) or closes.
 *
 * Tymeouts stay the server's business: a connection idle (no byte either
 * way) for `idleTymeout` seconds of tyme is closed, and one owing the peer
 * bytes that it does not take for `sendTymeout` is closed too; the protocol
 * hears of both through `abandon`. A protocol that throws is a contained
 * fault: the connection is reset. A draining server lets a tunnel run until
 * its drain deadline, then cuts it; `draining` tells the protocol to finish.
 */
import { HioError } from '../core/errors.js';
import type { Tymth } from '../core/tymist.js';
import type { Remoter } from '../net/connection.js';
import type { ConnectionHandler } from './connection-handler.js';

/** What a tunnel needs from its server: a {@link TunnelHost} is one. */
export interface TunnelHost {
  readonly sendTymeout: number;
  readonly highWater: number;
  readonly maxLingerTymeout: number;
  readonly draining: boolean;
  readonly tymth: Tymth | null;
  fault(error: unknown, request: null): void;
  wake(handler: ConnectionHandler): void;
}

/** Default idle tymeout of a tunnel, seconds of tyme: longer than HTTP's keep-alive, since protocols such as WebSocket sit quiet between messages. */
export const TUNNEL_IDLE_TYMEOUT = 300;

/** A protocol run over a tunnel as a serviceable. */
export interface TunnelService {
  /** One pass over the connection: read what arrived, write what is due. Should not throw; if it does, the connection is reset. */
  service(tunnel: Tunnel): void;
  /** Optional: the connection is gone before the protocol ended it (reset, tymeout, a drain cut off): release what it holds. */
  abandon?(tunnel: Tunnel): void;
}

/** A protocol run over a tunnel as a generator (a Doer): stepped once per pass with news; returning ends the tunnel's side. */
export type TunnelGenerator = (tunnel: Tunnel) => Generator<unknown, void, void>;

/** What takes a connection over: a {@link TunnelService} or a {@link TunnelGenerator}. */
export type TunnelProtocol = TunnelService | TunnelGenerator;

/** Settings of a tunnel; tymes are seconds of tyme. */
export interface TunnelOptions {
  /** Close the connection when no byte moved either way for this long (default 300; 0: never). */
  readonly idleTymeout?: number;
  /** Close the connection when it owes the peer bytes that the peer does not take for this long (default: the server's sendTymeout). */
  readonly sendTymeout?: number;
  /** Unsent bytes at which {@link Tunnel.write} returns false (default: the server's highWater). */
  readonly highWater?: number;
}

const State = { open: 0, ending: 1, done: 2 } as const;
type State = (typeof State)[keyof typeof State];

/** A connection taken over by another protocol; see the module note. */
export class Tunnel implements ConnectionHandler {
  readonly remoter: Remoter;
  /** The server the connection belongs to. */
  readonly host: TunnelHost;
  readonly successor = null;
  pass = -1;
  /** Unsent bytes at which write() returns false. */
  readonly highWater: number;
  readonly #service: TunnelService;
  #state: State = State.open;
  /** A write found the connection full: the protocol runs again once it has room. */
  #blocked = false;
  #woken = false;
  /** The tyme by which a closing tunnel gives up waiting for the peer's close. */
  #lingerEnd = Infinity;
  #failure: HioError | null = null;

  constructor(remoter: Remoter, host: TunnelHost, protocol: TunnelProtocol, options: TunnelOptions = {}) {
    const idle = options.idleTymeout ?? TUNNEL_IDLE_TYMEOUT;
    const send = options.sendTymeout ?? host.sendTymeout;
    const highWater = options.highWater ?? host.highWater;
    if (!(idle >= 0) || !(send >= 0)) throw new HioError('HIO_ERR_INVALID_OPTION', 'Tunnel: idleTymeout and sendTymeout must be numbers >= 0');
    if (!Number.isInteger(highWater) || highWater < 1) throw new HioError('HIO_ERR_INVALID_OPTION', 'Tunnel: highWater must be a positive integer');
    this.remoter = remoter;
    this.host = host;
    this.highWater = highWater;
    this.#service = serviceOf(protocol);
    remoter.tymeout = idle === Infinity ? 0 : idle;
    remoter.sendTymeout = send === Infinity ? 0 : send;
    // The HTTP answer's traffic counted toward HTTP's idle tymeout: the tunnel's starts now.
    remoter.refresh();
  }

  get done(): boolean {
    return this.#state === State.done;
  }

  get busy(): boolean {
    return this.#woken;
  }

  get deadline(): number {
    return this.#lingerEnd;
  }

  /** The server's tyme now (0 before it is wound). */
  get tyme(): number {
    return this.host.tymth?.() ?? 0;
  }

  /** Bytes received and not yet read. */
  get available(): number {
    return this.remoter.rxQueue.length;
  }

  /** True once the peer half-closed and every byte it sent was read: nothing more will arrive. */
  get ended(): boolean {
    return this.remoter.rxEnded && this.remoter.rxQueue.length === 0;
  }

  /** True once the connection is gone (reset, failed, closed): nothing more can be written. */
  get gone(): boolean {
    return this.remoter.cutoff;
  }

  /** Bytes written and not yet taken by the network. */
  get pending(): number {
    return this.remoter.txPending;
  }

  /** True while the tunnel is open for writing and holds fewer than highWater unsent bytes. */
  get writable(): boolean {
    return this.#state === State.open && !this.remoter.cutoff && this.remoter.txPending < this.highWater;
  }

  /** True once the server began to drain: the protocol should say goodbye and end. */
  get draining(): boolean {
    return this.host.draining;
  }

  /** Why the tunnel ended without the protocol ending it (a tymeout), or null. */
  get failure(): HioError | null {
    return this.#failure;
  }

  /** Takes up to `max` received bytes (all by default); null when none are waiting. */
  read(max = Infinity): Buffer | null {
    const queue = this.remoter.rxQueue;
    if (queue.length === 0) return null;
    return queue.take(Math.min(queue.length, max));
  }

  /**
   * Queues bytes to send (kept by reference until sent: do not modify them).
   * Returns whether the connection takes more now; once false, the protocol
   * runs again when it has room. Throws HIO_ERR_UPGRADE after end() or close().
   */
  write(bytes: Uint8Array): boolean {
    if (this.#state !== State.open) throw new HioError('HIO_ERR_UPGRADE', 'write() after the tunnel was ended');
    if (bytes.length > 0 && !this.remoter.cutoff) this.remoter.tx(bytes);
    if (this.remoter.txPending < this.highWater) return true;
    this.#blocked = true;
    return false;
  }

  /**
   * Ends this side: once what was written is out the peer is told (a
   * half-close). The protocol still reads what the peer sends; the
   * connection closes when the peer ends its side too, or after the
   * server's longest linger (maxLingerTymeout).
   */
  end(): void {
    if (this.#state !== State.open) return;
    this.#state = State.ending;
    this.remoter.shutdownSend();
    this.#lingerEnd = this.tyme + this.host.maxLingerTymeout;
    // Called between passes (a library's end()), the server must still see it.
    this.wake();
  }

  /** Closes the connection at once; unsent bytes are dropped. */
  close(): void {
    if (this.#state === State.done) return;
    this.remoter.close();
    this.#state = State.done;
  }

  /** Resets the connection: the peer sees ECONNRESET. */
  reset(): void {
    if (this.#state === State.done) return;
    this.remoter.reset();
    this.#state = State.done;
  }

  /** Asks for a pass soon: call it when something outside the connection (a promise, a timer) gave the protocol work. */
  wake(): void {
    if (this.#state === State.done) return;
    this.#woken = true;
    this.host.wake(this);
  }

  service(): void {
    if (this.#state === State.done) return;
    this.#woken = false;
    const remoter = this.remoter;
    if (remoter.cutoff) {
      this.#abandon(null);
      return;
    }
    if (remoter.expired) {
      const owing = remoter.txPending > 0;
      this.#abandon(
        new HioError(
          'HIO_ERR_TUNNEL_TIMEOUT',
          owing ? 'the peer took none of the bytes owed for the send tymeout' : 'no byte moved either way for the idle tymeout',
        ),
      );
      remoter.close();
      return;
    }
    if (this.#state === State.ending && !remoter.rxEnded && this.tyme >= this.#lingerEnd) {
      // The peer never ended its side.
      this.#abandon(null);
      remoter.close();
      return;
    }
    if (this.#blocked && remoter.txPending < this.highWater) this.#blocked = false;
    const waiting = remoter.rxQueue.length;
    this.#service.service(this);
    // It read part of what waits and can write: another pass soon for the rest, as no event will come for bytes already here.
    const left = remoter.rxQueue.length;
    if (left > 0 && left < waiting && this.writable) this.#woken = true;
    this.#finish();
  }

  /**
   * True while the tunnel waits on its sends: a write found the connection
   * full (the protocol runs again once there is room), or both sides ended
   * and the last bytes are still going out.
   */
  get settling(): boolean {
    return this.#state !== State.done && (this.#blocked || this.#state === State.ending);
  }

  /** After the pass's sends: room again wakes the protocol; an ended tunnel whose last bytes are out closes. */
  settle(): void {
    if (this.#state === State.done) return;
    if (this.#blocked && this.remoter.txPending < this.highWater) {
      this.#blocked = false;
      this.wake();
    }
    this.#finish();
  }

  /** Both sides ended and every byte is out: the connection closes (never before: closing drops what is unsent). */
  #finish(): void {
    if (this.#state === State.ending && this.remoter.rxEnded && this.remoter.txPending === 0) this.close();
  }

  abandon(): void {
    this.#abandon(null);
  }

  /** The connection ends under the protocol: it is told once. */
  #abandon(failure: HioError | null): void {
    if (this.#state === State.done) return;
    this.#state = State.done;
    this.#failure = failure;
    try {
      this.#service.abandon?.(this);
    } catch (error) {
      this.host.fault(error, null);
    }
  }
}

/** A generator protocol as a service: one step per pass; its return ends the tunnel's side. */
class GeneratorService implements TunnelService {
  readonly #make: TunnelGenerator;
  #generator: Generator<unknown, void, void> | null = null;

  constructor(make: TunnelGenerator) {
    this.#make = make;
  }

  #finished = false;

  service(tunnel: Tunnel): void {
    if (this.#finished) {
      // Returned: what the peer still sends is read and dropped.
      tunnel.read();
      return;
    }
    this.#generator ??= this.#make(tunnel);
    if (this.#generator.next().done === true) {
      this.#finished = true;
      tunnel.end();
    }
  }

  abandon(): void {
    // Let the generator's finally blocks run.
    this.#generator?.return();
  }
}

function serviceOf(protocol: TunnelProtocol): TunnelService {
  if (typeof protocol === 'function') return new GeneratorService(protocol);
  if (protocol === null || typeof protocol !== 'object' || typeof protocol.service !== 'function') {
    throw new HioError('HIO_ERR_INVALID_OPTION', 'Tunnel: the protocol must be a generator function or an object with service(tunnel)');
  }
  return protocol;
}
