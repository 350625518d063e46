/**
 * The README's InlineOffload example, run as it stands: an offloading
 * application simulated with seeded latencies, crashes and hangs, twice on
 * one seed.
 */
import test from 'ava';
import type { SimResult } from '../../src/testing/sim-result.js';
import { importExample } from '../helpers/readme.js';

async function runExample(): Promise<SimResult> {
  return (await importExample<{ result: SimResult }>('offload-sim', 'export { result };')).result;
}

test('README InlineOffload example answers 200, 503, 504 and 500 as it says, the same on the same seed', async (t) => {
  t.timeout(60_000);
  const first = await runExample();
  t.true(first.ok);
  const statuses = new Set(first.requests.map((request) => request.status));
  for (const status of [200, 503, 504, 500]) t.true(statuses.has(status), `status ${status} in ${[...statuses].join(', ')}`);
  const second = await runExample();
  t.is(second.digest, first.digest);
});
