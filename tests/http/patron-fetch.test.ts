/**
 * Patron#fetch on the simulated network against an AppServer: the WHATWG
 * Response it returns (status, headers, url, redirected, a streamed body),
 * redirects of every kind through the redirect layer, loops and limits,
 * credentials stripped across origins, and an abort signal.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import type { HioError } from '../../src/core/errors.js';
import type { Patron } from '../../src/http/patron.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';
import { rawServer, simPatron } from '../helpers/patron-world.js';

function appWorld(fetch: FetchHandler): HttpWorld {
  return httpWorld({}, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch });
  });
}

/** Echoes what arrived, and redirects /r/STATUS/… to the rest of the path (/r/303/x → /x). */
const handler: FetchHandler = async (request) => {
  const url = new URL(request.url);
  const redirect = /^\/r\/(\d{3})(\/.*)$/.exec(url.pathname);
  if (redirect !== null) return new Response(null, { status: Number(redirect[1]), headers: { location: redirect[2]! + url.search } });
  if (url.pathname === '/loop') return new Response(null, { status: 302, headers: { location: '/loop2' } });
  if (url.pathname === '/loop2') return new Response(null, { status: 302, headers: { location: 'http://server/loop' } });
  if (url.pathname === '/away') return new Response(null, { status: 302, headers: { location: 'http://other/landing' } });
  if (url.pathname === '/bad') return new Response(null, { status: 301, headers: { location: 'ftp://server/x' } });
  const body = await request.text();
  return Response.json({
    method: request.method,
    path: url.pathname + url.search,
    body,
    type: request.headers.get('content-type'),
    auth: request.headers.get('authorization'),
  });
};

/** Runs the world until the fetch settles (the handler's promises settle between recurs); resolves with its outcome. */
async function fetchIn(world: HttpWorld, patron: Patron, url: string, init: Parameters<Patron['fetch']>[1] = {}): Promise<Response> {
  let outcome: { response: Response } | { error: unknown } | null = null;
  patron.fetch(url, init).then(
    (response) => (outcome = { response }),
    (error: unknown) => (outcome = { error }),
  );
  await world.settle(30, () => outcome !== null);
  if (outcome === null) throw new Error('the fetch did not settle');
  const settled = outcome as { response: Response } | { error: unknown };
  if ('error' in settled) throw settled.error;
  return settled.response;
}

/** What the handler echoes. */
interface Echo {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly type: string | null;
  readonly auth: string | null;
}

async function jsonIn(world: HttpWorld, response: Response): Promise<Echo> {
  let body: unknown = null;
  void response.json().then((value) => (body = value));
  await world.settle(10, () => body !== null);
  return body as Echo;
}

test('Patron#fetch returns a WHATWG Response: status, headers, url and a body', async (t) => {
  const world = appWorld(handler);
  const patron = simPatron(world);
  const response = await fetchIn(world, patron, 'http://server/hi?x=1#frag', { method: 'POST', body: 'text body' });
  const bare = await fetchIn(world, patron, 'http://server/bare#');
  t.is(bare.url, 'http://server/bare', 'an empty fragment is dropped too');
  t.true(response instanceof Response);
  t.is(response.status, 200);
  t.is(response.url, 'http://server/hi?x=1');
  t.false(response.redirected);
  t.regex(response.headers.get('content-type') ?? '', /application\/json/);
  t.deepEqual(await jsonIn(world, response), { method: 'POST', path: '/hi?x=1', body: 'text body', type: 'text/plain;charset=UTF-8', auth: null });
});

test('Patron#fetch follows 301/302 (POST becomes GET), 303 (GET), 307/308 (method and body kept), relative Locations', async (t) => {
  const world = appWorld(handler);
  const patron = simPatron(world);
  const cases: Array<[number, string, string]> = [
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'payload'],
    [308, 'POST', 'payload'],
  ];
  for (const [status, method, body] of cases) {
    const response = await fetchIn(world, patron, `http://server/r/${status}/landed?s=${status}`, { method: 'POST', body: 'payload' });
    t.true(response.redirected, `${status}`);
    t.is(response.url, `http://server/landed?s=${status}`);
    const echoed = await jsonIn(world, response);
    t.deepEqual([echoed.method, echoed.body, echoed.path], [method, body, `/landed?s=${status}`], `${status}`);
    if (method === 'GET') t.is(echoed.type, null, 'the content fields went with the body');
  }
  const put = await fetchIn(world, patron, 'http://server/r/303/after-put', { method: 'PUT', body: 'x' });
  t.is((await jsonIn(world, put)).method, 'GET');
});

