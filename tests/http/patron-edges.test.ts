/**
 * The Patron at its edges, on the simulated network: bodies delivered to a
 * lagging consumer, deadlines kept apart (100 Continue, pipelining, a stalled
 * upload), unsolicited bytes and 101s on pooled connections, no retry once
 * the server answered, contained connector faults, bounded interim floods,
 * and no passes asked for while only the consumer can make progress.
 */
import test from 'ava';
import { ExchangeState, type Exchange } from '../../src/http/exchange.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';
import { bodyServer, rawServer, requestLines, simPatron } from '../helpers/patron-world.js';
import { SimClient } from '../../src/net/sim/sim-client.js';

function settled(world: HttpWorld, exchanges: Exchange[], seconds = 10): boolean {
  return world.run(seconds, () => exchanges.every((exchange) => exchange.settled));
}

test('Patron: a final response that comes before 100 Continue keeps its body deadline, and the held body is never sent', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      // A final answer instead of 100, whose body then stalls.
      connection.remoter.tx(Buffer.from('HTTP/1.1 413 Content Too Large\r\nContent-Length: 100\r\n\r\npartial'));
    }
  });
  const patron = simPatron(world, { bodyTymeout: 2, continueTymeout: 1 });
  const upload = patron.request({ url: 'http://raw/up', method: 'POST', body: 'SECRET-BODY', expectContinue: true });
  const done = settled(world, [upload], 20);
  t.log(JSON.stringify(raw[0]!.received.slice(-40)));
  t.true(done, `still ${upload.state} after 20 s`);
  t.is(upload.error?.code, 'HIO_ERR_BODY_IDLE_TIMEOUT');
  t.false(raw[0]!.received.includes('SECRET-BODY'), 'the body went out after the server had answered 413');
});

test('Patron: close() settles a pending sleep() (it never resolves nor rejects)', async (t) => {
  const world = httpWorld();
  const patron = simPatron(world);
  let outcome = 'pending';
  patron.sleep(5).then(
    () => (outcome = 'resolved'),
    (error: unknown) => (outcome = `rejected ${(error as { code?: string }).code}`),
  );
  await world.settle(1);
  patron.close();
  await world.settle(10, () => outcome !== 'pending');
  t.not(outcome, 'pending');
});

test("Patron: a server's 408 on an idle pooled connection is not taken as the answer to the next request (which it never saw)", (t) => {
  const world = httpWorld();
  const later: Exchange[] = [];
  let patron: ReturnType<typeof simPatron> | null = null;
  const raw = rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    if (connection.state === 0 && lines.length === 1) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst'));
    } else if (connection.state >= 1 && connection.state < 20) {
      connection.state += 1;
    } else if (connection.state === 20) {
      // Idle too long for this server: it says 408 and closes, as RFC 9110 §15.5.9 has it; the client asks again just then.
      connection.state = 21;
      connection.remoter.tx(Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
      connection.remoter.shutdownSend();
      patron!.after(0.01, () => later.push(patron!.request({ url: 'http://raw/second' })));
    }
    if (connection.index > 0 && connection.state === 0 && lines.length === 1) {
      connection.state = 100;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond'));
    }
  });
  patron = simPatron(world);
  const first = patron.request({ url: 'http://raw/first' });
  t.true(settled(world, [first]));
  t.is(first.readAll().toString(), 'first');
  t.true(world.run(10, () => later.length > 0 && later[0]!.settled));
  const second = later[0]!;
  t.log(
    `second: ${second.status} retries ${second.retries} ${String(second.error?.code)}; connections: ${raw.length}; sent on the first: ${JSON.stringify(requestLines(raw[0]!.received))}`,
  );
  t.is(second.status, 200, 'the 408 was sent before this request existed');
});

