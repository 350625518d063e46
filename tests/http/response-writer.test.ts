/**
 * The ResponseWriter: framing of whole and streamed responses (Content-Length,
 * chunked, close-delimited), HEAD and bodiless statuses, trailers, interim
 * answers, HTTP/1.0 rules, state errors and backpressure; then streamed
 * responses through a BareServer on the simulated network.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { Hict } from '../../src/core/hict.js';
import { ResponseWriter, type RequestHead, type ResponseWriterOptions } from '../../src/http/response-writer.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';
import { header, httpWorld } from '../helpers/http-client.js';

const DATE = 'Thu, 01 Jan 2026 00:00:00 GMT';

/** A writer over a sink that records each tx; `pending` is what the sink reports as unsent. */
function writer(request: Partial<RequestHead> = {}, options: ResponseWriterOptions = {}) {
  const sent: Buffer[] = [];
  const sink = {
    pending: 0,
    tx(bytes: Uint8Array): void {
      sent.push(Buffer.from(bytes));
    },
    get txPending(): number {
      return this.pending;
    },
  };
  const w = new ResponseWriter(sink, { method: 'GET', version: 'HTTP/1.1', ...request }, { date: DATE, server: 'hio-ts', ...options });
  return { w, sink, sent, text: (): string => Buffer.concat(sent).toString('latin1') };
}

const stateError = (
  t: { throws: (fn: () => unknown, expectations: { instanceOf: typeof HioError }) => HioError | undefined },
  fn: () => unknown,
): string | undefined => t.throws(fn, { instanceOf: HioError })?.code;

test('ResponseWriter streams a body of unknown length chunked on HTTP/1.1, with trailers', (t) => {
  const { w, text } = writer();
  w.writeHead(200, { 'Content-Type': 'text/plain' });
  t.true(w.headSent);
  t.true(w.write('hello '));
  w.write(Buffer.from('world'));
  w.write('');
  w.end(undefined, new Hict([['X-Checksum', 'abc']]));
  t.true(w.ended);
  t.is(w.bodyBytes, 11);
  t.is(
    text(),
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n\r\n` +
      '6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: abc\r\n\r\n',
  );
  t.true(w.persisted);
});

test('ResponseWriter streams a body of known length with Content-Length, and refuses more or fewer bytes', (t) => {
  const { w, text } = writer();
  w.writeHead(201, undefined, { length: 4 });
  w.write('ab');
  w.end('cd', { 'X-Dropped': 'trailers need chunks' });
  t.is(text(), `HTTP/1.1 201 Created\r\nDate: ${DATE}\r\nServer: hio-ts\r\nContent-Length: 4\r\n\r\nabcd`);

  const over = writer().w;
  over.writeHead(200, { 'Content-Length': '3' });
  t.is(
    stateError(t, () => over.write('abcd')),
    'HIO_ERR_RESPONSE_STATE',
  );
  const under = writer().w;
  under.writeHead(200, undefined, { length: 3 });
  under.write('ab');
  t.is(
    stateError(t, () => under.end()),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.false(under.ended);
});

test('ResponseWriter gives an HTTP/1.0 client no chunks: a body of unknown length ends with the connection', (t) => {
  const { w, text } = writer({ version: 'HTTP/1.0' });
  w.writeHead(200, [['Transfer-Encoding', 'chunked']]);
  w.write('abc');
  w.end('def', { 'X-Trailer': 'dropped' });
  t.false(w.persisted);
  t.is(text(), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nServer: hio-ts\r\nConnection: close\r\n\r\nabcdef`);
  // A known length keeps a persistent HTTP/1.0 connection open, and says so.
  const known = writer({ version: 'HTTP/1.0' });
  known.w.writeHead(200, undefined, { length: 1 });
  known.w.end('x');
  t.true(known.w.persisted);
  t.true(known.text().includes('Content-Length: 1\r\nConnection: keep-alive\r\n\r\nx'));
});

