/**
 * Driving a Doist step by step in tests, with a bound so nothing can hang.
 * `step()` runs one recur and then lets Node's event loop turn once, so real
 * sockets make progress while tyme stays virtual and deterministic.
 */
import type { Doist } from '../../src/doing/doist.js';

/** One recur, then one turn of the event loop. */
export async function step(doist: Doist): Promise<void> {
  doist.recur();
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Steps until `done()` is true; throws after `maxSteps` steps. Returns the
 * number of steps taken.
 */
export async function until(doist: Doist, done: () => boolean, maxSteps = 20_000, what = 'condition'): Promise<number> {
  for (let steps = 0; steps < maxSteps; steps++) {
    if (done()) return steps;
    await step(doist);
  }
  if (done()) return maxSteps;
  throw new Error(`gave up waiting for ${what} after ${maxSteps} steps (tyme ${doist.tyme})`);
}

/** Bytes 0..n-1 of a deterministic pattern, for transfer checks without storing the data twice. */
export function pattern(offset: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = ((offset + i) * 31 + ((offset + i) >>> 8)) & 0xff;
  return bytes;
}
