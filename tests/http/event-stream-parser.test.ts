/**
 * EventStreamParser tests as data: a body's bytes and the events, last event
 * ID and retry the WHATWG HTML standard reads from them (its own examples
 * among them), each case re-run with the bytes split at every possible point
 * and pushed one byte at a time, so the result never depends on how the body
 * was cut. A seeded property then reads back what the server's formatEvent
 * writes.
 */
import test from 'ava';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatEvent, type ServerSentEvent } from '../../src/app/sse.js';
import { HioError, type HioErrorCode } from '../../src/core/errors.js';
import { EventStreamParser, type EventStreamParserOptions, type ReceivedEvent } from '../../src/http/event-stream-parser.js';

interface Case {
  readonly name: string;
  /** The body: text (UTF-8 encoded) or raw bytes. */
  readonly raw: string | Uint8Array;
  /** Each event as [type, data, lastEventId]. */
  readonly events?: Array<[string, string, string]>;
  /** The last event ID after the body (default ''). */
  readonly lastEventId?: string;
  /** The retry after the body, milliseconds (default null). */
  readonly retryMs?: number | null;
  readonly error?: HioErrorCode;
  readonly options?: EventStreamParserOptions;
}

const encoder = new TextEncoder();

/** Bytes from text (UTF-8) and byte lists, in order. */
function bytes(...parts: Array<string | number[]>): Uint8Array {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : Uint8Array.from(part))));
}

const message = (data: string, lastEventId = ''): [string, string, string] => ['message', data, lastEventId];

