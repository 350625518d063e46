/**
 * Request bodies streamed into a fetch handler: the handler starts once the
 * head is parsed, reads the body as it arrives (text(), body as a stream,
 * formData()), holds the connection's memory bounded when it reads slowly,
 * gets limits and deadlines as statuses, 100-continue only when it asks
 * for the body, and a body it never read is discarded (up to a cap) before
 * the connection carries the next request.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import type { Steward } from '../../src/http/steward.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

function appWorld(fetch: FetchHandler, options: Partial<BareServerOptions> = {}, faults: unknown[] = []): HttpWorld {
  return httpWorld(options, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: (error) => faults.push(error) });
  });
}

const head = (length: number | 'chunked', extra = ''): string =>
  `POST /up HTTP/1.1\r\nHost: server\r\n${length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\n${extra}\r\n`;

/** The only steward of the world's server. */
function onlySteward(world: HttpWorld): Steward {
  const stewards = [...world.server.stewards.values()];
  if (stewards.length !== 1) throw new Error(`expected one connection, found ${stewards.length}`);
  return stewards[0] as Steward;
}

test('the handler starts at the head and reads the body as it arrives', async (t) => {
  let calls = 0;
  let finished = false;
  const world = appWorld(async (request) => {
    calls += 1;
    const text = await request.text();
    finished = true;
    return new Response(`got ${text.length}: ${text}`);
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(10) + 'hello'));
  t.true(await world.settle(1, () => calls === 1));
  await world.settle(0.5);
  t.false(finished, 'text() waits for the rest of the body');
  t.is(reader.responses.length, 0);
  client.tx(Buffer.from('world'));
  t.true(await world.settle(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'got 10: helloworld');
  t.is(header(reader.responses[0]!, 'connection'), undefined);
});

test('a streamed body is echoed back while it still arrives (both ways at once)', async (t) => {
  const world = appWorld((request) => new Response(request.body));
  const { client } = world.client([], false);
  let received = '';
  const read = (): void => {
    if (client.rxQueue.length > 0) received += client.rxQueue.take(client.rxQueue.length).toString('latin1');
  };
  client.tx(Buffer.from(head('chunked') + '5\r\nfirst\r\n'));
  t.true(await world.settle(2, () => (read(), received.includes('first'))), 'the first piece comes back before the body ends');
  t.true(received.startsWith('HTTP/1.1 200 OK\r\n'));
  t.true(/transfer-encoding: chunked/i.test(received));
  client.tx(Buffer.from('6\r\nsecond\r\n0\r\n\r\n'));
  t.true(await world.settle(2, () => (read(), received.endsWith('0\r\n\r\n'))));
  t.true(received.includes('second'));
});

test('a handler that reads slowly holds the connection to maxBufferedBytes; the client is held back, nothing is lost', async (t) => {
  const total = 4 * 1024 * 1024;
  const maxBufferedBytes = 256 * 1024;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let read = 0;
  let sum = 0;
  const world = appWorld(
    async (request) => {
      await gate;
      const reader = request.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        read += value.length;
        for (const byte of value) sum = (sum + byte) % 65521;
      }
      return new Response(`${read} ${sum}`);
    },
    { maxBufferedBytes, limits: { maxBodyBytes: total } },
  );
  const { client, reader } = world.client();
  const body = Buffer.alloc(total);
  let expected = 0;
  for (let i = 0; i < total; i++) {
    body[i] = (i * 7) & 0xff;
    expected = (expected + body[i]!) % 65521;
  }
  client.tx(Buffer.from(head(total)));
  client.tx(body);
  await world.settle(5);
  const steward = onlySteward(world);
  // The steward stops reading at maxBufferedBytes; the transport holds at most its high-water mark (512 KiB) more.
  const held = steward.requestant.held + steward.remoter.rxQueue.length;
  t.true(held <= maxBufferedBytes + 2 * 512 * 1024, `the server holds ${held} bytes`);
  t.true(client.txPending > total / 2, 'the client is held back, not read into memory');
  release();
  t.true(await world.settle(60, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), `${total} ${expected}`);
});

test('a chunked body over maxBodyBytes answers 413 while the handler reads it; no fault is reported', async (t) => {
  const faults: unknown[] = [];
  let rejected: unknown = null;
  const world = appWorld(
    async (request) => {
      try {
        await request.arrayBuffer();
      } catch (error) {
        rejected = error;
      }
      return new Response('unreachable');
    },
    { limits: { maxBodyBytes: 1000 } },
    faults,
  );
  const { client, reader } = world.client();
  client.tx(Buffer.from(head('chunked') + '258\r\n' + 'x'.repeat(600) + '\r\n'));
  await world.settle(0.5);
  client.tx(Buffer.from('258\r\n' + 'y'.repeat(600) + '\r\n0\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 413);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  await world.settle(0.5);
  t.truthy(rejected, 'the handler saw its read fail');
  t.deepEqual(faults, []);
});

test('a declared length over maxBodyBytes answers 413 before the handler is called', async (t) => {
  let calls = 0;
  const world = appWorld(
    () => {
      calls += 1;
      return new Response('no');
    },
    { limits: { maxBodyBytes: 1000 } },
  );
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(5000) + 'x'.repeat(100)));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 413);
  t.is(calls, 0);
});

