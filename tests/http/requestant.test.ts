/**
 * Requestant tests as data: raw bytes and the expected request (or error),
 * each case re-run with its bytes split at every possible point and fed
 * one byte at a time, so the result never depends on how reads were cut.
 */
import test from 'ava';
import { ByteQueue } from '../../src/core/byte-queue.js';
import { Requestant, type Progress } from '../../src/http/requestant.js';
import { resolveLenience, resolveLimits, type HttpLenience, type HttpLimits } from '../../src/http/limits.js';
import type { Request } from '../../src/http/request.js';
import type { HioErrorCode } from '../../src/core/errors.js';

interface Expected {
  readonly method?: string;
  readonly target?: string;
  readonly form?: Request['form'];
  readonly authority?: string;
  readonly path?: string;
  readonly query?: string;
  readonly fragment?: string;
  readonly version?: Request['version'];
  readonly headers?: Array<[string, string]>;
  readonly trailers?: Array<[string, string]>;
  readonly body?: string;
  readonly chunked?: boolean;
  readonly persisted?: boolean;
  readonly expectContinue?: boolean;
}

interface Case {
  readonly name: string;
  readonly raw: string;
  readonly request?: Expected;
  readonly error?: { readonly code: HioErrorCode; readonly status: number };
  /** Bytes left in the queue after the request (pipelined data). */
  readonly rest?: string;
  readonly limits?: Partial<HttpLimits>;
  readonly lenient?: Partial<HttpLenience>;
  /** The methods the server implements (default: any). */
  readonly methods?: string[];
}

const H = 'Host: localhost\r\n';

