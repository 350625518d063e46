/**
 * InlineOffload on virtual tyme: seeded latencies, the threads and queue
 * bounds of the worker pool, injected crashes and hangs, tymeouts, signals,
 * close and reset — and an AppServer driving one, a tymeout firing while
 * the server is otherwise idle, and a drain waiting for its tasks.
 */
import test from 'ava';
import { HioError, OffloadError } from '../../src/core/errors.js';
import { Prng } from '../../src/core/prng.js';
import { InlineOffload, type InlineOffloadOptions } from '../../src/app/inline-offload.js';
import { AppServer } from '../../src/app/app-server.js';
import { shedResponse } from '../../src/app/offload.js';
import { httpWorld } from '../helpers/http-client.js';

const tasks = {
  add: ({ a, b }: { a: number; b: number }) => a + b,
  later: async (value: string) => {
    await Promise.resolve();
    return value.toUpperCase();
  },
  fail: (message: string) => {
    throw new RangeError(message);
  },
  refuse: () => Promise.reject(new Error('refused')),
  mutate: (list: number[]) => {
    list.push(99);
    return list.length;
  },
  uncloneable: () => () => 'a function cannot cross to a worker',
};

/** A pool on a hand-driven tyme; `at(t)` moves tyme and runs one pass. */
function inline(options: Partial<InlineOffloadOptions> = {}) {
  const pool = new InlineOffload({ tasks, ...options });
  let tyme = 0;
  let wakes = 0;
  pool.wind(() => tyme);
  pool.waker = () => {
    wakes += 1;
  };
  return {
    pool,
    get wakes() {
      return wakes;
    },
    async at(next: number): Promise<void> {
      tyme = next;
      pool.service();
      // The settled promises' callbacks run.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

/** Records how a promise settled. */
function watch<T>(promise: Promise<T>): { readonly outcome: ['ok', T] | ['err', unknown] | null } {
  const box: { outcome: ['ok', T] | ['err', unknown] | null } = { outcome: null };
  promise.then(
    (value) => (box.outcome = ['ok', value]),
    (error: unknown) => (box.outcome = ['err', error]),
  );
  return box;
}

function code(box: { readonly outcome: ['ok', unknown] | ['err', unknown] | null }): string | undefined {
  const error = box.outcome?.[0] === 'err' ? box.outcome[1] : undefined;
  return error instanceof HioError ? error.code : undefined;
}

test('InlineOffload runs a task on a free thread in the next pass and settles it once its latency passed', async (t) => {
  const world = inline({ latency: [2, 2] });
  const sum = watch(world.pool.offload<number>('add', { a: 1, b: 2 }));
  t.is(world.wakes, 2, 'the tymeout and the waiting task each ask for a pass');
  t.is(world.pool.queued, 1);
  t.is(world.pool.nextDue(), 0, 'a free thread: due now');
  await world.at(0.5);
  t.is(world.pool.running, 1);
  t.is(world.pool.nextDue(), 2.5);
  await world.at(2.4);
  t.is(sum.outcome, null);
  await world.at(2.5);
  t.deepEqual(sum.outcome, ['ok', 3]);
  t.is(world.pool.completed, 1);
  t.is(world.pool.nextDue(), Infinity);
});

test('InlineOffload keeps threads running and maxQueue waiting; one more is refused at once', async (t) => {
  const world = inline({ threads: 2, maxQueue: 1, latency: [1, 1], retryAfter: 3 });
  const accepted = [1, 2, 3].map((a) => watch(world.pool.offload<number>('add', { a, b: 0 })));
  const refused = watch(world.pool.offload('add', { a: 4, b: 0 }));
  await world.at(0);
  t.is(code(refused), 'HIO_ERR_OFFLOAD_BUSY');
  t.is(((refused.outcome as ['err', OffloadError])[1] as OffloadError).retryAfter, 3);
  t.is(world.pool.running, 2);
  t.is(world.pool.queued, 1);
  await world.at(1);
  t.deepEqual(
    accepted.map((box) => box.outcome),
    [['ok', 1], ['ok', 2], null],
  );
  t.is(world.pool.running, 1, 'the third started on a freed thread');
  await world.at(2);
  t.deepEqual(accepted[2]!.outcome, ['ok', 3]);
  t.is(world.pool.rejectedBusy, 1);
  t.is(world.pool.completed, 3);
});

test('InlineOffload draws latencies from its seed: the same seed, the same tymes', async (t) => {
  const finishes = async (seed: number): Promise<number[]> => {
    const world = inline({ seed, latency: [0.1, 0.9], threads: 4 });
    const done: number[] = [];
    let tyme = 0;
    for (let i = 0; i < 4; i++) void world.pool.offload('add', { a: i, b: 0 }).then(() => done.push(tyme));
    for (let step = 0; step <= 100; step++) {
      tyme = step / 100;
      await world.at(tyme);
    }
    return done;
  };
  const a = await finishes(5);
  t.is(a.length, 4);
  t.true(a.every((tyme) => tyme >= 0.1 && tyme <= 0.9));
  t.deepEqual(await finishes(5), a);
  t.notDeepEqual(await finishes(6), a);
});

test('InlineOffload injects crashes (HIO_ERR_OFFLOAD_CRASHED with a cause) and hangs that end at their tymeout', async (t) => {
  const crashing = inline({ crash: 1, latency: [0.5, 0.5] });
  const crashed = watch(crashing.pool.offload('add', { a: 1, b: 1 }));
  await crashing.at(0);
  await crashing.at(0.5);
  t.is(code(crashed), 'HIO_ERR_OFFLOAD_CRASHED');
  t.true(((crashed.outcome![1] as Error).cause as Error) instanceof Error);
  t.is(crashing.pool.crashed, 1);
  t.is(crashing.pool.failed, 1);

  const hanging = inline({ hang: 1, tymeout: 3 });
  const hung = watch(hanging.pool.offload('add', { a: 1, b: 1 }));
  await hanging.at(0);
  t.is(hanging.pool.nextDue(), 3, 'only the tymeout is due');
  await hanging.at(2.9);
  t.is(hung.outcome, null);
  await hanging.at(3);
  t.is(code(hung), 'HIO_ERR_OFFLOAD_TIMEOUT');
  t.is(hanging.pool.timedOut, 1);
  t.is(hanging.pool.running, 0, 'its thread is free again');
});

test('InlineOffload rejects with the task’s own error, clones arguments and results, and awaits a promise the task returns', async (t) => {
  const world = inline();
  const list = [1, 2];
  const results = [
    watch(world.pool.offload('fail', 'too far')),
    watch(world.pool.offload('refuse')),
    watch(world.pool.offload('later', 'shout')),
    watch(world.pool.offload('mutate', list)),
    watch(world.pool.offload('uncloneable')),
    watch(world.pool.offload('missing')),
  ];
  for (let i = 0; i < 8; i++) await world.at(i);
  t.is((results[0]!.outcome![1] as Error).name, 'RangeError');
  t.is((results[1]!.outcome![1] as Error).message, 'refused');
  t.deepEqual(results[2]!.outcome, ['ok', 'SHOUT']);
  t.deepEqual(results[3]!.outcome, ['ok', 3]);
  t.deepEqual(list, [1, 2], 'the task had a copy');
  t.is((results[4]!.outcome![1] as Error).name, 'DataCloneError');
  t.is(code(results[5]!), 'HIO_ERR_INVALID_OPTION');
  t.is(world.pool.failed, 4);
  t.is(world.pool.completed, 2);
});

test('InlineOffload: a signal removes a waiting task or frees a running one’s thread; close rejects the rest; reset starts afresh', async (t) => {
  const world = inline({ threads: 1, hang: 1 });
  const runningSignal = new AbortController();
  const waitingSignal = new AbortController();
  const running = watch(world.pool.offload('add', { a: 1, b: 1 }, { signal: runningSignal.signal }));
  await world.at(0);
  const waiting = watch(world.pool.offload('add', { a: 1, b: 1 }, { signal: waitingSignal.signal }));
  const last = watch(world.pool.offload('add', { a: 1, b: 1 }));
  waitingSignal.abort(new Error('no longer'));
  runningSignal.abort(new Error('stop'));
  await world.at(0.1);
  t.is((waiting.outcome![1] as Error).message, 'no longer');
  t.is((running.outcome![1] as Error).message, 'stop');
  t.is(world.pool.running, 1, 'the last task took the freed thread');
  world.pool.close();
  await world.at(0.2);
  t.is(code(last), 'HIO_ERR_OFFLOAD_CLOSED');
  t.is(world.pool.cancelled, 3);
  t.true(world.pool.closed);
  world.pool.reset(new Prng(3));
  t.false(world.pool.closed);
  t.is(world.pool.cancelled, 0);
  t.false(world.pool.ownsRandom);
  t.true(new InlineOffload({ tasks, seed: 2 }).ownsRandom);
  t.true(new InlineOffload({ tasks, random: () => 0.5 }).ownsRandom);
});

test('InlineOffload#reset restarts its own seed, keeps its own random, else takes the one given', async (t) => {
  const draws = async (pool: InlineOffload, fallback?: Prng): Promise<number> => {
    pool.reset(fallback);
    let tyme = 0;
    pool.wind(() => tyme);
    let finished = -1;
    void pool.offload('add', { a: 0, b: 0 }).then(() => (finished = tyme));
    for (let step = 0; step <= 100 && finished < 0; step++) {
      tyme = step / 100;
      pool.service();
      await Promise.resolve();
    }
    return finished;
  };
  const seeded = new InlineOffload({ tasks, seed: 4, latency: [0, 1] });
  t.is(await draws(seeded), await draws(seeded), 'the seed restarts');
  const unseeded = new InlineOffload({ tasks, latency: [0, 1] });
  t.is(await draws(unseeded, new Prng(8)), await draws(unseeded, new Prng(8)));
  t.is(await draws(unseeded), await draws(new InlineOffload({ tasks, seed: 1, latency: [0, 1] })), 'default seed 1');
  let calls = 0;
  const own = new InlineOffload({
    tasks,
    latency: [0, 1],
    random: () => {
      calls += 1;
      return 0.5;
    },
  });
  t.is(await draws(own, new Prng(8)), 0.5);
  t.is(calls, 2, 'its own random, not the fallback');
});

test('InlineOffload checks its options', (t) => {
  const bad: Array<Partial<InlineOffloadOptions>> = [
    { tasks: { x: 3 as unknown as () => number } },
    { latency: [2, 1] },
    { latency: [-1, 1] },
    { crash: 2 },
    { hang: -0.1 },
    { crash: 0.6, hang: 0.6 },
    { seed: 1, random: () => 0 },
    { seed: 1.5 },
    { random: 3 as unknown as () => number },
    { threads: 1.5 },
  ];
  for (const options of bad) t.throws(() => new InlineOffload({ tasks, ...options }), { code: 'HIO_ERR_INVALID_OPTION' }, JSON.stringify(options));
  t.throws(() => new InlineOffload(null as unknown as InlineOffloadOptions));
  t.throws(() => new InlineOffload({ tasks: null as unknown as InlineOffloadOptions['tasks'] }), { code: 'HIO_ERR_INVALID_OPTION' });
  t.throws(() => new InlineOffload({ tasks, latency: 1 as unknown as [number, number] }), { code: 'HIO_ERR_INVALID_OPTION' });
});

test('shedResponse answers busy and closed 503 with Retry-After, a tymeout 504, and leaves the rest alone', async (t) => {
  const busy = shedResponse(new OffloadError('HIO_ERR_OFFLOAD_BUSY', 2.5));
  t.is(busy?.status, 503);
  t.is(busy?.headers.get('retry-after'), '3');
  t.is(await busy?.text(), '503 Service Unavailable (HIO_ERR_OFFLOAD_BUSY)\n');
  t.is(await shedResponse(new OffloadError('HIO_ERR_OFFLOAD_TIMEOUT', 1))?.text(), '504 Gateway Timeout (HIO_ERR_OFFLOAD_TIMEOUT)\n');
  t.is(shedResponse(new OffloadError('HIO_ERR_OFFLOAD_CLOSED', 1))?.status, 503);
  t.is(shedResponse(new OffloadError('HIO_ERR_OFFLOAD_TIMEOUT', 1))?.status, 504);
  t.is(shedResponse(new OffloadError('HIO_ERR_OFFLOAD_CRASHED', 1)), null);
  t.is(shedResponse(new HioError('HIO_ERR_OFFLOAD_BUSY')), null);
  t.is(shedResponse(new Error('x')), null);
});

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;

function appWorld(offload: InlineOffload, fetch: (request: Request) => Promise<Response>, faults: unknown[] = [], onError?: (error: unknown) => Response) {
  return httpWorld({}, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, offload, onFault: (error) => faults.push(error), ...(onError !== undefined && { onError }) });
  });
}

