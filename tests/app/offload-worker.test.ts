/**
 * WorkerOffload on real worker threads (tinypool), with the fixture module
 * tests/fixtures/offload/worker.mjs: results delivered by the pass after
 * they come, the queue bound, tymeouts that replace the worker, crashes
 * that fail one task only, signals, close — and a fetch handler awaiting a
 * task over a real socket, answered 200, 503, 504 or 500. Tymeouts are
 * small and enforced by the pool on the Doist's tyme; nothing here sleeps.
 */
import test from 'ava';
import { HioError, OffloadError } from '../../src/core/errors.js';
import { Doist } from '../../src/doing/doist.js';
import { ServiceDoer } from '../../src/doing/service-doer.js';
import type { Offloader } from '../../src/app/offload.js';
import { serve } from '../../src/app/serve.js';
import { WorkerOffload, type WorkerOffloadOptions } from '../../src/app/worker-offload.js';

const WORKER = new URL('../fixtures/offload/worker.mjs', import.meta.url);

function pool(options: Partial<WorkerOffloadOptions> = {}): WorkerOffload {
  return new WorkerOffload({ filename: WORKER, threads: 1, ...options });
}

/** Runs `body` while a real-mode Doist drives the pool (a ServiceDoer: enter reopens it, exit closes it). */
async function driven<T>(offloader: Offloader, body: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const run = new Doist({ real: true }).run([new ServiceDoer(offloader)], { signal: controller.signal });
  try {
    return await body();
  } finally {
    controller.abort();
    await run;
  }
}

