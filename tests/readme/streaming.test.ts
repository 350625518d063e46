/**
 * The README's streaming responder, run as it stands in the README:
 * extracted, pointed at the sources, imported, and served by a BareServer on
 * the simulated network with a small highWater, so backpressure makes
 * it take many passes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { Responder } from '../../src/http/responder.js';
import { header, httpWorld } from '../helpers/http-client.js';

const root = resolve(import.meta.dirname, '../..');

function example(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- readme:streaming -->');
  if (marker < 0) throw new Error('the README lost its streaming example');
  const start = readme.indexOf('```ts\n', marker) + '```ts\n'.length;
  const end = readme.indexOf('```', start);
  return `${readme.slice(start, end).replace("from 'hio-ts'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`)}\nexport { count };\n`;
}

test('README streaming responder sends its numbers chunked, pausing whenever the connection holds highWater bytes', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), 'streaming.ts');
  writeFileSync(file, example());
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
