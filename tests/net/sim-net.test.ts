import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer, ServantDoer } from '../../src/doing/service-doer.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { EchoDoer } from '../../src/testing/echo-doer.js';
import { HioError } from '../../src/core/errors.js';
import type { Servant } from '../../src/net/servant.js';

interface World {
  readonly doist: Doist;
  readonly net: SimNet;
  readonly servant: SimServant;
  readonly echo: EchoDoer;
  client(options?: { localHost?: string; reconnectable?: boolean }): SimClient;
  /** Runs recurs until `done()` or `seconds` of tyme passed; returns whether done. */
  run(seconds: number, done?: () => boolean): boolean;
}

function world(options: SimNetOptions = {}, servantOptions: { tymeout?: number; highWater?: number } = {}): World {
  const doist = new Doist({ tock: 0.0625 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.01, ...options });
  const servant = new SimServant({ net, host: 'server', port: 80, ...servantOptions });
  const echo = new EchoDoer(servant);
  doist.extend([echo]);
  doist.recur();
  return {
    doist,
    net,
    servant,
    echo,
    client(clientOptions = {}) {
      const client = new SimClient({
        net,
        host: 'server',
        port: 80,
        localHost: clientOptions.localHost ?? 'client',
        ...(clientOptions.reconnectable !== undefined && { reconnectable: clientOptions.reconnectable }),
      });
      doist.extend([new ClientDoer(client)]);
      return client;
    },
    run(seconds, done = () => false) {
      const stop = doist.tyme + seconds;
      while (doist.tyme < stop) {
        if (done()) return true;
        doist.recur();
      }
      return done();
    },
  };
}

const text = (client: { rxQueue: { length: number; take(n: number): Buffer } }): string => client.rxQueue.take(client.rxQueue.length).toString();

test('SimNet delivers bytes written at tyme t at exactly t + latency', (t) => {
  const w = world({ latency: 0.25 });
  const client = w.client();
  client.tx(Buffer.from('ping'));
  t.true(w.run(5, () => client.rxQueue.length === 4));
  const events = w.net.trace.events;
  const send = events.find((event) => event.kind === 'send' && event.from === 'client')!;
  const deliver = events.find((event) => event.kind === 'deliver' && event.to === 'server' && event.bytes > 0)!;
  t.is(deliver.tyme - send.tyme, 0.25);
  const connect = events.find((event) => event.kind === 'connect')!;
  const accept = events.find((event) => event.kind === 'accept')!;
  const connected = events.find((event) => event.kind === 'connected')!;
  t.is(accept.tyme - connect.tyme, 0.25);
  t.is(connected.tyme - accept.tyme, 0.25);
  t.is(text(client), 'ping');
});

test('SimNet keeps bytes in order under jitter', (t) => {
  const w = world({ latency: 0.01, jitter: 0.2, seed: 5 });
  const client = w.client();
  let expected = '';
  for (let i = 0; i < 200; i++) {
    client.tx(Buffer.from(`${i},`));
    expected += `${i},`;
    w.doist.recur();
  }
  t.true(w.run(10, () => client.rxQueue.length === expected.length));
  t.is(text(client), expected);
});

test('SimNet caps each link direction at its bandwidth', (t) => {
  const w = world({ latency: 0, bandwidth: 10_000, segment: 1000, window: 1_000_000 });
  const client = w.client();
  const size = 50_000;
  let arrivedAt = -1;
  client.tx(Buffer.alloc(size, 1));
  t.true(
    w.run(30, () => {
      const remoter = [...w.servant.remoters.values()][0];
      if (arrivedAt < 0 && remoter !== undefined && w.echo.echoed >= size) arrivedAt = w.doist.tyme;
      return arrivedAt >= 0;
    }),
  );
  // 50,000 bytes at 10,000 bytes/s take 5 s on the wire.
  t.true(arrivedAt >= 5, `arrived at ${arrivedAt}`);
  t.true(arrivedAt < 5.5, `arrived at ${arrivedAt}`);
});

