/**
 * The Patron where deadlines meet pipelining and a lagging consumer, on the
 * simulated network: a 100-continue wait beside the response ahead of it,
 * send and body deadlines while the consumer lags, close-delimited bodies,
 * unsolicited bytes on an idle connection, clones and aborts of streamed
 * responses.
 */
import test from 'ava';
import { ExchangeState, type Exchange } from '../../src/http/exchange.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';
import { rawServer, requestLines, simPatron } from '../helpers/patron-world.js';

function settled(world: HttpWorld, exchanges: Exchange[], seconds = 10): boolean {
  return world.run(seconds, () => exchanges.every((exchange) => exchange.settled));
}

test('Patron: a pipelined PUT waiting for 100 Continue does not cut the GET ahead of it to its continueTymeout', (t) => {
  const world = httpWorld();
  let started = -1;
  rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    if (started < 0 && lines.length >= 1) started = world.doist.tyme;
    // The GET's answer takes 2 s (responseTymeout is 10).
    if (connection.state === 0 && lines.length >= 1 && world.doist.tyme - started >= 2) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    }
  });
  const patron = simPatron(world, { pipelining: 2, responseTymeout: 10, continueTymeout: 1 });
  const get = patron.request({ url: 'http://raw/a' });
  const put = patron.request({ url: 'http://raw/b', method: 'PUT', body: 'x', expectContinue: true });
  world.run(5, () => get.settled);
  t.log(`get: ${get.state} ${String(get.error?.code)} at ${world.doist.tyme}`);
  t.is(get.error?.code, undefined, 'the GET failed on the PUT’s 100-continue deadline');
  t.is(get.status, 200);
  void put;
});

test('Patron: a pipelined PUT waiting for 100 Continue sends its body after continueTymeout once the GET ahead is answered (it waited forever)', (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    if (connection.state === 0 && lines.length >= 1) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    }
    // An old server: ignores Expect, waits for the body, then answers.
    if (connection.state === 1 && connection.received.endsWith('\r\n\r\nBODY')) {
      connection.state = 2;
      connection.remoter.tx(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
    }
  });
  const patron = simPatron(world, { pipelining: 2, responseTymeout: 10, continueTymeout: 1 });
  const get = patron.request({ url: 'http://raw/a' });
  const put = patron.request({ url: 'http://raw/b', method: 'PUT', body: 'BODY', expectContinue: true });
  const done = settled(world, [get, put], 60);
  t.log(
    `get ${get.status} ${String(get.error?.code)}; put ${put.state} ${put.status} ${String(put.error?.code)}; nextDue ${patron.nextDue()} at ${world.doist.tyme}`,
  );
  t.true(done, 'the PUT never settled: its 100-continue wait has no deadline once it became first');
  t.is(put.status, 201);
});

