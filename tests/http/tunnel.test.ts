/**
 * Switching protocols at the Steward level: a SwitchResponder answers 101
 * (or a CONNECT's 200) and a Tunnel runs the application's protocol on the
 * bytes that follow, which the HTTP parser never sees; backpressure,
 * tymeouts, ends and faults of a tunnel.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import { HandResponder } from '../../src/http/hand-responder.js';
import type { Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { SwitchResponder, offeredProtocols, switchHead, type SwitchOptions } from '../../src/http/switching.js';
import { Tunnel, type TunnelProtocol, type TunnelService } from '../../src/http/tunnel.js';
import { httpWorld, receivedText } from '../helpers/http-client.js';

const UPGRADE = (path: string, protocol = 'shout'): string => `GET ${path} HTTP/1.1\r\nHost: server\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`;
const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;

/** Echoes what arrives upper-cased; ends its side when the peer ends. */
function* shout(tunnel: Tunnel): Generator<unknown, void, void> {
  for (;;) {
    const bytes = tunnel.read();
    if (bytes !== null) tunnel.write(Buffer.from(bytes.toString('latin1').toUpperCase(), 'latin1'));
    if (tunnel.ended) return;
    yield;
  }
}

/** A world whose server switches /up requests to `protocol` and answers others with "plain". */
function switching(
  protocol: () => TunnelProtocol,
  serverOptions: Parameters<typeof httpWorld>[0] = {},
  options: SwitchOptions = {},
  netOptions: Parameters<typeof httpWorld>[1] = {},
) {
  const faults: unknown[] = [];
  const world = httpWorld(
    {
      onError: (error) => faults.push(error),
      respond: (request: Request): Responder =>
        request.path === '/up' || request.method === 'CONNECT' ? new SwitchResponder(protocol(), options) : new CustomResponder({ body: 'plain' }),
      ...serverOptions,
    },
    netOptions,
  );
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  return { world, client, text, faults };
}

