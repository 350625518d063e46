/**
 * The README's "Serving files" example, run as it stands: a StaticSink in
 * front of a fetch application, in a child process on port 0, over a
 * temporary folder, asked with Node's fetch, then stopped with SIGINT.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExample } from '../helpers/readme.js';

test('README files example serves the assets, revalidates them, and hands the rest to the application', async (t) => {
  t.timeout(30_000);
  const dir = await mkdtemp(join(tmpdir(), 'hio-assets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'app.css'), 'body { color: teal }\n');
  const example = await startExample('files', { ASSETS: dir });
  try {
    const css = await fetch(`${example.url}assets/app.css`, { signal: AbortSignal.timeout(10_000) });
    t.is(css.status, 200);
    t.is(await css.text(), 'body { color: teal }\n');
    t.is(css.headers.get('content-type'), 'text/css; charset=utf-8');
    t.is(css.headers.get('cache-control'), 'max-age=3600');
    const etag = css.headers.get('etag')!;
    const again = await fetch(`${example.url}assets/app.css`, { headers: { 'if-none-match': etag }, signal: AbortSignal.timeout(10_000) });
    t.is(again.status, 304);
    const other = await fetch(`${example.url}assets/missing.css`, { signal: AbortSignal.timeout(10_000) });
    t.deepEqual(await other.json(), { path: '/assets/missing.css' });
    const api = await fetch(`${example.url}api/items`, { signal: AbortSignal.timeout(10_000) });
    t.deepEqual(await api.json(), { path: '/api/items' });
    t.deepEqual(await example.stop(), { code: 0, errors: '' });
  } finally {
    example.kill();
  }
});
