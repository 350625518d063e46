/**
 * Respondent tests as data: raw bytes, the methods of the requests they
 * answer, and the expected responses (or error), each case re-run with its
 * bytes split at every possible point and fed one byte at a time, so the
 * result never depends on how reads were cut.
 */
import test from 'ava';
import { ByteQueue } from '../../src/core/byte-queue.js';
import { HttpParseError, type HioErrorCode } from '../../src/core/errors.js';
import { resolveLenience, resolveLimits, type HttpLenience, type HttpLimits } from '../../src/http/limits.js';
import { Respondent, type ParsedResponse } from '../../src/http/respondent.js';

interface Expected {
  readonly status?: number;
  readonly reason?: string;
  readonly version?: ParsedResponse['version'];
  readonly method?: string;
  readonly headers?: Array<[string, string]>;
  readonly trailers?: Array<[string, string]>;
  readonly body?: string;
  readonly chunked?: boolean;
  readonly persisted?: boolean;
  readonly switched?: boolean;
}

interface Case {
  readonly name: string;
  readonly raw: string;
  /** The methods of the requests answered, in order (default: none told, read as GET). */
  readonly methods?: string[];
  /** The responses expected, interim ones included, in order. */
  readonly responses?: Expected[];
  /** The error expected after those responses. */
  readonly error?: HioErrorCode;
  /** The peer closes after the last byte: end() is called. */
  readonly end?: boolean;
  /** Bytes left in the queue after the responses (the next, incomplete one; a tunnel's). */
  readonly rest?: string;
  readonly limits?: Partial<HttpLimits>;
  readonly lenient?: Partial<HttpLenience>;
}

const D = 'Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n';