test('AppServer services its pool: a result answers 200, a hang answers 504 at its tymeout with nothing else due, a full queue 503', async (t) => {
  const pool = new InlineOffload({
    tasks: { ...tasks, hangs: () => new Promise(() => {}) },
    latency: [0.2, 0.2],
    threads: 1,
    maxQueue: 0,
    tymeout: 4,
    retryAfter: 2,
  });
  const faults: unknown[] = [];
  const world = appWorld(
    pool,
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/add') return new Response(String(await pool.offload<number>('add', { a: 2, b: 2 })));
      return new Response(String(await pool.offload('hangs')));
    },
    faults,
  );
  const first = world.client();
  first.client.tx(Buffer.from(GET('/add')));
  t.true(await world.settle(5, () => first.reader.responses.length === 1));
  t.is(first.reader.responses[0]!.body.toString(), '4');
  const hung = world.client();
  hung.client.tx(Buffer.from(GET('/hang')));
  t.true(await world.settle(1, () => pool.running === 1));
  const due = pool.nextDue();
  t.true(due > 4 && due < 5, `the hang's tymeout, ${due}`);
  t.is((world.server as AppServer).nextDue(), due, 'the server wakes for it though nothing else is due');
  const shed = world.client();
  shed.client.tx(Buffer.from(GET('/add')));
  t.true(await world.settle(1, () => shed.reader.responses.length === 1));
  t.is(shed.reader.responses[0]!.status, 503);
  t.is(shed.reader.responses[0]!.headers.find(([name]) => name === 'retry-after')?.[1], '2');
  t.true(await world.settle(6, () => hung.reader.responses.length === 1));
  t.is(hung.reader.responses[0]!.status, 504);
  t.deepEqual(faults, []);
  t.is(world.server.faults, 0);
  t.is(pool.timedOut, 1);
  world.server.close();
  t.true(pool.closed);
});