test('Patron: a 101 to a request that asked for no upgrade fails the exchange, and fetch rejects as a network error (not a RangeError)', async (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (connection.state < requestLines(connection.received).length) {
      connection.state += 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x05hello'));
    }
  });
  const patron = simPatron(world);
  const exchange = patron.request({ url: 'http://raw/plain' });
  t.true(settled(world, [exchange]));
  t.log(`request(): state ${exchange.state}, status ${exchange.status}`);
  let failure: unknown = null;
  patron.fetch('http://raw/plain').then(
    () => (failure = 'resolved'),
    (error: unknown) => (failure = error),
  );
  await world.settle(5, () => failure !== null);
  t.log(`fetch(): ${String(failure)}`);
  t.is(exchange.state, ExchangeState.failed, 'a switch nobody asked for is not a final answer');
  t.false(failure instanceof RangeError, 'fetch rejected with the Response constructor’s RangeError');
});

test('Patron: with pipelining, a PUT waiting for 100 Continue behind a GET does not wipe the GET’s response deadline', (t) => {
  const world = httpWorld();
  rawServer(world, () => {
    // Never answers.
  });
  const patron = simPatron(world, { pipelining: 2, responseTymeout: 3, continueTymeout: 1 });
  const get = patron.request({ url: 'http://raw/a' });
  const put = patron.request({ url: 'http://raw/b', method: 'PUT', body: 'x', expectContinue: true });
  t.true(settled(world, [get], 30), `the GET is still ${get.state} after 30 s`);
  t.is(get.error?.code, 'HIO_ERR_RESPONSE_TIMEOUT');
  t.true(settled(world, [put], 30));
});

test('Patron: an upload to a server that stops reading and never answers ends at some deadline (it hangs forever)', (t) => {
  const world = httpWorld();
  rawServer(
    world,
    () => {},
    'raw',
    80,
    () => false,
  );
  const patron = simPatron(world, { responseTymeout: 3, bodyTymeout: 3, connectTymeout: 3 });
  function* chunks(): Generator<Buffer> {
    for (let i = 0; i < 1000; i++) yield Buffer.alloc(64 * 1024, i);
  }
  const upload = patron.request({ url: 'http://raw/up', method: 'POST', body: chunks() });
  t.true(settled(world, [upload], 120), `still ${upload.state} after 120 s with every deadline at 3 s`);
});

test('Patron: a PUT that got 100 Continue and sent its body is not resent when the connection then drops (a response byte came)', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const text = connection.received;
    const lines = requestLines(text);
    if (connection.index === 0 && connection.state === 0 && lines.length === 1) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    } else if (connection.index === 0 && connection.state === 1 && lines.length === 2 && text.endsWith('\r\n\r\n')) {
      connection.state = 2;
      connection.remoter.tx(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
    } else if (connection.index === 0 && connection.state === 2 && text.endsWith('BODY')) {
      // The body is in; the server dies before answering.
      connection.state = 3;
      world.net.reset(connection.remoter);
    } else if (connection.index > 0 && connection.state === 0 && text.endsWith('BODY')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
    }
  });
  const patron = simPatron(world);
  const first = patron.request({ url: 'http://raw/first' });
  t.true(settled(world, [first]));
  const put = patron.request({ url: 'http://raw/doc', method: 'PUT', body: 'BODY', expectContinue: true });
  t.true(settled(world, [put]));
  t.log(`put: ${put.status} ${String(put.error?.code)}, retries ${put.retries}, connections ${raw.length}`);
  t.is(put.retries, 0, 'resent after the server had answered 100 and taken the body');
});

test('Patron: the body idle deadline does not fire while reading is paused for a slow consumer (the server is not idle, the reader is)', (t) => {
  const world = httpWorld();
  const body = Buffer.alloc(2 << 20, 0x63);
  bodyServer(world, body);
  const patron = simPatron(world, { bodyTymeout: 2 });
  const exchange = patron.request({ url: 'http://raw/big' });
  // The consumer takes 5 s over its first chunk (writing it somewhere slow).
  world.run(5);
  let received = 0;
  world.run(30, () => {
    for (let chunk = exchange.read(); chunk !== null; chunk = exchange.read()) received += chunk.length;
    return exchange.settled && exchange.buffered === 0;
  });
  t.is(exchange.error?.code, undefined);
  t.is(received, body.length);
});

