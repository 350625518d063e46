/**
 * Scheduler benchmarks (never part of CI). Prints:
 *
 * 1. deed runs per second with 10,000 doers at tock 0 under `do()`, for Doer
 *    subclasses and for doify'd generator functions;
 * 2. the cost of one recur under `run()` (virtual) against `do()`;
 * 3. a real-mode Doist with one doer at tock 1.0: process CPU time over wall
 *    time while idle, and the delay from `wake()` to the start of the next
 *    recur (median, p99, max).
 *
 *   npm run bench:doist -- [options]   (compiles, then runs build/scripts/bench-doist.js)
 *   options: [--doers=10000] [--recurs=300] [--idle-seconds=10] [--wakes=200]
 */
import { Doist } from '../src/doing/doist.js';
import { Doer } from '../src/doing/doer.js';
import { doify } from '../src/doing/doify.js';
import type { Dog } from '../src/doing/doable.js';
import { realClock } from '../src/core/clock.js';
import { option } from './options.js';

const doerCount = option('doers', 10_000);
const recurs = option('recurs', 300);
const idleSeconds = option('idle-seconds', 10);
const wakes = option('wakes', 200);

class Idle extends Doer {}

function* idle(): Dog {
  for (;;) yield 0;
}

function deedRate(label: string, make: () => Doer | ReturnType<typeof doify>): void {
  const doist = new Doist({ tock: 1 });
  const doers = Array.from({ length: doerCount }, make);
  doist.do(doers, { limit: 20 }); // warm up
  const started = process.hrtime.bigint();
  doist.do(doers, { limit: recurs });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const runs = doerCount * recurs;
  console.log(
    `${label}: ${(runs / seconds / 1e6).toFixed(2)} M deed runs/s (${doerCount} doers x ${recurs} recurs in ${seconds.toFixed(3)} s, enter and exit included)`,
  );
}

async function recurCost(): Promise<void> {
  const count = 20_000;
  const doist = new Doist({ tock: 1 });
  const doer = doify(idle);
  doist.do([doer], { limit: 1000 });
  let started = process.hrtime.bigint();
  doist.do([doer], { limit: count });
  const doNs = Number(process.hrtime.bigint() - started) / count;
  await doist.run([doer], { limit: 1000 });
  started = process.hrtime.bigint();
  await doist.run([doer], { limit: count });
  const runNs = Number(process.hrtime.bigint() - started) / count;
  console.log(
    `recur cost, 1 doer: do() ${(doNs / 1000).toFixed(3)} µs, run() virtual ${(runNs / 1000).toFixed(3)} µs; run() overhead ${((runNs - doNs) / 1000).toFixed(3)} µs per recur`,
  );
}

async function realIdle(): Promise<void> {
  let runs = 0;
  const doer = doify(
    function* ticker(): Dog {
      for (;;) {
        yield 1;
        runs += 1;
      }
    },
    { tock: 1 },
  );
  const doist = new Doist({ real: true });
  const controller = new AbortController();
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  setTimeout(() => controller.abort(), idleSeconds * 1000);
  await doist.run([doer], { signal: controller.signal });
  const cpu = process.cpuUsage(cpuStart);
  const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `real idle, 1 doer at tock 1.0 for ${wall.toFixed(2)} s: ${runs} runs, CPU ${(cpuSeconds * 1000).toFixed(1)} ms = ${((cpuSeconds / wall) * 100).toFixed(3)} % of wall time`,
  );
}

async function wakeLatency(): Promise<void> {
  const delays: number[] = [];
  let wokenAt = -1;
  const doer = doify(
    function* waker(): Dog {
      for (;;) {
        yield 1;
        if (wokenAt >= 0) {
          delays.push(realClock.now() - wokenAt);
          wokenAt = -1;
        }
      }
    },
    { tock: 1 },
  );
  const doist = new Doist({ real: true });
  const controller = new AbortController();
  let sent = 0;
  // Wake at irregular moments between the doer's own runs (never on its 1 s beat).
  const fire = (): void => {
    if (sent >= wakes) {
      controller.abort();
      return;
    }
    sent += 1;
    // Arm the next wake first: arming a timer costs tens of µs and is not
    // part of the path being measured.
    setTimeout(fire, 5 + ((sent * 7) % 20));
    wokenAt = realClock.now();
    doer.wake();
  };
  setTimeout(fire, 50);
  await doist.run([doer], { signal: controller.signal });
  delays.sort((a, b) => a - b);
  const at = (q: number): number => (delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? NaN) * 1e6;
  console.log(`wake -> recur delay over ${delays.length} wakes: median ${at(0.5).toFixed(1)} µs, p99 ${at(0.99).toFixed(1)} µs, max ${at(1).toFixed(1)} µs`);
}

console.log(`node ${process.version}, ${process.arch}`);
// The idle measurement goes first, on a fresh heap: garbage left by the
// throughput runs would be collected during the idle window and counted.
await realIdle();
await wakeLatency();
deedRate('Doer subclass, tock 0', () => new Idle());
deedRate('doify generator, tock 0', () => doify(idle));
deedRate('Doer subclass, tock 0 (again)', () => new Idle());
await recurCost();
