/**
 * @module
 * The command line of `hio`: which command to run and with which settings.
 * {@link parseCommandLine} reads the arguments with `node:util`'s strict
 * `parseArgs` and the environment ($PORT, $HOST; a flag wins over its
 * variable), checks every value, and returns an {@link Invocation}: help to
 * print, the demo to run, or a server to start. It prints nothing and
 * starts nothing, so it can be tested in-process.
 *
 * `hio sim FILE …` has flags of its own, read by {@link parseSimCommandLine}
 * into {@link SimSettings}: a sweep over a range of seeds, or one seed.
 *
 * A mistake on the command line throws a {@link HioError} with code
 * `HIO_ERR_INVALID_OPTION` whose message is one line naming the offending
 * value (and, for an unknown command or flag, where to find the usage); the
 * caller prints it and exits with status 2.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { HioError } from '../core/errors.js';
import { DEFAULT_LIMITS, HTTP_DEFAULTS, LENIENCE_NAMES, STRICT, type HttpLenience, type HttpLimits } from '../http/limits.js';

/** The commands that start a server. */
export type ServeCommand = 'echo' | 'serve' | 'conformance' | 'bench';

/** Every command; `echo` when none is given. */
export type Command = ServeCommand | 'demo' | 'sim';

/** What each server command serves, for the listening line and the help. */
export const SERVE_COMMANDS: Readonly<Record<ServeCommand, { readonly about: string; readonly summary: string; readonly keepAliveTymeout: number }>> =
  Object.freeze({
    echo: { about: 'echo service', summary: 'serve each request back as JSON', keepAliveTymeout: HTTP_DEFAULTS.keepAliveTymeout },
    serve: { about: 'static files', summary: 'serve the files of DIR (default: the working directory)', keepAliveTymeout: HTTP_DEFAULTS.keepAliveTymeout },
    conformance: {
      about: 'conformance routes',
      summary: 'serve the routes the HTTP/1.1 conformance corpus expects',
      keepAliveTymeout: HTTP_DEFAULTS.keepAliveTymeout,
    },
    // The benchmark holds idle connections for ~15 s; keep them longer than that.
    bench: {
      about: 'hello-world benchmark server',
      summary: 'serve "Hello, World!" on GET / for side-by-side benchmarks, and the files of $STATIC_DIR under /static/ when it is set',
      keepAliveTymeout: 60,
    },
  });

const DEMO_SUMMARY = 'show the scheduler: a few doers at different tocks';
const SIM_SUMMARY = 'run a scenario file over many seeds of the simulated network';

/** Everything a server command needs, checked. Durations in seconds of tyme. */
export interface ServeSettings {
  readonly command: ServeCommand;
  /** The listen host: --host, else $HOST, else 127.0.0.1. */
  readonly host: string;
  /** The listen port, 0 for any free one: --port, else $PORT, else 8080. */
  readonly port: number;
  readonly keepAliveTymeout: number;
  readonly headerTymeout: number;
  /** How long the first SIGTERM/SIGINT lets in-flight requests finish. */
  readonly drainTymeout: number;
  /** Only the limits given on the command line; BareServer fills in the rest. */
  readonly limits: Partial<HttpLimits>;
  /** Only the tolerances turned on by --lenient. */
  readonly lenient: Partial<HttpLenience>;
  /** --workers: server processes sharing the port (1: this process serves; more: it is their cluster's primary). */
  readonly workers: number;
  /** The files served: DIR of `hio serve`, $STATIC_DIR of `hio bench`; null for none. */
  readonly files: FileSettings | null;
  /** --proxy-protocol: every connection begins with a PROXY protocol header (absent: off). */
  readonly proxyProtocol?: boolean;
}

