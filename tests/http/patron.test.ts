/**
 * The Patron on the simulated network, with virtual tyme: keep-alive reuse
 * and the connection limit, pipelining, the keep-alive race (retried for a
 * GET, never for a POST), a reset mid-body, 100-continue, interim
 * responses, trailers, close-delimited bodies, timeouts, request bodies
 * from every kind of source, and a slow consumer.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import type { HioError } from '../../src/core/errors.js';
import { ExchangeState, type Exchange } from '../../src/http/exchange.js';
import { Patron, type PatronOptions } from '../../src/http/patron.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';
import { bodyServer, rawServer, requestLines, simPatron } from '../helpers/patron-world.js';

function settled(world: HttpWorld, exchanges: Exchange[], seconds = 10): boolean {
  return world.run(seconds, () => exchanges.every((exchange) => exchange.settled));
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

test('Patron reuses one keep-alive connection for requests in turn', (t) => {
  const world = httpWorld();
  const patron = simPatron(world);
  const accepts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const exchange = patron.request({ url: `http://server/n${i}` });
    t.true(settled(world, [exchange]));
    t.is(exchange.status, 200);
    t.is(JSON.parse(exchange.readAll().toString()).target, `/n${i}`);
    accepts.push(world.server.servant.remoters.size);
  }
  t.deepEqual(accepts, [1, 1, 1]);
  t.is(patron.connectionCount, 1);
});

test('Patron opens connections up to its limit and queues the rest in order', (t) => {
  const world = httpWorld();
  const patron = simPatron(world, { connections: 2 });
  const exchanges = Array.from({ length: 5 }, (_, i) => patron.request({ url: `http://server/q${i}` }));
  world.run(0.001);
  t.is(patron.connectionCount, 2);
  t.true(settled(world, exchanges));
  t.deepEqual(
    exchanges.map((exchange) => JSON.parse(exchange.readAll().toString()).target),
    ['/q0', '/q1', '/q2', '/q3', '/q4'],
  );
  t.is(patron.connectionCount, 2);
});

test('Patron pipelines idempotent requests only when asked, never a POST', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    while (connection.state < lines.length) {
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${lines[connection.state]!.length}\r\n\r\n${lines[connection.state]!}`));
      connection.state += 1;
    }
  });
  const patron = simPatron(world, { pipelining: 4 });
  const gets = Array.from({ length: 4 }, (_, i) => patron.request({ url: `http://raw/p${i}` }));
  t.true(settled(world, gets));
  // All four went out on one connection (without pipelining each would have had its own).
  t.is(raw.length, 1);
  t.is(requestLines(raw[0]!.received).length, 4);
  t.deepEqual(
    gets.map((exchange) => exchange.readAll().toString()),
    [0, 1, 2, 3].map((i) => `GET /p${i} HTTP/1.1`),
  );
  const posts = Array.from({ length: 2 }, (_, i) => patron.request({ url: `http://raw/post${i}`, method: 'POST', body: 'x' }));
  t.true(settled(world, posts));
  t.is(raw.length, 2, 'the second POST waited for its own connection rather than riding behind the first');
  t.deepEqual(
    posts.map((exchange) => exchange.status),
    [200, 200],
  );
});

/** A server that answers the first request on each connection, then closes the connection as the next request arrives, unanswered. */
function racingServer(world: HttpWorld): ReturnType<typeof rawServer> {
  return rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    if (lines.length >= 1 && connection.state === 0) {
      connection.remoter.tx(Buffer.from(OK));
      connection.state = 1;
    }
    if (lines.length >= 2 && connection.state === 1) {
      connection.remoter.close();
      connection.state = 2;
    }
  });
}

test('Patron retries an idempotent request once on a fresh connection when its reused connection is lost first', (t) => {
  const world = httpWorld();
  const raw = racingServer(world);
  const patron = simPatron(world);
  const first = patron.request({ url: 'http://raw/a' });
  t.true(settled(world, [first]));
  const second = patron.request({ url: 'http://raw/b' });
  t.true(settled(world, [second]));
  t.is(second.status, 200);
  t.is(second.retries, 1);
  t.is(raw.length, 2);
  t.deepEqual(requestLines(raw[1]!.received), ['GET /b HTTP/1.1']);
});

test('Patron never retries a POST whose reused connection is lost: the caller gets HIO_ERR_CONNECTION_LOST', (t) => {
  const world = httpWorld();
  const raw = racingServer(world);
  const patron = simPatron(world);
  const first = patron.request({ url: 'http://raw/a' });
  t.true(settled(world, [first]));
  const post = patron.request({ url: 'http://raw/b', method: 'POST', body: 'once' });
  t.true(settled(world, [post]));
  t.is(post.state, ExchangeState.failed);
  t.is(post.error?.code, 'HIO_ERR_CONNECTION_LOST');
  t.is(raw.length, 1, 'no second connection carried the POST again');
});

