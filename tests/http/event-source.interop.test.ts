/**
 * EventSource against this project's own event-stream server: `sse()` on
 * real sockets (port 0), read through Node's fetch as the host, so the
 * client meets a real streamed body, real header handling and a real abort.
 * The server resumes after the `Last-Event-ID` it is sent and answers 204
 * once it has nothing more; the host's sleep records the delay and returns
 * at once, so nothing waits on a clock.
 */
import test from 'ava';
import { serve } from '../../src/app/serve.js';
import { sse } from '../../src/app/sse.js';
import { HioError } from '../../src/core/errors.js';
import { EventSource, EventSourceState, type EventStreamHost } from '../../src/http/event-source.js';

test('EventSource reads sse() through fetch, reconnecting with Last-Event-ID until the server answers 204', async (t) => {
  const seen: Array<string | null> = [];
  const handle = serve({
    port: 0,
    overrideGlobalObjects: false,
    fetch(request, info) {
      const last = request.headers.get('last-event-id');
      seen.push(last);
      const from = Number(last ?? 0);
      if (from >= 6) return new Response(null, { status: 204 });
      return sse(info, async (stream) => {
        if (from === 0) await stream.send({ retry: 250 });
        await stream.comment('resuming');
        for (let n = from + 1; n <= from + 3; n++) await stream.send({ event: 'tick', data: `tick ${n}\nof 6`, id: String(n) });
      });
    },
  });
  const sleeps: number[] = [];
  const host: EventStreamHost = {
    fetch: (url, init) => fetch(url, init),
    sleep: (seconds) => {
      sleeps.push(seconds);
      return Promise.resolve();
    },
  };
  try {
    const { port } = await handle.listening;
    const events = new EventSource(host, `http://127.0.0.1:${port}/ticks`);
    const received: string[] = [];
    const error = await t.throwsAsync(
      (async () => {
        for await (const event of events) received.push(`${event.type} ${event.lastEventId}: ${event.data}`);
      })(),
      { instanceOf: HioError },
    );
    t.is(error?.code, 'HIO_ERR_EVENT_STREAM_REFUSED');
    t.deepEqual(
      received,
      [1, 2, 3, 4, 5, 6].map((n) => `tick ${n}: tick ${n}\nof 6`),
    );
    t.deepEqual(seen, [null, '3', '6']);
    t.deepEqual(sleeps, [0.25, 0.25]);
    t.is(events.readyState, EventSourceState.closed);
  } finally {
    await handle.close(1);
  }
});

test('EventSource#close ends a stream that stays open on real sockets', async (t) => {
  const handle = serve({
    port: 0,
    overrideGlobalObjects: false,
    fetch: (_request, info) =>
      sse(info, async (stream) => {
        await stream.send({ data: 'first' });
        // Never ends by itself: only the client going away stops it.
        await stream.sleep(3600);
      }),
  });
  const host: EventStreamHost = { fetch: (url, init) => fetch(url, init), sleep: () => Promise.resolve() };
  try {
    const { port } = await handle.listening;
    const events = new EventSource(host, `http://127.0.0.1:${port}/`);
    t.like(await events.next(), { done: false, value: { data: 'first' } });
    const pending = events.next();
    events.close();
    t.deepEqual(await pending, { done: true, value: undefined });
    t.is(events.error, null);
  } finally {
    // The server notices the client gone only when it writes next: cut it short.
    await handle.close(0.1);
  }
});