/** How `hio serve` serves its directory. */
export interface FileSettings {
  /** The directory, as given. */
  readonly dir: string;
  /** The URL prefix ("/", or "/static/" for the benchmark). */
  readonly prefix: string;
  /** --spa: a path without an extension that names nothing answers index.html. */
  readonly spa: boolean;
  /** --listing: directories without an index file are listed. */
  readonly listing: boolean;
  /** --cors: Access-Control-Allow-Origin: * and preflights answered. */
  readonly cors: boolean;
  /** --no-cache: Cache-Control: no-cache (clients revalidate every time). */
  readonly noCache: boolean;
  /** --gzip: compress compressible files on the fly (gzip or brotli, as the client accepts). */
  readonly compress: boolean;
}

/** What `hio sim` runs, whether a sweep or one seed. */
interface SimCommonSettings {
  /** The scenario file, as typed (replay commands repeat it). */
  readonly file: string;
  /** --plan: a shrunk plan (JSON text) replacing each seed's own faults and request counts; null for none. */
  readonly plan: string | null;
  /** --check-determinism: every seed runs twice and the traces are compared. */
  readonly checkDeterminism: boolean;
  /** False with --no-shrink: a failing seed is not shrunk. */
  readonly shrink: boolean;
  /** --out: the directory failing seeds' timelines are written to, as typed. */
  readonly out: string;
}

/** `hio sim FILE --seeds A..B`: every seed of a range, on worker threads. */
export interface SimSweepSettings extends SimCommonSettings {
  readonly mode: 'sweep';
  /** The range, both ends included; seeds are integers in [0, 2^32). */
  readonly first: number;
  readonly last: number;
  /** --jobs: worker threads. */
  readonly jobs: number;
  /** --shard i/n: this machine runs the seeds at positions ≡ index − 1 (mod count) of the range; 1/1 for all. */
  readonly shard: { readonly index: number; readonly count: number };
  /** --bank: the seed bank file, as typed; null with --no-bank. */
  readonly bank: string | null;
  /** --quiet: no progress on stderr. */
  readonly quiet: boolean;
}

/** `hio sim FILE --seed N`: one seed, in-process, with a full report. */
export interface SimOneSettings extends SimCommonSettings {
  readonly mode: 'one';
  readonly seed: number;
  /** --timeline: where the timeline is written whatever the outcome; null to write one only on failure, under `out`. */
  readonly timeline: string | null;
  /** --chrome-trace: where the run's Chrome trace (Perfetto JSON) is written, or null for none. */
  readonly chromeTrace: string | null;
}

/** Everything `hio sim` needs, checked (the file itself is checked when it is loaded). */
export type SimSettings = SimSweepSettings | SimOneSettings;

/** What the command line asks for. */
export type Invocation =
  | { readonly action: 'help'; readonly text: string }
  | { readonly action: 'demo' }
  | { readonly action: 'serve'; readonly settings: ServeSettings }
  | { readonly action: 'sim'; readonly settings: SimSettings };

/** The flags of the server commands; the demo takes only --help. Numbers are read as strings and checked here. */
const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-header-bytes': { type: 'string' },
  'keep-alive': { type: 'string' },
  'header-timeout': { type: 'string' },
  'drain-timeout': { type: 'string' },
  workers: { type: 'string' },
  lenient: { type: 'string', multiple: true },
  strict: { type: 'boolean' },
  'proxy-protocol': { type: 'boolean' },
  spa: { type: 'boolean' },
  listing: { type: 'boolean' },
  cors: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  gzip: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags only `hio serve` takes. */
const FILE_FLAGS = ['spa', 'listing', 'cors', 'no-cache', 'gzip'] as const;

/**
 * Reads `args` (the arguments after the script, as `process.argv.slice(2)`)
 * and `env`. Throws `HIO_ERR_INVALID_OPTION` with a one-line message for an
 * unknown command or flag and for an invalid value.
 */