test('Patron meets the keep-alive race by seed: across seeds the server closes idle connections as requests go out, and every GET is answered', (t) => {
  let retried = 0;
  for (let seed = 1; seed <= 24; seed++) {
    // The server drops connections idle for 1 s; the Patron keeps them 1.05 s and asks again ~1 s after each answer, with jittered latency.
    const world = httpWorld({ keepAliveTymeout: 1 }, { seed, latency: 0.01, jitter: 0.02 });
    const patron = simPatron(world, { keepAliveTymeout: 1.05, keepAliveMargin: 0, keepAliveMaxTymeout: 1.05 });
    for (let i = 0; i < 4; i++) {
      const exchange = patron.request({ url: `http://server/s${i}` });
      t.true(settled(world, [exchange]), `seed ${seed}`);
      t.is(exchange.status, 200, `seed ${seed}: ${String(exchange.error?.code)}`);
      retried += exchange.retries;
      world.run(1 - 0.0625 * (seed % 3));
    }
  }
  t.true(retried > 0, 'some seed hit the race and retried');
});

test('Patron fails a response reset mid-body with HIO_ERR_CONNECTION_LOST, and a fetch body stream errors', async (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (requestLines(connection.received).length === 1 && connection.state === 0) {
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf of it'));
      connection.state = 1;
    } else if (connection.state > 0 && connection.state < 4) {
      // A few passes later, once the bytes are across: reset.
      connection.state += 1;
      if (connection.state === 4) world.net.reset(connection.remoter);
    }
  });
  const patron = simPatron(world);
  const exchange = patron.request({ url: 'http://raw/x' });
  t.true(settled(world, [exchange]));
  t.is(exchange.error?.code, 'HIO_ERR_CONNECTION_LOST');
  t.is(exchange.readAll().toString(), 'half of it');

  let response: Response | null = null;
  void patron.fetch('http://raw/y').then((r) => (response = r));
  t.true(await world.settle(5, () => response !== null));
  const reading = response!.text();
  await world.settle(5);
  const error = await t.throwsAsync(reading);
  t.is((error as HioError).code, 'HIO_ERR_CONNECTION_LOST');
});

test('Patron holds a large body for 100 Continue, sends it after the 100, and skips an unsolicited 100', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const text = connection.received;
    if (connection.state === 0 && text.includes('\r\n\r\n')) {
      connection.state = 1;
      t.true(text.includes('Expect: 100-continue'));
      t.false(text.endsWith('0123456789'), 'no body byte before the 100');
      connection.remoter.tx(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
    } else if (connection.state === 1 && text.endsWith('0123456789')) {
      connection.state = 2;
      connection.remoter.tx(Buffer.from(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${OK}`));
    } else if (connection.state === 2 && requestLines(text).length === 2) {
      connection.state = 3;
      // An unsolicited 100 before the answer to a request without Expect.
      connection.remoter.tx(Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${OK}`));
    }
  });
  const patron = simPatron(world, { expectContinueBytes: 10 });
  const upload = patron.request({ url: 'http://raw/up', method: 'PUT', body: '0123456789' });
  t.true(settled(world, [upload]));
  t.is(upload.status, 200);
  t.deepEqual(
    upload.interim.map((head) => [head.status, head.headers.get('link')]),
    [[103, '</a.css>; rel=preload']],
  );
  const small = patron.request({ url: 'http://raw/small', method: 'PUT', body: 'tiny' });
  t.true(settled(world, [small]));
  t.is(small.status, 200);
  t.deepEqual(small.interim, []);
  t.is(raw.length, 1);
  t.deepEqual(requestLines(raw[0]!.received), ['PUT /up HTTP/1.1', 'PUT /small HTTP/1.1']);
  t.is(raw[0]!.received.split('Expect: 100-continue').length, 2, 'only the large body asked for a 100');
});

test('Patron sends the body after continueTymeout when no 100 comes, and none when a final answer comes first', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const text = connection.received;
    if (connection.state === 0 && text.endsWith('BODY')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from(OK));
    } else if (connection.state === 1 && text.includes('x-n: 2\r\n') && text.endsWith('\r\n\r\n')) {
      connection.state = 2;
      connection.remoter.tx(Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    }
  });
  const patron = simPatron(world, { continueTymeout: 0.5 });
  const waited = patron.request({ url: 'http://raw/a', method: 'POST', body: 'BODY', expectContinue: true });
  t.true(settled(world, [waited]));
  t.is(waited.status, 200);
  const refused = patron.request({ url: 'http://raw/b', method: 'POST', body: 'NEVER', expectContinue: true, headers: { 'x-n': '2' } });
  t.true(settled(world, [refused]));
  t.is(refused.status, 403);
  world.run(1);
  t.is(raw.length, 1);
  t.false(raw[0]!.received.includes('NEVER'));
  t.is(patron.connectionCount, 0, 'a connection whose request body was cut off is not reused');
});

