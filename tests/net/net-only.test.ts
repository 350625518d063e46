/**
 * Behaviour of the node:net/node:tls backend that the shared conformance
 * suite cannot express: real TLS handshakes, the operating system refusing a
 * port, the wire log, reading paused at the high-water mark, and Node's
 * maxConnections. Tyme is virtual; each step lets the event loop turn once so
 * the real sockets progress, and every wait is bounded.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { formatAddress } from '../../src/net/address.js';
import type { Client } from '../../src/net/client.js';
import type { Remoter } from '../../src/net/connection.js';
import { NetClient, TlsClient } from '../../src/net/net-client.js';
import { NetServant, TlsServant } from '../../src/net/net-servant.js';
import type { Servant } from '../../src/net/servant.js';
import { MemoryWireLog } from '../../src/net/wire-log.js';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer, ServantDoer } from '../../src/doing/service-doer.js';
import { EchoDoer } from '../../src/testing/echo-doer.js';
import { pattern, step, until } from '../helpers/drive.js';

const MAX_STEPS = 50_000;
const KiB = 1024;
const MiB = 1024 * KiB;

// Test-only self-signed certificate for localhost / 127.0.0.1 (see tests/fixtures/tls/README.md).
const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url));
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url));
const trusting = { ca: cert, servername: 'localhost' };

/** Schedules a servant (echoing unless `echo` is false) and steps until it listens. */
async function serve<S extends Servant>(doist: Doist, servant: S, echo = true): Promise<S> {
  doist.extend([echo ? new EchoDoer(servant) : new ServantDoer(servant)]);
  await until(doist, () => servant.opened || servant.error !== null, MAX_STEPS, 'servant opened');
  return servant;
}

/** Schedules a client; it starts connecting on the next pass. */
function connect<C extends Client>(doist: Doist, client: C): C {
  doist.extend([new ClientDoer(client)]);
  return client;
}

/** Steps until `length` bytes are in the client's rxQueue (or it is cut off), then takes what came. */
async function receive(doist: Doist, client: Client, length: number): Promise<Buffer> {
  await until(doist, () => client.rxQueue.length >= length || client.cutoff, MAX_STEPS, `${length} bytes`);
  return client.rxQueue.take(Math.min(length, client.rxQueue.length));
}

/** Sends `bytes` and returns what came back, as a round trip through an echoing servant. */
async function echoOf(doist: Doist, client: Client, bytes: Buffer): Promise<Buffer> {
  client.tx(bytes);
  return receive(doist, client, bytes.length);
}

function onlyRemoter(servant: Servant): Remoter {
  const remoters = [...servant.remoters.values()];
  if (remoters.length !== 1) throw new Error(`expected one remoter, found ${remoters.length}`);
  return remoters[0]!;
}

test('TlsServant echoes bytes to a TlsClient over a real TLS handshake', async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const servant = await serve(doist, new TlsServant({ tls: { key, cert } }));
    t.true(servant.opened);
    const client = connect(doist, new TlsClient({ host: '127.0.0.1', port: servant.address.port, tls: trusting }));
    const message = pattern(0, 100 * KiB);
    const echoed = await echoOf(doist, client, message);
    t.is(client.error, null);
    t.true(client.connected);
    t.true(echoed.equals(message));
    t.is(servant.remoters.size, 1);
  } finally {
    doist.exit();
  }
});

test('TlsClient without the CA fails the handshake with DEPTH_ZERO_SELF_SIGNED_CERT', async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const servant = await serve(doist, new TlsServant({ tls: { key, cert } }));
    const client = connect(doist, new TlsClient({ host: '127.0.0.1', port: servant.address.port, tls: { servername: 'localhost' } }));
    client.tx(Buffer.from('secret'));
    await until(doist, () => client.cutoff, MAX_STEPS, 'handshake failure');
    t.is(client.error?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    t.false(client.connected);
    t.is(servant.remoters.size, 0);
  } finally {
    doist.exit();
  }
});

test('TlsServant drops a plain TCP client without admitting it and keeps serving TLS clients', async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const servant = await serve(doist, new TlsServant({ tls: { key, cert } }));
    const plain = connect(doist, new NetClient({ host: '127.0.0.1', port: servant.address.port }));
    // Not a TLS ClientHello: the handshake fails as soon as the servant reads it.
    plain.tx(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    await until(doist, () => plain.cutoff || plain.rxEnded, MAX_STEPS, 'plain client dropped');
    t.false(plain.rxQueue.peek().includes('HTTP/1.1'), 'the plain bytes were never echoed');
    t.is(servant.remoters.size, 0);
    t.true(servant.opened);
    t.is(servant.error, null);

    const later = connect(doist, new TlsClient({ host: '127.0.0.1', port: servant.address.port, tls: trusting }));
    t.is((await echoOf(doist, later, Buffer.from('still here'))).toString('latin1'), 'still here');
    t.is(later.error, null);
  } finally {
    doist.exit();
  }
});

test('NetServant on a port already in use stays closed with EADDRINUSE', async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const first = await serve(doist, new NetServant({ host: '127.0.0.1', port: 0 }), false);
    t.true(first.opened);
    const second = await serve(doist, new NetServant({ host: '127.0.0.1', port: first.address.port }), false);
    // A few more passes change nothing: the failure is kept, not retried into an open servant.
    for (let i = 0; i < 10; i++) await step(doist);
    t.false(second.opened);
    t.is(second.error?.code, 'EADDRINUSE');
    t.true(first.opened);
    t.is(first.error, null);
  } finally {
    doist.exit();
  }
});

