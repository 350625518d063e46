/**
 * Regressions in how requests that cannot be served are answered: an early
 * error (the head alone earns 413, 417, 400…) closed at once, so the body
 * that followed drew a reset and a client writing its body before reading
 * never saw the answer; error answers to HEAD carried a body; a bodiless
 * CONNECT skipped the 501; and a body trickling in kept a connection for ever.
 */
import { connect } from 'node:net';
import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { NetServant } from '../../src/net/net-servant.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { header, httpWorld } from '../helpers/http-client.js';
import { step, until } from '../helpers/drive.js';

const MB = 1024 * 1024;

test('BareServer: a client that sends its too-large body after the head reads the 413, not a reset (sim)', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`POST / HTTP/1.1\r\nHost: server\r\nContent-Length: ${2 * MB}\r\n\r\n`));
  t.true(world.run(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 413);
  t.regex(reader.responses[0]!.body.toString(), /HIO_ERR_BODY_TOO_LARGE/);
  // The body comes after the answer, as from a client that writes before it reads.
  client.tx(Buffer.alloc(2 * MB, 'x'));
  t.true(world.run(5, () => client.txPending === 0));
  t.is(client.error, null);
  client.shutdownSend();
  t.true(world.run(5, () => world.server.stewards.size === 0));
  t.is(client.error, null);
  t.true(world.run(1, () => client.rxEnded || client.cutoff));
  t.is(client.error, null);
});

test('BareServer: a lingering connection gives up after maxDiscardBytes or when the peer goes quiet', (t) => {
  const world = httpWorld({ maxDiscardBytes: MB, lingerTymeout: 2 });
  const { client, reader } = world.client();
  client.tx(Buffer.from(`POST / HTTP/1.1\r\nHost: server\r\nContent-Length: ${8 * MB}\r\n\r\n`));
  t.true(world.run(1, () => reader.responses.length === 1));
  client.tx(Buffer.alloc(4 * MB, 'x'));
  t.true(world.run(10, () => world.server.stewards.size === 0));
  // A quiet peer: one that sends nothing after the error answer closes after lingerTymeout.
  const quiet = world.client();
  quiet.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\nExpect: something\r\n\r\n'));
  t.true(world.run(1, () => quiet.reader.responses.length === 1));
  t.is(quiet.reader.responses[0]!.status, 417);
  const answered = world.doist.tyme;
  t.true(world.run(10, () => world.server.stewards.size === 0));
  t.true(world.doist.tyme - answered >= 1.9 && world.doist.tyme - answered < 3, `closed ${world.doist.tyme - answered} s after the answer`);
});