test('Patron reads trailers, close-delimited bodies, and no body for HEAD, 204 and 304', (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    const lines = requestLines(connection.received);
    while (connection.state < lines.length) {
      const line = lines[connection.state]!;
      connection.state += 1;
      if (line.startsWith('GET /chunked'))
        connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n'));
      else if (line.startsWith('HEAD')) connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'));
      else if (line.startsWith('GET /204')) connection.remoter.tx(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
      else if (line.startsWith('GET /304')) connection.remoter.tx(Buffer.from('HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n'));
      else if (line.startsWith('GET /close')) {
        connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil the end'));
        connection.remoter.shutdownSend();
      }
    }
  });
  const patron = simPatron(world);
  const chunked = patron.request({ url: 'http://raw/chunked' });
  t.true(settled(world, [chunked]));
  t.is(chunked.readAll().toString(), 'abcde');
  t.is(chunked.trailers.get('x-sum'), '5');
  const bodiless = ['HEAD /', 'GET /204', 'GET /304'].map((line) => {
    const [method, path] = line.split(' ');
    const exchange = patron.request({ method: method!, url: `http://raw${path!}` });
    t.true(settled(world, [exchange]));
    return exchange;
  });
  t.deepEqual(
    bodiless.map((exchange) => [exchange.status, exchange.readAll().length, exchange.done]),
    [
      [200, 0, true],
      [204, 0, true],
      [304, 0, true],
    ],
  );
  t.is(patron.connectionCount, 1, 'none of them cost the connection');
  const untilClose = patron.request({ url: 'http://raw/close' });
  t.true(settled(world, [untilClose]));
  t.is(untilClose.status, 200);
  t.is(untilClose.readAll().toString(), 'until the end');
  world.run(0.5);
  t.is(patron.connectionCount, 0);
});

test('Patron times out on virtual tyme: connect, response head, body idle', (t) => {
  const world = httpWorld();
  rawServer(world, (connection) => {
    if (connection.received.includes('GET /stall-body') && connection.state === 0) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    }
  });
  world.net.partition('client', 'nowhere');
  const patron = simPatron(world, { connectTymeout: 2, responseTymeout: 3, bodyTymeout: 4 });
  const start = world.doist.tyme;
  const noConnect = patron.request({ url: 'http://nowhere/' });
  t.true(settled(world, [noConnect], 30));
  t.is(noConnect.error?.code, 'HIO_ERR_CONNECT_TIMEOUT');
  const connectEnd = world.doist.tyme;
  t.true(connectEnd - start >= 2 && connectEnd - start < 2.5, `${connectEnd - start}`);
  const noHead = patron.request({ url: 'http://raw/stall-head' });
  t.true(settled(world, [noHead], 30));
  t.is(noHead.error?.code, 'HIO_ERR_RESPONSE_TIMEOUT');
  t.true(world.doist.tyme - connectEnd >= 3 && world.doist.tyme - connectEnd < 3.5);
  const headEnd = world.doist.tyme;
  const noBody = patron.request({ url: 'http://raw/stall-body' });
  t.true(settled(world, [noBody], 30));
  t.is(noBody.error?.code, 'HIO_ERR_BODY_IDLE_TIMEOUT');
  t.true(world.doist.tyme - headEnd >= 4 && world.doist.tyme - headEnd < 4.5);
});

test('Patron fails a connect to a refused port with HIO_ERR_CONNECT, at once and without retrying', (t) => {
  const world = httpWorld();
  const patron = simPatron(world);
  const refused = patron.request({ url: 'http://server:81/' });
  t.true(settled(world, [refused]));
  t.is(refused.error?.code, 'HIO_ERR_CONNECT');
  t.is(refused.retries, 0);
});

test('Patron bounds a slow consumer: the body waits at the high-water mark and the connection stops reading until it is read', (t) => {
  const body = Buffer.alloc(4 << 20);
  for (let i = 0; i < body.length; i += 1000) body[i] = (i / 1000) & 255;
  const world = httpWorld();
  const server = bodyServer(world, body);
  const patron = simPatron(world, { bodyHighWater: 64 * 1024 });
  const exchange = patron.request({ url: 'http://raw/big' });
  world.run(20);
  t.is(exchange.state, ExchangeState.headed);
  t.true(exchange.buffered >= 64 * 1024 && exchange.buffered < 64 * 1024 + 65536, `${exchange.buffered}`);
  t.true(server.sent < body.length / 2, `the server could only send ${server.sent} bytes`);
  const hash = createHash('md5');
  let received = 0;
  t.true(
    world.run(60, () => {
      for (let chunk = exchange.read(); chunk !== null; chunk = exchange.read()) {
        hash.update(chunk);
        received += chunk.length;
      }
      return exchange.ended;
    }),
  );
  t.is(received, body.length);
  t.is(hash.digest('hex'), createHash('md5').update(body).digest('hex'));
});

