/**
 * OutgoingRequest: a request checked and framed before any byte is sent —
 * every mistake a HIO_ERR_INVALID_REQUEST at once — and the body pump that
 * pulls a streamed body one chunk at a time.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { BodyPump, Pulled } from '../../src/http/body-pump.js';
import { OutgoingRequest, headerPairs, originOf, type PatronRequest } from '../../src/http/outgoing-request.js';
import { readFetchCall } from '../../src/http/patron-fetch.js';

const head = (request: PatronRequest, expectContinueBytes = 1 << 20): string => new OutgoingRequest(request, expectContinueBytes).headBytes.toString('latin1');

test("OutgoingRequest frames the head: Host from the URL, the caller's fields, the body's framing", (t) => {
  t.is(
    head({ url: 'http://example.test:8080/a/b?c=d#frag', headers: { 'X-One': '1', accept: ['a', 'b'] } }),
    'GET /a/b?c=d HTTP/1.1\r\nHost: example.test:8080\r\nX-One: 1\r\naccept: a\r\naccept: b\r\n\r\n',
  );
  t.is(head({ url: 'http://example.test/', method: 'POST' }), 'POST / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n');
  t.is(head({ url: 'http://example.test/', method: 'PUT', body: 'héllo' }), 'PUT / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 6\r\n\r\n');
  t.is(head({ url: 'http://example.test/', method: 'PUT', body: ['a'] }), 'PUT / HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n');
  t.is(
    head({ url: 'http://example.test/', method: 'PUT', body: ['a'], headers: [['content-length', '1']] }),
    'PUT / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1\r\n\r\n',
  );
  t.is(
    head({ url: 'http://example.test/', method: 'PUT', body: 'abc', headers: { 'transfer-encoding': 'chunked' } }),
    'PUT / HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  t.is(
    head({ url: 'http://example.test/', method: 'PUT', body: 'abc' }, 3),
    'PUT / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n',
  );
  t.is(
    head({ url: 'http://example.test/', method: 'PUT', body: 'abc', expectContinue: false }, 0),
    'PUT / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\r\n',
  );
  t.is(
    head({ url: 'http://example.test/', headers: { connection: 'close', 'x-t': ' \tpadded\t ' } }),
    'GET / HTTP/1.1\r\nHost: example.test\r\nconnection: close\r\nx-t: padded\r\n\r\n',
  );
  t.is(head({ url: 'http://[::1]:81/' }), 'GET / HTTP/1.1\r\nHost: [::1]:81\r\n\r\n');
  const bytes = new OutgoingRequest({ url: 'http://x/', method: 'POST', body: new Uint8Array([1, 2, 3]).subarray(1) }, 1 << 20);
  t.deepEqual([...bytes.bytes], [2, 3]);
  t.true(bytes.replayable);
  t.false(bytes.idempotent);
  const arrayBuffer = new OutgoingRequest({ url: 'http://x/', method: 'POST', body: new Uint8Array([9]).buffer }, 1 << 20);
  t.deepEqual([...arrayBuffer.bytes], [9]);
  const streamed = new OutgoingRequest({ url: 'http://x/', method: 'PUT', body: ['x'] }, 1 << 20);
  t.false(streamed.replayable);
  t.is(streamed.bytes.length, 0);
  t.true(streamed.idempotent);
});

test('OutgoingRequest refuses a malformed request at once with HIO_ERR_INVALID_REQUEST', (t) => {
  const bad: PatronRequest[] = [
    { url: 'http://x/', method: 'GE T' },
    { url: 'http://x/', method: 'CONNECT' },
    { url: 'not a url' },
    { url: 'ftp://x/' },
    { url: 'http://user:pass@x/' },
    { url: 'http://x/', headers: { 'bad name': 'v' } },
    { url: 'http://x/', headers: { x: 'a\r\nInjected: 1' } },
    { url: 'http://x/', headers: { x: 'snow ☃' } },
    { url: 'http://x/', headers: { host: 'elsewhere' } },
    { url: 'http://x/', method: 'POST', headers: { 'content-length': 'ten' } },
    {
      url: 'http://x/',
      method: 'POST',
      headers: [
        ['content-length', '1'],
        ['content-length', '2'],
      ],
    },
    { url: 'http://x/', method: 'POST', headers: { 'transfer-encoding': 'gzip' } },
    { url: 'http://x/', method: 'POST', headers: { expect: 'magic' } },
    { url: 'http://x/', method: 'POST', headers: { 'content-length': '3', 'transfer-encoding': 'chunked' }, body: ['abc'] },
    { url: 'http://x/', body: 'a GET with a body' },
    { url: 'http://x/', method: 'POST', body: 'abc', headers: { 'content-length': '4' } },
    { url: 'http://x/', method: 'POST', headers: { 'content-length': '4' } },
  ];
  for (const request of bad) {
    const error = t.throws(() => new OutgoingRequest(request, 1 << 20), { instanceOf: HioError }, JSON.stringify(request));
    t.is(error?.code, 'HIO_ERR_INVALID_REQUEST', JSON.stringify(request));
  }
});

test('headerPairs reads Headers, pairs and records; originOf keys an origin by scheme, host and port', (t) => {
  t.deepEqual(headerPairs(new Headers({ a: '1' })), [['a', '1']]);
  t.deepEqual(headerPairs([['b', '2']]), [['b', '2']]);
  t.deepEqual(headerPairs({ c: 3 }), [['c', '3']]);
  t.deepEqual(headerPairs(undefined), []);
  t.deepEqual(originOf(new URL('https://Example.test/x')), { key: 'https://example.test:443', secure: true, hostname: 'example.test', port: 443 });
  t.deepEqual(originOf(new URL('http://[::1]:8080/')), { key: 'http://[::1]:8080', secure: false, hostname: '::1', port: 8080 });
});

function drain(pump: BodyPump): Array<string | number> {
  const seen: Array<string | number> = [];
  for (;;) {
    const chunk = pump.pull();
    if (chunk === Pulled.wait || chunk === Pulled.end) return [...seen, chunk];
    seen.push(chunk.toString());
  }
}

test('BodyPump pulls a generator within the pass, skipping empty chunks, and stops it on cancel', (t) => {
  let stopped = false;
  function* source(): Generator<string | Uint8Array> {
    try {
      yield 'a';
      yield '';
      yield new Uint8Array([98]);
      yield 'c';
    } finally {
      stopped = true;
    }
  }
  const pump = new BodyPump(source(), () => {});
  t.deepEqual([pump.pull().toString(), pump.pull().toString()], ['a', 'b']);
  pump.cancel();
  t.true(stopped);
  t.true(pump.ended);
  t.is(pump.pull(), Pulled.end);
  t.deepEqual(drain(new BodyPump(['x', 'y'], () => {})), ['x', 'y', Pulled.end]);
});

test('BodyPump reads a ReadableStream or async iterable one promise at a time, waking its owner', async (t) => {
  let wakes = 0;
  const stream = new ReadableStream<Uint8Array | string>({
    start(controller) {
      controller.enqueue('one');
      controller.enqueue(new Uint8Array([50]));
      controller.close();
    },
  });
  const pump = new BodyPump(stream, () => (wakes += 1));
  const seen: string[] = [];
  for (let i = 0; i < 10 && !pump.ended; i++) {
    const chunk = pump.pull();
    if (chunk === Pulled.wait) await new Promise((resolve) => setImmediate(resolve));
    else if (chunk !== Pulled.end) seen.push(chunk.toString());
  }
  t.deepEqual(seen, ['one', '2']);
  t.true(wakes >= 2);
  t.is(pump.pull(), Pulled.end);
});

test('BodyPump turns a failing source or a chunk that is not bytes into HIO_ERR_REQUEST_BODY', async (t) => {
  function* broken(): Generator<string> {
    yield 'fine';
    throw new Error('disk gone');
  }
  const sync = new BodyPump(broken(), () => {});
  t.deepEqual(drain(sync), ['fine', Pulled.end]);
  t.is(sync.error?.code, 'HIO_ERR_REQUEST_BODY');
  const typed = new BodyPump([42 as unknown as string], () => {});
  t.deepEqual(drain(typed), [Pulled.end]);
  t.is(typed.error?.code, 'HIO_ERR_REQUEST_BODY');
  async function* failing(): AsyncGenerator<string> {
    yield 'x';
    throw new Error('late');
  }
  const asyncPump = new BodyPump(failing(), () => {});
  for (let i = 0; i < 10 && !asyncPump.ended; i++) {
    if (asyncPump.pull() === Pulled.wait) await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(asyncPump.error?.code, 'HIO_ERR_REQUEST_BODY');
  async function* endless(): AsyncGenerator<string> {
    for (;;) yield 'more';
  }
  const cancelled = new BodyPump(endless(), () => {});
  t.is(cancelled.pull(), Pulled.wait);
  cancelled.cancel();
  await new Promise((resolve) => setImmediate(resolve));
  t.is(cancelled.pull(), Pulled.end);
  t.is(cancelled.error, null);
});

test('readFetchCall reads a Request, init overriding it, and bodies fetch gives types to', async (t) => {
  const request = new Request('http://x/r', { method: 'put', headers: { 'x-a': '1' }, body: 'from request', redirect: 'manual' });
  const call = await readFetchCall(request);
  t.deepEqual([call.request.method, call.request.url.href, call.redirect, (call.request.headers as Headers).get('x-a')], ['PUT', 'http://x/r', 'manual', '1']);
  const form = new FormData();
  form.set('f', 'v');
  const multipart = await readFetchCall('http://x/', { method: 'POST', body: form });
  t.regex((multipart.request.headers as Headers).get('content-type') ?? '', /^multipart\/form-data; boundary=/);
  t.true(multipart.request.body instanceof Uint8Array, 'a small form goes as bytes, with a Content-Length');
  const params = await readFetchCall('http://x/', { method: 'POST', body: new URLSearchParams({ q: 'a b' }) });
  t.is((params.request.headers as Headers).get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
  t.is(Buffer.from(params.request.body as Uint8Array).toString(), 'q=a+b');
  const large = new FormData();
  large.set('file', new Blob([new Uint8Array(2 << 20)]));
  const streamed = await readFetchCall('http://x/', { method: 'POST', body: large });
  t.true(streamed.request.body instanceof ReadableStream, 'a large form streams');
  const blob = await readFetchCall('http://x/', { method: 'POST', body: new Blob(['blob'], { type: 'text/x-blob' }) });
  t.is((blob.request.headers as Headers).get('content-type'), 'text/x-blob');
  t.is(Buffer.from(blob.request.body as Uint8Array).toString(), 'blob');
  const view = await readFetchCall('http://x/', { method: 'POST', body: new DataView(new Uint8Array([1, 2]).buffer) });
  t.deepEqual([...(view.request.body as Uint8Array)], [1, 2]);
  const text = await readFetchCall('http://x/', { method: 'POST', body: 'text' });
  t.is((text.request.headers as Headers).get('content-type'), 'text/plain;charset=UTF-8');
});

test('readFetchCall upper-cases the six standard methods only, and refuses CONNECT, TRACE and TRACK', async (t) => {
  t.is((await readFetchCall('http://x/', { method: 'delete' })).request.method, 'DELETE');
  t.is((await readFetchCall('http://x/', { method: 'patch' })).request.method, 'patch');
  for (const method of ['connect', 'TRACE', 'track']) {
    const error = await t.throwsAsync(readFetchCall('http://x/', { method }), { instanceOf: HioError });
    t.is(error?.code, 'HIO_ERR_INVALID_REQUEST');
  }
});