const cases: Case[] = [
  {
    name: 'reads the standard’s first example: three messages, one of two lines',
    raw: 'data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n',
    events: [message('This is the first message.'), message('This is the second message, it\nhas two lines.'), message('This is the third message.')],
  },
  {
    name: 'reads the standard’s example of event types add and remove',
    raw: 'event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n',
    events: [
      ['add', '73857293', ''],
      ['remove', '2153', ''],
      ['add', '113411', ''],
    ],
  },
  {
    name: 'joins data lines by LF (the standard’s stock example)',
    raw: 'data: YHOO\ndata: +2\ndata: 10\n\n',
    events: [message('YHOO\n+2\n10')],
  },
  {
    name: 'reads the standard’s four blocks: a comment, an id, an empty id, a value keeping its second space',
    raw: ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n',
    events: [message('first event', '1'), message('second event'), message(' third event')],
  },
  {
    name: 'does not dispatch at the end of the stream (the standard’s four blocks without the last blank line)',
    raw: ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n',
    events: [message('first event', '1'), message('second event')],
  },
  {
    name: 'reads "data" alone as an empty message and two as one LF (the standard’s example)',
    raw: 'data\n\ndata\ndata\n\ndata:',
    events: [message(''), message('\n')],
  },
  {
    name: 'drops one space after the colon (the standard’s two identical events)',
    raw: 'data:test\n\ndata: test\n\n',
    events: [message('test'), message('test')],
  },
  { name: 'reads no event from an empty body', raw: '', events: [] },
  { name: 'dispatches nothing for blank lines alone', raw: '\n\r\n\r\n\n', events: [] },
  { name: 'ends lines at CR LF', raw: 'data: a\r\ndata: b\r\n\r\n', events: [message('a\nb')] },
  { name: 'ends lines at CR', raw: 'data: a\rdata: b\r\rdata: c\r\r', events: [message('a\nb'), message('c')] },
  { name: 'reads LF CR as two line ends', raw: 'data: a\n\rdata: b\n\n', events: [message('a'), message('b')] },
  { name: 'reads mixed line ends', raw: 'data: a\r\n\rdata: b\n\r\ndata: c\r\n\n', events: [message('a'), message('b'), message('c')] },
  { name: 'reads a CR LF after a CR as one more line end', raw: 'data: a\r\r\ndata: b\r\n\r\n', events: [message('a'), message('b')] },
  { name: 'drops one leading byte order mark', raw: '\uFEFFdata: x\n\n', events: [message('x')] },
  {
    name: 'keeps a second byte order mark in the first field name, which is then unknown',
    raw: '\uFEFF\uFEFFdata: x\n\ndata: y\n\n',
    events: [message('y')],
  },
  { name: 'keeps a byte order mark after the start as text', raw: 'data: \uFEFFx\n\n', events: [message('\uFEFFx')] },
  {
    name: 'decodes a UTF-16 byte order mark as two U+FFFD, spoiling the first field name',
    raw: bytes([0xff, 0xfe], 'data:1\n\ndata:2\n\n'),
    events: [message('2')],
  },
  { name: 'decodes multi-byte characters', raw: 'data: é€😀\nevent: ☃\n\n', events: [['☃', 'é€😀', '']] },
  { name: 'replaces an invalid byte by U+FFFD', raw: bytes('data: a', [0xff], 'b\n\n'), events: [message('a\uFFFDb')] },
  { name: 'replaces a truncated character before a line end by one U+FFFD', raw: bytes('data: ', [0xe2, 0x82], '\n\n'), events: [message('\uFFFD')] },
  { name: 'replaces a lone continuation byte by U+FFFD', raw: bytes('data: ', [0x82], '\n\n'), events: [message('\uFFFD')] },
  { name: 'replaces an overlong encoding by U+FFFD per byte', raw: bytes('data: ', [0xc0, 0xaf], '\n\n'), events: [message('\uFFFD\uFFFD')] },
  { name: 'keeps NULL in data', raw: 'data: a\0b\n\n', events: [message('a\0b')] },
  {
    name: 'ignores comments, inside an event too',
    raw: ':hello\n: \n:\ndata: a\n: between\ndata: b\n\n',
    events: [message('a\nb')],
  },
  { name: 'keeps a colon in the value', raw: 'data: a: b:c\n\n', events: [message('a: b:c')] },
  { name: 'drops only one space, never a tab', raw: 'data:  a\n\ndata:\tb\n\n', events: [message(' a'), message('\tb')] },
  {
    name: 'ignores unknown and differently cased fields',
    raw: 'foo: bar\nData: no\nDATA: no\n data: no\ndata : no\ndata: yes\n\n',
    events: [message('yes')],
  },
  { name: 'applies an event type to its event only', raw: 'event: ping\ndata: 1\n\ndata: 2\n\n', events: [['ping', '1', ''], message('2')] },
  { name: 'takes the last event field of an event', raw: 'event: a\nevent: b\ndata: 1\n\n', events: [['b', '1', '']] },
  { name: 'reads an empty event type as message', raw: 'event: a\nevent\ndata: 1\n\nevent:\ndata: 2\n\n', events: [message('1'), message('2')] },
  { name: 'dispatches nothing for an event type without data, and resets it', raw: 'event: a\n\ndata: b\n\n', events: [message('b')] },
  {
    name: 'keeps the last event ID across events',
    raw: 'id: 1\ndata: a\n\ndata: b\n\n',
    events: [message('a', '1'), message('b', '1')],
    lastEventId: '1',
  },
  {
    name: 'applies an id field after the data of its event to that event',
    raw: 'data: a\nid: 7\n\n',
    events: [message('a', '7')],
    lastEventId: '7',
  },
  { name: 'ignores an id with NULL', raw: 'id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n', events: [message('a', '1'), message('b', '1')], lastEventId: '1' },
  { name: 'sets the last event ID without an event at a blank line after an id alone', raw: 'id: 5\n\n', events: [], lastEventId: '5' },
  { name: 'resets the last event ID on an empty id', raw: 'id: 5\n\nid:\n\n', events: [], lastEventId: '' },
  { name: 'does not take an id not yet followed by a blank line as the last event ID', raw: 'id: 1\n\nid: 2\ndata: x\n', events: [], lastEventId: '1' },
  { name: 'keeps the spaces of an id but the first', raw: 'id:  a b \ndata\n\n', events: [message('', ' a b ')], lastEventId: ' a b ' },
  {
    name: 'carries the starting last event ID until an id replaces it',
    raw: 'data: a\n\nid: 42\ndata: b\n\n',
    options: { lastEventId: '41' },
    events: [message('a', '41'), message('b', '42')],
    lastEventId: '42',
  },
  { name: 'takes retry in milliseconds at its line end, blank line or not', raw: 'retry: 1500\n', events: [], retryMs: 1500 },
  { name: 'takes the last valid retry, leading zeros allowed', raw: 'retry: 1500\nretry: 007\n\n', events: [], retryMs: 7 },
  {
    name: 'ignores a retry of anything but ASCII digits',
    raw: 'retry: 250\nretry: 1.5\nretry: -1\nretry: 15a\nretry:\nretry: \nretry:  100\nretry: ١٢\nretry: 1e3\n\n',
    events: [],
    retryMs: 250,
  },
  { name: 'leaves the event alone on a retry inside it', raw: 'data: a\nretry: 10\ndata: b\n\n', events: [message('a\nb')], retryMs: 10 },
  { name: 'discards a retry without a line end', raw: 'retry: 10', events: [], retryMs: null },
  { name: 'discards an incomplete event at the end', raw: 'data: a\n\ndata: b\nevent: x\n', events: [message('a')] },
  {
    name: 'accepts a line of exactly maxEventBytes',
    raw: 'data: 12\n\n',
    options: { maxEventBytes: 8 },
    events: [message('12')],
  },
  { name: 'rejects a line over maxEventBytes', raw: 'data: 123\n\n', options: { maxEventBytes: 8 }, error: 'HIO_ERR_EVENT_TOO_LARGE' },
  { name: 'rejects a line over maxEventBytes before its end comes', raw: 'data: 123456789', options: { maxEventBytes: 8 }, error: 'HIO_ERR_EVENT_TOO_LARGE' },
  { name: 'counts maxEventBytes in bytes of UTF-8, not characters', raw: 'data:ééé\n\n', options: { maxEventBytes: 9 }, error: 'HIO_ERR_EVENT_TOO_LARGE' },
  {
    name: 'rejects the data of one event over maxEventBytes, though each line fits',
    raw: 'data:abcde\ndata:fghij\n\n',
    options: { maxEventBytes: 10 },
    error: 'HIO_ERR_EVENT_TOO_LARGE',
  },
  {
    name: 'applies the data limit per event',
    raw: 'data:abcd\n\ndata:efgh\n\n',
    options: { maxEventBytes: 9 },
    events: [message('abcd'), message('efgh')],
  },
  {
    name: 'skips a comment longer than maxEventBytes instead of holding it',
    raw: `:${'x'.repeat(40)}\ndata: a\n\n`,
    options: { maxEventBytes: 8 },
    events: [message('a')],
  },
];

