/**
 * Regression: after a reset the simulated network still delivered bytes of
 * the old connection. A reset from the middle failed both ends, but bytes
 * already in flight (or parked on a partitioned link) kept arriving at the
 * failed ends, landed in rxQueue, and stayed there when a client reconnected
 * to the same address — so the new connection read the old one's bytes.
 * Now, once an end of a connection is reset (by the network, by either end,
 * or by a crash of its host), nothing of that connection reaches it.
 */
import test from 'ava';
import { SimLab, traceProblems } from '../helpers/sim-lab.js';

function connected(options: ConstructorParameters<typeof SimLab>[0] = {}, reconnectable = false): { lab: SimLab; client: ReturnType<SimLab['client']> } {
  const lab = new SimLab({ latency: 0.01, ...options });
  const client = lab.client('client', { reconnectable });
  if (!lab.run(1, () => client.connected && lab.remoterOf.has(client))) throw new Error('no connection');
  return { lab, client };
}

test('SimNet#reset: bytes in flight toward either end are not delivered', (t) => {
  const { lab, client } = connected();
  const remoter = lab.remoterOf.get(client)!;
  const sent = lab.tyme;
  lab.write(client, 'late request');
  lab.write(client, 'late answer', true);
  lab.servant.serviceSends();
  // Both chunks leave now and arrive at sent + 0.01: reset them half-way.
  lab.net.at(sent + 0.005, () => lab.net.reset(client));
  lab.run(1);
  t.is(client.error?.code, 'ECONNRESET');
  t.is(remoter.error?.code, 'ECONNRESET');
  t.is(lab.up.get(client)!.receivedBytes.length, 0);
  t.is(lab.down.get(client)!.receivedBytes.length, 0);
  t.false(
    lab.net.trace.events.some((event) => event.kind === 'deliver' && event.tyme > sent + 0.005),
    'nothing delivered after the reset',
  );
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimNet#reset: bytes parked on a partition are not delivered after repair', (t) => {
  const { lab, client } = connected();
  lab.net.partition('client', 'server');
  lab.write(client, 'parked request');
  lab.write(client, 'parked answer', true);
  lab.run(0.5);
  lab.net.reset(client);
  lab.net.repair('client', 'server');
  lab.run(1);
  t.is(lab.up.get(client)!.receivedBytes.length, 0);
  t.is(lab.down.get(client)!.receivedBytes.length, 0);
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimClient reconnecting to the same address after a reset reads nothing of the old connection', (t) => {
  const { lab, client } = connected({}, true);
  const first = lab.remoterOf.get(client)!;
  lab.onAccept = (remoter) => remoter.tx(Buffer.from('new'));
  const sent = lab.tyme;
  first.tx(Buffer.from('old'));
  lab.servant.serviceSends();
  lab.net.at(sent + 0.005, () => lab.net.reset(first));
  t.true(lab.run(5, () => lab.down.get(client)!.receivedBytes.toString().endsWith('new')));
  t.is(lab.down.get(client)!.receivedBytes.toString(), 'new');
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimEndpoint#reset: the resetting end gets nothing more, the peer nothing after the reset reaches it', (t) => {
  const { lab, client } = connected();
  const remoter = lab.remoterOf.get(client)!;
  // Traffic both ways on every pass, then the server aborts mid-stream.
  let stop = false;
  for (let i = 0; i < 40 && !stop; i++) {
    lab.write(client, `c${i};`);
    lab.write(client, `s${i};`, true);
    if (i === 20) {
      remoter.reset();
      stop = true;
    }
    lab.step();
  }
  lab.run(1);
  t.is(client.error?.code, 'ECONNRESET');
  t.deepEqual(traceProblems(lab.net.trace.events), []);
  const down = lab.down.get(client)!;
  t.is(down.writtenBytes.subarray(0, down.receivedBytes.length).toString(), down.receivedBytes.toString());
});

test("SimNet#crash: nothing of a crashed host's connections is delivered to it, before or after restart", (t) => {
  const { lab, client } = connected({ jitter: 0.02, seed: 3 });
  lab.net.hold('client', 'server');
  for (let i = 0; i < 5; i++) {
    lab.write(client, `held ${i};`);
    lab.step();
  }
  lab.net.crash('server');
  lab.net.restart('server');
  lab.net.release('client', 'server');
  lab.run(2);
  t.is(lab.up.get(client)!.receivedBytes.length, 0);
  t.is(client.error?.code, 'ECONNRESET');
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimEndpoint: a reset that discards unread bytes does not pass the stream off as ended', (t) => {
  const { lab, client } = connected();
  const remoter = lab.remoterOf.get(client)!;
  const sent = lab.tyme;
  lab.write(client, 'truncated');
  client.shutdownSend();
  // Bytes and half-close arrive at sent + 0.01; the crash's reset at sent + 0.03, before the server's next pass.
  lab.net.at(sent + 0.02, () => lab.net.crash('client'));
  lab.run(0.5);
  t.is(remoter.error?.code, 'ECONNRESET');
  t.false(remoter.rxEnded, 'the reader must not take a cut stream for a complete one');
  t.is(lab.up.get(client)!.endedAt, -1);
});