export function parseCommandLine(args: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  // sim has flags of its own; its name comes first.
  if (args[0] === 'sim') return parseSimCommandLine(args.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(args, OPTIONS), options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw invalid(`${parseArgsMessage(error)} (see 'hio --help')`, error);
  }
  const { values, positionals, tokens } = parsed;
  const [name, ...rest] = positionals;
  if (name !== undefined && !isCommand(name)) throw invalid(`unknown command ${quote(name)} (see 'hio --help')`);
  // Only serve takes an argument: its directory.
  const dir = name === 'serve' ? rest.shift() : undefined;
  const extra = rest[0];
  if (extra !== undefined) throw invalid(`unexpected argument ${quote(extra)} (see 'hio --help')`);
  if (name === undefined && values.help === true) return { action: 'help', text: mainUsage() };
  const command: Command = name ?? 'echo';
  if (values.help === true) return { action: 'help', text: commandUsage(command) };
  if (command === 'sim') throw invalid(`write the options of sim after it: hio sim FILE [options] (see 'hio sim --help')`);
  if (command === 'demo') {
    const option = tokens.find((token) => token.kind === 'option');
    if (option !== undefined && option.kind === 'option') throw invalid(`option '${option.rawName}' does not apply to demo (see 'hio demo --help')`);
    return { action: 'demo' };
  }
  if (command !== 'serve') {
    const flag = FILE_FLAGS.find((key) => values[key] === true);
    if (flag !== undefined) throw invalid(`option '--${flag}' applies to serve only (see 'hio serve --help')`);
  }
  const limits: { -readonly [K in keyof HttpLimits]?: number } = {};
  if (values['max-body-bytes'] !== undefined) limits.maxBodyBytes = byteCount('--max-body-bytes', values['max-body-bytes']);
  if (values['max-header-bytes'] !== undefined) limits.maxHeaderBytes = byteCount('--max-header-bytes', values['max-header-bytes']);
  return {
    action: 'serve',
    settings: {
      command,
      host: host(values.host === undefined ? 'HOST' : '--host', values.host ?? env['HOST'] ?? '127.0.0.1'),
      port: port(values.port === undefined ? 'PORT' : '--port', values.port ?? env['PORT'] ?? '8080'),
      keepAliveTymeout: values['keep-alive'] === undefined ? SERVE_COMMANDS[command].keepAliveTymeout : seconds('--keep-alive', values['keep-alive']),
      headerTymeout: values['header-timeout'] === undefined ? HTTP_DEFAULTS.headerTymeout : seconds('--header-timeout', values['header-timeout']),
      drainTymeout: values['drain-timeout'] === undefined ? HTTP_DEFAULTS.drainTymeout : seconds('--drain-timeout', values['drain-timeout']),
      limits,
      lenient: lenience(values.lenient ?? [], values.strict === true),
      workers: values.workers === undefined ? 1 : workerCount(values.workers),
      files: fileSettings(command, dir, values, env),
      ...(values['proxy-protocol'] === true && { proxyProtocol: true }),
    },
  };
}

/** The files a command serves: DIR for serve, $STATIC_DIR under /static/ for bench. */
function fileSettings(
  command: ServeCommand,
  dir: string | undefined,
  values: Partial<Record<(typeof FILE_FLAGS)[number], boolean | undefined>>,
  env: NodeJS.ProcessEnv,
): FileSettings | null {
  const plain = { spa: false, listing: false, cors: false, noCache: false, compress: false };
  if (command === 'bench') {
    const staticDir = env['STATIC_DIR'];
    return staticDir === undefined || staticDir === '' ? null : { dir: staticDir, prefix: '/static/', ...plain };
  }
  if (command !== 'serve') return null;
  if (dir === '') throw invalid('the directory to serve must not be empty');
  return {
    dir: dir ?? '.',
    prefix: '/',
    spa: values.spa === true,
    listing: values.listing === true,
    cors: values.cors === true,
    noCache: values['no-cache'] === true,
    compress: values.gzip === true,
  };
}

