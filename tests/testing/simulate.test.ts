import test from 'ava';
import { at } from '../../src/testing/fault-plan.js';
import { runScenario, shrinkScenario, type Scenario } from '../../src/testing/scenario.js';
import { simulate, SimulationError, type SimulateOptions } from '../../src/testing/simulate.js';
import { simNow } from '../../src/testing/tripwire.js';
import { closedLoop } from '../../src/testing/workloads.js';
import { RawServer, type Breakage } from './broken-servers.js';

const echoApp = async (request: Request): Promise<Response> => {
  const body = request.method === 'POST' ? await request.text() : '';
  return new Response(`${request.method} ${new URL(request.url).pathname} ${body.length}`, {
    headers: { 'x-sim-request': request.headers.get('x-sim-request') ?? '' },
  });
};

const quiet = { throws: false, timeline: 'never' } as const;

function rawScenario(breakage: Breakage): Omit<SimulateOptions, 'seed'> {
  return {
    name: `raw-${breakage}`,
    hosts: { api: { serve: (servant) => new RawServer(servant, breakage), tymeouts: { keepAlive: Infinity } } },
    clients: [closedLoop({ clients: 3, requests: 30, think: 0.05 })],
    faults: [at(0.3, 'reset'), at(0.6, 'reset'), at(0.9, 'partition'), at(1.2, 'reset')],
    until: 3,
  };
}

test('a fetch application under stormy faults passes: every request settles and faults reach connections', async (t) => {
  for (const seed of [1, 2, 3]) {
    const result = await simulate({
      ...quiet,
      seed,
      hosts: { api: { fetch: echoApp } },
      clients: [closedLoop({ clients: 4, requests: 25, think: 0.05 })],
      faults: 'stormy',
      until: 6,
    });
    t.true(result.ok, `seed ${seed}: ${result.violations.map((v) => `${v.invariant}: ${v.message}`).join('; ')}`);
    t.is(result.requests.length, 100);
    t.true(result.requests.every((request) => request.end !== null && (request.status !== null || request.error !== null)));
    t.true(result.requests.filter((request) => request.status === 200).length > 50);
    t.true(result.faults.some((fault) => fault.reached));
    t.regex(result.digest, /^[0-9a-f]{16}$/);
  }
});

test('the same seed gives the same run; another seed another', async (t) => {
  const options: SimulateOptions = {
    ...quiet,
    seed: 9,
    hosts: { api: { fetch: echoApp } },
    clients: [closedLoop({ clients: 3, requests: 10, think: [0, 0.2] })],
    faults: 'swarm',
    until: 2,
  };
  const a = await simulate(options);
  const b = await simulate(options);
  const c = await simulate({ ...options, seed: 10 });
  t.is(a.digest, b.digest);
  t.deepEqual(
    a.requests.map((r) => [r.start, r.end, r.status, r.error]),
    b.requests.map((r) => [r.start, r.end, r.status, r.error]),
  );
  t.not(a.digest, c.digest);
});

test('a server that answers one request twice after a reset breaks answered-once; the replay and the shrunk plan reproduce it', async (t) => {
  const scenario = rawScenario('answers-twice-after-reset');
  const result = await simulate({ ...quiet, ...scenario, seed: 4 });
  t.false(result.ok);
  t.is(result.violations[0]?.invariant, 'answered-once');
  const replay = await runScenario(scenario, 4);
  t.is(replay.digest, result.digest);
  t.deepEqual(replay.violations, result.violations);
  const shrunk = await shrinkScenario(scenario, 4);
  t.truthy(shrunk);
  t.true(shrunk!.after.faults < shrunk!.before.faults);
  t.true(shrunk!.after.requests < shrunk!.before.requests);
  const again = await runScenario(scenario, 4, { plan: shrunk!.plan });
  t.true(again.violations.some((violation) => violation.invariant === 'answered-once'));
});

test('a server that drops a request after a reset breaks liveness: the client gives up on a complete request never answered', async (t) => {
  const result = await simulate({ ...quiet, ...rawScenario('drops-after-reset'), seed: 5 });
  t.is(result.violations[0]?.invariant, 'liveness');
  t.regex(result.violations[0]?.message ?? '', /request 1, complete at [\d.]+ s, was still unanswered when the client gave up at [\d.]+ s/);
});

test('a server that never closes its connections breaks connections-closed', async (t) => {
  const result = await simulate({ ...quiet, ...rawScenario('leaks-connections'), faults: 'calm', seed: 6 });
  t.true(
    result.violations.some((violation) => violation.invariant === 'connections-closed'),
    JSON.stringify(result.violations),
  );
  const good = await simulate({ ...quiet, ...rawScenario('none'), faults: 'calm', seed: 6 });
  t.deepEqual(good.violations, []);
});

test('a failing simulate throws a SimulationError with the seed, the replay and the timeline path', async (t) => {
  const error = await t.throwsAsync(
    simulate({ ...rawScenario('leaks-connections'), faults: 'calm', seed: 7, out: '/tmp/hio-sim-test', replay: 'hio sim leak.mjs --seed 7' }),
    { instanceOf: SimulationError },
  );
  t.regex(error!.message, /seed 7/);
  t.regex(error!.message, /replay: hio sim leak\.mjs --seed 7/);
  t.regex(error!.message, /timeline: \/tmp\/hio-sim-test\/raw-leaks-connections-seed-7\.html/);
});

