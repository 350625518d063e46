/**
 * Simulated servants and clients sleep like real ones: their next due tyme
 * is the earliest of their own deadlines (idle tymeouts, reconnects) and the
 * network's next event that concerns them, or now while work waits, and the
 * network wakes them when it schedules such an event before it. Paced by it, a ServiceDoer needs no
 * pass while nothing is due and still gets one exactly when something is —
 * so a paced run is the unpaced run, event for event, in far fewer passes.
 *
 * SIM_PACING_RUNS (default 25) sets how many seeds the last test compares.
 */
import test from 'ava';
import { Prng } from '../../src/core/prng.js';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import type { SimRemoter } from '../../src/net/sim/sim-remoter.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { EchoDoer } from '../../src/testing/echo-doer.js';

/** A SimServant that notes the tyme of every pass (EchoDoer starts each with serviceConnects). */
class NotedServant extends SimServant {
  readonly passes: number[] = [];

  override serviceConnects(): void {
    this.passes.push(this.net.tyme);
    super.serviceConnects();
  }
}

/** A SimClient that notes the tyme of every pass (ClientDoer runs service). */
class NotedClient extends SimClient {
  readonly passes: number[] = [];

  override service(): void {
    this.passes.push(this.net.tyme);
    super.service();
  }
}

interface World {
  readonly doist: Doist;
  readonly net: SimNet;
  readonly servant: NotedServant;
  readonly echo: EchoDoer;
  client(options?: { localHost?: string; reconnectable?: boolean; reconnectTymeout?: number; tymeout?: number }): NotedClient;
  /** Recurs until `done()` or `seconds` of tyme passed; returns whether done. */
  run(seconds: number, done?: () => boolean): boolean;
}

