/**
 * The tripwire patches globals, so every test is serial. Each covered call
 * sits on its own line of the `cases` table, and a trip's call site must
 * name that line of this file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getRandomValues, randomBytes, randomFill, randomFillSync, randomInt, randomUUID } from 'node:crypto';
import { get as httpGet, request as httpRequest } from 'node:http';
import { get as httpsGet, request as httpsRequest } from 'node:https';
import { connect as netConnect, createConnection, Socket } from 'node:net';
import { performance as hooksPerformance } from 'node:perf_hooks';
import { setImmediate as timersSetImmediate, setInterval as timersSetInterval, setTimeout as timersSetTimeout } from 'node:timers';
import { setImmediate as immediate, setInterval as every, setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { HioError } from '../../src/core/errors.js';
import { AppServer, AppServerDoer, ClientDoer, Doist, Patron, PatronDoer, Respondent, SimClient, SimNet, SimServant } from '../../src/index.js';
import type { ParsedResponse } from '../../src/http/respondent.js';
import {
  createTripStore,
  simDate,
  simNow,
  simRandom,
  simRandomUUID,
  tripwire,
  type AmbientCall,
  type TripMode,
  type TripStore,
} from '../../src/testing/tripwire.js';

const thisFile = fileURLToPath(import.meta.url);
const sourceLines = readFileSync(thisFile, 'utf8').split('\n');
const requireBuiltin = createRequire(import.meta.url);

/** The 1-based line of this file holding `marker`. */
function lineOf(marker: string): number {
  const index = sourceLines.findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`no line holds ${marker}`);
  return index + 1;
}

// Node's functions before any test armed the tripwire.
const realSetImmediate = setImmediate;
const realSetTimeout = setTimeout;
const realDateNow = Date.now;
const RealDate = Date;

const noop = (): void => {};
type Closable = { on(event: string, listener: () => void): Closable; destroy(): void };
const destroy = (value: unknown): void => void (value as Closable).on('error', noop).destroy();
const clearTimer = (value: unknown): void => clearTimeout(value as NodeJS.Timeout);

/** One covered call, made the way application code makes it. */
interface Case {
  /** Unique: finds the case's line in this file. */
  readonly label: string;
  readonly call: AmbientCall;
  readonly make: () => unknown;
  /** Cleans up what a call that went through made (a timer, a socket). */
  readonly dispose?: (value: unknown) => void;
}

