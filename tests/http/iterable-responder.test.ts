/**
 * The IterableResponder on a BareServer over the simulated network: chunks
 * from a generator, "not ready" empty chunks, a head the producer changes
 * before its first chunk, async iterables, failures before and after the
 * head, and a client going away (the generator's finally runs).
 */
import test from 'ava';
import { IterableResponder, type Chunk, type IterableHead } from '../../src/http/iterable-responder.js';
import { header, httpWorld } from '../helpers/http-client.js';

const GET = 'GET / HTTP/1.1\r\nHost: server\r\n\r\n';

test('IterableResponder pours a generator chunked, skipping passes on empty chunks', (t) => {
  let passes = 0;
  function* produce(): Generator<Chunk> {
    yield 'one ';
    for (let i = 0; i < 3; i++) {
      passes += 1;
      yield '';
    }
    yield new Uint8Array([116, 119, 111]);
  }
  const world = httpWorld({ respond: () => new IterableResponder(produce(), { status: 200, headers: { 'Content-Type': 'text/plain' } }) });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(passes, 3);
  t.is(reader.responses[0]!.body.toString(), 'one two');
  t.is(header(reader.responses[0]!, 'transfer-encoding'), 'chunked');
  t.false(client.cutoff);
});

test('IterableResponder reads the head at the first non-empty chunk: the producer may still change it', (t) => {
  const world = httpWorld({
    respond: () => {
      const head: IterableHead = { status: 200 };
      function* produce(): Generator<Chunk> {
        yield '';
        head.status = 404;
        head.reason = 'Gone Fishing';
        head.headers = [['X-Why', 'changed']];
        head.length = 7;
        yield 'missing';
      }
      return new IterableResponder(produce(), head);
    },
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET));
  t.true(world.run(2, () => reader.responses.length === 1));
  const response = reader.responses[0]!;
  t.is(response.status, 404);
  t.is(response.reason, 'Gone Fishing');
  t.is(header(response, 'x-why'), 'changed');
  t.is(header(response, 'content-length'), '7');
  t.is(response.body.toString(), 'missing');
});

test('IterableResponder pours an async iterable, suspended while each chunk is awaited', async (t) => {
  async function* produce(): AsyncGenerator<Chunk> {
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      yield `${i}`;
    }
  }
  const world = httpWorld({ respond: () => new IterableResponder(produce()) });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), '01234');
});

test('IterableResponder answers an empty producer with an empty body', (t) => {
  const world = httpWorld({ respond: () => new IterableResponder([], { status: 204 }) });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 204);
});

test('IterableResponder: a producer failing before its first chunk answers 500, after it resets', async (t) => {
  const world = httpWorld({
    onError: () => {},
    respond: (request) => {
      async function* produce(): AsyncGenerator<Chunk> {
        if (request.path === '/late') yield 'part';
        await Promise.resolve();
        throw new Error('producer failed');
      }
      return new IterableResponder(produce());
    },
  });
  const early = world.client();
  early.client.tx(Buffer.from('GET /early HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => early.reader.responses.length === 1));
  t.is(early.reader.responses[0]!.status, 500);
  const late = world.client([], false);
  late.client.tx(Buffer.from('GET /late HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => late.client.cutoff));
  t.is(late.client.error?.code, 'ECONNRESET');
  t.is(world.server.faults, 2);
});

test('IterableResponder: a client going away runs the generator finally block', (t) => {
  let cleaned = false;
  function* produce(): Generator<Chunk> {
    try {
      for (;;) yield new Uint8Array(32 * 1024);
    } finally {
      cleaned = true;
    }
  }
  const world = httpWorld({ respond: () => new IterableResponder(produce()), highWater: 64 * 1024 });
  const { client } = world.client([], false);
  client.tx(Buffer.from(GET));
  world.run(1, () => false);
  client.reset();
  t.true(world.run(2, () => world.server.stewards.size === 0));
  t.true(cleaned);
});
