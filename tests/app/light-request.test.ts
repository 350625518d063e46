/**
 * The light Request a fetch handler receives: a real `Request` to whoever
 * reads it, made without the standard constructor until something needs it.
 */
import test from 'ava';
import { Hict } from '../../src/core/hict.js';
import { LightRequest } from '../../src/app/light-request.js';
import type { Request as HttpRequest } from '../../src/http/request.js';

function parsed(method: string, body: string, headers: Array<[string, string]> = []): HttpRequest {
  return {
    method,
    target: '/p?q=1',
    form: 'origin',
    scheme: '',
    authority: '',
    path: '/p',
    query: 'q=1',
    fragment: '',
    version: 'HTTP/1.1',
    headers: new Hict(headers),
    trailers: new Hict(),
    body: Buffer.from(body),
    chunked: false,
    persisted: true,
    expectContinue: false,
  };
}

const light = (source: HttpRequest): Request => new LightRequest(source, 'http://server/p?q=1') as unknown as Request;

test('LightRequest is a Request with the method, URL and headers of the parsed one', (t) => {
  const request = light(
    parsed('GET', '', [
      ['Accept', 'text/plain'],
      ['X-Two', 'a'],
      ['x-two', 'b'],
    ]),
  );
  t.true(request instanceof Request);
  t.is(request.method, 'GET');
  t.is(request.url, 'http://server/p?q=1');
  t.is(request.headers.get('accept'), 'text/plain');
  t.is(request.headers.get('x-two'), 'a, b');
  t.false(request.bodyUsed);
  t.is(request.duplex, 'half');
  t.is(request.mode, 'cors');
});

test('LightRequest reads its body once as text, JSON or bytes; a second read rejects', async (t) => {
  const text = light(parsed('POST', '{"a":1}'));
  t.deepEqual(await text.json(), { a: 1 });
  t.true(text.bodyUsed);
  await t.throwsAsync(text.text(), { instanceOf: TypeError });
  t.deepEqual(new Uint8Array(await light(parsed('PUT', 'hi')).arrayBuffer()), new Uint8Array([104, 105]));
  t.is(await light(parsed('POST', 'plain')).text(), 'plain');
  await t.throwsAsync(light(parsed('POST', '{bad')).json(), { instanceOf: SyntaxError });
});

test('LightRequest makes the standard Request for a stream body, a clone or form data', async (t) => {
  const streamed = light(parsed('POST', 'abc', [['Content-Type', 'application/x-www-form-urlencoded']]));
  const clone = streamed.clone();
  t.is(await clone.text(), 'abc');
  const reader = streamed.body!.getReader();
  const { value } = await reader.read();
  t.is(Buffer.from(value!).toString(), 'abc');
  const form = await light(parsed('POST', 'a=1&b=two', [['Content-Type', 'application/x-www-form-urlencoded']])).formData();
  t.is(form.get('b'), 'two');
  t.is(light(parsed('GET', '')).body, null);
});

test('LightRequest aborts its signal only once someone asked for it', (t) => {
  const source = parsed('GET', '');
  const quiet = new LightRequest(source, 'http://server/');
  quiet.abort(new Error('gone'));
  const watched = new LightRequest(source, 'http://server/');
  const signal = (watched as unknown as Request).signal;
  t.false(signal.aborted);
  watched.abort(new Error('gone'));
  t.true(signal.aborted);
  t.is((signal.reason as Error).message, 'gone');
});