// prettier-ignore
const cases: readonly Case[] = [
  { label: 'Date.now', call: 'Date.now()', make: () => Date.now() },
  { label: 'new Date', call: 'new Date()', make: () => new Date() },
  { label: 'Date as a function', call: 'Date()', make: () => Date() },
  { label: 'performance.now', call: 'performance.now()', make: () => performance.now() },
  { label: 'perf_hooks performance.now', call: 'performance.now()', make: () => hooksPerformance.now() },
  { label: 'process.hrtime', call: 'process.hrtime()', make: () => process.hrtime() },
  { label: 'process.hrtime.bigint', call: 'process.hrtime.bigint()', make: () => process.hrtime.bigint() },
  { label: 'process.uptime', call: 'process.uptime()', make: () => process.uptime() },
  { label: 'Math.random', call: 'Math.random()', make: () => Math.random() },
  { label: 'web crypto.randomUUID', call: 'crypto.randomUUID()', make: () => globalThis.crypto.randomUUID() },
  { label: 'web crypto.getRandomValues', call: 'crypto.getRandomValues()', make: () => globalThis.crypto.getRandomValues(new Uint8Array(4)) },
  { label: 'node:crypto randomUUID', call: 'crypto.randomUUID()', make: () => randomUUID() },
  { label: 'node:crypto getRandomValues', call: 'crypto.getRandomValues()', make: () => getRandomValues(new Uint8Array(4)) },
  { label: 'node:crypto randomBytes', call: 'crypto.randomBytes()', make: () => randomBytes(4) },
  { label: 'node:crypto randomInt', call: 'crypto.randomInt()', make: () => randomInt(10) },
  { label: 'node:crypto randomFillSync', call: 'crypto.randomFillSync()', make: () => randomFillSync(new Uint8Array(4)) },
  { label: 'node:crypto randomFill', call: 'crypto.randomFill()', make: () => randomFill(new Uint8Array(4), noop) },
  { label: 'global setTimeout', call: 'setTimeout()', make: () => setTimeout(noop, 1), dispose: clearTimer },
  { label: 'global setInterval', call: 'setInterval()', make: () => setInterval(noop, 1), dispose: clearTimer },
  { label: 'global setImmediate', call: 'setImmediate()', make: () => setImmediate(noop), dispose: (value) => clearImmediate(value as NodeJS.Immediate) },
  { label: 'node:timers setTimeout', call: 'setTimeout()', make: () => timersSetTimeout(noop, 1), dispose: clearTimer },
  { label: 'node:timers setInterval', call: 'setInterval()', make: () => timersSetInterval(noop, 1), dispose: clearTimer },
  { label: 'node:timers setImmediate', call: 'setImmediate()', make: () => timersSetImmediate(noop), dispose: (value) => clearImmediate(value as NodeJS.Immediate) },
  { label: 'timers/promises setTimeout', call: 'timers/promises.setTimeout()', make: () => sleep(1) },
  { label: 'timers/promises setImmediate', call: 'timers/promises.setImmediate()', make: () => immediate() },
  { label: 'timers/promises setInterval', call: 'timers/promises.setInterval()', make: () => every(1), dispose: (value) => void (value as AsyncIterator<unknown>).return?.() },
  { label: 'AbortSignal.timeout', call: 'AbortSignal.timeout()', make: () => AbortSignal.timeout(1) },
  { label: 'net.connect', call: 'net.connect()', make: () => netConnect(1, '127.0.0.1'), dispose: destroy },
  { label: 'net.createConnection', call: 'net.connect()', make: () => createConnection(1, '127.0.0.1'), dispose: destroy },
  { label: 'net.Socket#connect', call: 'net.Socket#connect()', make: () => new Socket().connect(1, '127.0.0.1'), dispose: destroy },
  { label: 'tls.connect', call: 'tls.connect()', make: () => tlsConnect(1, '127.0.0.1'), dispose: destroy },
  { label: 'http.request', call: 'http.request()', make: () => httpRequest('http://127.0.0.1:1/'), dispose: destroy },
  { label: 'http.get', call: 'http.get()', make: () => httpGet('http://127.0.0.1:1/'), dispose: destroy },
  { label: 'https.request', call: 'https.request()', make: () => httpsRequest('https://127.0.0.1:1/'), dispose: destroy },
  { label: 'https.get', call: 'https.get()', make: () => httpsGet('https://127.0.0.1:1/'), dispose: destroy },
  { label: 'fetch', call: 'fetch()', make: () => fetch('http://127.0.0.1:1/', { signal: AbortSignal.abort() }) },
];

/** Makes the call, awaiting it when it returns a promise; resolves with what it threw or rejected with, or null. */
async function failureOf(make: () => unknown): Promise<unknown> {
  try {
    const value = make();
    if (value instanceof Promise) await value;
    return null;
  } catch (error) {
    return error;
  }
}

/** Lets a call that went through settle and cleans up after it. */
async function settle(item: Case, value: unknown): Promise<void> {
  if (value instanceof Promise) await value.catch(noop);
  item.dispose?.(value);
}

function store(mode: TripMode = 'throw', seed = 0): TripStore {
  return createTripStore({ tymth: () => 0, seed, mode });
}

function assertTrip(t: ExecutionContext, error: unknown, call: AmbientCall, site: string): void {
  t.true(error instanceof HioError, `${call} threw ${String(error)}`);
  t.is((error as HioError).code, 'HIO_ERR_SIM_AMBIENT');
  t.true((error as HioError).message.startsWith(`${call} called inside a simulation at ${site}`));
  t.regex((error as HioError).message, /:\d+:\d+; use /);
}

