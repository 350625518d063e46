/**
 * A real Hono application — routing, params, JSON, cookies, an error
 * handler, a 404 and an event stream (Hono's streamSSE) — served unchanged
 * by serve() and driven by Node's fetch; then the same application inside a
 * simulation with a seed, asked by the Patron.
 */
import test from 'ava';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { AppServer } from '../../src/app/app-server.js';
import { serve } from '../../src/app/serve.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { httpWorld } from '../helpers/http-client.js';
import { simPatron } from '../helpers/patron-world.js';

function application(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.text('Hello, World!'));
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), sort: c.req.query('sort') ?? null }));
  app.post('/echo', async (c) => c.json(await c.req.json<unknown>(), 201));
  app.get('/login', (c) => {
    setCookie(c, 'session', 'abc123', { path: '/', httpOnly: true, sameSite: 'Lax' });
    return c.text('logged in');
  });
  app.get('/whoami', (c) => c.text(getCookie(c, 'session') ?? 'nobody'));
  app.get('/fail', () => {
    throw new Error('route failed');
  });
  // No stream.sleep: Hono's waits on a real timer, which a simulation never fires.
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      for (let n = 1; n <= 3; n++) await stream.writeSSE({ event: 'tick', data: `tick ${n}\nof 3`, id: String(n) });
    }),
  );
  app.onError((error, c) => c.json({ error: error.message }, 500));
  app.notFound((c) => c.text('no such page', 404));
  return app;
}

/** What /events writes. */
const EVENTS = [1, 2, 3].map((n) => `event: tick\ndata: tick ${n}\ndata: of 3\nid: ${n}\n\n`).join('');

test('A Hono application runs unchanged on serve() and answers Node fetch', async (t) => {
  t.timeout(20_000);
  const handle = serve({ port: 0, fetch: application().fetch });
  const { port } = await handle.listening;
  const base = `http://127.0.0.1:${port}`;
  const signal = (): AbortSignal => AbortSignal.timeout(10_000);
  try {
    const hello = await fetch(`${base}/`, { signal: signal() });
    t.is(await hello.text(), 'Hello, World!');
    t.is(hello.headers.get('content-length'), '13');
    t.deepEqual(await (await fetch(`${base}/users/42?sort=asc`, { signal: signal() })).json(), { id: '42', sort: 'asc' });
    const posted = await fetch(`${base}/echo`, {
      method: 'POST',
      body: JSON.stringify({ a: [1, 2] }),
      headers: { 'content-type': 'application/json' },
      signal: signal(),
    });
    t.is(posted.status, 201);
    t.deepEqual(await posted.json(), { a: [1, 2] });
    const login = await fetch(`${base}/login`, { signal: signal() });
    t.is(login.headers.get('set-cookie'), 'session=abc123; Path=/; HttpOnly; SameSite=Lax');
    t.is(await (await fetch(`${base}/whoami`, { headers: { cookie: 'session=abc123' }, signal: signal() })).text(), 'abc123');
    const failed = await fetch(`${base}/fail`, { signal: signal() });
    t.is(failed.status, 500);
    t.deepEqual(await failed.json(), { error: 'route failed' });
    const missing = await fetch(`${base}/nowhere`, { signal: signal() });
    t.is(missing.status, 404);
    t.is(await missing.text(), 'no such page');
    const events = await fetch(`${base}/events`, { signal: signal() });
    t.is(events.headers.get('content-type'), 'text/event-stream');
    t.is(events.headers.get('transfer-encoding'), 'chunked');
    t.is(await events.text(), EVENTS);
  } finally {
    await handle.close(2);
  }
});

test('The same Hono application answers inside a simulation, byte for byte the same for the same seed', async (t) => {
  const run = async (): Promise<{ answers: string[]; digest: string }> => {
    const world = httpWorld({}, { seed: 11, jitter: 0.002 }, (bare: BareServerOptions) => {
      const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
      return new AppServer({ ...shared, fetch: application().fetch });
    });
    // Four requests at once, pipelined on one connection by the Patron.
    const patron = simPatron(world, { pipelining: 4 });
    const exchanges = ['/users/7', '/login', '/nowhere', '/events'].map((path) => patron.request({ url: `http://server${path}` }));
    t.true(await world.settle(5, () => exchanges.every((exchange) => exchange.done)));
    t.is(patron.connectionCount, 1);
    t.is(exchanges[3]!.headers.get('content-type'), 'text/event-stream');
    const answers = exchanges.map((exchange) => `${exchange.status} ${exchange.headers.get('set-cookie') ?? '-'} ${exchange.readAll().toString()}`);
    return { answers, digest: world.net.trace.digest() };
  };
  const first = await run();
  t.deepEqual(first.answers, [
    '200 - {"id":"7","sort":null}',
    '200 session=abc123; Path=/; HttpOnly; SameSite=Lax logged in',
    '404 - no such page',
    `200 - ${EVENTS}`,
  ]);
  // Byte for byte: the network's trace digest covers every event and payload.
  t.deepEqual(await run(), first);
});
