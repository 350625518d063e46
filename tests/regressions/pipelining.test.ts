/**
 * Regressions: more pipelined requests than `maxPipelined` arriving in one
 * read stalled (16 answered, then nothing until another byte or the idle
 * tymer came, and the fully received 17th got a 408); and parsing ahead was
 * bounded by count, not bytes, so sixteen 1 MB uploads parsed ahead stayed in
 * memory while the client read slowly.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import test from 'ava';
import { httpWorld } from '../helpers/http-client.js';

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;

for (const count of [17, 100, 1000]) {
  test(`BareServer answers ${count} pipelined requests written at once, in order, without waiting for another event`, (t) => {
    const world = httpWorld({ keepAliveTymeout: 5 });
    const { client, reader } = world.client();
    client.tx(Buffer.from(Array.from({ length: count }, (_, i) => GET(`/${i}`)).join('')));
    // Well inside the idle tymeout: nothing may wait for it.
    t.true(
      world.run(3, () => reader.responses.length === count),
      `answered ${reader.responses.length} of ${count}`,
    );
    t.true(reader.responses.every((response) => response.status === 200));
    const paths = reader.responses.map((response) => (JSON.parse(response.body.toString()) as { path: string }).path);
    t.deepEqual(
      paths,
      Array.from({ length: count }, (_, i) => `/${i}`),
    );
    t.false(client.rxEnded);
  });
}

test('BareServer bounds what a slow-reading pipelining client pins in bytes, not in requests', (t) => {
  const MB = 1024 * 1024;
  const world = httpWorld({ keepAliveTymeout: 60, sendTymeout: 600, limits: { maxBodyBytes: 2 * MB } }, { window: 256 * 1024 });
  let parsed = 0;
  const count = (): void => {
    parsed += 1;
  };
  subscribe('hio:http:request', count);
  try {
    const { client, reader, read } = world.client([], false);
    const body = Buffer.alloc(MB, 'x');
    const head = Buffer.from(`POST /up HTTP/1.1\r\nHost: server\r\nContent-Type: application/octet-stream\r\nContent-Length: ${MB}\r\n\r\n`);
    for (let i = 0; i < 32; i++) client.tx(Buffer.concat([head, body]));
    // The client reads nothing for a while.
    world.run(5);
    const steward = [...world.server.stewards.values()][0]!;
    const held = steward.remoter.rxQueue.length + steward.remoter.txPending;
    // One answer being written, one request next in line, and at most the
    // buffered-bytes bound parsed ahead: a few MiB, not sixteen uploads.
    t.true(parsed <= 3, `${parsed} requests parsed while the client read nothing`);
    t.true(held <= 4 * MB, `connection holds ${held} bytes`);
    // Reading resumes the uploads: every request is answered, in order.
    t.true(
      world.run(120, () => {
        read();
        return reader.responses.length === 32;
      }),
    );
    t.is(parsed, 32);
    t.true(reader.responses.every((response) => response.status === 200));
  } finally {
    unsubscribe('hio:http:request', count);
  }
});
