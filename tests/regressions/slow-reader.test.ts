/**
 * Regression: slow readers lost the end of large responses. The linger of a
 * closing connection started when the response was queued, not when its last
 * byte was written, and on keep-alive the idle tymer was refreshed only when
 * bytes arrived or were queued, not when the peer accepted queued bytes. A
 * connection is idle only when nothing moves either way; a peer that reads
 * nothing at all is still dropped at the idle tymeout.
 *
 * Each case runs on the simulated network and on real sockets (virtual
 * tyme, a paused client socket read a few KiB per recur).
 */
import { connect, type Socket } from 'node:net';
import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { NetServant } from '../../src/net/net-servant.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import type { Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';
import { header, httpWorld, ResponseReader } from '../helpers/http-client.js';
import { until } from '../helpers/drive.js';

const MB = 1024 * 1024;

/** Answers GET /N with N MiB of a repeating pattern. */
class Big extends Steward {
  override respond(request: Request): Responder {
    const size = Number(request.path.slice(1)) * MB;
    const body = Buffer.alloc(size, 'abcdefghijklmnopqrstuvwxyz');
    return new CustomResponder({ body });
  }
}

const get = (mb: number, extra = ''): string => `GET /${mb} HTTP/1.1\r\nHost: server\r\n${extra}\r\n`;

/** Runs a simulated world whose client reads `perSecond` bytes per second of tyme; returns the reader. */
function simSlowRead(requests: string, perSecond: number, seconds: number, done: (reader: ResponseReader, ended: boolean) => boolean) {
  // A window large enough that the reader, not the network, sets the pace.
  const world = httpWorld({ steward: Big, keepAliveTymeout: 2, sendTymeout: 5 }, { window: MB });
  const { client, reader } = world.client([], false);
  client.tx(Buffer.from(requests));
  const perRecur = Math.max(1, Math.floor(perSecond * world.doist.tock));
  const finished = world.run(seconds, () => {
    const take = Math.min(perRecur, client.rxQueue.length);
    if (take > 0) reader.push(client.rxQueue.take(take));
    return done(reader, client.rxEnded && client.rxQueue.length === 0);
  });
  return { finished, reader, client, world };
}

test('slow reader (sim): ten 1 MiB keep-alive answers read at 128 KiB/s all arrive', (t) => {
  const requests = Array.from({ length: 10 }, () => get(1)).join('');
  const { finished, reader } = simSlowRead(requests, 128 * 1024, 120, (r) => r.responses.length === 10);
  t.true(finished);
  t.is(reader.responses.length, 10);
  for (const response of reader.responses) t.is(response.body.length, MB);
});

test('slow reader (sim): a 30 MiB answer with Connection: close read at 4 MiB/s arrives whole, then the connection closes', (t) => {
  const { finished, reader } = simSlowRead(get(30, 'Connection: close\r\n'), 4 * MB, 60, (_r, ended) => ended);
  t.true(finished);
  t.is(reader.responses.length, 1);
  t.is(reader.responses[0]!.body.length, 30 * MB);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
});

test('slow reader (sim): a peer that reads nothing at all is dropped at the send tymeout', (t) => {
  const world = httpWorld({ steward: Big, keepAliveTymeout: 2, sendTymeout: 5 });
  const { client } = world.client([], false);
  client.tx(Buffer.from(get(4)));
  t.true(world.run(1, () => world.server.stewards.size === 1));
  // Its window fills at once; from then on nothing moves.
  t.true(world.run(30, () => world.server.stewards.size === 0));
  t.true(world.doist.tyme >= 5 && world.doist.tyme < 7, `dropped at ${world.doist.tyme} s`);
  t.true(world.run(1, () => client.cutoff));
  t.is(client.error?.code, 'ECONNRESET');
});