/** The rejection of a promise that must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function code(error: unknown): string | undefined {
  return error instanceof HioError ? error.code : undefined;
}

test('WorkerOffload settles a result only in the pass after the worker finished, and wakes the server for it', async (t) => {
  t.timeout(20_000);
  const offloader = pool();
  let tyme = 10;
  offloader.wind(() => tyme);
  let result: number | null = null;
  const sum = offloader.offload<number>('add', { a: 2, b: 3 }).then((value) => {
    result = value;
  });
  t.is(offloader.nextDue(), 40, 'its tymeout');
  const woken = new Promise<void>((resolve) => {
    offloader.waker = resolve;
  });
  try {
    await woken;
    // The worker is done; the promise waits for a pass.
    await Promise.resolve();
    t.is(result, null);
    t.is(offloader.nextDue(), 10);
    t.is(offloader.pending, 1);
    tyme = 10.5;
    offloader.service();
    await sum;
    t.is(result as number | null, 5);
    t.is(offloader.completed, 1);
    t.is(offloader.pending, 0);
    t.is(offloader.nextDue(), Infinity);
  } finally {
    offloader.close();
  }
});

test('WorkerOffload refuses a task past threads + maxQueue at once with HIO_ERR_OFFLOAD_BUSY', async (t) => {
  t.timeout(20_000);
  const offloader = pool({ threads: 1, maxQueue: 2, retryAfter: 4 });
  await driven(offloader, async () => {
    const held = [0, 1, 2].map(() => offloader.offload('sleepForever'));
    t.is(offloader.pending, 3);
    t.is(offloader.running, 1);
    t.is(offloader.queued, 2);
    const busy = await rejection(offloader.offload('add', { a: 1, b: 1 }));
    t.true(busy instanceof OffloadError);
    t.is(code(busy), 'HIO_ERR_OFFLOAD_BUSY');
    t.is((busy as OffloadError).retryAfter, 4);
    t.is(offloader.rejectedBusy, 1);
    offloader.close();
    for (const promise of held) t.is(code(await rejection(promise)), 'HIO_ERR_OFFLOAD_CLOSED');
  });
  t.is(offloader.cancelled, 3);
});

test('WorkerOffload cancels a task past its tymeout: the worker is replaced and the next task runs', async (t) => {
  t.timeout(20_000);
  const offloader = pool({ tymeout: 10 });
  await driven(offloader, async () => {
    const before = await offloader.offload<number>('threadId');
    const late = await rejection(offloader.offload('sleepForever', undefined, { tymeout: 0.2 }));
    t.is(code(late), 'HIO_ERR_OFFLOAD_TIMEOUT');
    const after = await offloader.offload<number>('threadId');
    t.not(after, before, 'a new worker thread');
    t.is(await offloader.offload<number>('add', { a: 20, b: 22 }), 42);
  });
  t.is(offloader.timedOut, 1);
  t.is(offloader.completed, 3);
  t.is(offloader.failed, 0);
});

test('WorkerOffload fails only the task whose worker exits or throws outside it; the others go on and the pool respawns', async (t) => {
  t.timeout(20_000);
  const offloader = pool({ threads: 2 });
  await driven(offloader, async () => {
    const burning = offloader.offload<number>('burn', 300);
    const exited = await rejection(offloader.offload('crash'));
    t.is(code(exited), 'HIO_ERR_OFFLOAD_CRASHED');
    t.regex(String(((exited as Error).cause as Error).message), /exited with code 1/);
    // The one line a fault report prints says why.
    t.regex((exited as Error).message, /^the worker died running the task \(.*exited with code 1.*\)$/);
    const thrown = await rejection(offloader.offload('uncaught'));
    t.is(code(thrown), 'HIO_ERR_OFFLOAD_CRASHED');
    t.is(((thrown as Error).cause as Error).message, 'thrown outside the task');
    t.is(await burning, 300, 'the task on the other thread finished');
    t.is(await offloader.offload<number>('add', { a: 1, b: 2 }), 3);
    t.is(await offloader.offload<number>('add', { a: 3, b: 4 }), 7);
  });
  t.is(offloader.crashed, 2);
  t.is(offloader.failed, 2);
  t.is(offloader.completed, 3);
});

test('WorkerOffload rejects with the task’s own error when it throws; the worker stays', async (t) => {
  t.timeout(20_000);
  const offloader = pool();
  await driven(offloader, async () => {
    const before = await offloader.offload<number>('threadId');
    const error = await rejection(offloader.offload('fail', 'out of range'));
    t.is((error as Error).name, 'RangeError');
    t.is((error as Error).message, 'out of range');
    t.false(error instanceof HioError);
    t.is(await offloader.offload<number>('threadId'), before);
  });
  t.is(offloader.failed, 1);
  t.is(offloader.crashed, 0);
});

test('WorkerOffload: a signal removes a waiting task and cancels a running one, rejecting with its reason', async (t) => {
  t.timeout(20_000);
  const offloader = pool({ threads: 1 });
  await driven(offloader, async () => {
    const first = await offloader.offload<number>('threadId');
    const running = new AbortController();
    const waiting = new AbortController();
    const hung = offloader.offload('sleepForever', undefined, { signal: running.signal });
    const queued = offloader.offload('add', { a: 1, b: 1 }, { signal: waiting.signal });
    t.is(offloader.queued, 1);
    waiting.abort(new Error('not needed'));
    t.is(((await rejection(queued)) as Error).message, 'not needed');
    t.is(offloader.pending, 1);
    running.abort(new Error('gave up'));
    t.is(((await rejection(hung)) as Error).message, 'gave up');
    const next = await offloader.offload<number>('threadId');
    t.not(next, first, 'the cancelled task’s worker was replaced');
    const already = await rejection(offloader.offload('add', { a: 1, b: 1 }, { signal: AbortSignal.abort(new Error('before')) }));
    t.is((already as Error).message, 'before');
  });
  t.is(offloader.cancelled, 2);
  t.is(offloader.failed, 0);
});

test('WorkerOffload#close rejects what waits and what runs with HIO_ERR_OFFLOAD_CLOSED; reopen accepts tasks again', async (t) => {
  t.timeout(20_000);
  const offloader = pool({ threads: 1 });
  let tyme = 0;
  offloader.wind(() => tyme);
  const waiting = offloader.offload('add', { a: 1, b: 1 });
  const hung = offloader.offload('sleepForever');
  offloader.close();
  t.true(offloader.closed);
  t.is(code(await rejection(waiting)), 'HIO_ERR_OFFLOAD_CLOSED');
  t.is(code(await rejection(hung)), 'HIO_ERR_OFFLOAD_CLOSED');
  t.is(code(await rejection(offloader.offload('add', { a: 1, b: 1 }))), 'HIO_ERR_OFFLOAD_CLOSED');
  await driven(offloader, async () => {
    t.false(offloader.closed);
    tyme = 1;
    t.is(await offloader.offload<number>('add', { a: 1, b: 1 }), 2);
  });
  t.true(offloader.closed, 'the doer closed it on exit');
});

test('WorkerOffload moves a transferList to the worker instead of copying it', async (t) => {
  t.timeout(20_000);
  const offloader = pool();
  await driven(offloader, async () => {
    const buffer = new ArrayBuffer(1024);
    t.is(await offloader.offload<number>('measure', buffer, { transferList: [buffer] }), 1024);
    t.is(buffer.byteLength, 0, 'detached: it was moved');
  });
});

test('WorkerOffload checks its options and its arguments', async (t) => {
  for (const options of [
    { filename: '' },
    { filename: WORKER, threads: 0 },
    { filename: WORKER, maxQueue: -1 },
    { filename: WORKER, tymeout: -1 },
    { filename: WORKER, retryAfter: Infinity },
  ]) {
    t.throws(() => new WorkerOffload(options as WorkerOffloadOptions), { code: 'HIO_ERR_INVALID_OPTION' }, JSON.stringify(options));
  }
  t.throws(() => new WorkerOffload({ filename: WORKER, thread: 2 } as unknown as WorkerOffloadOptions), { code: 'HIO_ERR_INVALID_OPTION' });
  const offloader = pool();
  t.true(offloader.threads === 1 && offloader.maxQueue === 64 && offloader.tymeout === 30 && offloader.retryAfter === 1);
  t.true(new WorkerOffload({ filename: WORKER }).threads >= 1);
  t.is(code(await rejection(offloader.offload(3 as unknown as string))), 'HIO_ERR_INVALID_OPTION');
  t.is(code(await rejection(offloader.offload('add', {}, { tymeout: -1 }))), 'HIO_ERR_INVALID_OPTION');
  t.is(offloader.pending, 0);
  const { offload } = offloader;
  t.is(code(await rejection(offload('add', {}, { tymeout: Number.NaN }))), 'HIO_ERR_INVALID_OPTION', 'bound: destructuring works');
  offloader.close();
});

test('serve({ fetch, offload }) answers a handler awaiting the pool: 200, 503 + Retry-After when full, 504 past the tymeout, 500 for a crash', async (t) => {
  t.timeout(30_000);
  const offloader = pool({ threads: 1, maxQueue: 1, retryAfter: 7 });
  const faults: unknown[] = [];
  const handle = serve({
    port: 0,
    offload: offloader,
    onFault: (error) => faults.push(error),
    fetch: async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/add') return Response.json(await offloader.offload<number>('add', { a: 40, b: 2 }));
      if (path === '/hang') return new Response(String(await offloader.offload('sleepForever', undefined, { tymeout: 1.5 })));
      if (path === '/crash') return new Response(String(await offloader.offload('crash')));
      return new Response('not found', { status: 404 });
    },
  });
  const { port } = await handle.listening;
  const get = (path: string): Promise<globalThis.Response> => fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(20_000) });
  try {
    const added = await get('/add');
    t.is(added.status, 200);
    t.is(await added.json(), 42);
    // One runs, one waits, the third is refused at once; the two accepted time out.
    const answers = await Promise.all([get('/hang'), get('/hang'), get('/hang')]);
    const statuses = answers.map((response) => response.status).sort();
    t.deepEqual(statuses, [503, 504, 504]);
    t.is(answers.find((response) => response.status === 503)!.headers.get('retry-after'), '7');
    t.deepEqual(faults, [], 'shed load is not a fault');
    const crashed = await get('/crash');
    t.is(crashed.status, 500);
    t.is(faults.length, 1);
    t.is(code(faults[0]), 'HIO_ERR_OFFLOAD_CRASHED');
    const again = await get('/add');
    t.is(await again.json(), 42, 'the pool goes on after the timeouts and the crash');
  } finally {
    await handle.close(2);
  }
  t.is(offloader.rejectedBusy, 1);
  t.is(offloader.timedOut, 2);
  t.is(offloader.crashed, 1);
  t.true(offloader.closed, 'closing the server closed the pool');
});
