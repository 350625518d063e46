/**
 * Tripwire overhead (never part of CI): what the patched functions cost code
 * running outside any simulation while one is armed — one
 * `AsyncLocalStorage.getStore()` check before the original — and what an
 * armed AsyncLocalStorage costs every promise (Node 20 tracks contexts with
 * promise hooks). Prints ns per call, disarmed against armed, measured in the
 * same run.
 *
 *   npm run build:scripts && node build/scripts/bench-tripwire.js [--calls=5000000] [--rounds=5]
 */
import { createTripStore, tripwire } from '../src/testing/tripwire.js';
import { option } from './options.js';

const calls = option('calls', 5_000_000);
const rounds = option('rounds', 5);

/** The best of `rounds` timings of `calls` calls of `fn`, in ns per call. */
function nsPerCall(fn: () => number): number {
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += fn(); // warm up
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += fn();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === -1) console.log(sink); // keeps the loop's result alive
  return best;
}

async function nsPerAwait(): Promise<number> {
  const count = Math.max(1, Math.floor(calls / 10));
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await Promise.resolve(i);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / count);
  }
  return best;
}

// Each case reads the global at call time, as application code does.
const cases: readonly [string, () => number][] = [
  ['Date.now()', () => Date.now()],
  ['performance.now()', () => performance.now()],
  ['Math.random()', () => Math.random()],
  ['new Date().getTime()', () => new Date().getTime()],
  ['new Date(0).getTime()', () => new Date(0).getTime()],
];

const before = cases.map(([, fn]) => nsPerCall(fn));
const awaitBefore = await nsPerAwait();

// A simulation that stays open while the loops run outside it.
let finish = (): void => {};
const running = tripwire.run(createTripStore({ tymth: () => 0 }), () => new Promise<void>((resolve) => (finish = resolve)));
const armed = cases.map(([, fn]) => nsPerCall(fn));
const awaitArmed = await nsPerAwait();
finish();
await running;

console.log(`tripwire overhead outside any simulation, one armed (Node ${process.version}, best of ${rounds} x ${calls} calls):`);
cases.forEach(([name], index) => {
  const plain = before[index]!;
  const patched = armed[index]!;
  console.log(`  ${name.padEnd(24)} ${plain.toFixed(1).padStart(6)} ns -> ${patched.toFixed(1).padStart(6)} ns  (+${(patched - plain).toFixed(1)} ns)`);
});
console.log(
  `  ${'await (promise hooks)'.padEnd(24)} ${awaitBefore.toFixed(1).padStart(6)} ns -> ${awaitArmed.toFixed(1).padStart(6)} ns  (+${(awaitArmed - awaitBefore).toFixed(1)} ns)`,
);
