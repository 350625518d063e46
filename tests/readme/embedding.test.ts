/**
 * The README's "Embedding in a loop you own" example, run as it stands in
 * the README: extracted, pointed at the sources instead of the built
 * package, started as a child process on port 0, asked for a page, then
 * stopped with SIGINT. Every wait is bounded.
 */
import test from 'ava';
import { startExample } from '../helpers/readme.js';

test('README embedding example serves requests from a loop the application owns, and stops on SIGINT', async (t) => {
  t.timeout(30_000);
  const example = await startExample('embedding');
  try {
    const response = await fetch(`${example.url}hello?from=readme`, { signal: AbortSignal.timeout(10_000) });
    t.is(response.status, 200);
    const echoed = (await response.json()) as { path: string; query: string };
    t.is(echoed.path, '/hello');
    t.is(echoed.query, 'from=readme');
    t.deepEqual(await example.stop(), { code: 0, errors: '' });
  } finally {
    example.kill();
  }
});
