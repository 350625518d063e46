/**
 * The HTTP auditor's verdicts on purpose-built servers: each breakage caught
 * by the invariant that names it, and the same server without the breakage
 * (or a correct BareServer in the same conditions) passing.
 */
import test from 'ava';
import { at } from '../../src/testing/fault-plan.js';
import { simulate, type SimulateOptions } from '../../src/testing/simulate.js';
import { closedLoop, rawLoop, uploads } from '../../src/testing/workloads.js';
import { FramingServer, type FramingBreakage } from './broken-servers.js';

const quiet = { throws: false, timeline: 'never' } as const;
const invariants = (result: { violations: ReadonlyArray<{ invariant: string }> }): string[] => [
  ...new Set(result.violations.map((violation) => violation.invariant)),
];

function framing(breakage: FramingBreakage, request: { method?: string; headers?: Record<string, string> } = {}): SimulateOptions {
  return {
    ...quiet,
    seed: 2,
    hosts: { api: { serve: (servant) => new FramingServer(servant, breakage) } },
    clients: [closedLoop({ clients: 2, requests: 4, request })],
    faults: 'calm',
  };
}

test('a server that closes without answering a Connection: close request breaks answered-once; answering it passes', async (t) => {
  const close = { headers: { connection: 'close' } };
  t.deepEqual(invariants(await simulate(framing('drop-close-request', close))), ['answered-once']);
  t.deepEqual(invariants(await simulate(framing('none', close))), []);
});

test('a response cut short by the server closing breaks valid-response', async (t) => {
  t.deepEqual(invariants(await simulate(framing('short-body-close'))), ['valid-response']);
  t.deepEqual(invariants(await simulate(framing('none'))), []);
});

test('a body after a HEAD response breaks valid-response', async (t) => {
  const result = await simulate(framing('head-with-body', { method: 'HEAD' }));
  t.true(invariants(result).includes('valid-response'), JSON.stringify(result.violations));
  t.deepEqual(invariants(await simulate(framing('none', { method: 'HEAD' }))), []);
});

test('a client that gives up while its upload is held is no fault of the server', async (t) => {
  for (const hosts of [{ api: { bare: {} } }, { api: { fetch: async (request: Request) => new Response(String((await request.arrayBuffer()).byteLength)) } }]) {
    const result = await simulate({
      ...quiet,
      seed: 3,
      hosts,
      clients: [uploads(100_000, { requests: 3, patron: { responseTymeout: 1 } })],
      faults: [at(0.02, { kind: 'hold', for: 3, pick: 0 })],
      containedFaults: 'count',
    });
    t.deepEqual(invariants(result), [], JSON.stringify(result.violations));
  }
});

test('a refused connect marks its refuse fault reached', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 4,
    hosts: { api: { bare: { keepAliveTymeout: 0.05 } } },
    clients: [closedLoop({ requests: 10, think: 0.1 })],
    faults: [at(0.3, { kind: 'refuse', for: 0.3 })],
  });
  t.true(result.faults[0]!.reached, JSON.stringify(result.faults));
  t.deepEqual(invariants(result), []);
});

test('the keep-alive race: a raw client sending as the server closes the idle connection reaches the fault, and a correct server passes', async (t) => {
  const result = await simulate({
    ...quiet,
    seed: 5,
    hosts: { api: { bare: { keepAliveTymeout: 2 } } },
    clients: [rawLoop({ requests: 6, think: 0.1 })],
    faults: [at(0.05, 'keep-alive-race'), at(2.5, 'keep-alive-race')],
    until: 3,
  });
  t.deepEqual(invariants(result), []);
  t.true(
    result.faults.some((fault) => fault.kind === 'keep-alive-race' && fault.reached),
    JSON.stringify(result.faults),
  );
});

test('two workloads of one name are refused', async (t) => {
  await t.throwsAsync(simulate({ ...quiet, hosts: { api: { bare: {} } }, clients: [closedLoop({ name: 'x' }), rawLoop({ name: 'x' })] }), {
    message: /two workloads are named "x"/,
  });
});