interface Outcome {
  readonly events: Array<[string, string, string]>;
  readonly lastEventId: string;
  readonly retryMs: number | null;
  readonly error: HioErrorCode | null;
}

function parse(chunks: Uint8Array[], options: EventStreamParserOptions | undefined): Outcome {
  const parser = new EventStreamParser(options);
  const events: ReceivedEvent[] = [];
  try {
    for (const chunk of chunks) events.push(...parser.push(chunk));
  } catch (error) {
    if (!(error instanceof HioError)) throw error;
    return { events: [], lastEventId: '', retryMs: null, error: error.code };
  }
  return { events: events.map((event) => [event.type, event.data, event.lastEventId]), lastEventId: parser.lastEventId, retryMs: parser.retryMs, error: null };
}

function expected(c: Case): Outcome {
  if (c.error !== undefined) return { events: [], lastEventId: '', retryMs: null, error: c.error };
  return { events: c.events ?? [], lastEventId: c.lastEventId ?? '', retryMs: c.retryMs ?? null, error: null };
}

for (const c of cases) {
  const raw = typeof c.raw === 'string' ? encoder.encode(c.raw) : c.raw;
  test(`EventStreamParser ${c.name}, however the bytes are cut`, (t) => {
    const want = expected(c);
    t.deepEqual(parse([raw], c.options), want, 'in one push');
    for (let split = 0; split <= raw.length; split++) {
      t.deepEqual(parse([raw.subarray(0, split), raw.subarray(split)], c.options), want, `split at ${split}`);
    }
    const single = Array.from(raw, (byte) => Uint8Array.of(byte));
    t.deepEqual(parse(single, c.options), want, 'one byte per push');
  });
}