const cases: Case[] = [
  {
    name: 'a simple GET',
    raw: `GET / HTTP/1.1\r\n${H}\r\n`,
    request: {
      method: 'GET',
      target: '/',
      form: 'origin',
      path: '/',
      query: '',
      version: 'HTTP/1.1',
      headers: [['Host', 'localhost']],
      body: '',
      persisted: true,
      authority: 'localhost',
    },
  },
  {
    name: 'a GET followed by a pipelined request',
    raw: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n`,
    request: { path: '/a' },
    rest: 'GET /b HTTP/1.1\r\n',
  },
  {
    name: 'a POST with Content-Length',
    raw: `POST /submit?x=1&y=%2F HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhelloGET`,
    request: { method: 'POST', path: '/submit', query: 'x=1&y=%2F', body: 'hello', chunked: false },
    rest: 'GET',
  },
  {
    name: 'percent-escapes stay undecoded in path and query',
    raw: `GET /a%2Fb%3Fc?q=%3F HTTP/1.1\r\n${H}\r\n`,
    request: { path: '/a%2Fb%3Fc', query: 'q=%3F' },
  },
  {
    name: 'a chunked body with extensions and trailers',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;foo=bar\r\nhello\r\n6 ; q="a;b" ; z\r\n world\r\n000;done\r\nX-Sum: 1\r\nX-Other:  two \r\n\r\nNEXT`,
    request: {
      body: 'hello world',
      chunked: true,
      trailers: [
        ['X-Sum', '1'],
        ['X-Other', 'two'],
      ],
    },
    rest: 'NEXT',
  },
  {
    name: 'chunk sizes in either case with leading zeros',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: CHUNKED\r\n\r\n0000A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n`,
    request: { body: '0123456789abcdefghijk' },
  },
  { name: 'HTTP/1.0 without Host, not persistent', raw: 'GET / HTTP/1.0\r\n\r\n', request: { version: 'HTTP/1.0', persisted: false, authority: '' } },
  { name: 'HTTP/1.0 with keep-alive persists', raw: 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', request: { persisted: true } },
  { name: 'HTTP/1.1 with close in a Connection list', raw: `GET / HTTP/1.1\r\n${H}Connection: x-foo, CLOSE\r\n\r\n`, request: { persisted: false } },
  { name: 'a later HTTP/1.x minor is answered as 1.1', raw: `GET / HTTP/1.2\r\n${H}\r\n`, request: { version: 'HTTP/1.1' } },
  {
    name: 'absolute form, whose authority wins over Host',
    raw: 'GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other.example\r\n\r\n',
    request: { form: 'absolute', authority: 'example.com:8080', path: '/p', query: 'q' },
  },
  { name: 'absolute form with an empty path', raw: 'GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n', request: { path: '/' } },
  { name: 'asterisk form for OPTIONS', raw: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, request: { form: 'asterisk', path: '' } },
  {
    name: 'authority form for CONNECT',
    raw: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    request: { form: 'authority', authority: 'example.com:443' },
  },
  {
    name: 'Expect: 100-continue is reported',
    raw: `POST / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 2\r\n\r\nok`,
    request: { expectContinue: true, body: 'ok' },
  },
  { name: 'Expect is ignored in HTTP/1.0', raw: 'POST / HTTP/1.0\r\nExpect: x-teapot\r\nContent-Length: 2\r\n\r\nok', request: { expectContinue: false } },
  { name: 'empty lines before the request line are skipped', raw: `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, request: { method: 'GET' } },
  {
    name: 'duplicate fields are all kept, in order, with their case',
    raw: `GET / HTTP/1.1\r\n${H}X-A: 1\r\nx-a: 2\r\nX-Empty:\r\n\r\n`,
    request: {
      headers: [
        ['Host', 'localhost'],
        ['X-A', '1'],
        ['x-a', '2'],
        ['X-Empty', ''],
      ],
    },
  },
  {
    name: 'obs-text in a field value is kept',
    raw: `GET / HTTP/1.1\r\n${H}X-Latin: caf\u00e9\r\n\r\n`,
    request: {
      headers: [
        ['Host', 'localhost'],
        ['X-Latin', 'caf\u00e9'],
      ],
    },
  },
  { name: 'OWS around a Content-Length', raw: `POST / HTTP/1.1\r\n${H}Content-Length: \t5 \t\r\n\r\nhello`, request: { body: 'hello' } },
  {
    name: 'identical Content-Length values collapse',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc`,
    request: { body: 'abc' },
  },
  { name: 'an IPv6 Host', raw: 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n', request: { authority: '[::1]:8080' } },
  { name: 'an empty Host', raw: 'GET / HTTP/1.1\r\nHost:\r\n\r\n', request: { authority: '' } },
  { name: 'a custom method token', raw: `PURGE /x HTTP/1.1\r\n${H}\r\n`, request: { method: 'PURGE' } },
  {
    name: 'a fragment with the fragment tolerance',
    raw: `GET /p?q#frag HTTP/1.1\r\n${H}\r\n`,
    lenient: { fragment: true },
    request: { path: '/p', query: 'q', fragment: 'frag' },
  },
  { name: 'bare LF with the bareLf tolerance', raw: 'GET / HTTP/1.1\nHost: a\n\n', lenient: { bareLf: true }, request: { headers: [['Host', 'a']] } },
  {
    name: 'obs-fold with the obsFold tolerance',
    raw: `GET / HTTP/1.1\r\n${H}X-F: one\r\n  two\r\n\r\n`,
    lenient: { obsFold: true },
    request: {
      headers: [
        ['Host', 'localhost'],
        ['X-F', 'one two'],
      ],
    },
  },
  {
    name: 'the characters browsers send unencoded, accepted by default',
    raw: `GET /a|b^c[1]?page[size]=10&f={x}&g=\`h\`&i=\\ HTTP/1.1\r\n${H}\r\n`,
    request: { path: '/a|b^c[1]', query: 'page[size]=10&f={x}&g=`h`&i=\\' },
  },
  {
    name: 'browser characters refused with the strict set (browserChars off)',
    raw: `GET /?page[size]=10 HTTP/1.1\r\n${H}\r\n`,
    lenient: { browserChars: false },
    error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 },
  },
  { name: 'a double quote in the target (browsers encode it)', raw: `GET /?q="x" HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'angle brackets in the target (browsers encode them)', raw: `GET /?q=<b> HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'DEL in the target', raw: `GET /?q=\u007f HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  {
    name: 'a broken bracketed authority stays an error with browser characters',
    raw: `GET http://[broken/ HTTP/1.1\r\n${H}\r\n`,
    error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 },
  },
  {
    name: 'a method the server does not implement, without a body',
    raw: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    methods: ['GET'],
    error: { code: 'HIO_ERR_NOT_IMPLEMENTED', status: 501 },
  },
  {
    name: 'any visible target character with the targetChars tolerance',
    raw: `GET /a|b{c} HTTP/1.1\r\n${H}\r\n`,
    lenient: { targetChars: true },
    request: { path: '/a|b{c}' },
  },

  { name: 'a bare LF', raw: 'GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n', error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'obs-fold', raw: `GET / HTTP/1.1\r\n${H}X-F: one\r\n two\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  {
    name: 'a whitespace line right after the request line',
    raw: `POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\n${H}\r\n`,
    error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 },
  },
  { name: 'whitespace before a colon', raw: `GET / HTTP/1.1\r\n${H}X-Foo : bar\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a field line without a colon', raw: `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a non-token field name', raw: `GET / HTTP/1.1\r\n${H}X(Foo): bar\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a control character in a field value', raw: `GET / HTTP/1.1\r\n${H}X: a\u0000b\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a missing Host in HTTP/1.1', raw: 'GET / HTTP/1.1\r\n\r\n', error: { code: 'HIO_ERR_BAD_HOST', status: 400 } },
  { name: 'two Host fields', raw: `GET / HTTP/1.1\r\n${H}Host: other\r\n\r\n`, error: { code: 'HIO_ERR_BAD_HOST', status: 400 } },
  { name: 'a Host with userinfo', raw: 'GET / HTTP/1.1\r\nHost: user@localhost\r\n\r\n', error: { code: 'HIO_ERR_BAD_HOST', status: 400 } },
  { name: 'a Host with a bad port', raw: 'GET / HTTP/1.1\r\nHost: localhost:8o\r\n\r\n', error: { code: 'HIO_ERR_BAD_HOST', status: 400 } },
  {
    name: 'Content-Length with Transfer-Encoding',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 },
  },
  { name: 'chunked not last', raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 } },
  { name: 'a quoted coding', raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: "chunked"\r\n\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  {
    name: 'an unknown coding before chunked',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n`,
    error: { code: 'HIO_ERR_NOT_IMPLEMENTED', status: 501 },
  },
  { name: 'Transfer-Encoding in HTTP/1.0', raw: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  {
    name: 'conflicting Content-Length values',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
    error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 },
  },
  {
    name: 'a Content-Length with an exponent',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 5e0\r\n\r\nhello`,
    error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 },
  },
  { name: 'an empty Content-Length', raw: `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 } },
  {
    name: 'a huge Content-Length',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_LENGTH', status: 400 },
  },
  { name: 'HTTP/2.0', raw: `GET / HTTP/2.0\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_VERSION', status: 505 } },
  { name: 'a two-digit major version', raw: `GET / HTTP/11.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a letter for a version digit', raw: `GET / HTTP/1.x\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a missing version', raw: `GET /\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a double space in the request line', raw: `GET  / HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a trailing space after the version', raw: `GET / HTTP/1.1 \r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a method that is not a token', raw: `GE(T / HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a NUL in the target', raw: `GET /?\u0000 HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a raw UTF-8 byte in the target', raw: `GET /?q=\u00c3\u00a9 HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a malformed percent-escape', raw: `GET /%zz HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a fragment in strict mode', raw: `GET /#f HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'an authority-form target outside CONNECT', raw: `GET localhost:80 HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a target without a leading slash', raw: `GET index.html HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'a broken absolute-form authority', raw: `GET http://[broken/ HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  { name: 'the asterisk form outside OPTIONS', raw: `GET * HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
  {
    name: 'an unsupported expectation',
    raw: `POST / HTTP/1.1\r\n${H}Expect: x-teapot\r\nContent-Length: 0\r\n\r\n`,
    error: { code: 'HIO_ERR_EXPECTATION', status: 417 },
  },
  {
    name: 'a request line over the limit',
    raw: `GET /${'a'.repeat(40)} HTTP/1.1\r\n${H}\r\n`,
    limits: { maxRequestLineBytes: 32 },
    error: { code: 'HIO_ERR_LINE_TOO_LONG', status: 414 },
  },
  {
    name: 'too many header fields',
    raw: `GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n`,
    limits: { maxHeaders: 3 },
    error: { code: 'HIO_ERR_TOO_MANY_HEADERS', status: 431 },
  },
  {
    name: 'a header section over the limit',
    raw: `GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(64)}\r\n\r\n`,
    limits: { maxHeaderBytes: 48 },
    error: { code: 'HIO_ERR_HEADERS_TOO_LARGE', status: 431 },
  },
  {
    name: 'a declared body over the limit',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\n`,
    limits: { maxBodyBytes: 10 },
    error: { code: 'HIO_ERR_BODY_TOO_LARGE', status: 413 },
  },
  {
    name: 'a chunked body over the limit',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n`,
    limits: { maxBodyBytes: 10 },
    error: { code: 'HIO_ERR_BODY_TOO_LARGE', status: 413 },
  },
  {
    name: 'too many chunks',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\n`,
    limits: { maxChunks: 2 },
    error: { code: 'HIO_ERR_BODY_TOO_LARGE', status: 413 },
  },
  {
    name: 'a trailer section over the limit',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: ${'t'.repeat(80)}\r\n\r\n`,
    limits: { maxHeaderBytes: 64 },
    error: { code: 'HIO_ERR_HEADERS_TOO_LARGE', status: 431 },
  },
  {
    name: 'a chunk-size line over the limit',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(80)}\r\nhello\r\n0\r\n\r\n`,
    limits: { maxChunkLineBytes: 64 },
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'a non-hex chunk size',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5g\r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'whitespace after a chunk size',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'a chunk size line ending in a bare LF',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'a chunk size that overflows',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'chunk data longer than its size',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'an empty chunk extension name',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'a space inside a chunk extension name',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'an unterminated quoted chunk extension',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a="b\r\nhello\r\n0\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_CHUNK', status: 400 },
  },
  {
    name: 'a trailer line without a colon',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nNotAField\r\n\r\n`,
    error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 },
  },
  {
    name: 'a request line after the last chunk instead of trailers',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nGET / HTTP/1.1\r\n${H}\r\n`,
    error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 },
  },
  { name: 'too many empty lines before a request', raw: `\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, error: { code: 'HIO_ERR_BAD_REQUEST', status: 400 } },
];

