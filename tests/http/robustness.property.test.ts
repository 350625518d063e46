/**
 * Property: no input crashes the server. Random bytes, and valid requests
 * with random bytes flipped, inserted or cut, sent in random pieces: the
 * Doist never throws, no fault is recorded, every connection ends answered
 * or closed, and the server keeps serving a clean request afterwards.
 */
import test from 'ava';
import fc from 'fast-check';
import { httpWorld } from '../helpers/http-client.js';

const VALID = [
  'GET / HTTP/1.1\r\nHost: server\r\n\r\n',
  'POST /p?q=1 HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: server\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: server\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx',
];

const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { maxLength: 4 }),
  )
  .map(([text, edits]) => {
    const bytes = [...Buffer.from(text, 'latin1')];
    for (const [position, value, kind] of edits) {
      const at = position % (bytes.length + 1);
      if (kind === 'insert') bytes.splice(at, 0, value);
      else if (kind === 'delete') bytes.splice(at, 1);
      else if (at < bytes.length) bytes[at] = value;
    }
    return Buffer.from(bytes);
  });

const input = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  mutated,
  fc.array(mutated, { maxLength: 3 }).map((parts) => Buffer.concat(parts)),
);

test('no input crashes the server; every connection ends answered or closed', (t) => {
  fc.assert(
    fc.property(input, fc.array(fc.nat(), { maxLength: 5 }), fc.boolean(), (bytes, cuts, halfClose) => {
      const world = httpWorld({ headerTymeout: 1, keepAliveTymeout: 2 });
      const { client } = world.client();
      let start = 0;
      for (const cut of [...cuts.map((value) => value % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
        if (cut > start) client.tx(bytes.subarray(start, cut));
        start = Math.max(start, cut);
        world.doist.recur();
      }
      if (halfClose) client.shutdownSend();
      // Every connection ends: answered and closed, closed, or timed out.
      const ended = world.run(10, () => world.server.stewards.size === 0);
      const probe = world.client();
      probe.client.tx(Buffer.from('GET /probe HTTP/1.1\r\nHost: server\r\n\r\n'));
      const served = world.run(2, () => probe.reader.responses.length === 1);
      return ended && served && world.server.faults === 0 && probe.reader.responses[0]!.status === 200;
    }),
    { seed: 99, numRuns: 300 },
  );
  t.pass();
});
