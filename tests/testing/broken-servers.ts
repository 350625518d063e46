/**
 * Purpose-built broken servers for the simulation harness's own tests: each
 * is a raw serviceable on a SimServant answering `GET` with "ok", broken in
 * one way the harness must catch.
 */
import type { Tymth } from '../../src/core/tymist.js';
import type { Serviceable } from '../../src/doing/service-doer.js';
import type { Remoter } from '../../src/net/connection.js';
import type { SimServant } from '../../src/net/sim/sim-servant.js';

/** How a raw server goes wrong. */
export type Breakage = 'none' | 'answers-twice-after-reset' | 'drops-after-reset' | 'leaks-connections';

const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');

/** A keep-alive server answering every request head with 200 "ok", broken as told. */
export class RawServer implements Serviceable {
  waker: (() => void) | null = null;
  readonly #servant: SimServant;
  readonly #breakage: Breakage;
  readonly #pending = new Map<Remoter, string>();
  /** A reset was seen and the breakage has not acted since. */
  #armed = false;

  constructor(servant: SimServant, breakage: Breakage) {
    this.#servant = servant;
    this.#breakage = breakage;
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
        if (remoter.error.code === 'ECONNRESET') this.#armed = true;
        this.#pending.delete(remoter);
        remoter.close();
        continue;
      }
      let text = (this.#pending.get(remoter) ?? '') + (remoter.rxQueue.length > 0 ? remoter.rxQueue.take(remoter.rxQueue.length).toString('latin1') : '');
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
      this.#pending.set(remoter, text);
      if (remoter.rxEnded && this.#breakage !== 'leaks-connections') {
        this.#pending.delete(remoter);
        remoter.close();
      }
    }
    servant.serviceSends();
  }
}