/** The flags of `hio sim`. */
const SIM_OPTIONS = {
  seeds: { type: 'string' },
  seed: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  out: { type: 'string' },
  bank: { type: 'string' },
  'no-bank': { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-shrink': { type: 'boolean' },
  'check-determinism': { type: 'boolean' },
  plan: { type: 'string' },
  timeline: { type: 'string' },
  'chrome-trace': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags that apply to a sweep only, and to one seed only. */
const SWEEP_FLAGS = ['jobs', 'shard', 'bank', 'no-bank', 'quiet'] as const;
const ONE_SEED_FLAGS = ['timeline', 'chrome-trace'] as const;

/** Where timelines and the seed bank go by default, under the working directory. */
export const SIM_DIR = '.hio-sim';
const SIM_BANK = `${SIM_DIR}/bank.json`;

/** The largest seed: seeds are 32-bit (the PRNG reads `seed >>> 0`). */
const MAX_SEED = 2 ** 32 - 1;

/**
 * Reads the arguments of `hio sim` (those after `sim`). Throws
 * `HIO_ERR_INVALID_OPTION` with a one-line message for a missing or extra
 * FILE, an unknown flag, an invalid value, and flags that do not go
 * together (--seed with --seeds, a sweep flag with --seed).
 */
export function parseSimCommandLine(args: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(args, SIM_OPTIONS), options: SIM_OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw invalid(`${parseArgsMessage(error)} (see 'hio sim --help')`, error);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { action: 'help', text: simUsage() };
  const [file, extra] = positionals;
  if (file === undefined || file === '') throw invalid(`sim needs a scenario FILE (see 'hio sim --help')`);
  if (extra !== undefined) throw invalid(`unexpected argument ${quote(extra)} (see 'hio sim --help')`);
  const common = {
    file,
    plan: values.plan === undefined ? null : plan(values.plan),
    checkDeterminism: values['check-determinism'] === true,
    shrink: values['no-shrink'] !== true,
    out: values.out === undefined ? SIM_DIR : path('--out', values.out),
  };
  if (values.seed !== undefined) {
    if (values.seeds !== undefined) throw invalid(`give --seeds A..B for a sweep or --seed N for one seed, not both`);
    const flag = SWEEP_FLAGS.find((key) => values[key] !== undefined);
    if (flag !== undefined) throw invalid(`option '--${flag}' applies to a sweep (--seeds) only (see 'hio sim --help')`);
    return {
      action: 'sim',
      settings: {
        ...common,
        mode: 'one',
        seed: seedNumber('--seed', values.seed),
        timeline: values.timeline === undefined ? null : path('--timeline', values.timeline),
        chromeTrace: values['chrome-trace'] === undefined ? null : path('--chrome-trace', values['chrome-trace']),
      },
    };
  }
  if (values.seeds === undefined) throw invalid(`sim needs --seeds A..B (or N for 1..N), or --seed N (see 'hio sim --help')`);
  const flag = ONE_SEED_FLAGS.find((key) => values[key] !== undefined);
  if (flag !== undefined) throw invalid(`option '--${flag}' applies to one seed (--seed) only (see 'hio sim --help')`);
  if (values.bank !== undefined && values['no-bank'] === true) throw invalid(`give --bank FILE or --no-bank, not both`);
  const [first, last] = seedRange(values.seeds);
  return {
    action: 'sim',
    settings: {
      ...common,
      mode: 'sweep',
      first,
      last,
      jobs: values.jobs === undefined ? availableParallelism() : jobCount(values.jobs),
      shard: values.shard === undefined ? { index: 1, count: 1 } : shard(values.shard),
      bank: values['no-bank'] === true ? null : values.bank === undefined ? SIM_BANK : path('--bank', values.bank),
      quiet: values.quiet === true,
    },
  };
}

/** The usage of `hio sim`. */
function simUsage(): string {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['--seeds A..B', 'run the seeds A to B, both included; --seeds N runs 1..N'],
    ['--jobs N', `worker threads (default: the available parallelism, ${availableParallelism()} here)`],
    ['--shard I/N', 'run only the seeds at positions I, I+N, I+2N… of the range (1-based), to split a sweep over N machines'],
    ['--bank FILE', `the seed bank (default ${SIM_BANK}); --no-bank for none`],
    ['--quiet', 'no progress on stderr'],
  ];
  const one: ReadonlyArray<readonly [string, string]> = [
    ['--seed N', 'run one seed in-process and print a full report'],
    ['--timeline PATH', 'write the timeline to PATH whether the seed passes or fails (without it, only a failing seed has one, under --out)'],
    ['--chrome-trace PATH', 'write the run as a Chrome trace (JSON for ui.perfetto.dev or chrome://tracing) to PATH'],
  ];
  const both: ReadonlyArray<readonly [string, string]> = [
    ['--check-determinism', 'run every seed twice and compare the traces (a difference is a violation)'],
    ['--plan JSON', 'run the plan a shrink printed instead of the faults and requests the seed draws'],
    ['--no-shrink', 'do not shrink a failing seed'],
    ['--out DIR', `where failing seeds' timelines go, as <scenario>-seed-N.html (default ${SIM_DIR})`],
  ];
  const table = (list: ReadonlyArray<readonly [string, string]>): string => list.map(([flag, text]) => optionRow(flag, text)).join('');
  return `usage: hio sim FILE --seeds A..B [options]
       hio sim FILE --seed N [options]

${sentence(SIM_SUMMARY)}.
FILE is an ES module (.js, .mjs, or .ts under node --import=tsx) whose
default export is a scenario.

A sweep runs every seed on worker threads and prints one line per failing
seed, with the command that replays it and the timeline written for it:
  FAIL seed N  invariant: message  replay: hio sim FILE --seed N  timeline: PATH
then a summary (seeds run, passed, failed, wall time, seeds per second, and a
digest of the whole sweep: the same for any --jobs, and the sum of the
shards' digests when --shard splits it), and shrinks the first failing seed.
Progress goes to stderr. Ctrl-C stops the sweep and prints what was run.

The seed bank remembers failing seeds: each sweep appends its new failing
seeds to it (scenario, seed, date, first violation) and first replays the
seeds banked for the scenario that lie outside its own seeds; a banked seed
that fails makes the sweep fail. The bank is JSON: { "version": 1,
"seeds": [{ "scenario", "seed", "date", "violation", "options" }] }, the
scenario path relative to the bank's directory. Delete an entry to forget it.

Exit status: 0 when every seed passes, 1 when one fails, 2 for a usage
error (also a FILE that is missing or exports no scenario), 130 when
interrupted.

Sweep options:
${table(rows)}
One seed:
${table(one)}
Both:
${table(both)}${optionRow('-h, --help', 'print this help')}`;
}

/** `--seeds A..B`, or `--seeds N` for 1..N. */
function seedRange(value: string): readonly [number, number] {
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range !== null) {
    const first = Number(range[1]);
    const last = Number(range[2]);
    if (first <= last && last <= MAX_SEED) return [first, last];
  } else if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_SEED) {
    return [1, Number(value)];
  }
  throw invalid(`--seeds must be A..B with 0 <= A <= B < 2^32, or a count N >= 1 for 1..N, got ${quote(value)}`);
}

