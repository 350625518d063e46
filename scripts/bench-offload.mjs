// Blocking work on the loop or off it (never part of CI). The server of
// scripts/servers/offload-burn.mjs runs three times: /hello alone, then with /burn (20 ms of CPU a request)
// done inline on the I/O loop, then offloaded to a WorkerOffload. With the burn,
// `wrk -c<conns>` drives /burn while a second wrk, one connection, measures
// /hello; the table gives /hello p50 and p99 and /burn req/s of each mode.
// Run after `npm run build` (npm run bench:offload does both):
//   node scripts/bench-offload.mjs [--duration=5] [--conns=4] [--burn=20] [--threads=N]
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout, clearTimeout } from 'node:timers';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const duration = Number(arg('duration', 5));
const conns = Number(arg('conns', 4));
const burnMs = Number(arg('burn', 20));
const threads = arg('threads', undefined);

if (spawnSync('wrk', ['--version']).error !== undefined) {
  console.error('bench-offload needs wrk (apt-get install wrk)');
  process.exit(2);
}

/** Starts the server in `mode`; resolves with its port and the child. */
async function start(mode) {
  const child = spawn(process.execPath, [new URL('servers/offload-burn.mjs', import.meta.url).pathname], {
    env: { ...process.env, MODE: mode, BURN_MS: String(burnMs), PORT: '0', ...(threads !== undefined && { THREADS: threads }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const port = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('the server did not start within 10 s')), 10_000);
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /listening on http:\/\/[^\s/]+:(\d+)\/ \(([^)]*)\)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), what: match[2] });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, ...port };
}

/** Runs wrk; resolves with its output. */
function wrk(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (duration + 30) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited with ${code}:\n${out}`));
    });
  });
}

/** Milliseconds of a wrk latency ("812.00us", "21.3ms", "1.2s"). */
function ms(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (match === null) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000;
}

function percentile(out, p) {
  return ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
}

function rate(out) {
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
}

function non2xx(out) {
  return Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
}

const rows = [];
// First /hello alone (what its p99 is without the burn), then with the burn inline, then offloaded.
for (const mode of ['alone', 'inline', 'offload']) {
  const alone = mode === 'alone';
  const server = await start(alone ? 'inline' : mode);
  const base = `http://127.0.0.1:${server.port}`;
  // A short warm-up: the worker threads start, the JIT settles.
  await wrk(['-t1', '-c1', '-d1s', `${base}/${alone ? 'hello' : 'burn'}`]);
  const [burn, hello] = await Promise.all([
    alone ? Promise.resolve('') : wrk(['-t1', `-c${conns}`, `-d${duration}s`, `${base}/burn`]),
    wrk(['-t1', '-c1', `-d${duration}s`, '--latency', `${base}/hello`]),
  ]);
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  rows.push({
    mode: alone ? 'no /burn load' : server.what,
    p50: percentile(hello, 50),
    p99: percentile(hello, 99),
    hellos: rate(hello),
    burns: alone ? 0 : rate(burn),
    errors: non2xx(burn) + non2xx(hello),
  });
}

console.log(`/burn: ${burnMs} ms of CPU a request, wrk -c${conns}; /hello: wrk -c1 --latency, at the same time; ${duration} s each`);
console.log('mode                 | /hello p50 | /hello p99 | /hello req/s | /burn req/s | non-2xx');
console.log('-------------------- | ---------- | ---------- | ------------ | ----------- | -------');
for (const row of rows) {
  console.log(
    `${row.mode.padEnd(20)} | ${row.p50.toFixed(2).padStart(7)} ms | ${row.p99.toFixed(2).padStart(7)} ms | ${row.hellos.toFixed(0).padStart(12)} | ${row.burns.toFixed(1).padStart(11)} | ${String(row.errors).padStart(7)}`,
  );
}