/** An echo servant and clients under doers, paced or not, on a Doist of `tock` seconds. */
function world(netOptions: SimNetOptions = {}, servantTymeout = 0, paced = true, tock = 1 / 16): World {
  const doist = new Doist({ tock });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.01, ...netOptions });
  const servant = new NotedServant({ net, host: 'server', port: 80, tymeout: servantTymeout });
  const echo = new EchoDoer(servant, { paced });
  doist.extend([echo]);
  return {
    doist,
    net,
    servant,
    echo,
    client(options = {}) {
      const client = new NotedClient({ net, host: 'server', port: 80, localHost: options.localHost ?? 'client', ...options });
      doist.extend([new ClientDoer(client, { paced })]);
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

function onlyRemoter(servant: SimServant): SimRemoter {
  const remoters = [...servant.remoters.values()];
  if (remoters.length !== 1) throw new Error(`${remoters.length} remoters`);
  return remoters[0] as SimRemoter;
}

test('SimServant#nextDue with one idle keep-alive connection is its idle deadline, not now; the servant runs again exactly then', (t) => {
  const w = world({ connectTymeout: 0.5 }, 2);
  const client = w.client();
  client.tx(Buffer.from('ping'));
  t.true(w.run(1, () => client.rxQueue.length === 4));
  // Past the connect's timeout (a queued event, moot by now) nothing is left on the network.
  w.run(0.5);
  t.is(w.net.nextEventTyme(), Infinity);
  const remoter = onlyRemoter(w.servant);
  const deadline = remoter.idleDeadline;
  t.true(deadline > w.doist.tyme);
  t.is(w.servant.nextDue(), deadline);
  t.is(client.nextDue(), Infinity);
  const before = w.servant.passes.length;
  t.true(w.run(3, () => w.servant.remoters.size === 0));
  // One pass: the first at or after the deadline, which drops the connection.
  t.deepEqual(w.servant.passes.slice(before), [Math.ceil(deadline * 16) / 16]);
  t.true(remoter.expired);
  w.doist.exit();
});

test('SimServant#nextDue after a client sends is the delivery tyme, now plus latency', (t) => {
  const w = world({ latency: 0.25, connectTymeout: 1 });
  const client = w.client();
  t.true(w.run(2, () => client.connected));
  w.run(1);
  t.is(w.net.nextEventTyme(), Infinity);
  t.is(w.servant.nextDue(), Infinity);
  client.tx(Buffer.from('x'));
  w.doist.recur();
  const send = w.net.trace.events.filter((event) => event.kind === 'send').at(-1)!;
  t.is(send.from, 'client');
  t.is(w.servant.nextDue(), send.tyme + 0.25);
  // The delivery concerns the servant alone: the client sleeps on.
  t.is(client.nextDue(), Infinity);
  const before = w.servant.passes.length;
  t.true(w.run(1, () => w.echo.echoed === 1));
  // The pass that takes the bytes in comes exactly at their delivery. (The
  // send woke the servant, asleep for good until then, for one pass to learn
  // of it; it ran before the client in each pass, so that one came later.)
  const passes = w.servant.passes.slice(before);
  t.is(passes.at(-1), send.tyme + 0.25);
  t.true(passes.length < 0.25 * 16, `${passes.length} passes`);
  w.doist.exit();
});

test('An exchange on one connection runs only its client and the servant: the other clients sleep through it', (t) => {
  const w = world({ latency: 0.25, connectTymeout: 1 });
  const clients = Array.from({ length: 10 }, (_, index) => w.client({ localHost: `client${index}` }));
  t.true(w.run(2, () => clients.every((client) => client.connected)));
  // Past the connects' timeouts nothing is left on the network.
  w.run(1);
  const [talker, ...idle] = clients as [NotedClient, ...NotedClient[]];
  const before = idle.map((client) => client.passes.length);
  talker.tx(Buffer.from('ping'));
  t.true(w.run(2, () => talker.rxQueue.length === 4));
  t.deepEqual(
    idle.map((client) => client.passes.length),
    before,
  );
  t.true(talker.passes.length > 0);
  w.doist.exit();
});

test('SimServant#nextDue is now while an opening or an accepted connection waits for serviceConnects', (t) => {
  let tyme = 0;
  const net = new SimNet({ tymth: () => tyme, latency: 0.01 });
  const servant = new SimServant({ net, host: 'server', port: 80 });
  servant.reopen();
  t.is(servant.nextDue(), 0);
  servant.serviceConnects();
  t.is(servant.nextDue(), Infinity);
  const client = new SimClient({ net, port: 80 });
  client.open();
  t.is(servant.nextDue(), 0.01);
  tyme = 0.0625;
  // The client's pass takes the network on: the connect reaches the servant, which has to admit it.
  client.service();
  t.is(servant.nextDue(), tyme);
  servant.serviceConnects();
  t.is(servant.remoters.size, 1);
  // Admitted, the connection has nothing to do. What is left is the connect's timeout, moot by now, which concerns the client alone.
  t.is(servant.nextDue(), Infinity);
  t.is(client.nextDue(), 3);
});

test('SimClient#nextDue is now while a fact waits, its idle deadline when idle, and its reconnect tyme after a failure', (t) => {
  let tyme = 0;
  const net = new SimNet({ tymth: () => tyme, latency: 0.01 });
  const servant = new SimServant({ net, host: 'server', port: 80 });
  servant.reopen();
  servant.serviceConnects();
  const client = new SimClient({ net, port: 80, tymeout: 2 });
  // As a ClientDoer does on entering: the idle timer starts.
  client.wind(() => tyme);
  client.open();
  t.is(client.nextDue(), 0.01);
  tyme = 0.05;
  servant.service();
  // The connect is answered (at 0.02) by a pass of someone else: the client has a fact to take in.
  t.is(client.nextDue(), 0.05);
  client.service();
  t.true(client.connected);
  // Only the connect's timeout is left on the network; the idle deadline comes first.
  t.is(client.nextDue(), 2.05);
  tyme = 1;
  servant.service();
  net.reset(client);
  t.is(client.nextDue(), 1);
  client.service();
  t.is(client.error?.code, 'ECONNRESET');

  const redialer = new SimClient({ net, localHost: 'other', port: 81, reconnectable: true, reconnectTymeout: 0.5 });
  redialer.open();
  tyme = 1.5;
  // Someone else's pass takes the network on: the refusal (at 1.02) reaches the client, to be taken in.
  servant.service();
  t.is(redialer.nextDue(), 1.5);
  redialer.serviceReceives();
  t.is(redialer.error?.code, 'ECONNREFUSED');
  // Cut off since its last connect pass: the next one starts the reconnect timer.
  t.is(redialer.nextDue(), 1.5);
  redialer.serviceConnect();
  t.is(redialer.nextDue(), 2);
  tyme = 2;
  redialer.service();
  t.false(redialer.cutoff, 'connecting again');
  t.is(redialer.nextDue(), 2.01);
});

test('SimServant and SimClient asleep are woken by a fault called or scheduled between passes, and see it at its tyme', (t) => {
  const w = world({ connectTymeout: 0.5 });
  const client = w.client();
  client.tx(Buffer.from('a'));
  t.true(w.run(1, () => client.rxQueue.length === 1));
  w.run(1);
  t.is(w.servant.nextDue(), Infinity);
  t.is(client.nextDue(), Infinity);
  // Held between passes: what the client sends waits on the link; both sleep again.
  w.net.hold('client', 'server');
  client.tx(Buffer.from('b'));
  w.run(1);
  t.is(w.echo.echoed, 1);
  t.is(w.servant.nextDue(), Infinity);
  t.is(client.nextDue(), Infinity);
  const servantPasses = w.servant.passes.length;
  const clientPasses = client.passes.length;
  w.run(2);
  t.is(w.servant.passes.length, servantPasses);
  t.is(client.passes.length, clientPasses);
  // Released between passes: the parcel leaves now, and its delivery wakes the sleepers.
  w.net.release('client', 'server');
  t.true(w.run(1, () => client.rxQueue.length === 2));
  // A reset scheduled between passes, 1.3 s ahead: both ends see it at the first pass at or after it.
  w.run(1);
  const at = w.doist.tyme + 1.3;
  w.net.at(at, () => w.net.reset(client));
  t.true(w.run(2, () => client.cutoff && w.servant.remoters.size === 0));
  t.is(w.doist.tyme, Math.ceil(at * 16) / 16 + 1 / 16);
  t.is(client.error?.code, 'ECONNRESET');
  w.doist.exit();
});

test('SimServant and SimClient are not woken by what their own pass takes in from the network', (t) => {
  let tyme = 0;
  const net = new SimNet({ tymth: () => tyme, latency: 0.01 });
  const servant = new SimServant({ net, host: 'server', port: 80 });
  const client = new SimClient({ net, port: 80 });
  const wakes = { servant: 0, client: 0 };
  servant.waker = () => (wakes.servant += 1);
  client.waker = () => (wakes.client += 1);
  servant.reopen();
  servant.service();
  client.open();
  wakes.servant = 0;
  wakes.client = 0;
  tyme = 0.1;
  // The servant's pass takes the connect in, and the answer to it reaches the client.
  servant.service();
  t.deepEqual(wakes, { servant: 0, client: 1 });
  client.service();
  t.true(client.connected);
  client.tx(Buffer.from('hello'));
  client.service();
  t.deepEqual(wakes, { servant: 0, client: 2 });
  tyme = 0.2;
  // The client's pass takes the network on: the servant is woken for its bytes, the client not.
  client.service();
  t.deepEqual(wakes, { servant: 1, client: 2 });
  servant.service();
  t.is([...servant.remoters.values()][0]?.rxQueue.length, 5);
  t.deepEqual(wakes, { servant: 1, client: 2 });
});

test('SimServant#nextDue is now after a send pass that ended a connection, so its owner sees that on the next pass', (t) => {
  const w = world({ latency: 0.25, connectTymeout: 1 });
  const client = w.client();
  client.tx(Buffer.from('bye'));
  client.shutdownSend();
  // The echo half-closes in turn; its FIN, sent after the client's arrived, ends the connection.
  t.true(w.run(2, () => w.servant.remoters.size === 1 && onlyRemoter(w.servant).cutoff));
  const fin = w.net.trace.events.filter((event) => event.kind === 'fin').at(-1)!;
  t.is(fin.from, 'server');
  t.is(w.doist.tyme, fin.tyme + 1 / 16);
  t.is(w.servant.nextDue(), w.doist.tyme);
  w.doist.recur();
  t.is(w.servant.remoters.size, 0);
  // What is left is the FIN's delivery, which concerns the client alone.
  t.is(w.servant.nextDue(), Infinity);
  t.is(client.nextDue(), fin.tyme + 0.25);
  w.doist.exit();
});

/** What a run shows: every trace event, and what each client read, when. */
interface Outcome {
  readonly events: string[];
  readonly digest: string;
  readonly reads: string[];
  readonly servantPasses: number;
  readonly clientPasses: number;
}

/**
 * An echo exchange over 0.25 s of latency with idle stretches between
 * messages, until the servant's idle tymeout drops the connection: 10 s of
 * tyme, 320 tocks.
 */
function exchange(paced: boolean): Outcome {
  const w = world({ latency: 0.25, seed: 3 }, 2, paced, 1 / 32);
  const client = w.client();
  const reads: string[] = [];
  const plan = new Map([
    [0, 'hello'],
    [64, 'again'],
    [100, 'and again'],
  ]);
  for (let step = 0; step < 320; step++) {
    const message = plan.get(step);
    if (message !== undefined) client.tx(Buffer.from(message));
    w.doist.recur();
    if (client.rxQueue.length > 0) reads.push(`${w.doist.tyme} ${client.rxQueue.take(client.rxQueue.length).toString()}`);
    if (client.rxEnded && !client.cutoff) client.close();
  }
  reads.push(`end ${client.rxEnded} ${client.cutoff} ${w.servant.remoters.size}`);
  w.doist.exit();
  return {
    events: w.net.trace.events.map((event) => `${event.tyme} ${event.kind} ${event.conn} ${event.from}>${event.to} ${event.bytes} ${event.detail}`),
    digest: w.net.trace.digest(),
    reads,
    servantPasses: w.servant.passes.length,
    clientPasses: client.passes.length,
  };
}

test('A paced servant and client complete an exchange in far fewer passes than tocks, with the same trace as unpaced', (t) => {
  const unpaced = exchange(false);
  const paced = exchange(true);
  t.is(unpaced.servantPasses, 320);
  t.is(unpaced.clientPasses, 320);
  t.true(paced.servantPasses <= 32, `servant: ${paced.servantPasses} passes`);
  t.true(paced.clientPasses <= 32, `client: ${paced.clientPasses} passes`);
  t.deepEqual(paced.reads, unpaced.reads);
  t.deepEqual(paced.events, unpaced.events);
  t.is(paced.digest, unpaced.digest);
  t.is(paced.reads.at(-1), 'end true true 0');
});

/**
 * A run from a seed: an echo servant with an idle tymeout and four clients
 * on three hosts (some reconnectable, some with an idle tymeout of their
 * own), with jitter; between passes the clients write, close and reopen, and
 * faults are called or scheduled (partitions, holds, resets, half-closes,
 * refusals, crashes of either side). Every choice comes from the seed.
 */
function seeded(seed: number, paced: boolean): Outcome {
  const random = new Prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random.next() * values.length)]!;
  const tock = pick([1 / 32, 1 / 16, 0.05, 0.1]);
  const latency = pick([0, 0.001, 0.01, 1 / 32, 0.0625, 0.25]);
  const jitter = random.next() < 0.5 ? 0 : random.next() * 0.1;
  const w = world({ seed, latency, jitter, connectTymeout: 0.7 + random.next() }, random.next() < 0.5 ? 0 : 0.5 + random.next() * 2, paced, tock);
  const clients = Array.from({ length: 4 }, (_, index) =>
    w.client({
      localHost: ['a', 'b', 'c'][index % 3]!,
      reconnectable: random.next() < 0.5,
      reconnectTymeout: 0.3,
      tymeout: random.next() < 0.3 ? 1 : 0,
    }),
  );
  const faults = [
    () => w.net.partition('a', 'server'),
    () => w.net.repair('a', 'server'),
    () => w.net.hold('b', 'server'),
    () => w.net.release('b', 'server'),
    () => w.net.reset(clients[1]!),
    () => w.net.halfClose(clients[2]!),
    () => w.net.refuse('server'),
    () => w.net.unrefuse('server'),
    () => w.net.crash('server'),
    () => w.net.restart('server'),
    () => w.net.crash('c'),
    () => w.net.restart('c'),
  ];
  for (let i = 0; i < 6; i++) w.net.at(random.next() * 4, pick(faults));
  const reads: string[] = [];
  for (let step = 0; step < 150; step++) {
    const choice = random.next();
    const index = Math.floor(random.next() * clients.length);
    const client = clients[index]!;
    if (choice < 0.3) client.tx(Buffer.from(`${index}:${step};`));
    else if (choice < 0.33) pick(faults)();
    else if (choice < 0.36) w.net.at(w.doist.tyme + random.next(), pick(faults));
    else if (choice < 0.37) client.close();
    else if (choice < 0.38) client.reopen();
    w.doist.recur();
    clients.forEach((reader, at) => {
      if (reader.rxQueue.length > 0) reads.push(`${w.doist.tyme} ${at} ${reader.rxQueue.take(reader.rxQueue.length).toString()}`);
    });
  }
  for (const client of clients) reads.push(`${client.connected} ${client.cutoff} ${client.closed} ${client.error?.code}`);
  reads.push(`${w.servant.remoters.size} remoters, ${w.echo.echoed} bytes echoed`);
  w.doist.exit();
  return {
    events: w.net.trace.events.map((event) => `${event.tyme} ${event.kind} ${event.conn} ${event.from}>${event.to} ${event.bytes} ${event.detail}`),
    digest: w.net.trace.digest(),
    reads,
    servantPasses: w.servant.passes.length,
    clientPasses: clients.reduce((sum, client) => sum + client.passes.length, 0),
  };
}

test('Paced and unpaced runs give the same trace and reads under jitter, faults and reconnects, seed after seed', (t) => {
  const runs = Number(process.env['SIM_PACING_RUNS'] ?? 25);
  let pacedPasses = 0;
  let unpacedPasses = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const unpaced = seeded(seed, false);
    const paced = seeded(seed, true);
    t.deepEqual(paced.events, unpaced.events, `seed ${seed}`);
    t.deepEqual(paced.reads, unpaced.reads, `seed ${seed}`);
    pacedPasses += paced.servantPasses + paced.clientPasses;
    unpacedPasses += unpaced.servantPasses + unpaced.clientPasses;
  }
  t.true(pacedPasses < unpacedPasses, `${pacedPasses} passes paced, ${unpacedPasses} unpaced`);
});
