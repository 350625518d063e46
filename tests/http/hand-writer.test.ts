/**
 * The HandWriter and HandResponder: a response written by hand (status,
 * headers, end of headers, body parts, trailers, flush, end) over the
 * ResponseWriter, served by a BareServer on the simulated network; write
 * promises settled once the bytes are on the wire, rejected when the client
 * goes away; faults before and after the head.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { HandResponder, type HandFunction } from '../../src/http/hand-responder.js';
import { HandWriter, type HandWriterOptions } from '../../src/http/hand-writer.js';
import { ResponseWriter } from '../../src/http/response-writer.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';
import type { SimClient } from '../../src/net/sim/sim-client.js';
import type { Request } from '../../src/http/request.js';

/** A world whose every request is answered by `write` through a HandResponder. */
function handWorld(write: HandFunction, options: HandWriterOptions = {}, netOptions = {}): HttpWorld {
  return httpWorld({ respond: () => new HandResponder(write, options), onError: () => {} }, netOptions);
}

/** Everything a raw client received until `done`, as latin1 text. */
async function collect(world: HttpWorld, client: SimClient, done: (text: string) => boolean, seconds = 2): Promise<string> {
  const received: Buffer[] = [];
  let text = '';
  await world.settle(seconds, () => {
    if (client.rxQueue.length > 0) {
      received.push(client.rxQueue.take(client.rxQueue.length));
      text = Buffer.concat(received).toString('latin1');
    }
    return done(text);
  });
  return text;
}

