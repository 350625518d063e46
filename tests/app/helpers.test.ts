/**
 * Response helpers and cookies for fetch handlers: json, redirect,
 * responsify, abort (answered with its status, not counted as a fault), and
 * cookies that refuse anything that could inject an attribute.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { AppServer } from '../../src/app/app-server.js';
import { deleteCookie, getCookies, serializeCookie, setCookie, unsetCookie } from '../../src/app/cookies.js';
import { abort, HttpAbort, json, jsonify, redirect, responsify, setError } from '../../src/app/helpers.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld } from '../helpers/http-client.js';

test('json, redirect and responsify make the Responses they say', async (t) => {
  const made = json({ a: 1 }, { status: 201 });
  t.is(made.status, 201);
  t.is(made.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(await made.text(), '{"a":1}');
  t.is(json(undefined).headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(json({}, { headers: { 'content-type': 'application/problem+json' } }).headers.get('content-type'), 'application/problem+json');
  const moved = redirect('/next', 303);
  t.is(moved.status, 303);
  t.is(moved.headers.get('location'), '/next');
  t.is(redirect(new URL('http://example/a')).status, 302);
  t.is(t.throws(() => redirect('/x', 200 as 302), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => redirect('/x\r\nSet-Cookie: a=b'), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  const same = new Response('x');
  t.is(responsify(same), same);
  t.is(responsify(null).status, 204);
  t.is(await responsify('text').text(), 'text');
  t.is(responsify(new Uint8Array([1])).headers.get('content-type'), 'application/octet-stream');
  t.deepEqual(await responsify({ b: [2] }).json(), { b: [2] });
});

test('abort answers with its status, message and headers, and is no fault', async (t) => {
  t.is(t.throws(() => abort(200), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  const thrown = t.throws(() => abort(404), { instanceOf: HttpAbort });
  t.is(thrown?.status, 404);
  const world = httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({
      ...shared,
      fetch: async (request) => {
        if (request.url.endsWith('/later')) {
          await Promise.resolve();
          abort(401, 'sign in first', { 'www-authenticate': 'Basic' });
        }
        return abort(403);
      },
    });
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /now HTTP/1.1\r\nHost: server\r\n\r\nGET /later HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  t.deepEqual(
    reader.responses.map((response) => [response.status, response.body.toString(), header(response, 'www-authenticate') ?? null]),
    [
      [403, '403\n', null],
      [401, 'sign in first\n', 'Basic'],
    ],
  );
  t.is(world.server.faults, 0);
  t.false(client.cutoff);
});

test('Cookies are set with their attributes, deleted, and read back', (t) => {
  const headers = new Headers();
  setCookie(headers, 'session', 'abc123', {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'None',
    maxAge: 3600.7,
    partitioned: true,
    domain: 'example.com',
  });
  deleteCookie(headers, 'old', { path: '/' });
  t.deepEqual(headers.getSetCookie(), [
    'session=abc123; Max-Age=3600; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=None; Partitioned',
    'old=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/',
  ]);
  t.is(serializeCookie('a', '"quoted"', { expires: new Date(Date.UTC(2030, 0, 1)) }), 'a="quoted"; Expires=Tue, 01 Jan 2030 00:00:00 GMT');
  const request = new Request('http://x/', { headers: { cookie: 'a=1; b="two"; a=ignored; bad name=3; novalue; c=' } });
  t.deepEqual({ ...getCookies(request) }, { a: '1', b: 'two', c: '' });
  t.deepEqual({ ...getCookies(new Headers()) }, {});
});

test('Cookies refuse names, values, paths and domains that could inject attributes', (t) => {
  const refused = (name: string, value: string, options = {}): string | undefined =>
    t.throws(() => serializeCookie(name, value, options), { instanceOf: HioError })?.code;
  t.is(refused('a;b', 'v'), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v; Domain=evil.example'), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v\r\nSet-Cookie: x=y'), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { path: '/; Domain=evil.example' }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { domain: 'evil.example; Secure' }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { sameSite: 'None' }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { sameSite: 'Loose' }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { partitioned: true }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { maxAge: Infinity }), 'HIO_ERR_INVALID_OPTION');
  t.is(refused('a', 'v', { expires: new Date(Number.NaN) }), 'HIO_ERR_INVALID_OPTION');
});

test('setError returns the response abort would answer; jsonify and unsetCookie are json and deleteCookie', async (t) => {
  const error = setError(404, 'no such page', { 'x-why': 'gone' });
  t.is(error.status, 404);
  t.is(await error.text(), 'no such page\n');
  t.is(error.headers.get('content-type'), 'text/plain; charset=utf-8');
  t.is(error.headers.get('x-why'), 'gone');
  t.is(await setError(503).text(), '503\n');
  t.throws(() => setError(200), { instanceOf: HioError });
  t.is(jsonify, json);
  t.is(unsetCookie, deleteCookie);
});
