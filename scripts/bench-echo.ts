/**
 * TCP echo benchmark (never part of CI): NetServant + EchoDoer under a
 * real-mode Doist against a plain node:net echo server (socket.pipe(socket)),
 * both measured in the same run. Each server runs in its own child process
 * (`node build/scripts/bench-echo.js --serve=hio|plain`, pinned to cpu 1 with
 * `taskset -c 1` when available); this process is the load generator, pinned
 * to cpu 0, so the ratio is of the servers, not of the generator. Prints:
 *
 * 1. throughput: N connections each streaming 64 KiB writes (at most `window`
 *    bytes unanswered per connection) and reading the echo back, for D seconds
 *    after a short warm-up, in rounds alternating hio, plain, … after one
 *    uncounted warm-up round: echoed MB/s (1 MB = 1e6 bytes, counted once)
 *    per server per round, the medians, and hio/plain as the median of the
 *    per-round ratios. Each round also shows the CPU of the server, of the
 *    generator and of other processes, and the hypervisor's steal share (from
 *    /proc/stat), so disturbed rounds and a saturated generator are visible;
 * 2. idle cost, on fresh children: 1,000 connections each echo one small
 *    message and then stay idle; the child's CPU (utime+stime from
 *    /proc/<pid>/stat) over 5 s as % of one core, and RSS growth per connection.
 *
 *   npm run bench:echo -- [options]   (compiles, then runs build/scripts/bench-echo.js)
 *   options: [--connections=8] [--seconds=5] [--rounds=3] [--warmup=0.5]
 *            [--window=524288] [--idle-connections=1000] [--idle-seconds=5]
 *            [--server-prof=DIR]  (run the server children under node --cpu-prof; the
 *            children write their profiles into DIR when stopped)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NetServant } from '../src/net/net-servant.js';
import { Doist } from '../src/doing/doist.js';
import { doify } from '../src/doing/doify.js';
import type { Dog } from '../src/doing/doable.js';
import { EchoDoer } from '../src/testing/echo-doer.js';
import { option } from './options.js';

const CHUNK = 64 * 1024;
const serve = process.argv.find((value) => value.startsWith('--serve='))?.slice(8);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const percent = (value: number): string => `${(value * 100).toFixed(0)} %`;
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ------------------------------------------------------------------ servers (children)

async function serveHio(): Promise<void> {
  const servant = new NetServant({ host: '127.0.0.1', port: 0, backlog: 2048 });
  const announce = doify(function* announcer(): Dog {
    while (!servant.opened) yield 0;
    process.stdout.write(`listening ${servant.address.port}\n`);
    return true;
  });
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort());
  await new Doist({ real: true }).run([new EchoDoer(servant), announce], { signal: controller.signal });
  process.exit(0);
}

function servePlain(): void {
  process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
  const server = createServer({ noDelay: true }, (socket) => socket.on('error', () => {}).pipe(socket));
  server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
}

// ------------------------------------------------------------------ generator (parent)

const script = fileURLToPath(import.meta.url);
const profileDir = process.argv.find((value) => value.startsWith('--server-prof='))?.slice(14);
const serverNodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

type Server = { readonly kind: string; readonly child: ChildProcess; readonly port: number; readonly command: string };

async function startServer(kind: string): Promise<Server> {
  const args = [...serverNodeArgs, script, `--serve=${kind}`];
  const [file, argv] = hasTaskset ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match !== null) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { kind, child, port, command: `${file} ${argv.join(' ')}` };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** utime + stime of a process in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Whole-machine CPU ticks from /proc/stat: busy (user, nice, system, irq, softirq), steal, and total. */
function machineTicks(): { busy: number; steal: number; total: number } {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, steal, total: busy + idle + iowait + steal };
}

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]);
}

