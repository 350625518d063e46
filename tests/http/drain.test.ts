/**
 * BareServer#drain: graceful shutdown. It stops accepting, closes idle
 * connections at once, lets requests under way finish (the last answer of
 * a connection saying `Connection: close`), and force-closes what remains
 * at its deadline. On the simulated network and on real sockets.
 */
import { connect } from 'node:net';
import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { NetServant } from '../../src/net/net-servant.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import type { Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';
import { header, httpWorld } from '../helpers/http-client.js';
import { until } from '../helpers/drive.js';

const GET = 'GET / HTTP/1.1\r\nHost: server\r\n\r\n';

test('BareServer#drain closes idle connections at once, finishes an upload under way, refuses new connections', (t) => {
  const world = httpWorld();
  const idle = world.client();
  idle.client.tx(Buffer.from(GET));
  const uploading = world.client();
  uploading.client.tx(Buffer.from('POST /up HTTP/1.1\r\nHost: server\r\nContent-Length: 10\r\n\r\nhello'));
  t.true(world.run(1, () => idle.reader.responses.length === 1 && world.server.stewards.size === 2));
  t.false(world.server.draining);
  world.server.drain(10);
  t.true(world.server.draining);
  t.false(world.server.drained);
  // The idle keep-alive connection goes at once.
  t.true(world.run(1, () => idle.client.rxEnded || idle.client.cutoff));
  t.false(uploading.client.rxEnded);
  // A new connection is refused: nothing listens any more.
  const late = world.client();
  t.true(world.run(1, () => late.client.cutoff));
  t.is(late.client.error?.code, 'ECONNREFUSED');
  // The upload completes and is answered, saying the connection closes.
  uploading.client.tx(Buffer.from('world'));
  t.true(world.run(3, () => uploading.reader.responses.length === 1));
  const answer = uploading.reader.responses[0]!;
  t.is(answer.status, 200);
  t.is(header(answer, 'connection'), 'close');
  t.is((JSON.parse(answer.body.toString()) as { body: string }).body, 'helloworld');
  t.true(world.run(3, () => world.server.drained));
  t.is(world.server.stewards.size, 0);
});

/** Answers each request after three passes: the requests behind it wait parsed. */
class Unhurried extends Steward {
  override respond(request: Request): Responder {
    let passes = 0;
    const inner = new CustomResponder({ body: request.path });
    return { pour: (writer) => ++passes > 3 && inner.pour(writer) };
  }
}

test('BareServer#drain answers pipelined requests already received, the last one with Connection: close', (t) => {
  const world = httpWorld({ steward: Unhurried });
  const { client, reader } = world.client();
  client.tx(Buffer.from(['/1', '/2', '/3'].map((path) => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`).join('')));
  t.true(world.run(1, () => world.server.stewards.size === 1));
  t.is(reader.responses.length, 0);
  world.server.drain(10);
  t.true(world.run(3, () => client.rxEnded));
  t.deepEqual(
    reader.responses.map((response) => [response.body.toString(), header(response, 'connection')]),
    [
      ['/1', undefined],
      ['/2', undefined],
      ['/3', 'close'],
    ],
  );
  t.true(world.run(1, () => world.server.drained));
});

test('BareServer#drain: an upload completing with a pipelined request behind it is answered with Connection: close', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST /a HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nab'));
  t.true(world.run(1, () => world.server.stewards.size === 1));
  world.server.drain(10);
  t.true(world.run(0.5, () => false) === false);
  // The end of the body and a request sent after the drain began, in one write.
  client.tx(Buffer.from('cdeGET /a2 HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(3, () => client.rxEnded));
  t.is(reader.responses.length, 1);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.is((JSON.parse(reader.responses[0]!.body.toString()) as { body: string }).body, 'abcde');
  t.is(world.server.drainCut, 0);
});

test('BareServer#drain force-closes what is left at its deadline', (t) => {
  const world = httpWorld({ headerTymeout: 60, keepAliveTymeout: 60 });
  const { client } = world.client();
  // A head that never completes: the connection is busy, not idle.
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: ser'));
  t.true(world.run(1, () => world.server.stewards.size === 1));
  const start = world.doist.tyme;
  world.server.drain(3);
  t.true(world.run(10, () => world.server.drained));
  const took = world.doist.tyme - start;
  t.true(took >= 3 && took < 3.5, `forced after ${took} s`);
  t.is(world.server.drainCut, 1);
  t.true(world.run(1, () => client.cutoff || client.rxEnded));
});

test('BareServer#drain on real sockets: an upload under way is answered, an idle connection closed, then drained', async (t) => {
  t.timeout(30_000);
  const doist = new Doist({ tock: 1 / 32 });
  const server = new BareServer({ servant: new NetServant({ port: 0 }) });
  doist.extend([new BareServerDoer(server)]);
  try {
    await until(doist, () => server.servant.opened, 10_000, 'listening');
    const port = server.servant.address.port;
    const open = (): { socket: ReturnType<typeof connect>; text: () => string; closed: () => boolean } => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let closed = false;
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => {
        closed = true;
      });
      socket.on('error', () => {});
      return { socket, text: () => Buffer.concat(chunks).toString('latin1'), closed: () => closed };
    };
    const idle = open();
    idle.socket.write(GET);
    const upload = open();
    upload.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await until(doist, () => idle.text().includes('"method"') && server.stewards.size === 2, 10_000, 'both connections');
    server.drain(10);
    await until(doist, () => idle.closed(), 10_000, 'the idle close');
    t.false(upload.closed());
    upload.socket.write('def');
    await until(doist, () => upload.closed(), 10_000, 'the answer and close');
    t.regex(upload.text(), /^HTTP\/1\.1 200 OK\r\n/);
    t.regex(upload.text(), /Connection: close\r\n/);
    t.regex(upload.text(), /"body":"abcdef"/);
    await until(doist, () => server.drained, 10_000, 'drained');
    // Nothing listens any more.
    const late = connect(port, '127.0.0.1');
    const refused = await new Promise<string>((resolve) => {
      late.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      late.on('connect', () => resolve('connected'));
    });
    t.is(refused, 'ECONNREFUSED');
  } finally {
    doist.exit();
  }
});
