/**
 * The light Response: a real `Response` to whoever reads it, whose string
 * and bytes bodies an AppServer writes in one buffer with a Content-Length.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { installLightResponse, LightResponse, lightParts } from '../../src/app/light-response.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

function appWorld(fetch: FetchHandler): HttpWorld {
  return httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: () => {} });
  });
}

test('LightResponse reads like a Response and keeps its parts until read', async (t) => {
  const response = new LightResponse('hello', { status: 201, statusText: 'Made', headers: { 'X-A': '1' } }) as unknown as Response;
  t.true(response instanceof Response);
  t.is(response.status, 201);
  t.is(response.statusText, 'Made');
  t.true(response.ok);
  t.deepEqual(lightParts(response), { body: 'hello', status: 201, statusText: 'Made', headers: { 'X-A': '1' } });
  t.is(response.headers.get('x-a'), '1');
  t.is(lightParts(response), null);
  t.is(await response.text(), 'hello');
  t.true(response.bodyUsed);
  t.true((await fetchLike()) instanceof LightResponse);
  // A stream body, or a status the standard constructor refuses, is standard at once.
  t.is(lightParts(new LightResponse(new ReadableStream())), null);
  t.throws(() => new LightResponse('x', { status: 700 }));
  t.is(await (new LightResponse(new Uint8Array([104, 105])) as unknown as Response).text(), 'hi');
});

/** A standard Response, as a fetch() would return. */
function fetchLike(): Promise<Response> {
  return Promise.resolve(new (Object.getPrototypeOf(LightResponse.prototype) as { constructor: typeof Response }).constructor('x'));
}

test('AppServer writes a light response with its Content-Length, and HEAD gets the length only', async (t) => {
  const world = appWorld(() => new LightResponse('Hello, World!', { headers: [['X-Kind', 'light']] }) as unknown as Response);
  const { client, reader } = world.client(['GET', 'HEAD']);
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\nHEAD / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(2, () => reader.responses.length === 2));
  const [get, head] = reader.responses;
  t.is(get!.body.toString(), 'Hello, World!');
  t.is(header(get!, 'content-length'), '13');
  t.is(header(get!, 'content-type'), 'text/plain;charset=UTF-8');
  t.is(header(get!, 'x-kind'), 'light');
  t.is(header(head!, 'content-length'), '13');
  t.is(head!.body.length, 0);
});

test('AppServer refuses header injection from a light response with a 500', (t) => {
  const world = appWorld(() => new LightResponse('x', { headers: { 'X-Evil': 'a\r\nSet-Cookie: b' } }) as unknown as Response);
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  t.is(world.server.faults, 1);
});

test.serial('installLightResponse makes the global Response light, and standard responses stay instanceof Response', async (t) => {
  const standard = globalThis.Response;
  try {
    installLightResponse();
    installLightResponse();
    t.is(globalThis.Response, LightResponse as unknown as typeof Response);
    const made = new Response('made');
    t.not(lightParts(made), null);
    t.true(new standard('std') instanceof Response);
    t.is(await made.text(), 'made');
  } finally {
    globalThis.Response = standard;
  }
});

test('LightResponse.json stays light, with the standard content type unless given, and refuses what JSON cannot hold', async (t) => {
  const made = LightResponse.json({ a: [1] }, { status: 201 });
  t.not(lightParts(made), null);
  t.is(made.status, 201);
  t.is(made.headers.get('content-type'), 'application/json');
  t.deepEqual(await made.json(), { a: [1] });
  t.is(LightResponse.json(null, { headers: { 'content-type': 'application/problem+json' } }).headers.get('content-type'), 'application/problem+json');
  t.throws(() => LightResponse.json(undefined), { instanceOf: TypeError });
});
