/**
 * The README's "Event streams" example, run as it stands in the README: a
 * countdown event stream on serve(), in a child process on port 0, read
 * whole with Node's fetch, then stopped with SIGINT (a graceful drain).
 */
import test from 'ava';
import { startExample } from '../helpers/readme.js';

test('README event stream example counts down in events, one data line per line, and drains on SIGINT', async (t) => {
  t.timeout(30_000);
  const example = await startExample('events');
  try {
    const response = await fetch(`${example.url}countdown`, { signal: AbortSignal.timeout(10_000) });
    t.is(response.status, 200);
    t.is(response.headers.get('content-type'), 'text/event-stream');
    t.is(response.headers.get('cache-control'), 'no-cache');
    t.is(
      await response.text(),
      'event: count\ndata: 3\nid: 3\n\nevent: count\ndata: 2\nid: 2\n\nevent: count\ndata: 1\nid: 1\n\nevent: done\ndata: liftoff\ndata: all clear\n\n',
    );
    const missing = await fetch(`${example.url}elsewhere`, { signal: AbortSignal.timeout(10_000) });
    t.is(missing.status, 404);
    t.deepEqual(await example.stop(), { code: 0, errors: '' });
  } finally {
    example.kill();
  }
});