/** Where each patched function lives, as the tripwire found it: to check that the last disarm puts back exactly this. */
const holders: readonly [object, string][] = [
  [globalThis, 'Date'],
  [Date, 'now'],
  [performance, 'now'],
  [process, 'hrtime'],
  [process.hrtime, 'bigint'],
  [process, 'uptime'],
  [Math, 'random'],
  [globalThis.crypto, 'randomUUID'],
  [globalThis.crypto, 'getRandomValues'],
  ...['randomUUID', 'getRandomValues', 'randomBytes', 'randomFill', 'randomFillSync', 'randomInt'].map((key): [object, string] => [
    requireBuiltin('node:crypto') as object,
    key,
  ]),
  ...['setTimeout', 'setInterval', 'setImmediate', 'fetch'].map((key): [object, string] => [globalThis, key]),
  ...['setTimeout', 'setInterval', 'setImmediate'].map((key): [object, string] => [requireBuiltin('node:timers') as object, key]),
  ...['setTimeout', 'setInterval', 'setImmediate'].map((key): [object, string] => [requireBuiltin('node:timers/promises') as object, key]),
  [AbortSignal, 'timeout'],
  [requireBuiltin('node:net') as object, 'connect'],
  [requireBuiltin('node:net') as object, 'createConnection'],
  [Socket.prototype, 'connect'],
  [requireBuiltin('node:tls') as object, 'connect'],
  ...['request', 'get'].map((key): [object, string] => [requireBuiltin('node:http') as object, key]),
  ...['request', 'get'].map((key): [object, string] => [requireBuiltin('node:https') as object, key]),
];
const descriptors = holders.map(([holder, key]) => Object.getOwnPropertyDescriptor(holder, key));
// The ESM bindings this file imported, as they were.
const bindings = [randomUUID, getRandomValues, randomBytes, randomInt, timersSetTimeout, sleep, netConnect, httpRequest, httpsGet, tlsConnect];

function assertRestored(t: ExecutionContext): void {
  t.false(tripwire.armed);
  holders.forEach(([holder, key], index) => {
    t.deepEqual(Object.getOwnPropertyDescriptor(holder, key), descriptors[index], `${key} restored`);
  });
  t.is(Date, RealDate);
  t.is(Date.now, realDateNow);
  t.is(setImmediate, realSetImmediate);
  t.false(Object.hasOwn(performance, 'now'));
  t.deepEqual([randomUUID, getRandomValues, randomBytes, randomInt, timersSetTimeout, sleep, netConnect, httpRequest, httpsGet, tlsConnect], bindings);
}

test.serial('tripwire throws HIO_ERR_SIM_AMBIENT for every covered call inside a simulation, naming the call and its line here', async (t) => {
  for (const item of cases) {
    const inside = store();
    const error = await tripwire.run(inside, () => failureOf(item.make));
    const site = `${thisFile}:${lineOf(`label: '${item.label}'`)}:`;
    assertTrip(t, error, item.call, site);
    t.is(inside.records.length, 1, item.label);
    const [record] = inside.records;
    t.is(record?.call, item.call);
    t.true(record?.site.startsWith(site), `${item.label}: ${record?.site ?? 'no record'}`);
    t.true(record?.stack.startsWith('    at '));
    t.true(record?.stack.includes(site));
    // The thrown error's own stack starts at the call site, as the real call's would
    // (node:crypto's getRandomValues is a fixed getter: it trips through the web one it calls, from Node's internals).
    if (item.label !== 'node:crypto getRandomValues')
      t.true(
        (error as Error).stack
          ?.split('\n')
          .find((line) => line.startsWith('    at '))
          ?.includes(site),
        item.label,
      );
  }
  assertRestored(t);
});

test.serial('tripwire lets every covered call through outside a simulation while one is armed', async (t) => {
  tripwire.arm();
  try {
    t.true(tripwire.armed);
    t.not(Date, RealDate);
    for (const item of cases) {
      // Made, not tripped: nothing here may throw.
      await settle(item, item.make());
    }
    t.true(typeof Date.now() === 'number' && Math.abs(Date.now() - realDateNow()) < 1000);
    t.true(new Date() instanceof RealDate);
    t.is(typeof Date(), 'string');
  } finally {
    tripwire.disarm();
  }
  assertRestored(t);
});

test.serial('tripwire in warn mode records each covered call once, with the real result, and no nested call beneath it', async (t) => {
  for (const item of cases) {
    const inside = store('warn');
    const value = tripwire.run(inside, item.make);
    await settle(item, value);
    t.deepEqual(
      inside.records.map((record) => record.call),
      [item.call],
      item.label,
    );
  }
  const inside = store('warn');
  const values = tripwire.run(inside, () => {
    const stamps: number[] = [];
    for (let i = 0; i < 3; i++) stamps.push(Date.now()); // warn: one site
    stamps.push(Date.now()); // warn: another site
    return { stamps, date: new Date(), random: Math.random() };
  });
  t.deepEqual(
    inside.records.map((record) => [record.call, Number(record.site.split(':').at(-2))]),
    [
      ['Date.now()', lineOf('// warn: one site')],
      ['Date.now()', lineOf('// warn: another site')],
      ['new Date()', lineOf('return { stamps, date: new Date()')],
      ['Math.random()', lineOf('return { stamps, date: new Date()')],
    ],
  );
  t.true(values.stamps.every((stamp) => Math.abs(stamp - realDateNow()) < 1000));
  t.true(values.date instanceof RealDate && Math.abs(values.date.getTime() - realDateNow()) < 1000);
  t.true(values.random >= 0 && values.random < 1);
  assertRestored(t);
});

