/**
 * The README's hand writer example, run as it stands in the README:
 * extracted, pointed at the sources, imported, and served on the simulated
 * network by a BareServer (the HandResponder) and an AppServer (the fetch
 * handler's handResponse).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import type { Responder } from '../../src/http/responder.js';
import { header, httpWorld } from '../helpers/http-client.js';
import { readmeExample } from '../helpers/readme.js';

test('README writer example counts down chunked with a trailer, and answers a fetch handler by hand', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), 'writer.mts'); // an ES module: it shares the sources' module instances with this test
  writeFileSync(file, `${readmeExample('writer')}\nexport { countdown, greet };\n`);
  const { countdown, greet } = (await import(pathToFileURL(file).href)) as { countdown: () => Responder; greet: (request: Request) => Response };

  const bare = httpWorld({ respond: countdown });
  const one = bare.client();
  one.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await bare.settle(2, () => one.reader.responses.length === 1));
  const counted = one.reader.responses[0]!;
  t.is(header(counted, 'transfer-encoding'), 'chunked');
  t.is(counted.body.toString(), '3\n2\n1\nliftoff\n');
  t.deepEqual(counted.trailers, [['X-Launched', 'yes']]);

  const app = httpWorld({}, {}, (options: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = options;
    return new AppServer({ ...shared, fetch: greet });
  });
  const two = app.client();
  two.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await app.settle(2, () => two.reader.responses.length === 1));
  t.is(two.reader.responses[0]!.status, 200);
  t.is(header(two.reader.responses[0]!, 'content-length'), '12');
  t.is(header(two.reader.responses[0]!, 'x-method'), 'GET');
  t.is(two.reader.responses[0]!.body.toString(), 'hello, world');
});
