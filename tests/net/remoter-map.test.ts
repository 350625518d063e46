/**
 * The RemoterMap: remoters held by identity and looked up by key, keys
 * computed only when a lookup asks; and a NetServant that accepts, answers
 * and closes connections without a getpeername, while their addresses stay
 * readable for whoever asks during the connection.
 */
import { connect as netConnect, Socket } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import test from 'ava';
import { RemoterMap } from '../../src/net/remoter-map.js';
import { NetServant } from '../../src/net/net-servant.js';
import { Doist } from '../../src/doing/doist.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import type { Remoter } from '../../src/net/connection.js';
import { until } from '../helpers/drive.js';

/** A keyed item counting how often its key was read. */
class Item {
  reads = 0;
  readonly #key: string;
  constructor(key: string) {
    this.#key = key;
  }
  get remoteKey(): string {
    this.reads += 1;
    return this.#key;
  }
}

test('RemoterMap adds, holds and removes by identity without reading keys, and looks up by key once asked', (t) => {
  const map = new RemoterMap<Item>();
  const a = new Item('a:1');
  const b = new Item('b:2');
  map.add(a);
  map.add(b);
  t.is(map.size, 2);
  t.true(map.holds(a));
  t.true(map.remove(b));
  t.false(map.remove(b));
  t.false(map.holds(b));
  t.deepEqual([...map.values()], [a]);
  t.is(a.reads + b.reads, 0);
  // A lookup builds the index; later changes keep it current.
  t.is(map.get('a:1'), a);
  t.false(map.has('b:2'));
  map.add(b);
  t.is(map.get('b:2'), b);
  map.remove(a);
  t.is(map.get('a:1'), undefined);
  t.deepEqual([...map.keys()], ['b:2']);
  t.deepEqual([...map.entries()], [['b:2', b]]);
  t.deepEqual([...map], [['b:2', b]]);
  const seen: string[] = [];
  map.forEach((item, key) => seen.push(`${key}=${item === b}`));
  t.deepEqual(seen, ['b:2=true']);
  map.clear();
  t.is(map.size, 0);
  t.false(map.has('b:2'));
});

/** Counts getpeername calls made through Node's sockets while `run` runs. */
async function countingPeerLookups(run: () => Promise<void>): Promise<number> {
  const proto = Socket.prototype as unknown as { _getpeername: () => unknown };
  const original = proto._getpeername;
  let calls = 0;
  proto._getpeername = function (this: Socket) {
    calls += 1;
    return original.call(this);
  };
  try {
    await run();
  } finally {
    proto._getpeername = original;
  }
  return calls;
}

/** One keep-alive request and a Connection: close one, over a raw socket; resolves with what came back once the server closed. */
function exchange(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}

test.serial('NetServant serves and closes a connection without asking the kernel for its peer address', async (t) => {
  t.timeout(30_000);
  const doist = new Doist({ tock: 1 / 64 });
  const server = new BareServer({ servant: new NetServant({ port: 0 }) });
  doist.extend([new BareServerDoer(server)]);
  try {
    await until(doist, () => server.servant.opened, 10_000, 'listening');
    let answer: Promise<string> | null = null;
    const calls = await countingPeerLookups(async () => {
      answer = exchange(server.servant.address.port);
      let done = false;
      void answer.then(() => (done = true));
      await until(doist, () => done && server.stewards.size === 0, 20_000, 'both answers and the close');
    });
    const text = await answer!;
    t.is(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
    t.is(calls, 0);
  } finally {
    doist.exit();
  }
});

test.serial('A NetServant remoter reads its peer address on first use, and keeps it for channel subscribers after the close', async (t) => {
  t.timeout(30_000);
  const doist = new Doist({ tock: 1 / 64 });
  const servant = new NetServant({ port: 0 });
  const server = new BareServer({ servant });
  doist.extend([new BareServerDoer(server)]);
  const closed: Array<string | null> = [];
  const onClose = (message: unknown): void => {
    const connection = (message as { connection: Remoter }).connection;
    closed.push(connection.remoteAddress === null ? null : `${connection.remoteAddress.host}:${connection.remoteAddress.port}`);
  };
  try {
    await until(doist, () => servant.opened, 10_000, 'listening');
    // Asked while connected: the address and the key agree with the client's end.
    const socket = netConnect({ port: servant.address.port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(doist, () => servant.remoters.size === 1, 10_000, 'the connection');
    const remoter = [...servant.remoters.values()][0]!;
    t.is(remoter.remoteKey, `127.0.0.1:${socket.localPort}`);
    t.deepEqual(remoter.remoteAddress, { host: '127.0.0.1', port: socket.localPort });
    t.is(servant.remoters.get(remoter.remoteKey), remoter);
    socket.destroy();
    await until(doist, () => servant.remoters.size === 0, 10_000, 'the close');
    // Never asked, but someone listens on hio:net:close: the address is there at the close.
    subscribe('hio:net:close', onClose);
    let answer: string | null = null;
    void exchange(servant.address.port).then((text) => (answer = text));
    await until(doist, () => answer !== null && closed.length > 0, 10_000, 'the answers and the published close');
    t.true(answer!.includes('Connection: close'));
    t.regex(closed[0] ?? '', /^127\.0\.0\.1:\d+$/);
  } finally {
    unsubscribe('hio:net:close', onClose);
    doist.exit();
  }
});