test('Patron: a connector that throws fails that exchange; it does not throw out of service() and stop the Doist', (t) => {
  const world = httpWorld();
  const patron = simPatron(world, {
    connect: (origin) => {
      if (origin.hostname === 'nowhere') throw new Error('no route to nowhere');
      return new SimClient({ net: world.net, localHost: 'client', host: origin.hostname, port: origin.port });
    },
  });
  const bad = patron.request({ url: 'http://nowhere/' });
  let thrown: unknown = null;
  try {
    world.run(2, () => bad.settled);
  } catch (error) {
    thrown = error;
  }
  t.is(thrown, null, `service() threw: ${String(thrown)}`);
  t.is(bad.state, ExchangeState.failed);
  const good = patron.request({ url: 'http://server/' });
  t.true(settled(world, [good]));
  t.is(good.status, 200);
});

test('Patron pipelines nothing behind a request that asked to close the connection', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    if (connection.state < lines.length) {
      connection.state = lines.length;
      const closing = connection.received.toLowerCase().includes('connection: close');
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${closing ? 'Connection: close\r\n' : ''}\r\nok`));
      if (closing) connection.remoter.shutdownSend();
    }
  });
  const patron = simPatron(world, { pipelining: 4 });
  const last = patron.request({ url: 'http://raw/last', headers: { connection: 'close' } });
  const next = patron.request({ url: 'http://raw/next' });
  t.true(settled(world, [last, next]));
  t.deepEqual([last.status, next.status, next.retries], [200, 200, 0]);
  t.is(raw.length, 2);
  t.deepEqual(requestLines(raw[0]!.received), ['GET /last HTTP/1.1']);
});

test('Patron fails a request after its 32nd interim response', (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 102 Processing\r\n\r\n'.repeat(40)));
    }
  });
  const patron = simPatron(world);
  const flooded = patron.request({ url: 'http://raw/' });
  t.true(settled(world, [flooded]));
  t.is(flooded.error?.code, 'HIO_ERR_BAD_RESPONSE');
  t.is(flooded.interim.length, 32);
});

test('Patron asks for no pass while its consumer lags and the socket waits for it: nextDue is a deadline, not now', (t) => {
  const world = httpWorld();
  const body = Buffer.alloc(4 << 20, 1);
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`));
      connection.remoter.tx(body);
    }
  });
  const patron = simPatron(world, { bodyHighWater: 16 * 1024 });
  const exchange = patron.request({ url: 'http://raw/big' });
  world.run(10);
  t.is(exchange.state, ExchangeState.headed);
  t.true(exchange.buffered >= 16 * 1024);
  t.true(patron.nextDue() > world.doist.tyme, `due ${patron.nextDue()} at tyme ${world.doist.tyme}`);
  exchange.read();
  t.is(patron.nextDue(), world.doist.tyme, 'a read wakes it');
});

test('Patron sends no chunked body to an origin that answered in HTTP/1.0: such a request fails, one with a Content-Length goes', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      connection.remoter.shutdownSend();
    }
  });
  const patron = simPatron(world);
  const first = patron.request({ url: 'http://raw/' });
  t.true(settled(world, [first]));
  t.is(first.head?.version, 'HTTP/1.0');
  const chunked = patron.request({ url: 'http://raw/up', method: 'POST', body: ['a', 'b'] });
  const sized = patron.request({ url: 'http://raw/up', method: 'POST', body: ['a', 'b'], headers: { 'content-length': '2' } });
  t.true(settled(world, [chunked, sized]));
  t.is(chunked.error?.code, 'HIO_ERR_INVALID_REQUEST');
  t.is(sized.status, 200);
  t.false(raw.some((connection) => connection.received.includes('chunked')));
});