interface Outcome {
  readonly progress: Progress;
  readonly request?: Request;
  readonly rest: string;
  readonly heads: number;
  readonly error?: { code: string; status: number };
}

/** Feeds the pieces one after another, parsing after each, until a request or an error. */
function run(testCase: Case, pieces: Buffer[]): Outcome {
  const queue = new ByteQueue();
  const requestant = new Requestant(queue, {
    limits: resolveLimits(testCase.limits),
    lenient: resolveLenience(testCase.lenient),
    ...(testCase.methods !== undefined && { methods: new Set(testCase.methods) }),
  });
  let heads = 0;
  for (const [index, piece] of pieces.entries()) {
    queue.push(piece);
    for (;;) {
      const progress = requestant.parse();
      if (progress === 'head') {
        heads += 1;
        continue;
      }
      if (progress === 'done') {
        // Bytes not fed yet belong to what follows the request, too.
        const rest = Buffer.concat([queue.peek(), ...pieces.slice(index + 1)]).toString('latin1');
        return { progress, request: requestant.take(), rest, heads };
      }
      if (progress === 'error') return { progress, rest: '', heads, error: { code: requestant.error!.code, status: requestant.error!.status } };
      break;
    }
  }
  return { progress: 'more', rest: queue.peek().toString('latin1'), heads };
}