test.serial('tripwire in off mode records nothing and lets every call through', (t) => {
  const inside = store('off');
  const value = tripwire.run(inside, () => [Date.now(), new Date(), Math.random(), performance.now()]);
  t.is(value.length, 4);
  t.deepEqual(inside.records, []);
});

test.serial('tripwire keeps Date itself working inside and outside: arguments, statics, instanceof, methods and subclasses', (t) => {
  const check = (): void => {
    t.is(new Date(0).getTime(), 0);
    t.is(new Date('2020-01-01T00:00:00Z').toISOString(), '2020-01-01T00:00:00.000Z');
    t.is(new Date(2020, 0, 1).getFullYear(), 2020);
    t.is(Date.UTC(2020, 0, 1), 1577836800000);
    t.is(Date.parse('2020-01-01T00:00:00Z'), 1577836800000);
    t.true(new Date(5) instanceof Date);
    t.true(new RealDate(5) instanceof Date);
    t.is(Object.prototype.toString.call(new Date(5)), '[object Date]');
    t.is(Date.prototype, RealDate.prototype);
    t.is(Date.name, 'Date');
    t.is(Date.length, 7);
    t.is(Reflect.construct(Date, [7]).getTime(), 7);
  };
  const inside = store();
  tripwire.run(inside, () => {
    check();
    class Stamp extends Date {
      label(): string {
        return `stamp ${this.getTime()}`;
      }
    }
    const stamp = new Stamp(9);
    t.true(stamp instanceof Stamp && stamp instanceof Date && stamp instanceof RealDate);
    t.is(stamp.label(), 'stamp 9');
    t.is(t.throws(() => new Stamp(), { instanceOf: HioError })?.code, 'HIO_ERR_SIM_AMBIENT');
    t.is(t.throws(() => Stamp.now(), { instanceOf: HioError })?.code, 'HIO_ERR_SIM_AMBIENT');
  });
  t.deepEqual(
    inside.records.map((record) => record.call),
    ['new Date()', 'Date.now()'],
  );
  tripwire.arm();
  try {
    check();
  } finally {
    tripwire.disarm();
  }
  check();
});

test.serial('tripwire follows the simulation into await continuations and callbacks scheduled inside it, not into others', async (t) => {
  const inside = store();
  let outsideStamp = 0;
  // Scheduled before the simulation: it runs while the simulation is armed, but outside it.
  const outsideCallback = new Promise<void>((resolve) =>
    realSetImmediate(() => {
      outsideStamp = Date.now();
      resolve();
    }),
  );
  const errors = await tripwire.run(inside, async () => {
    const seen: unknown[] = [];
    await outsideCallback;
    seen.push(await failureOf(() => Date.now())); // context: await
    await new Promise<void>((resolve) =>
      realSetImmediate(() => {
        seen.push(Reflect.apply(failureOf, null, [() => Math.random()])); // context: setImmediate
        resolve();
      }),
    );
    await new Promise<void>((resolve) =>
      realSetTimeout(() => {
        seen.push(failureOf(() => performance.now())); // context: setTimeout
        resolve();
      }, 1),
    );
    await new Promise<void>((resolve) =>
      process.nextTick(() => {
        seen.push(failureOf(() => new Date())); // context: nextTick
        resolve();
      }),
    );
    return Promise.all(seen);
  });
  t.true(outsideStamp > 0);
  t.is(errors.length, 4);
  for (const error of errors) t.is((error as HioError).code, 'HIO_ERR_SIM_AMBIENT');
  t.deepEqual(
    inside.records.map((record) => [record.call, Number(record.site.split(':').at(-2))]),
    [
      ['Date.now()', lineOf('// context: await')],
      ['Math.random()', lineOf('// context: setImmediate')],
      ['performance.now()', lineOf('// context: setTimeout')],
      ['new Date()', lineOf('// context: nextTick')],
    ],
  );
  assertRestored(t);
});

