/**
 * The AppServer's edges: bad options, requests without a Host or in
 * absolute form, handlers returning what is not a Response, streams giving
 * what is not bytes, an onError that fails too, and the light Response's
 * and Request's less used members.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchErrorHandler, FetchHandler } from '../../src/app/fetch-responder.js';
import { LightRequest } from '../../src/app/light-request.js';
import { LightResponse } from '../../src/app/light-response.js';
import { Hict } from '../../src/core/hict.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

function appWorld(fetch: FetchHandler, onError?: FetchErrorHandler): HttpWorld {
  return httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, ...(onError !== undefined && { onError }), onFault: () => {} });
  });
}

test('AppServer refuses a fetch or onError that is not a function', (t) => {
  t.is(t.throws(() => new AppServer({ fetch: 'app' as unknown as FetchHandler }), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  t.is(
    t.throws(() => new AppServer({ fetch: () => new Response(''), onError: 1 as unknown as FetchErrorHandler }), { instanceOf: HioError })?.code,
    'HIO_ERR_INVALID_OPTION',
  );
});

test('AppServer builds the URL from the listener without a Host, and takes an absolute-form target as it is', async (t) => {
  const urls: string[] = [];
  const world = appWorld((request) => {
    urls.push(request.url);
    // A length known up front keeps the HTTP/1.0 connection open for the second request.
    return new LightResponse('ok') as unknown as Response;
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET http://elsewhere.example/abs?x=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  t.deepEqual(urls, ['http://server:80/old', 'http://elsewhere.example/abs?x=1']);
});

test('AppServer answers 500 when the handler returns something that is not a Response, or onError fails too', async (t) => {
  const world = appWorld(
    (request) => (request.url.endsWith('/odd') ? ({ status: 200 } as unknown as Response) : Promise.reject(new Error('first'))),
    () => {
      throw new Error('second');
    },
  );
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /odd HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  const second = world.client();
  second.client.tx(Buffer.from('GET /both HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => second.reader.responses.length === 1));
  t.is(second.reader.responses[0]!.status, 500);
  t.is(world.server.faults, 2);
});

test('AppServer resets a connection whose body stream gives something other than bytes', async (t) => {
  const world = appWorld(
    () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.enqueue('text is not bytes' as unknown as Uint8Array);
          },
        }),
      ),
  );
  const { client } = world.client([], false);
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => client.cutoff));
  t.is(client.error?.code, 'ECONNRESET');
});

test('LightResponse answers the rest of the Response surface from the standard one', async (t) => {
  const response = new LightResponse('{"a":1}', { headers: { 'content-type': 'application/json' } }) as unknown as Response;
  t.false(response.redirected);
  t.is(response.type, 'default');
  t.is(response.url, '');
  t.false(response.bodyUsed);
  t.deepEqual(await response.clone().json(), { a: 1 });
  t.is((await response.blob()).size, 7);
  t.true(response.bodyUsed);
  t.is(new Uint8Array(await (new LightResponse('xy') as unknown as Response).arrayBuffer()).length, 2);
  const form = await (new LightResponse('a=1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }) as unknown as Response).formData();
  t.is(form.get('a'), '1');
  t.is(LightResponse.json({ b: 2 }).headers.get('content-type'), 'application/json');
  t.is(LightResponse.redirect('http://example/', 307).status, 307);
  t.is(LightResponse.redirect('http://example/').status, 302);
  t.is(LightResponse.error().type, 'error');
});

test('LightRequest answers the fetch-only fields and blob() from the standard one', async (t) => {
  const request = new LightRequest(
    {
      method: 'POST',
      target: '/',
      form: 'origin',
      scheme: '',
      authority: '',
      path: '/',
      query: '',
      fragment: '',
      version: 'HTTP/1.1',
      headers: new Hict([['Content-Type', 'text/plain']]),
      trailers: new Hict(),
      body: Buffer.from('body'),
      chunked: false,
      persisted: true,
      expectContinue: false,
    },
    'http://server/',
  ) as unknown as Request;
  t.is(request.cache, 'default');
  t.is(request.credentials, 'same-origin');
  t.is(request.destination, '');
  t.is(request.integrity, '');
  t.false(request.keepalive);
  t.is(request.redirect, 'follow');
  t.is(request.referrer, 'about:client');
  t.is(request.referrerPolicy, '');
  t.is(request.headers.get('content-type'), 'text/plain');
  t.is((await request.blob()).size, 4);
  t.true(request.bodyUsed);
});

test('A fetch handler learns the client address from its second argument', async (t) => {
  const seen: Array<{ host: string; port: number } | null> = [];
  const world = appWorld((_request, info) => {
    seen.push(info.remoteAddress);
    return new LightResponse('ok') as unknown as Response;
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(seen.length, 1);
  t.deepEqual(seen[0], client.localAddress);
  t.is(seen[0]?.host, 'client');
});

test('AppServer reports an onError that returns no Response as such, with the failure it was handling as the cause', async (t) => {
  const faults: unknown[] = [];
  const original = new Error('db connection refused');
  const world = httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({
      ...shared,
      fetch: () => Promise.reject(original),
      // A logging onError that forgets to answer.
      onError: (() => undefined) as unknown as FetchErrorHandler,
      onFault: (error) => faults.push(error),
    });
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /x HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  t.is(faults.length, 1);
  t.is((faults[0] as HioError).code, 'HIO_ERR_RESPONSE_STATE');
  t.is((faults[0] as Error).cause, original, 'the report carries the failure onError was handling');
});

test('a drain that begins while the application is still thinking makes its answer say Connection: close', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const world = appWorld(async () => {
    await gate;
    return new Response('done');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await world.settle(0.5);
  world.server.drain(5);
  release();
  t.true(await world.settle(2, () => reader.responses.length === 1 && client.rxEnded));
  const response = reader.responses[0]!;
  t.is(response.body.toString(), 'done');
  t.is(header(response, 'connection'), 'close');
  t.is(header(response, 'keep-alive'), undefined);
});
