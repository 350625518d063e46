/**
 * File answers in the simulated network, each case run twice: through a
 * fetch handler calling sendFile, and through a BareServer's FileResponder.
 * Content types, downloads, validators and conditional requests, byte
 * ranges and multipart bodies, precompressed siblings, compression on the
 * fly, and the errors.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import test from 'ava';
import { parse as parseDisposition } from 'content-disposition';
import { sendFile } from '../../src/app/file-response.js';
import { FileResponder } from '../../src/app/file-responder.js';
import { HioError } from '../../src/core/errors.js';
import { Hict } from '../../src/core/hict.js';
import type { Request as HttpRequest } from '../../src/http/request.js';
import { ask, fileWorld, KINDS, parseMultipart, type FileOptions } from '../helpers/file-world.js';
import { header, type Response } from '../helpers/http-client.js';
import { MapFileSource, MTIME } from '../helpers/map-files.js';

const LAST_MODIFIED = 'Sun, 01 Jun 2025 12:30:15 GMT';
/** 26 bytes, so ranges are easy to read. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const ETAG = `W/"${ALPHABET.length.toString(16)}-${Math.floor(MTIME).toString(16)}"`;

function site(): MapFileSource {
  return new MapFileSource()
    .set('/a.txt', ALPHABET)
    .set('/index.html', '<!doctype html><p>hi</p>')
    .set('/data.json', '{"a":1}')
    .set('/pixel.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    .set('/README', 'no extension')
    .set('/empty.txt', '')
    .set('/docs/guide.txt', 'guide');
}

const text = (response: Response): string => response.body.toString('latin1');

for (const kind of KINDS) {
  test(`${kind}: a file answers 200 with its bytes, its type from the extension (charset on text only), validators and Accept-Ranges`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source);
    const answer = await ask(world, '/a.txt');
    t.is(answer.status, 200);
    t.is(text(answer), ALPHABET);
    t.is(header(answer, 'content-type'), 'text/plain; charset=utf-8');
    t.is(header(answer, 'content-length'), '26');
    t.is(header(answer, 'etag'), ETAG);
    t.is(header(answer, 'last-modified'), LAST_MODIFIED);
    t.is(header(answer, 'accept-ranges'), 'bytes');
    t.is(header(answer, 'vary'), undefined);
    t.is(header(answer, 'cache-control'), undefined);
    t.is(header(answer, 'content-disposition'), undefined);
    const types = await Promise.all(['/index.html', '/data.json', '/pixel.png', '/README'].map((path) => ask(world, path)));
    t.deepEqual(
      types.map((response) => header(response, 'content-type')),
      ['text/html; charset=utf-8', 'application/json; charset=utf-8', 'image/png', 'application/octet-stream'],
    );
    t.deepEqual([...types[2]!.body], [0x89, 0x50, 0x4e, 0x47]);
    t.is(source.held, 0, 'every reader closed');
  });

  test(`${kind}: contentType, attachment, maxAge, immutable and extra headers`, async (t) => {
    const source = site().set('/files/résumé €.txt', 'cv');
    const options: FileOptions = {
      contentType: 'text/x-custom',
      attachment: true,
      maxAge: 3600.7,
      immutable: true,
      headers: { 'X-Served-By': 'hio', 'Cache-Control': 'no-store' },
    };
    const world = fileWorld(kind, source, options);
    const answer = await ask(world, '/files/r%C3%A9sum%C3%A9%20%E2%82%AC.txt');
    t.is(answer.status, 200);
    t.is(header(answer, 'content-type'), 'text/x-custom');
    const disposition = header(answer, 'content-disposition')!;
    t.true(disposition.includes(`filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt`), disposition);
    const parsed = parseDisposition(disposition);
    t.is(parsed.type, 'attachment');
    t.is(parsed.parameters['filename'], 'résumé €.txt');
    // The extra Cache-Control replaces the one from maxAge; other fields are added.
    t.deepEqual(
      answer.headers.filter(([name]) => name.toLowerCase() === 'cache-control').map(([, value]) => value),
      ['no-store'],
    );
    t.is(header(answer, 'x-served-by'), 'hio');
    const cached = fileWorld(kind, source, { maxAge: 60, immutable: true, attachment: 'report.txt' });
    const second = await ask(cached, '/a.txt');
    t.is(header(second, 'cache-control'), 'max-age=60, immutable');
    t.is(header(second, 'content-disposition'), 'attachment; filename=report.txt');
    const plain = await ask(fileWorld(kind, source, { maxAge: 0 }), '/a.txt');
    t.is(header(plain, 'cache-control'), 'max-age=0');
  });

  test(`${kind}: missing, directory, denied, failing and non-GET answers are short fixed texts without the path`, async (t) => {
    const source = site();
    source.failures.set('/secret.txt', 'denied');
    source.failures.set('/broken.txt', 'io');
    const world = fileWorld(kind, source);
    const cases: Array<[string, string, number, string]> = [
      ['GET', '/missing.txt', 404, 'Not Found\n'],
      ['GET', '/docs', 404, 'Not Found\n'],
      ['HEAD', '/docs', 404, ''],
      ['GET', '/secret.txt', 403, 'Forbidden\n'],
      ['GET', '/broken.txt', 500, 'Internal Server Error\n'],
      ['POST', '/a.txt', 405, 'Method Not Allowed\n'],
    ];
    for (const [method, path, status, body] of cases) {
      const answer = await ask(world, path, method === 'POST' ? { 'Content-Length': '0' } : {}, method);
      t.is(answer.status, status, `${method} ${path}`);
      t.is(text(answer), body);
      t.is(header(answer, 'content-type'), 'text/plain; charset=utf-8');
      t.false(text(answer).includes(path));
      t.is(header(answer, 'etag'), undefined);
      if (status === 405) t.is(header(answer, 'allow'), 'GET, HEAD');
    }
    t.is(source.held, 0);
    t.is(world.server.faults, 0, 'the answers are not faults');
  });

  test(`${kind}: HEAD announces the GET's head and never opens the file`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source);
    const answer = await ask(world, '/a.txt', {}, 'HEAD');
    t.is(answer.status, 200);
    t.is(answer.body.length, 0);
    t.is(header(answer, 'content-length'), '26');
    t.is(header(answer, 'etag'), ETAG);
    t.is(header(answer, 'accept-ranges'), 'bytes');
    // A Range means nothing to HEAD.
    const ranged = await ask(world, '/a.txt', { Range: 'bytes=0-1' }, 'HEAD');
    t.is(ranged.status, 200);
    t.is(header(ranged, 'content-length'), '26');
    t.is(source.opened, 0);
  });

  test(`${kind}: preconditions: If-None-Match and If-Modified-Since answer 304 with the validators, If-None-Match winning`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source, { maxAge: 10, compress: true });
    const cases: Array<[Record<string, string>, number, string?]> = [
      [{ 'If-None-Match': ETAG }, 304],
      [{ 'If-None-Match': ETAG.slice(2) }, 304, 'weak comparison ignores W/'],
      [{ 'If-None-Match': `"other", ${ETAG}` }, 304, 'a list'],
      [{ 'If-None-Match': '*' }, 304],
      [{ 'If-None-Match': '"other"' }, 200],
      [{ 'If-None-Match': 'not-a-tag' }, 200, 'an invalid list matches nothing'],
      [{ 'If-None-Match': '"other"', 'If-Modified-Since': LAST_MODIFIED }, 200, 'If-None-Match wins'],
      [{ 'If-None-Match': ETAG, 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 304, 'If-None-Match wins'],
      [{ 'If-Modified-Since': LAST_MODIFIED }, 304],
      [{ 'If-Modified-Since': 'Sunday, 01-Jun-25 12:30:15 GMT' }, 304, 'RFC 850 form'],
      [{ 'If-Modified-Since': 'Sun Jun  1 12:30:15 2025' }, 304, 'asctime form'],
      [{ 'If-Modified-Since': 'Sun, 01 Jun 2025 12:30:14 GMT' }, 200, 'a second earlier'],
      [{ 'If-Modified-Since': 'Mon, 01 Jun 2025 12:30:15 GMT' }, 200, 'a wrong weekday is no date'],
      [{ 'If-Modified-Since': 'yesterday' }, 200],
    ];
    for (const [headers, status, note] of cases) {
      const answer = await ask(world, '/a.txt', headers);
      t.is(answer.status, status, `${JSON.stringify(headers)} ${note ?? ''}`);
      if (status === 304) {
        t.is(answer.body.length, 0);
        t.is(header(answer, 'content-length'), undefined);
        t.is(header(answer, 'etag'), ETAG);
        t.is(header(answer, 'last-modified'), LAST_MODIFIED);
        t.is(header(answer, 'cache-control'), 'max-age=10');
        t.is(header(answer, 'vary'), 'Accept-Encoding');
      } else t.is(text(answer), ALPHABET);
    }
    const head = await ask(world, '/a.txt', { 'If-None-Match': ETAG }, 'HEAD');
    t.is(head.status, 304);
    t.is(source.held, 0, 'a 304 closes the file it opened');
  });

  test(`${kind}: preconditions: If-Match compares strongly and If-Unmodified-Since answers 412`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source);
    const cases: Array<[Record<string, string>, number, string?]> = [
      [{ 'If-Match': ETAG }, 412, 'a weak tag never matches strongly'],
      [{ 'If-Match': ETAG.slice(2) }, 412],
      [{ 'If-Match': '*' }, 200],
      [{ 'If-Match': '"other"' }, 412],
      [{ 'If-Unmodified-Since': 'Sun, 01 Jun 2025 12:30:14 GMT' }, 412],
      [{ 'If-Unmodified-Since': LAST_MODIFIED }, 200],
      [{ 'If-Unmodified-Since': 'Sun, 01 Jun 2025 12:30:14 GMX' }, 200, 'an invalid date is ignored'],
      [{ 'If-Match': '*', 'If-Unmodified-Since': 'Sun, 01 Jun 2025 12:30:14 GMT' }, 200, 'If-Unmodified-Since only without If-Match'],
      [{ 'If-Match': '"other"', 'If-None-Match': ETAG }, 412, 'If-Match first'],
    ];
    for (const [headers, status, note] of cases) {
      const answer = await ask(world, '/a.txt', headers);
      t.is(answer.status, status, `${JSON.stringify(headers)} ${note ?? ''}`);
      t.is(text(answer), status === 412 ? 'Precondition Failed\n' : ALPHABET);
    }
    t.is(source.held, 0);
  });

  test(`${kind}: without etag or lastModified the validators are not sent and their conditions find nothing`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source, { etag: false, lastModified: false });
    const answer = await ask(world, '/a.txt', { 'If-None-Match': ETAG, 'If-Modified-Since': LAST_MODIFIED });
    t.is(answer.status, 200);
    t.is(header(answer, 'etag'), undefined);
    t.is(header(answer, 'last-modified'), undefined);
    t.is((await ask(world, '/a.txt', { 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
    t.is((await ask(world, '/a.txt', { 'If-Match': ETAG })).status, 412);
    t.is((await ask(world, '/a.txt', { 'If-None-Match': '*' })).status, 304);
    t.is((await ask(world, '/a.txt', { Range: 'bytes=0-1', 'If-Range': LAST_MODIFIED })).status, 200);
  });

  test(`${kind}: one range: first-last, suffix, open-ended, past the end; If-Range by date`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source);
    const cases: Array<[Record<string, string>, number, string, string?]> = [
      [{ Range: 'bytes=0-9' }, 206, 'abcdefghij', 'bytes 0-9/26'],
      [{ Range: 'bytes=-5' }, 206, 'vwxyz', 'bytes 21-25/26'],
      [{ Range: 'bytes=23-' }, 206, 'xyz', 'bytes 23-25/26'],
      [{ Range: 'bytes=20-99' }, 206, 'uvwxyz', 'bytes 20-25/26'],
      [{ Range: 'bytes=-100' }, 206, ALPHABET, 'bytes 0-25/26'],
      [{ Range: 'BYTES = 0-1' }, 200, ALPHABET],
      [{ Range: 'bytes=1-1', 'If-Range': LAST_MODIFIED }, 206, 'b', 'bytes 1-1/26'],
      [{ Range: 'bytes=1-1', 'If-Range': 'Sun, 01 Jun 2025 12:30:16 GMT' }, 200, ALPHABET],
      [{ Range: 'bytes=1-1', 'If-Range': ETAG }, 200, ALPHABET],
      [{ Range: 'bytes=1-1', 'If-Range': ETAG.slice(2) }, 200, ALPHABET],
      [{ Range: 'bytes=1-1', 'If-Range': 'soon' }, 200, ALPHABET],
    ];
    for (const [headers, status, body, range] of cases) {
      const answer = await ask(world, '/a.txt', headers);
      const note = JSON.stringify(headers);
      t.is(answer.status, status, note);
      t.is(text(answer), body, note);
      t.is(header(answer, 'content-length'), String(body.length), note);
      t.is(header(answer, 'content-range'), range, note);
      t.is(header(answer, 'content-type'), 'text/plain; charset=utf-8');
    }
    t.is(source.held, 0);
  });

  test(`${kind}: a malformed Range sends the whole file, an unsatisfiable one 416`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source);
    for (const range of ['bytes=abc', 'bytes=5-2', 'items=0-1', 'bytes=1-2x', 'bytes=', 'bytes=0-1;x', 'bytes 0-1', 'bytes=--1', 'bytes=0-1, bytes=3-4']) {
      const answer = await ask(world, '/a.txt', { Range: range });
      t.is(answer.status, 200, range);
      t.is(text(answer), ALPHABET, range);
    }
    for (const range of ['bytes=26-', 'bytes=100-200', 'bytes=-0', 'bytes=30-40, 50-']) {
      const answer = await ask(world, '/a.txt', { Range: range });
      t.is(answer.status, 416, range);
      t.is(header(answer, 'content-range'), 'bytes */26');
      t.is(text(answer), 'Range Not Satisfiable\n');
    }
    // An empty file has no bytes to range over.
    const empty = await ask(world, '/empty.txt', { Range: 'bytes=0-' });
    t.is(empty.status, 200);
    t.is(empty.body.length, 0);
    const off = fileWorld(kind, source, { ranges: false });
    const whole = await ask(off, '/a.txt', { Range: 'bytes=0-1' });
    t.is(whole.status, 200);
    t.is(header(whole, 'accept-ranges'), undefined);
    t.is(source.held, 0);
  });

  test(`${kind}: several ranges make a multipart/byteranges body, sorted and coalesced, checked byte for byte`, async (t) => {
    const bytes = Buffer.alloc(5000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) % 256;
    const source = site().set('/blob.bin', bytes);
    // A small chunk size: parts span several reads.
    const world = fileWorld(kind, source, { chunkSize: 700 });
    const answer = await ask(world, '/blob.bin', { Range: 'bytes=4000-4999, 0-99,50-1999 , -10' });
    t.is(answer.status, 206);
    const type = header(answer, 'content-type')!;
    const boundary = /^multipart\/byteranges; boundary=(hio-[0-9a-f]{32})$/.exec(type)?.[1];
    t.truthy(boundary, type);
    t.is(header(answer, 'content-range'), undefined);
    t.is(header(answer, 'content-length'), String(answer.body.length));
    const parts = parseMultipart(answer.body, boundary!);
    // 0-99 and 50-1999 coalesce; 4000-4999 and the last ten bytes coalesce; in ascending order.
    t.deepEqual(
      parts.map((part) => part.headers['content-range']),
      ['bytes 0-1999/5000', 'bytes 4000-4999/5000'],
    );
    for (const part of parts) {
      t.is(part.headers['content-type'], 'application/octet-stream');
      const [start, end] = part.headers['content-range']!.slice(6).split('/')[0]!.split('-').map(Number);
      t.true(part.data.equals(bytes.subarray(start, end! + 1)));
    }
    // Ranges that touch coalesce into one: no multipart.
    const touching = await ask(world, '/blob.bin', { Range: 'bytes=10-19,0-4,5-9' });
    t.is(touching.status, 206);
    t.is(header(touching, 'content-range'), 'bytes 0-19/5000');
    t.true(touching.body.equals(bytes.subarray(0, 20)));
    // The boundary is derived from the file and the ranges: the same again for the same request, another for others.
    const same = await ask(world, '/blob.bin', { Range: 'bytes=4000-4999, 0-99,50-1999 , -10' });
    t.is(header(same, 'content-type'), type);
    t.true(same.body.equals(answer.body));
    const again = await ask(world, '/blob.bin', { Range: 'bytes=0-0,9-9' });
    t.not(header(again, 'content-type'), type);
    t.deepEqual(
      parseMultipart(again.body, header(again, 'content-type')!.split('boundary=')[1]!).map((part) => [...part.data]),
      [[bytes[0]], [bytes[9]]],
    );
    t.is(source.held, 0);
  });

  test(`${kind}: more ranges than maxRanges, or ranges adding up past the file, send the whole file`, async (t) => {
    const source = site();
    const world = fileWorld(kind, source, { maxRanges: 3 });
    const cases: Array<[string, number]> = [
      ['bytes=0-0,2-2,4-4', 206],
      ['bytes=0-0,2-2,4-4,6-6', 200],
      ['bytes=0-,0-', 200],
      ['bytes=0-20,5-25', 200],
      ['bytes=0-12,13-25', 206],
    ];
    for (const [range, status] of cases) {
      const answer = await ask(world, '/a.txt', { Range: range });
      t.is(answer.status, status, range);
      if (status === 200) t.is(text(answer), ALPHABET);
    }
  });

  test(`${kind}: precompressed siblings chosen by q-values, the type the original's, Vary on every answer`, async (t) => {
    const source = site()
      .set('/app.js', 'let original = 1;')
      .set('/app.js.br', 'BROTLI BYTES')
      .set('/app.js.gz', 'GZIP BYTES!')
      .set('/only-gz.css', 'body{}')
      .set('/only-gz.css.gz', 'GZ CSS')
      .set('/gone.js.br', 'orphan');
    const world = fileWorld(kind, source, { precompressed: true });
    const cases: Array<[string, string | undefined, string, string | undefined]> = [
      ['/app.js', 'gzip, deflate, br', 'BROTLI BYTES', 'br'],
      ['/app.js', 'br;q=0.5, gzip', 'GZIP BYTES!', 'gzip'],
      ['/app.js', 'gzip;q=0.2, br;q=0.1, identity', 'let original = 1;', undefined],
      ['/app.js', 'br;q=0, gzip;q=0', 'let original = 1;', undefined],
      ['/app.js', '*', 'BROTLI BYTES', 'br'],
      ['/app.js', 'identity', 'let original = 1;', undefined],
      ['/app.js', undefined, 'let original = 1;', undefined],
      ['/only-gz.css', 'br, gzip', 'GZ CSS', 'gzip'],
    ];
    for (const [path, accept, body, coding] of cases) {
      const answer = await ask(world, path, accept === undefined ? {} : { 'Accept-Encoding': accept });
      const note = `${path} ${accept ?? '(none)'}`;
      t.is(answer.status, 200, note);
      t.is(text(answer), body, note);
      t.is(header(answer, 'content-encoding'), coding, note);
      t.is(header(answer, 'vary'), 'Accept-Encoding', note);
      t.is(header(answer, 'content-type'), path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      t.is(header(answer, 'accept-ranges'), coding === undefined ? 'bytes' : undefined, note);
      if (coding !== undefined) t.true(header(answer, 'etag')!.endsWith(`-${coding}"`));
    }
    // A compressed answer ignores Range.
    const ranged = await ask(world, '/app.js', { 'Accept-Encoding': 'br', Range: 'bytes=0-1' });
    t.is(ranged.status, 200);
    t.is(text(ranged), 'BROTLI BYTES');
    // The identity answer still honours it.
    const identity = await ask(world, '/app.js', { Range: 'bytes=0-2' });
    t.is(identity.status, 206);
    t.is(text(identity), 'let');
    t.is(header(identity, 'vary'), 'Accept-Encoding');
    // A sibling stands for its file: without the file, nothing.
    t.is((await ask(world, '/gone.js', { 'Accept-Encoding': 'br' })).status, 404);
    const head = await ask(world, '/app.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    t.is(header(head, 'content-length'), '12');
    t.is(header(head, 'content-encoding'), 'br');
    const gzipOnly = fileWorld(kind, source, { precompressed: ['gzip'] });
    t.is(text(await ask(gzipOnly, '/app.js', { 'Accept-Encoding': 'br, gzip' })), 'GZIP BYTES!');
    t.is(source.held, 0);
  });

  test(`${kind}: compression on the fly round-trips through gzip and brotli, only for compressible types above the threshold`, async (t) => {
    const json = JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })));
    const png = Buffer.alloc(50_000, 7);
    const source = site().set('/big.json', json).set('/big.png', png).set('/small.txt', 'x'.repeat(1023));
    const world = fileWorld(kind, source, { compress: true, chunkSize: 16 * 1024 });
    const gzip = await ask(world, '/big.json', { 'Accept-Encoding': 'gzip' }, 'GET', 600);
    t.is(gzip.status, 200);
    t.is(header(gzip, 'content-encoding'), 'gzip');
    t.is(header(gzip, 'content-length'), undefined);
    t.is(header(gzip, 'transfer-encoding'), 'chunked');
    t.is(header(gzip, 'vary'), 'Accept-Encoding');
    t.is(header(gzip, 'content-type'), 'application/json; charset=utf-8');
    t.is(header(gzip, 'etag'), `W/"${json.length.toString(16)}-${Math.floor(MTIME).toString(16)}-gzip"`);
    t.true(gzip.body.length < json.length / 4);
    t.is(gunzipSync(gzip.body).toString(), json);
    const br = await ask(world, '/big.json', { 'Accept-Encoding': 'gzip, br' }, 'GET', 600);
    t.is(header(br, 'content-encoding'), 'br');
    t.is(brotliDecompressSync(br.body).toString(), json);
    // A compressed answer ignores Range.
    const ranged = await ask(world, '/big.json', { 'Accept-Encoding': 'gzip', Range: 'bytes=0-9' }, 'GET', 600);
    t.is(ranged.status, 200);
    t.is(gunzipSync(ranged.body).toString(), json);
    // Not for images, nor under the threshold, nor without the client's consent.
    for (const [path, accept, length] of [
      ['/big.png', 'gzip', png.length],
      ['/small.txt', 'gzip', 1023],
      ['/big.json', 'identity', json.length],
    ] as const) {
      const answer = await ask(world, path, { 'Accept-Encoding': accept });
      t.is(header(answer, 'content-encoding'), undefined, path);
      t.is(header(answer, 'vary'), 'Accept-Encoding', path);
      t.is(header(answer, 'content-length'), String(length), path);
      t.is(answer.body.length, length, path);
    }
    const opened = source.opened;
    const head = await ask(world, '/big.json', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    t.is(head.status, 200);
    t.is(header(head, 'content-encoding'), 'gzip');
    t.is(header(head, 'content-length'), undefined);
    t.is(header(head, 'transfer-encoding'), 'chunked');
    t.is(source.opened, opened, 'HEAD opens nothing');
    t.is(source.held, 0);
    const gzipOnly = fileWorld(kind, source, { compress: { threshold: 10, encodings: ['gzip'] } });
    const small = await ask(gzipOnly, '/a.txt', { 'Accept-Encoding': 'br, gzip' }, 'GET', 600);
    t.is(header(small, 'content-encoding'), 'gzip');
    t.is(gunzipSync(small.body).toString(), ALPHABET);
  });

  test(`${kind}: a slow reader of a large file: the server holds at most its high-water mark and a chunk, and the file is closed at the end`, async (t) => {
    const size = 4 * 1024 * 1024;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) bytes.writeUInt32BE(i, i);
    const source = new MapFileSource().set('/big.bin', bytes);
    const highWater = 16 * 1024;
    const chunkSize = 8 * 1024;
    const world = fileWorld(kind, source, { chunkSize }, { highWater });
    const { client, reader } = world.client([], false);
    client.tx(Buffer.from('GET /big.bin HTTP/1.1\r\nHost: server\r\n\r\n'));
    let held = 0;
    let taken = 0;
    let ahead = 0;
    // 64 KiB a recur (16 recurs a second): a few hundred recurs for the whole.
    const finished = await world.settle(600, () => {
      const take = Math.min(64 * 1024, client.rxQueue.length);
      if (take > 0) reader.push(client.rxQueue.take(take));
      taken += take;
      for (const connection of world.server.stewards.keys()) held = Math.max(held, connection.txPending);
      ahead = Math.max(ahead, source.bytesRead - taken);
      return reader.responses.length === 1;
    });
    t.true(finished);
    const answer = reader.responses[0]!;
    t.is(answer.status, 200);
    t.true(answer.body.equals(bytes));
    // The head and a chunk may pass the mark once; nothing is read ahead of the connection.
    t.true(held <= highWater + chunkSize + 512, `the server held ${held} bytes`);
    t.is(source.reads, size / chunkSize, 'each byte read once, a chunk at a time');
    // Read but not taken by the client: what the server holds, the network's window (in flight and unread), and a chunk on its way.
    const aheadBound = highWater + 2 * chunkSize + world.net.window + 512;
    t.true(ahead <= aheadBound, `${ahead} bytes read ahead of the client (bound ${aheadBound})`);
    t.true(world.net.window * 4 < size, 'the file is larger than everything that may hold it');
    t.true(await world.settle(1, () => source.held === 0));
  });

  test(`${kind}: a client going away mid-file closes the file`, async (t) => {
    const source = new MapFileSource().set('/big.bin', Buffer.alloc(2 * 1024 * 1024, 1));
    const world = fileWorld(kind, source, { chunkSize: 4096 }, { highWater: 8192 });
    const { client } = world.client([], false);
    client.tx(Buffer.from('GET /big.bin HTTP/1.1\r\nHost: server\r\n\r\n'));
    t.true(await world.settle(30, () => client.rxQueue.length > 0 && source.held === 1));
    const readsBefore = source.reads;
    client.reset();
    t.true(await world.settle(30, () => source.held === 0 && world.server.stewards.size === 0));
    t.is(source.opened, 1);
    t.true(source.reads - readsBefore <= 1, 'at most the read under way finishes');
  });

  test(`${kind}: a read failing mid-body resets the connection and closes the file`, async (t) => {
    const source = new MapFileSource().set('/big.bin', Buffer.alloc(300_000, 2));
    source.failRead = { path: '/big.bin', position: 200_000 };
    const world = fileWorld(kind, source, { chunkSize: 10_000 });
    const { client } = world.client([], false);
    client.tx(Buffer.from('GET /big.bin HTTP/1.1\r\nHost: server\r\n\r\n'));
    let received = 0;
    t.true(
      await world.settle(60, () => {
        received += client.rxQueue.length;
        client.rxQueue.take(client.rxQueue.length);
        return client.cutoff;
      }),
    );
    t.is(client.error?.code, 'ECONNRESET');
    t.true(received > 100_000 && received < 300_000, `${received} bytes came first`);
    t.true(await world.settle(1, () => source.held === 0));
  });

  test(`${kind}: a read failing while the body is compressed resets the connection and closes the file`, async (t) => {
    const page = '<p>compress me</p>\n'.repeat(20_000);
    const source = new MapFileSource().set('/page.html', page);
    source.failRead = { path: '/page.html', position: 200_000 };
    const world = fileWorld(kind, source, { compress: true, chunkSize: 16 * 1024 });
    const { client } = world.client([], false);
    client.tx(Buffer.from('GET /page.html HTTP/1.1\r\nHost: server\r\nAccept-Encoding: gzip\r\n\r\n'));
    t.true(await world.settle(600, () => (client.rxQueue.take(client.rxQueue.length), client.cutoff)));
    t.is(client.error?.code, 'ECONNRESET');
    t.true(await world.settle(1, () => source.held === 0));
  });

  test(`${kind}: a source failing with something other than a FileError answers 500 and is counted as a fault`, async (t) => {
    const source = site();
    const failure = new TypeError('source bug');
    source.open = () => Promise.reject(failure);
    const world = fileWorld(kind, source);
    const answer = await ask(world, '/a.txt');
    t.is(answer.status, 500);
    t.is(world.server.faults, 1);
  });

  test(`${kind}: a file that shrinks after it was opened resets the connection; one that grows sends the opened size`, async (t) => {
    const source = new MapFileSource().set('/shrinks.bin', Buffer.alloc(100_000, 3)).set('/grows.bin', Buffer.alloc(1000, 4));
    source.onOpen = (path) => {
      if (path === '/shrinks.bin') source.set(path, Buffer.alloc(50_000, 3));
      else source.set(path, Buffer.alloc(5000, 5));
    };
    const world = fileWorld(kind, source, { chunkSize: 8192 });
    const { client } = world.client([], false);
    client.tx(Buffer.from('GET /shrinks.bin HTTP/1.1\r\nHost: server\r\n\r\n'));
    t.true(await world.settle(60, () => (client.rxQueue.take(client.rxQueue.length), client.cutoff)));
    t.is(client.error?.code, 'ECONNRESET');
    const grown = await ask(world, '/grows.bin');
    t.is(grown.status, 200);
    t.is(header(grown, 'content-length'), '1000');
    t.true(grown.body.equals(Buffer.alloc(1000, 5)));
    t.true(await world.settle(1, () => source.held === 0));
  });
}