test.serial('tripwire counts its arms: nested and concurrent simulations each trip into their own store, and the last one out restores', async (t) => {
  const outer = store('throw');
  const inner = store('warn');
  tripwire.run(outer, () => {
    const stamp = tripwire.run(inner, () => Date.now());
    t.is(typeof stamp, 'number');
    t.is(tripwire.store(), outer);
    t.is(t.throws(() => Math.random(), { instanceOf: HioError })?.code, 'HIO_ERR_SIM_AMBIENT');
  });
  t.deepEqual(
    inner.records.map((record) => record.call),
    ['Date.now()'],
  );
  t.deepEqual(
    outer.records.map((record) => record.call),
    ['Math.random()'],
  );

  const first = store('throw');
  const second = store('warn');
  let release = noop;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const firstRun = tripwire.run(first, async () => {
    await gate;
    return failureOf(() => Date.now());
  });
  const secondRun = tripwire.run(second, async () => {
    await Promise.resolve();
    return Date.now();
  });
  t.is(typeof (await secondRun), 'number');
  t.true(tripwire.armed); // the first is still running
  t.is(tripwire.store(), undefined);
  release(); // from outside both: the first's continuation still runs in its own context
  t.is(((await firstRun) as HioError).code, 'HIO_ERR_SIM_AMBIENT');
  t.deepEqual(
    first.records.map((record) => record.call),
    ['Date.now()'],
  );
  t.deepEqual(
    second.records.map((record) => record.call),
    ['Date.now()'],
  );
  assertRestored(t);

  tripwire.arm();
  tripwire.arm();
  tripwire.disarm();
  t.true(tripwire.armed);
  tripwire.disarm();
  assertRestored(t);
  t.is(t.throws(() => tripwire.disarm(), { instanceOf: HioError })?.code, 'HIO_ERR_SIM');
  // A simulation that throws synchronously disarms too.
  t.throws(() =>
    tripwire.run(store(), () => {
      throw new Error('boom');
    }),
  );
  await t.throwsAsync(tripwire.run(store(), () => Promise.reject(new Error('boom'))));
  assertRestored(t);
});

test.serial('simNow, simDate, simRandom and simRandomUUID follow the simulation deterministically, and the real ones outside', (t) => {
  const draw = (seed: number, mode: TripMode = 'throw'): unknown => {
    let tyme = 0;
    const inside = createTripStore({ tymth: () => tyme, seed, epochMs: 1_700_000_000_000, mode });
    return tripwire.run(inside, () => {
      const start = simNow();
      tyme = 1.5;
      return { start, now: simNow(), date: simDate().getTime(), randoms: [simRandom(), simRandom(), simRandom()], uuids: [simRandomUUID(), simRandomUUID()] };
    });
  };
  const first = draw(7) as { start: number; now: number; date: number; randoms: number[]; uuids: string[] };
  t.deepEqual(draw(7), first);
  t.deepEqual(draw(7, 'off'), first);
  t.notDeepEqual(draw(8), first);
  t.is(first.start, 1_700_000_000_000);
  t.is(first.now, 1_700_000_001_500);
  t.is(first.date, 1_700_000_001_500);
  t.true(first.randoms.every((value) => value >= 0 && value < 1));
  const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  t.true(first.uuids.every((uuid) => v4.test(uuid)));
  t.not(first.uuids[0], first.uuids[1]);

  const before = realDateNow();
  const now = simNow();
  t.true(now >= before && now <= realDateNow());
  t.true(simDate() instanceof Date);
  const random = simRandom();
  t.true(random >= 0 && random < 1);
  t.regex(simRandomUUID(), v4);
  t.not(simRandomUUID(), simRandomUUID());
});