/** A real-socket world: a BareServer on port 0 in a virtual-tyme Doist, and a raw client socket read by hand. */
async function realWorld(options: { keepAliveTymeout: number; sendTymeout: number }) {
  const doist = new Doist({ tock: 1 / 16 });
  const server = new BareServer({ servant: new NetServant({ port: 0 }), steward: Big, ...options });
  doist.extend([new BareServerDoer(server)]);
  await until(doist, () => server.servant.opened, 10_000, 'listening');
  const socket = connect(server.servant.address.port, '127.0.0.1');
  socket.pause();
  let ended = false;
  socket.on('end', () => {
    ended = true;
  });
  socket.on('close', () => {
    ended = true;
  });
  socket.on('error', () => {
    ended = true;
  });
  return {
    doist,
    server,
    socket,
    get ended() {
      return ended;
    },
  };
}

/** Reads at most `bytes` from a paused socket's buffer; with nothing buffered, asks the socket to read. */
function readSome(socket: Socket, bytes: number): Buffer | null {
  if (socket.readableLength === 0) {
    socket.read(0);
    return null;
  }
  return socket.read(Math.min(bytes, socket.readableLength)) as Buffer | null;
}

test('slow reader (sockets): a 16 MiB keep-alive answer read far slower than the idle tymeout allows arrives whole', async (t) => {
  t.timeout(60_000);
  const world = await realWorld({ keepAliveTymeout: 2, sendTymeout: 10 });
  try {
    world.socket.write(get(16));
    const reader = new ResponseReader();
    // 32 KiB per recur of 1/16 s: 512 KiB/s of tyme, 32 s for the whole answer.
    await until(
      world.doist,
      () => {
        const chunk = readSome(world.socket, 32 * 1024);
        if (chunk !== null) reader.push(chunk);
        return reader.responses.length === 1 || world.ended;
      },
      200_000,
      'the whole answer',
    );
    // Slower than both tymeouts allow without write progress counting as traffic.
    t.true(world.doist.tyme > 20, `took only ${world.doist.tyme} s of tyme: not slow enough to test anything`);
    t.is(reader.responses.length, 1);
    t.is(reader.responses[0]!.body.length, 16 * MB);
  } finally {
    world.socket.destroy();
    world.doist.exit();
  }
});

test('slow reader (sockets): a 16 MiB answer with Connection: close read slowly arrives whole before the close', async (t) => {
  t.timeout(60_000);
  const world = await realWorld({ keepAliveTymeout: 2, sendTymeout: 10 });
  try {
    world.socket.write(get(16, 'Connection: close\r\n'));
    const reader = new ResponseReader();
    await until(
      world.doist,
      () => {
        const chunk = readSome(world.socket, 32 * 1024);
        if (chunk !== null) reader.push(chunk);
        return world.ended && world.socket.readableLength === 0;
      },
      200_000,
      'the close',
    );
    t.is(reader.responses.length, 1);
    t.is(reader.responses[0]!.body.length, 16 * MB);
  } finally {
    world.socket.destroy();
    world.doist.exit();
  }
});

test('slow reader (sockets): a peer that reads nothing is dropped at the send tymeout', async (t) => {
  t.timeout(60_000);
  const world = await realWorld({ keepAliveTymeout: 1, sendTymeout: 2 });
  try {
    world.socket.write(get(24));
    await until(world.doist, () => world.server.stewards.size === 1, 10_000, 'a steward');
    // The kernel takes bytes for a while although the peer reads none: the tymeout runs from the last it took.
    const remoter = [...world.server.stewards.keys()][0]!;
    let written = remoter.txWritten;
    let lastProgress = world.doist.tyme;
    await until(
      world.doist,
      () => {
        if (remoter.txWritten !== written) {
          written = remoter.txWritten;
          lastProgress = world.doist.tyme;
        }
        return world.server.stewards.size === 0;
      },
      10_000,
      'the drop',
    );
    const took = world.doist.tyme - lastProgress;
    t.true(took >= 2 && took < 2.5, `dropped ${took} s after the peer last took bytes`);
    // Let the client see the close.
    await until(
      world.doist,
      () => {
        readSome(world.socket, 1 << 20);
        return world.ended;
      },
      10_000,
      'client sees the close',
    );
    t.pass();
  } finally {
    world.socket.destroy();
    world.doist.exit();
  }
});