/** `--workers N|auto`: an integer in [1, 1024], or the available parallelism. */
function workerCount(value: string): number {
  if (value === 'auto') return availableParallelism();
  if (/^\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= 1024) return Number(value);
  throw invalid(`--workers must be an integer in [1, 1024] or 'auto', got ${quote(value)}`);
}

function seedNumber(flag: string, value: string): number {
  if (/^\d+$/.test(value) && Number(value) <= MAX_SEED) return Number(value);
  throw invalid(`${flag} must be an integer in [0, 2^32), got ${quote(value)}`);
}

function jobCount(value: string): number {
  if (/^\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= 1024) return Number(value);
  throw invalid(`--jobs must be an integer in [1, 1024], got ${quote(value)}`);
}

/** `--shard i/n`, 1 <= i <= n. */
function shard(value: string): { readonly index: number; readonly count: number } {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match !== null && index >= 1 && index <= count) return { index, count };
  throw invalid(`--shard must be I/N with 1 <= I <= N (I counts from 1), got ${quote(value)}`);
}

/** A plan is JSON text, passed on as typed. */
function plan(value: string): string {
  try {
    JSON.parse(value);
    return value;
  } catch {
    throw invalid(`--plan must be the JSON a shrink printed, got ${quote(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`);
  }
}

function path(flag: string, value: string): string {
  if (value.length === 0) throw invalid(`${flag} must not be empty`);
  return value;
}