test('SimNet: a reader that does not read stalls its writer through the window', (t) => {
  const doist = new Doist({ tock: 0.0625 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.01, window: 32_768, segment: 8192 });
  const servant = new SimServant({ net, host: 'server', port: 80, highWater: 16_384 });
  const client = new SimClient({ net, port: 80 });
  doist.extend([new ServantDoer(servant), new ClientDoer(client)]);
  client.tx(Buffer.alloc(1_000_000, 7));
  for (let i = 0; i < 200; i++) doist.recur();
  const remoter = [...servant.remoters.values()][0]!;
  t.true(remoter.rxQueue.length <= 16_384 + 8192, `rxQueue ${remoter.rxQueue.length}`);
  t.true(client.txPending >= 1_000_000 - 16_384 - 8192 - 32_768, `txPending ${client.txPending}`);
  const before = remoter.rxQueue.length;
  remoter.rxQueue.consume(before);
  servant.serviceReceives();
  for (let i = 0; i < 20; i++) doist.recur();
  t.true(remoter.rxQueue.length > 0, 'reading resumed after the reader consumed');
  doist.exit();
});

test('SimNet#partition parks parcels both ways until repair, then delivers them in order', (t) => {
  const w = world();
  const client = w.client();
  client.tx(Buffer.from('a'));
  t.true(w.run(1, () => client.rxQueue.length === 1));
  w.net.partition('client', 'server');
  client.tx(Buffer.from('b'));
  client.tx(Buffer.from('c'));
  w.run(2);
  t.is(client.rxQueue.length, 1);
  t.true(w.net.trace.events.some((event) => event.kind === 'park'));
  w.net.repair('client', 'server');
  t.true(w.run(1, () => client.rxQueue.length === 3));
  t.is(text(client), 'abc');
});

test('SimNet#partition one way blocks only that direction', (t) => {
  const w = world();
  const client = w.client();
  t.true(w.run(1, () => client.connected));
  w.net.partition('server', 'client', { oneWay: true });
  client.tx(Buffer.from('x'));
  t.true(
    w.run(1, () => w.echo.echoed === 1),
    'client to server still flows',
  );
  w.run(1);
  t.is(client.rxQueue.length, 0, 'server to client is blocked');
  w.net.repair('server', 'client', { oneWay: true });
  t.true(w.run(1, () => client.rxQueue.length === 1));
});

test('SimNet#hold and #release stall one direction of a link', (t) => {
  const w = world();
  const client = w.client();
  t.true(w.run(1, () => client.connected));
  w.net.hold('client', 'server');
  client.tx(Buffer.from('held'));
  w.run(3);
  t.is(w.echo.echoed, 0);
  w.net.release('client', 'server');
  t.true(w.run(1, () => client.rxQueue.length === 4));
  t.is(text(client), 'held');
});

test('SimNet: a connect across a partition fails with ETIMEDOUT after connectTymeout', (t) => {
  const w = world({ connectTymeout: 2 });
  w.net.partition('client', 'server');
  const start = w.doist.tyme;
  const client = w.client();
  t.true(w.run(5, () => client.cutoff));
  t.is(client.error?.code, 'ETIMEDOUT');
  const timeout = w.net.trace.events.find((event) => event.kind === 'timeout')!;
  t.is(timeout.tyme - start, 2);
});

test('SimNet#reset fails both ends with ECONNRESET', (t) => {
  const w = world();
  const client = w.client();
  t.true(w.run(1, () => w.servant.remoters.size === 1 && client.connected));
  const remoter = [...w.servant.remoters.values()][0]!;
  w.net.reset(client);
  w.run(0.2);
  t.is(client.error?.code, 'ECONNRESET');
  t.is(remoter.error?.code, 'ECONNRESET');
  t.true(client.cutoff && remoter.cutoff);
  t.is(w.servant.remoters.size, 0);
});

