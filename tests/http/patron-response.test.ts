/**
 * PatronResponse: the fetch() Response that keeps its body as bytes (or in
 * its exchange) until read — standard in what callers see: instanceof
 * Response, each body read once, bodyUsed, clone(), a body stream on demand.
 */
import test from 'ava';
import { Hict } from '../../src/core/hict.js';
import { Exchange } from '../../src/http/exchange.js';
import { OutgoingRequest } from '../../src/http/outgoing-request.js';
import { PatronResponse } from '../../src/http/patron-response.js';

const init = (): ResponseInit => ({ status: 201, statusText: 'Made', headers: { 'content-type': 'application/json; charset=utf-8' } });
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts).toString();
}

test('PatronResponse is a Response with its url, redirected, status and headers', (t) => {
  const response = new PatronResponse({ bytes: bytes('{}') }, init(), 'http://x/y', true).asResponse();
  t.true(response instanceof Response);
  t.deepEqual([response.url, response.redirected, response.status, response.statusText, response.ok], ['http://x/y', true, 201, 'Made', true]);
  t.is(response.headers.get('content-type'), 'application/json; charset=utf-8');
});

test('PatronResponse answers each body method from its bytes, once: a second read is a TypeError', async (t) => {
  const text = '\uFEFF{"a":"é"}';
  const json = new PatronResponse({ bytes: bytes(text) }, init(), 'http://x/', false).asResponse();
  t.false(json.bodyUsed);
  t.deepEqual(await json.json(), { a: 'é' }, 'the BOM is dropped as text() does');
  t.true(json.bodyUsed);
  await t.throwsAsync(json.text(), { instanceOf: TypeError });
  const buffer = await new PatronResponse({ bytes: bytes('abc') }, init(), 'http://x/', false).asResponse().arrayBuffer();
  t.deepEqual([...new Uint8Array(buffer)], [97, 98, 99]);
  const blob = await new PatronResponse({ bytes: bytes('abc') }, init(), 'http://x/', false).asResponse().blob();
  t.is(blob.type, 'application/json; charset=utf-8');
  t.is(await blob.text(), 'abc');
  const form = await new PatronResponse({ bytes: bytes('a=1&b=two') }, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 'http://x/', false)
    .asResponse()
    .formData();
  t.is(form.get('b'), 'two');
  const empty = new PatronResponse(null, { status: 204 }, 'http://x/', false).asResponse();
  t.is(empty.body, null);
  t.is(await empty.text(), '');
});

test('PatronResponse#body streams the bytes on demand and counts as used once read; clone() keeps both readable', async (t) => {
  const response = new PatronResponse({ bytes: bytes('streamed') }, init(), 'http://x/', false).asResponse();
  const twin = response.clone();
  const body = response.body!;
  t.false(response.bodyUsed, 'handing out the stream is not reading it');
  t.is(await readAll(body), 'streamed');
  t.true(response.bodyUsed);
  t.throws(() => response.clone(), { instanceOf: TypeError });
  t.is(await twin.text(), 'streamed');
});

test('PatronResponse over an exchange reads the body as it arrives, and clone() tees it', async (t) => {
  const exchange = new Exchange(new OutgoingRequest({ url: 'http://x/' }, 1 << 20), () => {});
  exchange.markHeaded({ version: 'HTTP/1.1', status: 200, reason: 'OK', headers: new Hict(), chunked: true, persisted: true, length: -1 });
  const response = new PatronResponse({ exchange, signal: null }, { status: 200 }, 'http://x/', false).asResponse();
  const twin = response.clone();
  exchange.push([Buffer.from('one ')]);
  exchange.listener?.onProgress(exchange);
  const reading = Promise.all([response.text(), twin.text()]);
  exchange.push([Buffer.from('two')]);
  exchange.listener?.onProgress(exchange);
  exchange.markDone(new Hict());
  t.deepEqual(await reading, ['one two', 'one two']);
});

test('PatronResponse#clone of a clone of a streamed body reads the whole body three times', async (t) => {
  const exchange = new Exchange(new OutgoingRequest({ url: 'http://x/' }, 1 << 20), () => {});
  exchange.markHeaded({ version: 'HTTP/1.1', status: 200, reason: 'OK', headers: new Hict(), chunked: true, persisted: true, length: -1 });
  const response = new PatronResponse({ exchange, signal: null }, { status: 200 }, 'http://x/', false).asResponse();
  const second = response.clone();
  const third = second.clone();
  exchange.push([Buffer.from('all of it')]);
  exchange.markDone(new Hict());
  t.false(third.bodyUsed);
  t.deepEqual(await Promise.all([response.text(), second.text(), readAll(third.body!)]), ['all of it', 'all of it', 'all of it']);
  t.true(second.bodyUsed);
  t.true(third.bodyUsed, "reading a clone's body stream uses it");
});

test('PatronResponse is of type basic, and its body after text() is a used-up stream', async (t) => {
  const response = new PatronResponse({ bytes: bytes('once') }, init(), 'http://x/', false).asResponse();
  t.is(response.type, 'basic');
  t.is(await response.text(), 'once');
  t.true(response.body!.locked);
  t.true(response.bodyUsed);
});