function check(testCase: Case, outcome: Outcome): string | null {
  if (testCase.error !== undefined) {
    if (outcome.error === undefined) return `expected ${testCase.error.code}, got ${outcome.progress}`;
    if (outcome.error.code !== testCase.error.code || outcome.error.status !== testCase.error.status)
      return `expected ${testCase.error.code}/${testCase.error.status}, got ${outcome.error.code}/${outcome.error.status}`;
    return null;
  }
  const request = outcome.request;
  if (request === undefined) return `expected a request, got ${outcome.progress} ${JSON.stringify(outcome.error)}`;
  const expected = testCase.request ?? {};
  for (const [key, value] of Object.entries(expected)) {
    const actual =
      key === 'headers'
        ? request.headers.entries()
        : key === 'trailers'
          ? request.trailers.entries()
          : key === 'body'
            ? request.body.toString('latin1')
            : request[key as keyof Request];
    if (JSON.stringify(actual) !== JSON.stringify(value)) return `${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual)}`;
  }
  if (outcome.rest !== (testCase.rest ?? '')) return `rest: expected ${JSON.stringify(testCase.rest ?? '')}, got ${JSON.stringify(outcome.rest)}`;
  return null;
}

for (const testCase of cases) {
  test(`Requestant ${testCase.error === undefined ? 'parses' : 'rejects'} ${testCase.name}, whatever the split`, (t) => {
    const bytes = Buffer.from(testCase.raw, 'latin1');
    const whole = run(testCase, [bytes]);
    t.is(check(testCase, whole), null, 'in one piece');
    for (let split = 1; split < bytes.length; split++) {
      const outcome = run(testCase, [bytes.subarray(0, split), bytes.subarray(split)]);
      const problem = check(testCase, outcome);
      if (problem !== null) t.fail(`split at ${split}: ${problem}`);
    }
    const bytewise = run(
      testCase,
      [...bytes].map((byte) => Buffer.from([byte])),
    );
    t.is(check(testCase, bytewise), null, 'byte by byte');
  });
}