test('sendFile and FileResponder refuse bad options with HIO_ERR_INVALID_OPTION', async (t) => {
  const source = site();
  const request = new Request('http://server/a.txt');
  const bad: unknown[] = [
    null,
    {},
    { source: {} },
    { source, colour: 'red' },
    { source, chunkSize: 0 },
    { source, maxRanges: 1.5 },
    { source, maxAge: -1 },
    { source, maxAge: Infinity },
    { source, precompressed: ['zstd'] },
    { source, precompressed: 'br' },
    { source, compress: { level: 9 } },
    { source, compress: { threshold: -1 } },
    { source, headers: { 'Content-Length': '3' } },
  ];
  for (const options of bad) {
    const error = await t.throwsAsync(sendFile(request, '/a.txt', options as never), { instanceOf: HioError });
    t.is(error?.code, 'HIO_ERR_INVALID_OPTION', JSON.stringify(options));
  }
  const httpRequest = { method: 'GET', headers: new Hict() } as unknown as HttpRequest;
  t.is(t.throws(() => new FileResponder(httpRequest, '/a.txt', { source, chunkSize: -1 }), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
});

test('sendFile answers a Request outside any server: the body streams and the file closes; cancelling it closes the file too', async (t) => {
  const source = site();
  const options = { source, compress: { threshold: 0 } };
  const response = await sendFile(new Request('http://server/a.txt'), '/a.txt', options);
  t.is(await response.text(), ALPHABET);
  t.is(source.held, 0);
  const compressed = await sendFile(new Request('http://server/a.txt', { headers: { 'accept-encoding': 'gzip' } }), '/a.txt', options);
  t.is(gunzipSync(Buffer.from(await compressed.arrayBuffer())).toString(), ALPHABET);
  const cancelled = await sendFile(new Request('http://server/a.txt', { headers: { 'accept-encoding': 'br' } }), '/a.txt', options);
  await cancelled.body!.cancel();
  t.is(source.held, 0);
  const head = await sendFile(new Request('http://server/a.txt', { method: 'HEAD', headers: { 'accept-encoding': 'br' } }), '/a.txt', options);
  t.is(await head.text(), '');
  t.is(source.held, 0);
});

test('sendFile rejects with what a source throws that is not a FileError, closing what it opened', async (t) => {
  const source = site();
  const failure = new TypeError('source bug');
  const broken = {
    ...source,
    stat: source.stat.bind(source),
    open: source.open.bind(source),
    realpath: source.realpath.bind(source),
    list: source.list.bind(source),
  };
  broken.stat = () => Promise.reject(failure);
  t.is(await t.throwsAsync(sendFile(new Request('http://server/a.txt'), '/a.txt', { source: broken, precompressed: true })), failure);
  // A bad Content-Type only shows once the headers are made, after the file was opened.
  await t.throwsAsync(sendFile(new Request('http://server/a.txt'), '/a.txt', { source, contentType: 'text/plain\r\nX: y' }));
  t.is(source.held, 0);
});
