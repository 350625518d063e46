/**
 * EventSource tests over a fake host: its fetch answers each attempt from a
 * script (a network error, or a Response whose body streams the scripted
 * chunks, then ends, breaks or stays open) and records the request; its sleep
 * records the delay asked for and resolves at once, or waits for the abort.
 * The tests assert the requests' headers, the delays between attempts, when
 * the source fails for good, and that the body is read only as events are
 * taken.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { EventSource, EventSourceState, type EventSourceOptions, type EventStreamHost } from '../../src/http/event-source.js';
import type { ReceivedEvent } from '../../src/http/event-stream-parser.js';

/** One attempt's answer. */
interface Attempt {
  /** The fetch rejects with this (a network error). */
  readonly error?: Error;
  readonly status?: number;
  /** Response headers; default a text/event-stream Content-Type. */
  readonly headers?: Record<string, string>;
  /** Body chunks, one per pull. */
  readonly chunks?: string[];
  /** After the chunks the body: ends (default), breaks with an error, or stays open until cancelled. */
  readonly then?: 'end' | 'break' | 'hold';
  /** A Response without a body. */
  readonly noBody?: boolean;
}

interface Fake {
  readonly host: EventStreamHost;
  /** The headers of each request, in order. */
  readonly requests: Array<Record<string, string>>;
  /** The delays asked of sleep, seconds. */
  readonly sleeps: number[];
  /** Chunks pulled from each body so far, by attempt index. */
  readonly pulls: number[];
  /** Which bodies were cancelled, by attempt index. */
  readonly cancelled: number[];
}

const SSE = { 'content-type': 'text/event-stream' };
const encoder = new TextEncoder();

