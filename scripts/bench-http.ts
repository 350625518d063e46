/**
 * @module
 * HTTP hello-world benchmark (never part of CI): `hio bench` against a
 * node:http server doing the same work, both measured by `wrk` in one run.
 * Each server is a child process on 127.0.0.1 at a port it picks (PORT=0) and
 * prints in its `listening on http://host:port/` line:
 *
 * - hio: `node dist/cli.js bench` (HelloSteward: `GET /` → "Hello, World!");
 * - node:http: an inline `node -e` server answering `GET /` with
 *   "Hello, World!" as text/plain with a Content-Length, keepAliveTimeout 65 s.
 *
 * Three scenarios, each `wrk --latency -t1 -c<conns> -d<duration>s`:
 * keep-alive; pipelined (a Lua script, written into a temporary directory,
 * sends `pipeline` `GET /` requests per write); and `Connection: close` (a
 * new connection per request). With taskset and at least two cpus, wrk runs
 * on cpu 0 and the servers on cpu 1, so the ratio is of the servers, not of
 * the generator. After an uncounted keep-alive warm-up of each server, every
 * round runs each scenario against hio, then node:http. Each run prints one
 * line; the table at the end gives per scenario the median req/s of each
 * server, the median of the per-round ratios hio/node:http, the median p99
 * latency, and the socket errors and non-2xx answers summed over the rounds.
 *
 *   npm run bench:http -- [options]   (builds dist/ and build/, then runs build/scripts/bench-http.js)
 *   options: [--rounds=3] [--duration=5] (whole seconds per wrk run) [--conns=50]
 *            [--pipeline=16] (requests per write in the pipelined scenario)
 *            [--warmup=2] (seconds of uncounted keep-alive load per server; 0: none)
 *
 * Without wrk it prints how to install it and exits 2. Every wait has a
 * timeout; the children are killed and the temporary directory removed when
 * this process exits, fails or is interrupted (scripts/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './options.js';
import { atExit, exitDescription, HOST, sleep, spawnTracked, startServer, stopServer, within, type Server } from './processes.js';

/** The repository root: this file runs as build/scripts/bench-http.js. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const HIO_CLI = join(root, 'dist', 'cli.js');
const OPTIONS = ['rounds', 'duration', 'conns', 'pipeline', 'warmup'] as const;
const USAGE = 'usage: bench-http [--rounds=3] [--duration=5] [--conns=50] [--pipeline=16] [--warmup=2]';

function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ------------------------------------------------------------------ cpu pinning

// Both pinned cpus must be in this process's affinity mask, or taskset fails.
const pinned = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0,1', 'true']).status === 0;

/** `file args` prefixed with `taskset -c <cpu>` when pinning. */
function onCpu(cpu: number, file: string, args: readonly string[]): [string, string[]] {
  return pinned ? ['taskset', ['-c', String(cpu), file, ...args]] : [file, [...args]];
}

// ------------------------------------------------------------------ servers

/**
 * The node:http baseline, run by `node -e`: same answers as HelloSteward,
 * node's defaults otherwise, except a keep-alive timeout of 65 s so that no
 * idle wrk connection is closed under it. It ends with SIGTERM, SIGINT or
 * the end of its stdin pipe (the parent is gone).
 */
const NODE_HELLO = `
const { createServer } = require('node:http');
const hello = Buffer.from('Hello, World!');
const server = createServer((request, response) => {
  if (request.url === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': hello.length });
    response.end(hello);
  } else {
    response.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
    response.end('not found\\n');
  }
});
server.keepAliveTimeout = 65000;
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).resume();
server.listen({ host: process.env.HOST, port: Number(process.env.PORT) }, () => {
  const { address, port } = server.address();
  console.log('node:http hello listening on http://' + address + ':' + port + '/');
});
`;

/** Starts a server on cpu 1 (its stderr kept for the message when it dies); a first SIGTERM gets 3 s to drain. */
function startBenchServer(name: string, args: readonly string[], shown: string): Promise<Server> {
  const [file, argv] = onCpu(1, process.execPath, args);
  return startServer({ name, file, args: argv, command: `${pinned ? 'taskset -c 1 ' : ''}${shown}`, cwd: root, stderr: 'pipe', drainMs: 3000 });
}

/** Throws when `server` is gone: a result measured against a dead server means nothing. */
function assertAlive(server: Server): void {
  const exited = exitDescription(server.child);
  if (exited !== null) throw new Error(`${server.name} server ${exited}: ${server.stderr()}`);
}

