/**
 * The `hio` command. The command line is read in-process by
 * parseCommandLine; everything else runs `src/cli.ts` as a child process
 * under tsx (no build needed) from the repository root, on port 0, with the
 * bound port read back from the listening line. No sleeps: every wait is on
 * output, a socket event or the child's exit, and fails the test after a
 * bound.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, type ServeSettings } from '../src/cli/command-line.js';
import { HioError } from '../src/core/errors.js';
import { DEFAULT_LIMITS, HTTP_DEFAULTS, LENIENCE_NAMES } from '../src/http/limits.js';
import { Patron } from '../src/http/patron.js';
import { ResponseReader, header } from './helpers/http-client.js';
import { within } from './helpers/sockets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Bound on waits for a child to start and answer: tsx compiles on start, and many children start at once. */
const WAIT_MS = 30_000;
/** Bound on the exit after SIGTERM when the drain should end at once (the drain timeout is 30 s). */
const PROMPT_MS = 10_000;

/** Conditions re-checked on every event of their source, each resolved once it holds. */
class Watch {
  #waiters = new Set<() => boolean>();

  /** Re-checks every pending condition. */
  poke(): void {
    for (const check of this.#waiters) if (check()) this.#waiters.delete(check);
  }

  /** Resolves with the first non-undefined value of `probe`, failing after `ms`. */
  until<T>(probe: () => T | undefined, ms: number, what: () => string): Promise<T> {
    return within(
      new Promise<T>((resolve) => {
        const check = (): boolean => {
          const value = probe();
          if (value === undefined) return false;
          resolve(value);
          return true;
        };
        if (!check()) this.#waiters.add(check);
      }),
      ms,
      what,
    );
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `hio` as a child process, its output collected. */
class Hio {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = '';
  stderr = '';
  readonly closed: Promise<Exit>;
  readonly #watch = new Watch();

  /** Spawned as the leader of its own process group, as a shell runs a command (Ctrl-C signals the whole group). */
  readonly detached: boolean;

  constructor(args: readonly string[], env: Readonly<Record<string, string>> = {}, detached = false) {
    this.detached = detached;
    const inherited = { ...process.env };
    delete inherited['PORT'];
    delete inherited['HOST'];
    // Children write no coverage (Node passes NODE_V8_COVERAGE on unless it is set): their counts would be merged with the test run's.
    inherited['NODE_V8_COVERAGE'] = '';
    this.child = spawn(process.execPath, ['--import=tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
    });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      this.#watch.poke();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      this.#watch.poke();
    });
    // 'close' comes after the exit and after both pipes are read to the end.
    this.closed = once(this.child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      stdout: this.stdout,
      stderr: this.stderr,
    }));
  }

  /** Resolves with the first match of `pattern` in stdout or stderr. */
  output(stream: 'stdout' | 'stderr', pattern: RegExp, ms = WAIT_MS): Promise<RegExpExecArray> {
    return this.#watch.until(
      () => pattern.exec(this[stream]) ?? undefined,
      ms,
      () => `${pattern} on ${stream}; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`,
    );
  }

  /** The port from the listening line. */
  async port(): Promise<number> {
    const match = await this.output('stdout', /listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    return Number(match[1]);
  }

  /** Resolves when the process has exited and its output is read. */
  exit(ms = WAIT_MS): Promise<Exit> {
    return within(this.closed, ms, () => `hio to exit; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Signals the whole process group, as Ctrl-C in a terminal does (spawn it detached). */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.child.pid!, signal);
  }
}

/**
 * Children running at once. Each compiles the sources under tsx as it
 * starts; dozens starting together on a small machine would stretch the
 * bounded waits of the ones already serving.
 */
const MAX_CHILDREN = 4;
let running = 0;
const queued: Array<() => void> = [];

async function childSlot(): Promise<() => void> {
  if (running >= MAX_CHILDREN) await new Promise<void>((resolve) => queued.push(resolve));
  else running += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // The slot passes straight to the next waiter, or is given back.
    const next = queued.shift();
    if (next === undefined) running -= 1;
    else next();
  };
}

/** Starts hio once a slot is free; the slot is freed when it exits, and the test's teardown kills it if still running. */
async function hio(t: { teardown(fn: () => void): void }, args: readonly string[], env: Readonly<Record<string, string>> = {}, detached = false): Promise<Hio> {
  const release = await childSlot();
  const child = new Hio(args, env, detached);
  void child.closed.then(release);
  t.teardown(() => {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    // Workers of a cluster, if any are left.
    if (detached) {
      try {
        process.kill(-child.child.pid!, 'SIGKILL');
      } catch {
        // The group is gone.
      }
    }
  });
  return child;
}

/** A raw TCP client whose received bytes are parsed as responses. */
class Client {
  readonly socket: Socket;
  readonly reader: ResponseReader;
  /** Everything received, as latin1. */
  received = '';
  /** True once the server ended or closed the connection. */
  ended = false;
  readonly #watch = new Watch();

  constructor(port: number, methods: string[] = []) {
    this.reader = new ResponseReader(methods);
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (bytes: Buffer) => {
      this.received += bytes.toString('latin1');
      this.reader.push(bytes);
      this.#watch.poke();
    });
    const end = (): void => {
      this.ended = true;
      this.#watch.poke();
    };
    this.socket.on('end', end);
    this.socket.on('close', end);
    // A reset by the server shows as 'close' too; the test asserts what it expects.
    this.socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Resolves once `count` responses arrived. */
  responses(count: number): Promise<void> {
    return this.#watch
      .until(
        () => (this.reader.responses.length >= count ? true : undefined),
        WAIT_MS,
        () => `${count} responses; got ${JSON.stringify(this.received)}`,
      )
      .then(() => {});
  }

  /** Resolves once `text` was received. */
  seen(text: string): Promise<void> {
    return this.#watch
      .until(
        () => (this.received.includes(text) ? true : undefined),
        WAIT_MS,
        () => `${JSON.stringify(text)}; got ${JSON.stringify(this.received)}`,
      )
      .then(() => {});
  }

  /** Resolves once the server closed the connection, failing after `ms`. */
  closedByServer(ms = WAIT_MS): Promise<void> {
    return this.#watch
      .until(
        () => (this.ended ? true : undefined),
        ms,
        () => 'the server to close the connection',
      )
      .then(() => {});
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const echoOf = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString('utf8')) as Record<string, unknown>;
const lines = (text: string): string[] => text.split('\n').filter((line) => line.length > 0);
const POST = (length: number, extra = ''): string => `POST /upload HTTP/1.1\r\nHost: hio\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** Asserts a usage failure: exit status 2, nothing on stdout, one line on stderr without a stack trace. */
function assertUsageError(t: ExecutionContext, exit: Exit, ...fragments: string[]): void {
  t.is(exit.code, 2, exit.stderr);
  t.is(exit.stdout, '');
  const errorLines = lines(exit.stderr);
  t.is(errorLines.length, 1, exit.stderr);
  t.true(errorLines[0]!.startsWith('hio: '), exit.stderr);
  t.notRegex(exit.stderr, /^\s+at /m);
  for (const fragment of fragments) t.true(errorLines[0]!.includes(fragment), `${JSON.stringify(fragment)} in ${exit.stderr}`);
}

// ---------------------------------------------------------------- the command line, in-process

const serveSettings = (args: string[], env: NodeJS.ProcessEnv = {}): ServeSettings => {
  const invocation = parseCommandLine(args, env);
  if (invocation.action !== 'serve') throw new Error(`expected serve, got ${invocation.action}`);
  return invocation.settings;
};

test('parseCommandLine serves echo on 127.0.0.1:8080 with the defaults when given nothing', (t) => {
  t.deepEqual(serveSettings([]), {
    command: 'echo',
    host: '127.0.0.1',
    port: 8080,
    keepAliveTymeout: HTTP_DEFAULTS.keepAliveTymeout,
    headerTymeout: HTTP_DEFAULTS.headerTymeout,
    drainTymeout: HTTP_DEFAULTS.drainTymeout,
    limits: {},
    lenient: {},
    workers: 1,
    files: null,
  });
  t.is(serveSettings(['bench']).keepAliveTymeout, 60);
  t.is(serveSettings(['--workers', '3']).workers, 3);
  t.is(serveSettings(['serve', '--workers=auto']).workers, availableParallelism());
});

test('parseCommandLine maps each flag to its server option', (t) => {
  const settings = serveSettings(
    [
      'conformance',
      '--host',
      '::1',
      '--port=0',
      '--max-body-bytes',
      '10',
      '--max-header-bytes=2048',
      '--keep-alive',
      '2.5',
      '--header-timeout',
      '.5',
      '--drain-timeout',
      '0',
      '--lenient=bareLf,obsFold',
      '--lenient',
      'fragment',
      '--workers',
      '2',
    ],
    {},
  );
  t.deepEqual(settings, {
    command: 'conformance',
    host: '::1',
    port: 0,
    keepAliveTymeout: 2.5,
    headerTymeout: 0.5,
    drainTymeout: 0,
    limits: { maxBodyBytes: 10, maxHeaderBytes: 2048 },
    lenient: { bareLf: true, obsFold: true, fragment: true },
    workers: 2,
    files: null,
  });
  t.not(settings.limits.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes);
});

test('parseCommandLine --strict turns every tolerance off, browserChars included; --lenient names still apply', (t) => {
  t.deepEqual(serveSettings(['--strict'], {}).lenient, { bareLf: false, obsFold: false, fragment: false, targetChars: false, browserChars: false });
  t.deepEqual(serveSettings(['--strict', '--lenient=bareLf'], {}).lenient, {
    bareLf: true,
    obsFold: false,
    fragment: false,
    targetChars: false,
    browserChars: false,
  });
});

test('parseCommandLine reads PORT and HOST, and a flag wins over its variable', (t) => {
  t.like(serveSettings([], { PORT: '9000', HOST: '0.0.0.0' }), { host: '0.0.0.0', port: 9000 });
  t.like(serveSettings(['--port', '0', '--host', 'localhost'], { PORT: 'abc', HOST: '' }), { host: 'localhost', port: 0 });
});

test('parseCommandLine answers help for --help and -h, for hio and for each command', (t) => {
  for (const args of [['--help'], ['-h'], ['echo', '--help'], ['demo', '-h'], ['bench', '--port', 'abc', '--help']]) {
    t.is(parseCommandLine(args, {}).action, 'help', args.join(' '));
  }
  t.deepEqual(parseCommandLine(['demo'], {}), { action: 'demo' });
});

test('parseCommandLine rejects bad commands, flags and values with HIO_ERR_INVALID_OPTION', (t) => {
  const cases: Array<[string[], NodeJS.ProcessEnv]> = [
    [['frob'], {}],
    [['echo', 'extra'], {}],
    [['--frob'], {}],
    [['-x'], {}],
    [['--port'], {}],
    [['--help=yes'], {}],
    [['demo', '--port', '1'], {}],
    ...['abc', '99999', '', '-1', '1.5', '1e3', '0x50', ' 80'].map((value): [string[], NodeJS.ProcessEnv] => [[], { PORT: value }]),
    [['--port', '-1'], {}],
    [['--port='], {}],
    [['--host='], {}],
    [['--max-body-bytes', '10M'], {}],
    [['--max-header-bytes', '-5'], {}],
    [['--keep-alive', 'soon'], {}],
    [['--header-timeout', 'Infinity'], {}],
    [['--drain-timeout', '-1'], {}],
    [['--lenient', 'bareLF'], {}],
    [['--lenient='], {}],
    ...['0', '-1', '1.5', 'all', '', '1025'].map((value): [string[], NodeJS.ProcessEnv] => [[`--workers=${value}`], {}]),
  ];
  for (const [args, env] of cases) {
    const error = t.throws(() => parseCommandLine(args, env), { instanceOf: HioError }, `${args.join(' ')} ${JSON.stringify(env)}`);
    t.is(error?.code, 'HIO_ERR_INVALID_OPTION');
    t.false(error?.message.includes('\n'), error?.message);
  }
});

// ---------------------------------------------------------------- usage, as a process

test('hio --help prints the usage of every command and exits 0', async (t) => {
  const exit = await (await hio(t, ['--help'])).exit();
  t.is(exit.code, 0);
  t.is(exit.stderr, '');
  t.regex(exit.stdout, /^usage: hio /);
  for (const command of ['echo', 'conformance', 'bench', 'demo']) t.regex(exit.stdout, new RegExp(`^  ${command} `, 'm'));
  for (const flag of [
    '--host',
    '--port',
    '--max-body-bytes',
    '--max-header-bytes',
    '--keep-alive',
    '--header-timeout',
    '--drain-timeout',
    '--lenient',
    '--help',
  ])
    t.true(exit.stdout.includes(flag), flag);
});

for (const command of ['echo', 'conformance', 'bench', 'demo']) {
  test(`hio ${command} --help prints the usage of ${command} and exits 0`, async (t) => {
    const exit = await (await hio(t, [command, '--help'])).exit();
    t.is(exit.code, 0);
    t.is(exit.stderr, '');
    t.true(exit.stdout.startsWith(`usage: hio ${command}`), exit.stdout);
    t.is(exit.stdout.includes('--max-body-bytes'), command !== 'demo');
  });
}

test('hio rejects an unknown command with one line and a hint, exit status 2', async (t) => {
  assertUsageError(t, await (await hio(t, ['frob'])).exit(), '"frob"', 'hio --help');
});

for (const args of [['--frob'], ['echo', '--frob'], ['demo', '--port', '1']]) {
  test(`hio rejects an unknown flag with one line and a hint, exit status 2 (${args.join(' ')})`, async (t) => {
    assertUsageError(t, await (await hio(t, args)).exit(), `'${args.at(-1) === '1' ? '--port' : '--frob'}'`, '--help');
  });
}

for (const value of ['abc', '99999', '', '-1', '1.5']) {
  test(`hio rejects PORT=${JSON.stringify(value)} with one line naming it, exit status 2`, async (t) => {
    assertUsageError(t, await (await hio(t, [], { PORT: value })).exit(), 'PORT', JSON.stringify(value));
  });
}

for (const args of [['--port', 'abc'], ['--port', '-1'], ['--port=1.5'], ['--port=']]) {
  test(`hio rejects ${args.join(' ')} with one line naming the value, exit status 2`, async (t) => {
    const value = args.length === 2 ? args[1]! : args[0]!.slice('--port='.length);
    assertUsageError(t, await (await hio(t, args)).exit(), '--port', JSON.stringify(value));
  });
}

for (const [flag, value] of [
  ['--max-body-bytes', 'lots'],
  ['--max-header-bytes', '1.5'],
  ['--keep-alive', 'x'],
  ['--header-timeout', '-2'],
  ['--drain-timeout', 'soon'],
] as const) {
  test(`hio rejects ${flag} ${value} with one line naming the value, exit status 2`, async (t) => {
    assertUsageError(t, await (await hio(t, [`${flag}=${value}`])).exit(), flag, JSON.stringify(value));
  });
}

test('hio rejects an unknown --lenient name with one line listing the valid names, exit status 2', async (t) => {
  assertUsageError(t, await (await hio(t, ['--lenient=bareLf,sloppy'])).exit(), '"sloppy"', ...LENIENCE_NAMES);
});

test('hio reports a port in use in one line, exit status 2', async (t) => {
  const holder = createServer();
  t.teardown(() => holder.close());
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as { port: number }).port;
  assertUsageError(t, await (await hio(t, ['--port', String(port)])).exit(), `hio: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
});

// ---------------------------------------------------------------- serving

test('hio listens on --port, which wins over a bad PORT, and prints the listening line on stdout', async (t) => {
  const server = await hio(t, ['--port', '0'], { PORT: 'abc', HOST: '127.0.0.1' });
  const port = await server.port();
  t.true(port > 0);
  t.regex(server.stdout, /^hio echo service listening on http:\/\/127\.0\.0\.1:\d+\/\n$/);
  server.signal('SIGTERM');
  t.is((await server.exit()).code, 0);
});

test('hio honours --max-body-bytes: a larger POST gets 413, one at the limit 200', async (t) => {
  const server = await hio(t, ['--port', '0', '--max-body-bytes', '10']);
  const port = await server.port();
  const over = new Client(port, ['POST']);
  t.teardown(() => over.destroy());
  over.send(`${POST(11)}01234567890`);
  await over.responses(1);
  t.is(over.reader.responses[0]!.status, 413);
  const atLimit = new Client(port, ['POST']);
  t.teardown(() => atLimit.destroy());
  atLimit.send(`${POST(10)}0123456789`);
  await atLimit.responses(1);
  t.is(atLimit.reader.responses[0]!.status, 200);
  t.is(echoOf(atLimit.reader.responses[0]!.body)['body'], '0123456789');
  server.signal('SIGTERM');
  t.is((await server.exit()).code, 0);
});

test('hio honours --lenient=bareLf: a request with bare LF line ends is answered 200', async (t) => {
  const server = await hio(t, ['--port', '0', '--lenient=bareLf']);
  const client = new Client(await server.port());
  t.teardown(() => client.destroy());
  client.send('GET /bare HTTP/1.1\nHost: hio\n\n');
  await client.responses(1);
  t.is(client.reader.responses[0]!.status, 200);
  server.signal('SIGTERM');
  t.is((await server.exit()).code, 0);
});

// ---------------------------------------------------------------- shutdown

test('hio on SIGTERM closes an idle keep-alive connection at once and exits 0 promptly', async (t) => {
  const server = await hio(t, ['--port', '0', '--drain-timeout', '30']);
  const client = new Client(await server.port());
  t.teardown(() => client.destroy());
  client.send('GET /idle HTTP/1.1\r\nHost: hio\r\n\r\n');
  await client.responses(1);
  t.is(header(client.reader.responses[0]!, 'connection'), undefined, 'kept alive');
  server.signal('SIGTERM');
  await client.closedByServer(PROMPT_MS);
  const exit = await server.exit(PROMPT_MS);
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /^hio: SIGTERM: draining \(30 s; signal again to force\)$/m);
  t.notRegex(exit.stderr, /^\s+at /m);
});

test('hio on SIGINT with no connection open exits 0 promptly', async (t) => {
  const server = await hio(t, ['--port', '0', '--drain-timeout', '30']);
  await server.port();
  server.signal('SIGINT');
  const exit = await server.exit(PROMPT_MS);
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /^hio: SIGINT: draining/m);
});

/**
 * Starts an upload the server is known to be reading: the head asks for
 * 100 Continue, and the interim answer proves the server parsed it.
 */
async function startUpload(t: ExecutionContext, server: Hio, length: number): Promise<Client> {
  const client = new Client(await server.port(), ['POST']);
  t.teardown(() => client.destroy());
  client.send(POST(length, 'Expect: 100-continue\r\n'));
  await client.seen('HTTP/1.1 100 Continue\r\n\r\n');
  return client;
}

test('hio on SIGTERM lets an upload under way finish with its full response, Connection: close, then exits 0', async (t) => {
  const server = await hio(t, ['--port', '0', '--drain-timeout', '30']);
  const port = await server.port();
  const body = 'x'.repeat(20_000);
  const client = await startUpload(t, server, body.length);
  server.signal('SIGTERM');
  await server.output('stderr', /draining/);
  // The listener is closed: new connections are refused while the upload goes on.
  const late = connect({ host: '127.0.0.1', port });
  const [error] = (await within(once(late, 'error'), WAIT_MS, () => 'the late connection to fail')) as [NodeJS.ErrnoException];
  t.is(error.code, 'ECONNREFUSED');
  client.send(body);
  await client.responses(1);
  const response = client.reader.responses[0]!;
  t.is(response.status, 200);
  t.is(header(response, 'connection'), 'close');
  t.is(echoOf(response.body)['body'], body);
  await client.closedByServer();
  const exit = await server.exit(PROMPT_MS);
  t.is(exit.code, 0, exit.stderr);
});

test('hio on a second SIGTERM while draining closes everything and exits 1', async (t) => {
  const server = await hio(t, ['--port', '0', '--drain-timeout', '30']);
  const client = await startUpload(t, server, 1000);
  server.signal('SIGTERM');
  await server.output('stderr', /draining/);
  server.signal('SIGTERM');
  const exit = await server.exit(PROMPT_MS);
  t.is(exit.code, 1, exit.stderr);
  t.regex(exit.stderr, /^hio: SIGTERM while draining: forced shutdown \(1 connection cut\)$/m);
  t.notRegex(exit.stderr, /^\s+at /m);
  await client.closedByServer(PROMPT_MS);
  t.is(client.reader.responses.length, 0);
});

test('hio exits 1 and says so when the drain timeout cuts an upload off', async (t) => {
  const server = await hio(t, ['--port', '0', '--drain-timeout', '1']);
  const client = await startUpload(t, server, 1000);
  server.signal('SIGTERM');
  await server.output('stderr', /draining/);
  // The rest of the body never comes: at the drain timeout the upload is cut.
  const exit = await server.exit(PROMPT_MS);
  t.is(exit.code, 1, exit.stderr);
  t.regex(exit.stderr, /^hio: drain timeout \(1 s\) passed: 1 connection cut; raise --drain-timeout to let them finish$/m);
  await client.closedByServer(PROMPT_MS);
});

// ---------------------------------------------------------------- hio serve DIR

test('parseCommandLine reads serve DIR and its file flags; the flags apply to serve only; bench serves $STATIC_DIR', (t) => {
  t.deepEqual(serveSettings(['serve']).files, { dir: '.', prefix: '/', spa: false, listing: false, cors: false, noCache: false, compress: false });
  t.deepEqual(serveSettings(['serve', 'public', '--spa', '--listing', '--cors', '--no-cache', '--gzip']).files, {
    dir: 'public',
    prefix: '/',
    spa: true,
    listing: true,
    cors: true,
    noCache: true,
    compress: true,
  });
  t.is(serveSettings(['bench']).files, null);
  t.deepEqual(serveSettings(['bench'], { STATIC_DIR: '/data' }).files, {
    dir: '/data',
    prefix: '/static/',
    spa: false,
    listing: false,
    cors: false,
    noCache: false,
    compress: false,
  });
  t.is(serveSettings(['echo'], { STATIC_DIR: '/data' }).files, null);
  for (const args of [
    ['echo', '--spa'],
    ['bench', '--gzip'],
    ['serve', 'a', 'b'],
    ['echo', 'dir'],
  ]) {
    t.is(t.throws(() => parseCommandLine(args, {}), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION', args.join(' '));
  }
  const help = parseCommandLine(['serve', '--help'], {});
  t.true(help.action === 'help' && help.text.includes('usage: hio serve [DIR] [options]') && help.text.includes('--spa'));
});

/** A directory of files to serve, removed after the test. */
async function siteDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hio-site-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'index.html'), '<h1>home</h1>\n');
  await mkdir(join(dir, 'docs'));
  await writeFile(join(dir, 'docs', 'a.txt'), 'alpha\n');
  await writeFile(join(dir, 'docs', '<b>&"x".txt'), 'markup in a name\n');
  await writeFile(join(dir, '.secret'), 'hidden\n');
  return dir;
}

test('hio serve DIR serves its files, index.html for /, redirects a directory to its slash, refuses traversal and dotfiles', async (t) => {
  const dir = await siteDir(t);
  const server = await hio(t, ['serve', dir, '--port', '0', '--listing']);
  const port = await server.port();
  t.regex(server.stdout, /^hio files of .+ listening on http:\/\/127\.0\.0\.1:\d+\/\n$/);
  // Asked by the Patron, pipelined on one connection; the directory's redirect is read, not followed.
  const patron = new Patron({ pipelining: 6 });
  t.teardown(() => patron.close());
  const origin = `http://127.0.0.1:${port}`;
  const [home, file, redirect, listing, secret, head] = await Promise.all(
    [['/'], ['/docs/a.txt'], ['/docs'], ['/docs/'], ['/.secret'], ['/docs/a.txt', 'HEAD']].map(async ([path, method]) => {
      const response = await patron.fetch(`${origin}${path!}`, { method: method ?? 'GET', redirect: 'manual', signal: AbortSignal.timeout(WAIT_MS) });
      return { response, body: await response.text() };
    }),
  );
  t.is(patron.connectionCount, 1);
  t.is(home!.response.status, 200);
  t.is(home!.body, '<h1>home</h1>\n');
  t.is(home!.response.headers.get('content-type'), 'text/html; charset=utf-8');
  t.is(file!.body, 'alpha\n');
  t.truthy(file!.response.headers.get('etag'));
  t.is(redirect!.response.status, 301);
  t.is(redirect!.response.headers.get('location'), '/docs/');
  t.is(listing!.response.status, 200);
  t.true(listing!.body.includes('href="./a.txt"'));
  t.true(listing!.body.includes('&lt;b&gt;&amp;&quot;x&quot;.txt'), 'a name is escaped');
  t.false(listing!.body.includes('<b>'));
  t.is(secret!.response.status, 404);
  t.is(head!.response.status, 200);
  t.is(head!.response.headers.get('content-length'), '6');
  t.is(head!.body, '');
  const get = (path: string, method = 'GET'): string => `${method} ${path} HTTP/1.1\r\nHost: hio\r\n\r\n`;
  // Raw bytes: a client's URL parser would resolve these dot segments before sending.
  const raw = new Client(port);
  t.teardown(() => raw.destroy());
  raw.send(get('/%2e%2e/%2e%2e/etc/passwd') + get('//etc/passwd'));
  await raw.responses(2);
  for (const response of raw.reader.responses) {
    t.true(response.status === 400 || response.status === 404, String(response.status));
    t.false(response.body.toString().includes('root:'));
  }
  server.signal('SIGTERM');
  t.is((await server.exit()).code, 0);
});

test('hio serve refuses a directory that does not exist in one line, exit status 2', async (t) => {
  const exit = await (await hio(t, ['serve', join(tmpdir(), 'hio-no-such-dir-4a7c'), '--port', '0'])).exit();
  assertUsageError(t, exit, 'cannot read the directory');
});

test('hio bench serves $STATIC_DIR under /static/ beside its hello world', async (t) => {
  const dir = await siteDir(t);
  const server = await hio(t, ['bench', '--port', '0'], { STATIC_DIR: dir });
  const port = await server.port();
  const client = new Client(port);
  t.teardown(() => client.destroy());
  client.send('GET / HTTP/1.1\r\nHost: hio\r\n\r\nGET /static/docs/a.txt HTTP/1.1\r\nHost: hio\r\n\r\nGET /static/nothing HTTP/1.1\r\nHost: hio\r\n\r\n');
  await client.responses(3);
  t.is(client.reader.responses[0]!.body.toString(), 'Hello, World!');
  t.is(client.reader.responses[1]!.body.toString(), 'alpha\n');
  t.is(header(client.reader.responses[1]!, 'content-length'), '6');
  t.is(client.reader.responses[2]!.status, 404);
  server.signal('SIGTERM');
  t.is((await server.exit()).code, 0);
});

test('hio bench with a $STATIC_DIR that does not exist says so on stderr and serves its hello world without /static/', async (t) => {
  const server = await hio(t, ['bench', '--port', '0'], { STATIC_DIR: join(tmpdir(), 'hio-no-such-bench-data-5b1d') });
  const port = await server.port();
  const patron = new Patron();
  t.teardown(() => patron.close());
  const hello = await patron.fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(await hello.text(), 'Hello, World!');
  const file = await patron.fetch(`http://127.0.0.1:${port}/static/1m.bin`, { signal: AbortSignal.timeout(WAIT_MS) });
  t.is(file.status, 404);
  await file.arrayBuffer();
  server.signal('SIGTERM');
  const exit = await server.exit();
  t.is(exit.code, 0);
  t.regex(exit.stderr, /STATIC_DIR .* is not a readable directory: serving without \/static\//);
});

// ---------------------------------------------------------------- --workers

test('hio rejects --workers 0 with one line naming the value, exit status 2', async (t) => {
  assertUsageError(t, await (await hio(t, ['--workers', '0'])).exit(), '--workers', '"0"');
});

test('hio echo --workers 2 prints one listening line, serves, and on Ctrl-C to its process group lets an upload finish and exits 0', async (t) => {
  const server = await hio(t, ['echo', '--port', '0', '--workers', '2', '--drain-timeout', '30'], {}, true);
  await server.port();
  t.regex(server.stdout, /^hio echo service listening on http:\/\/127\.0\.0\.1:\d+\/ \(2 workers\)\n$/);
  const body = 'y'.repeat(5_000);
  const client = await startUpload(t, server, body.length);
  // Ctrl-C reaches the primary and both workers: the workers leave it to the primary, which drains them.
  server.signalGroup('SIGINT');
  await server.output('stderr', /draining/);
  client.send(body);
  await client.responses(1);
  const response = client.reader.responses[0]!;
  t.is(response.status, 200);
  t.is(echoOf(response.body)['body'], body);
  await client.closedByServer();
  const exit = await server.exit();
  t.is(exit.code, 0, exit.stderr);
  t.deepEqual(lines(exit.stderr), ['hio: SIGINT: draining 2 workers (30 s; signal again to force)']);
  t.is(lines(exit.stdout).length, 1, 'the listening line, once');
});

test('hio serve DIR --workers 2 serves its files from the workers and exits 0 on SIGTERM', async (t) => {
  const dir = await siteDir(t);
  const server = await hio(t, ['serve', dir, '--port', '0', '--workers', '2'], {}, true);
  const port = await server.port();
  t.regex(server.stdout, /^hio files of .+ listening on http:\/\/127\.0\.0\.1:\d+\/ \(2 workers\)\n$/);
  for (let index = 0; index < 4; index++) {
    const client = new Client(port);
    t.teardown(() => client.destroy());
    client.send('GET /docs/a.txt HTTP/1.1\r\nHost: hio\r\nConnection: close\r\n\r\n');
    await client.responses(1);
    t.is(client.reader.responses[0]!.body.toString(), 'alpha\n');
  }
  server.signal('SIGTERM');
  const exit = await server.exit();
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /^hio: SIGTERM: draining 2 workers/m);
});

test('hio echo --workers 2 reports a port in use in one line, exit status 2, without restarting its workers', async (t) => {
  const holder = createServer();
  t.teardown(() => holder.close());
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as { port: number }).port;
  assertUsageError(t, await (await hio(t, ['--port', String(port), '--workers', '2'], {}, true)).exit(), `hio: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
});