test.serial('createTripStore and tripwire.run reject bad options with HIO_ERR_INVALID_OPTION', (t) => {
  const bad = (make: () => unknown): void => {
    t.is(t.throws(make, { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  };
  bad(() => createTripStore({ tymth: () => 0, seed: 1, color: 'red' } as never));
  bad(() => createTripStore({ tymth: 0 } as never));
  bad(() => createTripStore({ tymth: () => 0, mode: 'loud' as TripMode }));
  bad(() => createTripStore({ tymth: () => 0, epochMs: Number.NaN }));
  bad(() => createTripStore({ tymth: () => 0, seed: 1.5 }));
  bad(() => tripwire.run({ ...store(), mode: 'loud' as TripMode }, noop));
  t.false(tripwire.armed);
});

/** The README's simulation, inside a tripwire: an AppServer on a SimServant answering one POST from a raw SimClient. */
async function exchange(inside: TripStore, fetch: (request: Request) => Promise<Response>, onFault: (error: unknown) => void = noop): Promise<ParsedResponse> {
  return tripwire.run(inside, async () => {
    const doist = new Doist({ tock: 0.01 });
    const net = new SimNet({ tymth: doist.tymen(), seed: 42, latency: 0.02, jitter: 0.01 });
    const server = new AppServer({ fetch, servant: new SimServant({ net, host: 'api', port: 80 }), onFault });
    const client = new SimClient({ net, host: 'api', port: 80 });
    client.tx(Buffer.from('POST /hello HTTP/1.1\r\nHost: api\r\nContent-Length: 14\r\n\r\n{"name":"ada"}'));
    await doist.run([new AppServerDoer(server), new ClientDoer(client)], { limit: 1 });
    const reader = new Respondent(client.rxQueue);
    let progress = reader.parse();
    while (progress === 'head') progress = reader.parse();
    return reader.take();
  });
}

async function hello(request: Request): Promise<Response> {
  const { name } = (await request.json()) as { name: string };
  return Response.json({ hello: name });
}

test.serial('tripwire: a simulated HTTP exchange with an AppServer, a SimClient and a Patron runs without tripping', async (t) => {
  const inside = store();
  const answer = await exchange(inside, hello);
  t.is(answer.status, 200);
  t.deepEqual(JSON.parse(answer.body.toString()) as unknown, { hello: 'ada' });
  t.deepEqual(inside.records, []);

  const patronStore = store();
  const body = await tripwire.run(patronStore, async () => {
    const doist = new Doist({ tock: 0.01 });
    const net = new SimNet({ tymth: doist.tymen(), seed: 42, latency: 0.02 });
    const server = new AppServer({ fetch: hello, servant: new SimServant({ net, host: 'api', port: 80 }) });
    const patron = new Patron({ connect: (origin) => new SimClient({ net, localHost: 'client', host: origin.hostname, port: origin.port }) });
    // Both ask before the Doist runs: the Patron decides on the next turn whether to drive itself (here it is driven).
    const nap = patron.sleep(0.05);
    const json = patron.fetch('http://api/hello', { method: 'POST', body: '{"name":"bo"}' }).then((response) => response.json());
    await doist.run([new AppServerDoer(server), new PatronDoer(patron)], { limit: 1 });
    await nap;
    return json;
  });
  t.deepEqual(body, { hello: 'bo' });
  t.deepEqual(patronStore.records, []);
  assertRestored(t);
});

test.serial("tripwire: an AppServer handler reading Date.now() trips with the handler's line, answered 500 and reported as a fault", async (t) => {
  const faults: unknown[] = [];
  const inside = store();
  const answer = await exchange(
    inside,
    async (request) => {
      await request.text();
      return Response.json({ at: Date.now() }); // handler: ambient clock
    },
    (error) => faults.push(error),
  );
  t.is(answer.status, 500);
  t.is(inside.records.length, 1);
  t.is(inside.records[0]?.call, 'Date.now()');
  t.true(inside.records[0]?.site.startsWith(`${thisFile}:${lineOf('// handler: ambient clock')}:`));
  t.is(faults.length, 1);
  // The server's fault handler gets the trip itself (the default one writes it to stderr).
  t.true(faults[0] instanceof HioError);
  t.is((faults[0] as HioError).code, 'HIO_ERR_SIM_AMBIENT');

  // In warn mode the same handler answers, and the record is there all the same.
  const warned = store('warn');
  const ok = await exchange(warned, async (request) => {
    await request.text();
    return Response.json({ at: Date.now() }); // handler: warned clock
  });
  t.is(ok.status, 200);
  t.deepEqual(
    warned.records.map((record) => [record.call, Number(record.site.split(':').at(-2))]),
    [['Date.now()', lineOf('// handler: warned clock')]],
  );
  assertRestored(t);
});