/** A promise and the function that resolves it: a gate the test opens. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const code = (error: unknown): string | undefined => (error instanceof HioError ? error.code : undefined);

const GET = (path = '/'): Buffer => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`);

test('HandWriter sends the status, headers and body it was given, framed by the Content-Length it wrote', async (t) => {
  const world = handWorld(async (w) => {
    w.writeStatus(201, 'Made By Hand');
    w.writeHeader('Content-Length', 11);
    w.writeHeader('X-Made', 'by hand');
    await w.write('hello ');
    await w.end(Buffer.from('world'));
  });
  const { client, reader } = world.client();
  client.tx(GET());
  t.true(await world.settle(2, () => reader.responses.length === 1));
  const response = reader.responses[0]!;
  t.is(response.status, 201);
  t.is(response.reason, 'Made By Hand');
  t.is(header(response, 'content-length'), '11');
  t.is(header(response, 'x-made'), 'by hand');
  t.is(header(response, 'transfer-encoding'), undefined);
  t.is(header(response, 'server'), 'hio-ts');
  t.is(response.body.toString(), 'hello world');
  t.false(client.cutoff);
});

test('HandWriter chunks a body of unknown length, and end(data) before any write goes out whole with a Content-Length', async (t) => {
  const world = handWorld(async (w, request) => {
    if (request.path === '/whole') {
      await w.end('all at once');
      return;
    }
    w.writeHeader('Content-Type', 'text/plain');
    w.endHeaders();
    t.true(w.headSent);
    await w.write('one, ');
    await w.write(new Uint8Array(Buffer.from('two, ')));
    await w.end('three');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.concat([GET('/parts'), GET('/whole')]));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const [parts, whole] = reader.responses;
  t.is(header(parts!, 'transfer-encoding'), 'chunked');
  t.is(header(parts!, 'content-length'), undefined);
  t.is(parts!.body.toString(), 'one, two, three');
  t.is(header(whole!, 'content-length'), '11');
  t.is(whole!.body.toString(), 'all at once');
  t.false(client.cutoff);
});

test('HandWriter answers HTTP/1.0 with a body delimited by the close, without chunks or trailers', async (t) => {
  const world = handWorld(async (w) => {
    w.setTrailer('X-Trailer', 'dropped');
    await w.write('old ');
    await w.end('client');
  });
  const { client } = world.client([], false);
  client.tx(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
  const text = await collect(world, client, () => client.rxEnded);
  t.true(client.rxEnded);
  t.true(text.startsWith('HTTP/1.1 200 OK\r\n'));
  t.true(text.includes('Connection: close\r\n'));
  t.false(/transfer-encoding/i.test(text));
  t.false(text.includes('X-Trailer'));
  t.true(text.endsWith('\r\n\r\nold client'));
});

test('HandWriter answers HEAD with the head only, and with the body as for GET under sendBodyForHead', async (t) => {
  const write: HandFunction = async (w) => {
    w.writeHeader('Content-Type', 'text/plain');
    await w.end('body of the GET');
  };
  const plain = handWorld(write);
  const one = plain.client(['HEAD', 'GET']);
  one.client.tx(Buffer.from('HEAD / HTTP/1.1\r\nHost: server\r\n\r\nGET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await plain.settle(2, () => one.reader.responses.length === 2));
  const [head, get] = one.reader.responses;
  t.is(header(head!, 'content-length'), '15');
  t.is(head!.body.length, 0);
  t.is(get!.body.toString(), 'body of the GET');

  const testing = handWorld(write, { sendBodyForHead: true });
  const { client } = testing.client([], false);
  client.tx(Buffer.from('HEAD / HTTP/1.1\r\nHost: server\r\n\r\n'));
  const text = await collect(testing, client, (received) => received.endsWith('body of the GET'));
  t.true(text.startsWith('HTTP/1.1 200 OK\r\n'));
  t.true(text.endsWith('\r\nContent-Length: 15\r\nKeep-Alive: timeout=5\r\n\r\nbody of the GET'));
});

test('HandWriter sends trailers after a chunked body, even when end() carries the whole body, and drops them with a Content-Length', async (t) => {
  const world = handWorld(async (w, request) => {
    if (request.path === '/length') w.writeHeader('Content-Length', 4);
    w.setTrailer('X-Checksum', 'abc');
    await w.end('body');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.concat([GET('/chunked'), GET('/length')]));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const [chunked, length] = reader.responses;
  t.is(header(chunked!, 'transfer-encoding'), 'chunked');
  t.deepEqual(chunked!.trailers, [['X-Checksum', 'abc']]);
  t.is(chunked!.body.toString(), 'body');
  t.is(header(length!, 'content-length'), '4');
  t.deepEqual(length!.trailers, []);
  t.is(length!.body.toString(), 'body');
});

test('HandWriter refuses a body longer than its Content-Length: the write throws, the writer stays failed, and the connection is reset', async (t) => {
  const errors: Array<string | undefined> = [];
  const world = handWorld(async (w) => {
    w.writeHeader('Content-Length', 5);
    await w.write('12345');
    try {
      await w.write('6');
    } catch (error) {
      errors.push(code(error));
    }
    // Going on as if nothing happened is refused: the message cannot be completed well framed.
    try {
      await w.end();
    } catch (error) {
      errors.push(code(error));
    }
    t.throws(() => w.flush(), { instanceOf: HioError });
  });
  const { client } = world.client([], false);
  client.tx(GET());
  const text = await collect(world, client, () => client.cutoff);
  t.deepEqual(errors, ['HIO_ERR_RESPONSE_STATE', 'HIO_ERR_RESPONSE_STATE']);
  t.is(client.error?.code, 'ECONNRESET');
  t.true(text.endsWith('\r\n\r\n12345'));
  t.is(world.server.faults, 1);
});

test('HandWriter refuses header lines with CR, LF or NUL and names that are not tokens, and the response goes on without them', async (t) => {
  const codes: Array<string | undefined> = [];
  const world = handWorld(async (w) => {
    for (const [name, value] of [
      ['X-Evil', 'a\r\nSet-Cookie: x=1'],
      ['X-Evil', 'a\nb'],
      ['X-Evil', 'a\0b'],
      ['Bad Name', 'v'],
      ['Bad:Name', 'v'],
      ['', 'v'],
    ] as const) {
      codes.push(t.throws(() => w.writeHeader(name, value), { instanceOf: HioError })?.code);
    }
    codes.push(t.throws(() => w.setTrailer('X-T', 'a\r\nb'), { instanceOf: HioError })?.code);
    codes.push(t.throws(() => w.writeStatus(99), { instanceOf: HioError })?.code);
    codes.push(t.throws(() => w.writeStatus(200, 'OK\r\nX: y'), { instanceOf: HioError })?.code);
    w.writeHeader('X-Fine', 'yes');
    await w.end('still fine');
  });
  const { client, reader } = world.client();
  client.tx(GET());
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.deepEqual(codes, Array(9).fill('HIO_ERR_RESPONSE_STATE'));
  const response = reader.responses[0]!;
  t.is(response.status, 200);
  t.is(header(response, 'x-fine'), 'yes');
  t.is(header(response, 'set-cookie'), undefined);
  t.is(response.body.toString(), 'still fine');
  t.false(client.cutoff);
});

test('HandWriter#write settles only once its bytes are on the wire: pending while the client reads nothing, resolved once it reads', async (t) => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
  let written = false;
  let ended = false;
  const calls: Array<HioError | null> = [];
  const world = handWorld(async (w) => {
    await w.write(big, (error) => calls.push(error));
    written = true;
    await w.end();
    ended = true;
  });
  const { client, read, reader } = world.client([], false);
  client.tx(GET());
  // The client's receive queue and the network's window take a part of it; the rest waits at the server.
  t.false(await world.settle(3, () => written));
  const remoter = [...world.server.servant.remoters.values()][0]!;
  t.true(remoter.txPending > 0);
  t.deepEqual(calls, []);
  t.true(
    await world.settle(5, () => {
      read();
      return ended;
    }),
  );
  t.true(written);
  t.deepEqual(calls, [null]);
  t.is(remoter.txPending, 0);
  t.true(await world.settle(1, () => (read(), reader.responses.length === 1)));
  t.is(reader.responses[0]!.body.length, big.length);
});

test('HandWriter#write rejects with HIO_ERR_CLIENT_GONE when the client goes away first, and so do later writes', async (t) => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x62);
  let failure: unknown = null;
  let later: unknown = null;
  let gone = false;
  const calls: Array<string | undefined> = [];
  const stop = gate();
  const world = handWorld(async (w) => {
    try {
      await w.write(big, (error) => calls.push(error?.code));
    } catch (error) {
      failure = error;
    }
    gone = w.gone;
    t.false(w.writable);
    await stop.opened;
    await w.write('more', (error) => calls.push(error?.code)).catch((error: unknown) => (later = error));
    await w.end().catch(() => {});
  });
  const { client } = world.client([], false);
  client.tx(GET());
  t.false(await world.settle(2, () => failure !== null));
  client.reset();
  t.true(await world.settle(2, () => failure !== null));
  t.is(code(failure), 'HIO_ERR_CLIENT_GONE');
  t.true(gone);
  stop.open();
  t.true(await world.settle(1, () => later !== null));
  t.is(code(later), 'HIO_ERR_CLIENT_GONE');
  t.deepEqual(calls, ['HIO_ERR_CLIENT_GONE', 'HIO_ERR_CLIENT_GONE']);
  t.is(world.server.stewards.size, 0);
  t.is(world.server.faults, 0);
});

test('HandWriter with explicitFlush holds the head and body until flush(), then sends them together', async (t) => {
  const go = gate();
  let settled = false;
  const world = handWorld(
    async (w) => {
      w.writeHeader('X-Held', 'yes');
      w.endHeaders();
      t.false(w.headSent);
      void w.write('held ').then(() => (settled = true));
      void w.write('together');
      await go.opened;
      await w.flush();
      t.true(w.headSent);
      await w.end();
    },
    { explicitFlush: true },
  );
  const { client, reader, read } = world.client([], false);
  client.tx(GET());
  t.false(await world.settle(2, () => client.rxQueue.length > 0));
  t.false(settled);
  go.open();
  t.true(await world.settle(2, () => (read(), reader.responses.length === 1)));
  t.true(settled);
  const response = reader.responses[0]!;
  t.is(header(response, 'x-held'), 'yes');
  t.is(header(response, 'transfer-encoding'), 'chunked');
  t.is(response.body.toString(), 'held together');
});

test('HandWriter with explicitFlush flushes by itself once held bytes reach maxHeldBytes, and an end with everything held gets a Content-Length', async (t) => {
  const go = gate();
  const world = handWorld(
    async (w, request) => {
      if (request.path === '/whole') {
        void w.write('short ');
        await w.end('body');
        return;
      }
      void w.write('12345');
      void w.write('67890');
      await go.opened;
      await w.end('!');
    },
    { explicitFlush: true, maxHeldBytes: 10 },
  );
  const { client, read, reader } = world.client([], false);
  client.tx(GET('/capped'));
  const text = await collect(world, client, (received) => received.includes('67890'));
  t.true(text.includes('5\r\n12345\r\n5\r\n67890\r\n'));
  reader.push(Buffer.from(text, 'latin1'));
  go.open();
  t.true(await world.settle(2, () => (read(), reader.responses.length === 1)));
  client.tx(GET('/whole'));
  t.true(await world.settle(2, () => (read(), reader.responses.length === 2)));
  t.is(header(reader.responses[1]!, 'content-length'), '10');
  t.is(reader.responses[1]!.body.toString(), 'short body');
});

test('HandResponder answers 500 when the function fails before the head is out, and rejects the writes it held', async (t) => {
  let held: unknown = null;
  const world = handWorld(
    (w, request) => {
      if (request.path === '/sync') throw new Error('at once');
      w.writeStatus(202);
      w.write('never sent').catch((error: unknown) => (held = error));
      return Promise.resolve().then(() => {
        throw new Error('later');
      });
    },
    { explicitFlush: true },
  );
  const { client, reader } = world.client();
  client.tx(GET('/sync'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  const second = world.client();
  second.client.tx(GET('/async'));
  t.true(await world.settle(2, () => second.reader.responses.length === 1 && held !== null));
  t.is(second.reader.responses[0]!.status, 500);
  t.is(code(held), 'HIO_ERR_APP');
  t.is(world.server.faults, 2);
});

test('HandResponder resets the connection when the function fails after the head, or after the end', async (t) => {
  const world = handWorld(async (w, request) => {
    if (request.path === '/after-end') {
      await w.end('complete');
      throw new Error('after the end');
    }
    await w.write('part');
    throw new Error('midway');
  });
  for (const path of ['/midway', '/after-end']) {
    const { client } = world.client([], false);
    client.tx(GET(path));
    const text = await collect(world, client, () => client.cutoff);
    t.true(text.startsWith('HTTP/1.1 200 OK\r\n'), path);
    t.is(client.error?.code, 'ECONNRESET', path);
  }
  t.is(world.server.faults, 2);
});

test('HandResponder ends a response whose function returned without end(): chunked after writes, empty with a Content-Length without', async (t) => {
  const world = handWorld((w, request) => {
    if (request.path === '/empty') return;
    void w.write('unfinished');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.concat([GET('/parts'), GET('/empty')]));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const [parts, empty] = reader.responses;
  t.is(header(parts!, 'transfer-encoding'), 'chunked');
  t.is(parts!.body.toString(), 'unfinished');
  t.is(header(empty!, 'content-length'), '0');
  t.false(client.cutoff);
});

test('HandResponder resets the connection when the automatic end falls short of the Content-Length', async (t) => {
  const world = handWorld(async (w) => {
    w.writeHeader('Content-Length', 10);
    await w.write('short');
  });
  const { client } = world.client([], false);
  client.tx(GET());
  await collect(world, client, () => client.cutoff);
  t.is(client.error?.code, 'ECONNRESET');
  t.is(world.server.faults, 1);
});

test('HandWriter with requiredHeaders off sends only the header lines written', async (t) => {
  const world = handWorld(
    async (w) => {
      w.writeHeader('Content-Length', 2);
      await w.end('ok');
    },
    { requiredHeaders: false },
  );
  const { client } = world.client([], false);
  client.tx(GET());
  const text = await collect(world, client, (received) => received.endsWith('ok'));
  t.is(text, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
});

test('HandWriter refuses calls out of order, and settles writes at once over a sink that does not count', async (t) => {
  const sent: Buffer[] = [];
  const sink = { txPending: 0, tx: (bytes: Uint8Array): void => void sent.push(Buffer.from(bytes)) };
  const writer = new ResponseWriter(sink, { method: 'GET', version: 'HTTP/1.1' } as Request, { requiredHeaders: false });
  const w = new HandWriter(writer);
  t.is(w.request.method, 'GET');
  t.is(w.status, 200);
  t.false(w.settle());
  w.endHeaders();
  t.is(t.throws(() => w.endHeaders(), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => w.writeHeader('X-Late', '1'), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => w.writeStatus(404), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  const calls: Array<HioError | null> = [];
  const first = w.write('a', (error) => calls.push(error));
  t.true(w.writable);
  t.is(w.pending, 0);
  const last = w.end('b');
  t.true(w.ended);
  t.false(w.writable);
  t.is(t.throws(() => w.write('c'), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => w.end(), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => w.setTrailer('X-T', '1'), { instanceOf: HioError })?.code, 'HIO_ERR_RESPONSE_STATE');
  const flushed = w.flush();
  t.false(w.settle());
  await Promise.all([first, last, flushed]);
  t.deepEqual(calls, [null]);
  t.is(Buffer.concat(sent).toString('latin1'), 'HTTP/1.1 200 OK\r\n\r\nab');
  w.abandon();
  w.fail(new Error('too late to matter'));
  t.true(w.gone);
  t.is(code(await w.flush().catch((error: unknown) => error)), 'HIO_ERR_CLIENT_GONE');
  t.is(code(await w.end().catch((error: unknown) => error)), 'HIO_ERR_CLIENT_GONE');
  t.is(t.throws(() => new HandWriter(writer, { maxHeldBytes: 0 }), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
});

test('HandResponder waits on its function without being polled or timed out, and answers once it goes on', async (t) => {
  const go = gate();
  let pours = 0;
  const world = httpWorld({
    keepAliveTymeout: 5,
    respond: () => {
      const inner = new HandResponder(async (w) => {
        w.writeHeader('Content-Length', 4);
        w.endHeaders();
        await go.opened;
        await w.end('late');
      });
      return { pour: (writer) => (pours++, inner.pour(writer)) };
    },
  });
  const { client, reader } = world.client();
  client.tx(GET());
  // Twelve seconds of tyme, ~190 passes: a waiting function costs a pass only when the idle deadline comes round.
  t.false(await world.settle(12, () => client.cutoff || reader.responses.length > 0));
  t.false(client.cutoff);
  t.true(pours <= 4, `poured ${pours} times while waiting`);
  go.open();
  t.true(await world.settle(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'late');
});