test('Requestant reports the head before the body arrives, then the body', (t) => {
  const queue = new ByteQueue();
  const requestant = new Requestant(queue);
  queue.push(Buffer.from(`POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 4\r\n\r\n`));
  t.is(requestant.parse(), 'head');
  t.true(requestant.expectContinue);
  t.is(requestant.declaredLength, 4);
  t.is(requestant.method, 'POST');
  t.is(requestant.minor, 1);
  t.is(requestant.parse(), 'more');
  queue.push(Buffer.from('da'));
  t.is(requestant.parse(), 'more');
  t.is(requestant.bodyReceived, 2);
  queue.push(Buffer.from('ta'));
  t.is(requestant.parse(), 'done');
  t.is(requestant.take().body.toString(), 'data');
  t.false(requestant.started);
});

test('Requestant#end turns an incomplete request into a premature-close error, and a clean end into nothing', (t) => {
  const queue = new ByteQueue();
  const requestant = new Requestant(queue);
  t.false(requestant.end());
  queue.push(Buffer.from('GET / HTTP/1.1\r\nHost: a'));
  t.is(requestant.parse(), 'more');
  t.true(requestant.started);
  t.true(requestant.readingHead);
  t.true(requestant.end());
  t.is(requestant.error?.code, 'HIO_ERR_PREMATURE_CLOSE');
  t.is(requestant.error?.status, 400);
  t.is(requestant.parse(), 'error');
  t.throws(() => requestant.take());
});

test('Requestant parses pipelined requests one after another from one queue', (t) => {
  const queue = new ByteQueue();
  const requestant = new Requestant(queue);
  queue.push(Buffer.from(`GET /1 HTTP/1.1\r\n${H}\r\nPOST /2 HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n${H}\r\n`));
  const paths: string[] = [];
  for (;;) {
    const progress = requestant.parse();
    if (progress === 'head') continue;
    if (progress !== 'done') break;
    paths.push(requestant.take().path);
  }
  t.deepEqual(paths, ['/1', '/2', '/3']);
  t.is(queue.length, 0);
});

test('Requestant takes more than maxChunks chunks when they average a KiB or more, and refuses a flood of small ones', (t) => {
  const parse = (chunk: number, count: number): Progress => {
    const queue = new ByteQueue();
    const requestant = new Requestant(queue, { limits: resolveLimits({ maxChunks: 4 }) });
    const piece = `${chunk.toString(16)}\r\n${'x'.repeat(chunk)}\r\n`;
    queue.push(Buffer.from(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${piece.repeat(count)}0\r\n\r\n`));
    t.is(requestant.parse(), 'head');
    return requestant.parse();
  };
  t.is(parse(1024, 20), 'done');
  t.is(parse(1000, 20), 'error');
  t.is(parse(8, 4), 'done');
});

test('Requestant#takeHead hands the request over before its body, and feeds the body to its stream as it is parsed', async (t) => {
  const queue = new ByteQueue();
  const requestant = new Requestant(queue);
  queue.push(Buffer.from(`POST /up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`));
  t.is(requestant.parse(), 'head');
  t.is(requestant.parse(), 'more');
  let notified = 0;
  const request = requestant.takeHead(() => (notified += 1));
  t.throws(() => requestant.takeHead(), { message: /no request head/ });
  const stream = request.bodyStream!;
  t.is(request.body.length, 0);
  t.is(stream.buffered, 3);
  t.is(requestant.held, requestant.received, 'the head and the three bytes not yet taken');
  queue.push(Buffer.from('2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n'));
  t.is(requestant.parse(), 'done');
  t.is(requestant.take(), request);
  t.true(stream.ended);
  t.is(request.trailers.get('x-sum'), '5');
  t.is((await stream.bytes()).toString(), 'abcde');
  t.is(notified, 1, 'told once, when the body was first wanted');
  t.is(requestant.stream, null);
});
