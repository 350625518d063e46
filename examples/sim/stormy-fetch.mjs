// A small JSON API (a fetch application) under stormy faults: partitions,
// resets, crashes, byte-at-a-time requests, cut responses, keep-alive races.
// It passes: every request is answered once or its connection fails.
//
//   npm run build && npx hio sim examples/sim/stormy-fetch.mjs --seeds 1..200
import { closedLoop, defineScenario, sometimes, uploads } from 'hio-ts/testing';

/** The application, with its state: one per run, so every run of a seed starts the same. */
function api() {
  const items = new Map();
  return async function fetch(request) {
    const url = new URL(request.url);
    const echo = { 'x-sim-request': request.headers.get('x-sim-request') ?? '' };
    if (request.method === 'POST' && url.pathname === '/items') {
      const text = await request.text();
      const id = String(items.size + 1);
      items.set(id, text);
      return Response.json({ id, bytes: text.length }, { status: 201, headers: echo });
    }
    if (request.method === 'POST' && url.pathname === '/upload') {
      const bytes = (await request.arrayBuffer()).byteLength;
      return Response.json({ bytes }, { headers: echo });
    }
    const match = /^\/items\/(\d+)$/.exec(url.pathname);
    if (match !== null) {
      const item = items.get(match[1]);
      sometimes(item !== undefined, 'an item written earlier is read back');
      return item === undefined ? new Response('not found', { status: 404, headers: echo }) : new Response(item, { headers: echo });
    }
    return new Response('hello', { headers: echo });
  };
}

// A function of the seed: each run gets a fresh application.
export default defineScenario(() => ({
  name: 'stormy-fetch',
  hosts: { api: { fetch: api() } },
  clients: [
    closedLoop({
      name: 'writer',
      clients: 4,
      requests: 50,
      think: [0, 0.2],
      request: (i, random) =>
        i % 2 === 0 ? { method: 'POST', path: '/items', body: `item ${i} ${random.int(1000)}` } : { path: `/items/${1 + random.int(i + 1)}` },
    }),
    uploads(200_000, { name: 'uploader', clients: 2, requests: 5, chunked: true }),
  ],
  faults: 'stormy',
  until: 5,
}));