/**
 * One `GET /` on a fresh connection, read up to the end of its
 * Content-Length body: throws unless it is a 200 with "Hello, World!", else
 * the number of bytes of the answer (head and body), shown so that a reader
 * sees how much each server writes per request.
 */
function checkHello(server: Server): Promise<number> {
  const answer = new Promise<number>((resolve, reject) => {
    const socket = connect({ host: HOST, port: server.port }, () => socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}:${server.port}\r\n\r\n`));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = received.subarray(0, headEnd).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) return reject(new Error(`${server.name}: GET / answered without a Content-Length: ${head}`));
      const total = headEnd + 4 + Number(length[1]);
      if (received.length < total) return;
      socket.destroy();
      const body = received.subarray(headEnd + 4, total).toString();
      if (!head.startsWith('HTTP/1.1 200 ') || body !== 'Hello, World!')
        reject(new Error(`${server.name}: GET / answered ${JSON.stringify(head + '\r\n\r\n' + body)}`));
      else resolve(total);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`${server.name}: closed before answering GET /`)));
  });
  return within(answer, 5000, `${server.name} answering GET /`);
}

// ------------------------------------------------------------------ wrk

/** A load shape: a name for the table and the wrk arguments that make it. */
interface Scenario {
  readonly name: string;
  readonly args: readonly string[];
}

/** What one wrk run measured; NaN where wrk printed nothing. */
interface Run {
  readonly rps: number;
  /** 99th percentile latency in milliseconds. */
  readonly p99Ms: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
  readonly errors: number;
}

/**
 * The Lua script of the pipelined scenario: `depth` `GET /` requests built
 * once per thread and sent as one write; wrk counts the requests in it and
 * expects as many answers before the next write.
 */
function pipelineScript(depth: number): string {
  return `-- written by scripts/bench-http.ts: ${depth} pipelined GET / per write
local depth = ${depth}
local batch
init = function(args)
  local requests = {}
  for i = 1, depth do requests[i] = wrk.format("GET", "/") end
  batch = table.concat(requests)
end
request = function()
  return batch
end
`;
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** Reads Requests/sec, the 99% latency line of --latency, and the error counts out of wrk's report. */
function parseWrk(output: string): Run {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, count) => sum + Number(count), 0);
  return {
    rps: rps === null ? NaN : Number(rps[1]),
    p99Ms: p99 === null ? NaN : Number(p99[1]) * TIME_UNITS_MS[p99[2]!]!,
    errors: socketErrors + (non2xx === null ? 0 : Number(non2xx[1])),
  };
}

/** The wrk arguments of a scenario against `port`, before the pinning prefix. */
function wrkArgs(scenario: Scenario, conns: number, seconds: number, port: number): string[] {
  return ['--latency', '-t1', `-c${conns}`, `-d${seconds}s`, ...scenario.args, `http://${HOST}:${port}/`];
}

/** One wrk run on cpu 0; throws when wrk fails, prints no Requests/sec, or outlives its duration by 15 s. */
async function runWrk(server: Server, scenario: Scenario, conns: number, seconds: number): Promise<Run> {
  const [file, argv] = onCpu(0, 'wrk', wrkArgs(scenario, conns, seconds, server.port));
  const child = spawnTracked(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  let code: number | null;
  try {
    code = await within(exited, (seconds + 15) * 1000, `wrk ${scenario.name} against ${server.name}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const run = parseWrk(output);
  if (code !== 0 || Number.isNaN(run.rps)) throw new Error(`wrk ${scenario.name} against ${server.name} exited with ${code}:\n${output.trim()}`);
  // A pause lets the last run's connections close before the next one, and a server that crashed at the end show it.
  await sleep(200);
  assertAlive(server);
  return run;
}

// ------------------------------------------------------------------ report

/** `arg` as a shell would need it, for the commands shown. */
const quoted = (arg: string): string => (/^[\w./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
const rate = (value: number): string => (Number.isNaN(value) ? '-' : Math.round(value).toLocaleString('en-US'));
const ms = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(2)} ms`);

/** Left-aligns the first column and right-aligns the others, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n');
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  for (const arg of process.argv.slice(2)) {
    if (!OPTIONS.some((name) => arg.startsWith(`--${name}=`))) {
      console.error(`bench-http: unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  const rounds = option('rounds', 3);
  const duration = option('duration', 5);
  const conns = option('conns', 50);
  const depth = option('pipeline', 16);
  const warmup = option('warmup', 2);
  // wrk reads -d as whole seconds; every count must be a whole number.
  const whole = (value: number, least: number): boolean => Number.isInteger(value) && value >= least;
  if (!whole(rounds, 1) || !whole(duration, 1) || !whole(conns, 1) || !whole(depth, 1) || !whole(warmup, 0)) {
    console.error(`bench-http: every option takes a whole number (--warmup may be 0)\n${USAGE}`);
    process.exit(2);
  }
  const wrkVersion = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (wrkVersion.error !== undefined) {
    console.error('bench-http: wrk not found; install it with: apt-get install -y wrk');
    process.exit(2);
  }
  if (!existsSync(HIO_CLI)) {
    console.error(`bench-http: ${HIO_CLI} not found; run npm run build first`);
    process.exit(2);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'hio-bench-http-'));
  atExit(() => rmSync(scratch, { recursive: true, force: true }));
  const lua = join(scratch, 'pipeline.lua');
  writeFileSync(lua, pipelineScript(depth));
  const keepAlive: Scenario = { name: 'keep-alive', args: [] };
  const scenarios: readonly Scenario[] = [
    keepAlive,
    { name: `pipelined x${depth}`, args: ['-s', lua] },
    { name: 'Connection: close', args: ['-H', 'Connection: close'] },
  ];

  console.log(`node ${process.version}, ${process.arch}; ${(wrkVersion.stdout + wrkVersion.stderr).split('\n')[0]!.trim()}`);
  console.log(pinned ? 'wrk on cpu 0, servers on cpu 1 (taskset)' : 'taskset or a second cpu not available: nothing pinned');
  for (const scenario of scenarios)
    console.log(
      `${scenario.name.padEnd(18)}: ${pinned ? 'taskset -c 0 ' : ''}wrk ${wrkArgs(scenario, conns, duration, 0).map(quoted).join(' ').replace(':0/', ':PORT/')}`,
    );

  const servers = [
    await startBenchServer('hio', [HIO_CLI, 'bench'], 'node dist/cli.js bench'),
    await startBenchServer('node:http', ['-e', NODE_HELLO], "node -e '<hello server, keepAliveTimeout 65 s>'"),
  ] as const;
  for (const server of servers) {
    const bytes = await checkHello(server);
    console.log(`server ${server.name.padEnd(9)}: PORT=0 ${server.command}  (pid ${server.child.pid}, port ${server.port}; GET / answer ${bytes} bytes)`);
  }

  // JIT and TCP buffers warm up here, uncounted.
  if (warmup > 0) {
    for (const server of servers) await runWrk(server, keepAlive, conns, warmup);
    console.log(`warm-up: ${warmup} s of keep-alive load on each server`);
  }

  const runs = new Map(scenarios.map((scenario) => [scenario, { hio: [] as Run[], node: [] as Run[] }]));
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of scenarios) {
      const hio = await runWrk(servers[0], scenario, conns, duration);
      const node = await runWrk(servers[1], scenario, conns, duration);
      runs.get(scenario)!.hio.push(hio);
      runs.get(scenario)!.node.push(node);
      const errors = hio.errors + node.errors > 0 ? `  errors ${hio.errors}/${node.errors}` : '';
      console.log(
        `round ${round} ${scenario.name.padEnd(18)} hio ${rate(hio.rps).padStart(9)} req/s (p99 ${ms(hio.p99Ms)})  ` +
          `node:http ${rate(node.rps).padStart(9)} req/s (p99 ${ms(node.p99Ms)})  hio/node:http ${(hio.rps / node.rps).toFixed(3)}${errors}`,
      );
    }
  }
  for (const server of servers) await stopServer(server);

  const rows: string[][] = [['scenario', 'hio req/s', 'node:http req/s', 'hio/node:http', 'hio p99', 'node:http p99', 'errors hio/node:http']];
  for (const [scenario, { hio, node }] of runs) {
    rows.push([
      scenario.name,
      rate(median(hio.map((run) => run.rps))),
      rate(median(node.map((run) => run.rps))),
      median(hio.map((run, i) => run.rps / node[i]!.rps)).toFixed(3),
      ms(median(hio.map((run) => run.p99Ms))),
      ms(median(node.map((run) => run.p99Ms))),
      `${hio.reduce((sum, run) => sum + run.errors, 0)}/${node.reduce((sum, run) => sum + run.errors, 0)}`,
    ]);
  }
  console.log(
    `\nmedians over ${rounds} round${rounds === 1 ? '' : 's'} (wrk -t1 -c${conns} -d${duration}s); hio/node:http is the median of the per-round ratios`,
  );
  console.log(table(rows));
}

try {
  await main();
} catch (error) {
  // The exit handler kills the children and removes the temporary directory.
  console.error(`bench-http: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
// Nothing else should keep the loop alive, but a stray handle must not hold the run open.
process.exit(0);
