/**
 * trustProxy: X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host are
 * believed only from configured peers. Off by default (a spoofed header
 * changes nothing); from a trusted peer the application's
 * `info.remoteAddress` and `request.url` come from the headers; an
 * untrusted peer, an untrusted hop in the chain, and malformed values stop
 * the belief. The immediate peer is the PROXY protocol's address when
 * that is on.
 */
import test from 'ava';
import { AppServer, type AppServerOptions } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { serve } from '../../src/app/serve.js';
import { compileTrust } from '../../src/app/trust-proxy.js';
import { HioError } from '../../src/core/errors.js';
import { httpWorld, ResponseReader, type HttpWorld } from '../helpers/http-client.js';
import { exchange } from '../helpers/sockets.js';

/** An application answering with the URL and the client's address as it sees them. */
const whoami: FetchHandler = (request, info) => Response.json({ url: request.url, remote: info.remoteAddress });

interface Seen {
  readonly url: string;
  readonly remote: { host: string; port: number } | null;
}

function appWorld(options: Partial<AppServerOptions> = {}): HttpWorld {
  return httpWorld({}, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch: whoami, ...options });
  });
}

/** Sends one GET with `headers` from a client on host `from`; resolves with what the application saw. */
async function ask(world: HttpWorld, from: string, headers: string, before = ''): Promise<Seen> {
  const { client, reader } = world.client([], true, from);
  client.tx(Buffer.from(`${before}GET /who?x=1 HTTP/1.1\r\nHost: server\r\n${headers}\r\n`));
  if (!(await world.settle(2, () => reader.responses.length === 1))) throw new Error('no answer');
  return JSON.parse(reader.responses[0]!.body.toString()) as Seen;
}

const SPOOF = 'X-Forwarded-For: 203.0.113.5\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: app.example\r\nForwarded: for=203.0.113.5;proto=https\r\n';

test('AppServer without trustProxy ignores forwarding headers: the address and URL are the connection’s', async (t) => {
  const world = appWorld();
  const seen = await ask(world, '127.0.0.1', SPOOF);
  t.is(seen.url, 'http://server/who?x=1');
  t.is(seen.remote!.host, '127.0.0.1');
  t.true(seen.remote!.port > 0);
});

test('AppServer with trustProxy loopback takes the client address and URL from a loopback peer’s headers', async (t) => {
  const world = appWorld({ trustProxy: 'loopback' });
  t.deepEqual(await ask(world, '127.0.0.1', SPOOF), { url: 'https://app.example/who?x=1', remote: { host: '203.0.113.5', port: 0 } });
});

test('AppServer with trustProxy ignores the headers from a peer it does not trust, and believes them again from one it does', async (t) => {
  const world = appWorld({ trustProxy: 'loopback' });
  const untrusted = await ask(world, '10.0.0.9', SPOOF);
  t.is(untrusted.url, 'http://server/who?x=1');
  t.is(untrusted.remote!.host, '10.0.0.9');
  t.not(untrusted.remote!.port, 0);
  t.is((await ask(world, '127.0.0.1', SPOOF)).remote!.host, '203.0.113.5');
  t.is((await ask(world, '10.0.0.9', SPOOF)).remote!.host, '10.0.0.9');
});

test('AppServer with trustProxy walks X-Forwarded-For back through trusted hops and stops at the first untrusted one', async (t) => {
  const world = appWorld({ trustProxy: ['loopback', '10.0.0.0/8'] });
  // 198.51.100.1 is what the client claimed; 192.0.2.66 reached the trusted 10.1.1.1 and is the client.
  const seen = await ask(world, '127.0.0.1', 'X-Forwarded-For: 198.51.100.1, 192.0.2.66, 10.1.1.1\r\n');
  t.deepEqual(seen.remote, { host: '192.0.2.66', port: 0 });
  // Several field lines are one list, in order.
  const split = await ask(world, '127.0.0.1', 'X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 10.2.2.2\r\n');
  t.deepEqual(split.remote, { host: '198.51.100.1', port: 0 });
});

test('AppServer with trustProxy true believes every hop: the leftmost address is the client', async (t) => {
  const world = appWorld({ trustProxy: true });
  t.deepEqual((await ask(world, '10.0.0.9', 'X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n')).remote, { host: '1.1.1.1', port: 0 });
});

test('AppServer with a trustProxy function asks it of each hop', async (t) => {
  const asked: Array<[string, number]> = [];
  const world = appWorld({
    trustProxy: (address, hop) => {
      asked.push([address, hop]);
      return hop === 0;
    },
  });
  t.deepEqual((await ask(world, '127.0.0.1', 'X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n')).remote, { host: '2.2.2.2', port: 0 });
  t.true(asked.some(([address, hop]) => address === '127.0.0.1' && hop === 0));
  t.true(asked.some(([address, hop]) => address === '2.2.2.2' && hop === 1));
});

