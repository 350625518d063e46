// HTTP clients side by side (never part of CI): keep-alive GET requests per
// second from one client process keeping --concurrency requests in flight
// against node:http's hello server (GET / → 200 "Hello World!", keep-alive
// with node's defaults, so its answers carry `Keep-Alive: timeout=5`), in one
// run:
//   patron  hio-ts's Patron from dist/ (`npm run build` first): `new Patron()`,
//           `patron.fetch(url)` then `res.arrayBuffer()`, in N loops;
//   undici  undici's `request(url)` then `body.text()`, in N loops, on the
//           global dispatcher left as it is (undici's default Agent: no cap on
//           connections per origin, no pipelining);
//   http    node:http `http.request` with `new http.Agent({ keepAlive: true })`
//           (maxSockets Infinity), N loops each doing request → body → next.
// The server and each client run in their own child process (this script,
// with --role=server or --role=client). A client warms up, counts the
// requests it completes in --duration seconds, checks every status is 200 and
// every body the right length, and prints one JSON line for this parent.
// Rounds interleave the clients (each round starting one client later) and
// the table shows the median req/s of each and the median of the per-round
// ratios. A client that cannot load (the Patron before it exists) is reported
// as unavailable and the others still run.
//   node scripts/bench-client.mjs [--duration=5] [--rounds=3] [--concurrency=50]
//                                 [--warmup=1] [--clients=patron,undici,http]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

const CLIENTS = ['patron', 'undici', 'http'];
const BODY = 'Hello World!';

const text = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
/** The number given as `--name=value`, or `fallback`; positive unless `zero` allows 0 too. */
const number = (name, fallback, zero = false) => {
  const value = Number(text(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero)) throw new Error(`--${name} must be a ${zero ? 'non-negative' : 'positive'} number`);
  return value;
};

// ------------------------------------------------------------------ the server child

/** node:http's hello server with its keep-alive defaults; prints "listening on URL". */
async function runServer() {
  const http = await import('node:http');
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
      response.end(BODY);
    } else {
      response.writeHead(404, { 'Content-Length': 0 });
      response.end();
    }
  });
  server.listen(0, '127.0.0.1', () => console.log(`node:http hello listening on http://127.0.0.1:${server.address().port}/`));
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

// ------------------------------------------------------------------ a client child

/**
 * Loads one client and returns a function doing one request that resolves
 * to its status and body length, and a close; throws when it cannot load.
 */
async function makeClient(name, url) {
  if (name === 'patron') {
    const hio = await import('../dist/index.js');
    if (typeof hio.Patron !== 'function') throw new Error('dist/index.js has no Patron export');
    const patron = new hio.Patron();
    return {
      once: async () => {
        const response = await patron.fetch(url);
        return { status: response.status, length: (await response.arrayBuffer()).byteLength };
      },
      close: async () => {
        if (typeof patron.close === 'function') await patron.close();
      },
    };
  }
  if (name === 'undici') {
    const { request, getGlobalDispatcher } = await import('undici');
    return {
      once: async () => {
        const { statusCode, body } = await request(url);
        return { status: statusCode, length: (await body.text()).length };
      },
      close: () => getGlobalDispatcher().close(),
    };
  }
  if (name === 'http') {
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    return {
      once: () =>
        new Promise((resolve, reject) => {
          const request = http.request(url, { agent }, (response) => {
            let length = 0;
            response.on('data', (chunk) => (length += chunk.length));
            response.on('end', () => resolve({ status: response.statusCode, length }));
            response.on('error', reject);
          });
          request.on('error', reject);
          request.end();
        }),
      close: async () => agent.destroy(),
    };
  }
  throw new Error(`unknown client ${name}`);
}

