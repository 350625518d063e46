/**
 * The README's "Testing it in a simulation" example, run as it stands in the
 * README: extracted, pointed at the sources, and imported twice. Its own
 * assertions must hold, and the two runs, on the same seed, must deliver the
 * same bytes at the same tymes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { ParsedResponse } from '../../src/http/respondent.js';
import type { SimNet } from '../../src/net/sim/sim-net.js';
import { readmeExample } from '../helpers/readme.js';

/** Runs the example once, as a module of its own; resolves with what it made. */
async function runExample(): Promise<{ answer: ParsedResponse; net: SimNet }> {
  // An ES module wherever it lands, so its top-level await works.
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), 'simulation.mts');
  writeFileSync(file, `${readmeExample('simulation')}\nexport { answer, net };\n`);
  return (await import(pathToFileURL(file).href)) as { answer: ParsedResponse; net: SimNet };
}

test('README simulation example answers the fetch handler inside the simulated network, the same on the same seed', async (t) => {
  t.timeout(30_000);
  const first = await runExample();
  t.is(first.answer.status, 200);
  t.deepEqual(JSON.parse(first.answer.body.toString()) as unknown, { hello: 'ada' });
  const second = await runExample();
  t.is(second.net.trace.digest(), first.net.trace.digest());
  t.true(first.net.trace.count > 0);
});