test('AppServer with trustProxy does not believe an X-Forwarded-For entry that is no address, nor anything beyond it', async (t) => {
  const world = appWorld({ trustProxy: true });
  t.deepEqual((await ask(world, '127.0.0.1', 'X-Forwarded-For: 9.9.9.9, unknown, 8.8.8.8\r\n')).remote, { host: '8.8.8.8', port: 0 });
  const nearest = await ask(world, '127.0.0.1', 'X-Forwarded-For: <script>\r\n');
  t.is(nearest.remote!.host, '127.0.0.1');
  t.not(nearest.remote!.port, 0);
});

test('AppServer with trustProxy ignores an X-Forwarded-Proto other than http or https and an invalid X-Forwarded-Host', async (t) => {
  const world = appWorld({ trustProxy: 'loopback' });
  t.is((await ask(world, '127.0.0.1', 'X-Forwarded-Proto: javascript\r\nX-Forwarded-Host: evil.test/path\r\n')).url, 'http://server/who?x=1');
  t.is((await ask(world, '127.0.0.1', 'X-Forwarded-Proto: https\r\nX-Forwarded-Host: a b\r\n')).url, 'https://server/who?x=1');
  t.is((await ask(world, '127.0.0.1', 'X-Forwarded-Host: [::1]:8443\r\n')).url, 'http://[::1]:8443/who?x=1');
  // A list: the last value is the one the nearest proxy wrote.
  t.is(
    (await ask(world, '127.0.0.1', 'X-Forwarded-Proto: http, HTTPS\r\nX-Forwarded-Host: spoofed.test, app.example:8443\r\n')).url,
    'https://app.example:8443/who?x=1',
  );
  // Trusted, with no forwarding header at all: the connection's address.
  const plain = await ask(world, '127.0.0.1', '');
  t.is(plain.url, 'http://server/who?x=1');
  t.not(plain.remote!.port, 0);
});

test('AppServer with trustProxy and proxyProtocol takes the PROXY header’s address as the immediate peer', async (t) => {
  const world = appWorld({ trustProxy: 'loopback', proxyProtocol: true });
  // The proxy relays for a loopback peer: that peer is trusted, its headers believed.
  const trusted = await ask(world, 'client', SPOOF, 'PROXY TCP4 127.0.0.1 127.0.0.1 40000 80\r\n');
  t.deepEqual(trusted, { url: 'https://app.example/who?x=1', remote: { host: '203.0.113.5', port: 0 } });
  // The proxy relays for a public client: its headers are its own claims.
  const untrusted = await ask(world, 'client', SPOOF, 'PROXY TCP4 198.51.100.7 10.0.0.1 40001 80\r\n');
  t.deepEqual(untrusted, { url: 'http://server/who?x=1', remote: { host: '198.51.100.7', port: 40001 } });
});

test('AppServer checks trustProxy: a boolean, addresses and ranges, or a function', (t) => {
  for (const bad of [42, '', 'loopback,', ['loopback', ''], 'not-an-ip', ['10.0.0.0/33'], {}, [7]]) {
    const error = t.throws(() => new AppServer({ port: 0, fetch: whoami, trustProxy: bad as never }), { instanceOf: HioError }, JSON.stringify(bad));
    t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  }
  t.is(compileTrust('x', false), null);
  t.is(compileTrust('x', undefined), null);
  t.true(compileTrust('x', 'loopback, 10.0.0.0/8, 192.168.1.1')!.trusts('10.20.30.40'));
  t.false(compileTrust('x', 'loopback, 10.0.0.0/8')!.trusts('11.0.0.1'));
  t.true(compileTrust('x', ['uniquelocal'])!.trusts('::ffff:192.168.3.4'));
});

test.serial('serve with trustProxy on real sockets: a loopback peer’s X-Forwarded-For is the client, and off by default', async (t) => {
  t.timeout(20_000);
  const request = `GET /who HTTP/1.1\r\nHost: backend:3000\r\n${SPOOF}Connection: close\r\n\r\n`;
  for (const [trustProxy, expected] of [
    ['loopback', { url: 'https://app.example/who', host: '203.0.113.5' }],
    [false, { url: 'http://backend:3000/who', host: '127.0.0.1' }],
  ] as const) {
    const handle = serve({ fetch: whoami, port: 0, trustProxy, overrideGlobalObjects: false });
    try {
      const { port } = await handle.listening;
      const reader = new ResponseReader();
      reader.push(await exchange(port, request));
      const seen = JSON.parse(reader.responses[0]!.body.toString()) as Seen;
      t.is(seen.url, expected.url);
      t.is(seen.remote!.host, expected.host);
    } finally {
      await handle.close(0.5);
    }
  }
});
