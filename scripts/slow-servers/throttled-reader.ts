/**
 * @module
 * The ThrottledReader of the slow-reader benchmark (scripts/bench-slow-readers.ts):
 * the client side of a slow network. It reads a socket at a fixed average
 * rate and leaves the rest in the kernel, so the server's writes back up.
 */
import type { Socket } from 'node:net';

const now = (): number => performance.now();

/**
 * Reads a socket at an average `rate` bytes per second: the socket is never
 * flowing (a 'readable' listener), and a timer every `tickMs` grants the
 * bytes due since the last tick to socket.read(n). What is not read stays
 * in the kernel, so the server's writes back up as they would behind a slow
 * network. Each chunk read goes to `onBytes`.
 */
export class ThrottledReader {
  /** Bytes read so far. */
  received = 0;
  /** True once the peer's FIN was read (after every byte before it). */
  ended = false;
  /** True once the socket is closed, whoever closed it. */
  closed = false;
  /** The socket's error code (ECONNRESET, …), or null. */
  error: string | null = null;
  /** ms from the start when the peer's FIN was read, or the socket closed on an error; NaN before. */
  endedAt = NaN;
  readonly #socket: Socket;
  readonly #rate: number;
  readonly #onBytes: (chunk: Buffer) => void;
  readonly #started = now();
  readonly #timer: NodeJS.Timeout;
  #allowance = 0;
  #last = now();

  constructor(socket: Socket, rate: number, tickMs: number, onBytes: (chunk: Buffer) => void = () => {}) {
    this.#socket = socket;
    this.#rate = rate;
    this.#onBytes = onBytes;
    // A burst of at most two ticks' worth, so a late timer does not turn into a fast read.
    const burst = Math.max(1, (2 * rate * tickMs) / 1000);
    this.#timer = setInterval(() => {
      const at = now();
      this.#allowance = Math.min(burst, this.#allowance + (this.#rate * (at - this.#last)) / 1000);
      this.#last = at;
      this.#pump();
    }, tickMs);
    socket.on('readable', () => this.#pump());
    socket.on('end', () => {
      this.ended = true;
      this.endedAt = now() - this.#started;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error ??= error.code ?? error.message;
    });
    socket.on('close', () => {
      this.closed = true;
      if (Number.isNaN(this.endedAt)) this.endedAt = now() - this.#started;
      clearInterval(this.#timer);
    });
  }

  /** True once the connection is over: FIN read, closed, or failed. */
  get over(): boolean {
    return this.ended || this.closed || this.error !== null;
  }

  /** Reads what the allowance permits of what is buffered. */
  #pump(): void {
    while (this.#allowance >= 1) {
      const buffered = this.#socket.readableLength;
      if (buffered === 0) {
        // A zero read lets a stream that reached its end emit 'end'; otherwise it only asks for more.
        this.#socket.read(0);
        return;
      }
      const chunk = this.#socket.read(Math.min(Math.floor(this.#allowance), buffered)) as Buffer | null;
      if (chunk === null) return;
      this.#allowance -= chunk.length;
      this.received += chunk.length;
      this.#onBytes(chunk);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