test('Patron sends a request body from a generator or a stream only as fast as the connection takes it', (t) => {
  const world = httpWorld();
  let holding = true;
  // The server reads nothing while holding, so the client's sends back up.
  const raw = rawServer(
    world,
    (connection) => {
      if (connection.state === 0 && connection.received.endsWith('0\r\n\r\n')) {
        connection.state = 1;
        connection.remoter.tx(Buffer.from(OK));
      }
    },
    'raw',
    80,
    () => !holding,
  );
  let pulled = 0;
  function* chunks(): Generator<Buffer> {
    for (let i = 0; i < 300; i++) {
      pulled += 1;
      yield Buffer.alloc(16 * 1024, i);
    }
  }
  const patron = simPatron(world);
  const upload = patron.request({ url: 'http://raw/up', method: 'POST', body: chunks() });
  world.run(5);
  t.true(pulled < 100, `pulled ${pulled} of 300 chunks while the server read nothing`);
  holding = false;
  t.true(settled(world, [upload], 120));
  t.is(upload.status, 200);
  t.is(pulled, 300);
  t.true(raw[0]!.received.length > 300 * 16 * 1024);
});

test("Patron honours the server's Keep-Alive: timeout hint less its margin, dropping the idle connection before the server does", (t) => {
  const world = httpWorld({ keepAliveTymeout: 3 });
  const patron = simPatron(world);
  const exchange = patron.request({ url: 'http://server/' });
  t.true(settled(world, [exchange]));
  t.is(exchange.headers.get('keep-alive'), 'timeout=3');
  const answered = world.doist.tyme;
  t.true(world.run(5, () => patron.connectionCount === 0));
  const dropped = world.doist.tyme - answered;
  t.true(dropped >= 2 && dropped < 2.25, `dropped after ${dropped} s`);
});

test('Patron keeps every byte of a body its consumer lags behind when the server closes after it, and no body deadline runs while the consumer lags', (t) => {
  const body = Buffer.alloc(3 << 20, 7);
  const world = httpWorld();
  // The whole body and the close queued at once: every byte and the FIN arrive while nobody reads.
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`));
      connection.remoter.tx(body);
      connection.remoter.shutdownSend();
    }
  });
  const patron = simPatron(world, { bodyTymeout: 1 });
  const exchange = patron.request({ url: 'http://raw/all' });
  // Nobody reads for 5 s of tyme, five times the body deadline, while the server has long finished.
  world.run(5);
  t.is(exchange.state, ExchangeState.headed);
  let received = 0;
  t.true(
    world.run(30, () => {
      const chunk = exchange.read();
      if (chunk !== null) received += chunk.length;
      return exchange.ended || exchange.state === ExchangeState.failed;
    }),
  );
  t.is(exchange.error, null);
  t.is(received, body.length);
});

test('Patron refuses unknown options and bad values at once with HIO_ERR_INVALID_OPTION', (t) => {
  const bad: Array<Record<string, unknown>> = [
    { nope: 1 },
    { connections: 0 },
    { pipelining: 1.5 },
    { connectTymeout: -1 },
    { keepAliveTymeout: Number.NaN },
    { expectContinueBytes: -1 },
    { limits: { maxHeaders: -1 } },
    { limits: { maxSomething: 3 } },
  ];
  for (const options of bad) {
    const error = t.throws(() => new Patron(options as PatronOptions), undefined, JSON.stringify(options));
    t.is((error as HioError).code, 'HIO_ERR_INVALID_OPTION', JSON.stringify(options));
  }
});

test('Patron sends a request again without Expect after a 417, on a fresh connection, the body sent once', (t) => {
  const world = httpWorld();
  const raw = rawServer(world, (connection) => {
    const text = connection.received;
    if (connection.state !== 0 || !text.includes('\r\n\r\n')) return;
    if (text.includes('Expect: 100-continue')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
      connection.remoter.shutdownSend();
    } else if (text.endsWith('payload')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
    }
  });
  const patron = simPatron(world);
  const upload = patron.request({ url: 'http://raw/doc', method: 'PUT', body: 'payload', expectContinue: true });
  t.true(settled(world, [upload]));
  t.is(upload.status, 201);
  t.is(raw.length, 2);
  t.false(raw[0]!.received.includes('payload'), 'the first attempt held its body');
  t.false(raw[1]!.received.includes('Expect'));
});
