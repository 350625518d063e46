/**
 * Simulation-harness benchmark (never part of CI), after `npm run build`:
 *
 * 1. throughput: simulated HTTP requests per wall-clock second through a
 *    BareServer (hello world) with 100 keep-alive clients, every request
 *    audited (the harness's invariants on) and the trace digest computed;
 *    with raw clients (`rawLoop`) and with Patron clients (`closedLoop`,
 *    fetch then arrayBuffer), the trace kept in memory or digest only;
 * 2. soak: a day of virtual tyme, 100 clients each sending one request a
 *    minute (144,000 requests), with skipping tyme: wall time;
 *
 * Each measurement runs `--rounds` times (default 3) after one uncounted
 * warm-up run, and prints every round and the median.
 *
 *   node scripts/bench-harness.mjs [--rounds=3] [--requests=200000] [--only=throughput|soak]
 */
import { HelloSteward, closedLoop, rawLoop, simulate } from '../dist/testing/index.js';

const arg = (name, fallback) => {
  const found = process.argv.find((value) => value.startsWith(`--${name}=`));
  return found === undefined ? fallback : found.slice(name.length + 3);
};
const rounds = Number(arg('rounds', 3));
const total = Number(arg('requests', 200000));
const only = arg('only', '');

async function measure(label, options, count) {
  const rates = [];
  for (let round = 0; round <= rounds; round++) {
    const started = process.hrtime.bigint();
    const result = await simulate({ seed: 1, throws: false, timeline: 'never', ...options });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const answered = result.requests.filter((request) => request.status === 200).length;
    if (!result.ok || answered !== count) throw new Error(`${label}: ${answered}/${count} answered, ${result.violations.map((v) => v.message).join('; ')}`);
    const line = `${label} round ${round === 0 ? 'warm-up' : round}: ${count} requests in ${seconds.toFixed(3)} s wall = ${Math.round(count / seconds)} req/s; tyme ${result.tyme.toFixed(1)} s; digest ${result.digest}`;
    console.log(line);
    if (round > 0) rates.push(seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(`${label}: median ${median.toFixed(3)} s wall, ${Math.round(count / median)} req/s\n`);
}

console.log(`node ${process.version}; ${process.argv.slice(1).join(' ')}`);
const bare = { api: { bare: { steward: HelloSteward } } };
const calmNet = { faults: 'calm', net: { jitter: 0 } };
if (only === '' || only === 'throughput') {
  const per = Math.round(total / 100);
  await measure('raw clients, digest only', { hosts: bare, clients: [rawLoop({ clients: 100, requests: per })], ...calmNet }, per * 100);
  await measure('raw clients, trace kept', { hosts: bare, clients: [rawLoop({ clients: 100, requests: per })], ...calmNet, keepTrace: true }, per * 100);
  await measure(
    'raw clients pipelining 16, digest only',
    { hosts: bare, clients: [rawLoop({ clients: 100, requests: per, depth: 16 })], ...calmNet },
    per * 100,
  );
  const few = Math.round(per / 5);
  await measure('Patron clients (fetch), digest only', { hosts: bare, clients: [closedLoop({ clients: 100, requests: few })], ...calmNet }, few * 100);
}
if (only === '' || only === 'soak') {
  const day = { hosts: bare, ...calmNet, until: 1, drain: 30, limit: 90000 };
  await measure('soak: 24 h, 100 raw clients, 1 request a minute', { ...day, clients: [rawLoop({ clients: 100, requests: 1440, think: 60 })] }, 144000);
  await measure('soak: 24 h, 100 Patron clients, 1 request a minute', { ...day, clients: [closedLoop({ clients: 100, requests: 1440, think: 60 })] }, 144000);
}