test('EventStreamParser splits a multi-byte character across three pushes', (t) => {
  const parser = new EventStreamParser();
  t.deepEqual(parser.push(bytes('data: ', [0xf0, 0x9f])), []);
  t.deepEqual(parser.push(Uint8Array.of(0x98)), []);
  t.deepEqual(parser.push(bytes([0x80], '\n\n')), [{ type: 'message', data: '😀', lastEventId: '' }]);
});

test('EventStreamParser holds a CR across an empty push and a push of half a character', (t) => {
  const parser = new EventStreamParser();
  t.deepEqual(parser.push(bytes('data: a\r')), []);
  t.deepEqual(parser.push(new Uint8Array(0)), []);
  t.deepEqual(parser.push(bytes('\n')), []);
  t.deepEqual(parser.push(bytes('\r')), [{ type: 'message', data: 'a', lastEventId: '' }]);
  t.deepEqual(parser.push(bytes('data: ', [0xc3])), []);
  t.deepEqual(parser.push(bytes([0xa9], '\r')), []);
  t.deepEqual(parser.push(bytes([0xc3])), []);
  // Half a character decodes to no text: the CR waits for the character that settles it (é here, a line of its own, an unknown field).
  t.deepEqual(parser.push(bytes([0xa9], '\n')), []);
  t.deepEqual(parser.push(bytes('\n')), [{ type: 'message', data: 'é', lastEventId: '' }]);
});

test('EventStreamParser throws the same error on every push after one over the limit', (t) => {
  const parser = new EventStreamParser({ maxEventBytes: 4 });
  const first = t.throws(() => parser.push(bytes('data: long\n')), { instanceOf: HioError });
  t.is(first.code, 'HIO_ERR_EVENT_TOO_LARGE');
  t.is(
    t.throws(() => parser.push(bytes('\n')), { instanceOf: HioError }),
    first,
  );
});

test('EventStreamParser rejects an unknown option and a maxEventBytes that is not a whole number >= 1', (t) => {
  for (const options of [{ maxEventBytes: 0 }, { maxEventBytes: 1.5 }, { maxEventBytes: Infinity }, { maxEventBytes: NaN }, { maxBytes: 10 }]) {
    const error = t.throws(() => new EventStreamParser(options as EventStreamParserOptions), { instanceOf: HioError });
    t.is(error.code, 'HIO_ERR_INVALID_OPTION', JSON.stringify(options));
  }
});

const eventText = fc.string({ unit: fc.constantFrom(...Array.from('ab :é😀\0')), maxLength: 12 });
const serverEvent: fc.Arbitrary<ServerSentEvent> = fc.record(
  {
    data: fc.array(eventText, { minLength: 1, maxLength: 3 }).chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((end) => lines.join(end))),
    event: eventText,
    id: eventText.map((text) => text.replaceAll('\0', '')),
    retry: fc.nat(100_000),
  },
  { requiredKeys: [] },
);

test('EventStreamParser reads back what formatEvent writes, cut at random points', (t) => {
  fc.assert(
    fc.property(fc.array(serverEvent, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (sent, cuts) => {
      const raw = encoder.encode(sent.map((event) => formatEvent(event)).join(''));
      const points = [...new Set(cuts.map((cut) => cut % (raw.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const point of [...points, raw.length]) {
        chunks.push(raw.subarray(from, point));
        from = point;
      }
      const want: Array<[string, string, string]> = [];
      let lastEventId = '';
      let retryMs: number | null = null;
      for (const event of sent) {
        if (event.id !== undefined) lastEventId = event.id;
        if (event.retry !== undefined) retryMs = event.retry;
        const type = event.event === undefined || event.event === '' ? 'message' : event.event;
        if (event.data !== undefined) want.push([type, event.data.replace(/\r\n|\r/g, '\n'), lastEventId]);
      }
      assert.deepEqual(parse(chunks, undefined), { events: want, lastEventId, retryMs, error: null });
    }),
    { seed: 20240611, numRuns: 200 },
  );
  t.pass();
});
