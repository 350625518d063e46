/**
 * The Patron on real sockets (port 0): against node:http and the hio-ts
 * server, over TLS with a test certificate, driving itself (no Doist from
 * the caller) and inside a caller's real-mode Doist.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { serve } from '../../src/app/serve.js';
import type { HioError } from '../../src/core/errors.js';
import { doify } from '../../src/doing/doify.js';
import type { Dog } from '../../src/doing/doable.js';
import { Doist } from '../../src/doing/doist.js';
import { PatronDoer } from '../../src/http/patron-doer.js';
import { Patron } from '../../src/http/patron.js';

const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url));
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url));

/** Reads a request body whole. */
async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A node:http server on port 0 answering with `handler`; counts connections. */
async function nodeServer(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string; connections: () => number }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, connections: () => connections };
}

test('Patron#fetch drives itself against node:http: GET, POST, a streamed upload, one kept-alive connection', async (t) => {
  const { server, origin, connections } = await nodeServer((request, response) => {
    void bodyOf(request).then((body) => {
      response.setHeader('x-method', request.method ?? '');
      response.end(`${request.url} ${body.length} ${createHash('md5').update(body).digest('hex')} ${request.headers['transfer-encoding'] ?? 'fixed'}`);
    });
  });
  const patron = new Patron();
  try {
    const get = await patron.fetch(`${origin}/hello?x=1`);
    t.is(get.status, 200);
    t.is(get.url, `${origin}/hello?x=1`);
    t.is(await get.text(), `/hello?x=1 0 ${createHash('md5').digest('hex')} fixed`);
    const posted = Buffer.alloc(300_000, 7);
    const post = await patron.fetch(`${origin}/post`, { method: 'POST', body: posted });
    t.is(post.headers.get('x-method'), 'POST');
    t.is(await post.text(), `/post 300000 ${createHash('md5').update(posted).digest('hex')} fixed`);
    async function* parts(): AsyncGenerator<Uint8Array | string> {
      for (let i = 0; i < 50; i++) yield i % 2 === 0 ? `part ${i};` : Buffer.alloc(10_000, i);
    }
    const expected = createHash('md5');
    for (let i = 0; i < 50; i++) expected.update(i % 2 === 0 ? `part ${i};` : Buffer.alloc(10_000, i));
    const streamed = await patron.fetch(`${origin}/stream`, { method: 'PUT', body: parts() });
    const [path, length, md5, coding] = (await streamed.text()).split(' ');
    t.deepEqual([path, md5, coding], ['/stream', expected.digest('hex'), 'chunked']);
    t.true(Number(length) > 250_000);
    t.is(connections(), 1);
  } finally {
    patron.close();
    server.close();
  }
});

test('Patron#fetch streams a large response body with backpressure, and its signal aborts one mid-body', async (t) => {
  const big = Buffer.alloc(8 << 20);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
  const { server, origin } = await nodeServer((request, response) => {
    if (request.url === '/endless') {
      response.writeHead(200);
      const write = (): void => {
        while (response.write(Buffer.alloc(65536))) {
          // Fill until the socket pushes back, then wait for drain.
        }
      };
      response.on('drain', write);
      write();
      return;
    }
    response.end(big);
  });
  const patron = new Patron({ bodyHighWater: 32 * 1024 });
  try {
    const response = await patron.fetch(`${origin}/big`);
    const hash = createHash('md5');
    let received = 0;
    for await (const chunk of response.body!) {
      hash.update(chunk);
      received += chunk.length;
    }
    t.is(received, big.length);
    t.is(hash.digest('hex'), createHash('md5').update(big).digest('hex'));

    const controller = new AbortController();
    const endless = await patron.fetch(`${origin}/endless`, { signal: controller.signal });
    const reader = endless.body!.getReader();
    let got = 0;
    while (got < 1 << 20) got += (await reader.read()).value!.length;
    controller.abort();
    let failure: unknown = null;
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (error) {
      failure = error;
    }
    t.is((failure as DOMException | null)?.name, 'AbortError');
    // The aborted exchange's connection is gone; the Patron still serves.
    const after = await patron.fetch(`${origin}/big`);
    t.is((await after.arrayBuffer()).byteLength, big.length);
  } finally {
    patron.close();
    server.close();
  }
});

test('Patron#fetch speaks TLS with a test certificate given as ca; the default trust refuses it', async (t) => {
  const tls = createTlsServer({ key, cert }, (request, response) => response.end(`secure ${request.url}`));
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const { port } = tls.address() as AddressInfo;
  const trusting = new Patron({ tls: { ca: cert } });
  const strict = new Patron();
  try {
    const response = await trusting.fetch(`https://127.0.0.1:${port}/s`);
    t.is(await response.text(), 'secure /s');
    const refused = await t.throwsAsync(strict.fetch(`https://127.0.0.1:${port}/s`));
    t.is((refused as HioError).code, 'HIO_ERR_CONNECT');
  } finally {
    trusting.close();
    strict.close();
    tls.close();
  }
});

test('Patron#fetch talks to the hio-ts server: JSON both ways', async (t) => {
  const handle = serve({
    port: 0,
    fetch: async (request) => Response.json({ got: await request.json(), method: request.method }),
  });
  const address = await handle.listening;
  const patron = new Patron();
  try {
    const response = await patron.fetch(`http://127.0.0.1:${address.port}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    t.deepEqual(await response.json(), { got: { a: [1, 2] }, method: 'POST' });
  } finally {
    patron.close();
    await handle.close();
  }
});

test("PatronDoer runs a Patron in a caller's real-mode Doist: a doer polls its exchanges without promises", async (t) => {
  const { server, origin } = await nodeServer((request, response) => response.end(`polled ${request.url}`));
  const patron = new Patron();
  const bodies: string[] = [];
  const client = doify(function* poll(): Dog {
    for (const path of ['/a', '/b']) {
      const exchange = patron.request({ url: `${origin}${path}` });
      while (!exchange.settled) yield 0;
      bodies.push(`${exchange.status} ${exchange.readAll().toString()}`);
    }
    return true;
  });
  const doist = new Doist({ real: true });
  const controller = new AbortController();
  const bound = setTimeout(() => controller.abort(), 10_000);
  const patronDoer = new PatronDoer(patron);
  await doist.run(
    [
      patronDoer,
      doify(function* watch(): Dog {
        while (bodies.length < 2) yield 0;
        controller.abort();
        return true;
      }),
      client,
    ],
    { signal: controller.signal },
  );
  clearTimeout(bound);
  server.close();
  t.deepEqual(bodies, ['200 polled /a', '200 polled /b']);
  t.is(patron.connectionCount, 0, "the doer's exit closed the connections");
});

test("PatronDoer sends a large bytes body at the socket's pace even in a Doist whose tock is long", async (t) => {
  t.timeout(30_000);
  const { server, origin } = await nodeServer((request, response) => {
    void bodyOf(request).then((body) => response.end(String(body.length)));
  });
  const patron = new Patron();
  // Without a wake, each 256 KiB batch would wait a whole tock (5 s): 16 batches, over a minute.
  const doist = new Doist({ real: true, tock: 5 });
  const controller = new AbortController();
  let answer = '';
  const upload = doify(function* upload(): Dog {
    const exchange = patron.request({ url: `${origin}/up`, method: 'POST', body: Buffer.alloc(4 << 20, 1) });
    while (!exchange.settled) yield 0;
    answer = exchange.readAll().toString();
    controller.abort();
    return true;
  });
  await doist.run([new PatronDoer(patron), upload], { signal: controller.signal });
  server.close();
  t.is(answer, String(4 << 20));
});