test("NetServant's wire log records exactly the bytes received and sent for the remoter's key", async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const wireLog = new MemoryWireLog();
    const servant = await serve(doist, new NetServant({ wireLog }));
    const client = connect(doist, new NetClient({ host: '127.0.0.1', port: servant.address.port }));
    const sent = Buffer.concat([Buffer.from('hello, '), pattern(0, 200 * KiB), Buffer.from('bye')]);
    client.tx(sent.subarray(0, 7));
    client.tx(sent.subarray(7));
    const received = await receive(doist, client, sent.length);
    t.true(received.equals(sent));

    const remoteKey = onlyRemoter(servant).remoteKey;
    t.is(remoteKey, formatAddress(client.localAddress!));
    t.true(wireLog.bytes('rx', remoteKey).equals(sent));
    t.true(wireLog.bytes('tx', remoteKey).equals(received));
    t.true(wireLog.entries.every((entry) => entry.key === remoteKey));
  } finally {
    doist.exit();
  }
});

test('NetServant stops reading past highWater so backpressure reaches the sender, and reads again once rxQueue is consumed', async (t) => {
  t.timeout(60_000);
  const doist = new Doist();
  try {
    const highWater = 64 * KiB;
    const bound = 256 * KiB; // highWater plus at most one read chunk, with room to spare
    // A plain ServantDoer: nothing consumes the remoter's rxQueue but the test.
    const servant = await serve(doist, new NetServant({ highWater }), false);
    const client = connect(doist, new NetClient({ host: '127.0.0.1', port: servant.address.port }));
    await until(doist, () => servant.remoters.size === 1, MAX_STEPS, 'accepted');
    const remoter = onlyRemoter(servant);

    const total = 32 * MiB;
    let sent = 0;
    let peak = 0;
    let steady = 0;
    let left = -1; // bytes that left the client: sent - txPending
    await until(
      doist,
      () => {
        peak = Math.max(peak, remoter.rxQueue.length);
        if (sent < total) {
          client.tx(pattern(sent, MiB));
          sent += MiB;
          return false;
        }
        // Every byte is queued: wait until none has left the client for 100 steps.
        steady = sent - client.txPending === left ? steady + 1 : 0;
        left = sent - client.txPending;
        return steady >= 100;
      },
      MAX_STEPS,
      'sender stalled',
    );
    t.true(remoter.rxQueue.length >= highWater, 'the servant read up to its high-water mark');
    t.true(peak <= bound, `rxQueue peaked at ${peak} bytes`);
    // The kernel's buffers hold a few MiB at most; the rest must wait with the sender.
    t.true(client.txPending >= total / 2, `only ${client.txPending} bytes pending at the client`);
    t.false(client.cutoff);

    // Consume everything that arrives: reading resumes and every byte comes through in order.
    let received = 0;
    let corrupt = -1;
    await until(
      doist,
      () => {
        const length = remoter.rxQueue.length;
        peak = Math.max(peak, length);
        if (length > 0) {
          const bytes = remoter.rxQueue.take(length);
          if (corrupt < 0 && !bytes.equals(pattern(received, length))) corrupt = received;
          received += length;
        }
        return received >= total || remoter.cutoff;
      },
      MAX_STEPS,
      'all bytes received',
    );
    t.is(received, total);
    t.is(corrupt, -1, 'bytes arrived intact and in order');
    t.true(peak <= bound, `rxQueue peaked at ${peak} bytes`);
    await until(doist, () => client.txPending === 0, MAX_STEPS, 'client flushed');
  } finally {
    doist.exit();
  }
});

test('NetServant with maxConnections 2 drops a third connection and keeps serving', async (t) => {
  t.timeout(30_000);
  const doist = new Doist();
  try {
    const servant = await serve(doist, new NetServant({ maxConnections: 2 }));
    const port = servant.address.port;
    const a = connect(doist, new NetClient({ host: '127.0.0.1', port }));
    const b = connect(doist, new NetClient({ host: '127.0.0.1', port }));
    t.is((await echoOf(doist, a, Buffer.from('a1'))).toString('latin1'), 'a1');
    t.is((await echoOf(doist, b, Buffer.from('b1'))).toString('latin1'), 'b1');
    t.is(servant.remoters.size, 2);

    const third = connect(doist, new NetClient({ host: '127.0.0.1', port }));
    third.tx(Buffer.from('c1'));
    await until(doist, () => third.cutoff || third.rxEnded, MAX_STEPS, 'third connection dropped');
    for (let i = 0; i < 10; i++) await step(doist);
    t.is(third.rxQueue.length, 0, 'the third client got nothing back');
    t.is(servant.remoters.size, 2);
    t.true(servant.opened);
    t.is(servant.error, null);

    // The first two are unaffected, and a slot freed by one of them serves a new client.
    t.is((await echoOf(doist, a, Buffer.from('a2'))).toString('latin1'), 'a2');
    t.is((await echoOf(doist, b, Buffer.from('b2'))).toString('latin1'), 'b2');
    a.close();
    await until(doist, () => servant.remoters.size === 1, MAX_STEPS, 'first remoter removed');
    const fourth = connect(doist, new NetClient({ host: '127.0.0.1', port }));
    t.is((await echoOf(doist, fourth, Buffer.from('d1'))).toString('latin1'), 'd1');
    t.is(servant.remoters.size, 2);
  } finally {
    doist.exit();
  }
});
