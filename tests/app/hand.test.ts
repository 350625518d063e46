/**
 * The hand writer from a fetch handler: handResponse marks a Response whose
 * answer a function writes by hand; the FetchResponder passes the rest of
 * the answer to a HandResponder.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { handResponder, handResponse } from '../../src/app/hand.js';
import type { HioError } from '../../src/core/errors.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { header, httpWorld, type HttpWorld } from '../helpers/http-client.js';

function appWorld(fetch: FetchHandler): HttpWorld {
  return httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: () => {} });
  });
}

test('A fetch handler writes its response by hand through handResponse, with the WHATWG request, keeping the connection for the next', async (t) => {
  const world = appWorld(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/plain') return new Response('plain answer');
    await Promise.resolve();
    return handResponse(async (writer, fetchRequest) => {
      t.is(fetchRequest, request);
      writer.writeStatus(203);
      writer.writeHeader('Content-Type', 'text/plain');
      await writer.write(`by hand for ${url.pathname}, `);
      writer.setTrailer('X-Done', 'yes');
      await writer.end('the end');
    });
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET /hand HTTP/1.1\r\nHost: server\r\n\r\nGET /plain HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  const [hand, plain] = reader.responses;
  t.is(hand!.status, 203);
  t.is(header(hand!, 'content-type'), 'text/plain');
  t.is(header(hand!, 'transfer-encoding'), 'chunked');
  t.is(hand!.body.toString(), 'by hand for /hand, the end');
  t.deepEqual(hand!.trailers, [['X-Done', 'yes']]);
  t.is(plain!.body.toString(), 'plain answer');
  t.false(client.cutoff);
});

test('A hand response takes its options, answers 500 when its function fails before the head, and aborts the request when the client goes away', async (t) => {
  let aborted: unknown = null;
  let rejected: unknown = null;
  const world = appWorld((request) => {
    if (request.url.endsWith('/fail')) return handResponse(() => Promise.reject(new Error('no answer')));
    if (request.url.endsWith('/held')) {
      return handResponse(
        async (writer) => {
          writer.writeHeader('Content-Length', 4);
          void writer.write('he');
          await writer.end('ld');
        },
        { explicitFlush: true, requiredHeaders: false },
      );
    }
    request.signal.addEventListener('abort', () => (aborted = request.signal.reason));
    return handResponse(async (writer) => {
      await writer.write(Buffer.alloc(2 * 1024 * 1024)).catch((error: unknown) => (rejected = error));
    });
  });
  const failing = world.client();
  failing.client.tx(Buffer.from('GET /fail HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => failing.reader.responses.length === 1));
  t.is(failing.reader.responses[0]!.status, 500);

  const held = world.client([], false);
  held.client.tx(Buffer.from('GET /held HTTP/1.1\r\nHost: server\r\n\r\n'));
  const received: Buffer[] = [];
  t.true(
    await world.settle(2, () => {
      if (held.client.rxQueue.length > 0) received.push(held.client.rxQueue.take(held.client.rxQueue.length));
      return Buffer.concat(received).toString('latin1').endsWith('held');
    }),
  );
  t.is(Buffer.concat(received).toString('latin1'), 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nheld');

  const slow = world.client([], false);
  slow.client.tx(Buffer.from('GET /slow HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.false(await world.settle(2, () => rejected !== null));
  slow.client.reset();
  t.true(await world.settle(2, () => rejected !== null && aborted !== null));
  t.is((rejected as HioError).code, 'HIO_ERR_CLIENT_GONE');
  t.is((aborted as HioError).code, 'HIO_ERR_CLIENT_GONE');
});

test('handResponse makes an empty Response elsewhere, and only a marked Response gets a hand responder', async (t) => {
  const response = handResponse(() => {});
  t.true(response instanceof Response);
  t.is(response.status, 200);
  t.is(await response.text(), '');
  t.is(
    handResponder(new Response('x'), () => {
      throw new Error('not asked');
    }),
    null,
  );
  t.is(
    handResponder(null, () => new Request('http://x/')),
    null,
  );
  t.not(
    handResponder(response, () => new Request('http://x/')),
    null,
  );
});
