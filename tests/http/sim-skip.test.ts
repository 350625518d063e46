/**
 * HTTP on the simulated network under a skipping Doist (`skip: true`): the
 * servants, clients and Patron sleep until the network's next event or a
 * deadline of their own, so virtual tyme jumps from event to event and each
 * reaction happens at exactly the tyme of what it reacts to.
 */
import test from 'ava';
import { tymeClock } from '../../src/core/clock.js';
import { Doist, type DoistOptions } from '../../src/doing/doist.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { Patron } from '../../src/http/patron.js';
import { PatronDoer } from '../../src/http/patron-doer.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { HelloSteward } from '../../src/testing/hello-steward.js';
import { ResponseReader } from '../helpers/http-client.js';

/** A Doist that counts its recurs. */
class CountingDoist extends Doist {
  recurs = 0;

  override recur(): void {
    this.recurs += 1;
    super.recur();
  }
}

/** A Hello server on `server:80` of a network with 10 s latency, on a counting Doist. */
function world(doistOptions: DoistOptions, netOptions: SimNetOptions = {}): { doist: CountingDoist; net: SimNet; server: BareServer } {
  const doist = new CountingDoist(doistOptions);
  const net = new SimNet({ tymth: doist.tymen(), latency: 10, connectTymeout: 60, seed: 7, ...netOptions });
  const server = new BareServer({
    servant: new SimServant({ net, host: 'server', port: 80 }),
    clock: tymeClock(doist.tymen(), Date.UTC(2026, 0, 1)),
    steward: HelloSteward,
    keepAliveTymeout: 100,
  });
  return { doist, net, server };
}

/** One `GET /` from a raw SimClient, run for 50 s of tyme; the responses, the recurs and the trace. */
function exchange(doistOptions: DoistOptions, netOptions: SimNetOptions = {}): { statuses: number[]; recurs: number; tyme: number; net: SimNet } {
  const { doist, net, server } = world(doistOptions, netOptions);
  const client = new SimClient({ net, host: 'server', port: 80 });
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  const reader = new ResponseReader(['GET']);
  doist.do([new BareServerDoer(server), new ClientDoer(client)], { limit: 50 });
  reader.push(client.rxQueue.take(client.rxQueue.length));
  return { statuses: reader.responses.map((response) => response.status), recurs: doist.recurs, tyme: doist.tyme, net };
}

/** The trace as "tyme kind from>to", for whole-trace assertions. */
function events(net: SimNet): string[] {
  return net.trace.events.map((event) => `${event.tyme} ${event.kind} ${event.from}>${event.to}`);
}

test('BareServer and SimClient under a skipping Doist (tock .001, latency 10 s): answered in a handful of recurs, each event at exactly its tyme', (t) => {
  const { statuses, recurs, tyme, net } = exchange({ tock: 0.001, skip: true });
  t.deepEqual(statuses, [200]);
  t.true(recurs <= 10, `${recurs} recurs`);
  t.is(tyme, 50);
  // The client sends once it learns of the connection (20), the server answers on delivery (30).
  t.deepEqual(events(net), [
    '0 listen server>',
    '0 connect client>server',
    '10 accept server>client',
    '20 connected server>client',
    '20 send client>server',
    '30 deliver client>server',
    '30 send server>client',
    '40 deliver server>client',
    '50 close client>server',
    '50 unlisten server>',
    '50 close server>client',
  ]);
});

test('A skipping Doist gives the trace digest of the run without skipping when the tock divides every event tyme', (t) => {
  const skipped = exchange({ tock: 1 / 32, skip: true });
  const ticked = exchange({ tock: 1 / 32 });
  t.deepEqual(skipped.statuses, [200]);
  t.deepEqual(ticked.statuses, [200]);
  t.is(skipped.net.trace.digest(), ticked.net.trace.digest());
  t.is(ticked.recurs, 50 * 32);
  t.true(skipped.recurs <= 10, `${skipped.recurs} recurs`);
});

test('A skipping Doist is deterministic: the same seed with jitter gives the same digest twice', (t) => {
  const first = exchange({ tock: 0.001, skip: true }, { jitter: 0.5, seed: 11 });
  const second = exchange({ tock: 0.001, skip: true }, { jitter: 0.5, seed: 11 });
  t.deepEqual(first.statuses, [200]);
  t.is(first.net.trace.digest(), second.net.trace.digest());
  t.deepEqual(events(first.net), events(second.net));
  t.is(first.recurs, second.recurs);
});

test('BareServer#after under a skipping Doist runs its callback at exactly its tyme', (t) => {
  const { doist, server } = world({ tock: 0.001, skip: true });
  const fired: number[] = [];
  server.after(3600, () => fired.push(doist.tyme));
  server.after(7200.5, () => fired.push(doist.tyme));
  doist.do([new BareServerDoer(server)], { limit: 3 * 3600 });
  t.deepEqual(fired, [3600, 7200.5]);
  t.true(doist.recurs <= 6, `${doist.recurs} recurs`);
});

test('Patron#fetch under a skipping Doist.run: the promises settle between jumps and the body is read on the pass after its delivery at 40.25', async (t) => {
  const { doist, net, server } = world({ tock: 0.25, skip: true });
  const patron = new Patron({
    connect: (origin) => new SimClient({ net, localHost: 'client', host: origin.hostname, port: origin.port }),
    connectTymeout: 60,
  });
  const controller = new AbortController();
  const answer = patron.fetch('http://server/').then(async (response) => {
    const text = await response.text();
    const at = doist.tyme;
    controller.abort();
    return { status: response.status, text, at };
  });
  await doist.run([new BareServerDoer(server), new PatronDoer(patron)], { limit: 3600, signal: controller.signal });
  t.deepEqual(await answer, { status: 200, text: 'Hello, World!', at: 40.5 });
  // The request goes out on the first pass after fetch() queued it (one tock), then every step is one event.
  t.deepEqual(events(net).slice(1, 8), [
    '0.25 connect client>server',
    '10.25 accept server>client',
    '20.25 connected server>client',
    '20.25 send client>server',
    '30.25 deliver client>server',
    '30.25 send server>client',
    '40.25 deliver server>client',
  ]);
  t.true(doist.recurs <= 12, `${doist.recurs} recurs`);
});
