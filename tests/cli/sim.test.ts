/**
 * `hio sim`. The command line is read in-process by parseCommandLine; the
 * rest runs `src/cli.ts sim` as a child process under tsx from the
 * repository root, on the hand-written scenarios of tests/fixtures/sim,
 * writing timelines and banks in a scratch directory. Every wait is bounded:
 * on the child's exit, or on a line of its output.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, type SimSettings } from '../../src/cli/command-line.js';
import { HioError } from '../../src/core/errors.js';
import { within } from '../helpers/sockets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'tests/fixtures/sim';
const PASSING = `${FIXTURES}/passing.mjs`;
const FLAKY = `${FIXTURES}/flaky.mjs`;
/** Bound on one child's run: tsx compiles on start, in each worker too, and several children run at once. */
const WAIT_MS = 45_000;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Children running at once: each starts tsx in itself and in its workers. */
const MAX_CHILDREN = 3;
let running = 0;
const queued: Array<() => void> = [];

async function childSlot(): Promise<() => void> {
  if (running >= MAX_CHILDREN) await new Promise<void>((resolve) => queued.push(resolve));
  else running += 1;
  return () => {
    const next = queued.shift();
    if (next === undefined) running -= 1;
    else next();
  };
}

/** A child process, its output collected; `waitFor` resolves on a match in its stderr. */
class Child {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  stdout = '';
  stderr = '';
  readonly closed: Promise<Exit>;
  #watchers: Array<() => void> = [];

  constructor(command: string, args: readonly string[]) {
    // Children write no coverage: their counts would be merged with the test run's.
    this.process = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_V8_COVERAGE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
    });
    this.process.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      for (const watcher of this.#watchers) watcher();
    });
    this.closed = once(this.process, 'close').then(([code]) => ({ code: code as number | null, stdout: this.stdout, stderr: this.stderr }));
  }

  waitFor(pattern: RegExp): Promise<void> {
    return bounded(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (pattern.test(this.stderr)) resolve();
        };
        this.#watchers.push(check);
        check();
      }),
      () => `${pattern} on stderr; got ${JSON.stringify(this.stderr)}`,
    );
  }

  exit(): Promise<Exit> {
    return bounded(this.closed, () => `the child to exit; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`);
  }
}

function bounded<T>(promise: Promise<T>, what: () => string): Promise<T> {
  return within(promise, WAIT_MS, what);
}

/** Starts a child once a slot is free; killed at the test's end if still running. */
async function start(t: ExecutionContext, command: string, args: readonly string[]): Promise<Child> {
  const release = await childSlot();
  const child = new Child(command, args);
  void child.closed.then(release);
  t.teardown(() => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  });
  return child;
}

/** `hio sim ARGS`, run to its exit. */
async function sim(t: ExecutionContext, args: readonly string[]): Promise<Exit> {
  return (await start(t, process.execPath, ['--import=tsx', 'src/cli.ts', 'sim', ...args])).exit();
}

/** A printed replay command, run by a shell in which `hio` is this checkout's CLI. */
async function replay(t: ExecutionContext, command: string, ...extra: string[]): Promise<Exit> {
  const script = `hio() { "${process.execPath}" --import=tsx src/cli.ts "$@"; }; ${command} ${extra.join(' ')}`;
  return (await start(t, 'sh', ['-c', script])).exit();
}

/** A scratch directory removed after the test. */
async function scratch(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hio-sim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface FailLine {
  readonly seed: number;
  readonly bank: boolean;
  readonly failure: string;
  readonly replay: string;
  readonly timeline: string | null;
}

const FAIL = /^FAIL seed (\d+)( \(bank\))? {2}(.*?) {2}replay: (.*?)(?: {2}timeline: (.*?))?(?: {2}\((.*)\))?$/;

function failLines(stdout: string): FailLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('FAIL '))
    .map((line) => {
      const match = FAIL.exec(line);
      if (match === null) throw new Error(`not a FAIL line: ${line}`);
      return { seed: Number(match[1]), bank: match[2] !== undefined, failure: match[3]!, replay: match[4]!, timeline: match[5] ?? null };
    });
}

/** The value of a `name: value` line of the summary. */
function summary(stdout: string, name: string): string {
  const line = stdout.split('\n').find((text) => text.startsWith(`${name}: `));
  if (line === undefined) throw new Error(`no ${name} line in ${stdout}`);
  return line.slice(name.length + 2);
}