test('SimNet#refuse refuses connects to a listening port until unrefuse', (t) => {
  const w = world();
  w.net.refuse('server', 80);
  const refused = w.client();
  t.true(w.run(1, () => refused.cutoff));
  t.is(refused.error?.code, 'ECONNREFUSED');
  w.net.unrefuse('server', 80);
  const accepted = w.client();
  t.true(w.run(1, () => accepted.connected));
  w.net.refuse('server');
  const all = w.client();
  t.true(w.run(1, () => all.cutoff));
  t.is(all.error?.code, 'ECONNREFUSED');
  w.net.unrefuse('server');
  const again = w.client();
  t.true(w.run(1, () => again.connected));
});

test('SimNet#crash resets every connection of a host; #restart listens again', (t) => {
  const w = world({ connectTymeout: 1 });
  const client = w.client({ reconnectable: true });
  t.true(w.run(1, () => client.connected));
  const remoter = [...w.servant.remoters.values()][0]!;
  w.net.crash('server');
  t.false(w.net.isUp('server'));
  t.false(w.servant.opened);
  t.is(remoter.error?.code, 'ECONNABORTED');
  t.true(w.run(0.1, () => client.cutoff));
  t.is(client.error?.code, 'ECONNRESET');
  // While the host is down, reconnects go unanswered and time out.
  t.true(w.run(3, () => w.net.trace.events.some((event) => event.kind === 'timeout')));
  w.net.restart('server');
  t.true(w.run(5, () => client.connected && w.servant.opened));
  client.tx(Buffer.from('back'));
  t.true(w.run(1, () => client.rxQueue.length === 4));
});

test('SimNet#halfClose half-closes one end; the peer still answers', (t) => {
  const w = world();
  const client = w.client();
  client.tx(Buffer.from('bye'));
  w.net.halfClose(client);
  t.true(w.run(2, () => client.rxEnded));
  t.is(text(client), 'bye');
  t.true(w.net.trace.events.some((event) => event.kind === 'fault' && event.detail === 'half-close'));
});

test('SimNet#at runs a fault at its tyme, in order with deliveries', (t) => {
  const w = world();
  const client = w.client();
  t.true(w.run(1, () => client.connected));
  const at = w.doist.tyme + 0.5;
  w.net.at(at, () => w.net.reset(client));
  t.true(w.run(2, () => client.cutoff));
  const fault = w.net.trace.events.find((event) => event.kind === 'fault' && event.detail === 'reset')!;
  t.is(fault.tyme, at);
});

test('SimNet: bytes for a closed end are answered with a reset', (t) => {
  const doist = new Doist({ tock: 0.0625 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.01 });
  const servant = new SimServant({ net, host: 'server', port: 80 });
  const client = new SimClient({ net, port: 80 });
  doist.extend([new ServantDoer(servant), new ClientDoer(client)]);
  for (let i = 0; i < 10; i++) doist.recur();
  const remoter = [...servant.remoters.values()][0]!;
  remoter.close();
  for (let i = 0; i < 3; i++) doist.recur();
  t.true(client.rxEnded);
  client.tx(Buffer.from('anyone there?'));
  for (let i = 0; i < 5; i++) doist.recur();
  t.is(client.error?.code, 'ECONNRESET');
  t.true(net.trace.events.some((event) => event.kind === 'drop'));
  doist.exit();
});

test('SimClient#reopen after a close: what the network owed the old connect does not reach the new one', (t) => {
  let tyme = 0;
  const net = new SimNet({ tymth: () => tyme, latency: 0.01, connectTymeout: 1 });
  const servant = new SimServant({ net, host: 'server', port: 80 });
  servant.reopen();
  servant.serviceConnects();
  net.hold('client', 'server');
  const client = new SimClient({ net, port: 80 });
  client.open();
  tyme = 0.5;
  client.close();
  // Nobody advanced the network since: the old connect's timeout (at 1) is overdue when the client connects again.
  tyme = 1.5;
  client.reopen();
  net.release('client', 'server');
  for (let i = 0; i < 10; i++) {
    tyme += 0.0625;
    servant.service();
    client.service();
  }
  t.is(client.error, null);
  t.true(client.connected);
  const timeout = net.trace.events.find((event) => event.kind === 'timeout');
  t.is(timeout, undefined);
});

