/**
 * Server-sent events from a fetch handler, on the simulated network with
 * virtual tyme: the event-stream format, one chunk per event, sleeps and
 * heartbeats at their tymes, a client going away (abort callbacks, the
 * producer's sleep and send settle, nothing left behind), a client that
 * stops reading (the producer waits, the server's memory stays bounded),
 * and a producer that fails after the head.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { formatEvent, sse, type EventStream } from '../../src/app/sse.js';
import type { Request as HttpRequest } from '../../src/http/request.js';
import { DEFAULT_HIGH_WATER } from '../../src/net/base-connection.js';
import type { SimClient } from '../../src/net/sim/sim-client.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';

const GET = (path = '/', method = 'GET'): string => `${method} ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;
/**
 * How much later than its due tyme a chunk may arrive, measured from an
 * earlier chunk that came the same way: two of the world's tocks (a sleep
 * ends in the first pass at or after its tyme; an event queued behind
 * another goes out one pass later) plus the network's latency.
 */
const SLACK = 2 * 0.0625 + 0.01;

interface World extends HttpWorld {
  readonly faults: Array<[unknown, HttpRequest | null]>;
}

function appWorld(fetch: FetchHandler, options: { highWater?: number } = {}): World {
  const faults: Array<[unknown, HttpRequest | null]> = [];
  const world = httpWorld(options, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: (error, request) => faults.push([error, request]) });
  });
  return Object.assign(world, { faults });
}

/** A chunk of the body and the tyme it arrived. */
interface Arrival {
  readonly tyme: number;
  readonly text: string;
}

/** Reads a chunked response as it arrives: the head, then each chunk with its arrival tyme. */
function tap(world: HttpWorld, client: SimClient): { read(): void; readonly chunks: Arrival[]; head(): string; ended(): boolean } {
  let raw = Buffer.alloc(0);
  let head = '';
  let ended = false;
  const chunks: Arrival[] = [];
  return {
    chunks,
    head: () => head,
    ended: () => ended,
    read() {
      if (client.rxQueue.length > 0) raw = Buffer.concat([raw, client.rxQueue.take(client.rxQueue.length)]);
      if (head === '') {
        const end = raw.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = raw.subarray(0, end + 2).toString('latin1');
        raw = raw.subarray(end + 4);
      }
      while (!ended) {
        const line = raw.indexOf('\r\n');
        if (line < 0) return;
        const size = Number.parseInt(raw.subarray(0, line).toString('latin1'), 16);
        if (size === 0) {
          ended = raw.length >= line + 4;
          return;
        }
        if (raw.length < line + 2 + size + 2) return;
        chunks.push({ tyme: world.doist.tyme, text: raw.subarray(line + 2, line + 2 + size).toString('utf8') });
        raw = raw.subarray(line + 2 + size + 2);
      }
    },
  };
}

/** Opens one stream: a client that sent `request`, and its tap. */
function open(world: HttpWorld, request = GET()): { client: SimClient; stream: ReturnType<typeof tap> } {
  const { client } = world.client([], false);
  client.tx(Buffer.from(request));
  return { client, stream: tap(world, client) };
}

test('formatEvent writes event, one data line per line of data, id, retry, then a blank line', (t) => {
  t.is(formatEvent({ data: 'hello' }), 'data: hello\n\n');
  t.is(
    formatEvent({ data: 'one\ntwo\r\nthree\rfour', event: 'update', id: '42', retry: 3000 }),
    'event: update\ndata: one\ndata: two\ndata: three\ndata: four\nid: 42\nretry: 3000\n\n',
  );
  // A leading space survives: the client strips only the one after the colon.
  t.is(formatEvent({ data: ' indented' }), 'data:  indented\n\n');
  t.is(formatEvent({ data: '' }), 'data: \n\n');
  t.is(formatEvent({ data: 'a\n' }), 'data: a\ndata: \n\n');
  t.is(formatEvent({ id: '' }), 'id: \n\n');
  t.is(formatEvent({ retry: 0 }), 'retry: 0\n\n');
  t.is(formatEvent({}), '\n');
});