/** The digest of a sweep from its summary. */
const digestOf = (stdout: string): string => /^([0-9a-f]{32}) /.exec(summary(stdout, 'digest'))?.[1] ?? 'none';

/** Asserts a usage failure: exit status 2, nothing on stdout, one line on stderr without a stack trace. */
function assertUsageError(t: ExecutionContext, exit: Exit, ...fragments: string[]): void {
  t.is(exit.code, 2, exit.stderr);
  t.is(exit.stdout, '');
  const lines = exit.stderr.split('\n').filter((line) => line.length > 0);
  t.is(lines.length, 1, exit.stderr);
  t.true(lines[0]!.startsWith('hio: '), exit.stderr);
  for (const fragment of fragments) t.true(lines[0]!.includes(fragment), `${JSON.stringify(fragment)} in ${exit.stderr}`);
}

// ---------------------------------------------------------------- the command line, in-process

const simSettings = (args: string[]): SimSettings => {
  const invocation = parseCommandLine(['sim', ...args], {});
  if (invocation.action !== 'sim') throw new Error(`expected sim, got ${invocation.action}`);
  return invocation.settings;
};

test('parseCommandLine reads a sweep: the range, --seeds N as 1..N, and the defaults', (t) => {
  const settings = simSettings(['sims/a.mjs', '--seeds', '5..9']);
  t.like(settings, {
    mode: 'sweep',
    file: 'sims/a.mjs',
    first: 5,
    last: 9,
    shard: { index: 1, count: 1 },
    out: '.hio-sim',
    bank: '.hio-sim/bank.json',
    quiet: false,
    shrink: true,
    checkDeterminism: false,
    plan: null,
  });
  t.true(settings.mode === 'sweep' && settings.jobs >= 1);
  t.like(simSettings(['a.mjs', '--seeds=100']), { first: 1, last: 100 });
  t.like(simSettings(['a.mjs', '--seeds', '0..4294967295']), { first: 0, last: 2 ** 32 - 1 });
  t.like(
    simSettings([
      'a.mjs',
      '--seeds',
      '3',
      '--jobs',
      '3',
      '--shard',
      '2/5',
      '--out',
      'o',
      '--no-bank',
      '--quiet',
      '--no-shrink',
      '--check-determinism',
      '--plan',
      '{"a":1}',
    ]),
    { jobs: 3, shard: { index: 2, count: 5 }, out: 'o', bank: null, quiet: true, shrink: false, checkDeterminism: true, plan: '{"a":1}' },
  );
  t.like(simSettings(['a.mjs', '--seeds', '3', '--bank', 'b.json']), { bank: 'b.json' });
});

test('parseCommandLine reads one seed, with --timeline', (t) => {
  t.like(simSettings(['a.mjs', '--seed', '0']), { mode: 'one', seed: 0, timeline: null });
  t.like(simSettings(['a.mjs', '--seed', '42', '--timeline', 't.html', '--no-shrink']), { mode: 'one', seed: 42, timeline: 't.html', shrink: false });
  t.is(parseCommandLine(['sim', '--help'], {}).action, 'help');
  t.is(parseCommandLine(['sim', 'a.mjs', '-h'], {}).action, 'help');
  t.is(parseCommandLine(['--help', 'sim'], {}).action, 'help');
});