test('Patron#fetch stops at redirects when asked: manual hands the 3xx back, error rejects, maxRedirects bounds the chain', async (t) => {
  const world = appWorld(handler);
  const patron = simPatron(world);
  const manual = await fetchIn(world, patron, 'http://server/r/302/x', { redirect: 'manual' });
  t.is(manual.status, 302);
  t.is(manual.headers.get('location'), '/x');
  const refused = await t.throwsAsync(fetchIn(world, patron, 'http://server/r/302/x', { redirect: 'error' }));
  t.is((refused as HioError).code, 'HIO_ERR_REDIRECT_LIMIT');
  const limited = await t.throwsAsync(fetchIn(world, patron, 'http://server/r/302/r/302/r/302/x', { maxRedirects: 2 }));
  t.is((limited as HioError).code, 'HIO_ERR_REDIRECT_LIMIT');
  const ok = await fetchIn(world, patron, 'http://server/r/302/r/302/x', { maxRedirects: 2 });
  t.is(ok.status, 200);
});

test('Patron#fetch refuses redirect loops, non-http Locations, and a 307 with a stream body', async (t) => {
  const world = appWorld(handler);
  const patron = simPatron(world);
  const loop = await t.throwsAsync(fetchIn(world, patron, 'http://server/loop'));
  t.is((loop as HioError).code, 'HIO_ERR_REDIRECT_LOOP');
  const bad = await t.throwsAsync(fetchIn(world, patron, 'http://server/bad'));
  t.is((bad as HioError).code, 'HIO_ERR_REDIRECT_LOCATION');
  function* once(): Generator<string> {
    yield 'streamed';
  }
  const stream = await t.throwsAsync(fetchIn(world, patron, 'http://server/r/307/x', { method: 'POST', body: once() }));
  t.is((stream as HioError).code, 'HIO_ERR_REDIRECT_BODY');
  // The connection survived every one of them.
  t.is((await fetchIn(world, patron, 'http://server/fine')).status, 200);
});

test('Patron#fetch sends credentials and cookies to the same origin only', async (t) => {
  const world = appWorld(handler);
  const other = rawServer(
    world,
    (connection) => {
      if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
        connection.state = 1;
        connection.remoter.tx(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhere'));
      }
    },
    'other',
  );
  const patron = simPatron(world);
  const response = await fetchIn(world, patron, 'http://server/away', { headers: { authorization: 'Bearer secret', cookie: 'a=1', 'x-keep': 'yes' } });
  t.is(response.url, 'http://other/landing');
  const seen = other[0]!.received.toLowerCase();
  t.true(seen.includes('x-keep: yes'));
  t.false(seen.includes('authorization'));
  t.false(seen.includes('cookie'));
  const same = await fetchIn(world, patron, 'http://server/r/302/here', { headers: { authorization: 'Bearer secret' } });
  t.is((await jsonIn(world, same)).auth, 'Bearer secret');
});

test("Patron#fetch rejects with the signal's reason when aborted before the head, and the Patron goes on", async (t) => {
  const world = appWorld(async (request) => {
    if (new URL(request.url).pathname === '/slow') await new Promise(() => {});
    return new Response('ok');
  });
  const patron = simPatron(world);
  const controller = new AbortController();
  let failure: unknown = null;
  patron.fetch('http://server/slow', { signal: controller.signal }).catch((error: unknown) => (failure = error));
  await world.settle(1);
  controller.abort(new Error('enough'));
  await world.settle(1, () => failure !== null);
  t.is((failure as Error).message, 'enough');
  const next = await fetchIn(world, patron, 'http://server/fast');
  t.is(next.status, 200);
});