/** Connects; `onRead` given, the socket reads into one shared buffer (onread) and gets the byte counts. */
function open(port: number, onRead?: (bytes: number) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onread = onRead && { buffer: sharedReadBuffer, callback: (bytes: number): boolean => (onRead(bytes), true) };
    const socket = connect({ host: '127.0.0.1', port, noDelay: true, ...(onread && { onread }) }, () => {
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
const sharedReadBuffer = Buffer.allocUnsafe(CHUNK);

/** MB/s; CPU of the server, the generator and other processes (one core = 1); share of machine time stolen. */
type Round = Record<'mbps' | 'serverCpu' | 'generatorCpu' | 'otherCpu' | 'steal', number>;

async function throughputRound(server: Server, connections: number, seconds: number, warmup: number, window: number): Promise<Round> {
  const payload = Buffer.alloc(CHUNK, 0x61);
  let received = 0;
  // Echoed bytes are counted, never inspected (onread into one shared buffer):
  // that keeps the generator much cheaper than a server.
  const start = async (): Promise<Socket> => {
    let sent = 0;
    let echoed = 0;
    const fill = (): void => {
      for (; sent - echoed <= window - CHUNK; sent += CHUNK) socket.write(payload);
    };
    const socket = await open(server.port, (bytes) => {
      echoed += bytes;
      received += bytes;
      fill();
    });
    fill();
    return socket;
  };
  const sockets = await Promise.all(Array.from({ length: connections }, start));
  await sleep(warmup * 1000);
  const startBytes = received;
  const startServer = cpuSeconds(server.child.pid!);
  const startSelf = process.cpuUsage();
  const startMachine = machineTicks();
  const started = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const machine = machineTicks();
  const bytes = received - startBytes;
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = (cpuSeconds(server.child.pid!) - startServer) / wall;
  const self = process.cpuUsage(startSelf);
  const generatorCpu = (self.user + self.system) / 1e6 / wall;
  const otherCpu = Math.max(0, (machine.busy - startMachine.busy) / clockTicks / wall - serverCpu - generatorCpu);
  const steal = (machine.steal - startMachine.steal) / (machine.total - startMachine.total);
  for (const socket of sockets) socket.destroy();
  await sleep(200);
  return { mbps: bytes / 1e6 / wall, serverCpu, generatorCpu, otherCpu, steal };
}

async function idleCost(server: Server, count: number, seconds: number): Promise<void> {
  const pid = server.child.pid!;
  await sleep(500);
  const rssBefore = rssKiB(pid);
  const sockets: Socket[] = [];
  const echo = (socket: Socket): Promise<unknown> => new Promise((resolve) => socket.once('data', resolve).write('ping\n'));
  for (let batch = 0; batch < count; batch += 100) {
    const opened = await Promise.all(Array.from({ length: Math.min(100, count - batch) }, () => open(server.port)));
    await Promise.all(opened.map(echo));
    sockets.push(...opened);
  }
  await sleep(1000);
  const rssAfter = rssKiB(pid);
  const cpuStart = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(pid) - cpuStart;
  console.log(
    `${server.kind.padEnd(5)} idle, ${sockets.length} connections for ${wall.toFixed(2)} s: CPU ${(cpu * 1000).toFixed(0)} ms = ${((cpu / wall) * 100).toFixed(2)} % of one core; ` +
      `RSS ${rssBefore} -> ${rssAfter} KiB = ${((rssAfter - rssBefore) / sockets.length).toFixed(2)} KiB per connection`,
  );
  for (const socket of sockets) socket.destroy();
}

async function generate(): Promise<void> {
  const connections = option('connections', 8);
  const seconds = option('seconds', 5);
  const rounds = option('rounds', 3);
  const warmup = option('warmup', 0.5);
  const window = option('window', 8 * CHUNK);
  const idleConnections = option('idle-connections', 1000);
  const idleSeconds = option('idle-seconds', 5);
  if (hasTaskset) spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  console.log(
    `node ${process.version}, ${process.arch}; CLK_TCK ${clockTicks}; ${hasTaskset ? 'servers on cpu 1, generator on cpu 0' : 'taskset not available: nothing pinned'}`,
  );
  console.log(`generator: ${hasTaskset ? 'taskset -a -cp 0 <own pid>; ' : ''}${process.execPath} ${process.argv.slice(1).join(' ')}`);
  console.log(
    `load: ${connections} connections x ${CHUNK}-byte writes, at most ${window} bytes unanswered each; ${warmup} s warm-up + ${seconds} s measured per round`,
  );

  const servers = [await startServer('hio'), await startServer('plain')];
  for (const server of servers) console.log(`server ${server.kind}: ${server.command}  (pid ${server.child.pid}, port ${server.port})`);
  const results = new Map<string, Round[]>(servers.map((server) => [server.kind, []]));
  // Round 0 warms up JIT and TCP buffers and is not counted.
  for (let round = 0; round <= rounds; round++) {
    for (const server of servers) {
      const result = await throughputRound(server, connections, seconds, warmup, window);
      if (round > 0) results.get(server.kind)!.push(result);
      console.log(
        `${round === 0 ? 'warm-up' : `round ${round}`} ${server.kind.padEnd(5)}: ${result.mbps.toFixed(1).padStart(8)} MB/s echoed  ` +
          `(CPU: server ${percent(result.serverCpu)}, generator ${percent(result.generatorCpu)}, other processes ${percent(result.otherCpu)}; steal ${percent(result.steal)} of machine time)`,
      );
    }
  }
  for (const server of servers) await stopServer(server);
  const hio = results.get('hio')!.map((r) => r.mbps);
  const plain = results.get('plain')!.map((r) => r.mbps);
  console.log(`median: hio ${median(hio).toFixed(1)} MB/s, plain ${median(plain).toFixed(1)} MB/s`);
  console.log(`hio/plain (median of per-round ratios): ${median(hio.map((value, i) => value / plain[i]!)).toFixed(3)}`);

  for (const kind of ['hio', 'plain']) {
    const server = await startServer(kind);
    console.log(`fresh server ${kind}: ${server.command}  (pid ${server.child.pid})`);
    await idleCost(server, idleConnections, idleSeconds);
    await stopServer(server);
  }
}

if (serve !== undefined) {
  // A server child ends with its generator: when its stdin pipe closes.
  process.stdin.on('end', () => process.exit(0)).resume();
}
if (serve === 'hio') await serveHio();
else if (serve === 'plain') servePlain();
else await generate();
