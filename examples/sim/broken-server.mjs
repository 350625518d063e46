// A deliberately broken server: after it sees a connection reset, it
// answers the next request twice. The harness catches it (answered-once)
// and prints, for each failing seed, the command that replays it.
//
//   npm run build && npx hio sim examples/sim/broken-server.mjs --seeds 1..50
import { Buffer } from 'node:buffer';
import { closedLoop, defineScenario } from 'hio-ts/testing';

const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');

/** A raw keep-alive server on a SimServant: every request head gets "ok". */
class TwiceAfterReset {
  waker = null;
  #servant;
  #pending = new Map();
  #sawReset = false;

  constructor(servant) {
    this.#servant = servant;
  }

  wind(tymth) {
    this.#servant.wind(tymth);
  }

  reopen() {
    this.#servant.reopen();
  }

  close() {
    this.#servant.close();
  }

  nextDue() {
    return this.#servant.nextDue();
  }

  service() {
    const servant = this.#servant;
    servant.waker = this.waker;
    servant.service();
    for (const remoter of [...servant.remoters.values()]) {
      if (remoter.error !== null) {
        if (remoter.error.code === 'ECONNRESET') this.#sawReset = true;
        remoter.close();
        continue;
      }
      let text = (this.#pending.get(remoter) ?? '') + remoter.rxQueue.take(remoter.rxQueue.length).toString('latin1');
      for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
        text = text.slice(end + 4);
        remoter.tx(ANSWER);
        if (this.#sawReset) {
          // The bug: one answer too many.
          this.#sawReset = false;
          remoter.tx(ANSWER);
        }
      }
      this.#pending.set(remoter, text);
      if (remoter.rxEnded) remoter.close();
    }
    servant.serviceSends();
  }
}

export default defineScenario({
  name: 'broken-server',
  hosts: { api: { serve: (servant) => new TwiceAfterReset(servant) } },
  clients: [closedLoop({ clients: 3, requests: 60, think: [0, 0.1] })],
  faults: { name: 'resets', net: { latency: 0.002, jitter: 0.002, bandwidth: Infinity }, rates: { reset: 60 } },
  until: 3,
});
