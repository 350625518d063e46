/**
 * @module
 * The EchoDoer: a servant doer that sends every byte it receives back to
 * its sender (hio's EchoServerDoer), used by the transport tests and
 * benchmarks. It honours backpressure both ways: it moves bytes from a
 * remoter's rxQueue to its tx only while less than `highWater` bytes are
 * pending, so a slow reader stalls its writer instead of filling memory. When
 * the peer half-closes it echoes what is left, then half-closes too; cut-off
 * and idle-expired remoters are removed.
 */
import type { Servant } from '../net/servant.js';
import { ServiceDoer, type ServiceDoerOptions } from '../doing/service-doer.js';

/** Options of an {@link EchoDoer}. */
export interface EchoDoerOptions extends ServiceDoerOptions {
  /** Stop echoing a remoter while this many bytes wait to be sent (default 512 KiB). */
  readonly highWater?: number;
}

/** Echoes every remoter's bytes back. */
export class EchoDoer extends ServiceDoer<Servant> {
  /** Bytes echoed since the doer started. */
  echoed = 0;
  readonly #highWater: number;

  constructor(servant: Servant, options: EchoDoerOptions = {}) {
    const { highWater, ...rest } = options;
    super(servant, rest);
    this.#highWater = highWater ?? 512 * 1024;
  }

  protected override recur(tyme: number): boolean {
    const servant = this.component;
    servant.serviceConnects();
    servant.serviceReceives();
    for (const remoter of servant.ready) {
      if (remoter.cutoff || remoter.expired) {
        servant.removeRemoter(remoter);
        continue;
      }
      const room = this.#highWater - remoter.txPending;
      if (room > 0 && remoter.rxQueue.length > 0) {
        for (const chunk of remoter.rxQueue.takeChunks(room)) {
          remoter.tx(chunk);
          this.echoed += chunk.length;
        }
      }
      if (remoter.rxEnded && remoter.rxQueue.length === 0) remoter.shutdownSend();
    }
    servant.serviceSends();
    if (this.paced) {
      const due = servant.nextDue();
      this.tock = due <= tyme ? 0 : due - tyme;
    }
    return false;
  }
}