test('a 101 hands the connection to the protocol; bytes sent with the request go to it, never to the parser', (t) => {
  const { world, client, text, faults } = switching(() => shout);
  client.tx(Buffer.from(UPGRADE('/up') + 'GET / HTTP/1.1\r\n\r\nhello'));
  t.true(world.run(2, () => text().endsWith('HELLO')));
  const [head, rest] = text().split('\r\n\r\n', 2);
  t.regex(head!, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.regex(head!, /\r\nUpgrade: shout\r\n/i);
  t.regex(head!, /\r\nConnection: Upgrade/i);
  t.notRegex(head!, /Content-Length|Transfer-Encoding|Keep-Alive/i);
  t.is(text().slice(head!.length + 4), 'GET / HTTP/1.1\r\n\r\nHELLO');
  t.is(rest, 'GET / HTTP/1.1');
  t.true([...world.server.stewards.values()][0] instanceof Tunnel);
  client.shutdownSend();
  t.true(world.run(2, () => client.rxEnded && world.server.servant.remoters.size === 0));
  t.deepEqual(faults, []);
});

test('an upgrade request answered without a switch lets HTTP go on with the next request', (t) => {
  const { world, client, text } = switching(() => shout);
  client.tx(Buffer.from(UPGRADE('/plain') + GET('/next')));
  t.true(world.run(2, () => (text().match(/\r\n\r\nplain/g) ?? []).length === 2));
  t.is((text().match(/HTTP\/1\.1 200 OK/g) ?? []).length, 2);
  t.false(text().includes('101'));
});

test('a switch refused: no upgrade offered, HTTP/1.0, or several protocols and none chosen answer 500', (t) => {
  const cases = [
    GET('/up'),
    'GET /up HTTP/1.0\r\nHost: server\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n',
    `GET /up HTTP/1.1\r\nHost: server\r\nUpgrade: shout\r\n\r\n`,
    UPGRADE('/up', 'a, b'),
  ];
  for (const request of cases) {
    const { world, client, text, faults } = switching(() => shout);
    client.tx(Buffer.from(request));
    t.true(
      world.run(2, () => text().includes('\r\n\r\n')),
      request,
    );
    t.regex(text(), /^HTTP\/1\.[01] 500 /, request);
    t.is((faults[0] as HioError | undefined)?.code, 'HIO_ERR_UPGRADE', request);
  }
});

test('switchHead and offeredProtocols follow RFC 9110 §7.8', (t) => {
  const request = (fields: Record<string, string>, method = 'GET', version = 'HTTP/1.1') => ({
    method,
    version,
    headers: new Map(Object.entries(fields)) as unknown as { get(name: string): string | undefined },
  });
  t.deepEqual(offeredProtocols(request({ upgrade: 'websocket, h2c', connection: 'keep-alive, Upgrade' })), ['websocket', 'h2c']);
  t.deepEqual(offeredProtocols(request({ upgrade: 'websocket' })), []);
  t.deepEqual(offeredProtocols(request({ upgrade: 'websocket', connection: 'upgrade' }, 'GET', 'HTTP/1.0')), []);
  const head = switchHead(request({ upgrade: 'websocket, h2c', connection: 'upgrade' }), { headers: { Upgrade: 'h2c' } });
  t.is(head.status, 101);
  t.is(head.headers.get('upgrade'), 'h2c');
  t.is(head.headers.get('connection'), 'Upgrade');
  t.is(switchHead(request({}, 'CONNECT'), { status: 204 }).status, 204);
  t.is(t.throws(() => switchHead(request({}, 'CONNECT'), { status: 404 }))?.message.includes('2xx'), true);
  t.is((t.throws(() => switchHead(request({ upgrade: 'x', connection: 'upgrade' }), { status: 200 })) as HioError).code, 'HIO_ERR_UPGRADE');
});

test('CONNECT is answered 501 unless the server lets it through; then a 200 opens a tunnel', (t) => {
  const refused = switching(() => shout);
  refused.client.tx(Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
  t.true(refused.world.run(2, () => refused.text().includes('\r\n\r\n')));
  t.regex(refused.text(), /^HTTP\/1\.1 501 /);

  const opened = switching(() => shout, { methods: ['GET', 'CONNECT'] });
  opened.client.tx(Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nsecret bytes'));
  t.true(opened.world.run(2, () => opened.text().endsWith('SECRET BYTES')));
  t.regex(opened.text(), /^HTTP\/1\.1 200 OK\r\n/);
  t.notRegex(opened.text(), /Content-Length|Transfer-Encoding/i);
});

test('a tunnel keeps backpressure: write() turns false at highWater, and the protocol runs again when there is room', (t) => {
  const total = 1024 * 1024;
  let sent = 0;
  let maxPending = 0;
  let refusals = 0;
  const pour: TunnelService = {
    service(tunnel) {
      while (sent < total) {
        const chunk = Buffer.alloc(16 * 1024, sent / 1024);
        sent += chunk.length;
        const more = tunnel.write(chunk);
        maxPending = Math.max(maxPending, tunnel.pending);
        if (!more) {
          refusals += 1;
          t.false(tunnel.writable);
          return;
        }
      }
      tunnel.end();
    },
  };
  const { world, client } = switching(() => pour, { highWater: 64 * 1024 });
  client.tx(Buffer.from(UPGRADE('/up')));
  let bytes = 0;
  t.true(
    world.run(60, () => {
      bytes += client.rxQueue.length;
      if (client.rxQueue.length > 0) client.rxQueue.take(client.rxQueue.length);
      return client.rxEnded;
    }),
  );
  t.true(bytes > total);
  t.true(refusals > 1);
  // At most one chunk past the mark (and the 101's head).
  t.true(maxPending < 64 * 1024 + 16 * 1024 + 256, String(maxPending));
});

test('an idle tunnel is closed at its idle tymeout and the protocol is told why', (t) => {
  let failure: HioError | null = null;
  let abandoned = 0;
  const quiet: TunnelService = {
    service() {},
    abandon(tunnel) {
      abandoned += 1;
      failure = tunnel.failure;
    },
  };
  const { world, client } = switching(() => quiet, {}, { idleTymeout: 3 });
  client.tx(Buffer.from(UPGRADE('/up')));
  t.true(world.run(2, () => world.server.stewards.size === 1 && [...world.server.stewards.values()][0] instanceof Tunnel));
  const tunnel = [...world.server.stewards.values()][0] as Tunnel;
  t.is(tunnel.remoter.tymeout, 3);
  const start = world.doist.tyme;
  t.true(world.run(10, () => world.server.stewards.size === 0));
  t.true(world.doist.tyme - start >= 3);
  t.is(abandoned, 1);
  t.is(failure!.code, 'HIO_ERR_TUNNEL_TIMEOUT');
  t.true(world.run(2, () => client.rxEnded || client.cutoff));
});

test('idleTymeout is a tunnel option; a protocol that throws is a contained fault and the connection resets', (t) => {
  const thrower: TunnelService = {
    service(tunnel) {
      if (tunnel.available > 0) throw new Error('protocol broke');
    },
  };
  const { world, client, faults } = switching(() => thrower);
  client.tx(Buffer.from(UPGRADE('/up')));
  t.true(world.run(2, () => world.server.stewards.size === 1 && [...world.server.stewards.values()][0] instanceof Tunnel));
  client.tx(Buffer.from('boom'));
  t.true(world.run(2, () => client.cutoff));
  t.is((faults[0] as Error).message, 'protocol broke');
  t.is(world.server.servant.remoters.size, 0);

  t.throws(() => new SwitchResponder(thrower, { idleTymeout: -1 }).takeOver(client as never, world.server), { instanceOf: HioError });
  t.throws(() => new SwitchResponder({} as TunnelService).takeOver(client as never, world.server), { instanceOf: HioError });
});

test('a hand writer switches protocols with switchProtocols()', async (t) => {
  const world = httpWorld({
    respond: () =>
      new HandResponder(async (writer) => {
        await writer.switchProtocols(shout, { headers: { 'X-Hand': 'yes' } });
      }),
  });
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  client.tx(Buffer.from(UPGRADE('/up')));
  t.true(await world.settle(2, () => text().includes('\r\n\r\n')));
  t.regex(text(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.regex(text(), /X-Hand: yes/);
  t.notRegex(text(), /Content-Length|Transfer-Encoding/i);
  client.tx(Buffer.from('by hand'));
  t.true(await world.settle(2, () => text().endsWith('BY HAND')));
});

test('a tunnel can be ended by the protocol, and the connection closes once the peer ends too', (t) => {
  function* once(tunnel: Tunnel): Generator<unknown, void, void> {
    tunnel.write(Buffer.from('bye'));
    yield;
  }
  const { world, client, text } = switching(() => once);
  client.tx(Buffer.from(UPGRADE('/up')));
  t.true(world.run(2, () => text().endsWith('bye')));
  t.false(client.rxEnded);
  // The next pass with news steps the generator to its return: the tunnel's side ends.
  client.tx(Buffer.from('x'));
  t.true(world.run(2, () => client.rxEnded));
  t.true(text().endsWith('\r\n\r\nbye'));
  t.is(world.server.stewards.size, 1);
  client.tx(Buffer.from('ignored'));
  client.shutdownSend();
  t.true(world.run(2, () => world.server.servant.remoters.size === 0));
});

test('an upgrade request with a body switches after the whole body, streamed or not; the tunnel gets only what follows it', async (t) => {
  for (const streamBodies of [false, true]) {
    const { world, client, text } = switching(() => shout, { streamBodies });
    client.tx(Buffer.from('POST /up HTTP/1.1\r\nHost: server\r\nConnection: Upgrade\r\nUpgrade: shout\r\nContent-Length: 10\r\n\r\nbody-'));
    await world.settle(1, () => false);
    t.false(text().includes('101'), `streamBodies ${streamBodies}: no switch before the body is in`);
    client.tx(Buffer.from('bytesafter'));
    t.true(await world.settle(2, () => text().endsWith('AFTER')), `streamBodies ${streamBodies}`);
    t.regex(text(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    t.is(text().slice(text().indexOf('\r\n\r\n') + 4), 'AFTER');
  }
});

test('a hand writer switching while the body still arrives is refused before anything is written (500)', async (t) => {
  const faults: unknown[] = [];
  const world = httpWorld({
    streamBodies: true,
    onError: (error) => faults.push(error),
    respond: () =>
      new HandResponder(async (writer) => {
        await writer.switchProtocols(shout);
      }),
  });
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  client.tx(Buffer.from('POST /up HTTP/1.1\r\nHost: server\r\nConnection: Upgrade\r\nUpgrade: shout\r\nContent-Length: 10\r\n\r\nbody-'));
  t.true(await world.settle(2, () => text().includes('\r\n\r\n')));
  t.regex(text(), /^HTTP\/1\.1 500 /);
  t.is((faults[0] as HioError).code, 'HIO_ERR_UPGRADE');
});

test('a tunnel blocked on a peer that reads nothing costs no passes: the server is not due until the connection has room', (t) => {
  let calls = 0;
  const pour: TunnelService = {
    service(tunnel) {
      calls += 1;
      while (tunnel.write(Buffer.alloc(16 * 1024, 1)));
    },
  };
  const { world, client } = switching(() => pour, { highWater: 64 * 1024 });
  client.tx(Buffer.from(UPGRADE('/up')));
  world.run(2);
  const before = calls;
  let dueNow = 0;
  world.run(2, () => {
    if (world.server.nextDue() <= world.doist.tyme) dueNow += 1;
    return false;
  });
  t.is(dueNow, 0);
  t.is(calls, before);
  // Room again (the client reads) runs the protocol again.
  t.true(
    world.run(2, () => {
      if (client.rxQueue.length > 0) client.rxQueue.take(client.rxQueue.length);
      return calls > before;
    }),
  );
});

test('a tunnel ending after the peer ended still delivers every byte it wrote before closing', (t) => {
  const total = 1024 * 1024;
  let sent = 0;
  // Read until the peer ends, then answer 1 MiB within backpressure, then end.
  const answer: TunnelService = {
    service(tunnel) {
      tunnel.read();
      if (!tunnel.ended) return;
      while (sent < total) {
        sent += 16 * 1024;
        if (!tunnel.write(Buffer.alloc(16 * 1024, 1))) return;
      }
      tunnel.end();
    },
  };
  function* echo(tunnel: Tunnel): Generator<unknown, void, void> {
    for (;;) {
      const bytes = tunnel.read();
      if (bytes !== null) tunnel.write(bytes);
      if (tunnel.ended) return;
      yield;
    }
  }
  const upload = Buffer.alloc(512 * 1024, 2);
  for (const [protocol, sends, expected] of [
    [answer, [Buffer.from('question')], total],
    [echo, [upload], upload.length],
  ] as const) {
    const { world, client } = switching(() => protocol, { highWater: 64 * 1024 }, {}, { bandwidth: 1024 * 1024 });
    client.tx(Buffer.from(UPGRADE('/up')));
    for (const bytes of sends) client.tx(bytes);
    client.shutdownSend();
    let received = 0;
    let first = '';
    t.true(
      world.run(30, () => {
        if (client.rxQueue.length > 0) {
          const chunk = client.rxQueue.take(client.rxQueue.length);
          received += chunk.length;
          if (first.length < 512) first += chunk.subarray(0, 512).toString('latin1');
        }
        return client.rxEnded || client.cutoff;
      }),
    );
    // What came after the 101's head.
    const got = received - (first.indexOf('\r\n\r\n') + 4);
    t.is(client.error, null);
    t.is(got, expected);
    t.true(world.run(2, () => world.server.servant.remoters.size === 0));
  }
});

test('a protocol reading part of what waits is run again for the rest, without news from the peer', (t) => {
  function* sip(tunnel: Tunnel): Generator<unknown, void, void> {
    for (;;) {
      const bytes = tunnel.writable ? tunnel.read(1000) : null;
      if (bytes !== null) tunnel.write(bytes);
      if (tunnel.ended) return;
      yield;
    }
  }
  const { world, client } = switching(() => sip);
  client.tx(Buffer.from(UPGRADE('/up')));
  client.tx(Buffer.alloc(50_000, 3));
  let received = 0;
  t.true(
    world.run(5, () => {
      if (client.rxQueue.length > 0) received += client.rxQueue.take(client.rxQueue.length).length;
      return received >= 50_000;
    }),
  );
  t.true(received > 50_000);
});
