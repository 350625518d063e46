/**
 * The README's "Writing an application" example, run as it stands in the
 * README: a fetch handler on serve(), in a child process on port 0, asked
 * with Node's fetch (an upload counted as it streams in), then stopped with SIGINT (a graceful drain).
 */
import test from 'ava';
import { startExample } from '../helpers/readme.js';

test('README application example answers JSON and echoes a POST, and drains on SIGINT', async (t) => {
  t.timeout(30_000);
  const example = await startExample('application');
  try {
    const hello = await fetch(`${example.url}hello?name=ada`, { signal: AbortSignal.timeout(10_000) });
    t.is(hello.status, 200);
    t.deepEqual(await hello.json(), { hello: 'ada' });
    const echoed = await fetch(`${example.url}echo`, { method: 'POST', body: 'round trip', signal: AbortSignal.timeout(10_000) });
    t.is(await echoed.text(), 'round trip');
    const upload = await fetch(`${example.url}upload`, { method: 'POST', body: new Uint8Array(700_000), signal: AbortSignal.timeout(10_000) });
    t.deepEqual(await upload.json(), { bytes: 700_000 });
    const missing = await fetch(`${example.url}nowhere`, { signal: AbortSignal.timeout(10_000) });
    t.is(missing.status, 404);
    t.deepEqual(await example.stop(), { code: 0, errors: '' });
  } finally {
    example.kill();
  }
});