function fakeHost(attempts: Attempt[], sleep?: (seconds: number, signal: AbortSignal) => Promise<void>): Fake {
  const fake: Fake = {
    requests: [],
    sleeps: [],
    pulls: [],
    cancelled: [],
    host: {
      fetch: (url, init) => {
        const index = fake.requests.length;
        fake.requests.push(init.headers);
        if (url !== 'http://test/events' || init.method !== 'GET' || !(init.signal instanceof AbortSignal)) return Promise.reject(new Error('bad fetch call'));
        const attempt = attempts[index] ?? { error: new Error('ECONNREFUSED: nothing scripted') };
        if (attempt.error !== undefined) return Promise.reject(attempt.error);
        fake.pulls[index] = 0;
        const chunks = [...(attempt.chunks ?? [])];
        const body = new ReadableStream<Uint8Array>(
          {
            pull: (controller) => {
              const chunk = chunks.shift();
              if (chunk !== undefined) {
                fake.pulls[index]! += 1;
                controller.enqueue(encoder.encode(chunk));
              } else if (attempt.then === 'break') controller.error(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
              else if (attempt.then !== 'hold') controller.close();
            },
            cancel: () => {
              fake.cancelled.push(index);
            },
          },
          { highWaterMark: 0 },
        );
        const status = attempt.status ?? 200;
        // A 204 cannot have a body.
        const withBody = attempt.noBody !== true && status !== 204;
        return Promise.resolve(new Response(withBody ? body : null, { status, headers: attempt.headers ?? SSE }));
      },
      sleep: (seconds, signal) => {
        fake.sleeps.push(seconds);
        return sleep === undefined ? Promise.resolve() : sleep(seconds, signal);
      },
    },
  };
  return fake;
}

function source(fake: Fake, options?: EventSourceOptions): EventSource {
  return new EventSource(fake.host, 'http://test/events', options);
}

/** Takes events until the source is done or fails; returns them as [type, data, lastEventId] and the error code. */
async function drain(events: AsyncIterable<ReceivedEvent>): Promise<{ events: string[][]; code: string | null }> {
  const taken: string[][] = [];
  try {
    for await (const event of events) taken.push([event.type, event.data, event.lastEventId]);
  } catch (error) {
    return { events: taken, code: error instanceof HioError ? error.code : String(error) };
  }
  return { events: taken, code: null };
}

const refused: Attempt = { status: 204, headers: {} };
const networkError = (): Attempt => ({ error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
const BASE = { Accept: 'text/event-stream', 'Cache-Control': 'no-store' };

test('EventSource sends Accept and Cache-Control always, and Last-Event-ID once a non-empty id was seen', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\n', 'id: 1\ndata: b\n\n'] }, { chunks: ['data: c\n\nid:\ndata: d\n\n'] }, { chunks: ['data: e\n\n'] }, refused]);
  const events = source(fake);
  t.deepEqual(await drain(events), {
    events: [
      ['message', 'a', ''],
      ['message', 'b', '1'],
      ['message', 'c', '1'],
      ['message', 'd', ''],
      ['message', 'e', ''],
    ],
    code: 'HIO_ERR_EVENT_STREAM_REFUSED',
  });
  t.deepEqual(fake.requests, [BASE, { ...BASE, 'Last-Event-ID': '1' }, BASE, BASE]);
});

test('EventSource resumes from the lastEventId option, and sends extra headers on every request', async (t) => {
  const fake = fakeHost([{ chunks: ['id: 8\ndata: x\n\n'] }, refused]);
  const events = source(fake, { lastEventId: '7', headers: { Authorization: 'Bearer t' } });
  t.is(events.lastEventId, '7');
  t.deepEqual((await drain(events)).events, [['message', 'x', '8']]);
  t.is(events.lastEventId, '8');
  t.deepEqual(fake.requests, [
    { Authorization: 'Bearer t', ...BASE, 'Last-Event-ID': '7' },
    { Authorization: 'Bearer t', ...BASE, 'Last-Event-ID': '8' },
  ]);
});

test('EventSource sends a non-ASCII last event ID as its UTF-8 bytes, one character per byte', async (t) => {
  const fake = fakeHost([{ chunks: ['id: é\ndata: x\n\n'] }, refused]);
  await drain(source(fake));
  t.is(fake.requests[1]!['Last-Event-ID'], '\u00c3\u00a9');
});

test('EventSource doubles the delay for each failed attempt in a row, up to maxRetryDelay, and resets it once an event comes', async (t) => {
  const fake = fakeHost([
    { chunks: ['data: a\n\n'] },
    networkError(),
    networkError(),
    { chunks: [': no event\n\n'] },
    networkError(),
    { status: 200, noBody: true },
    networkError(),
    { chunks: ['data: b\n\n'], then: 'break' },
    networkError(),
    refused,
  ]);
  t.deepEqual((await drain(source(fake))).events, [
    ['message', 'a', ''],
    ['message', 'b', ''],
  ]);
  t.deepEqual(fake.sleeps, [3, 6, 12, 24, 30, 30, 30, 3, 6]);
});

test('EventSource waits the server’s retry, given in milliseconds, as its reconnection time from then on', async (t) => {
  const fake = fakeHost([
    { chunks: ['retry: 500\ndata: a\n\n'] },
    networkError(),
    networkError(),
    // A retry applies without a blank line; this attempt brought no event.
    { chunks: ['retry: 2000\n'] },
    networkError(),
    { chunks: ['data: b\n\n'] },
    refused,
  ]);
  await drain(source(fake, { retryDelay: 1, maxRetryDelay: 10 }));
  t.deepEqual(fake.sleeps, [0.5, 1, 2, 10, 10, 2]);
});

test('EventSource uses the retryDelay option until the server sends retry, and caps a long retry at maxRetryDelay', async (t) => {
  const fake = fakeHost([networkError(), { chunks: ['retry: 60000\ndata: a\n\n'] }, refused]);
  await drain(source(fake, { retryDelay: 0.25, maxRetryDelay: 5 }));
  t.deepEqual(fake.sleeps, [0.25, 5]);
});

test('EventSource fails for good, without reconnecting, on 204, 404, 500 or a type other than text/event-stream', async (t) => {
  const answers: Attempt[] = [
    { status: 204, headers: {} },
    { status: 404, headers: { 'content-type': 'text/plain' }, chunks: ['not found'] },
    { status: 500, headers: SSE, chunks: ['data: a\n\n'] },
    { status: 200, headers: { 'content-type': 'text/plain' }, chunks: ['data: a\n\n'] },
    { status: 200, headers: {}, chunks: ['data: a\n\n'] },
    { status: 200, headers: { 'content-type': 'text/event-streams' }, chunks: ['data: a\n\n'] },
  ];
  for (const answer of answers) {
    const fake = fakeHost([answer, { chunks: ['data: never\n\n'] }]);
    const events = source(fake);
    const next = events.next();
    const error = await t.throwsAsync(next, { instanceOf: HioError });
    t.is(error?.code, 'HIO_ERR_EVENT_STREAM_REFUSED');
    t.is(events.error, error ?? null);
    t.is(events.readyState, EventSourceState.closed);
    t.deepEqual(await events.next(), { done: true, value: undefined }, 'done after the failure was reported');
    t.is(fake.requests.length, 1);
    t.deepEqual(fake.sleeps, []);
    if (answer.chunks !== undefined) t.deepEqual(fake.cancelled, [0], 'the body is cancelled');
  }
});

test('EventSource accepts a text/event-stream type in any case and with parameters', async (t) => {
  for (const type of ['text/event-stream; charset=utf-8', 'Text/Event-Stream', ' text/event-stream ;x=y']) {
    const fake = fakeHost([{ headers: { 'content-type': type }, chunks: ['data: a\n\n'] }, refused]);
    t.deepEqual((await drain(source(fake))).events, [['message', 'a', '']], type);
  }
});

test('EventSource fails with HIO_ERR_EVENT_STREAM_LOST after maxAttempts attempts in a row without an event, the last fault as cause', async (t) => {
  const last = new Error('connect ETIMEDOUT');
  const fake = fakeHost([networkError(), { chunks: [':\n'] }, { error: last }, { chunks: ['data: never\n\n'] }]);
  const events = source(fake, { maxAttempts: 3 });
  const error = await t.throwsAsync(events.next(), { instanceOf: HioError });
  t.is(error?.code, 'HIO_ERR_EVENT_STREAM_LOST');
  t.is(error?.cause, last);
  t.is(events.error, error ?? null);
  t.is(fake.requests.length, 3);
  t.deepEqual(fake.sleeps, [3, 6]);
});

test('EventSource counts maxAttempts from the last event', async (t) => {
  const fake = fakeHost([
    networkError(),
    { chunks: ['data: a\n\n'] },
    networkError(),
    { chunks: ['data: b\n\n'], then: 'break' },
    networkError(),
    networkError(),
  ]);
  const result = await drain(source(fake, { maxAttempts: 2 }));
  t.deepEqual(result, {
    events: [
      ['message', 'a', ''],
      ['message', 'b', ''],
    ],
    code: 'HIO_ERR_EVENT_STREAM_LOST',
  });
  t.is(fake.requests.length, 6);
  t.deepEqual(fake.sleeps, [3, 3, 6, 3, 6]);
});

test('EventSource with maxAttempts 1 fails on the first attempt that brings no event', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\n'] }, { chunks: [] }]);
  t.deepEqual(await drain(source(fake, { maxAttempts: 1 })), { events: [['message', 'a', '']], code: 'HIO_ERR_EVENT_STREAM_LOST' });
  t.deepEqual(fake.sleeps, [3]);
});

test('EventSource fails for good with HIO_ERR_EVENT_TOO_LARGE on an event over maxEventBytes, cancelling the body', async (t) => {
  const fake = fakeHost([{ chunks: ['data: ok\n\n', `data: ${'x'.repeat(100)}\n\n`, 'data: after\n\n'] }, { chunks: ['data: never\n\n'] }]);
  const events = source(fake, { maxEventBytes: 64 });
  t.deepEqual(await drain(events), { events: [['message', 'ok', '']], code: 'HIO_ERR_EVENT_TOO_LARGE' });
  t.deepEqual(fake.cancelled, [0]);
  t.is(fake.requests.length, 1);
  t.is(events.readyState, EventSourceState.closed);
});

test('EventSource reads the body only as events are taken', async (t) => {
  const chunks = Array.from({ length: 50 }, (_, n) => `data: ${n}\n\n`);
  chunks[1] = 'data: 1\n\ndata: 1b\n\ndata: 1c\n\n';
  const fake = fakeHost([{ chunks }]);
  const events = source(fake);
  t.deepEqual(fake.requests, [], 'nothing happens before the first pull');
  t.is(events.readyState, EventSourceState.connecting);
  t.like(await events.next(), { value: { data: '0' } });
  t.is(events.readyState, EventSourceState.open);
  t.deepEqual(fake.pulls, [1]);
  t.like(await events.next(), { value: { data: '1' } });
  t.like(await events.next(), { value: { data: '1b' } });
  t.like(await events.next(), { value: { data: '1c' } });
  t.deepEqual(fake.pulls, [2], 'the events of one chunk are taken without reading more');
  t.like(await events.next(), { value: { data: '2' } });
  t.deepEqual(fake.pulls, [3]);
  events.close();
  t.deepEqual(fake.cancelled, [0]);
});

test('EventSource serves next() calls made at once in order', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\ndata: b\n\n', 'data: c\n\n'] }, refused]);
  const events = source(fake);
  const results = await Promise.allSettled([events.next(), events.next(), events.next(), events.next(), events.next()]);
  t.deepEqual(
    results.map((result) =>
      result.status === 'fulfilled' ? (result.value.done === true ? 'done' : result.value.value.data) : (result.reason as HioError).code,
    ),
    ['a', 'b', 'c', 'HIO_ERR_EVENT_STREAM_REFUSED', 'done'],
  );
});

