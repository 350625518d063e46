/**
 * The PROXY protocol: the header parser as data (raw bytes and the header,
 * or the rejection, each re-run with the input split at every point and fed
 * byte by byte), then a server with `proxyProtocol` on the simulated
 * network (fragmented to single bytes too) and on real sockets: a request
 * after a good header is answered and sees the address the header carried;
 * a missing, malformed, oversized or late header closes the connection
 * with no HTTP answer, a fault with code HIO_ERR_PROXY_PROTOCOL.
 */
import test from 'ava';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { serve } from '../../src/app/serve.js';
import { ByteQueue } from '../../src/core/byte-queue.js';
import { HioError } from '../../src/core/errors.js';
import { BareServer } from '../../src/http/bare-server.js';
import { formatIPv6, parseProxyHeader, PROXY_V2_MAX_LENGTH, type ProxyHeader } from '../../src/http/proxy-protocol.js';
import { httpWorld, ResponseReader, type HttpWorld } from '../helpers/http-client.js';
import { exchange } from '../helpers/sockets.js';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header: signature, version/command, family/transport, length, then `block`. */
function v2(versionCommand: number, familyTransport: number, block: Buffer | number[], length?: number): Buffer {
  const body = Buffer.from(block);
  const fixed = Buffer.alloc(4);
  fixed[0] = versionCommand;
  fixed[1] = familyTransport;
  fixed.writeUInt16BE(length ?? body.length, 2);
  return Buffer.concat([SIGNATURE, fixed, body]);
}

/** An IPv4 TCP address block: source, destination, their ports. */
function inet(source: number[], destination: number[], sourcePort: number, destinationPort: number): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sourcePort, 0);
  ports.writeUInt16BE(destinationPort, 2);
  return Buffer.concat([Buffer.from(source), Buffer.from(destination), ports]);
}

/** An IPv6 TCP address block. */
function inet6(source: number[], destination: number[], sourcePort: number, destinationPort: number): Buffer {
  return inet(source, destination, sourcePort, destinationPort);
}

const ipv6 = (...groups: number[]): number[] => groups.flatMap((group) => [group >> 8, group & 0xff]);

/** Two TLVs (a PP2_TYPE_ALPN "h2" and a PP2_TYPE_AUTHORITY "example.com"), skipped by the parser. */
const TLVS = Buffer.concat([Buffer.from([0x01, 0x00, 0x02]), Buffer.from('h2'), Buffer.from([0x02, 0x00, 0x0b]), Buffer.from('example.com')]);

const AFTER = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

interface Good {
  readonly title: string;
  readonly bytes: Buffer;
  readonly header: Omit<ProxyHeader, 'length'>;
}