test('parseCommandLine rejects bad sim command lines with HIO_ERR_INVALID_OPTION in one line', (t) => {
  const cases = [
    [],
    ['--seeds', '10'],
    ['a.mjs'],
    ['a.mjs', 'b.mjs', '--seeds', '1'],
    ['a.mjs', '--seeds', '5..2'],
    ['a.mjs', '--seeds', '0'],
    ['a.mjs', '--seeds', '-1..3'],
    ['a.mjs', '--seeds', '1..4294967296'],
    ['a.mjs', '--seeds', '1-5'],
    ['a.mjs', '--seeds', ''],
    ['a.mjs', '--seed', '-1'],
    ['a.mjs', '--seed', 'x'],
    ['a.mjs', '--seed', '1', '--seeds', '3'],
    ['a.mjs', '--seed', '1', '--jobs', '2'],
    ['a.mjs', '--seed', '1', '--shard', '1/2'],
    ['a.mjs', '--seed', '1', '--no-bank'],
    ['a.mjs', '--seeds', '3', '--timeline', 't.html'],
    ['a.mjs', '--seeds', '3', '--jobs', '0'],
    ['a.mjs', '--seeds', '3', '--jobs', 'many'],
    ['a.mjs', '--seeds', '3', '--shard', '0/3'],
    ['a.mjs', '--seeds', '3', '--shard', '4/3'],
    ['a.mjs', '--seeds', '3', '--shard', '1'],
    ['a.mjs', '--seeds', '3', '--bank', 'b.json', '--no-bank'],
    ['a.mjs', '--seeds', '3', '--plan', '{not json'],
    ['a.mjs', '--seeds', '3', '--out='],
    ['a.mjs', '--seeds', '3', '--port', '80'],
  ];
  for (const args of cases) {
    const error = t.throws(() => parseCommandLine(['sim', ...args], {}), { instanceOf: HioError }, args.join(' '));
    t.is(error?.code, 'HIO_ERR_INVALID_OPTION');
    t.false(error?.message.includes('\n'), error?.message);
  }
  // The options of sim go after it.
  t.throws(() => parseCommandLine(['--port', '1', 'sim'], {}), { instanceOf: HioError });
});

// ---------------------------------------------------------------- sweeps, as a process

test('hio sim --help prints the usage of sim and exits 0', async (t) => {
  const exit = await (await start(t, process.execPath, ['--import=tsx', 'src/cli.ts', 'sim', '--help'])).exit();
  t.is(exit.code, 0);
  t.is(exit.stderr, '');
  t.true(exit.stdout.startsWith('usage: hio sim FILE'), exit.stdout);
  for (const flag of [
    '--seeds',
    '--seed',
    '--jobs',
    '--shard',
    '--out',
    '--bank',
    '--no-bank',
    '--quiet',
    '--check-determinism',
    '--plan',
    '--no-shrink',
    '--timeline',
  ]) {
    t.true(exit.stdout.includes(flag), flag);
  }
});

test('hio sim exits 0 when every seed passes, with a summary on stdout and progress on stderr', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [PASSING, '--seeds', '40', '--jobs', '2', '--out', out, '--no-bank']);
  t.is(exit.code, 0, exit.stderr);
  t.deepEqual(failLines(exit.stdout), []);
  t.is(summary(exit.stdout, 'sweep'), `${PASSING} seeds 1..40 (all of it)`);
  t.is(summary(exit.stdout, 'seeds'), '40 run, 40 passed, 0 failed');
  t.regex(summary(exit.stdout, 'wall'), /^[\d.]+ s \([\d.]+ s starting the workers\), \d+ seeds\/s \(\d+ once started\), 2 jobs, shard 1\/1$/);
  t.regex(summary(exit.stdout, 'digest'), /^[0-9a-f]{32} \(of 40 seeds/);
  t.is(summary(exit.stdout, 'bank'), 'off (--no-bank)');
  // stderr is not a terminal here: a line per tenth, the last at 100%.
  t.regex(exit.stderr, /^hio sim: 100% \(40\/40 seeds, 0 failed, [\d.]+ s\)$/m);
});

test('hio sim exits 1 with a FAIL line per failing seed whose replay command reproduces it, and writes their timelines', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [FLAKY, '--seeds', '1..30', '--jobs', '2', '--out', out, '--no-bank', '--quiet']);
  t.is(exit.code, 1, exit.stderr);
  t.is(exit.stderr, '');
  const fails = failLines(exit.stdout).sort((a, b) => a.seed - b.seed);
  t.deepEqual(
    fails.map((fail) => fail.seed),
    [3, 10, 17, 24],
  );
  for (const fail of fails) {
    t.is(fail.failure, `no-escape: connection 17 escaped on seed ${fail.seed}`);
    t.is(fail.replay, `hio sim ${FLAKY} --seed ${fail.seed}`);
    t.is(fail.timeline, join(out, `flaky-seed-${fail.seed}.html`));
    await t.notThrowsAsync(access(fail.timeline!));
  }
  t.is(summary(exit.stdout, 'seeds'), '30 run, 26 passed, 4 failed');
  // The first failing seed is shrunk after the summary; a hand-written scenario cannot be.
  t.regex(exit.stdout, /^shrink: seed 3: this scenario cannot be shrunk/m);

  const again = await replay(t, fails[1]!.replay, '--out', out);
  t.is(again.code, 1, again.stderr);
  t.true(again.stdout.startsWith(`hio sim ${FLAKY} --seed 10: FAIL (1 violation)`), again.stdout);
  t.true(again.stdout.includes('no-escape: connection 17 escaped on seed 10'), again.stdout);
});

