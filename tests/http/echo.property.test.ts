/**
 * Property: random valid requests, pipelined on one connection and cut at
 * random points into writes on different ticks, come back through the echo
 * unchanged — method, target, every header in order, trailers and body.
 */
import test from 'ava';
import fc from 'fast-check';
import { httpWorld } from '../helpers/http-client.js';

interface Generated {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  readonly chunks: number[] | null;
  readonly trailers: Array<[string, string]>;
}

const tokenChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~".split(''));
const reserved = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'content-type']);
const name = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }).filter((text) => !reserved.has(text.toLowerCase()));
const valueChar = fc.constantFrom(...' abcXYZ019!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t'.split(''));
const value = fc.string({ unit: valueChar, maxLength: 20 }).map((text) => text.trim());
const segment = fc.string({ unit: fc.constantFrom(...'abcxyz0189-._~%41'.split('')), maxLength: 8 }).map((text) => text.replaceAll('%', '%25'));
const queryPart = fc.array(
  fc.tuple(
    fc.string({ unit: fc.constantFrom(...'abc123'.split('')), minLength: 1, maxLength: 4 }),
    fc.string({ unit: fc.constantFrom(...'xyz+%20=/'.split('')), maxLength: 5 }),
  ),
  { maxLength: 3 },
);

const request: fc.Arbitrary<Generated> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    segments: fc.array(segment, { maxLength: 4 }),
    query: queryPart,
    headers: fc.array(fc.tuple(name, value), { maxLength: 6 }),
    body: fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 500, maxLength: 3000 }),
      fc
        .string({ unit: fc.constantFrom(...'text é€ {"json": 1}\n'.split('')), minLength: 350, maxLength: 2000, size: 'large' })
        .map((text) => Buffer.from(text)),
    ),
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }),
    trailers: fc.array(fc.tuple(name, value), { maxLength: 2 }),
  })
  .map((r) => ({
    method: r.method,
    path: `/${r.segments.join('/')}`,
    query: r.query.map(([key, val]) => `${key}=${val.replaceAll('%', '%25')}`).join('&'),
    headers: r.headers,
    body: Buffer.from(r.body),
    chunks: r.chunked ? r.chunkSizes : null,
    trailers: r.chunked ? r.trailers : [],
  }));

function encode(generated: Generated): { bytes: Buffer; headers: Array<[string, string]> } {
  const target = generated.query === '' ? generated.path : `${generated.path}?${generated.query}`;
  const headers: Array<[string, string]> = [['Host', 'server'], ...generated.headers];
  const parts: Buffer[] = [];
  if (generated.chunks === null) {
    headers.push(['Content-Length', String(generated.body.length)]);
    parts.push(generated.body);
  } else {
    headers.push(['Transfer-Encoding', 'chunked']);
    let offset = 0;
    let index = 0;
    while (offset < generated.body.length) {
      const size = Math.min(generated.chunks[index++ % generated.chunks.length]!, generated.body.length - offset);
      parts.push(Buffer.from(`${size.toString(16)}\r\n`), generated.body.subarray(offset, offset + size), Buffer.from('\r\n'));
      offset += size;
    }
    parts.push(Buffer.from('0\r\n'));
    for (const [key, val] of generated.trailers) parts.push(Buffer.from(`${key}: ${val}\r\n`));
    parts.push(Buffer.from('\r\n'));
  }
  const head = `${generated.method} ${target} HTTP/1.1\r\n${headers.map(([key, val]) => `${key}: ${val}\r\n`).join('')}\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), ...parts]), headers };
}

test('the echo returns random valid requests unchanged, whatever the splits', (t) => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (requests, cuts) => {
      const world = httpWorld();
      const { client, reader } = world.client();
      const encoded = requests.map(encode);
      const stream = Buffer.concat(encoded.map((entry) => entry.bytes));
      const points = [...new Set(cuts.map((cut) => Math.floor(cut * stream.length)))].sort((a, b) => a - b);
      let start = 0;
      for (const point of [...points, stream.length]) {
        if (point > start) client.tx(stream.subarray(start, point));
        start = Math.max(start, point);
        world.doist.recur();
        world.doist.recur();
      }
      if (!world.run(5, () => reader.responses.length === requests.length)) return false;
      return requests.every((generated, index) => {
        const echoed = JSON.parse(reader.responses[index]!.body.toString('utf8')) as Record<string, unknown>;
        const body = echoed['bodyEncoding'] === 'base64' ? Buffer.from(echoed['body'] as string, 'base64') : Buffer.from(echoed['body'] as string, 'utf8');
        return (
          echoed['method'] === generated.method &&
          echoed['path'] === generated.path &&
          echoed['query'] === generated.query &&
          JSON.stringify(echoed['headers']) === JSON.stringify(encoded[index]!.headers) &&
          JSON.stringify(echoed['trailers']) === JSON.stringify(generated.trailers) &&
          body.equals(generated.body)
        );
      });
    }),
    { seed: 424242, numRuns: 60 },
  );
  t.pass();
});