test('Patron: a consumer lagging on a download does not fail the PUT pipelined behind it with HIO_ERR_SEND_TIMEOUT (nor lose the download)', (t) => {
  const world = httpWorld();
  const body = Buffer.alloc(2 << 20, 0x64);
  let remoterPending = (): number => 0;
  rawServer(
    world,
    (connection) => {
      remoterPending = () => connection.remoter.txPending;
      const lines = requestLines(connection.received);
      if (connection.state === 0 && lines.length >= 1) {
        connection.state = 1;
        connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`));
        connection.remoter.tx(body);
      }
      if (connection.state === 1 && connection.received.length > 1_000_000) {
        connection.state = 2;
        connection.remoter.tx(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
      }
    },
    'raw',
    80,
    // A server busy writing its answer reads no further (a blocked writer).
    () => remoterPending() === 0,
  );
  const patron = simPatron(world, { pipelining: 2, bodyTymeout: 2 });
  const get = patron.request({ url: 'http://raw/big' });
  const put = patron.request({ url: 'http://raw/doc', method: 'PUT', body: Buffer.alloc(1_000_000, 0x70) });
  // The consumer looks away for 5 s.
  world.run(5);
  let received = 0;
  world.run(30, () => {
    for (let chunk = get.read(); chunk !== null; chunk = get.read()) received += chunk.length;
    return get.settled && put.settled && get.buffered === 0;
  });
  t.log(`get ${get.state} ${String(get.error?.code)} ${received}; put ${put.state} ${put.status} ${String(put.error?.code)}`);
  t.is(get.error?.code, undefined);
  t.is(put.error?.code, undefined);
  t.is(put.status, 204);
});

test('Patron: an idle pooled connection holding unsolicited bytes past the socket high-water mark asks for no pass every tick (busy loop)', (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (connection.state === 0 && requestLines(connection.received).length === 1) {
      connection.state = 1;
      // Content-Length says 2; the server sends a megabyte more.
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      connection.remoter.tx(Buffer.alloc(1 << 20, 0x6a));
    }
  });
  const patron = simPatron(world, { keepAliveTymeout: 30 });
  const first = patron.request({ url: 'http://raw/' });
  t.true(settled(world, [first]));
  world.run(2);
  t.log(`connections ${patron.connectionCount}, nextDue ${patron.nextDue()} at ${world.doist.tyme}`);
  t.true(patron.connectionCount === 0 || patron.nextDue() > world.doist.tyme, 'a pass is due every tick while the idle connection is paused');
});

test('Patron: a close-delimited body (no Content-Length) the server sent whole before closing is delivered to a slow consumer (not HIO_ERR_CONNECTION_LOST)', (t) => {
  const world = httpWorld();
  const body = Buffer.alloc(300_000, 0x61);
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'));
      connection.remoter.tx(body);
      connection.remoter.shutdownSend();
    }
  });
  const patron = simPatron(world, { bodyHighWater: 64 * 1024 });
  const exchange = patron.request({ url: 'http://raw/big' });
  world.run(3);
  let received = 0;
  world.run(10, () => {
    for (let chunk = exchange.read(); chunk !== null; chunk = exchange.read()) received += chunk.length;
    return exchange.settled && exchange.buffered === 0;
  });
  t.log(`state ${exchange.state} ${String(exchange.error?.code)} received ${received}`);
  t.is(exchange.error?.code, undefined);
  t.is(exchange.state, ExchangeState.done);
  t.is(received, body.length);
});

test('Patron: fetch, then clone().text() and then text() of a streamed Response: both read the body', async (t) => {
  const world = httpWorld();
  const body = 'x'.repeat(100_000);
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length + 10}\r\n\r\n${body}`));
    } else if (connection.state >= 1 && connection.state < 50) {
      connection.state += 1;
      if (connection.state === 50) connection.remoter.tx(Buffer.from('0123456789'));
    }
  });
  const patron = simPatron(world);
  let response: Response | null = null;
  void patron.fetch('http://raw/').then((r) => (response = r));
  t.true(await world.settle(5, () => response !== null));
  let cloneText = '';
  let originalText: unknown = null;
  void (async () => {
    cloneText = await response!.clone().text();
    originalText = await response!.text().catch((error: unknown) => error);
  })();
  await world.settle(10, () => originalText !== null);
  t.is(cloneText.length, body.length + 10);
  t.is(typeof originalText === 'string' ? originalText.length : String(originalText), body.length + 10);
});

test('Patron: aborting a fetch after its Response resolved frees the connection even if the body is never touched, and the body then fails with the reason', async (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf'));
    }
  });
  const patron = simPatron(world);
  const controller = new AbortController();
  let response: Response | null = null;
  void patron.fetch('http://raw/slow', { signal: controller.signal }).then((r) => (response = r));
  t.true(await world.settle(5, () => response !== null));
  controller.abort(new Error('enough'));
  await world.settle(5);
  t.is(patron.pending, 0, 'the aborted exchange still holds its connection');
  t.is(patron.connectionCount, 0);
  // Read afterwards, the body fails with the signal's reason.
  let failure: unknown = null;
  response!.text().catch((error: unknown) => (failure = error));
  await world.settle(5, () => failure !== null);
  t.is((failure as Error | null)?.message, 'enough');
});