test('hio sim repeats --check-determinism and --plan in its replay commands, quoted for the shell, and they reproduce the failure', async (t) => {
  const out = await scratch(t);
  const checked = await sim(t, [FLAKY, '--seeds', '6', '--check-determinism', '--out', out, '--no-bank', '--quiet', '--no-shrink']);
  t.is(checked.code, 1, checked.stderr);
  const fails = failLines(checked.stdout).sort((a, b) => a.seed - b.seed);
  t.deepEqual(
    fails.map((fail) => [fail.seed, fail.replay]),
    [
      [3, `hio sim ${FLAKY} --seed 3 --check-determinism`],
      [5, `hio sim ${FLAKY} --seed 5 --check-determinism`],
    ],
  );
  const determinism = await replay(t, fails[1]!.replay, '--out', out, '--no-shrink');
  t.is(determinism.code, 1);
  t.true(determinism.stdout.includes('determinism: runs diverge at event 41'), determinism.stdout);

  const plan = `{"fail": true, "note": "it's $HOME"}`;
  const planned = await sim(t, [FLAKY, '--seeds', '2', '--plan', plan, '--out', out, '--no-bank', '--quiet', '--no-shrink']);
  t.is(planned.code, 1, planned.stderr);
  const first = failLines(planned.stdout).find((fail) => fail.seed === 1);
  t.is(first?.replay, `hio sim ${FLAKY} --seed 1 --plan '{"fail": true, "note": "it'\\''s $HOME"}'`);
  const again = await replay(t, first!.replay, '--out', out, '--no-shrink');
  t.is(again.code, 1, again.stderr);
  t.true(again.stdout.includes('planned: the plan says seed 1 fails'), again.stdout);
});

test('hio sim exits 2 with one line for a missing file, a file that exports no scenario, and a bad range', async (t) => {
  assertUsageError(t, await sim(t, [`${FIXTURES}/missing.mjs`, '--seeds', '3']), 'cannot read the scenario file', 'missing.mjs');
  assertUsageError(t, await sim(t, [`${FIXTURES}/not-a-scenario.mjs`, '--seeds', '3']), 'does not export a scenario');
  assertUsageError(t, await sim(t, [PASSING, '--seeds', '9..2']), '--seeds', '"9..2"');
  assertUsageError(t, await sim(t, [PASSING, '--seeds', '9', '--shard', '0/2']), '--shard', '"0/2"');
});

test('hio sim --shard i/n splits the range into disjoint shards whose union is the range, and whose digests add up to its digest', async (t) => {
  const out = await scratch(t);
  const common = ['--out', out, '--no-bank', '--quiet', '--no-shrink', '--jobs', '1'];
  const [whole, ...shards] = await Promise.all([
    sim(t, [FLAKY, '--seeds', '1..40', ...common]),
    ...[1, 2, 3].map((index) => sim(t, [FLAKY, '--seeds', '1..40', '--shard', `${index}/3`, ...common])),
  ]);
  const seedsOf = (exit: Exit): number[] => failLines(exit.stdout).map((fail) => fail.seed);
  t.deepEqual(seedsOf(whole!), [3, 10, 17, 24, 31, 38]);
  // Positions ≡ i − 1 (mod 3) of 1..40: seed 3 is position 2, so shard 3.
  t.deepEqual(shards.map(seedsOf), [
    [10, 31],
    [17, 38],
    [3, 24],
  ]);
  t.deepEqual(
    shards.map((exit) => summary(exit.stdout, 'sweep')),
    [1, 2, 3].map((index) => `${FLAKY} seeds 1..40 (shard ${index}/3: ${index === 1 ? 14 : 13} seeds)`),
  );
  t.deepEqual(
    shards.map((exit) => summary(exit.stdout, 'seeds')),
    ['14 run, 12 passed, 2 failed', '13 run, 11 passed, 2 failed', '13 run, 11 passed, 2 failed'],
  );
  const sum = shards.reduce((total, exit) => (total + BigInt(`0x${digestOf(exit.stdout)}`)) % 2n ** 128n, 0n);
  t.is(sum.toString(16).padStart(32, '0'), digestOf(whole!.stdout));
});