test('AppServer: onError still takes an offload failure first; a crash is a fault answered 500', async (t) => {
  const pool = new InlineOffload({ tasks, crash: 1, latency: [0.1, 0.1] });
  const faults: unknown[] = [];
  const handled: unknown[] = [];
  const world = appWorld(
    pool,
    async () => new Response(String(await pool.offload('add', { a: 1, b: 1 }))),
    faults,
    (error) => {
      handled.push(error);
      return new Response('handled', { status: 502 });
    },
  );
  const one = world.client();
  one.client.tx(Buffer.from(GET('/')));
  t.true(await world.settle(3, () => one.reader.responses.length === 1));
  t.is(one.reader.responses[0]!.status, 502);
  t.is((handled[0] as HioError).code, 'HIO_ERR_OFFLOAD_CRASHED');

  const pool2 = new InlineOffload({ tasks, crash: 1 });
  const app2 = appWorld(pool2, async () => new Response(String(await pool2.offload('add', { a: 1, b: 1 }))), faults);
  const two = app2.client();
  two.client.tx(Buffer.from(GET('/')));
  t.true(await app2.settle(3, () => two.reader.responses.length === 1));
  t.is(two.reader.responses[0]!.status, 500);
  t.is(faults.length, 1);
  t.is((faults[0] as HioError).code, 'HIO_ERR_OFFLOAD_CRASHED');
});

