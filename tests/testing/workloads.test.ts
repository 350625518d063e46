import { spawnSync } from 'node:child_process';
import test from 'ava';
import { Hono } from 'hono';
import { sse } from '../../src/app/sse.js';
import { at } from '../../src/testing/fault-plan.js';
import { always, sometimes } from '../../src/testing/sim-context.js';
import { simulate, type SimulateOptions } from '../../src/testing/simulate.js';
import { RawServer } from './broken-servers.js';
import { closedLoop, eventListener, openLoop, pipelined, rawLoop, slowloris, slowReaders, uploads } from '../../src/testing/workloads.js';

const quiet = { throws: false, timeline: 'never' } as const;
const hello = (): Response => new Response('x'.repeat(20_000));

function summary(result: Awaited<ReturnType<typeof simulate>>): string {
  return result.violations.map((violation) => `${violation.invariant}: ${violation.message}`).join('; ');
}

test('open-loop clients make their requests at Poisson arrivals whatever the answers', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 3,
    hosts: { api: { fetch: hello } },
    clients: [openLoop({ clients: 2, rate: 50, requests: 40 })],
    faults: 'calm',
  });
  t.true(result.ok, summary(result));
  t.is(result.requests.length, 80);
  const starts = result.requests.filter((request) => request.client === 'open-1').map((request) => request.start);
  // Arrivals do not wait for answers: some requests start before the one before them ended.
  t.true(result.requests.some((request, i) => i > 0 && request.client === 'open-1' && request.start < (result.requests[i - 1]!.end ?? Infinity)));
  t.true(starts[starts.length - 1]! > 0.2);
});

test('raw-loop clients record each answer at the tyme its last bytes arrive, head and body in one delivery', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 1,
    keepTrace: true,
    hosts: { api: { bare: {} } },
    clients: [rawLoop({ clients: 1, requests: 3, think: 60 })],
    faults: 'calm',
    net: { jitter: 0 },
  });
  t.true(result.ok, summary(result));
  // Each answer is one parcel from the server: the request ends when it is delivered, not at some later pass.
  const answers = result.events.filter((event) => event.kind === 'deliver' && event.from === 'api' && event.bytes > 0).map((event) => event.tyme);
  t.deepEqual(
    result.requests.map((request) => request.end),
    answers,
  );
});

test('pipelined clients carry several requests per connection, in order', async (t) => {
  const result = await simulate({ ...quiet, seed: 4, hosts: { api: { bare: {} } }, clients: [pipelined(4, { clients: 2, requests: 40 })], faults: 'calm' });
  t.true(result.ok, summary(result));
  t.is(result.requests.filter((request) => request.status === 200).length, 80);
  t.true(
    result.profile.some((line) => /connections accepted: 2;/.test(line)),
    result.profile.join('\n'),
  );
  // Each request knows the connection it reached the server on: one per client here.
  t.is(new Set(result.requests.map((request) => request.conn)).size, 2);
  t.false(result.requests.some((request) => request.conn === 0));
});

test('uploads and slow readers pass; a slow reader takes virtual time, not wall time', async (t) => {
  const echo = async (request: Request): Promise<Response> => new Response(String((await request.arrayBuffer()).byteLength));
  const up = await simulate({
    ...quiet,
    seed: 5,
    hosts: { api: { fetch: echo } },
    clients: [uploads(300_000, { clients: 2, requests: 3, chunked: true }), uploads(100_000, { requests: 2 })],
    faults: 'calm',
  });
  t.true(up.ok, summary(up));
  t.deepEqual(new Set(up.requests.map((request) => request.status)), new Set([200]));
  const slow = await simulate({ ...quiet, seed: 5, hosts: { api: { fetch: hello } }, clients: [slowReaders(2_000, { requests: 3 })], faults: 'calm' });
  t.true(slow.ok, summary(slow));
  // 3 × 20 kB read at 2 kB/s: about 30 s of tyme.
  t.true(slow.tyme > 25, String(slow.tyme));
  t.true(slow.requests.every((request) => request.bytes === 20_000));
});

test('a slowloris is closed by the server within its header tymeout', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 6,
    hosts: { api: { bare: { headerTymeout: 5 } } },
    clients: [slowloris({ interval: 0.5, connections: 2 }), closedLoop({ requests: 3 })],
    faults: 'calm',
  });
  t.true(result.ok, summary(result));
  const slow = result.requests.filter((request) => request.client === 'slowloris-1');
  t.is(slow.length, 2);
  for (const request of slow) t.true(request.end! - request.start < 5 + 1.5, `${request.start} → ${request.end}`);
});

test('a server that keeps a slowloris past its tymeout breaks connection-tymeout', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 6,
    hosts: { api: { bare: { headerTymeout: 5 } } },
    clients: [slowloris({ interval: 0.5 })],
    faults: 'calm',
    slack: 0.5,
    limit: 40,
    drain: 5,
  });
  t.true(result.ok, summary(result));
  // A server with no header tymeout at all, said to keep one of 2 s, is caught holding the head for longer.
  const strict = await simulate({
    ...quiet,
    seed: 6,
    hosts: { api: { serve: (servant) => new RawServer(servant, 'none'), tymeouts: { header: 2 } } },
    clients: [slowloris({ interval: 0.5 })],
    faults: 'calm',
    slack: 0.5,
    limit: 40,
    drain: 5,
  });
  t.true(
    strict.violations.some((violation) => violation.invariant === 'connection-tymeout'),
    summary(strict),
  );
});