test('hio sim gives the same digest with --jobs 1 and --jobs 2, and --quiet keeps stderr empty', async (t) => {
  const out = await scratch(t);
  const [one, two] = await Promise.all(
    ['1', '2'].map((jobs) => sim(t, [PASSING, '--seeds', '200..700', '--jobs', jobs, '--out', out, '--no-bank', '--quiet'])),
  );
  t.is(one!.code, 0);
  t.is(two!.code, 0);
  t.is(one!.stderr, '');
  t.is(two!.stderr, '');
  t.is(digestOf(one!.stdout), digestOf(two!.stdout));
  t.not(digestOf(one!.stdout), 'none');
});

test('hio sim banks failing seeds and replays them first in later sweeps of the scenario; a failing banked seed fails the sweep', async (t) => {
  const dir = await scratch(t);
  const bank = join(dir, 'bank.json');
  const common = ['--out', join(dir, 'out'), '--bank', bank, '--quiet', '--no-shrink', '--jobs', '1'];
  const first = await sim(t, [FLAKY, '--seeds', '1..12', ...common]);
  t.is(first.code, 1);
  t.is(summary(first.stdout, 'bank'), `no other seeds banked for this scenario in ${bank}`);
  t.is(summary(first.stdout, 'banked'), `2 new failing seeds in ${bank}`);
  const entries = (JSON.parse(await readFile(bank, 'utf8')) as { seeds: Array<Record<string, unknown>> }).seeds;
  t.deepEqual(
    entries.map((entry) => [entry['seed'], entry['violation']]),
    [
      [3, 'no-escape: connection 17 escaped on seed 3'],
      [10, 'no-escape: connection 17 escaped on seed 10'],
    ],
  );
  t.regex(String(entries[0]?.['scenario']), /tests\/fixtures\/sim\/flaky\.mjs$/);
  t.notThrows(() => new Date(String(entries[0]?.['date'])).toISOString());

  // 13..16 all pass, but the banked seeds 3 and 10 are replayed first and fail.
  const second = await sim(t, [FLAKY, '--seeds', '13..16', ...common]);
  t.is(second.code, 1, second.stderr);
  t.deepEqual(
    failLines(second.stdout).map((fail) => [fail.seed, fail.bank]),
    [
      [3, true],
      [10, true],
    ],
  );
  t.is(summary(second.stdout, 'seeds'), '4 run, 4 passed, 0 failed');
  t.is(summary(second.stdout, 'bank'), '2 seeds replayed, 2 fail');

  // A banked seed inside the range runs once, with the range; a new failure is banked after the others.
  const third = await sim(t, [FLAKY, '--seeds', '10..17', ...common]);
  t.deepEqual(
    failLines(third.stdout).map((fail) => [fail.seed, fail.bank]),
    [
      [3, true],
      [10, false],
      [17, false],
    ],
  );
  t.is(summary(third.stdout, 'bank'), '1 seed replayed, 1 fails');
  t.deepEqual(
    (JSON.parse(await readFile(bank, 'utf8')) as { seeds: Array<{ seed: number }> }).seeds.map((entry) => entry.seed),
    [3, 10, 17],
  );

  // --no-bank: nothing replayed.
  const off = await sim(t, [FLAKY, '--seeds', '13..16', '--no-bank', '--quiet', '--out', join(dir, 'out')]);
  t.is(off.code, 0);
});

test('hio sim fails the seeds of a scenario that throws with its message, and runs the others', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [`${FIXTURES}/throwing.mjs`, '--seeds', '12', '--jobs', '2', '--out', out, '--no-bank', '--quiet']);
  t.is(exit.code, 1, exit.stderr);
  const fails = failLines(exit.stdout).sort((a, b) => a.seed - b.seed);
  t.deepEqual(
    fails.map((fail) => [fail.seed, fail.failure, fail.timeline]),
    [
      [2, 'error: the scenario broke on seed 2', null],
      [7, 'error: the scenario broke on seed 7', null],
      [12, 'error: the scenario broke on seed 12', null],
    ],
  );
  t.is(summary(exit.stdout, 'seeds'), '12 run, 9 passed, 3 failed');
  // Nothing to shrink: no seed ran to a result.
  t.false(exit.stdout.includes('shrink:'));

  const one = await sim(t, [`${FIXTURES}/throwing.mjs`, '--seed', '7']);
  t.is(one.code, 1);
  t.true(one.stdout.startsWith(`hio sim ${FIXTURES}/throwing.mjs --seed 7: ERROR`), one.stdout);
  t.true(one.stdout.includes('the scenario broke on seed 7'));
  // The whole stack, for one seed.
  t.regex(one.stdout, /^ +at .*throwing\.mjs/m);
});