/** Runs `concurrency` request loops: warm-up, then counts for `duration` seconds; prints the result as JSON. */
async function runClient(name, url, duration, warmup, concurrency) {
  const print = (result) => new Promise((resolve) => process.stdout.write(`${JSON.stringify({ client: name, ...result })}\n`, resolve));
  let client;
  try {
    client = await makeClient(name, url);
  } catch (error) {
    await print({ unavailable: String(error?.message ?? error).split('\n')[0] });
    process.exit(0);
  }
  const counts = { ok: 0, badStatus: 0, badLength: 0, failed: 0, warmupErrors: 0 };
  let counting = false;
  let stopped = false;
  let firstError = null;
  const note = (what) => (firstError ??= what);
  const loop = async () => {
    while (!stopped) {
      try {
        const { status, length } = await client.once();
        if (stopped) break;
        if (status !== 200) note(`status ${status}`);
        else if (length !== BODY.length) note(`body of ${length} bytes`);
        if (!counting) {
          if (status !== 200 || length !== BODY.length) counts.warmupErrors += 1;
        } else if (status !== 200) counts.badStatus += 1;
        else if (length !== BODY.length) counts.badLength += 1;
        else counts.ok += 1;
      } catch (error) {
        if (stopped) break;
        note(String(error?.code ?? error?.message ?? error));
        if (counting) counts.failed += 1;
        else counts.warmupErrors += 1;
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await sleep(warmup * 1000);
  // Requests in flight now and completed in the window count: the window is long against one request.
  counting = true;
  const start = performance.now();
  await sleep(duration * 1000);
  // What completed in the window, taken before the loops are told to stop.
  const done = { ...counts };
  const seconds = (performance.now() - start) / 1000;
  stopped = true;
  await Promise.race([Promise.allSettled(loops), sleep(5000)]);
  await print({ rps: done.ok / seconds, requests: done.ok, seconds, errors: done.badStatus + done.badLength + done.failed, ...done, firstError });
  await Promise.race([client.close(), sleep(2000)]).catch(() => {});
  process.exit(0);
}

// ------------------------------------------------------------------ the parent

/** Every child still running, killed when this process exits however it exits. */
const children = new Set();

function spawnChild(args) {
  // stdin is a pipe the child never reads from but watches: it ends when this process dies, however it dies.
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** Resolves with the first stdout line of `child` matching `pattern`, or rejects when it exits first or after `ms`. */
function lineOf(child, pattern, ms, what) {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    const onData = (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match !== null) finish(() => resolve(match));
    };
    const onExit = (code, signal) => fail(new Error(`${what}: exited (${signal ?? code}) before answering; it wrote ${JSON.stringify(output.slice(-200))}`));
    const finish = (then) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    const fail = (error) => finish(() => reject(error));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL if it still runs after a second; resolves once it exited. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited.then(() => true), sleep(1000).then(() => false)])) === false) {
    child.kill('SIGKILL');
    await exited;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const rate = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');

async function runParent() {
  const duration = number('duration', 5);
  const rounds = Math.round(number('rounds', 3));
  const concurrency = Math.round(number('concurrency', 50));
  const warmup = number('warmup', 1, true);
  const names = text('clients', CLIENTS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) if (!CLIENTS.includes(name)) throw new Error(`--clients: unknown client ${name} (known: ${CLIENTS.join(', ')})`);

  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the child processes`);
      process.exit(130);
    });
  }

  const server = spawnChild(['--role=server']);
  const [, url] = await lineOf(server, /listening on (http:\/\/\S+)/, 10_000, 'the node:http server');
  let undiciVersion = '?';
  try {
    undiciVersion = JSON.parse(readFileSync(new URL('../node_modules/undici/package.json', import.meta.url), 'utf8')).version;
  } catch {
    // Only a label: the undici client reports for itself whether it loads.
  }
  console.log(
    `node ${process.version}, ${availableParallelism()} cores; ${concurrency} requests in flight per client, ${warmup} s warm-up, ` +
      `${duration} s counted, ${rounds} round${rounds === 1 ? '' : 's'}; server: node:http hello at ${url} (own process)\n` +
      `undici ${undiciVersion} on its default global dispatcher; http.request on new http.Agent({ keepAlive: true })`,
  );

  const results = new Map(names.map((name) => [name, []]));
  const unavailable = new Map();
  const timeout = (warmup + duration + 30) * 1000;
  for (let round = 0; round < rounds; round++) {
    // Each round starts one client later, so no client always runs first.
    const order = names.map((_, index) => names[(index + round) % names.length]);
    for (const name of order) {
      if (unavailable.has(name)) continue;
      const args = ['--role=client', `--client=${name}`, `--url=${url}`, `--duration=${duration}`, `--warmup=${warmup}`, `--concurrency=${concurrency}`];
      const child = spawnChild(args);
      let result;
      try {
        const [line] = await lineOf(child, /^\{.*\}$/m, timeout, `client ${name}`);
        result = JSON.parse(line);
      } catch (error) {
        result = { failedRun: error.message };
      } finally {
        await stop(child);
      }
      if (result.unavailable !== undefined) {
        unavailable.set(name, result.unavailable);
        console.log(`${name}: unavailable (${result.unavailable})`);
        continue;
      }
      if (result.failedRun !== undefined) {
        console.log(`round ${round + 1} ${name.padEnd(6)} FAILED: ${result.failedRun}`);
        continue;
      }
      results.get(name).push({ ...result, round });
      const errors =
        result.errors + result.warmupErrors > 0 ? `  ERRORS ${result.errors} (+${result.warmupErrors} in warm-up; first: ${result.firstError})` : '';
      console.log(`round ${round + 1} ${name.padEnd(6)} ${rate(result.rps).padStart(9)} req/s${errors}`);
    }
  }
  await stop(server);

  const rows = [['client', 'median req/s', 'per round', 'errors (counted + warm-up)']];
  for (const name of names) {
    const runs = results.get(name);
    const errors = runs.reduce((sum, result) => sum + result.errors + result.warmupErrors, 0);
    rows.push([name, rate(median(runs.map((result) => result.rps))), runs.map((result) => rate(result.rps)).join(' '), String(errors)]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log('');
  for (const row of rows) {
    const name = row[0];
    if (unavailable.has(name)) console.log(`${name.padEnd(widths[0])}  unavailable (${unavailable.get(name)})`);
    else
      console.log(
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd(),
      );
  }

  /** The median of the per-round ratios a/b, over the rounds both completed; '-' without any. */
  const ratio = (a, b) => {
    const ratios = [];
    for (const ra of results.get(a) ?? []) {
      const rb = (results.get(b) ?? []).find((result) => result.round === ra.round);
      if (rb !== undefined && rb.rps > 0) ratios.push(ra.rps / rb.rps);
    }
    return ratios.length === 0 ? '-' : median(ratios).toFixed(3);
  };
  console.log('');
  console.log(`patron/http ${ratio('patron', 'http')}   patron/undici ${ratio('patron', 'undici')}   undici/http ${ratio('undici', 'http')}`);
  console.log('(ratios: the median of the per-round ratios; a client missing from --clients or unavailable shows -)');
}

// ------------------------------------------------------------------ which role this process plays

/** A child exits when its parent is gone (its stdin ends), even if the parent was killed outright. */
function exitWithParent() {
  process.stdin.on('end', () => process.exit(1));
  process.stdin.on('error', () => process.exit(1));
  process.stdin.resume();
}

const role = text('role', 'parent');
if (role !== 'parent') exitWithParent();
if (role === 'server') await runServer();
else if (role === 'client') await runClient(text('client', ''), text('url', ''), number('duration', 5), number('warmup', 1, true), number('concurrency', 50));
else await runParent();
