/**
 * Timers on a server's tyme (BareServer#after): they run in tyme order in
 * the passes at or after their tyme, a paced Doist wakes for them on
 * virtual and on real seconds, cancelled ones never run and leave nothing
 * behind, and a callback that throws is a contained fault.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { Doist } from '../../src/doing/doist.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { NetServant } from '../../src/net/net-servant.js';
import { httpWorld } from '../helpers/http-client.js';

/** The world's tock: a timer runs in the first pass at or after its tyme, so within one tock of it. */
const TOCK = 0.0625;

test('BareServer#after runs callbacks in tyme order, each in the first pass at or after its tyme', (t) => {
  const world = httpWorld();
  const start = world.doist.tyme;
  const ran: Array<[string, number]> = [];
  const record = (name: string) => (): void => void ran.push([name, world.doist.tyme - start]);
  world.server.after(0.5, record('a'));
  world.server.after(0.25, record('b'));
  world.server.after(0.5, record('c'));
  world.server.after(0.3, record('d'));
  t.is(world.server.timers, 4);
  world.run(2);
  t.deepEqual(
    ran.map(([name]) => name),
    ['b', 'd', 'a', 'c'],
  );
  const due: Record<string, number> = { a: 0.5, b: 0.25, c: 0.5, d: 0.3 };
  for (const [name, at] of ran) t.true(at >= due[name]! && at < due[name]! + TOCK, `${name} ran at ${at}`);
  t.is(world.server.timers, 0);
});

test('BareServer#after set during a pass counts in nextDue, so an idle server paced by it wakes in time', (t) => {
  const world = httpWorld();
  const start = world.doist.tyme;
  const ran: number[] = [];
  // Each callback sets the next one from inside a pass: no wake, only nextDue brings the server back.
  const chain = (): void => {
    ran.push(world.doist.tyme - start);
    if (ran.length < 3) world.server.after(1, chain);
  };
  world.server.after(1, chain);
  t.true(world.run(5, () => ran.length === 3));
  t.deepEqual(ran, [1, 2, 3]);
  t.is(world.server.nextDue(), Infinity);
});

test('BareServer#after at zero delay from a callback runs in the next pass, not the same one', (t) => {
  const world = httpWorld();
  const passes: number[] = [];
  const again = (): void => {
    passes.push(world.doist.tyme);
    if (passes.length < 3) world.server.after(0, again);
  };
  world.server.after(0, again);
  t.true(world.run(1, () => passes.length === 3));
  t.is(new Set(passes).size, 3);
});

test('BareServer#after returns a cancel: a cancelled timer never runs and leaves nothing behind', (t) => {
  const world = httpWorld();
  let ran = 0;
  const cancel = world.server.after(0.25, () => (ran += 1));
  for (let i = 0; i < 10_000; i++) world.server.after(0.5 + i, () => t.fail('cancelled'))();
  cancel();
  cancel();
  t.is(world.server.timers, 0);
  t.is(world.server.nextDue(), Infinity);
  world.server.after(0.5, () => (ran += 10));
  world.run(2);
  t.is(ran, 10);
  t.is(world.server.timers, 0);
});

test('BareServer#after contains a throwing callback as a fault and runs the others', (t) => {
  const seen: unknown[] = [];
  const world = httpWorld({ onError: (error, request) => seen.push([error, request]) });
  const boom = new Error('timer broke');
  let after = false;
  world.server.after(0.25, () => {
    throw boom;
  });
  world.server.after(0.25, () => (after = true));
  t.notThrows(() => world.run(1));
  t.deepEqual(seen, [[boom, null]]);
  t.is(world.server.faults, 1);
  t.true(after);
});

test('BareServer#after refuses a negative or endless delay and a missing callback; close drops timers unrun', (t) => {
  const world = httpWorld();
  const server = world.server;
  for (const seconds of [-1, Infinity, Number.NaN]) {
    t.is(t.throws(() => server.after(seconds, () => {}), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  }
  t.is(t.throws(() => server.after(1, null as unknown as () => void), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  server.after(0.25, () => t.fail('closed'));
  server.close();
  t.is(server.timers, 0);
  world.run(1);
});

test('BareServer#after wakes a real-mode Doist sleeping with nothing else to do', async (t) => {
  t.timeout(10_000);
  const server = new BareServer({ servant: new NetServant({ host: '127.0.0.1', port: 0 }) });
  const controller = new AbortController();
  const doist = new Doist({ real: true });
  const running = doist.run([new BareServerDoer(server)], { signal: controller.signal });
  // Set between passes, once the server listens and told the Doist it needs nothing: the Doist sleeps without end.
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  while (!server.servant.opened) await turn();
  for (let i = 0; i < 10; i++) await turn();
  t.is(server.nextDue(), Infinity);
  let fired = false;
  server.after(0.01, () => {
    fired = true;
    controller.abort();
  });
  await running;
  t.true(fired);
});