test('hio sim fails the seed a worker thread exits on, runs the others elsewhere, and goes on', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [`${FIXTURES}/crashing.mjs`, '--seeds', '10', '--jobs', '2', '--out', out, '--no-bank', '--quiet']);
  t.is(exit.code, 1, exit.stderr);
  const fails = failLines(exit.stdout);
  t.is(fails.length, 1, exit.stdout);
  t.is(fails[0]?.seed, 4);
  t.regex(fails[0]!.failure, /^worker died: the worker thread exited with code 7/);
  t.is(summary(exit.stdout, 'seeds'), '10 run, 9 passed, 1 failed');
});

test('hio sim stops with one message when the workers cannot load the scenario, and exits 1', async (t) => {
  const exit = await sim(t, [`${FIXTURES}/main-thread-only.mjs`, '--seeds', '100', '--jobs', '2', '--no-bank', '--quiet']);
  t.is(exit.code, 1, exit.stderr);
  t.regex(exit.stderr, /^hio: the sweep stopped: a worker thread cannot load .*main-thread-only\.mjs: this scenario refuses worker threads$/m);
  t.is(summary(exit.stdout, 'seeds'), '0 run of 100 (stopped: the workers cannot run it), 0 passed, 0 failed');
  t.deepEqual(failLines(exit.stdout), []);
});

test('hio sim runs a TypeScript scenario in its workers under node --import=tsx', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [`${FIXTURES}/typed.ts`, '--seeds', '12', '--jobs', '2', '--out', out, '--no-bank', '--quiet', '--no-shrink']);
  t.is(exit.code, 1, exit.stderr);
  t.is(exit.stderr, '');
  t.deepEqual(
    failLines(exit.stdout)
      .map((fail) => [fail.seed, fail.failure])
      .sort(([a], [b]) => Number(a) - Number(b)),
    [
      [4, 'typed: seed 4 is a multiple of 4'],
      [8, 'typed: seed 8 is a multiple of 4'],
      [12, 'typed: seed 12 is a multiple of 4'],
    ],
  );
});

test('hio sim stops on Ctrl-C, prints what it ran, and exits 130', async (t) => {
  const out = await scratch(t);
  const child = await start(t, process.execPath, [
    '--import=tsx',
    'src/cli.ts',
    'sim',
    `${FIXTURES}/slow.mjs`,
    '--seeds',
    '5000',
    '--jobs',
    '2',
    '--out',
    out,
    '--no-bank',
  ]);
  // The first tenth is 500 seeds of 20 ms: the workers are running by then.
  await child.waitFor(/^hio sim: 10% /m);
  child.process.kill('SIGINT');
  const exit = await child.exit();
  t.is(exit.code, 130, exit.stderr);
  t.regex(summary(exit.stdout, 'seeds'), /^\d+ run of 5000 \(interrupted\), \d+ passed, 0 failed$/);
  t.is(summary(exit.stdout, 'digest'), 'none (the sweep did not finish)');
});

// ---------------------------------------------------------------- one seed