test('EventSource#close mid-stream cancels the body, ends the pending next() and fetches no more', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\n'], then: 'hold' }, { chunks: ['data: never\n\n'] }]);
  const events = source(fake);
  t.like(await events.next(), { done: false, value: { data: 'a' } });
  const pending = events.next();
  await Promise.resolve();
  events.close();
  t.deepEqual(await pending, { done: true, value: undefined });
  t.deepEqual(await events.next(), { done: true, value: undefined });
  t.is(events.readyState, EventSourceState.closed);
  t.is(events.error, null);
  t.deepEqual(fake.cancelled, [0]);
  t.is(fake.requests.length, 1);
  events.close();
  t.is(events.readyState, EventSourceState.closed, 'closing twice does nothing');
});

test('EventSource#close drops the events already parsed and not taken', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\ndata: b\n\n'] }]);
  const events = source(fake);
  t.like(await events.next(), { value: { data: 'a' } });
  events.close();
  t.deepEqual(await events.next(), { done: true, value: undefined });
});

test('EventSource#close while waiting to reconnect aborts the sleep and fetches no more', async (t) => {
  const slept: AbortSignal[] = [];
  const fake = fakeHost([{ chunks: ['data: a\n\n'] }, { chunks: ['data: never\n\n'] }], (_seconds, signal) => {
    slept.push(signal);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  });
  const events = source(fake);
  t.like(await events.next(), { value: { data: 'a' } });
  const pending = events.next();
  while (slept.length === 0) await Promise.resolve();
  t.is(events.readyState, EventSourceState.connecting, 'connecting while waiting to reconnect');
  events.close();
  t.true(slept[0]!.aborted);
  t.deepEqual(await pending, { done: true, value: undefined });
  t.is(fake.requests.length, 1);
  t.is(events.error, null);
});