test('ResponseWriter with requiredHeaders off adds nothing, and ends a body it cannot delimit by closing', (t) => {
  const { w, text } = writer({}, { requiredHeaders: false });
  w.writeHead(200, { 'X-A': '1' });
  w.end('raw');
  t.is(text(), 'HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nraw');
  t.false(w.persisted);
  const chunked = writer({}, { requiredHeaders: false });
  chunked.w.writeHead(200, { 'Transfer-Encoding': 'chunked' });
  chunked.w.end('ab');
  t.is(chunked.text(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n');
  t.true(chunked.w.persisted);
});

test('ResponseWriter announces keepAliveTymeout as Keep-Alive: timeout=N on a response that keeps the connection, N whole seconds and at least 1', (t) => {
  const whole = writer({}, { keepAliveTymeout: 5 });
  whole.w.send({ body: 'hi' });
  t.is(whole.text(), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nServer: hio-ts\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nhi`);
  const streamed = writer({}, { keepAliveTymeout: 7.9 });
  streamed.w.writeHead(200, { 'Content-Type': 'text/plain' });
  streamed.w.end('x');
  t.is(
    streamed.text(),
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=7\r\n\r\n1\r\nx\r\n0\r\n\r\n`,
  );
  // HTTP/1.0 keep-alive: both lines, as node:http sends them.
  const old = writer({ version: 'HTTP/1.0' }, { keepAliveTymeout: 0.25 });
  old.w.send({ status: 204 });
  t.is(old.text(), `HTTP/1.1 204 No Content\r\nDate: ${DATE}\r\nServer: hio-ts\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n\r\n`);
  // An application's Connection other than close keeps the connection, and the hint with it.
  const keptByApp = writer({}, { keepAliveTymeout: 5 });
  keptByApp.w.send({ headers: { Connection: 'keep-alive' } });
  t.true(keptByApp.text().endsWith(`Server: hio-ts\r\nContent-Length: 0\r\nKeep-Alive: timeout=5\r\n\r\n`));
});

test('ResponseWriter sends no Keep-Alive when the connection closes, never idles out, already has one, or gets no required headers', (t) => {
  const hint = /keep-alive:/i;
  // Closing: asked by the request, by the application, or because the body is close-delimited.
  const closing = writer({}, { keepAliveTymeout: 5, persisted: false });
  closing.w.send({ body: 'bye' });
  t.true(closing.text().includes('Connection: close\r\n'));
  const closedByApp = writer({}, { keepAliveTymeout: 5 });
  closedByApp.w.send({ headers: { Connection: 'close' } });
  const delimited = writer({ version: 'HTTP/1.0' }, { keepAliveTymeout: 5 });
  delimited.w.writeHead(200);
  delimited.w.end('until the close');
  t.false(delimited.w.persisted);
  // The head written while a 100 Continue is owed closes too.
  const unsent = writer({}, { keepAliveTymeout: 5 });
  unsent.w.closeBeforeHead = true;
  unsent.w.send({ status: 413 });
  // No idle tymeout (0, the default), or none that could be said.
  const forever = writer({}, { keepAliveTymeout: 0 });
  forever.w.send({ body: 'x' });
  const unset = writer();
  unset.w.send({ body: 'x' });
  const endless = writer({}, { keepAliveTymeout: Infinity });
  endless.w.send({ body: 'x' });
  // Switched off, for the writer or for one head.
  const bare = writer({}, { keepAliveTymeout: 5, requiredHeaders: false });
  bare.w.writeHead(200, { 'Content-Length': '1' });
  bare.w.end('x');
  t.true(bare.w.persisted);
  const rawHead = writer({}, { keepAliveTymeout: 5 });
  rawHead.w.writeHead(200, { 'Content-Length': '1' }, { requiredHeaders: false });
  rawHead.w.end('x');
  // A 101's connection is no longer HTTP.
  const switched = writer({}, { keepAliveTymeout: 5 });
  switched.w.writeHead(101, { Connection: 'upgrade', Upgrade: 'echo' });
  t.true(switched.w.persisted);
  for (const [name, sent] of Object.entries({ closing, closedByApp, delimited, unsent, forever, unset, endless, bare, rawHead, switched })) {
    t.false(hint.test(sent.text()), name);
  }
  // The application's own Keep-Alive goes out as given, and alone.
  const own = writer({}, { keepAliveTymeout: 5 });
  own.w.send({ headers: [['keep-alive', 'timeout=2, max=100']] });
  t.is(own.text(), `HTTP/1.1 200 OK\r\nkeep-alive: timeout=2, max=100\r\nDate: ${DATE}\r\nServer: hio-ts\r\nContent-Length: 0\r\n\r\n`);
});

test('ResponseWriter answers HEAD with the GET headers and no body bytes, whatever is written', (t) => {
  const streamed = writer({ method: 'HEAD' });
  streamed.w.writeHead(200);
  streamed.w.write('not sent');
  streamed.w.end('nor this', { 'X-T': '1' });
  t.is(streamed.text(), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n\r\n`);
  t.true(streamed.w.persisted);
  t.is(streamed.w.bodyBytes, 16);
  const whole = writer({ method: 'HEAD' });
  whole.w.send({ body: 'hello' }, 'text/plain');
  t.is(whole.text(), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nServer: hio-ts\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n`);
  // A HEAD may announce the GET's length whatever it writes.
  const announced = writer({ method: 'HEAD' });
  announced.w.send({ headers: { 'Content-Length': 1234 } });
  const streamedLength = writer({ method: 'HEAD' });
  streamedLength.w.writeHead(200, { 'Content-Length': '1000' });
  streamedLength.w.write('ignored');
  streamedLength.w.end();
  t.true(streamedLength.w.ended);
  t.true(streamedLength.text().includes('Content-Length: 1000\r\n'));
  t.true(announced.text().includes('Content-Length: 1234\r\n'));
  t.true(announced.text().endsWith('\r\n\r\n'));
});

test('ResponseWriter sends no body, no length and no chunks for 204 and 304', (t) => {
  for (const status of [204, 304]) {
    const { w, text } = writer();
    w.writeHead(status);
    w.write('ignored');
    w.end();
    t.is(text(), `HTTP/1.1 ${status} ${status === 204 ? 'No Content' : 'Not Modified'}\r\nDate: ${DATE}\r\nServer: hio-ts\r\n\r\n`);
    t.true(w.persisted);
  }
});

test('ResponseWriter#interim writes 1xx answers before the head, none to HTTP/1.0, and never 101 or after the head', (t) => {
  const { w, text } = writer();
  w.interim(103, { Link: '</style.css>; rel=preload' });
  w.interim(100);
  w.send({ body: 'ok' });
  t.true(text().startsWith('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n'));
  t.is(
    stateError(t, () => w.interim(103)),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.interim(101)),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.interim(200)),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.interim(103, { 'X-Bad': 'a\nb' })),
    'HIO_ERR_RESPONSE_STATE',
  );
  const old = writer({ version: 'HTTP/1.0' });
  old.w.interim(103, { Link: '</a>' });
  t.is(old.sent.length, 0);
});

