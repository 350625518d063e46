/**
 * The README's Patron examples, run as they stand: the real-socket one
 * against a serve() on port 0, and the simulated one twice on one seed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { SimNet } from '../../src/net/sim/sim-net.js';
import { readmeExample } from '../helpers/readme.js';

async function runExample<T>(name: string, exports: string): Promise<T> {
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), `${name}.mts`);
  writeFileSync(file, `${readmeExample(name)}\n${exports}\n`);
  return (await import(pathToFileURL(file).href)) as T;
}

test('README patron example fetches JSON from a serve() on real sockets', async (t) => {
  t.timeout(30_000);
  const { response } = await runExample<{ response: Response }>('patron', 'export { response };');
  t.is(response.status, 200);
  t.true(response.bodyUsed);
});

test('README patron-sim example fetches inside the simulated network, the same on the same seed', async (t) => {
  t.timeout(30_000);
  const first = await runExample<{ response: Response; net: SimNet }>('patron-sim', 'export { response, net };');
  t.is(first.response.status, 200);
  const second = await runExample<{ response: Response; net: SimNet }>('patron-sim', 'export { response, net };');
  t.is(second.net.trace.digest(), first.net.trace.digest());
});
