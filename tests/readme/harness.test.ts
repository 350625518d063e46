/**
 * The README's simulation-harness example, run as it stands in the README:
 * extracted, pointed at the sources, and imported twice (the same seed must
 * give the same digest).
 */
import test from 'ava';
import type { SimResult } from '../../src/testing/sim-result.js';
import { importExample } from '../helpers/readme.js';

async function runExample(): Promise<SimResult> {
  return (await importExample<{ result: SimResult }>('harness', 'export { result };')).result;
}

test('README harness example passes under stormy faults, the same on the same seed', async (t) => {
  t.timeout(60_000);
  const first = await runExample();
  t.true(first.ok);
  t.is(first.requests.length, 206);
  t.true(first.faults.some((fault) => fault.reached));
  t.true(first.assertions.some((record) => record.kind === 'sometimes' && record.passes > 0));
  const second = await runExample();
  t.is(second.digest, first.digest);
});