test('BareServer: a client that goes on writing a too-large body after the answer gets the 413, not EPIPE (sockets)', async (t) => {
  t.timeout(30_000);
  const doist = new Doist({ tock: 1 / 32 });
  const server = new BareServer({ servant: new NetServant({ port: 0 }) });
  doist.extend([new BareServerDoer(server)]);
  try {
    await until(doist, () => server.servant.opened, 10_000, 'listening');
    // Half-open allowed: like http.client, the client goes on writing its body after the server's FIN.
    const socket = connect({ port: server.servant.address.port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let error: Error | null = null;
    let closed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (failure) => {
      error = failure;
    });
    socket.on('close', () => {
      closed = true;
    });
    // Like http.client: the whole body is written, then the answer read, then the socket closed.
    // The head goes first and its answer comes back before the body is on
    // its way, as over any network with latency; the body (12 MiB, less than
    // maxDiscardBytes) is written anyway, over several seconds of tyme.
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${12 * MB}\r\n\r\n`);
    await until(doist, () => chunks.length > 0, 10_000, 'the answer');
    const piece = Buffer.alloc(MB / 4, 'y');
    for (let i = 0; i < 48; i++) {
      if (error !== null) break;
      socket.write(piece, (failure) => {
        error ??= failure ?? null;
      });
      for (let j = 0; j < 4; j++) await step(doist);
    }
    socket.end();
    await until(doist, () => closed, 20_000, 'the close');
    t.is(error, null);
    const text = Buffer.concat(chunks).toString('latin1');
    t.regex(text, /^HTTP\/1\.1 413 Content Too Large\r\n/);
    t.regex(text, /Connection: close\r\n/);
    socket.destroy();
  } finally {
    doist.exit();
  }
});

test('BareServer answers errors to HEAD with the head only', (t) => {
  const world = httpWorld();
  const { client } = world.client([], false);
  client.tx(Buffer.from('HEAD / HTTP/1.1\r\nHost: server\r\nHost: other\r\n\r\n'));
  t.true(world.run(3, () => client.rxEnded));
  const text = client.rxQueue.take(client.rxQueue.length).toString('latin1');
  t.regex(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.true(text.endsWith('\r\n\r\n'), JSON.stringify(text));
  t.regex(text, /Content-Length: \d+\r\n/);
});

test('BareServer answers a bodiless CONNECT with 501 before the application sees it', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
  t.true(world.run(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 501);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.regex(reader.responses[0]!.body.toString(), /HIO_ERR_NOT_IMPLEMENTED/);
});

test('BareServer error bodies name the code and never echo the offending input', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from('BREW /pot<script> HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(1, () => reader.responses.length === 1));
  const body = reader.responses[0]!.body.toString();
  t.is(reader.responses[0]!.status, 400);
  t.regex(body, /^400 Bad Request: .*\(HIO_ERR_BAD_REQUEST\)\n$/);
  t.false(body.includes('script'));
  const second = world.client();
  second.client.tx(Buffer.from('BREW /pot HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(1, () => second.reader.responses.length === 1));
  t.is(second.reader.responses[0]!.status, 501);
  t.false(second.reader.responses[0]!.body.toString().includes('BREW'));
});

test('BareServer answers 408 to a body trickling in slower than minBodyRate after bodyTymeout', (t) => {
  const world = httpWorld({ bodyTymeout: 10, minBodyRate: 100, keepAliveTymeout: 5 });
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nContent-Length: 1000\r\n\r\n'));
  const start = world.doist.tyme;
  // One byte every 4 s: never idle for the keep-alive tymeout, far below the rate.
  let next = start;
  t.true(
    world.run(60, () => {
      if (world.doist.tyme >= next && !client.cutoff && !client.rxEnded) {
        client.tx(Buffer.from('x'));
        next += 4;
      }
      return reader.responses.length === 1;
    }),
  );
  t.is(reader.responses[0]!.status, 408);
  t.regex(reader.responses[0]!.body.toString(), /HIO_ERR_BODY_TIMEOUT/);
  const took = world.doist.tyme - start;
  t.true(took >= 10 && took < 11, `408 after ${took} s`);
});

test('BareServer lets a slow but steady body through', (t) => {
  const world = httpWorld({ bodyTymeout: 2, minBodyRate: 100, keepAliveTymeout: 5 });
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nContent-Length: 3000\r\n\r\n'));
  let sent = 0;
  let next = world.doist.tyme;
  // 200 bytes a second: twice the minimum rate, 15 s in all.
  t.true(
    world.run(30, () => {
      if (world.doist.tyme >= next && sent < 3000) {
        client.tx(Buffer.alloc(200, 'z'));
        sent += 200;
        next += 1;
      }
      return reader.responses.length === 1;
    }),
  );
  t.is(reader.responses[0]!.status, 200);
});

test('BareServer: a quiet lingering connection closes at lingerTymeout though the server sleeps until its next deadline', (t) => {
  // Nothing else happens on this network: the server is woken only by what it scheduled itself.
  const world = httpWorld({ lingerTymeout: 2, keepAliveTymeout: 30 });
  const quiet = world.client();
  quiet.client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\nExpect: something\r\n\r\n'));
  t.true(world.run(1, () => quiet.reader.responses.length === 1));
  const answered = world.doist.tyme;
  t.true(world.run(40, () => world.server.stewards.size === 0));
  const after = world.doist.tyme - answered;
  t.true(after >= 1.9 && after <= 2.25, `closed ${after} s after the answer`);
});