test('SimNet#sleep: an event scheduled before a sleeper is due wakes it, once; one at or after its tyme does not', (t) => {
  let tyme = 0;
  const net = new SimNet({ tymth: () => tyme });
  const woken: string[] = [];
  const early = { wake: () => woken.push('early') };
  const late = { wake: () => woken.push('late') };
  net.sleep(early, 1);
  net.sleep(late, 5);
  net.at(5, () => {});
  t.deepEqual(woken, []);
  net.at(2, () => {});
  t.deepEqual(woken, ['late']);
  // Woken, a sleeper is forgotten until it sleeps again.
  net.at(0.5, () => {});
  t.deepEqual(woken, ['late', 'early']);
  net.at(0.25, () => {});
  t.deepEqual(woken, ['late', 'early']);
  net.sleep(late, 4);
  net.forgetSleeper(late);
  net.at(3, () => {});
  t.deepEqual(woken, ['late', 'early']);
  t.is(net.nextEventTyme(), 0.25);
  tyme = 1;
  net.advance();
  t.is(net.nextEventTyme(), 2);
});

test('SimServant on a taken port fails with EADDRINUSE', (t) => {
  const w = world();
  const second = new SimServant({ net: w.net, host: 'server', port: 80 });
  second.reopen();
  second.serviceConnects();
  t.false(second.opened);
  t.is(second.error?.code, 'EADDRINUSE');
});

/** A scenario with jitter, faults and many clients; returns the digest and the delivery tymes. */
function scenario(seed: number): { digest: string; tymes: number[]; count: number } {
  const w = world({ seed, latency: 0.005, jitter: 0.02 });
  const clients = Array.from({ length: 20 }, (_, index) => w.client({ localHost: `c${index % 4}` }));
  w.net.at(0.5, () => w.net.partition('c1', 'server'));
  w.net.at(1.0, () => w.net.repair('c1', 'server'));
  w.net.at(0.75, () => w.net.reset(clients[3]!));
  for (let round = 0; round < 30; round++) {
    clients.forEach((client, index) => {
      if (!client.cutoff) client.tx(Buffer.from(`${index}:${round};`));
    });
    w.doist.recur();
  }
  w.run(3);
  const tymes = w.net.trace.events.filter((event) => event.kind === 'deliver').map((event) => event.tyme);
  w.doist.exit();
  return { digest: w.net.trace.digest(), tymes, count: w.net.trace.count };
}

test('SimNet: the same seed gives the same trace digest; another seed another interleaving', (t) => {
  const first = scenario(11);
  const again = scenario(11);
  const other = scenario(12);
  t.is(first.digest, again.digest);
  t.deepEqual(first.tymes, again.tymes);
  t.is(first.count, again.count);
  t.not(first.digest, other.digest);
  t.notDeepEqual(first.tymes, other.tymes);
});

test('SimNet rejects bad options and foreign connections', (t) => {
  t.is(t.throws(() => new SimNet({ latncy: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new SimNet({ window: 0 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new SimNet({ bandwidth: -1 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const a = world();
  const b = world();
  const client = a.client();
  t.is(t.throws(() => b.net.reset(client), { instanceOf: HioError }).code, 'HIO_ERR_SIM');
});

test('SimNet trace without kept events still digests', (t) => {
  const doist = new Doist();
  const net = new SimNet({ tymth: doist.tymen(), keepTrace: false });
  const servant: Servant = new SimServant({ net, port: 1 });
  servant.reopen();
  t.is(net.trace.events.length, 0);
  t.is(net.trace.count, 1);
  t.regex(net.trace.digest(), /^[0-9a-f]{16}$/);
});