const GOOD: readonly Good[] = [
  {
    title: 'v1 TCP4',
    bytes: Buffer.from('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n'),
    header: { version: 1, command: 'proxy', source: { host: '192.168.0.1', port: 56324 }, destination: { host: '192.168.0.11', port: 443 } },
  },
  {
    title: 'v1 TCP4 at the extremes of its ranges',
    bytes: Buffer.from('PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n'),
    header: { version: 1, command: 'proxy', source: { host: '255.255.255.255', port: 65535 }, destination: { host: '0.0.0.0', port: 0 } },
  },
  {
    title: 'v1 TCP6',
    bytes: Buffer.from('PROXY TCP6 2001:db8::1 ::1 1234 80\r\n'),
    header: { version: 1, command: 'proxy', source: { host: '2001:db8::1', port: 1234 }, destination: { host: '::1', port: 80 } },
  },
  {
    title: 'v1 TCP6 with IPv4-mapped addresses, as a dual-stack proxy prints them',
    bytes: Buffer.from('PROXY TCP6 ::ffff:10.1.2.3 ::ffff:10.0.0.1 40000 8080\r\n'),
    header: { version: 1, command: 'proxy', source: { host: '::ffff:10.1.2.3', port: 40000 }, destination: { host: '::ffff:10.0.0.1', port: 8080 } },
  },
  {
    title: 'v1 UNKNOWN, short form',
    bytes: Buffer.from('PROXY UNKNOWN\r\n'),
    header: { version: 1, command: 'unknown', source: null, destination: null },
  },
  {
    title: 'v1 UNKNOWN at the longest line (107 bytes), whatever follows it ignored',
    bytes: Buffer.from(`PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`),
    header: { version: 1, command: 'unknown', source: null, destination: null },
  },
  {
    title: 'v2 PROXY TCP over IPv4',
    bytes: v2(0x21, 0x11, inet([203, 0, 113, 7], [10, 0, 0, 1], 51000, 443)),
    header: { version: 2, command: 'proxy', source: { host: '203.0.113.7', port: 51000 }, destination: { host: '10.0.0.1', port: 443 } },
  },
  {
    title: 'v2 PROXY TCP over IPv4 with TLVs',
    bytes: v2(0x21, 0x11, Buffer.concat([inet([198, 51, 100, 2], [10, 0, 0, 1], 1, 2), TLVS])),
    header: { version: 2, command: 'proxy', source: { host: '198.51.100.2', port: 1 }, destination: { host: '10.0.0.1', port: 2 } },
  },
  {
    title: 'v2 PROXY TCP over IPv6',
    bytes: v2(0x21, 0x21, inet6(ipv6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x42), ipv6(0, 0, 0, 0, 0, 0, 0, 1), 5000, 80)),
    header: { version: 2, command: 'proxy', source: { host: '2001:db8::42', port: 5000 }, destination: { host: '::1', port: 80 } },
  },
  {
    title: 'v2 LOCAL (a health check): addresses present are skipped, none used',
    bytes: v2(0x20, 0x11, inet([127, 0, 0, 1], [127, 0, 0, 1], 1, 2)),
    header: { version: 2, command: 'local', source: null, destination: null },
  },
  {
    title: 'v2 LOCAL with no address block',
    bytes: v2(0x20, 0x00, []),
    header: { version: 2, command: 'local', source: null, destination: null },
  },
  {
    title: 'v2 PROXY with an unspecified family: the connection keeps its address',
    bytes: v2(0x21, 0x00, TLVS),
    header: { version: 2, command: 'proxy', source: null, destination: null },
  },
  {
    title: 'v2 PROXY over UNIX sockets: the connection keeps its address',
    bytes: v2(0x21, 0x31, Buffer.alloc(216)),
    header: { version: 2, command: 'proxy', source: null, destination: null },
  },
  {
    title: 'v2 PROXY of UDP over IPv4 (not this connection): the connection keeps its address',
    bytes: v2(0x21, 0x12, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)),
    header: { version: 2, command: 'proxy', source: null, destination: null },
  },
];

interface Bad {
  readonly title: string;
  readonly bytes: Buffer;
}

