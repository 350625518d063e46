/**
 * The AppServer answering with a fetch handler, on the simulated network
 * (promises settle between recurs, tyme stays virtual): the request as a
 * WHATWG Request, responses whole and streamed, HEAD, errors before and
 * after the head, onError, a slow application outliving the idle tymeout,
 * the Keep-Alive hint, and a client going away mid-stream. Then `serve()` on real sockets,
 * driven by Node's fetch.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { serve } from '../../src/app/serve.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

const GET = (path = '/', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n${extra}\r\n`;

function appWorld(fetch: FetchHandler, options: Partial<BareServerOptions> & { onError?: (error: unknown) => Response } = {}): HttpWorld {
  const { onError, ...rest } = options;
  return httpWorld(rest, {}, (bare) => {
    // The world's options are a BareServer's: the application takes the place of its steward and fault handler.
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, ...(onError !== undefined && { onError }), onFault: () => {} });
  });
}

test('AppServer hands the handler a WHATWG Request: method, absolute URL, headers, body', async (t) => {
  let seen: { method: string; url: string; type: string | null; body: string; isRequest: boolean } | null = null;
  const world = appWorld(async (request) => {
    seen = {
      method: request.method,
      url: request.url,
      type: request.headers.get('content-type'),
      body: await request.text(),
      isRequest: request instanceof Request,
    };
    return new Response('ok');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST /things?id=7 HTTP/1.1\r\nHost: server\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.deepEqual(seen, { method: 'POST', url: 'http://server/things?id=7', type: 'text/plain', body: 'hello', isRequest: true });
  t.is(reader.responses[0]!.body.toString(), 'ok');
});

test('AppServer sends status, reason, headers and each Set-Cookie of a Response, and keeps the connection', async (t) => {
  const world = appWorld(() => {
    const headers = new Headers({ 'Content-Type': 'application/json', 'X-Id': '1' });
    headers.append('Set-Cookie', 'a=1; Path=/');
    headers.append('Set-Cookie', 'b=2; Path=/');
    return new Response(JSON.stringify({ made: true }), { status: 201, statusText: 'Made', headers });
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/a') + GET('/b')));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const response = reader.responses[0]!;
  t.is(response.status, 201);
  t.is(response.reason, 'Made');
  t.is(header(response, 'content-type'), 'application/json');
  t.deepEqual(
    response.headers.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, value]) => value),
    ['a=1; Path=/', 'b=2; Path=/'],
  );
  t.deepEqual(JSON.parse(response.body.toString()), { made: true });
  t.false(client.cutoff);
});

test('AppServer streams a ReadableStream body chunked, pulling only while the connection takes more', async (t) => {
  let pulled = 0;
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  const world = appWorld(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 1;
            if (pulled > 64) controller.close();
            else controller.enqueue(chunk);
          },
        }),
      ),
    { highWater: 64 * 1024 },
  );
  const { client, reader } = world.client([], false);
  client.tx(Buffer.from(GET()));
  // Nobody reads: the server stops pulling once its output backs up.
  await world.settle(3, () => false);
  t.true(pulled < 64, `pulled ${pulled} chunks while nobody read`);
  const read = (): void => {
    if (client.rxQueue.length > 0) reader.push(client.rxQueue.take(client.rxQueue.length));
  };
  t.true(
    await world.settle(30, () => {
      read();
      return reader.responses.length === 1;
    }),
  );
  const response = reader.responses[0]!;
  t.is(header(response, 'transfer-encoding'), 'chunked');
  t.is(response.body.length, 64 * 16 * 1024);
});

test('AppServer answers HEAD with the head only and never pumps the body', async (t) => {
  let pulled = 0;
  const world = appWorld(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 1;
            controller.enqueue(new Uint8Array(10));
          },
        }),
        { headers: { 'Content-Length': '1000' } },
      ),
  );
  const { client, reader } = world.client(['HEAD']);
  client.tx(Buffer.from('HEAD / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(header(reader.responses[0]!, 'content-length'), '1000');
  t.is(reader.responses[0]!.body.length, 0);
  t.true(pulled <= 1, `pulled ${pulled}`);
  t.false(client.cutoff);
});

test('AppServer answers 500 to a handler that throws or rejects, and onError may answer instead', async (t) => {
  const world = appWorld((request) => {
    if (request.url.endsWith('/throw')) throw new Error('sync');
    return Promise.reject(new Error('async'));
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/throw')));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  const second = world.client();
  second.client.tx(Buffer.from(GET('/reject')));
  t.true(await world.settle(2, () => second.reader.responses.length === 1));
  t.is(second.reader.responses[0]!.status, 500);
  t.is(world.server.faults, 2);

  const handled = appWorld(
    () => {
      throw new Error('nope');
    },
    { onError: (error) => new Response(`handled: ${(error as Error).message}`, { status: 418 }) },
  );
  const third = handled.client();
  third.client.tx(Buffer.from(GET()));
  t.true(await handled.settle(2, () => third.reader.responses.length === 1));
  t.is(third.reader.responses[0]!.status, 418);
  t.is(third.reader.responses[0]!.body.toString(), 'handled: nope');
  t.false(third.client.cutoff);
});

test('AppServer resets the connection when the body stream fails after the head', async (t) => {
  let pulls = 0;
  const world = appWorld(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls += 1;
            if (pulls === 1) controller.enqueue(new Uint8Array(5));
            else controller.error(new Error('disk gone'));
          },
        }),
      ),
  );
  const { client } = world.client([], false);
  client.tx(Buffer.from(GET()));
  t.true(await world.settle(2, () => client.cutoff));
  t.is(client.error?.code, 'ECONNRESET');
  t.is(world.server.faults, 1);
});

test('AppServer lets a slow application outlive the keep-alive tymeout', async (t) => {
  let answer: ((response: Response) => void) | null = null;
  const world = appWorld(() => new Promise<Response>((resolve) => (answer = resolve)), { keepAliveTymeout: 2 });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET()));
  t.true(await world.settle(1, () => answer !== null));
  t.false(await world.settle(6, () => client.cutoff));
  answer!(new Response('slow but here'));
  t.true(await world.settle(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'slow but here');
});

test('AppServer announces its keep-alive tymeout on answers that keep the connection, unless the application sends its own Keep-Alive', async (t) => {
  const world = appWorld((request) =>
    new URL(request.url).pathname === '/own' ? new Response('own', { headers: { 'Keep-Alive': 'timeout=1' } }) : new Response('default'),
  );
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/default') + GET('/own') + GET('/last', 'Connection: close\r\n')));
  t.true(await world.settle(2, () => reader.responses.length === 3));
  const keepAlives = reader.responses.map((response) => response.headers.filter(([name]) => name.toLowerCase() === 'keep-alive').map(([, value]) => value));
  t.deepEqual(keepAlives, [['timeout=5'], ['timeout=1'], []]);
  const never = appWorld(() => new Response('forever'), { keepAliveTymeout: 0 });
  const other = never.client();
  other.client.tx(Buffer.from(GET()));
  t.true(await never.settle(2, () => other.reader.responses.length === 1));
  t.is(header(other.reader.responses[0]!, 'keep-alive'), undefined);
});

test('AppServer aborts the request signal and cancels the stream when the client goes away mid-response', async (t) => {
  let aborted = false;
  let cancelled = false;
  const world = appWorld(
    (request) => {
      request.signal.addEventListener('abort', () => (aborted = true));
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(new Uint8Array(64 * 1024));
          },
          cancel() {
            cancelled = true;
          },
        }),
      );
    },
    { highWater: 64 * 1024 },
  );
  const { client } = world.client([], false);
  client.tx(Buffer.from(GET()));
  await world.settle(1, () => false);
  client.reset();
  t.true(await world.settle(2, () => world.server.stewards.size === 0 && aborted && cancelled));
  t.is(world.server.faults, 0);
});

test('serve() answers Node fetch on a real socket and closes gracefully', async (t) => {
  t.timeout(20_000);
  const handle = serve({ port: 0, fetch: (request) => Response.json({ path: new URL(request.url).pathname, method: request.method }) });
  const address = await handle.listening;
  try {
    const response = await fetch(`http://127.0.0.1:${address.port}/hello`, { signal: AbortSignal.timeout(10_000) });
    t.is(response.status, 200);
    t.deepEqual(await response.json(), { path: '/hello', method: 'GET' });
    const posted = await fetch(`http://127.0.0.1:${address.port}/p`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(10_000) });
    t.deepEqual(await posted.json(), { path: '/p', method: 'POST' });
  } finally {
    await handle.close(2);
  }
  t.true(handle.server.drained);
});

test('serve() rejects listening when the port is taken', async (t) => {
  t.timeout(20_000);
  const first = serve({ port: 0, fetch: () => new Response('one') });
  const address = await first.listening;
  try {
    const second = serve({ port: address.port, fetch: () => new Response('two') });
    const error = await t.throwsAsync(second.listening);
    t.is((error as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    await second.finished;
  } finally {
    await first.close(1);
  }
});