test('ResponseWriter refuses a second head, writes after the end, bad lengths and header injection', (t) => {
  const { w } = writer();
  w.writeHead(200);
  t.is(
    stateError(t, () => w.writeHead(200)),
    'HIO_ERR_RESPONSE_STATE',
  );
  w.end();
  t.is(
    stateError(t, () => w.write('x')),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => w.end()),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.send({ headers: { 'Content-Length': '-1' } })),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.send({ headers: { 'Content-Length': '5' }, body: 'abc' })),
    'HIO_ERR_RESPONSE_STATE',
  );
  t.is(
    stateError(t, () => writer().w.writeHead(200, { 'X-Evil': 'a\r\nSet-Cookie: x' })),
    'HIO_ERR_RESPONSE_STATE',
  );
  const trailer = writer();
  trailer.w.writeHead(200);
  t.is(
    stateError(t, () => trailer.w.end(undefined, { 'Bad Name': 'v' })),
    'HIO_ERR_RESPONSE_STATE',
  );
});

test('ResponseWriter#end without a head writes the whole response at once with its length', (t) => {
  const { w, sent } = writer();
  w.end('whole');
  t.is(sent.length, 1);
  t.true(sent[0]!.toString('latin1').endsWith('Content-Length: 5\r\n\r\nwhole'));
  const bare = writer();
  bare.w.write('x');
  bare.w.end();
  t.true(bare.text().endsWith('Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n'));
});

test('ResponseWriter#persisted may be cleared before the head only, and never set again', (t) => {
  const { w, text } = writer();
  w.persisted = false;
  t.is(
    stateError(t, () => (w.persisted = true)),
    'HIO_ERR_RESPONSE_STATE',
  );
  w.send({});
  t.true(text().includes('Connection: close\r\n'));
  const late = writer();
  late.w.writeHead(200);
  t.is(
    stateError(t, () => (late.w.persisted = false)),
    'HIO_ERR_RESPONSE_STATE',
  );
  const app = writer();
  app.w.send({ headers: { Connection: 'keep-alive, close' } });
  t.false(app.w.persisted);
});