test('hio sim --seed N reports a failing run in full, writes its timeline, and exits 1', async (t) => {
  const out = await scratch(t);
  const exit = await sim(t, [FLAKY, '--seed', '3', '--out', out]);
  t.is(exit.code, 1, exit.stderr);
  const lines = exit.stdout.split('\n');
  t.is(lines[0], `hio sim ${FLAKY} --seed 3: FAIL (1 violation)`);
  t.regex(exit.stdout, /^ {2}digest {6}[0-9a-f]{16}$/m);
  t.regex(exit.stdout, /^ {2}tyme {8}12\.500 s virtual/m);
  t.regex(exit.stdout, /^ {2}requests {4}4: 2 × 200, 1 × ECONNRESET, 1 pending$/m);
  t.regex(exit.stdout, /^ {2}faults {6}2 fired, 1 reached a connection$/m);
  t.regex(exit.stdout, /1\.500–4\.000 s {2}partition {2}client-2 ⇄ server {2}reached$/m);
  t.regex(exit.stdout, /6\.000 s +reset +conn 9 +NOT REACHED$/m);
  t.regex(exit.stdout, /7\.250 s {2}no-escape: connection 17 escaped on seed 3 \(conn 17\)$/m);
  t.regex(exit.stdout, /always answered: held 4 of 4$/m);
  t.regex(exit.stdout, /sometimes saw-retry: held 0 of 4 {2}NEVER TRUE$/m);
  t.regex(exit.stdout, new RegExp(`^ {2}timeline {4}${join(out, 'flaky-seed-3.html')}$`, 'm'));
  await t.notThrowsAsync(access(join(out, 'flaky-seed-3.html')));
  t.regex(exit.stdout, /^shrink: seed 3: this scenario cannot be shrunk/m);
});

test('hio sim --seed N reports a passing run, writes a timeline only when --timeline asks, and exits 0', async (t) => {
  const dir = await scratch(t);
  const plain = await sim(t, [FLAKY, '--seed', '4', '--out', dir]);
  t.is(plain.code, 0, plain.stderr);
  t.true(plain.stdout.startsWith(`hio sim ${FLAKY} --seed 4: PASS\n`), plain.stdout);
  t.regex(plain.stdout, /sometimes saw-retry: held 1 of 4$/m);
  t.false(plain.stdout.includes('timeline'));
  t.false(plain.stdout.includes('shrink'));

  const path = join(dir, 'deep', 'seed-4.html');
  const kept = await sim(t, [FLAKY, '--seed', '4', '--timeline', path]);
  t.is(kept.code, 0);
  t.true(kept.stdout.includes(`timeline    ${path}`), kept.stdout);
  t.regex(await readFile(path, 'utf8'), /seed 4/);
});

test('hio sim on a real scenario: a server answering twice after a reset fails with replay lines that reproduce it, and shrinks to a plan that fails too', async (t) => {
  const out = await scratch(t);
  const file = `${FIXTURES}/broken-real.ts`;
  const exit = await sim(t, [file, '--seeds', '1..6', '--out', out, '--no-bank', '--quiet']);
  t.is(exit.code, 1, exit.stderr);
  const fails = failLines(exit.stdout).sort((a, b) => a.seed - b.seed);
  t.true(fails.length >= 3, exit.stdout);
  const first = fails.find((fail) => fail.failure.startsWith('answered-once: '))!;
  t.truthy(first, exit.stdout);
  t.is(first.replay, `hio sim ${file} --seed ${first.seed}`);
  const again = await replay(t, first.replay, '--out', out, '--no-shrink');
  t.is(again.code, 1, again.stderr);
  t.true(again.stdout.includes(first.failure.slice('answered-once: '.length)), again.stdout);
  // The shrink of the first failing seed: fewer requests, and a replay with its plan that still fails.
  const shrink = /^shrink: seed (\d+): (\d+) faults?, (\d+) requests -> (\d+) faults?, (\d+) requests/m.exec(exit.stdout);
  t.truthy(shrink, exit.stdout);
  t.true(Number(shrink![5]) < Number(shrink![3]), shrink![0]);
  const planned = /^ {2}replay: (hio sim .* --plan '.*')$/m.exec(exit.stdout)![1]!;
  const shrunk = await replay(t, planned, '--out', out, '--no-shrink');
  t.is(shrunk.code, 1, shrunk.stdout);
});

test('hio sim --seed N --chrome-trace writes the run as a Chrome trace', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'trace.json');
  const exit = await sim(t, [`${FIXTURES}/broken-real.ts`, '--seed', '2', '--chrome-trace', path, '--out', dir, '--no-shrink']);
  t.true(
    exit.stdout.split('\n').some((line) => /^ {2}trace +/.test(line) && line.endsWith(path)),
    exit.stdout,
  );
  const trace = JSON.parse(await readFile(path, 'utf8')) as { traceEvents: Array<{ ph: string }>; metadata: { seed: number } };
  t.is(trace.metadata.seed, 2);
  t.true(trace.traceEvents.some((event) => event.ph === 'X'));
});