test('a body the handler never reads is discarded, and the connection carries the next request', async (t) => {
  const paths: string[] = [];
  const world = appWorld((request) => {
    paths.push(new URL(request.url).pathname);
    return new Response('ok');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(100_000) + 'a'.repeat(30_000)));
  t.true(await world.settle(2, () => reader.responses.length === 1), 'answered before the body is all there');
  client.tx(Buffer.from('b'.repeat(70_000) + 'GET /next HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(5, () => reader.responses.length === 2));
  t.deepEqual(paths, ['/up', '/next']);
  t.is(header(reader.responses[0]!, 'connection'), undefined);
  t.is(world.server.stewards.size, 1, 'the same connection stayed open');
});

test('an unread body past maxDiscardBytes closes the connection once the answer is out', async (t) => {
  const world = appWorld(() => new Response('ok'), { maxDiscardBytes: 10_000 });
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(1_000_000) + 'a'.repeat(1000)));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  client.tx(Buffer.alloc(200_000, 0x61));
  t.true(await world.settle(10, () => world.server.stewards.size === 0), 'the connection closed');
  t.is(reader.responses[0]!.status, 200);
});

test('100-continue is sent when the handler asks for the body, and not before', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const world = appWorld(async (request) => {
    await gate;
    return new Response(`read ${(await request.text()).length}`);
  });
  const { client, reader, read } = world.client([], false);
  client.tx(Buffer.from(head(4, 'Expect: 100-continue\r\n')));
  await world.settle(1);
  t.is(client.rxQueue.length, 0, 'no 100 before the handler wants the body');
  release();
  t.true(await world.settle(1, () => client.rxQueue.length > 0));
  t.is(client.rxQueue.peek(client.rxQueue.length).toString('latin1'), 'HTTP/1.1 100 Continue\r\n\r\n');
  client.tx(Buffer.from('data'));
  t.true(await world.settle(2, () => (read(), reader.responses.length === 1)));
  t.deepEqual(reader.responses[0]!.interim, [100]);
  t.is(reader.responses[0]!.body.toString(), 'read 4');
  t.is(header(reader.responses[0]!, 'connection'), undefined);
});

test('an answer given without reading a body held back for 100-continue closes the connection, and sends no 100', async (t) => {
  const world = appWorld(() => new Response('denied', { status: 401 }));
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(4, 'Expect: 100-continue\r\n')));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 401);
  t.deepEqual(reader.responses[0]!.interim, []);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.true(await world.settle(5, () => world.server.stewards.size === 0));
});

test('formData() reads a multipart body streamed in pieces', async (t) => {
  const world = appWorld(async (request) => {
    const form = await request.formData();
    const file = form.get('file') as File;
    return new Response(`${String(form.get('name'))} ${file.name} ${await file.text()}`);
  });
  const { client, reader } = world.client();
  const boundary = 'XyZ';
  const body = [
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nada\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  client.tx(Buffer.from(head(body.length, `Content-Type: multipart/form-data; boundary=${boundary}\r\n`) + body.slice(0, 40)));
  await world.settle(0.5);
  client.tx(Buffer.from(body.slice(40)));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'ada a.txt file contents');
});

test('a client that goes away mid-upload fails the handler’s read and aborts its signal; the connection is released', async (t) => {
  let failure: unknown = null;
  let aborted = false;
  const world = appWorld(async (request) => {
    request.signal.addEventListener('abort', () => (aborted = true));
    try {
      await request.text();
    } catch (error) {
      failure = error;
    }
    return new Response('late');
  });
  const { client } = world.client();
  client.tx(Buffer.from(head(1000) + 'partial'));
  await world.settle(1);
  client.close();
  t.true(await world.settle(5, () => world.server.stewards.size === 0));
  await world.settle(0.5);
  t.truthy(failure);
  t.true(aborted);
});

test('a body that stalls mid-stream answers 408 when nothing was sent yet', async (t) => {
  const world = appWorld(async (request) => new Response(await request.text()), { bodyTymeout: 1, minBodyRate: 1000 });
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(100_000) + 'a'.repeat(100)));
  t.true(await world.settle(30, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 408);
});

test('BareServer keeps whole bodies by default, and refuses a streamBodies that is not a boolean', async (t) => {
  const world = httpWorld({});
  const { client, reader } = world.client();
  client.tx(Buffer.from(head(5) + 'ab'));
  await world.settle(0.5);
  t.is(reader.responses.length, 0, 'the echo waits for the whole body');
  client.tx(Buffer.from('cde'));
  t.true(await world.settle(1, () => reader.responses.length === 1));
  t.is((JSON.parse(reader.responses[0]!.body.toString()) as { body: string }).body, 'abcde');
  t.throws(() => appWorld(() => new Response(''), { streamBodies: 'yes' as unknown as boolean }), { message: /streamBodies/ });
});