test('ResponseWriter#writable follows the unsent bytes against highWater, and is false once ended', (t) => {
  const { w, sink } = writer({}, { highWater: 100 });
  w.writeHead(200);
  t.true(w.writable);
  sink.pending = 100;
  t.is(w.pending, 100);
  t.false(w.write('more'));
  sink.pending = 99;
  t.true(w.writable);
  w.end();
  t.false(w.writable);
});

/** Streams `count` chunks of `size` bytes, one per pour while the writer is writable. */
function streaming(count: number, size: number): Responder {
  let left = count;
  return {
    pour(w) {
      if (!w.headSent) w.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      while (left > 0 && w.writable) {
        left -= 1;
        w.write(Buffer.alloc(size, 0x61 + (left % 26)));
      }
      if (left > 0) return false;
      w.end(undefined, { 'X-Chunks': String(count) });
      return true;
    },
  };
}

test('A streaming responder sends a chunked body through a BareServer, keeping the connection', (t) => {
  class Streams extends Steward {
    override respond(): Responder {
      return streaming(40, 16 * 1024);
    }
  }
  const world = httpWorld({ steward: Streams, highWater: 32 * 1024 });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /a HTTP/1.1\r\nHost: server\r\n\r\nGET /b HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(30, () => reader.responses.length === 2));
  for (const response of reader.responses) {
    t.is(response.status, 200);
    t.is(header(response, 'transfer-encoding'), 'chunked');
    t.is(response.body.length, 40 * 16 * 1024);
    t.deepEqual(response.trailers, [['X-Chunks', '40']]);
  }
  t.false(client.rxEnded);
});

test('A streaming responder answers HTTP/1.0 close-delimited, and the connection closes after it', (t) => {
  class Streams extends Steward {
    override respond(): Responder {
      return streaming(3, 1000);
    }
  }
  const world = httpWorld({ steward: Streams });
  const { client } = world.client([], false);
  client.tx(Buffer.from('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
  const received: Buffer[] = [];
  t.true(
    world.run(5, () => {
      if (client.rxQueue.length > 0) received.push(client.rxQueue.take(client.rxQueue.length));
      return client.rxEnded;
    }),
  );
  const message = Buffer.concat(received).toString('latin1');
  t.true(message.includes('Connection: close\r\n'));
  t.false(message.includes('Transfer-Encoding'));
  t.is(message.slice(message.indexOf('\r\n\r\n') + 4).length, 3000);
});

test('A responder that finishes without ending its response gets a 500 before its head, a reset after', (t) => {
  let headFirst = false;
  class Careless extends Steward {
    override respond(): Responder {
      return {
        pour(w) {
          if (headFirst) w.writeHead(200);
          return true;
        },
      };
    }
  }
  const world = httpWorld({ steward: Careless, onError: () => {} });
  const first = world.client();
  first.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(2, () => first.reader.responses.length === 1 && first.client.rxEnded));
  t.is(first.reader.responses[0]!.status, 500);
  t.is(world.server.faults, 1);
  headFirst = true;
  const second = world.client();
  second.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(2, () => second.client.cutoff));
  t.is(second.client.error?.code, 'ECONNRESET');
  t.is(world.server.faults, 2);
});

test('ResponseWriter#reusesBuffers only over a connection that counts what it sends and copies it', async (t) => {
  const request = { method: 'GET', version: 'HTTP/1.1' };
  const sink = (extra: object): { tx(bytes: Uint8Array): void; txPending: number } => ({ tx() {}, txPending: 0, ...extra });
  t.false(new ResponseWriter(sink({}), request).reusesBuffers);
  t.false(new ResponseWriter(sink({ txWritten: 0 }), request).reusesBuffers);
  t.false(new ResponseWriter(sink({ txCopies: true }), request).reusesBuffers);
  t.true(new ResponseWriter(sink({ txWritten: 0, txCopies: true }), request).reusesBuffers);
  // The simulated network hands the very buffers to the peer: never reused there.
  const world = httpWorld();
  const { client } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: s\r\n\r\n'));
  t.true(await world.settle(2, () => world.server.stewards.size === 1));
  const remoter = [...world.server.stewards.keys()][0]!;
  t.false(new ResponseWriter(remoter, request).reusesBuffers);
});
