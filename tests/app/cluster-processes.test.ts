/**
 * serve({ workers }) on real processes: tests/fixtures/cluster/pid-server.ts
 * runs under tsx as a child (its own process group, killed at teardown),
 * binds port 0 and answers with the pid of the worker that serves. No
 * sleeps: every wait is on output, a socket event or an exit, bounded.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { serve } from '../../src/app/serve.js';
import { HioError } from '../../src/core/errors.js';
import { within as boundedWait } from '../helpers/sockets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Bound on every wait: tsx compiles on start, in the primary and in each worker. */
const WAIT_MS = 40_000;
/** Bound on one request on a fresh connection (see ask). */
const ASK_MS = 5_000;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The fixture as a child process, its output collected. */
class Fixture {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #waiters = new Set<() => void>();

  constructor(mode: string) {
    // Coverage, when collected, is written by the children too (workers exit by themselves).
    this.child = spawn(process.execPath, ['--import=tsx', 'tests/fixtures/cluster/pid-server.ts'], {
      cwd: ROOT,
      env: { ...process.env, CLUSTER_FIXTURE: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const poke = (): void => {
      for (const waiter of this.#waiters) waiter();
    };
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      poke();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      poke();
    });
    this.exited = once(this.child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /** Resolves with the first match of `pattern` on stdout or stderr, failing after WAIT_MS. */
  output(pattern: RegExp): Promise<RegExpExecArray> {
    return within(
      new Promise((resolve) => {
        const check = (): void => {
          const match = pattern.exec(`${this.stdout}\n${this.stderr}`);
          if (match === null) return;
          this.#waiters.delete(check);
          resolve(match);
        };
        this.#waiters.add(check);
        check();
      }),
      () => `${pattern}; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`,
    );
  }

  async port(): Promise<number> {
    return Number((await this.output(/listening (\d+) workers/))[1]);
  }

  exit(): Promise<Exit> {
    return within(this.exited, () => `the primary to exit; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`);
  }
}

function start(t: ExecutionContext, mode: string): Fixture {
  t.timeout(3 * WAIT_MS);
  const fixture = new Fixture(mode);
  t.teardown(() => {
    // The whole group: the primary and its workers.
    try {
      process.kill(-fixture.child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  return fixture;
}

function within<T>(promise: Promise<T>, what: () => string): Promise<T> {
  return boundedWait(promise, WAIT_MS, what);
}

/**
 * One request on a fresh connection: the body of the answer, or null when
 * the connection failed first. node:cluster's primary hands each accepted
 * connection to a worker; one handed to a worker in the instant it dies is
 * never answered nor closed, so a request gives up after ASK_MS.
 */
async function ask(port: number): Promise<string | null> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.setEncoding('latin1').on('data', (text: string) => (received += text));
  socket.on('error', () => {});
  socket.setTimeout(ASK_MS, () => socket.destroy());
  socket.write('GET / HTTP/1.1\r\nHost: hio\r\nConnection: close\r\n\r\n', 'latin1');
  await within(once(socket, 'close'), () => 'an answer');
  const [head, body] = received.split('\r\n\r\n');
  return head?.startsWith('HTTP/1.1 200 ') === true && body !== undefined ? body : null;
}

/** Whether a connection to `port` is refused. */
async function refused(port: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  const outcome = await within(
    new Promise<string | undefined>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    }),
    () => 'a connection to open or fail',
  );
  socket.destroy();
  return outcome === 'ECONNREFUSED';
}

/** Asks on fresh connections until `done` holds for the pids seen, at most `bound` times; returns every answer (null for a failed one). */
async function askUntil(port: number, done: (pids: ReadonlySet<string>) => boolean, bound = 400): Promise<Array<string | null>> {
  const answers: Array<string | null> = [];
  const pids = new Set<string>();
  while (!done(pids)) {
    if (answers.length >= bound) throw new Error(`${bound} requests without the pids sought; got ${JSON.stringify(answers.slice(-20))}`);
    const answer = await ask(port);
    answers.push(answer);
    if (answer !== null) pids.add(answer);
  }
  return answers;
}

test.serial('serve with workers: 2 answers from two worker processes on one port; a killed worker is replaced while the other answers', async (t) => {
  const fixture = start(t, 'pid');
  const port = await fixture.port();
  t.regex(fixture.stdout, /^server: HIO_ERR_CLUSTER$/m, 'the primary runs no server');
  t.regex(fixture.stdout, /workers 2$/m);
  const primary = String(fixture.child.pid);
  const first = await askUntil(port, (pids) => pids.size === 2);
  const pids = [...new Set(first)] as string[];
  t.false(pids.includes(primary), 'the primary answers nothing');

  const [killed, kept] = pids as [string, string];
  process.kill(Number(killed), 'SIGKILL');
  const after = await askUntil(port, (seen) => [...seen].some((pid) => !pids.includes(pid)));
  const fresh = after.find((answer) => answer !== null && !pids.includes(answer));
  t.not(fresh, undefined);
  t.true(after.slice(0, after.indexOf(fresh!)).includes(kept), 'the other worker answered while its sibling was replaced');
  await fixture.output(new RegExp(`^hio: worker ${killed} was killed by SIGKILL; restarting it in 0\\.1 s`, 'm'));
  t.is(fixture.stderr.split('\n').filter((line) => line.startsWith('hio: worker')).length, 1, fixture.stderr);

  // Both answer on the same port after the restart.
  await askUntil(port, (seen) => seen.has(kept) && seen.has(fresh!));
  process.kill(fixture.child.pid!, 'SIGTERM');
  t.deepEqual(await fixture.exit(), { code: 0, signal: null });
  t.regex(fixture.stdout, /^finished restarts 1$/m);
});

test.serial('serve with workers: 2 on SIGTERM lets an upload under way finish, then the primary exits 0 and nothing listens', async (t) => {
  const fixture = start(t, 'pid');
  const port = await fixture.port();
  const socket = connect({ host: '127.0.0.1', port });
  t.teardown(() => socket.destroy());
  let received = '';
  socket.setEncoding('latin1').on('data', (text: string) => (received += text));
  const body = 'x'.repeat(10_000);
  socket.write(`POST /upload HTTP/1.1\r\nHost: hio\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  // The 100 goes once the application asks for the body: the request is under way in a worker.
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (received.includes('100 Continue')) resolve();
        else socket.once('data', check);
      };
      check();
    }),
    () => `100 Continue; got ${JSON.stringify(received)}`,
  );
  process.kill(fixture.child.pid!, 'SIGTERM');
  // Every worker has closed its listener once new connections are refused.
  for (let attempt = 0; !(await refused(port)); attempt++) if (attempt > 1000) throw new Error('the listener stayed open');
  socket.write(body);
  await within(once(socket, 'close'), () => `the answer; got ${JSON.stringify(received)}`);
  // The whole answer, from a worker, and then the connection closed by the drain.
  t.regex(received, new RegExp(`^HTTP/1\\.1 100 Continue\r\n\r\nHTTP/1\\.1 200 OK\r\n[^]*\r\n\r\n\\d+ ${body.length}$`));
  t.false(received.includes(`\r\n\r\n${fixture.child.pid!} `), 'answered by a worker');
  t.deepEqual(await fixture.exit(), { code: 0, signal: null });
  t.regex(fixture.stdout, /^finished restarts 0$/m);
  t.true(await refused(port));
});

test.serial('serve with workers whose every worker crashes as it starts: bounded restarts, then the primary exits non-zero with HIO_ERR_CLUSTER', async (t) => {
  const fixture = start(t, 'crash');
  const exit = await fixture.exit();
  t.not(exit.code, 0);
  t.regex(fixture.stderr, /HIO_ERR_CLUSTER/);
  t.regex(fixture.stderr, /exited with code 1: more than 2 restarts within 60 s/);
  t.is(fixture.stderr.split('\n').filter((line) => /^hio: worker \d+ exited with code 1; restarting it/.test(line)).length, 2, fixture.stderr);
  t.notRegex(fixture.stdout, /listening/);
});

test.serial("serve with workers: 'auto' runs one worker per available core", async (t) => {
  const fixture = start(t, 'auto');
  await fixture.port();
  t.regex(fixture.stdout, new RegExp(`workers ${availableParallelism()}$`, 'm'));
  t.deepEqual(await fixture.exit(), { code: 0, signal: null });
  t.regex(fixture.stdout, /^finished/m);
});

test('serve rejects an invalid workers count, and options its workers would reject, with HIO_ERR_INVALID_OPTION before forking', (t) => {
  const fetch = (): Response => new Response('');
  for (const workers of [0, -2, 1.5, 'all']) {
    const error = t.throws(() => serve({ fetch, port: 0, workers: workers as never }), { instanceOf: HioError }, String(workers));
    t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  }
  const error = t.throws(() => serve({ fetch, port: 0, workers: 2, bogus: true } as never), { instanceOf: HioError });
  t.is(error.code, 'HIO_ERR_INVALID_OPTION');
});
