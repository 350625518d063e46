/**
 * simulate() with an application that offloads: an InlineOffload on the
 * run's seeded stream, with crashes and hangs injected, answers 200, 503,
 * 504 and 500 — and the same seed replays the run byte for byte.
 */
import test from 'ava';
import { InlineOffload } from '../../src/app/inline-offload.js';
import { simulate, type SimulateOptions } from '../../src/testing/simulate.js';
import { closedLoop } from '../../src/testing/workloads.js';

function scenario(seed: number, offload: InlineOffload = pool()): SimulateOptions {
  return {
    seed,
    throws: false,
    timeline: 'never',
    // Crashes answer 500 and are contained faults: counted, not failures of the run.
    containedFaults: 'count',
    hosts: {
      api: {
        offload,
        fetch: async () => new Response(String(await offload.offload<number>('square', 7))),
      },
    },
    clients: [closedLoop({ clients: 6, requests: 15, think: [0, 0.05] })],
    faults: 'calm',
    until: 5,
  };
}

function pool(): InlineOffload {
  return new InlineOffload({
    tasks: { square: (n: number) => n * n },
    threads: 2,
    maxQueue: 1,
    latency: [0.05, 0.4],
    crash: 0.1,
    hang: 0.1,
    tymeout: 1,
    retryAfter: 2,
  });
}

function statuses(result: Awaited<ReturnType<typeof simulate>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of result.requests) {
    const key = String(request.status ?? request.error);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

test('simulate runs an offloading application: 200s, 503s when the queue is full, 504s for hangs, 500s for crashes', async (t) => {
  const offload = pool();
  const result = await simulate(scenario(1, offload));
  t.true(result.ok, result.violations.map((v) => `${v.invariant}: ${v.message}`).join('; '));
  const counts = statuses(result);
  t.is(result.requests.length, 90);
  for (const status of ['200', '503', '504', '500']) t.true((counts[status] ?? 0) > 0, `${status} in ${JSON.stringify(counts)}`);
  t.is(counts['503'], offload.rejectedBusy);
  t.is(counts['504'], offload.timedOut);
  t.is(counts['500'], offload.crashed);
  t.is(counts['200'], offload.completed);
  t.true(offload.closed, 'the run closed the server and its pool');
});

test('simulate with an offloading application: the same seed gives the same digest, the pool reused or new; another seed another', async (t) => {
  const shared = pool();
  const a = await simulate(scenario(4, shared));
  const b = await simulate(scenario(4, shared));
  const c = await simulate(scenario(4));
  const d = await simulate(scenario(5));
  t.is(a.digest, b.digest);
  t.is(a.digest, c.digest);
  t.deepEqual(statuses(a), statuses(c));
  t.not(a.digest, d.digest);
});

test('simulate refuses an offload that is not an InlineOffload', async (t) => {
  const options = scenario(1);
  const api = options.hosts['api'] as { fetch: () => Response };
  await t.throwsAsync(simulate({ ...options, hosts: { api: { ...api, offload: {} as InlineOffload } } }), { code: 'HIO_ERR_INVALID_OPTION' });
});
