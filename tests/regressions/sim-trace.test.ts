/**
 * Regressions in the simulated network's trace.
 *
 * 1. A fault scheduled with `at(tyme, fault)` ran when the network next
 *    advanced, and was traced — and acted — at that pass's tyme rather than
 *    its own, so trace tyme went backwards (a later parcel of the same pass
 *    was traced at its own, earlier, arrival tyme) and a repair let parked
 *    parcels leave up to a tock late. Faults now act and are traced at the
 *    tyme they were scheduled for, and trace tyme never goes backwards.
 * 2. The digest covered sizes and tymes but not the bytes, so two runs that
 *    delivered different bytes could share a digest. It now covers a hash of
 *    every delivered payload.
 */
import test from 'ava';
import { SimLab, traceProblems } from '../helpers/sim-lab.js';

test('SimNet#at traces a fault at the tyme it was scheduled for, between two passes', (t) => {
  const lab = new SimLab({ latency: 0.01, tock: 0.0625 });
  const client = lab.client();
  t.true(lab.run(1, () => client.connected));
  // The parcel leaves at the next pass and would arrive 0.01 later: the partition comes first.
  const partitionAt = lab.tyme + 0.005;
  const repairAt = lab.tyme + 0.3;
  lab.net.at(partitionAt, () => lab.net.partition('client', 'server'));
  lab.net.at(repairAt, () => lab.net.repair('client', 'server'));
  lab.write(client, 'parked');
  lab.step();
  lab.run(1);
  const events = lab.net.trace.events;
  const partition = events.find((event) => event.kind === 'fault' && event.detail === 'partition')!;
  const repair = events.find((event) => event.kind === 'fault' && event.detail === 'repair')!;
  t.is(partition.tyme, partitionAt);
  t.is(repair.tyme, repairAt);
  // The parked parcel leaves at the repair, not at the pass that noticed it.
  const delivered = events.find((event) => event.kind === 'deliver' && event.to === 'server' && event.bytes > 0)!;
  t.is(delivered.tyme, repairAt + 0.01);
  t.deepEqual(traceProblems(events), []);
});

test('SimNet trace tyme never goes backwards under faults, timeouts and jitter', (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const lab = new SimLab({ seed, latency: 0.004, jitter: 0.03, tock: 0.0625, connectTymeout: 0.7 });
    const clients = [lab.client('a'), lab.client('b'), lab.client('c', { reconnectable: true })];
    lab.onAccept = (remoter) => remoter.tx(Buffer.from('hello'));
    lab.net.at(0.013, () => lab.net.hold('a', 'server'));
    lab.net.at(0.101, () => lab.net.release('a', 'server'));
    lab.net.at(0.207, () => lab.net.partition('c', 'server'));
    lab.net.at(1.333, () => lab.net.repair('c', 'server'));
    lab.net.at(0.377, () => lab.net.reset(clients[1]!));
    lab.net.at(0.51, () => lab.net.refuse('server'));
    lab.net.at(0.77, () => lab.net.unrefuse('server'));
    lab.net.at(1.901, () => lab.net.crash('server'));
    lab.net.at(2.003, () => lab.net.restart('server'));
    for (let i = 0; i < 60; i++) {
      for (const client of clients) lab.write(client, `${i},`);
      lab.step();
    }
    lab.run(3);
    t.deepEqual(traceProblems(lab.net.trace.events), [], `seed ${seed}`);
  }
});

test('SimNet#at in the past acts at once, traced no earlier than the last event', (t) => {
  const lab = new SimLab({ latency: 0.01 });
  const client = lab.client();
  t.true(lab.run(1, () => client.connected));
  lab.net.at(0, () => lab.net.halfClose(client));
  lab.run(0.5);
  t.true(lab.remoterOf.get(client)!.rxEnded);
  t.deepEqual(traceProblems(lab.net.trace.events), []);
});

/** A run that writes `chunks` (the same sizes every time) and returns the digest. */
function digestOf(chunks: readonly string[], seed = 7): string {
  const lab = new SimLab({ seed, latency: 0.01, jitter: 0.01 });
  const client = lab.client();
  for (const chunk of chunks) {
    lab.write(client, chunk);
    lab.step();
  }
  lab.run(1);
  return lab.net.trace.digest();
}

test('SimTrace digest covers the bytes: same seed and sizes but different content differ', (t) => {
  const base = digestOf(['GET / HTTP/1.1\r\n', 'Host: a\r\n\r\n']);
  t.is(digestOf(['GET / HTTP/1.1\r\n', 'Host: a\r\n\r\n']), base);
  t.not(digestOf(['GET / HTTP/1.1\r\n', 'Host: b\r\n\r\n']), base);
  t.not(digestOf(['PUT / HTTP/1.1\r\n', 'Host: a\r\n\r\n']), base);
  // Swapping two equal-sized chunks changes the bytes, not the sizes.
  t.not(
    digestOf(['Host: a\r\n\r\n', 'GET / HTTP/1.1\r\n'].map((chunk) => chunk.padEnd(16))),
    digestOf(['GET / HTTP/1.1\r\n', 'Host: a\r\n\r\n'].map((chunk) => chunk.padEnd(16))),
  );
});

test('SimTrace keeps a hash of each delivered payload in its events', (t) => {
  const lab = new SimLab({ latency: 0.01 });
  const client = lab.client();
  lab.write(client, 'abcd');
  lab.run(1);
  const deliver = lab.net.trace.events.find((event) => event.kind === 'deliver' && event.bytes === 4)!;
  const other = new SimLab({ latency: 0.01 });
  const otherClient = other.client();
  other.write(otherClient, 'abce');
  other.run(1);
  const otherDeliver = other.net.trace.events.find((event) => event.kind === 'deliver' && event.bytes === 4)!;
  t.not(deliver.hash, 0);
  t.not(deliver.hash, otherDeliver.hash);
});
