/**
 * The README's code examples, type-checked by `npm test` (never run), so the
 * documentation cannot drift from the API.
 */
import {
  BareServer,
  BareServerDoer,
  ClientDoer,
  CustomResponder,
  Doer,
  Doist,
  HandResponder,
  SimClient,
  SimNet,
  SimServant,
  Steward,
  doify,
  handResponse,
  type FetchHandler,
  type Request,
} from '../../src/index.js';

export async function serving(): Promise<void> {
  class Hello extends Steward {
    override respond(request: Request) {
      return new CustomResponder({ data: { hello: request.path } });
    }
  }
  const server = new BareServer({ host: '127.0.0.1', port: 8080, steward: Hello });
  await new Doist({ real: true }).run([new BareServerDoer(server)]);
}

export function simulating(): void {
  const doist = new Doist({ tock: 0.01 });
  const net = new SimNet({ tymth: doist.tymen(), seed: 7, latency: 0.005, jitter: 0.002 });
  const server = new BareServer({ servant: new SimServant({ net, host: 'server', port: 80 }) });
  const client = new SimClient({ net, localHost: 'laptop', host: 'server', port: 80 });
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  net.at(0.5, () => net.partition('laptop', 'server'));
  doist.do([new BareServerDoer(server), new ClientDoer(client)], { limit: 1 });
  console.log(client.rxQueue.take(client.rxQueue.length).toString(), net.trace.digest());
}

export async function scheduling(): Promise<void> {
  class Counter extends Doer {
    count = 0;
    protected override recur(): boolean {
      this.count += 1;
      return this.count >= 4;
    }
  }
  const ticker = doify(function* ({ tymth }) {
    for (;;) {
      yield 0.5;
      console.log('tick at', tymth());
    }
  });
  const doist = new Doist({ tock: 0.25 });
  doist.do([new Counter({ tock: 0.25 }), ticker], { limit: 2 });
  await doist.run([ticker], { real: true, limit: 2 });
}

export function writer(): void {
  const countdown = () =>
    new HandResponder(async (writer) => {
      writer.writeHeader('Content-Type', 'text/plain');
      for (let n = 3; n > 0; n--) await writer.write(`${n}\n`);
      writer.setTrailer('X-Launched', 'yes');
      await writer.end('liftoff\n');
    });
  const greet = (request: globalThis.Request) =>
    handResponse(async (writer) => {
      writer.writeStatus(200);
      writer.writeHeader('Content-Length', 12);
      writer.writeHeader('X-Method', request.method);
      await writer.write('hello, ');
      await writer.end('world');
    });
  new BareServer({ respond: countdown });
  const fetch: FetchHandler = greet;
  void fetch;
}
