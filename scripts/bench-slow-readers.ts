/**
 * Slow-reader benchmark (never part of CI): what a server does when its
 * clients read slowly, hio-ts side by side with a node:http server doing the
 * same work (scripts/slow-servers/node-echo.ts), in one run. Each server is a
 * child process on 127.0.0.1 at a port it picks (PORT=0) and prints; this
 * process is the client. Three checks:
 *
 * 1. slow-reader memory: `connections` connections each pipeline `requests`
 *    POSTs of `body-bytes` (Content-Length, written as fast as the socket
 *    takes them, backpressure honoured) while reading the answers at
 *    `slow-rate` bytes/s. The server's RSS (VmRSS of /proc/<pid>/status,
 *    sampled every `sample-ms`) is watched for `seconds`; its growth is the
 *    largest sample minus the RSS just before the clients connected. Then
 *    the clients are destroyed and each server must still answer a request.
 *    The servers run this one after the other.
 * 2. slow download, keep-alive: one connection sends `download-requests`
 *    POSTs of `body-bytes` (each answered by an echo of about that size) and
 *    reads at `download-rate` bytes/s; were all the answers complete (by
 *    their Content-Length framing), and how long did it take?
 * 3. slow download, Connection: close: one `big-mb` MB answer read at
 *    `big-rate` bytes/s, by a throttled socket and, when curl is installed,
 *    by `curl --limit-rate`. The answer is the echo of a POST of that size
 *    when `<hio command> --help` lists `--max-body-bytes` (then the hio
 *    command gets `--max-body-bytes <size + 10 MB>`), else `GET /big?mb=N` of
 *    scripts/slow-servers/big-steward.ts. Complete or not; bytes received
 *    against the Content-Length.
 * Checks 2 and 3 run both servers at once: the reads are throttled, so the
 * client is idle most of the time.
 *
 *   npm run bench:slow -- [options]   (builds dist/ and build/, then runs build/scripts/bench-slow-readers.js)
 *   options: [--seconds=20] [--connections=20] [--requests=64] [--body-bytes=1000000] [--slow-rate=1024]
 *            [--sample-ms=250] [--download-requests=10] [--download-rate=131072] [--download-timeout=S]
 *            [--big-mb=30] [--big-rate=4194304] [--big-timeout=S] [--curl=1] [--sections=123]
 *            [--hio="node dist/cli.js echo"]      server of checks 1 and 2 (PORT=0 in its environment;
 *                                                 split on spaces; a leading `node` is this node)
 *            [--hio-big="..."] [--big-request=echo|big]  server and request of check 3 (default: see 3.)
 *            [--node="node build/scripts/slow-servers/node-echo.js"]  the node:http baseline
 * Every wait has a timeout; the children are killed when this process exits,
 * fails or is interrupted (scripts/processes.ts). The client's throttled
 * reads and response counting are scripts/slow-servers/throttled-reader.ts
 * and response-framer.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import { fileURLToPath } from 'node:url';
import { option } from './options.js';
import { exitDescription, HOST, sleep, spawnTracked, startServer, stopServer, within, type Server } from './processes.js';
import { ResponseFramer } from './slow-servers/response-framer.js';
import { ThrottledReader } from './slow-servers/throttled-reader.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The repository root: this file runs as build/scripts/bench-slow-readers.js. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const now = (): number => performance.now();

/** The text given as `--name=value`, or `fallback` (the shared parser reads numbers only). */
function textOption(name: string, fallback: string): string {
  const arg = process.argv.find((value) => value.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

/** Polls `done` every `everyMs` until it holds or `ms` pass; true when it held. */
async function until(done: () => boolean, ms: number, everyMs = 50): Promise<boolean> {
  const deadline = now() + ms;
  while (!done()) {
    if (now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

// ------------------------------------------------------------------ servers

/** `command` split on spaces into the program spawned and its arguments; a leading `node` is this node. */
function commandLine(command: string): [string, string[]] {
  const [program = 'node', ...args] = command.trim().split(/\s+/);
  return [program === 'node' ? process.execPath : program, args];
}

/** Starts `command` as server `name` (its stderr passed through); a first SIGTERM gets 5 s to drain. */
function startCommand(name: string, command: string): Promise<Server> {
  const [file, args] = commandLine(command);
  return startServer({ name, file, args, command, cwd: root, stderr: 'inherit', drainMs: 5000 });
}

/** Resident set of a process in KiB; NaN once it is gone. */
function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? NaN : Number(match[1]);
  } catch {
    return NaN;
  }
}

/** Milliseconds a fresh connection takes to get a whole answer to `GET /alive`, or null within 5 s. */
async function answerMs(port: number): Promise<number | null> {
  const started = now();
  return new Promise((resolve) => {
    const request = httpRequest({ host: HOST, port, path: '/alive', agent: false, signal: AbortSignal.timeout(5000) }, (response) => {
      response.on('error', () => resolve(null));
      response.on('end', () => resolve(response.statusCode === 200 ? now() - started : null)).resume();
    });
    request.on('error', () => resolve(null));
    request.end();
  });
}

// ------------------------------------------------------------------ the client side

/** Connects with a small read buffer (`highWaterMark` bytes) so unread answers stay in the kernel. */
function open(port: number, highWaterMark: number): Promise<Socket> {
  // net.Socket passes readableHighWaterMark on to its Readable; the typings do not list it.
  const options: TcpNetConnectOpts & { readableHighWaterMark: number } = { host: HOST, port, noDelay: true, readableHighWaterMark: highWaterMark };
  return within(
    new Promise((resolve, reject) => {
      const socket = connect(options, () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    }),
    5000,
    `connecting to port ${port}`,
  );
}

function requestHead(method: string, target: string, bodyBytes: number, close: boolean): Buffer {
  const length = method === 'GET' ? '' : `Content-Type: text/plain\r\nContent-Length: ${bodyBytes}\r\n`;
  return Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: ${HOST}\r\n${length}${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1');
}

/** Resolves on 'drain' or 'close', whichever comes first. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/**
 * Writes `count` POSTs of `body` as fast as the socket takes them, waiting
 * for 'drain' whenever write() says to; stops when the socket closes.
 * Returns how many were handed to the socket.
 */
async function pipeline(socket: Socket, count: number, body: Buffer): Promise<number> {
  let queued = 0;
  for (; queued < count && !socket.destroyed; queued++) {
    socket.write(requestHead('POST', `/slow/${queued}`, body.length, false));
    if (!socket.write(body)) await drained(socket);
  }
  return queued;
}

// ------------------------------------------------------------------ the checks

interface Memory {
  /** RSS before the clients connected, KiB. */
  readonly before: number;
  /** Largest RSS sampled while they were connected, KiB. */
  readonly max: number;
  /** RSS a second after they were destroyed, KiB. */
  readonly after: number;
  /** Bytes the clients got into the kernel (socket.bytesWritten). */
  readonly sent: number;
  /** Bytes the clients read. */
  readonly received: number;
  /** Client connections the server closed or reset during the check. */
  readonly closedByServer: number;
  /** Seconds after connecting when the first and the last of those were seen closed (NaN: none). */
  readonly closedFirst: number;
  readonly closedLast: number;
  /** ms a fresh request took afterwards, or null: no answer. */
  readonly answeredMs: number | null;
  /** How the server process ended, or null while it runs. */
  readonly exited: string | null;
}

async function slowReaderMemory(server: Server, settings: Settings): Promise<Memory> {
  const pid = server.child.pid!;
  const body = Buffer.alloc(settings.bodyBytes, 0x61);
  await sleep(1000);
  const before = rssKiB(pid);
  let max = before;
  const sampler = setInterval(() => {
    const rss = rssKiB(pid);
    if (rss > max) max = rss;
  }, settings.sampleMs);
  const clients: Array<{ socket: Socket; reader: ThrottledReader }> = [];
  try {
    for (let i = 0; i < settings.connections; i++) {
      const socket = await open(server.port, KiB);
      const reader = new ThrottledReader(socket, settings.slowRate, 250);
      clients.push({ socket, reader });
      // Writers end when their socket closes: at the latest when the check destroys it.
      void pipeline(socket, settings.requests, body);
    }
    await sleep(settings.seconds * 1000);
  } finally {
    clearInterval(sampler);
  }
  const last = rssKiB(pid);
  if (last > max) max = last;
  const closed = clients.filter(({ reader }) => reader.over).map(({ reader }) => reader.endedAt / 1000);
  const closedByServer = closed.length;
  const [closedFirst, closedLast] = closed.length === 0 ? [NaN, NaN] : [Math.min(...closed), Math.max(...closed)];
  const sent = clients.reduce((sum, { socket }) => sum + socket.bytesWritten, 0);
  const received = clients.reduce((sum, { reader }) => sum + reader.received, 0);
  for (const { socket, reader } of clients) {
    reader.stop();
    socket.destroy();
  }
  await sleep(1000);
  const after = rssKiB(pid);
  const exited = exitDescription(server.child);
  const answeredMs = exited === null ? await answerMs(server.port) : null;
  return { before, max, after, sent, received, closedByServer, closedFirst, closedLast, answeredMs, exited };
}

interface Download {
  readonly framer: ResponseFramer;
  readonly expected: number;
  readonly received: number;
  readonly elapsedMs: number;
  /** How the connection ended: 'open' (we stopped), 'FIN', or an error code. */
  readonly ending: string;
  /** ms when it ended, NaN while open. */
  readonly endedAt: number;
  readonly timedOut: boolean;
}

/** Check 2: `count` pipelined POSTs on one keep-alive connection, answers read at `rate`. */
async function keepAliveDownload(server: Server, settings: Settings): Promise<Download> {
  const body = Buffer.alloc(settings.bodyBytes, 0x62);
  const socket = await open(server.port, 16 * KiB);
  const framer = new ResponseFramer();
  const started = now();
  const reader = new ThrottledReader(socket, settings.downloadRate, 50, (chunk) => framer.feed(chunk));
  void pipeline(socket, settings.downloadRequests, body);
  const finished = await until(
    () => framer.complete >= settings.downloadRequests || reader.over || framer.problem !== null,
    settings.downloadTimeout * 1000,
    100,
  );
  const elapsedMs = now() - started;
  reader.stop();
  socket.destroy();
  return download(framer, settings.downloadRequests, reader, elapsedMs, !finished);
}

function download(framer: ResponseFramer, expected: number, reader: ThrottledReader, elapsedMs: number, timedOut: boolean): Download {
  const ending = reader.error ?? (reader.ended ? 'FIN' : reader.closed ? 'closed' : 'open');
  return { framer, expected, received: reader.received, elapsedMs, ending, endedAt: reader.endedAt, timedOut };
}

/** How check 3 asks for its big answer: the echo of a big POST, or big-steward's GET /big. */
type BigRequest = 'echo' | 'big';

/** Check 3 with a throttled socket: one big answer with Connection: close, read at `rate`. */
async function closeDownload(server: Server, settings: Settings): Promise<Download> {
  const socket = await open(server.port, 64 * KiB);
  const framer = new ResponseFramer();
  const started = now();
  const reader = new ThrottledReader(socket, settings.bigRate, 20, (chunk) => framer.feed(chunk));
  if (settings.bigRequest === 'echo') {
    const body = Buffer.alloc(settings.bigMb * 1e6, 0x63);
    socket.write(requestHead('POST', '/big', body.length, true));
    socket.write(body);
  } else {
    socket.write(requestHead('GET', `/big?mb=${settings.bigMb}`, 0, true));
  }
  const finished = await until(() => reader.over || framer.problem !== null, settings.bigTimeout * 1000, 100);
  if (reader.ended) framer.end();
  const elapsedMs = now() - started;
  reader.stop();
  socket.destroy();
  return download(framer, 1, reader, elapsedMs, !finished);
}

interface CurlResult {
  readonly exitCode: number | null;
  readonly status: string;
  readonly received: number;
  readonly declared: number;
  readonly seconds: number;
  readonly error: string;
}

/** Check 3 with `curl --limit-rate`: same request, curl's own report (-w) and exit code (18: partial). */
async function curlDownload(server: Server, settings: Settings): Promise<CurlResult> {
  const echo = settings.bigRequest === 'echo';
  const url = `http://${HOST}:${server.port}${echo ? '/big' : `/big?mb=${settings.bigMb}`}`;
  const args = ['-sS', '-o', '/dev/null', '--limit-rate', String(settings.bigRate), '--max-time', String(settings.bigTimeout), '-H', 'Connection: close'];
  // "Expect:" keeps curl from waiting for 100 Continue; the body comes from stdin.
  if (echo) args.push('-H', 'Expect:', '-H', 'Content-Type: text/plain', '--data-binary', '@-');
  args.push('-w', '%{http_code} %{size_download} %header{content-length} %{time_total}', url);
  const child = spawnTracked('curl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let error = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (error += chunk.toString()));
  child.stdin!.on('error', () => {});
  child.stdin!.end(echo ? Buffer.alloc(settings.bigMb * 1e6, 0x63) : undefined);
  const exitCode = await within(
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    (settings.bigTimeout + 10) * 1000,
    'curl',
  ).catch(() => {
    child.kill('SIGKILL');
    return null;
  });
  const [status = '?', received = 'NaN', declared = 'NaN', seconds = 'NaN'] = out.trim().split(/\s+/);
  return { exitCode, status, received: Number(received), declared: Number(declared || NaN), seconds: Number(seconds), error: error.trim() };
}

// ------------------------------------------------------------------ report

const mib = (kib: number): string => `${(kib / KiB).toFixed(1)} MiB`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const rate = (bytesPerSecond: number): string =>
  bytesPerSecond >= MiB ? `${+(bytesPerSecond / MiB).toFixed(2)} MiB/s` : `${+(bytesPerSecond / KiB).toFixed(2)} KiB/s`;
const rows: string[][] = [];
const row = (...cells: string[]): number => rows.push(cells);

function printTable(): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  for (const cells of rows)
    console.log(
      cells
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}

/** The details of a check-1 result: RSS before, at most and after, traffic, and the server's state afterwards. */
function memoryDetails(memory: Memory, settings: Settings): string {
  const state = memory.exited ?? (memory.answeredMs === null ? 'NOT answering afterwards' : `alive, answered in ${memory.answeredMs.toFixed(0)} ms`);
  return (
    `${mib(memory.before)} -> max ${mib(memory.max)}, ${mib(memory.after)} after; sent ${mb(memory.sent)}, read ${(memory.received / KiB).toFixed(0)} KiB; ` +
    `${memory.closedByServer}/${settings.connections} closed by server${closedTimes(memory)}; ${state}`
  );
}

function closedTimes(memory: Memory): string {
  if (memory.closedByServer === 0) return '';
  return ` (seen ${memory.closedFirst.toFixed(1)}-${memory.closedLast.toFixed(1)} s after connecting)`;
}

function downloadCell(result: Download): string {
  const ended =
    result.ending === 'open' ? (result.timedOut ? 'timed out, still open' : 'open') : `ended by ${result.ending} at ${(result.endedAt / 1000).toFixed(1)} s`;
  return `${result.framer.describe(result.expected)} in ${(result.elapsedMs / 1000).toFixed(1)} s; read ${result.received} B; ${ended}`;
}

function curlCell(result: CurlResult): string {
  const complete = result.exitCode === 0 && result.received === result.declared;
  const verdict = complete ? 'complete' : `INCOMPLETE (curl exit ${result.exitCode ?? 'killed'}${result.error === '' ? '' : `: ${result.error}`})`;
  return `${verdict}, status ${result.status}, ${result.received}/${result.declared} B in ${result.seconds.toFixed(1)} s`;
}

// ------------------------------------------------------------------ main

interface Settings {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly bodyBytes: number;
  readonly slowRate: number;
  readonly sampleMs: number;
  readonly downloadRequests: number;
  readonly downloadRate: number;
  readonly downloadTimeout: number;
  readonly bigMb: number;
  readonly bigRate: number;
  readonly bigTimeout: number;
  readonly bigRequest: BigRequest;
}

function settingsFromArgs(cliHasBodyLimit: boolean): Settings {
  const bodyBytes = option('body-bytes', 1e6);
  const downloadRequests = option('download-requests', 10);
  const downloadRate = option('download-rate', 128 * KiB);
  const bigMb = option('big-mb', 30);
  const bigRate = option('big-rate', 4 * MiB);
  const bigRequest = textOption('big-request', cliHasBodyLimit ? 'echo' : 'big');
  if (bigRequest !== 'echo' && bigRequest !== 'big') throw new Error(`--big-request must be echo or big, got ${bigRequest}`);
  return {
    seconds: option('seconds', 20),
    connections: option('connections', 20),
    requests: option('requests', 64),
    bodyBytes,
    slowRate: option('slow-rate', KiB),
    sampleMs: option('sample-ms', 250),
    downloadRequests,
    downloadRate,
    // Half as long again as the answers need at the rate, plus slack.
    downloadTimeout: option('download-timeout', Math.ceil((1.5 * downloadRequests * bodyBytes) / downloadRate + 15)),
    bigMb,
    bigRate,
    bigTimeout: option('big-timeout', Math.ceil((1.5 * bigMb * 1e6) / bigRate + 15)),
    bigRequest,
  };
}

async function main(): Promise<void> {
  const hioCommand = textOption('hio', 'node dist/cli.js echo');
  // The CLI grows flags while this script stays: ask the hio command itself whether it takes a body limit.
  const cliHasBodyLimit = hasFlag(hioCommand, '--max-body-bytes');
  const settings = settingsFromArgs(cliHasBodyLimit);
  const sections = String(option('sections', 123));
  const nodeCommand = textOption('node', 'node build/scripts/slow-servers/node-echo.js');
  const hioBigCommand = textOption(
    'hio-big',
    settings.bigRequest === 'echo' && cliHasBodyLimit
      ? `${hioCommand} --max-body-bytes ${settings.bigMb * 1e6 + 10e6}`
      : 'node build/scripts/slow-servers/big-steward.js',
  );
  const curl = option('curl', 1) === 1 && spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

  console.log(`node ${process.version}; servers on ${HOST}, port 0; client: this process`);
  console.log(`hio-ts:    ${hioCommand}   (${cliHasBodyLimit ? 'its --help lists' : 'no'} --max-body-bytes)`);
  console.log(`node:http: ${nodeCommand}`);
  row('check', 'hio-ts', 'node:http', 'hio/node');

  if (sections.includes('1')) {
    console.log(
      `\n1. ${settings.connections} connections x ${settings.requests} pipelined POSTs of ${settings.bodyBytes} B, answers read at ${rate(settings.slowRate)}; ` +
        `RSS sampled every ${settings.sampleMs} ms for ${settings.seconds} s (one server at a time)`,
    );
    const results: Memory[] = [];
    for (const [name, command] of [
      ['hio-ts', hioCommand],
      ['node:http', nodeCommand],
    ] as const) {
      const server = await startCommand(name, command);
      try {
        const memory = await slowReaderMemory(server, settings);
        results.push(memory);
        console.log(
          `   ${name.padEnd(9)} (pid ${server.child.pid}, port ${server.port}): RSS +${mib(memory.max - memory.before)}; ${memoryDetails(memory, settings)}`,
        );
      } finally {
        await stopServer(server);
      }
    }
    const [hio, plain] = results as [Memory, Memory];
    const [hioGrowth, plainGrowth] = [hio.max - hio.before, plain.max - plain.before];
    row(`1 RSS growth, ${settings.connections} slow readers`, `+${mib(hioGrowth)}`, `+${mib(plainGrowth)}`, (hioGrowth / plainGrowth).toFixed(2));
    const alive = (memory: Memory): string => memory.exited ?? (memory.answeredMs === null ? 'NOT answering' : 'alive');
    row('  server afterwards', alive(hio), alive(plain), '');
    const verdict =
      hioGrowth <= plainGrowth ? (hioGrowth < 64 * KiB ? 'met (<= node:http, < 64 MiB)' : 'half met (<= node:http, not < 64 MiB)') : 'NOT met (> node:http)';
    row('  goal: <= node:http, aim < 64 MiB', verdict, '', '');
  }

  if (sections.includes('2')) {
    console.log(
      `\n2. one keep-alive connection, ${settings.downloadRequests} pipelined POSTs of ${settings.bodyBytes} B, answers read at ${rate(settings.downloadRate)} ` +
        `(timeout ${settings.downloadTimeout} s; both servers at once)`,
    );
    const servers = [await startCommand('hio-ts', hioCommand), await startCommand('node:http', nodeCommand)] as const;
    try {
      const [hio, plain] = await Promise.all([keepAliveDownload(servers[0], settings), keepAliveDownload(servers[1], settings)]);
      for (const [server, result] of [
        [servers[0], hio],
        [servers[1], plain],
      ] as const)
        console.log(`   ${server.name.padEnd(9)}: ${downloadCell(result)}`);
      row(
        `2 keep-alive ${settings.downloadRequests} x ${mb(settings.bodyBytes)} @ ${rate(settings.downloadRate)}`,
        summary(hio),
        summary(plain),
        timeRatio(completeSeconds(hio), completeSeconds(plain)),
      );
    } finally {
      await Promise.all(servers.map(stopServer));
    }
  }

  if (sections.includes('3')) {
    const what = settings.bigRequest === 'echo' ? `the echo of a ${settings.bigMb} MB POST` : `GET /big?mb=${settings.bigMb}`;
    console.log(`\n3. Connection: close, ${what}, read at ${rate(settings.bigRate)} (timeout ${settings.bigTimeout} s; both servers at once)`);
    console.log(`   hio-ts: ${hioBigCommand}`);
    const servers = [await startCommand('hio-ts', hioBigCommand), await startCommand('node:http', nodeCommand)] as const;
    try {
      const [hio, plain] = await Promise.all([closeDownload(servers[0], settings), closeDownload(servers[1], settings)]);
      for (const [server, result] of [
        [servers[0], hio],
        [servers[1], plain],
      ] as const)
        console.log(`   ${server.name.padEnd(9)} socket: ${downloadCell(result)}`);
      row(
        `3 close ${settings.bigMb} MB @ ${rate(settings.bigRate)}, socket`,
        summary(hio),
        summary(plain),
        timeRatio(completeSeconds(hio), completeSeconds(plain)),
      );
      if (curl) {
        const [hioCurl, plainCurl] = await Promise.all([curlDownload(servers[0], settings), curlDownload(servers[1], settings)]);
        for (const [server, result] of [
          [servers[0], hioCurl],
          [servers[1], plainCurl],
        ] as const)
          console.log(`   ${server.name.padEnd(9)} curl:   ${curlCell(result)}`);
        // curl has one --limit-rate for both directions: its times include a throttled upload.
        if (settings.bigRequest === 'echo')
          console.log(`   (curl's --limit-rate throttles its ${settings.bigMb} MB upload too; --big-request=big avoids the upload)`);
        row(
          `3 close ${settings.bigMb} MB @ ${rate(settings.bigRate)}, curl`,
          curlSummary(hioCurl),
          curlSummary(plainCurl),
          timeRatio(curlSeconds(hioCurl), curlSeconds(plainCurl)),
        );
      } else {
        console.log('   curl: not installed (or --curl=0): skipped');
      }
    } finally {
      await Promise.all(servers.map(stopServer));
    }
  }

  console.log('');
  printTable();
}

/**
 * Whether `<command> --help` mentions `flag` (5 s at most). A CLI without
 * --help may start serving instead: PORT=0 keeps that harmless, the timeout short.
 */
function hasFlag(command: string, flag: string): boolean {
  const [file, args] = commandLine(command);
  const probe = spawnSync(file, [...args, '--help'], { cwd: root, env: { ...process.env, PORT: '0', HOST }, timeout: 5000, encoding: 'utf8' });
  return `${probe.stdout ?? ''}${probe.stderr ?? ''}`.includes(flag);
}

/** Seconds a download took when every answer came whole with status 200, else null. */
function completeSeconds(result: Download): number | null {
  const whole = result.framer.complete >= result.expected && result.framer.statuses.every((status) => status === 200);
  return whole ? result.elapsedMs / 1000 : null;
}

/** Seconds curl took when it got the whole answer with status 200, else null. */
function curlSeconds(result: CurlResult): number | null {
  return result.exitCode === 0 && result.received === result.declared && result.status === '200' ? result.seconds : null;
}

/** The hio/node ratio of two durations, when both runs completed. */
function timeRatio(hio: number | null, plain: number | null): string {
  return hio === null || plain === null ? '' : `${(hio / plain).toFixed(2)} (time)`;
}

/** One table cell for a download: complete in time, or how far it got. */
function summary(result: Download): string {
  const seconds = completeSeconds(result);
  if (seconds !== null) return `complete, ${seconds.toFixed(1)} s`;
  const ended = result.ending === 'open' ? 'timed out' : `${result.ending} at ${(result.endedAt / 1000).toFixed(1)} s`;
  const odd = [...new Set(result.framer.statuses.filter((status) => status !== 200))];
  return `${result.framer.complete}/${result.expected}${odd.length === 0 ? '' : ` (status ${odd.join('/')})`}, ${ended}`;
}

function curlSummary(result: CurlResult): string {
  const seconds = curlSeconds(result);
  if (seconds !== null) return `complete, ${seconds.toFixed(1)} s`;
  const status = result.status === '200' ? '' : `status ${result.status}, `;
  return `${status}${result.received}/${result.declared} B, exit ${result.exitCode ?? 'killed'}`;
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  // Lingering client sockets and timers must not keep the run alive; the exit hook kills the children.
  process.exit();
}