const cases: Case[] = [
  {
    name: 'a body of its Content-Length',
    raw: `HTTP/1.1 200 OK\r\n${D}Content-Length: 5\r\n\r\nhello`,
    responses: [
      {
        status: 200,
        reason: 'OK',
        version: 'HTTP/1.1',
        method: 'GET',
        headers: [
          ['Date', 'Thu, 01 Jan 2026 00:00:00 GMT'],
          ['Content-Length', '5'],
        ],
        body: 'hello',
        chunked: false,
        persisted: true,
        switched: false,
      },
    ],
  },
  {
    name: 'pipelined responses, the next one left incomplete',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 2',
    responses: [
      { status: 200, body: 'a' },
      { status: 404, reason: 'Not Found', body: 'no' },
    ],
    rest: 'HTTP/1.1 2',
  },
  {
    name: 'a chunked body with extensions and trailers',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6 ; q="x;y"\r\n world\r\n0\r\nX-Sum: 11\r\nX-Other:  two \r\n\r\n',
    responses: [
      {
        body: 'hello world',
        chunked: true,
        trailers: [
          ['X-Sum', '11'],
          ['X-Other', 'two'],
        ],
      },
    ],
  },
  {
    name: 'a chunked body without trailers followed by another response',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    responses: [{ body: 'abc', trailers: [] }, { status: 204 }],
  },
  {
    name: 'an answer to HEAD, which has no body whatever its Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
    methods: ['HEAD', 'GET'],
    responses: [
      { method: 'HEAD', body: '', persisted: true },
      { method: 'GET', body: 'abc' },
    ],
  },
  {
    name: 'an answer to HEAD announcing a chunked body',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
    methods: ['HEAD'],
    responses: [{ body: '', chunked: false }],
  },
  {
    name: 'a 204 without a body',
    raw: 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    methods: ['DELETE', 'GET'],
    responses: [
      { status: 204, body: '' },
      { status: 200, body: '' },
    ],
  },
  {
    name: 'a 304 with the Content-Length a 200 would have had',
    raw: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\nETag: "x"\r\n\r\n',
    responses: [{ status: 304, body: '' }],
  },
  {
    name: 'a 100 Continue, then the final response',
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    methods: ['POST'],
    responses: [
      { status: 100, reason: 'Continue', method: 'POST', body: '' },
      { status: 201, method: 'POST', body: 'ok' },
    ],
  },
  {
    name: 'two interim responses with fields, then the final one, then the next request’s',
    raw: 'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
    methods: ['GET', 'HEAD'],
    responses: [
      { status: 102, method: 'GET' },
      { status: 103, headers: [['Link', '</s.css>; rel=preload']] },
      { status: 200, method: 'GET' },
      { status: 200, method: 'HEAD' },
    ],
  },
  {
    name: 'a body read until the peer closes',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this, until the end',
    end: true,
    responses: [{ body: 'all of this, until the end', persisted: false, chunked: false }],
  },
  {
    name: 'an empty body read until the peer closes',
    raw: 'HTTP/1.0 200 OK\r\n\r\n',
    end: true,
    responses: [{ version: 'HTTP/1.0', body: '', persisted: false }],
  },
  { name: 'a body read until close, the close not yet come', raw: 'HTTP/1.1 200 OK\r\n\r\npartial', responses: [] },
  {
    name: 'a 2xx answer to CONNECT, after which the bytes are the tunnel’s',
    raw: 'HTTP/1.1 200 Connection Established\r\n\r\n\u0016\u0003\u0001 tunnel bytes',
    methods: ['CONNECT'],
    responses: [{ status: 200, method: 'CONNECT', switched: true, persisted: false, body: '' }],
    rest: '\u0016\u0003\u0001 tunnel bytes',
  },
  {
    name: 'a refused CONNECT, which is an ordinary response',
    raw: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno',
    methods: ['CONNECT'],
    responses: [{ status: 403, switched: false, body: 'no' }],
  },
  {
    name: '101 Switching Protocols, after which the bytes are the new protocol’s',
    raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0005hello',
    responses: [{ status: 101, switched: true, body: '' }],
    rest: '\u0081\u0005hello',
  },
  {
    name: 'HTTP/1.0 with a Content-Length, not persistent',
    raw: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    responses: [{ version: 'HTTP/1.0', persisted: false, body: 'hi' }],
  },
  {
    name: 'HTTP/1.0 with keep-alive persists',
    raw: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi',
    responses: [{ persisted: true }],
  },
  {
    name: 'HTTP/1.1 with Connection: close',
    raw: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi',
    responses: [{ persisted: false, body: 'hi' }],
  },
  { name: 'a later HTTP/1.x minor reads as 1.1', raw: 'HTTP/1.7 200 OK\r\nContent-Length: 0\r\n\r\n', responses: [{ version: 'HTTP/1.1' }] },
  { name: 'an empty reason phrase', raw: 'HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n', responses: [{ status: 599, reason: '' }] },
  {
    name: 'a reason phrase with spaces, tabs and obs-text',
    raw: 'HTTP/1.1 200 Tout\tva tr\u00e8s bien\r\nContent-Length: 0\r\n\r\n',
    responses: [{ reason: 'Tout\tva tr\u00e8s bien' }],
  },
  {
    name: 'identical Content-Length values collapse',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc',
    responses: [{ body: 'abc' }],
  },
  {
    name: 'bare LF with the bareLf tolerance',
    raw: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nhi',
    lenient: { bareLf: true },
    responses: [{ body: 'hi' }],
  },
  {
    name: 'obs-fold with the obsFold tolerance',
    raw: 'HTTP/1.1 200 OK\r\nX-F: one\r\n two\r\nContent-Length: 0\r\n\r\n',
    lenient: { obsFold: true },
    responses: [
      {
        headers: [
          ['X-F', 'one two'],
          ['Content-Length', '0'],
        ],
      },
    ],
  },
  { name: 'a clean close between responses', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', end: true, responses: [{ status: 200 }] },

  { name: 'a status line without a reason’s space', raw: 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a lower-case protocol name', raw: 'http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a request line instead of a status line', raw: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a two-digit status code', raw: 'HTTP/1.1 20 OK\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a letter in the status code', raw: 'HTTP/1.1 2x0 OK\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a status code over 599', raw: 'HTTP/1.1 600 Odd\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a status code under 100', raw: 'HTTP/1.1 099 Odd\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a letter for a version digit', raw: 'HTTP/1.x 200 OK\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'HTTP/2.0', raw: 'HTTP/2.0 200 OK\r\n\r\n', error: 'HIO_ERR_BAD_VERSION' },
  { name: 'a control character in the reason phrase', raw: 'HTTP/1.1 200 O\u0001K\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'an empty line before the status line', raw: '\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a bare LF', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a bare LF ending the status line', raw: 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'obs-fold', raw: 'HTTP/1.1 200 OK\r\nX-F: one\r\n two\r\nContent-Length: 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'whitespace before a colon', raw: 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a field line without a colon', raw: 'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  {
    name: 'Content-Length with Transfer-Encoding',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    error: 'HIO_ERR_BAD_LENGTH',
  },
  {
    name: 'Content-Length with Transfer-Encoding in an answer to HEAD',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    methods: ['HEAD'],
    error: 'HIO_ERR_BAD_LENGTH',
  },
  {
    name: 'conflicting Content-Length values',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    error: 'HIO_ERR_BAD_LENGTH',
  },
  { name: 'a negative Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', error: 'HIO_ERR_BAD_LENGTH' },
  { name: 'Transfer-Encoding in HTTP/1.0', raw: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a coding other than chunked', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', error: 'HIO_ERR_NOT_IMPLEMENTED' },
  {
    name: 'a coding after chunked',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
    error: 'HIO_ERR_NOT_IMPLEMENTED',
  },
  { name: 'chunked twice', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', error: 'HIO_ERR_BAD_LENGTH' },
  { name: 'a quoted coding', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: "chunked"\r\n\r\n', error: 'HIO_ERR_BAD_RESPONSE' },
  { name: 'a non-hex chunk size', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\nhello\r\n0\r\n\r\n', error: 'HIO_ERR_BAD_CHUNK' },
  { name: 'a negative chunk size', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n', error: 'HIO_ERR_BAD_CHUNK' },
  {
    name: 'a chunk size that overflows',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000\r\n',
    error: 'HIO_ERR_BAD_CHUNK',
  },
  {
    name: 'chunk data longer than its size',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n',
    error: 'HIO_ERR_BAD_CHUNK',
  },
  {
    name: 'chunk data followed by something other than CRLF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX0\r\n\r\n',
    error: 'HIO_ERR_BAD_CHUNK',
  },
  {
    name: 'a chunk-size line ending in a bare LF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n',
    lenient: { bareLf: true },
    error: 'HIO_ERR_BAD_CHUNK',
  },
  {
    name: 'a trailer line ending in a bare LF, even with the bareLf tolerance',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\n\r\n',
    lenient: { bareLf: true },
    error: 'HIO_ERR_BAD_CHUNK',
  },
  {
    name: 'a trailer line without a colon',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nNotAField\r\n\r\n',
    error: 'HIO_ERR_BAD_RESPONSE',
  },
  {
    name: 'a status line over the limit',
    raw: `HTTP/1.1 200 ${'O'.repeat(40)}\r\n\r\n`,
    limits: { maxRequestLineBytes: 32 },
    error: 'HIO_ERR_LINE_TOO_LONG',
  },
  {
    name: 'too many header fields',
    raw: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    limits: { maxHeaders: 2 },
    error: 'HIO_ERR_TOO_MANY_HEADERS',
  },
  {
    name: 'a header section over the limit',
    raw: `HTTP/1.1 200 OK\r\nX: ${'v'.repeat(64)}\r\n\r\n`,
    limits: { maxHeaderBytes: 48 },
    error: 'HIO_ERR_HEADERS_TOO_LARGE',
  },
  {
    name: 'too many trailer fields',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    limits: { maxHeaders: 2 },
    error: 'HIO_ERR_TOO_MANY_HEADERS',
  },
  {
    name: 'a declared body over the limit',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n',
    limits: { maxBodyBytes: 10 },
    error: 'HIO_ERR_BODY_TOO_LARGE',
  },
  {
    name: 'a chunked body over the limit',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n',
    limits: { maxBodyBytes: 10 },
    error: 'HIO_ERR_BODY_TOO_LARGE',
  },
  {
    name: 'a body read until close over the limit',
    raw: `HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(11)}`,
    limits: { maxBodyBytes: 10 },
    error: 'HIO_ERR_BODY_TOO_LARGE',
  },
  { name: 'a close inside a head', raw: 'HTTP/1.1 200 OK\r\nContent-Le', end: true, error: 'HIO_ERR_PREMATURE_CLOSE' },
  { name: 'a close inside a fixed-length body', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', end: true, error: 'HIO_ERR_PREMATURE_CLOSE' },
  {
    name: 'a close inside a chunked body',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    end: true,
    error: 'HIO_ERR_PREMATURE_CLOSE',
  },
  {
    name: 'a close after a complete response, inside the next',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1',
    end: true,
    responses: [{ status: 200 }],
    error: 'HIO_ERR_PREMATURE_CLOSE',
  },
];

interface Outcome {
  readonly responses: ParsedResponse[];
  readonly error?: HioErrorCode;
  readonly rest: string;
}

/** Feeds the pieces one after another, parsing and taking responses after each, then ends when the case says so. */
function run(testCase: Case, pieces: Buffer[]): Outcome {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue, { limits: resolveLimits(testCase.limits), lenient: resolveLenience(testCase.lenient) });
  // The table's requests all asked for 100 Continue, so a 100 is taken like any interim response.
  for (const method of testCase.methods ?? []) respondent.expect(method, true);
  const responses: ParsedResponse[] = [];
  const drain = (): HioErrorCode | undefined => {
    for (;;) {
      const progress = respondent.parse();
      if (progress === 'head') continue;
      if (progress === 'done') responses.push(respondent.take());
      else if (progress === 'error') return respondent.error!.code;
      else return undefined;
    }
  };
  for (const piece of pieces) {
    queue.push(piece);
    const error = drain();
    if (error !== undefined) return { responses, error, rest: '' };
  }
  if (testCase.end === true) {
    respondent.end();
    const error = drain();
    if (error !== undefined) return { responses, error, rest: '' };
  }
  return { responses, rest: queue.peek().toString('latin1') };
}

function check(testCase: Case, outcome: Outcome): string | null {
  if (outcome.error !== testCase.error) return `expected ${testCase.error ?? 'no error'}, got ${outcome.error ?? 'no error'}`;
  const expected = testCase.responses ?? [];
  if (outcome.responses.length !== expected.length) return `expected ${expected.length} responses, got ${outcome.responses.length}`;
  for (const [index, fields] of expected.entries()) {
    const response = outcome.responses[index]!;
    for (const [key, value] of Object.entries(fields)) {
      const actual =
        key === 'headers'
          ? response.headers.entries()
          : key === 'trailers'
            ? response.trailers.entries()
            : key === 'body'
              ? response.body.toString('latin1')
              : response[key as keyof ParsedResponse];
      if (JSON.stringify(actual) !== JSON.stringify(value)) return `response ${index} ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual)}`;
    }
  }
  if (testCase.error === undefined && outcome.rest !== (testCase.rest ?? '')) {
    return `rest: expected ${JSON.stringify(testCase.rest ?? '')}, got ${JSON.stringify(outcome.rest)}`;
  }
  return null;
}

for (const testCase of cases) {
  test(`Respondent ${testCase.error === undefined ? 'parses' : 'rejects'} ${testCase.name}, whatever the split`, (t) => {
    const bytes = Buffer.from(testCase.raw, 'latin1');
    t.is(check(testCase, run(testCase, [bytes])), null, 'in one piece');
    for (let split = 1; split < bytes.length; split++) {
      const problem = check(testCase, run(testCase, [bytes.subarray(0, split), bytes.subarray(split)]));
      if (problem !== null) t.fail(`split at ${split}: ${problem}`);
    }
    const bytewise = run(
      testCase,
      [...bytes].map((byte) => Buffer.from([byte])),
    );
    t.is(check(testCase, bytewise), null, 'byte by byte');
  });
}

test('Respondent reports the head before the body arrives, then the body', (t) => {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue);
  respondent.expect('GET');
  t.is(respondent.outstanding, 1);
  t.false(respondent.started);
  queue.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n'));
  t.true(respondent.started);
  t.is(respondent.parse(), 'head');
  t.is(respondent.status, 200);
  t.true(respondent.readingBody);
  t.is(respondent.parse(), 'more');
  queue.push(Buffer.from('da'));
  t.is(respondent.parse(), 'more');
  t.is(respondent.received, 38 + 2);
  queue.push(Buffer.from('ta'));
  t.is(respondent.parse(), 'done');
  t.false(respondent.readingBody);
  t.is(respondent.take().body.toString(), 'data');
  t.is(respondent.outstanding, 0);
  t.false(respondent.started);
  t.is(respondent.status, 0);
});

test('Respondent#take throws without a complete response', (t) => {
  const respondent = new Respondent(new ByteQueue());
  t.is(respondent.parse(), 'more');
  t.throws(() => respondent.take(), { instanceOf: HttpParseError });
});

test('Respondent parses nothing after a switched response, leaving the bytes to their new owner', (t) => {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue);
  respondent.expect('CONNECT');
  respondent.expect('GET');
  queue.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.is(respondent.parse(), 'done');
  t.true(respondent.take().switched);
  t.false(respondent.started);
  t.is(respondent.parse(), 'more');
  respondent.end();
  t.is(respondent.parse(), 'more');
  t.is(queue.length, 38);
  t.is(respondent.outstanding, 1);
});

test('Respondent#fail turns the current response into an error', (t) => {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue);
  queue.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  t.is(respondent.parse(), 'more');
  respondent.fail(new HttpParseError('HIO_ERR_HEADER_TIMEOUT', 408, 'too slow'));
  t.is(respondent.parse(), 'error');
  t.is(respondent.error?.code, 'HIO_ERR_HEADER_TIMEOUT');
  t.true(respondent.started);
});

test('Respondent reads a response with no request told as the answer to a GET; a close between responses is clean', (t) => {
  const queue = new ByteQueue();
  const respondent = new Respondent(queue);
  queue.push(Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  t.is(respondent.parse(), 'done');
  const response = respondent.take();
  t.is(response.method, 'GET');
  t.false(response.persisted);
  t.is(respondent.outstanding, 0);
  respondent.end();
  t.is(respondent.parse(), 'more');
  t.is(respondent.error, null);
});

test('Respondent skips a 100 Continue that answers a request without Expect, and reports one that answers a request with it', (t) => {
  const raw =
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
  const queue = new ByteQueue();
  queue.push(Buffer.from(raw, 'latin1'));
  const respondent = new Respondent(queue);
  respondent.expect('POST');
  respondent.expect('PUT', true);
  const statuses: number[] = [];
  for (let progress = respondent.parse(); progress !== 'more'; progress = respondent.parse()) {
    if (progress === 'done') statuses.push(respondent.take().status);
  }
  t.deepEqual(statuses, [200, 100, 201]);
});
