/**
 * The README's streaming responder, run as it stands in the README:
 * extracted, pointed at the sources, imported, and served by a BareServer on
 * the simulated network with a small highWater, so backpressure makes
 * it take many passes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { Responder } from '../../src/http/responder.js';
import { header, httpWorld } from '../helpers/http-client.js';
import { readmeExample } from '../helpers/readme.js';

test('README streaming responder sends its numbers chunked, pausing whenever the connection holds highWater bytes', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), 'streaming.ts');
  writeFileSync(file, `${readmeExample('streaming')}\nexport { count };\n`);
  const { count } = (await import(pathToFileURL(file).href)) as { count: (to: number) => Responder };
  let pours = 0;
  const world = httpWorld({
    highWater: 4096,
    respond: () => {
      const inner = count(20_000);
      return { pour: (writer) => (pours++, inner.pour(writer)) };
    },
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(60, () => reader.responses.length === 1));
  const response = reader.responses[0]!;
  t.is(header(response, 'transfer-encoding'), 'chunked');
  const lines = response.body.toString().trimEnd().split('\n');
  t.is(lines.length, 20_000);
  t.is(lines[0], '1');
  t.is(lines[19_999], '20000');
  t.true(pours > 1, `poured in ${pours} passes`);
});
