// The worker module of bench-offload: `burn(ms)` keeps its thread busy for
// `ms` milliseconds of CPU (a busy loop on the monotonic clock).
import { performance } from 'node:perf_hooks';

export function burn(ms) {
  const start = performance.now();
  while (performance.now() - start < ms);
  return ms;
}
