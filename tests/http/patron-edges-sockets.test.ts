/**
 * The self-driving Patron (no Doist from the caller) on a clock the test
 * moves, and in a child process: sleeps count from when they are asked,
 * whatever the clock read before, and a closed Patron lets its process exit.
 */
import { spawn } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import test from 'ava';
import { Patron } from '../../src/http/patron.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

/** Lets the event loop turn a few times: the Patron decides to drive itself, runs, sleeps on the clock. */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('Patron: a first sleep() on a self-driving Patron lasts its seconds, whatever the clock read before', async (t) => {
  // A process up for three hours: the monotonic clock reads 10 800 s.
  const clock = new ManualClock(10_800);
  const patron = new Patron({ clock });
  let slept = false;
  void patron.sleep(0.2).then(() => (slept = true));
  await turns();
  clock.advance(0.1);
  await turns();
  t.false(slept);
  clock.advance(0.1);
  await turns();
  t.true(slept);
  patron.close();
});

test('Patron: sleep() on a self-driving Patron counts from now, not from when its last run ended', async (t) => {
  const clock = new ManualClock(4);
  const patron = new Patron({ clock });
  let first = false;
  void patron.sleep(0.05).then(() => (first = true));
  await turns();
  clock.advance(0.0625);
  await turns();
  t.true(first);
  // The self-driven run has ended; the clock goes on while nothing runs.
  clock.advance(1);
  let second = false;
  void patron.sleep(0.5).then(() => (second = true));
  await turns();
  clock.advance(0.375);
  await turns();
  t.false(second, 'the idle second was not taken out of the sleep');
  clock.advance(0.125);
  await turns();
  t.true(second);
  patron.close();
});

test('Patron: close() rejects a pending sleep() with HIO_ERR_ABORTED', async (t) => {
  const patron = new Patron({ clock: new ManualClock() });
  const sleeping = patron.sleep(60);
  await turns();
  patron.close();
  const error = await t.throwsAsync(sleeping);
  t.is((error as { code?: string }).code, 'HIO_ERR_ABORTED');
});

test('Patron: a process whose self-driving Patron was closed exits (the Doist timer of a 300 s response deadline does not hold it)', async (t) => {
  // A server that takes requests and never answers.
  const silent = createNetServer((socket) => socket.on('data', () => {}));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  const script = new URL('../fixtures/patron/close-exits.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import=tsx', script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = await new Promise<boolean>((resolve) => {
    // A bound against a hang, not a timing: a held process never exits.
    const bound = setTimeout(() => resolve(false), 20_000);
    child.on('exit', () => {
      clearTimeout(bound);
      resolve(true);
    });
  });
  if (!exited) child.kill();
  silent.close();
  t.regex(output, /rejected: the Patron closed/);
  t.true(exited, 'the child was still running after close()');
});
