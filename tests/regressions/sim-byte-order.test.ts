/**
 * Regression: the simulated network reordered the bytes of one connection.
 * A parcel that found its link held or partitioned was parked and, on
 * release or repair, sent again from scratch — so a later parcel of the same
 * connection already in flight arrived first, and a request written in two
 * parts reached the server as garbage (a 400, about one seed in a thousand
 * with split writes). The half-close could overtake data the same way.
 * Bytes of one direction of one connection now arrive in the order written,
 * whatever the faults, as TCP guarantees.
 */
import test from 'ava';
import { SimLab, traceProblems } from '../helpers/sim-lab.js';

const REQUEST = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

/** A lab with one connected client; returns it with the tyme of the next step. */
function connected(options: ConstructorParameters<typeof SimLab>[0] = {}): { lab: SimLab; client: ReturnType<SimLab['client']> } {
  const lab = new SimLab({ latency: 0.01, ...options });
  const client = lab.client();
  if (!lab.run(1, () => client.connected && lab.remoterOf.has(client))) throw new Error('no connection');
  return { lab, client };
}

test('SimNet#release scheduled while a later parcel is in flight delivers the held parcel first', (t) => {
  const { lab, client } = connected();
  lab.net.hold('client', 'server');
  lab.write(client, REQUEST.slice(0, 9));
  lab.step(); // the first part parks on the held link
  const second = lab.tyme;
  lab.write(client, REQUEST.slice(9));
  // Released after the second part left, before it arrives.
  lab.net.at(second + 0.005, () => lab.net.release('client', 'server'));
  lab.run(1);
  t.is(lab.up.get(client)!.receivedBytes.toString(), REQUEST);
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimNet#release called while a later parcel is in flight delivers the held parcel first', (t) => {
  const { lab, client } = connected();
  lab.net.hold('client', 'server');
  lab.write(client, REQUEST.slice(0, 9));
  lab.step();
  lab.write(client, REQUEST.slice(9));
  lab.step(); // the second part is now in flight, due before the next pass
  lab.net.release('client', 'server');
  lab.run(1);
  t.is(lab.up.get(client)!.receivedBytes.toString(), REQUEST);
});

test('SimNet#repair while a later parcel is in flight delivers the parked parcels first', (t) => {
  const { lab, client } = connected();
  lab.net.partition('client', 'server');
  lab.write(client, 'one,');
  lab.step();
  lab.write(client, 'two,');
  lab.step();
  const third = lab.tyme;
  lab.write(client, 'three.');
  lab.net.at(third + 0.004, () => lab.net.repair('client', 'server'));
  lab.run(1);
  t.is(lab.up.get(client)!.receivedBytes.toString(), 'one,two,three.');
});

test('SimNet: a half-close does not overtake held data', (t) => {
  const { lab, client } = connected();
  lab.net.hold('client', 'server');
  lab.write(client, REQUEST);
  lab.step();
  const finTyme = lab.tyme;
  client.shutdownSend();
  lab.net.at(finTyme + 0.005, () => lab.net.release('client', 'server'));
  lab.run(1);
  const flow = lab.up.get(client)!;
  t.is(flow.receivedBytes.toString(), REQUEST);
  t.is(flow.endedAt, REQUEST.length, 'rxEnded only once every byte is in');
});

test('SimNet: bytes written by the server right after accept never overtake the connect', (t) => {
  const lab = new SimLab({ latency: 0.01 });
  lab.onAccept = (remoter) => remoter.tx(Buffer.from('banner'));
  // The connect arrives at 0.01 and is answered at once; the answer parks on
  // the held link; the banner leaves at the next pass (1/32) and is in
  // flight when the link is released.
  lab.net.at(0.015, () => lab.net.hold('server', 'client'));
  lab.net.at(0.036, () => lab.net.release('server', 'client'));
  const client = lab.client();
  lab.run(2);
  t.true(client.connected);
  t.is(lab.down.get(client)!.receivedBytes.toString(), 'banner');
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

test('SimNet: jitter never reorders split writes, over many seeds', (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const { lab, client } = connected({ seed, jitter: 0.05, segment: 5 });
    let expected = '';
    for (let i = 0; i < 12; i++) {
      const part = `${i}:${'x'.repeat(i % 7)};`;
      lab.write(client, part);
      expected += part;
      lab.step();
    }
    lab.run(2);
    t.is(lab.up.get(client)!.receivedBytes.toString(), expected, `seed ${seed}`);
  }
});
