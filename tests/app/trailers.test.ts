/**
 * Trailers from a fetch handler: given with the light Response (as fields,
 * or as a promise settled once the body is out), sent after a chunked body,
 * dropped where the framing has none.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { LightResponse, trailersOf } from '../../src/app/light-response.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

function appWorld(fetch: FetchHandler): HttpWorld {
  return httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: () => {} });
  });
}

const respond = (body: string, trailers: ConstructorParameters<typeof LightResponse>[1]): Response => new LightResponse(body, trailers) as unknown as Response;

test('A fetch handler sends trailers after a chunked body, given at once or as a promise', async (t) => {
  const world = appWorld((request) => {
    if (request.url.endsWith('/now')) return respond('body now', { trailers: { 'X-Checksum': 'abc' } });
    return respond('body later', { trailers: Promise.resolve([['X-Count', '10']]) });
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /now HTTP/1.1\r\nHost: server\r\n\r\nGET /later HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const [now, later] = reader.responses;
  t.is(header(now!, 'transfer-encoding'), 'chunked');
  t.is(now!.body.toString(), 'body now');
  t.deepEqual(now!.trailers, [['X-Checksum', 'abc']]);
  t.is(later!.body.toString(), 'body later');
  t.deepEqual(later!.trailers, [['X-Count', '10']]);
  t.false(client.cutoff);
});

test('Trailers are dropped for HTTP/1.0, and a rejected trailers promise resets the connection', async (t) => {
  const world = appWorld((request) =>
    request.url.endsWith('/old') ? respond('old', { trailers: { 'X-T': '1' } }) : respond('x', { trailers: Promise.reject(new Error('no trailers')) }),
  );
  const { client } = world.client([], false);
  client.tx(Buffer.from('GET /old HTTP/1.0\r\n\r\n'));
  const received: Buffer[] = [];
  t.true(
    await world.settle(2, () => {
      if (client.rxQueue.length > 0) received.push(client.rxQueue.take(client.rxQueue.length));
      return client.rxEnded;
    }),
  );
  const text = Buffer.concat(received).toString('latin1');
  t.true(text.endsWith('\r\n\r\nold'));
  t.false(text.includes('X-T'));
  const failing = world.client([], false);
  failing.client.tx(Buffer.from('GET /fail HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => failing.client.cutoff));
  t.is(failing.client.error?.code, 'ECONNRESET');
  t.is(trailersOf(new Response('plain')), null);
});
