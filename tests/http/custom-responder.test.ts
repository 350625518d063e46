import test from 'ava';
import { CustomResponder, type ResponseSpec } from '../../src/http/custom-responder.js';
import { ResponseWriter } from '../../src/http/response-writer.js';
import type { Request } from '../../src/http/request.js';
import { Hict } from '../../src/core/hict.js';
import { HioError } from '../../src/core/errors.js';
import { reasonPhrase, isBodiless } from '../../src/http/status.js';
import { HttpDate } from '../../src/http/http-date.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

function request(overrides: Partial<Request> = {}): Request {
  return {
    method: 'GET',
    target: '/',
    form: 'origin',
    scheme: '',
    authority: 'a',
    path: '/',
    query: '',
    fragment: '',
    version: 'HTTP/1.1',
    headers: new Hict(),
    trailers: new Hict(),
    body: Buffer.alloc(0),
    chunked: false,
    persisted: true,
    expectContinue: false,
    ...overrides,
  };
}

interface Options {
  readonly persisted?: boolean;
  readonly requiredHeaders?: boolean;
  readonly server?: string | null;
}

/** A writer for a request, collecting what it sends in `sent`. */
function exchange(overrides: Partial<Request> = {}, options: Options = {}): ResponseWriter & { sent: Buffer[] } {
  const sent: Buffer[] = [];
  const sink = { tx: (bytes: Uint8Array) => sent.push(Buffer.from(bytes)), txPending: 0 };
  const req = request(overrides);
  const writer = new ResponseWriter(sink, req, {
    persisted: options.persisted ?? req.persisted,
    date: 'Thu, 01 Jan 2026 00:00:00 GMT',
    server: options.server === undefined ? 'hio-ts' : options.server,
    requiredHeaders: options.requiredHeaders ?? true,
  });
  return Object.assign(writer, { sent });
}

const text = (spec: ResponseSpec, ex = exchange()): string => {
  new CustomResponder(spec).pour(ex);
  return Buffer.concat(ex.sent).toString('latin1');
};

test('CustomResponder builds status line, required headers and a text body', (t) => {
  t.is(
    text({ body: 'hi' }),
    'HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: hio-ts\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi',
  );
});

test('CustomResponder sends JSON data compact with its content type', (t) => {
  const response = text({ status: 201, data: { a: [1, 'é'] } }, exchange({}, { server: null }));
  t.true(response.startsWith('HTTP/1.1 201 Created\r\n'));
  t.false(response.includes('Server:'));
  t.true(response.includes('Content-Type: application/json; charset=utf-8\r\n'));
  t.true(response.endsWith('\r\n\r\n{"a":[1,"\u00c3\u00a9"]}'));
  t.true(response.includes('Content-Length: 14\r\n'));
});

test('CustomResponder sends no body for HEAD, but the length of the one GET would get', (t) => {
  const response = text({ body: 'hello' }, exchange({ method: 'HEAD' }));
  t.true(response.includes('Content-Length: 5\r\n'));
  t.true(response.endsWith('\r\n\r\n'));
});

test('CustomResponder sends no body and no length for 204 and 304, and no body for 1xx', (t) => {
  for (const status of [204, 304, 103]) {
    const response = text({ status, body: 'ignored' });
    t.false(response.includes('Content-Length'), `${status}`);
    t.true(response.endsWith('\r\n\r\n'), `${status}`);
  }
  t.true(isBodiless(101));
  t.false(isBodiless(200));
});

test('CustomResponder says Connection: close when the connection ends, keep-alive to a persistent HTTP/1.0 client', (t) => {
  t.true(text({}, exchange({}, { persisted: false })).includes('Connection: close\r\n'));
  t.true(text({}, exchange({ version: 'HTTP/1.0' }, { persisted: true })).includes('Connection: keep-alive\r\n'));
  t.false(text({}, exchange()).includes('Connection:'));
});

test('CustomResponder: an application Connection: close header ends the connection', (t) => {
  const ex = exchange();
  const response = text({ headers: { Connection: 'close' } }, ex);
  t.false(ex.persisted);
  t.is(response.match(/Connection/g)?.length, 1);
});

test('CustomResponder frames a body as one chunk when Transfer-Encoding: chunked is asked, never for HTTP/1.0', (t) => {
  const chunked = text({ headers: [['Transfer-Encoding', 'chunked']], body: 'abc' });
  t.false(chunked.includes('Content-Length'));
  t.true(chunked.endsWith('\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
  t.true(text({ headers: [['Transfer-Encoding', 'chunked']] }).endsWith('\r\n\r\n0\r\n\r\n'));
  const old = text({ headers: [['Transfer-Encoding', 'chunked']], body: 'abc' }, exchange({ version: 'HTTP/1.0' }));
  t.false(old.includes('Transfer-Encoding'));
  t.true(old.includes('Content-Length: 3\r\n'));
  t.is(t.throws(() => text({ headers: [['Transfer-Encoding', 'gzip']] }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
});

test('CustomResponder keeps given headers in order, and adds none with requiredHeaders off', (t) => {
  const response = text(
    {
      headers: new Hict([
        ['X-B', '2'],
        ['X-A', '1'],
      ]),
      body: Buffer.from('raw'),
    },
    exchange({}, { requiredHeaders: false }),
  );
  t.is(response, 'HTTP/1.1 200 OK\r\nX-B: 2\r\nX-A: 1\r\n\r\nraw');
});

test('CustomResponder refuses header injection, bad statuses and bad reasons', (t) => {
  t.is(t.throws(() => text({ headers: { 'X-Evil': 'a\r\nSet-Cookie: x' } }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => text({ headers: { 'Bad Name': 'v' } }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => text({ status: 99 }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => text({ status: 200.5 }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
  t.is(t.throws(() => text({ reason: 'OK\r\n' }), { instanceOf: HioError }).code, 'HIO_ERR_RESPONSE_STATE');
  t.true(text({ status: 599 }).startsWith('HTTP/1.1 599 Unknown\r\n'));
  t.is(reasonPhrase(418), "I'm a teapot");
});

test('CustomResponder#pour queues the whole message in one tx and is done at once', (t) => {
  const ex = exchange();
  const sent = ex.sent;
  t.true(new CustomResponder({ body: 'x' }).pour(ex));
  t.is(sent.length, 1);
  t.true(sent[0]!.toString().endsWith('\r\n\r\nx'));
});

test('HttpDate formats IMF-fixdate from the injected clock, once per second', (t) => {
  const clock = new ManualClock(0, Date.UTC(1994, 10, 6, 8, 49, 37));
  const date = new HttpDate(clock);
  t.is(date.now(), 'Sun, 06 Nov 1994 08:49:37 GMT');
  clock.advance(0.5);
  t.is(date.now(), 'Sun, 06 Nov 1994 08:49:37 GMT');
  clock.advance(0.5);
  t.is(date.now(), 'Sun, 06 Nov 1994 08:49:38 GMT');
});
