/**
 * EventSource over a Patron on the simulated network: the server's sse()
 * stream read event by event, the connection dropped and resumed with
 * Last-Event-ID after the server's retry — all on virtual tyme — until the
 * server answers 204.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import { sse } from '../../src/app/sse.js';
import type { HioError } from '../../src/core/errors.js';
import { EventSource } from '../../src/http/event-source.js';
import type { ReceivedEvent } from '../../src/http/event-stream-parser.js';
import { httpWorld } from '../helpers/http-client.js';
import { simPatron } from '../helpers/patron-world.js';

test("EventSource over a Patron reconnects with Last-Event-ID after the server's retry, on virtual tyme, until a 204", async (t) => {
  const seen: Array<string | null> = [];
  const openedAt: number[] = [];
  const world = httpWorld({}, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({
      ...shared,
      fetch: (request, info) => {
        seen.push(request.headers.get('last-event-id'));
        openedAt.push(info.tyme);
        const round = seen.length;
        if (round === 3) return new Response(null, { status: 204 });
        return sse(info, async (stream) => {
          if (round === 1) await stream.send({ retry: 2000, data: 'hello' });
          await stream.send({ id: `${round}`, event: 'tick', data: `round ${round}\nline two` });
          // The producer ends: the response ends, and the client reconnects.
        });
      },
    });
  });
  const patron = simPatron(world);
  const source = new EventSource(patron, 'http://server/events');
  const events: ReceivedEvent[] = [];
  let failure: unknown = null;
  const reading = (async () => {
    try {
      for await (const event of source) events.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  await world.settle(30, () => failure !== null);
  await reading;
  t.deepEqual(
    events.map((event) => [event.type, event.data, event.lastEventId]),
    [
      ['message', 'hello', ''],
      ['tick', 'round 1\nline two', '1'],
      ['tick', 'round 2\nline two', '2'],
    ],
  );
  t.deepEqual(seen, [null, '1', '2']);
  // The server's retry (2000 ms) spaced the reconnects, in virtual seconds.
  t.true(openedAt[1]! - openedAt[0]! >= 2 && openedAt[1]! - openedAt[0]! < 2.5, `${openedAt}`);
  t.true(openedAt[2]! - openedAt[1]! >= 2 && openedAt[2]! - openedAt[1]! < 2.5, `${openedAt}`);
  t.is((failure as HioError).code, 'HIO_ERR_EVENT_STREAM_REFUSED');
});