test('AppServer: a drain waits for the pool’s tasks, up to its deadline; a bad offload option throws', async (t) => {
  const pool = new InlineOffload({ tasks, latency: [1, 1], tymeout: Infinity, hang: 0 });
  const world = appWorld(pool, async () => new Response('ok'));
  t.true(await world.settle(0.1, () => true));
  const background = watch(pool.offload('add', { a: 1, b: 1 }));
  world.server.drain(10);
  t.true(await world.settle(0.2, () => world.server.draining));
  t.false(world.server.drained, 'a task is still running');
  t.true(await world.settle(3, () => world.server.drained));
  t.deepEqual(background.outcome, ['ok', 2]);

  const stuck = new InlineOffload({ tasks, hang: 1, tymeout: Infinity });
  const late = appWorld(stuck, async () => new Response('ok'));
  t.true(await late.settle(0.1, () => true));
  void stuck.offload('add', { a: 1, b: 1 }).catch(() => {});
  late.server.drain(2);
  t.true(await late.settle(1, () => late.server.draining));
  t.false(late.server.drained);
  t.true(await late.settle(3, () => late.server.drained), 'the deadline ends the wait');

  t.throws(() => appWorld({} as InlineOffload, async () => new Response('')), { code: 'HIO_ERR_INVALID_OPTION' });
});

test('settled tasks do not pile up behind a slow one until their tymeouts: the pool holds at most about twice the live tasks', async (t) => {
  const world = inline({
    tasks: { add: tasks.add, never: () => new Promise(() => {}) },
    threads: 3,
    maxQueue: 1000,
    latency: [0.01, 0.01],
    tymeout: 30,
  });
  // Its deadline (20 s) is the heap's top while the others finish.
  const slow = watch(world.pool.offload('never', null, { tymeout: 20 }));
  let tyme = 0;
  for (let round = 0; round < 10; round++) {
    const fast = Array.from({ length: 50 }, () => watch(world.pool.offload('add', { a: round, b: 1 })));
    for (let step = 0; step < 100 && fast.some((box) => box.outcome === null); step++) await world.at((tyme += 0.01));
    t.true(fast.every((box) => box.outcome?.[0] === 'ok'));
  }
  t.is(slow.outcome, null);
  t.is(world.pool.pending, 1);
  t.true(world.pool.tracked <= 65, `tracked ${world.pool.tracked}`);
});