test('formatEvent refuses an id or event type with a line break (or an id with NUL), and retry other than whole milliseconds', (t) => {
  const refused = [
    { id: 'a\nb' },
    { id: 'a\rb' },
    { id: 'a\0b' },
    { event: 'x\ny' },
    { event: 'x\r' },
    { retry: 1.5 },
    { retry: -1 },
    { retry: Number.NaN },
    { retry: Infinity },
    { data: 7 as unknown as string },
    { id: 7 as unknown as string },
    { event: null as unknown as string },
  ];
  for (const event of refused) t.is(t.throws(() => formatEvent(event), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_EVENT', JSON.stringify(event));
  t.is(t.throws(() => formatEvent(null as unknown as object), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_EVENT');
});

test('sse answers text/event-stream without caching, each event one chunk, paced by the stream sleeping on virtual tyme', async (t) => {
  const tymes: number[] = [];
  const world = appWorld((_request, info) =>
    sse(
      info,
      async (stream) => {
        tymes.push(stream.tyme, info.tyme);
        await stream.send({ data: 'first\nline', event: 'greet', id: '1' });
        await stream.sleep(1);
        await stream.send({ data: 'second', retry: 2500 });
        await stream.comment('a note\nin two lines');
        await stream.sleep(1);
        await stream.send({ data: 'third', id: '3' });
      },
      { headers: { 'X-Stream': 'yes', 'Cache-Control': 'no-store' } },
    ),
  );
  const { client, stream } = open(world);
  t.true(await world.settle(5, () => (stream.read(), stream.ended())));
  const head = stream.head().toLowerCase();
  t.true(head.startsWith('http/1.1 200 ok'));
  t.regex(head, /\r\ncontent-type: text\/event-stream\r\n/);
  t.regex(head, /\r\ncache-control: no-store\r\n/);
  t.regex(head, /\r\nx-stream: yes\r\n/);
  t.regex(head, /\r\ntransfer-encoding: chunked\r\n/);
  t.deepEqual(
    stream.chunks.map((chunk) => chunk.text),
    ['event: greet\ndata: first\ndata: line\nid: 1\n\n', 'data: second\nretry: 2500\n\n', ': a note\n: in two lines\n\n', 'data: third\nid: 3\n\n'],
  );
  // Tymes from the first event's arrival: the sleeps of 1 s set the pace.
  const at = stream.chunks.map((chunk) => chunk.tyme - stream.chunks[0]!.tyme);
  for (const [index, due] of [0, 1, 1, 2].entries()) t.true(at[index]! >= due && at[index]! < due + SLACK, `chunk ${index} at ${at[index]}`);
  t.false(client.cutoff);
  t.is(world.server.timers, 0);
  t.deepEqual(world.faults, []);
  t.true(tymes[0]! > 0);
  t.is(tymes[0], tymes[1]);
});

test('sse sends the default headers, and a producer that returns without awaiting its sends still gets them all out', async (t) => {
  const world = appWorld((_request, info) =>
    sse(info, (stream) => {
      for (let n = 1; n <= 5; n++) void stream.send({ data: `n${n}` });
    }),
  );
  const { stream } = open(world);
  t.true(await world.settle(3, () => (stream.read(), stream.ended())));
  t.regex(stream.head().toLowerCase(), /\r\ncache-control: no-cache\r\n/);
  t.deepEqual(
    stream.chunks.map((chunk) => chunk.text),
    [1, 2, 3, 4, 5].map((n) => `data: n${n}\n\n`),
  );
});

test('sse rejects an event a line cannot carry and goes on with the next; a send after the producer returned rejects', async (t) => {
  let late: EventStream | null = null;
  const world = appWorld((_request, info) =>
    sse(info, async (stream) => {
      const error = await t.throwsAsync(stream.send({ data: 'x', id: 'bad\nid' }), { instanceOf: HioError });
      t.is(error?.code, 'HIO_ERR_INVALID_EVENT');
      const comment = await t.throwsAsync(stream.comment(5 as unknown as string), { instanceOf: HioError });
      t.is(comment?.code, 'HIO_ERR_INVALID_EVENT');
      await stream.send({ data: 'good' });
      late = stream;
    }),
  );
  const { stream } = open(world);
  t.true(await world.settle(3, () => (stream.read(), stream.ended())));
  t.deepEqual(
    stream.chunks.map((chunk) => chunk.text),
    ['data: good\n\n'],
  );
  const after = await t.throwsAsync(late!.send({ data: 'too late' }), { instanceOf: HioError });
  t.is(after?.code, 'HIO_ERR_RESPONSE_STATE');
  // Over: a sleep no longer waits, an abort callback will never be needed.
  await late!.sleep(100);
  late!.onAbort(() => t.fail('the stream ended, it cannot be aborted'));
  t.false(late!.aborted);
});

test('sse heartbeats every interval of virtual tyme with nothing sent, and not while events flow', async (t) => {
  const world = appWorld((_request, info) =>
    sse(
      info,
      async (stream) => {
        await stream.send({ data: 'start' });
        // Quiet for 2.5 s: beats at 1 and 2.
        await stream.sleep(2.5);
        // An event every half second for 3 s: no beat.
        for (let n = 0; n < 6; n++) {
          await stream.send({ data: `busy ${n}` });
          await stream.sleep(0.5);
        }
        // Quiet again for 1.75 s after the last event: one beat, 1 s after it.
        await stream.sleep(1.25);
      },
      { heartbeat: 1 },
    ),
  );
  const { stream } = open(world);
  t.true(await world.settle(10, () => (stream.read(), stream.ended())));
  const timeline = stream.chunks.map((chunk) => [chunk.text === ':\n\n' ? 'beat' : chunk.text.slice(6, -2), chunk.tyme] as const);
  t.deepEqual(
    timeline.map(([what]) => what),
    ['start', 'beat', 'beat', 'busy 0', 'busy 1', 'busy 2', 'busy 3', 'busy 4', 'busy 5', 'beat'],
  );
  // Each beat comes 1 s after the last thing sent: the first event, the first beat, the last event.
  const tymeOf = (index: number): number => timeline[index]![1];
  for (const [beat, after] of [
    [1, 0],
    [2, 1],
    [9, 8],
  ] as const) {
    const gap = tymeOf(beat) - tymeOf(after);
    t.true(gap >= 1 && gap < 1 + SLACK, `beat ${beat} came ${gap} s after chunk ${after}`);
  }
  t.is(world.server.timers, 0);
});

test('sse, client gone: the stream aborts, abort callbacks run, the sleeping producer wakes and its send rejects, nothing is left behind', async (t) => {
  const events: string[] = [];
  let ended: unknown = null;
  let stream: EventStream | null = null;
  const world = appWorld((_request, info) =>
    sse(
      info,
      async (events$) => {
        stream = events$;
        events$.onAbort(() => events.push('first callback'));
        events$.onAbort(() => events.push('second callback'));
        try {
          for (let n = 0; ; n++) {
            await events$.send({ data: `n${n}` });
            events.push(`sent ${n}`);
            await events$.sleep(100);
            events.push(`woke ${n}`);
          }
        } catch (error) {
          ended = error;
          throw error;
        }
      },
      { heartbeat: 10 },
    ),
  );
  const { client, stream: tapped } = open(world);
  t.true(await world.settle(1, () => (tapped.read(), tapped.chunks.length === 1)));
  t.is(world.server.timers, 2, 'the sleep and the heartbeat');
  client.reset();
  // Well before the sleep of 100 s is over.
  t.true(await world.settle(1, () => ended !== null));
  t.deepEqual(events, ['sent 0', 'first callback', 'second callback', 'woke 0']);
  t.is((ended as HioError).code, 'HIO_ERR_CLIENT_GONE');
  t.true(stream!.aborted);
  // A callback added afterwards runs at once.
  stream!.onAbort(() => events.push('late callback'));
  t.is(events.at(-1), 'late callback');
  await world.settle(1);
  t.is(world.server.timers, 0);
  t.is(world.server.stewards.size, 0);
  // The producer's way out is no fault.
  t.deepEqual(world.faults, []);
});

test('sse answers HEAD with the head only: the producer finds the stream aborted and ends quietly', async (t) => {
  let aborted = false;
  const world = appWorld((_request, info) =>
    sse(info, async (stream) => {
      stream.onAbort(() => (aborted = true));
      await stream.send({ data: 'never read' });
    }),
  );
  const { client, reader } = world.client(['HEAD']);
  client.tx(Buffer.from(GET('/', 'HEAD')));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  await world.settle(0.5);
  t.is(reader.responses[0]!.body.length, 0);
  t.true(aborted);
  t.deepEqual(world.faults, []);
  t.is(world.server.timers, 0);
});

test('sse reports an abort callback that throws, and a producer failing otherwise than by its rejected send, once each', async (t) => {
  const broken = new Error('callback broke');
  const failed = new Error('producer broke after the client left');
  const world = appWorld((_request, info) =>
    sse(info, async (stream) => {
      stream.onAbort(() => {
        throw broken;
      });
      await stream.send({ data: 'x' });
      await stream.sleep(100);
      throw failed;
    }),
  );
  const { client, stream } = open(world);
  t.true(await world.settle(1, () => (stream.read(), stream.chunks.length === 1)));
  client.reset();
  t.true(await world.settle(1, () => world.faults.length === 2));
  t.deepEqual(
    world.faults.map(([error, request]) => [error, request?.target]),
    [
      [broken, '/'],
      [failed, '/'],
    ],
  );
});

test('sse, client not reading: the producer waits on send and the server holds a bounded number of bytes', async (t) => {
  const highWater = 16 * 1024;
  // Large events: the peer's buffers fill in a few seconds of tyme (the server takes one event per pass).
  const data = 'x'.repeat(16_000);
  let sent = 0;
  let waiting = false;
  const world = appWorld(
    (_request, info) =>
      sse(
        info,
        async (stream) => {
          for (;;) {
            waiting = true;
            await stream.send({ data });
            waiting = false;
            sent += 1;
          }
        },
        // Stuck bytes are no idleness: no beat is queued behind them.
        { heartbeat: 1 },
      ),
    { highWater },
  );
  const { client } = open(world);
  let mostHeld = 0;
  await world.settle(10, () => {
    const remoter = [...world.server.stewards.keys()][0];
    if (remoter !== undefined) mostHeld = Math.max(mostHeld, remoter.txPending);
    return false;
  });
  // The peer's buffers (its receive queue, the network's window) and the server's highWater fill; then the producer waits.
  const event = data.length + 'data: \n\n'.length;
  const sentNow = sent;
  t.true(waiting, 'the producer waits on send');
  t.true(sentNow * event < DEFAULT_HIGH_WATER + 64 * 1024 + highWater + 4 * event, `${sentNow} events sent to a peer that reads nothing`);
  t.true(mostHeld <= highWater + 2 * event, `the server held ${mostHeld} bytes unsent`);
  await world.settle(5);
  t.is(sent, sentNow, 'nothing more is sent while nobody reads');
  // Once the peer reads, the stream flows again.
  const stream = tap(world, client);
  t.true(await world.settle(10, () => (stream.read(), stream.chunks.length > sentNow + 50)));
  t.false(
    stream.chunks.some((chunk) => chunk.text === ':\n\n'),
    'no heartbeat',
  );
});

test('sse, producer failing after the head: the connection is reset and the fault reported once', async (t) => {
  const failure = new Error('producer broke');
  const world = appWorld((_request, info) =>
    sse(info, async (stream) => {
      await stream.send({ data: 'before' });
      await stream.sleep(0.5);
      throw failure;
    }),
  );
  const { client, stream } = open(world);
  t.true(await world.settle(3, () => (stream.read(), client.cutoff)));
  t.is(client.error?.code, 'ECONNRESET');
  t.deepEqual(
    stream.chunks.map((chunk) => chunk.text),
    ['data: before\n\n'],
  );
  t.deepEqual(
    world.faults.map(([error]) => error),
    [failure],
  );
  t.is(world.server.timers, 0);
});

test('sse, producer throwing at once: the head goes out, then the reset, and one fault', async (t) => {
  const failure = new Error('no events today');
  const world = appWorld((_request, info) =>
    sse(info, () => {
      throw failure;
    }),
  );
  const { client, stream } = open(world);
  t.true(await world.settle(3, () => (stream.read(), client.cutoff)));
  t.true(stream.head().startsWith('HTTP/1.1 200'));
  t.is(client.error?.code, 'ECONNRESET');
  t.deepEqual(
    world.faults.map(([error]) => error),
    [failure],
  );
});

test('sse refuses a heartbeat that is not a positive number of seconds, an unknown option and a producer that is no function', (t) => {
  const info = { remoteAddress: null, tyme: 0, sleep: () => Promise.resolve(), after: () => () => {}, fault: () => {} };
  for (const heartbeat of [0, -1, Number.NaN, Infinity]) {
    t.is(t.throws(() => sse(info, () => {}, { heartbeat }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION', String(heartbeat));
  }
  t.is(t.throws(() => sse(info, () => {}, { beat: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => sse(info, 'events' as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});