test('runScenario runs a function of the seed, and --check-determinism agrees with itself', async (t) => {
  const scenario: Scenario = (seed) => ({
    hosts: { api: { fetch: echoApp } },
    clients: [closedLoop({ clients: 1 + (seed % 3), requests: 5 })],
    faults: 'calm',
  });
  const result = await runScenario(scenario, 2, { checkDeterminism: true });
  t.true(result.ok);
  t.is(result.requests.length, 15);
});

test('a server that reads Date.now() trips the tripwire, naming the call site; simNow() does not', async (t) => {
  const clock = (request: Request): Response => new Response(String(new URL(request.url).pathname === '/now' ? Date.now() : simNow()));
  const options: SimulateOptions = {
    ...quiet,
    seed: 12,
    hosts: { api: { fetch: clock } },
    clients: [closedLoop({ requests: 3, request: (i) => ({ path: i === 1 ? '/now' : '/' }) })],
    faults: 'calm',
  };
  const result = await simulate(options);
  const trip = result.violations.find((violation) => violation.invariant === 'tripwire');
  t.truthy(trip, JSON.stringify(result.violations));
  t.regex(trip!.message, /Date\.now\(\) called inside the simulation at .*simulate\.test\.ts:\d+:\d+/);
  // The handler threw: its request got a 500, the others the simulation's clock (tyme 0 is the epoch).
  t.deepEqual(
    result.requests.map((request) => request.status),
    [200, 500, 200],
  );
  const warned = await simulate({ ...options, tripwire: 'warn', containedFaults: 'count' });
  t.deepEqual(
    warned.requests.map((request) => request.status),
    [200, 200, 200],
  );
  t.is(warned.violations.filter((violation) => violation.invariant === 'tripwire').length, 1);
  const clean = await simulate({ ...options, clients: [closedLoop({ requests: 3 })] });
  t.true(clean.ok);
  // Outside the simulation Date.now is itself again.
  t.true(Math.abs(Date.now() - new Date().getTime()) < 1000);
});

for (const [breakage, invariant] of [
  ['answers-twice-after-reset', 'answered-once'],
  ['drops-after-reset', 'liveness'],
  ['leaks-connections', 'connections-closed'],
] as const) {
  test(`a server that ${breakage.replaceAll('-', ' ')} is caught by ${invariant}, replays exactly, and shrinks to a smaller scenario`, async (t) => {
    const scenario = rawScenario(breakage);
    const seed = 21;
    const result = await runScenario(scenario, seed);
    t.true(
      result.violations.some((violation) => violation.invariant === invariant),
      JSON.stringify(result.violations),
    );
    const again = await runScenario(scenario, seed);
    t.is(again.digest, result.digest);
    t.deepEqual(again.violations, result.violations);
    const shrunk = (await shrinkScenario(scenario, seed))!;
    t.true(shrunk.after.faults + shrunk.after.requests < shrunk.before.faults + shrunk.before.requests, JSON.stringify([shrunk.before, shrunk.after]));
    t.true(shrunk.result.violations.some((violation) => violation.invariant === shrunk.description[0]!.replace(/^still breaks (.*):$/, '$1')));
    const replayed = await runScenario(scenario, seed, { plan: shrunk.plan });
    t.is(replayed.digest, shrunk.result.digest);
  });
}

test('a server that reads Date.now() is caught by the tripwire, replays exactly, and shrinks to fewer requests', async (t) => {
  const scenario: Scenario = {
    hosts: { api: { fetch: (request: Request) => new Response(new URL(request.url).pathname === '/late' ? String(Date.now()) : 'ok') } },
    clients: [closedLoop({ clients: 2, requests: 12, request: (i) => ({ path: i === 9 ? '/late' : '/' }) })],
    faults: 'calm',
    containedFaults: 'count',
  };
  const result = await runScenario(scenario, 3);
  t.deepEqual(
    result.violations.map((violation) => violation.invariant),
    ['tripwire'],
  );
  const shrunk = (await shrinkScenario(scenario, 3))!;
  t.is(shrunk.after.requests, 20);
  t.true(shrunk.after.requests < shrunk.before.requests);
  t.is((await runScenario(scenario, 3, { plan: shrunk.plan })).violations[0]?.invariant, 'tripwire');
});

test('an exception escaping a server ends the run with one no-escape violation, its stack included', async (t) => {
  let passes = 0;
  const result = await simulate({
    ...quiet,
    seed: 8,
    hosts: {
      api: {
        serve: (servant) => {
          const server = new RawServer(servant, 'none');
          return {
            get waker() {
              return server.waker;
            },
            set waker(waker) {
              server.waker = waker;
            },
            wind: (tymth) => server.wind(tymth),
            reopen: () => server.reopen(),
            close: () => server.close(),
            nextDue: () => server.nextDue(),
            service: () => {
              passes += 1;
              if (passes === 40) throw new Error('the server broke on its 40th pass');
              server.service();
            },
          };
        },
      },
    },
    clients: [closedLoop({ clients: 2, requests: 50 })],
    faults: 'calm',
  });
  t.deepEqual(
    result.violations.map((violation) => violation.invariant),
    ['no-escape'],
  );
  t.regex(result.violations[0]!.message, /the server broke on its 40th pass\n\s+at /);
});
