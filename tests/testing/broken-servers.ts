/**
 * Purpose-built broken servers for the simulation harness's own tests: raw
 * serviceables on a SimServant answering each request head with 200 "ok",
 * each broken in one way the harness must catch.
 */
import type { Tymth } from '../../src/core/tymist.js';
import type { Serviceable } from '../../src/doing/service-doer.js';
import type { Remoter } from '../../src/net/connection.js';
import type { SimServant } from '../../src/net/sim/sim-servant.js';

/**
 * What both servers share: the serviceable around the servant, and one pass
 * that hands each connection's text (what is left of it, plus what arrived)
 * to `answer`, closes a connection that failed, and, unless `keepsEnded`,
 * one whose client ended.
 */
abstract class ScriptedServer implements Serviceable {
  waker: (() => void) | null = null;
  readonly #servant: SimServant;
  readonly #pending = new Map<Remoter, string>();

  constructor(servant: SimServant) {
    this.#servant = servant;
  }

  wind(tymth: Tymth): void {
    this.#servant.wind(tymth);
  }

  reopen(): void {
    this.#servant.reopen();
  }

  close(): void {
    this.#servant.close();
  }

  nextDue(): number {
    return this.#servant.nextDue();
  }

  service(): void {
    const servant = this.#servant;
    servant.waker = this.waker;
    servant.service();
    for (const remoter of [...servant.remoters.values()]) {
      if (remoter.error !== null) {
        this.failed(remoter.error.code);
        this.#pending.delete(remoter);
        remoter.close();
        continue;
      }
      const text = (this.#pending.get(remoter) ?? '') + (remoter.rxQueue.length > 0 ? remoter.rxQueue.take(remoter.rxQueue.length).toString('latin1') : '');
      this.#pending.set(remoter, this.answer(remoter, text));
      if (remoter.rxEnded && !this.keepsEnded) {
        this.#pending.delete(remoter);
        remoter.close();
      }
    }
    servant.serviceSends();
  }

  /** A connection failed with `code`. */
  protected failed(code: string): void {
    void code;
  }

  /** Answers the complete request heads in `text`; returns what is left of it. */
  protected abstract answer(remoter: Remoter, text: string): string;

  /** Keeps connections whose client ended (default false). */
  protected get keepsEnded(): boolean {
    return false;
  }
}

/** How a raw server goes wrong. */
export type Breakage = 'none' | 'answers-twice-after-reset' | 'drops-after-reset' | 'leaks-connections';

const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');

/** A keep-alive server answering every request head with 200 "ok", broken as told. */
export class RawServer extends ScriptedServer {
  readonly #breakage: Breakage;
  /** A reset was seen and the breakage has not acted since. */
  #armed = false;

  constructor(servant: SimServant, breakage: Breakage) {
    super(servant);
    this.#breakage = breakage;
  }

  protected override failed(code: string): void {
    if (code === 'ECONNRESET') this.#armed = true;
  }

  protected override get keepsEnded(): boolean {
    return this.#breakage === 'leaks-connections';
  }

  protected answer(remoter: Remoter, text: string): string {
    for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
      text = text.slice(end + 4);
      if (this.#armed && this.#breakage === 'answers-twice-after-reset') {
        this.#armed = false;
        remoter.tx(ANSWER);
      } else if (this.#armed && this.#breakage === 'drops-after-reset') {
        this.#armed = false;
        continue;
      }
      remoter.tx(ANSWER);
    }
    return text;
  }
}

/** How a {@link FramingServer} goes wrong. */
export type FramingBreakage = 'none' | 'drop-close-request' | 'short-body-close' | 'head-with-body';

/**
 * A keep-alive server answering each request head with 200 "ok" (echoing
 * x-sim-request, closing after a request that asks to), broken in how it
 * frames or ends its answers. Bodies are tiny and come with their head.
 */
export class FramingServer extends ScriptedServer {
  readonly #breakage: FramingBreakage;
  readonly #count = new Map<Remoter, number>();

  constructor(servant: SimServant, breakage: FramingBreakage) {
    super(servant);
    this.#breakage = breakage;
  }

  protected answer(remoter: Remoter, text: string): string {
    let closeNow = false;
    for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
      const head = text.slice(0, end);
      text = text.slice(end + 4 + Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0));
      const id = /x-sim-request: *(\S+)/i.exec(head)?.[1] ?? '';
      const n = (this.#count.get(remoter) ?? 0) + 1;
      this.#count.set(remoter, n);
      const wantsClose = /connection: *close/i.test(head);
      closeNow = wantsClose;
      if (this.#breakage === 'drop-close-request' && wantsClose) break;
      if (this.#breakage === 'short-body-close' && n === 2) {
        remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\nx-sim-request: ${id}\r\n\r\nok`, 'latin1'));
        closeNow = true;
        break;
      }
      const body = this.#breakage === 'head-with-body' || !head.startsWith('HEAD ') ? 'ok' : '';
      remoter.tx(
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-sim-request: ${id}\r\n${wantsClose ? 'Connection: close\r\n' : ''}\r\n${body}`, 'latin1'),
      );
      if (wantsClose) break;
    }
    if (closeNow) remoter.shutdownSend();
    return text;
  }
}
