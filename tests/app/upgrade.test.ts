/**
 * Protocol switches from fetch applications: upgrade() with a protocol of
 * the application's, upgradeNode() handing the connection to `ws` as a Node
 * Duplex — on real sockets with a real WebSocket client, and over the
 * simulated network, where the same seed gives the same bytes.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import { WebSocket, WebSocketServer } from 'ws';
import { AppServer } from '../../src/app/app-server.js';
import { serve } from '../../src/app/serve.js';
import { upgrade, upgradeNode } from '../../src/app/upgrade.js';
import type { HioError } from '../../src/core/errors.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import type { Tunnel } from '../../src/http/tunnel.js';
import type { TunnelDuplex } from '../../src/http/tunnel-duplex.js';
import { httpWorld, receivedText } from '../helpers/http-client.js';

/** A WebSocket server echoing every message, as `ws` users write one. */
function echoServer(): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  return wss;
}

function websocketApp(wss: WebSocketServer) {
  return (request: Request): Response => {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('plain http');
    return upgradeNode(request, (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
  };
}

test('ws runs a WebSocket echo on a hio-ts server: text, a large binary message and the closing handshake', async (t) => {
  t.timeout(20_000);
  const wss = echoServer();
  const faults: unknown[] = [];
  const handle = serve({ port: 0, fetch: websocketApp(wss), onFault: (error) => faults.push(error) });
  const { port } = await handle.listening;
  try {
    const plain = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
    t.is(await plain.text(), 'plain http');
    const client = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const received: Array<{ data: Buffer; binary: boolean }> = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
      client.on('error', reject);
      client.on('open', () => {
        client.send('hello, tunnel');
        client.send(big);
      });
      client.on('message', (data, binary) => {
        received.push({ data: data as Buffer, binary });
        if (received.length === 2) client.close(1000, 'done');
      });
      client.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    t.deepEqual(await closed, { code: 1000, reason: 'done' });
    t.is(received[0]!.data.toString(), 'hello, tunnel');
    t.false(received[0]!.binary);
    t.true(received[1]!.binary);
    t.true(received[1]!.data.equals(big));
  } finally {
    await handle.close(2);
  }
  t.deepEqual(faults, []);
  t.is(handle.server.servant.remoters.size, 0);
});

test('a WebSocket client that vanishes without the closing handshake ends its server socket (1006) without a fault', async (t) => {
  t.timeout(20_000);
  const wss = echoServer();
  const serverClosed = new Promise<number>((resolve) => wss.on('connection', (socket) => socket.on('close', (code) => resolve(code))));
  const faults: unknown[] = [];
  const handle = serve({ port: 0, fetch: websocketApp(wss), onFault: (error) => faults.push(error) });
  const { port } = await handle.listening;
  try {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise<void>((resolve, reject) => {
      client.on('open', () => client.send('one'));
      client.on('message', () => resolve());
      client.on('error', reject);
    });
    client.terminate();
    t.is(await serverClosed, 1006);
  } finally {
    await handle.close(2);
  }
  t.deepEqual(faults, []);
});

/** Makes httpWorld's server an AppServer answering with `fetch`. */
function appServer(fetch: (request: Request) => Response): (options: BareServerOptions) => AppServer {
  return ({ onError, respond: _respond, steward: _steward, ...options }) =>
    new AppServer({ ...options, fetch, ...(onError !== undefined && { onFault: onError }) });
}

/** The bytes of a masked client frame (RFC 6455 §5.2), with a fixed mask so runs repeat. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** One run of a WebSocket echo over the simulated network: the client's received bytes and the trace digest. */
async function simulatedEcho(seed: number): Promise<{ bytes: string; digest: string; faults: number }> {
  const wss = echoServer();
  const world = httpWorld({}, { seed, jitter: 0.002 }, appServer(websocketApp(wss)));
  const { client } = world.client([], false);
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  client.tx(
    Buffer.from(
      `GET /chat HTTP/1.1\r\nHost: server\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  const { text } = receivedText(client);
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  if (!(await world.settle(5, () => text().includes(`Sec-WebSocket-Accept: ${accept}\r\n\r\n`)))) throw new Error(`no handshake: ${text()}`);
  client.tx(clientFrame(0x1, Buffer.from('first')));
  client.tx(clientFrame(0x2, Buffer.alloc(100, 9)));
  if (!(await world.settle(5, () => text().endsWith('\x09'.repeat(100))))) throw new Error('no echo');
  client.tx(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
  if (!(await world.settle(5, () => client.rxEnded))) throw new Error('no close');
  client.shutdownSend();
  if (!(await world.settle(5, () => world.server.servant.remoters.size === 0))) throw new Error('not closed');
  return { bytes: text(), digest: world.net.trace.digest(), faults: world.server.faults };
}

test('a WebSocket echo over a simulated connection repeats byte for byte with the same seed', async (t) => {
  t.timeout(20_000);
  const first = await simulatedEcho(7);
  const second = await simulatedEcho(7);
  t.is(first.faults, 0);
  const body = first.bytes.slice(first.bytes.indexOf('\r\n\r\n') + 4);
  // The echoes (unmasked server frames), then the server's close frame.
  t.true(body.startsWith('\x81\x05first\x82\x64'));
  t.true(body.endsWith('\x88\x02\x03\xe8'));
  t.is(second.bytes, first.bytes);
  t.is(second.digest, first.digest);
  const other = await simulatedEcho(8);
  t.is(other.bytes, first.bytes);
  t.not(other.digest, first.digest);
});

test('upgrade() runs the application protocol after a 101 written for it; a request offering none is refused', async (t) => {
  function* reverse(tunnel: Tunnel): Generator<unknown, void, void> {
    for (;;) {
      const bytes = tunnel.read();
      if (bytes !== null) tunnel.write(Buffer.from([...bytes].reverse()));
      if (tunnel.ended) return;
      yield;
    }
  }
  let refusal: unknown = null;
  const fetch = (request: Request): Response => {
    try {
      return upgrade(request, reverse, { headers: { 'Sec-Custom': 'yes' } });
    } catch (error) {
      refusal = error;
      return new Response('no upgrade', { status: 426, headers: { Upgrade: 'reverse' } });
    }
  };
  const world = httpWorld({}, {}, appServer(fetch));
  const { client } = world.client([], false);
  const { text, clear } = receivedText(client);
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(await world.settle(2, () => text().endsWith('no upgrade')));
  t.regex(text(), /^HTTP\/1\.1 426 /);
  t.is((refusal as HioError).code, 'HIO_ERR_UPGRADE');
  clear();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\nUpgrade: reverse\r\nConnection: upgrade\r\n\r\nabc'));
  t.true(await world.settle(2, () => text().endsWith('cba')));
  t.regex(text(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.regex(text(), /\r\nSec-Custom: yes\r\n/);
  t.regex(text(), /\r\nUpgrade: reverse\r\n/);
});

test('the Duplex speaks like a socket: addresses, no-op socket settings, end and destroy reach the connection', async (t) => {
  let duplex: TunnelDuplex | null = null;
  const fetch = (request: Request): Response =>
    upgradeNode(request, (req, socket) => {
      t.is(req.method, 'GET');
      t.is(req.url, '/raw?x=1');
      t.is(req.headers['x-twice'], 'a, b');
      t.deepEqual(req.rawHeaders.slice(0, 2), ['Host', 'server']);
      duplex = socket;
      socket.setNoDelay().setKeepAlive().ref().unref();
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString() === 'end') socket.end('bye');
        else socket.write(chunk);
      });
    });
  const world = httpWorld({}, {}, appServer(fetch));
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  client.tx(Buffer.from('GET /raw?x=1 HTTP/1.1\r\nHost: server\r\nUpgrade: raw\r\nConnection: upgrade\r\nX-Twice: a\r\nX-Twice: b\r\n\r\nping'));
  t.true(await world.settle(2, () => text().endsWith('ping')));
  t.true(text().startsWith('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\n'));
  const socket = duplex! as TunnelDuplex;
  t.is(socket.remoteAddress, 'client');
  t.is(socket.remoteFamily, 'IPv4');
  t.is(socket.localPort, 80);
  t.is(socket.bytesRead, 4);
  client.tx(Buffer.from('end'));
  t.true(await world.settle(2, () => client.rxEnded));
  t.true(text().endsWith('pingbye'));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  client.shutdownSend();
  t.true(await world.settle(2, () => world.server.servant.remoters.size === 0));
  await closed;
  t.true(socket.destroyed);
});

test('an application the server lets CONNECT through opens a tunnel with upgrade(); without it CONNECT is 501', async (t) => {
  function* relay(tunnel: Tunnel): Generator<unknown, void, void> {
    for (;;) {
      const bytes = tunnel.read();
      if (bytes !== null) tunnel.write(Buffer.concat([Buffer.from('relayed:'), bytes]));
      if (tunnel.ended) return;
      yield;
    }
  }
  const seen: string[] = [];
  const fetch = (request: Request): Response => {
    seen.push(`${request.method} ${request.url}`);
    return upgrade(request, relay);
  };
  for (const methods of [undefined, ['GET', 'CONNECT']]) {
    const world = httpWorld(methods === undefined ? {} : { methods }, {}, appServer(fetch));
    const { client } = world.client([], false);
    const { text } = receivedText(client);
    client.tx(Buffer.from('CONNECT upstream.example:443 HTTP/1.1\r\nHost: upstream.example:443\r\n\r\nhello'));
    if (methods === undefined) {
      t.true(await world.settle(2, () => text().includes('\r\n\r\n')));
      t.regex(text(), /^HTTP\/1\.1 501 /);
      continue;
    }
    t.true(await world.settle(2, () => text().endsWith('relayed:hello')));
    t.regex(text(), /^HTTP\/1\.1 200 OK\r\n/);
    t.notRegex(text(), /Content-Length|Transfer-Encoding|Keep-Alive/i);
  }
  t.deepEqual(seen, ['CONNECT http://upstream.example:443/']);
});

test('a paused Duplex still gets every byte the peer sent before a clean close, then its end and close', async (t) => {
  let duplex: TunnelDuplex | null = null;
  const events: string[] = [];
  const fetch = (request: Request): Response =>
    upgradeNode(request, (_req, socket) => {
      duplex = socket;
      socket.pause();
      socket.on('end', () => events.push('end'));
      socket.on('close', () => events.push('close'));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\n');
      socket.end('bye');
    });
  const world = httpWorld({}, {}, appServer(fetch));
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  client.tx(Buffer.from('GET /raw HTTP/1.1\r\nHost: server\r\nUpgrade: raw\r\nConnection: upgrade\r\n\r\n'));
  t.true(await world.settle(2, () => text().endsWith('bye')));
  client.tx(Buffer.alloc(50_000, 7));
  client.shutdownSend();
  t.true(await world.settle(3, () => world.server.servant.remoters.size === 0));
  const socket = duplex! as TunnelDuplex;
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  socket.resume();
  t.true(await world.settle(2, () => events.includes('close')));
  t.is(bytes, 50_000);
  t.deepEqual(events, ['end', 'close']);
});

test('upgradeNode refuses a request that offered no upgrade (HTTP/1.0, or Upgrade without Connection: upgrade): 500, and nothing is handed over', async (t) => {
  const faults: unknown[] = [];
  let listened = 0;
  const fetch = (request: Request): Response => {
    if (new URL(request.url).pathname === '/next') return new Response('next');
    return upgradeNode(request, () => {
      listened += 1;
    });
  };
  for (const offer of [
    'GET /raw HTTP/1.0\r\nHost: s\r\nUpgrade: raw\r\nConnection: upgrade, keep-alive\r\n\r\nGET /next HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    'GET /raw HTTP/1.1\r\nHost: s\r\nUpgrade: raw\r\n\r\nGET /next HTTP/1.1\r\nHost: s\r\n\r\n',
  ]) {
    const world = httpWorld({ onError: (error) => faults.push(error) }, {}, appServer(fetch));
    const { client } = world.client([], false);
    const { text } = receivedText(client);
    client.tx(Buffer.from(offer));
    t.true(await world.settle(2, () => client.rxEnded), offer);
    t.regex(text(), /^HTTP\/1\.1 500 /);
  }
  t.is(listened, 0);
  t.deepEqual(
    faults.map((error) => (error as HioError).code),
    ['HIO_ERR_UPGRADE', 'HIO_ERR_UPGRADE'],
  );
});

test('a 2xx to CONNECT without a protocol to take over is a fault and the connection resets: the client never talks HTTP inside its tunnel', async (t) => {
  const faults: unknown[] = [];
  const world = httpWorld(
    { methods: ['GET', 'CONNECT'], onError: (error) => faults.push(error) },
    {},
    appServer(() => new Response('not a tunnel')),
  );
  const { client } = world.client([], false);
  const { text } = receivedText(client);
  client.tx(Buffer.from('CONNECT up.example:443 HTTP/1.1\r\nHost: up.example:443\r\n\r\n\x16\x03\x01hello'));
  t.true(await world.settle(2, () => client.cutoff));
  // At most the 200's head, then the reset: no HTTP answer to the bytes meant for the tunnel.
  t.is(text().match(/HTTP\/1\.1 /g)?.length ?? 0, text().length === 0 ? 0 : 1);
  t.false(text().includes('not a tunnel'));
  t.is((faults[0] as HioError).code, 'HIO_ERR_UPGRADE');
});