/** The usage of `hio` as a whole (`hio --help`). */
export function mainUsage(): string {
  return `usage: hio [command] [options]

Commands:
  echo          ${SERVE_COMMANDS.echo.summary} (the default)
  serve [DIR]   ${SERVE_COMMANDS.serve.summary}
  conformance   ${SERVE_COMMANDS.conformance.summary}
  bench         ${SERVE_COMMANDS.bench.summary}
  demo          ${DEMO_SUMMARY}
  sim FILE      ${SIM_SUMMARY} (see 'hio sim --help')

Server options (every command but demo and sim):
${serverOptions(SERVE_COMMANDS.echo.keepAliveTymeout)}
${SHUTDOWN}
Run 'hio <command> --help' for the usage of one command.
`;
}

/** The usage of one command (`hio <command> --help`). */
export function commandUsage(command: Command): string {
  if (command === 'sim') return simUsage();
  if (command === 'demo') {
    return `usage: hio demo\n\n${sentence(DEMO_SUMMARY)}, first in virtual tyme\n(instantly), then for one second of real tyme.\n\nOptions:\n${optionRow('-h, --help', 'print this help')}`;
  }
  const entry = SERVE_COMMANDS[command];
  const usage = command === 'serve' ? 'hio serve [DIR] [options]' : `hio ${command} [options]`;
  const files = command === 'serve' ? `${FILES}\nFile options:\n${fileOptions()}\n` : '';
  return `usage: ${usage}\n\n${sentence(entry.summary)}.\n${files}\nOptions:\n${serverOptions(entry.keepAliveTymeout)}\n${SHUTDOWN}`;
}

const FILES = `Index files (index.html) answer for their directory, with validators
(ETag, Last-Modified: 304), ranges (206, 416) and precompressed .br/.gz
siblings when the client accepts them. Paths that leave DIR, dotfiles and
symlinks out of DIR are never served.
`;

/** The option rows only serve takes. */
function fileOptions(): string {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['--spa', 'answer a path without an extension that names nothing with index.html (single-page applications)'],
    ['--listing', 'list directories that have no index.html'],
    ['--cors', 'send Access-Control-Allow-Origin: * and answer CORS preflights'],
    ['--no-cache', 'send Cache-Control: no-cache (clients revalidate every time)'],
    ['--gzip', 'compress text files on the fly (gzip or brotli, as the client accepts)'],
  ];
  return rows.map(([flag, text]) => optionRow(flag, text)).join('');
}

const SHUTDOWN = `On SIGTERM or SIGINT the server stops accepting connections, closes idle
ones, lets requests in flight finish for up to the drain timeout and exits 0;
if the timeout cuts some off, or a second signal closes everything at once,
it exits 1. Exit status 2 means a usage error or that the server could not
listen. A timeout of 0 seconds means never (--keep-alive 0: idle
connections stay open).

With --workers N, N processes serve on one shared port and the first one
only supervises them: it prints the listening line, restarts a worker that
exits (after 0.1 s doubling to 5 s; more than 10 restarts within 60 s
stop everything with status 1), and on SIGTERM or SIGINT drains them all.
`;

/** The option rows of the server commands' usage. */
function serverOptions(keepAliveTymeout: number): string {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['--host HOST', 'listen address (default $HOST, else 127.0.0.1)'],
    ['--port PORT', 'listen port; 0 picks a free one (default $PORT, else 8080)'],
    ['--max-body-bytes N', `largest request body in bytes; larger is answered 413 (default ${DEFAULT_LIMITS.maxBodyBytes})`],
    ['--max-header-bytes N', `largest header section in bytes; larger is answered 431 (default ${DEFAULT_LIMITS.maxHeaderBytes})`],
    ['--keep-alive SECONDS', `idle keep-alive timeout; 0 for none (default ${keepAliveTymeout})`],
    ['--header-timeout SECONDS', `deadline for a header section from its first byte; 408 after it (default ${HTTP_DEFAULTS.headerTymeout})`],
    ['--drain-timeout SECONDS', `on shutdown, how long requests in flight may finish (default ${HTTP_DEFAULTS.drainTymeout})`],
    ['--workers N|auto', `server processes sharing the port, a crashed one restarted (default 1; auto: ${availableParallelism()} here)`],
    ['--lenient NAME[,NAME]', `accept a deviation the strict parser rejects; NAME is one of ${LENIENCE_NAMES.join(', ')} (browserChars is on by default)`],
    ['--strict', 'every tolerance off, browserChars included (RFC 3986 targets only); --lenient names still apply'],
    [
      '--proxy-protocol',
      'every connection must begin with a PROXY protocol header (v1 or v2, as HAProxy send-proxy sends); the client address comes from it; others are closed',
    ],
  ];
  return rows.map(([flag, text]) => optionRow(flag, text)).join('') + optionRow('-h, --help', 'print this help');
}