test('EventSource#close during a sleep that settles instead of rejecting fetches no more', async (t) => {
  const fake = fakeHost(
    [networkError(), { chunks: ['data: never\n\n'] }],
    (_seconds, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
  );
  const events = source(fake);
  const pending = events.next();
  while (fake.sleeps.length === 0) await Promise.resolve();
  events.close();
  t.deepEqual(await pending, { done: true, value: undefined });
  t.is(fake.requests.length, 1);
});

test('EventSource#close during a fetch aborts it, and cancels the body of a fetch that answers anyway', async (t) => {
  const signals: AbortSignal[] = [];
  let answer: (response: Response) => void = () => {};
  const host: EventStreamHost = {
    fetch: (_url, init) => {
      signals.push(init.signal);
      return new Promise((resolve) => {
        answer = resolve;
      });
    },
    sleep: () => Promise.resolve(),
  };
  const events = new EventSource(host, 'http://test/events');
  const pending = events.next();
  while (signals.length === 0) await Promise.resolve();
  events.close();
  t.true(signals[0]!.aborted);
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    cancel: () => {
      cancelled = true;
    },
  });
  answer(new Response(body, { headers: SSE }));
  t.deepEqual(await pending, { done: true, value: undefined });
  t.true(cancelled);
});

test('EventSource#close during a fetch that rejects on abort ends iteration quietly', async (t) => {
  const host: EventStreamHost = {
    fetch: (_url, init) => new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason as Error))),
    sleep: () => Promise.resolve(),
  };
  const events = new EventSource(host, 'http://test/events');
  const pending = events.next();
  await Promise.resolve();
  events.close();
  t.deepEqual(await pending, { done: true, value: undefined });
  t.is(events.error, null);
});

test('EventSource closes when for await is left early', async (t) => {
  const fake = fakeHost([{ chunks: ['data: a\n\n', 'data: b\n\n'], then: 'hold' }]);
  const events = source(fake);
  for await (const event of events) {
    t.is(event.data, 'a');
    break;
  }
  t.is(events.readyState, EventSourceState.closed);
  t.deepEqual(fake.cancelled, [0]);
});

test('EventSource fails with HIO_ERR_EVENT_STREAM_LOST when the host’s sleep fails without an abort', async (t) => {
  const broken = new Error('timer failed');
  const fake = fakeHost([networkError()], () => Promise.reject(broken));
  const error = await t.throwsAsync(source(fake).next(), { instanceOf: HioError });
  t.is(error?.code, 'HIO_ERR_EVENT_STREAM_LOST');
  t.is(error?.cause, broken);
});

test('EventSource rejects unknown and invalid options', (t) => {
  const fake = fakeHost([]);
  const invalid: unknown[] = [
    { retry: 3 },
    { retryDelay: -1 },
    { retryDelay: NaN },
    { maxRetryDelay: Infinity },
    { maxAttempts: 0 },
    { maxAttempts: 1.5 },
    { maxEventBytes: 0 },
    { lastEventId: 'a\nb' },
    { lastEventId: 'a\0' },
    { lastEventId: 7 },
    { headers: null },
    { headers: { 'x-n': 1 } },
    { headers: { accept: 'text/html' } },
    { headers: { 'Last-Event-ID': '1' } },
    { headers: { 'cache-control': 'no-cache' } },
  ];
  for (const options of invalid) {
    const error = t.throws(() => source(fake, options as EventSourceOptions), { instanceOf: HioError });
    t.is(error.code, 'HIO_ERR_INVALID_OPTION', JSON.stringify(options));
  }
  t.notThrows(() => source(fake, { maxAttempts: Infinity, retryDelay: 0, maxRetryDelay: 0, headers: {} }));
});