const BAD: readonly Bad[] = [
  { title: 'an HTTP request instead of a header', bytes: AFTER },
  { title: 'a lower-case v1 keyword', bytes: Buffer.from('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n') },
  { title: 'a v1 line of five fields', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n') },
  { title: 'a v1 line of seven fields', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 80 81 82\r\n') },
  { title: 'a v1 protocol that does not exist', bytes: Buffer.from('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n') },
  { title: 'a v1 IPv4 address with a leading zero', bytes: Buffer.from('PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n') },
  { title: 'a v1 IPv4 address out of range', bytes: Buffer.from('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n') },
  { title: 'an IPv6 address on a TCP4 line', bytes: Buffer.from('PROXY TCP4 ::1 5.6.7.8 1 2\r\n') },
  { title: 'an IPv4 address on a TCP6 line', bytes: Buffer.from('PROXY TCP6 1.2.3.4 ::1 1 2\r\n') },
  { title: 'an IPv6 address with a zone', bytes: Buffer.from('PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n') },
  { title: 'a v1 port past 65535', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n') },
  { title: 'a v1 port with a leading zero', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n') },
  { title: 'a v1 port that is no number', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 http 2\r\n') },
  { title: 'two spaces between v1 fields', bytes: Buffer.from('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n') },
  { title: 'a v1 line ended by a bare LF', bytes: Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n') },
  { title: 'a v1 line with a CR not followed by LF', bytes: Buffer.from('PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n') },
  { title: 'a v1 line without CRLF in its first 107 bytes', bytes: Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}\r\n`) },
  { title: 'a v1 line with a tab', bytes: Buffer.from('PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n') },
  { title: 'a broken v2 signature', bytes: Buffer.concat([Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x55]), Buffer.alloc(20)]) },
  { title: 'v2 version 1', bytes: v2(0x11, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)) },
  { title: 'v2 command 2', bytes: v2(0x22, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)) },
  { title: 'v2 family 4', bytes: v2(0x21, 0x41, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)) },
  { title: 'v2 transport 3', bytes: v2(0x21, 0x13, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)) },
  { title: 'a v2 IPv4 block shorter than 12 bytes', bytes: v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8]) },
  { title: 'a v2 IPv6 block shorter than 36 bytes', bytes: v2(0x21, 0x21, Buffer.alloc(24)) },
  { title: `a v2 length past ${PROXY_V2_MAX_LENGTH}`, bytes: v2(0x21, 0x11, [], PROXY_V2_MAX_LENGTH + 1) },
];

/** Parses `bytes` given in `pieces` (their lengths), calling the parser after each; returns every result in order and the queue. */
function feed(bytes: Buffer, pieces: readonly number[]): { results: Array<ReturnType<typeof parseProxyHeader>>; queue: ByteQueue } {
  const queue = new ByteQueue();
  const results: Array<ReturnType<typeof parseProxyHeader>> = [];
  let at = 0;
  for (const size of pieces) {
    queue.push(bytes.subarray(at, at + size));
    at += size;
    const result = parseProxyHeader(queue);
    results.push(result);
    if (result !== 'more') break;
  }
  return { results, queue };
}

/** Every way to cut `length` bytes in two, and byte by byte. */
function splits(length: number): number[][] {
  const ways: number[][] = [[length], Array.from({ length }, () => 1)];
  for (let cut = 1; cut < length; cut++) ways.push([cut, length - cut]);
  return ways;
}

for (const { title, bytes, header } of GOOD) {
  test(`parseProxyHeader reads ${title}, however the bytes are split, leaving what follows queued`, (t) => {
    const wire = Buffer.concat([bytes, AFTER]);
    for (const pieces of splits(wire.length)) {
      const { results, queue } = feed(wire, pieces);
      const last = results.at(-1)!;
      t.false(last instanceof HioError, `split ${pieces.join('+')}`);
      t.not(last, 'more');
      t.true(results.slice(0, -1).every((result) => result === 'more'));
      t.deepEqual(last, { ...header, length: bytes.length });
      // What was queued past the header is left for the HTTP parser.
      t.is(queue.length, pieces.slice(0, results.length).reduce((sum, size) => sum + size, 0) - bytes.length);
      t.deepEqual(queue.peek(), AFTER.subarray(0, queue.length));
    }
  });
}

for (const { title, bytes } of BAD) {
  test(`parseProxyHeader rejects ${title}, however the bytes are split, consuming nothing`, (t) => {
    for (const pieces of splits(bytes.length)) {
      const { results, queue } = feed(bytes, pieces);
      const last = results.at(-1)!;
      t.true(last instanceof HioError, `split ${pieces.join('+')}`);
      t.is((last as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
      t.true(results.slice(0, -1).every((result) => result === 'more'));
      t.is(
        queue.length,
        pieces.slice(0, results.length).reduce((sum, size) => sum + size, 0),
      );
    }
  });
}

test('parseProxyHeader rejects at the first byte that cannot begin a header, without waiting for more', (t) => {
  const queue = new ByteQueue();
  queue.push(Buffer.from('G'));
  t.true(parseProxyHeader(queue) instanceof HioError);
  const v1 = new ByteQueue();
  v1.push(Buffer.from('PROXX'));
  t.true(parseProxyHeader(v1) instanceof HioError);
  const empty = new ByteQueue();
  t.is(parseProxyHeader(empty), 'more');
});

test('parseProxyHeader waits for a v1 line of up to 107 bytes and rejects one that has no CRLF by then', (t) => {
  const queue = new ByteQueue();
  queue.push(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(92)}`));
  t.is(queue.length, 106);
  t.is(parseProxyHeader(queue), 'more');
  queue.push(Buffer.from('x'));
  t.true(parseProxyHeader(queue) instanceof HioError);
  // 105 bytes and its CRLF are exactly 107: accepted.
  const longest = new ByteQueue();
  longest.push(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(91)}\r\n`));
  t.like(parseProxyHeader(longest), { command: 'unknown', length: 107 });
});

test('parseProxyHeader waits for the whole v2 block its length announces', (t) => {
  const header = v2(0x21, 0x11, Buffer.concat([inet([1, 2, 3, 4], [5, 6, 7, 8], 9, 10), Buffer.alloc(PROXY_V2_MAX_LENGTH - 12)]));
  const queue = new ByteQueue();
  queue.push(header.subarray(0, header.length - 1));
  t.is(parseProxyHeader(queue), 'more');
  queue.push(header.subarray(header.length - 1));
  t.like(parseProxyHeader(queue), { source: { host: '1.2.3.4', port: 9 }, length: 16 + PROXY_V2_MAX_LENGTH });
  t.is(queue.length, 0);
});

test('formatIPv6 writes RFC 5952 text: lower case, the longest zero run compressed, IPv4-mapped as Node prints it', (t) => {
  const text = (...groups: number[]): string => formatIPv6(Buffer.from(ipv6(...groups)));
  t.is(text(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), '2001:db8::1');
  t.is(text(0, 0, 0, 0, 0, 0, 0, 0), '::');
  t.is(text(0, 0, 0, 0, 0, 0, 0, 1), '::1');
  t.is(text(1, 0, 0, 1, 0, 0, 0, 1), '1:0:0:1::1');
  t.is(text(1, 0, 1, 0, 1, 0, 1, 0), '1:0:1:0:1:0:1:0');
  t.is(text(0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0), 'fe80::abcd:0:0:0');
  t.is(text(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1), '::ffff:127.0.0.1');
});

// The server side, on the simulated network.

const GET = 'GET /who HTTP/1.1\r\nHost: server\r\n\r\n';

/** An application answering with the client's address as it sees it. */
const whoami: FetchHandler = (request, info) => Response.json({ url: request.url, remote: info.remoteAddress });

function proxyWorld(options: { headerTymeout?: number; keepAliveTymeout?: number } = {}): { world: HttpWorld; faults: unknown[] } {
  const faults: unknown[] = [];
  const world = httpWorld({ proxyProtocol: true, ...options }, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch: whoami, onFault: (error) => faults.push(error) });
  });
  return { world, faults };
}

const bodyOf = (world: HttpWorld, reader: { responses: Array<{ body: Buffer }> }): Record<string, unknown> =>
  JSON.parse(reader.responses[0]!.body.toString()) as Record<string, unknown>;

test('Steward with proxyProtocol answers the request after a v1 header, the application seeing the address it carried', async (t) => {
  const { world, faults } = proxyWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`PROXY TCP4 203.0.113.9 10.0.0.1 41000 443\r\n${GET}`));
  t.true(await world.settle(2, () => reader.responses.length === 1));
  t.deepEqual(bodyOf(world, reader), { url: 'http://server/who', remote: { host: '203.0.113.9', port: 41000 } });
  // The connection stays open for more requests: the header is read once.
  client.tx(Buffer.from(GET));
  t.true(await world.settle(2, () => reader.responses.length === 2));
  t.deepEqual(faults, []);
});

test('Steward with proxyProtocol reads a v2 header with TLVs arriving one byte per segment', async (t) => {
  const { world, faults } = proxyWorld();
  world.net.fragment('client', 1);
  const { client, reader } = world.client();
  const header = v2(0x21, 0x21, Buffer.concat([inet6(ipv6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7), ipv6(0, 0, 0, 0, 0, 0, 0, 1), 6000, 80), TLVS]));
  client.tx(Buffer.concat([header, Buffer.from(GET)]));
  t.true(await world.settle(5, () => reader.responses.length === 1));
  t.deepEqual(bodyOf(world, reader)['remote'], { host: '2001:db8::7', port: 6000 });
  t.deepEqual(faults, []);
});

test('Steward with proxyProtocol keeps the connection address for a v2 LOCAL and a v1 UNKNOWN', async (t) => {
  for (const header of [v2(0x20, 0x00, []), Buffer.from('PROXY UNKNOWN\r\n')]) {
    const { world } = proxyWorld();
    const { client, reader } = world.client();
    client.tx(Buffer.concat([header, Buffer.from(GET)]));
    t.true(await world.settle(2, () => reader.responses.length === 1));
    t.is((bodyOf(world, reader)['remote'] as { host: string }).host, 'client');
  }
});

/** Runs until the client's connection is gone; returns how many bytes it received. */
async function closedUnanswered(world: HttpWorld, client: { rxEnded: boolean; cutoff: boolean; rxQueue: ByteQueue }, seconds: number): Promise<boolean> {
  const received: number[] = [];
  const gone = await world.settle(seconds, () => {
    received.push(client.rxQueue.length);
    return client.rxEnded || client.cutoff;
  });
  return gone && client.rxQueue.length === 0 && received.every((length) => length === 0);
}

for (const { title, bytes } of [
  { title: 'a plain HTTP request (no header)', bytes: Buffer.from(GET) },
  { title: 'a malformed v1 header', bytes: Buffer.from(`PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n${GET}`) },
  { title: 'an oversized v2 header', bytes: v2(0x21, 0x11, Buffer.alloc(64), PROXY_V2_MAX_LENGTH + 1) },
  { title: 'a v1 line past 107 bytes', bytes: Buffer.from(`PROXY UNKNOWN ${'f'.repeat(200)}`) },
]) {
  test(`Steward with proxyProtocol closes a connection beginning with ${title}, sending no HTTP answer`, async (t) => {
    const { world, faults } = proxyWorld();
    const { client, reader } = world.client([], false);
    client.tx(bytes);
    t.true(await closedUnanswered(world, client, 2));
    t.is(reader.responses.length, 0);
    t.is(faults.length, 1);
    t.is((faults[0] as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
    t.is(world.server.stewards.size, 0);
  });
}

test('Steward with proxyProtocol closes a connection whose header is not complete by headerTymeout', async (t) => {
  const { world, faults } = proxyWorld({ headerTymeout: 3, keepAliveTymeout: 60 });
  const { client } = world.client([], false);
  client.tx(Buffer.from('PROXY TCP4 1.2.3.4 '));
  await world.settle(0.5);
  const start = world.doist.tyme;
  t.true(await closedUnanswered(world, client, 10));
  const took = world.doist.tyme - start;
  t.true(took > 2 && took < 3.5, `closed after ${took}`);
  t.is((faults[0] as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
});

test('Steward with proxyProtocol closes a connection whose header stalls past the idle tymeout', async (t) => {
  const { world, faults } = proxyWorld({ headerTymeout: 60, keepAliveTymeout: 2 });
  const { client } = world.client([], false);
  client.tx(Buffer.from('PROXY TCP4 1.2.3.4 '));
  t.true(await closedUnanswered(world, client, 10));
  t.is((faults[0] as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
});

test('Steward with proxyProtocol counts a peer closing within its header, not one closing before sending anything', async (t) => {
  const { world, faults } = proxyWorld();
  const { client: quiet } = world.client([], false);
  world.run(0.2);
  quiet.shutdownSend();
  t.true(await closedUnanswered(world, quiet, 2));
  t.deepEqual(faults, []);
  const { client: cut } = world.client([], false);
  cut.tx(Buffer.from('PROXY TCP6 ::1'));
  cut.shutdownSend();
  t.true(await closedUnanswered(world, cut, 2));
  t.is(faults.length, 1);
  t.is((faults[0] as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
});

test('Steward with proxyProtocol closes a connection still without its header when the server drains', async (t) => {
  const { world, faults } = proxyWorld();
  const { client } = world.client([], false);
  client.tx(Buffer.from('PROXY '));
  await world.settle(0.5);
  t.is(world.server.stewards.size, 1);
  world.server.drain(5);
  t.true(await closedUnanswered(world, client, 2));
  t.true(world.server.drained);
  t.deepEqual(faults, []);
});

test('BareServer without proxyProtocol reads a PROXY line as a bad request (the header costs nothing when off)', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n${GET}`));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 400);
});