/** Column where option descriptions start, and the width they wrap at. */
const COLUMN = 28;
const WIDTH = 80;

/** One option of a usage: the flag, then its description wrapped under itself. */
function optionRow(flag: string, text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && COLUMN + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line.length === 0 ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.map((part, index) => `${(index === 0 ? `  ${flag}` : '').padEnd(COLUMN)}${part}\n`).join('');
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isCommand(name: string): name is Command {
  return name === 'demo' || name === 'sim' || Object.hasOwn(SERVE_COMMANDS, name);
}

/**
 * parseArgs reads `--port -1` as a flag missing its value; a value that looks
 * like a negative number is joined to its flag (`--port=-1`) so the error
 * names the value instead. Nothing after `--` is touched.
 */
function joinDashValues(args: readonly string[], options: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      joined.push(...args.slice(index));
      break;
    }
    const next = args[index + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (next !== undefined && /^-[\d.]/.test(next) && options[name]?.type === 'string') {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** A one-line message for a parseArgs error (its own messages run to three lines). */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1] ?? '?';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${flag}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `option '${flag}' takes no value`;
    if (message.includes('ambiguous')) return `option '${flag}' needs a value (write ${flag}=VALUE for one starting with '-')`;
    return `option '${flag}' needs a value`;
  }
  return message.split('\n', 1)[0]!;
}

function host(source: string, value: string): string {
  if (value.length === 0 || /\s/.test(value)) throw invalid(`${source} must be a host name or address, got ${quote(value)}`);
  return value;
}

function port(source: string, value: string): number {
  // Digits only: Number() would take '', ' 80', '1e3' and '0x50'.
  if (/^\d{1,5}$/.test(value) && Number(value) <= 65535) return Number(value);
  throw invalid(`${source} must be an integer in [0, 65535], got ${quote(value)}`);
}

function byteCount(flag: string, value: string): number {
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw invalid(`${flag} must be a whole number of bytes, got ${quote(value)}`);
}

function seconds(flag: string, value: string): number {
  if (/^(\d+\.?\d*|\.\d+)$/.test(value) && Number.isFinite(Number(value))) return Number(value);
  throw invalid(`${flag} must be a number of seconds >= 0, got ${quote(value)}`);
}

/** The tolerances named by every --lenient, each a comma-separated list; over every tolerance off with --strict. */
function lenience(lists: readonly string[], strict: boolean): Partial<HttpLenience> {
  const lenient: { -readonly [K in keyof HttpLenience]?: boolean } = strict ? { ...STRICT } : {};
  for (const name of lists.flatMap((list) => list.split(','))) {
    const key = LENIENCE_NAMES.find((known) => known === name.trim());
    if (key === undefined) throw invalid(`unknown tolerance ${quote(name)} for --lenient; valid names: ${LENIENCE_NAMES.join(', ')}`);
    lenient[key] = true;
  }
  return lenient;
}

/** A value as typed, quoted and escaped so that the message stays one line. */
function quote(value: string): string {
  return JSON.stringify(value);
}

function invalid(message: string, cause?: unknown): HioError {
  return new HioError('HIO_ERR_INVALID_OPTION', message, cause === undefined ? {} : { cause });
}