test('event-stream listeners read their events across a server restart', async (t) => {
  const fetch = (request: Request, info: Parameters<typeof sse>[0]): Response =>
    new URL(request.url).pathname === '/events'
      ? sse(info, async (stream) => {
          for (let n = 1; n <= 50; n++) {
            await stream.send({ data: `tick ${n}`, id: String(n), retry: 200 });
            await stream.sleep(0.1);
          }
        })
      : new Response('no', { status: 404 });
  const result = await simulate({
    ...quiet,
    seed: 7,
    hosts: { api: { fetch } },
    clients: [eventListener({ clients: 2, events: 20 })],
    faults: [at(0.5, { kind: 'crash', for: 0.5 })],
  });
  t.true(result.ok, summary(result));
  t.true(result.requests.every((request) => request.status === 200 && request.bytes === 20));
  t.true(result.faults[0]!.reached);
});

test('a Hono application runs as a host', async (t) => {
  const app = new Hono();
  app.get('/', (c) => c.text('hono'));
  app.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));
  const result = await simulate({
    ...quiet,
    seed: 8,
    hosts: { api: { fetch: app.fetch } },
    clients: [closedLoop({ clients: 3, requests: 10, request: (i) => (i % 2 === 0 ? {} : { method: 'POST', path: '/echo', body: 'abc' }) })],
    faults: 'stormy',
    until: 3,
  });
  t.true(result.ok, summary(result));
  t.true(result.requests.filter((request) => request.status === 200).length >= 20);
});

test('always and sometimes: a false always and a never-true sometimes fail the run; user invariants run every check', async (t) => {
  let checks = 0;
  const base: SimulateOptions = {
    ...quiet,
    seed: 9,
    hosts: {
      api: {
        fetch: (request) => {
          const path = new URL(request.url).pathname;
          always(path !== '/bad', 'no bad path');
          sometimes(path === '/rare', 'the rare path is taken');
          return new Response('ok');
        },
      },
    },
    clients: [closedLoop({ requests: 5, request: (i) => ({ path: i === 3 ? '/bad' : '/' }) })],
    faults: 'calm',
    invariants: {
      counted: () => {
        checks += 1;
      },
      'never more than 5 requests': (world) => world.requests.length <= 5,
    },
  };
  const result = await simulate(base);
  t.deepEqual(
    result.violations.map((violation) => violation.invariant),
    ['always:no bad path', 'sometimes:the rare path is taken'],
  );
  t.true(checks >= 2);
  const assertion = result.assertions.find((record) => record.name === 'no bad path')!;
  t.is(assertion.evaluations, 5);
  t.is(assertion.passes, 4);
  const grown = await simulate({ ...base, clients: [closedLoop({ requests: 6, request: (i) => ({ path: i === 5 ? '/rare' : '/' }) })] });
  t.deepEqual(
    grown.violations.map((violation) => violation.invariant),
    ['never more than 5 requests'],
  );
});

test('faults that reach nothing are flagged: the false green', async (t) => {
  // The clients are done long before the only fault fires.
  const unreached = {
    ...quiet,
    seed: 10,
    hosts: { api: { fetch: hello } },
    clients: [closedLoop({ requests: 2 })],
    faults: [at(20, 'reset')],
    until: 30,
  };
  const result = await simulate(unreached);
  t.deepEqual(
    result.violations.map((violation) => violation.invariant),
    ['faults-reached'],
  );
  t.is(result.faults.length, 0);
  const counted = await simulate({ ...unreached, unreachedFaults: 'count' });
  t.true(counted.ok);
  t.true(
    counted.profile.some((line) => /planned 1 fault before 30 s; 0 fired, 0 reached/.test(line)),
    counted.profile.join('\n'),
  );
  const late = await simulate({
    ...quiet,
    seed: 10,
    hosts: { api: { fetch: hello } },
    clients: [closedLoop({ requests: 20, think: 0.5 })],
    faults: [at(3, { kind: 'refuse', for: 0.1 })],
    until: 30,
  });
  t.deepEqual(
    late.violations.map((violation) => violation.invariant),
    ['faults-reached'],
  );
});

test('the same seed gives the same digest in two processes', (t) => {
  const script = `
    import { simulate, closedLoop } from './src/testing/index.ts';
    const result = await simulate({ seed: 11, throws: false, timeline: 'never', hosts: { api: { fetch: () => new Response('hi') } }, clients: [closedLoop({ clients: 3, requests: 20 })], faults: 'stormy', until: 3 });
    console.log(result.digest);`;
  const run = (): string => {
    const child = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    t.is(child.status, 0, child.stderr);
    return child.stdout.trim();
  };
  const first = run();
  t.regex(first, /^[0-9a-f]{16}$/);
  t.is(run(), first);
});

test('raw clients pipeline through a server under stormy faults, every request audited', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 12,
    hosts: { api: { bare: {} } },
    clients: [rawLoop({ clients: 5, requests: 200, depth: 4, think: 0.02 })],
    faults: 'stormy',
    until: 3,
  });
  t.true(result.ok, summary(result));
  t.is(result.requests.length, 1000);
  t.true(result.requests.every((request) => request.end !== null && (request.status === 200 || request.error !== null)));
  t.true(result.requests.filter((request) => request.status === 200).length > 500);
  // The same raw load catches a server that answers twice after a reset.
  const broken = await simulate({
    ...quiet,
    seed: 12,
    hosts: { api: { serve: (servant) => new RawServer(servant, 'answers-twice-after-reset') } },
    clients: [rawLoop({ clients: 3, requests: 100, think: 0.01 })],
    faults: [at(0.2, 'reset'), at(0.4, 'reset')],
  });
  t.is(broken.violations[0]?.invariant, 'answered-once', summary(broken));
});