test('BareServer checks proxyProtocol is a boolean', (t) => {
  const error = t.throws(() => new BareServer({ proxyProtocol: 'yes' as unknown as boolean }), { instanceOf: HioError });
  t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  t.true(new BareServer({ port: 0 }).proxyProtocol === false);
});

// Real sockets.

test.serial(
  'serve with proxyProtocol on real sockets: a v2 header then a request is answered with its address; a bare request is closed unanswered',
  async (t) => {
    t.timeout(20_000);
    const faults: unknown[] = [];
    const handle = serve({ fetch: whoami, port: 0, proxyProtocol: true, overrideGlobalObjects: false, onFault: (error) => faults.push(error) });
    try {
      const { port } = await handle.listening;
      const header = v2(0x21, 0x11, inet([192, 0, 2, 10], [127, 0, 0, 1], 33333, port));
      const answer = await exchange(port, Buffer.concat([header, Buffer.from('GET /who HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n')]));
      const reader = new ResponseReader();
      reader.push(answer);
      t.is(reader.responses.length, 1);
      t.is(reader.responses[0]!.status, 200);
      t.deepEqual(JSON.parse(reader.responses[0]!.body.toString()), { url: 'http://app.test/who', remote: { host: '192.0.2.10', port: 33333 } });
      const refused = await exchange(port, Buffer.from('GET /who HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n'));
      t.is(refused.length, 0);
      t.is(faults.length, 1);
      t.is((faults[0] as HioError).code, 'HIO_ERR_PROXY_PROTOCOL');
    } finally {
      await handle.close(0.5);
    }
  },
);

test.serial('BareServer reports a refused PROXY protocol header on stderr in one line with its code and the peer, no stack', (t) => {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((text: string) => {
    written.push(String(text));
    return true;
  }) as typeof process.stderr.write;
  try {
    const world = httpWorld({ proxyProtocol: true });
    const { client } = world.client([], false);
    client.tx(Buffer.from(GET));
    t.true(world.run(2, () => client.rxEnded || client.cutoff));
  } finally {
    process.stderr.write = write;
  }
  t.is(written.length, 1);
  t.regex(written[0]!, /^hio: refused a connection: .*, from client:\d+ \(HIO_ERR_PROXY_PROTOCOL\)\n$/);
});
