/**
 * The BareServer on the simulated network: persistence, pipelining, HEAD,
 * 100-continue, HTTP/1.0, timeouts at their tyme, slowloris, resets, slow
 * readers, errors and contained faults. Tyme is virtual: every deadline is
 * checked against the tyme it fired at.
 */
import test from 'ava';
import { httpWorld, header, type Response } from '../helpers/http-client.js';
import { Steward } from '../../src/http/steward.js';
import type { Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import { HioError } from '../../src/core/errors.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { Doist } from '../../src/doing/doist.js';
import { SimNet } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { ClientDoer } from '../../src/doing/service-doer.js';

const GET = (path = '/', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n${extra}\r\n`;
const echoOf = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString('utf8')) as Record<string, unknown>;

test('BareServer keeps a connection alive across requests', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/one')));
  t.true(world.run(1, () => reader.responses.length === 1));
  client.tx(Buffer.from(GET('/two')));
  t.true(world.run(1, () => reader.responses.length === 2));
  t.deepEqual(
    reader.responses.map((response) => echoOf(response.body)['path']),
    ['/one', '/two'],
  );
  t.false(client.rxEnded);
  t.is(world.server.stewards.size, 1);
  const first = reader.responses[0]!;
  t.is(first.status, 200);
  t.is(header(first, 'content-type'), 'application/json; charset=utf-8');
  t.is(header(first, 'server'), 'hio-ts');
  t.is(header(first, 'date'), 'Thu, 01 Jan 2026 00:00:00 GMT');
  t.is(header(first, 'connection'), undefined);
});

test('BareServer answers pipelined requests in order, parsing ahead', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client(['GET', 'POST', 'HEAD', 'GET']);
  client.tx(Buffer.from(`${GET('/1')}POST /2 HTTP/1.1\r\nHost: server\r\nContent-Length: 3\r\n\r\nabcHEAD /3 HTTP/1.1\r\nHost: server\r\n\r\n${GET('/4')}`));
  t.true(world.run(1, () => reader.responses.length === 4));
  const paths = reader.responses.map((response) => (response.body.length > 0 ? echoOf(response.body)['path'] : 'head'));
  t.deepEqual(paths, ['/1', '/2', 'head', '/4']);
  t.is(echoOf(reader.responses[1]!.body)['body'], 'abc');
});

test('BareServer answers HEAD with the headers of GET and no body', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client(['HEAD', 'GET']);
  client.tx(Buffer.from(`HEAD / HTTP/1.1\r\nHost: server\r\n\r\n${GET()}`));
  t.true(world.run(1, () => reader.responses.length === 2));
  const [head, get] = reader.responses;
  t.is(head!.body.length, 0);
  t.true(Number(header(head!, 'content-length')) > 0);
  t.is(echoOf(get!.body)['method'], 'GET');
});

test('BareServer sends 100 Continue before the body when asked, and only then', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n'));
  world.run(0.5);
  const sent = world.net.trace.events.filter((event) => event.kind === 'send' && event.from === 'server');
  t.is(sent.length, 1, 'the interim response went out before any body byte');
  t.is(reader.responses.length, 0);
  client.tx(Buffer.from('hello'));
  t.true(world.run(1, () => reader.responses.length === 1));
  t.deepEqual(reader.responses[0]!.interim, [100]);
  t.is(echoOf(reader.responses[0]!.body)['body'], 'hello');
  // Body sent along with the head: no interim response needed.
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok'));
  t.true(world.run(1, () => reader.responses.length === 2));
  t.deepEqual(reader.responses[1]!.interim, []);
});

test('BareServer refuses a body over the limit with 413 instead of 100 Continue', (t) => {
  const world = httpWorld({ limits: { maxBodyBytes: 10 } });
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n'));
  t.true(world.run(1, () => reader.responses.length === 1 && client.rxEnded));
  t.is(reader.responses[0]!.status, 413);
  t.deepEqual(reader.responses[0]!.interim, []);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
});

test('BareServer closes an HTTP/1.0 connection after its response, and keeps one that asked for keep-alive', (t) => {
  const world = httpWorld();
  const plain = world.client();
  plain.client.tx(Buffer.from('GET / HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n'));
  t.true(world.run(1, () => plain.client.rxEnded));
  t.is(plain.reader.responses.length, 1);
  t.is(header(plain.reader.responses[0]!, 'connection'), 'close');
  t.is(echoOf(plain.reader.responses[0]!.body)['version'], 'HTTP/1.0');
  const kept = world.client();
  kept.client.tx(Buffer.from('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
  t.true(world.run(1, () => kept.reader.responses.length === 1));
  t.is(header(kept.reader.responses[0]!, 'connection'), 'keep-alive');
  kept.client.tx(Buffer.from('GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
  t.true(world.run(1, () => kept.reader.responses.length === 2));
  t.false(kept.client.rxEnded);
});

test('BareServer closes after a response to Connection: close and answers nothing pipelined after it', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`${GET('/last', 'Connection: close\r\n')}${GET('/ignored')}`));
  t.true(world.run(1, () => client.rxEnded));
  t.is(reader.responses.length, 1);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.true(world.run(3, () => world.server.stewards.size === 0));
});

test('BareServer closes an idle keep-alive connection exactly at its tymeout', (t) => {
  const world = httpWorld({ keepAliveTymeout: 2 });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET()));
  t.true(world.run(1, () => reader.responses.length === 1));
  // The client was told how long the server waits.
  t.deepEqual(keepAlives(reader.responses[0]!), ['timeout=2']);
  const lastSend = world.net.trace.events.filter((event) => event.kind === 'send' && event.from === 'server').at(-1)!;
  t.true(world.run(5, () => client.rxEnded));
  const close = world.net.trace.events.find((event) => event.kind === 'close' && event.from === 'server')!;
  // The idle timer restarts on the pass that sent the response; the pass at or after +2 s closes.
  t.true(close.tyme >= lastSend.tyme + 2, `closed at ${close.tyme}, last traffic ${lastSend.tyme}`);
  t.true(close.tyme < lastSend.tyme + 2 + world.doist.tock * 2, `closed at ${close.tyme}`);
  t.is(world.server.stewards.size, 0);
});

/** Every value of the Keep-Alive fields of a response, whatever their case. */
const keepAlives = (response: Response): string[] => response.headers.filter(([name]) => name.toLowerCase() === 'keep-alive').map(([, value]) => value);

test('BareServer announces its keepAliveTymeout in Keep-Alive on every answer that keeps the connection, and on none that closes it', (t) => {
  const world = httpWorld({ keepAliveTymeout: 7.5 });
  const kept = world.client(['GET', 'HEAD', 'GET']);
  kept.client.tx(Buffer.from(`${GET('/1')}HEAD /2 HTTP/1.1\r\nHost: server\r\n\r\n${GET('/3', 'Connection: close\r\n')}`));
  t.true(world.run(1, () => kept.client.rxEnded));
  t.deepEqual(
    kept.reader.responses.map(keepAlives),
    [['timeout=7'], ['timeout=7'], []],
    'whole seconds while the connection stays open; none on the answer to Connection: close',
  );
  const old = world.client();
  old.client.tx(Buffer.from('GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
  t.true(world.run(1, () => old.reader.responses.length === 1));
  old.client.tx(Buffer.from('GET /closed HTTP/1.0\r\n\r\n'));
  t.true(world.run(1, () => old.client.rxEnded));
  const [keptOld, closedOld] = old.reader.responses;
  t.is(header(keptOld!, 'connection'), 'keep-alive');
  t.deepEqual(keepAlives(keptOld!), ['timeout=7']);
  t.is(header(closedOld!, 'connection'), 'close');
  t.deepEqual(keepAlives(closedOld!), []);
  // A request the server cannot parse is answered on a closing connection.
  const bad = world.client();
  bad.client.tx(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  t.true(world.run(1, () => bad.client.rxEnded));
  t.is(bad.reader.responses[0]!.status, 400);
  t.deepEqual(keepAlives(bad.reader.responses[0]!), []);
});

test('BareServer sends no Keep-Alive when keepAliveTymeout is 0, with requiredHeaders off, or over the one the application set', (t) => {
  const answer = (): CustomResponder => new CustomResponder({ body: 'x' });
  const never = httpWorld({ keepAliveTymeout: 0, respond: answer });
  const forever = never.client();
  forever.client.tx(Buffer.from(GET()));
  t.true(never.run(1, () => forever.reader.responses.length === 1));
  t.deepEqual(keepAlives(forever.reader.responses[0]!), []);
  t.false(forever.client.rxEnded);

  const bare = httpWorld({ requiredHeaders: false, respond: () => new CustomResponder({ headers: { 'Content-Length': '1' }, body: 'x' }) });
  const plain = bare.client();
  plain.client.tx(Buffer.from(GET()));
  t.true(bare.run(1, () => plain.reader.responses.length === 1));
  t.deepEqual(plain.reader.responses[0]!.headers, [['Content-Length', '1']]);

  const own = httpWorld({ respond: () => new CustomResponder({ headers: [['keep-alive', 'timeout=2, max=100']], body: 'x' }) });
  const told = own.client();
  told.client.tx(Buffer.from(GET()));
  t.true(own.run(1, () => told.reader.responses.length === 1));
  t.deepEqual(keepAlives(told.reader.responses[0]!), ['timeout=2, max=100']);
});

test('BareServer answers a slowloris with 408 at the header deadline and closes', (t) => {
  const world = httpWorld({ headerTymeout: 3, keepAliveTymeout: 100 });
  const { client, reader } = world.client();
  const head = GET();
  let sent = 0;
  let firstByteAt = -1;
  t.true(
    world.run(10, () => {
      if (sent < head.length && world.doist.tyme >= sent * 0.5) {
        if (firstByteAt < 0) firstByteAt = world.doist.tyme;
        client.tx(Buffer.from(head[sent]!));
        sent += 1;
      }
      return reader.responses.length === 1 && client.rxEnded;
    }),
  );
  t.is(reader.responses[0]!.status, 408);
  t.true(sent < head.length, 'the head never completed');
  const answer = world.net.trace.events.find((event) => event.kind === 'send' && event.from === 'server')!;
  // The deadline runs from the pass that saw the first byte (one latency after it was sent).
  t.true(answer.tyme >= firstByteAt + 3, `answered at ${answer.tyme}`);
  t.true(answer.tyme <= firstByteAt + 3 + 0.25, `answered at ${answer.tyme}`);
});

test('BareServer forgets a connection reset in the middle of a body', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nContent-Length: 1000\r\n\r\npartial'));
  t.true(world.run(1, () => world.server.stewards.size === 1 && ([...world.server.stewards.values()][0] as Steward).requestant.bodyReceived > 0));
  client.reset();
  t.true(world.run(1, () => world.server.stewards.size === 0 && world.server.servant.remoters.size === 0));
  t.is(reader.responses.length, 0);
  t.is(world.server.faults, 0);
});

test('BareServer serves a client that reads slowly without holding more than a response or two in memory', (t) => {
  const world = httpWorld({ highWater: 64 * 1024 }, { window: 16 * 1024 });
  const { client, reader, read } = world.client([], false);
  const body = 'x'.repeat(200 * 1024);
  const request = `POST / HTTP/1.1\r\nHost: server\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  client.tx(Buffer.from(request.repeat(5)));
  let peak = 0;
  t.true(
    world.run(200, () => {
      const remoter = [...world.server.servant.remoters.values()][0];
      if (remoter !== undefined) peak = Math.max(peak, remoter.txPending);
      // Read at most 8 KiB per pass: a slow reader.
      if (client.rxQueue.length > 0) reader.push(client.rxQueue.take(Math.min(8192, client.rxQueue.length)));
      return reader.responses.length === 5;
    }),
  );
  read();
  t.true(reader.responses.every((response) => echoOf(response.body)['body'] === body));
  // One echo of a 200 KiB body is about 200 KiB of JSON; never were three queued at once.
  t.true(peak < 2.5 * reader.responses[0]!.body.length, `peak ${peak}`);
});

test('BareServer answers a half-closed client before closing', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/bye')));
  client.shutdownSend();
  t.true(world.run(2, () => client.rxEnded));
  t.is(reader.responses.length, 1);
  t.is(echoOf(reader.responses[0]!.body)['path'], '/bye');
  t.true(world.run(2, () => world.server.stewards.size === 0));
});

test('BareServer answers a bad request with 400, Connection: close, and nothing after it', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`GET / HTTP/1.1\r\nHost : server\r\n\r\n${GET()}`));
  t.true(world.run(2, () => client.rxEnded));
  t.is(reader.responses.length, 1);
  t.is(reader.responses[0]!.status, 400);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.regex(reader.responses[0]!.body.toString(), /^400 Bad Request: .*\(HIO_ERR_BAD_REQUEST\)\n$/);
});

test('BareServer answers earlier pipelined requests before the error that ends the connection', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(Buffer.from(`${GET('/fine')}GARBAGE\r\n\r\n`));
  t.true(world.run(2, () => client.rxEnded));
  t.deepEqual(
    reader.responses.map((response) => response.status),
    [200, 400],
  );
});

test('BareServer answers 501 for methods it does not implement and 505 for other versions', (t) => {
  const world = httpWorld({ methods: ['GET'] });
  const first = world.client();
  first.client.tx(Buffer.from('POST / HTTP/1.1\r\nHost: server\r\nContent-Length: 2\r\n\r\nno'));
  const second = world.client();
  second.client.tx(Buffer.from('GET / HTTP/2.0\r\nHost: server\r\n\r\n'));
  t.true(world.run(2, () => first.client.rxEnded && second.client.rxEnded));
  t.is(first.reader.responses[0]!.status, 501);
  t.is(second.reader.responses[0]!.status, 505);
});

test('BareServer contains an application fault: 500 and close, the Doist keeps running', (t) => {
  class Failing extends Steward {
    override respond(request: Request): Responder {
      if (request.path === '/boom') throw new Error('application bug');
      return new CustomResponder({ body: 'fine' });
    }
  }
  const seen: Array<[unknown, string | undefined]> = [];
  const world = httpWorld({ steward: Failing, onError: (error, request) => seen.push([error, request?.path]) });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/boom')));
  t.true(world.run(2, () => client.rxEnded));
  t.is(reader.responses[0]!.status, 500);
  t.is(header(reader.responses[0]!, 'connection'), 'close');
  t.is(world.server.faults, 1);
  // onError took the fault, once, with its request.
  t.is(seen.length, 1);
  t.is((seen[0]![0] as Error).message, 'application bug');
  t.is(seen[0]![1], '/boom');
  const other = world.client();
  other.client.tx(Buffer.from(GET('/ok')));
  t.true(world.run(2, () => other.reader.responses.length === 1));
  t.is(other.reader.responses[0]!.body.toString(), 'fine');
});

test('BareServer resets the connection when a responder fails mid-pour', (t) => {
  class Broken extends Steward {
    override respond(): Responder {
      return {
        pour: (writer) => {
          writer.writeHead(200, { 'Content-Length': '100' });
          writer.write('part');
          throw new Error('half way');
        },
      };
    }
  }
  const world = httpWorld({ steward: Broken, onError: () => {} });
  const { client } = world.client();
  client.tx(Buffer.from(GET()));
  t.true(world.run(2, () => client.cutoff));
  t.is(client.error?.code, 'ECONNRESET');
  t.is(world.server.faults, 1);
});

test('BareServer pours a response over several passes when the responder is not ready', (t) => {
  class Slow extends Steward {
    override respond(): Responder {
      let calls = 0;
      return {
        pour: (writer) => {
          calls += 1;
          if (calls < 4) return false;
          return new CustomResponder({ body: `after ${calls} passes` }).pour(writer);
        },
      };
    }
  }
  const world = httpWorld({ steward: Slow });
  const { client, reader } = world.client();
  client.tx(Buffer.from(`${GET('/a')}${GET('/b')}`));
  t.true(world.run(2, () => reader.responses.length === 2));
  t.deepEqual(
    reader.responses.map((response) => response.body.toString()),
    ['after 4 passes', 'after 4 passes'],
  );
});

test('BareServer rejects unknown options and bad values', (t) => {
  t.is(t.throws(() => new BareServer({ timeout: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new BareServer({ maxPipelined: 0 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new BareServer({ limits: { maxBody: 1 } as never }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new BareServer({ lenient: { everything: true } as never }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new BareServer({ serverName: 'evil\r\nX: y' }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});

test('BareServer gives a connection its steward with its first bytes, and closes one that never sends at the idle tymeout', (t) => {
  const world = httpWorld({ keepAliveTymeout: 1 });
  const silent = world.client();
  t.true(world.run(0.5, () => world.server.servant.remoters.size === 1));
  t.is(world.server.stewards.size, 0);
  t.true(world.run(2, () => silent.client.rxEnded));
  t.is(world.server.servant.remoters.size, 0);
  const talker = world.client();
  talker.client.tx(Buffer.from(GET()));
  t.true(world.run(1, () => talker.reader.responses.length === 1));
  t.is(world.server.stewards.size, 1);
});

test('BareServer reports a contained fault on stderr once by default, with the request line and the stack', (t) => {
  class Failing extends Steward {
    override respond(): Responder {
      throw new Error('default report');
    }
  }
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const world = httpWorld({ steward: Failing });
    const { client, reader } = world.client();
    client.tx(Buffer.from(GET('/report?x=1')));
    t.true(world.run(2, () => reader.responses.length === 1));
  } finally {
    process.stderr.write = write;
  }
  const reports = written.filter((line) => line.includes('default report'));
  t.is(reports.length, 1);
  t.regex(reports[0]!, /GET \/report\?x=1 HTTP\/1\.1/);
  t.regex(reports[0]!, /at .*bare-server\.test\.ts/);
});

test('BareServer on a simulated servant stamps Date from the simulation tyme unless given a clock', (t) => {
  const doist = new Doist({ tock: 0.25 });
  const net = new SimNet({ tymth: doist.tymen(), seed: 1, latency: 0.01 });
  const server = new BareServer({ servant: new SimServant({ net, host: 'server', port: 80 }) });
  const client = new SimClient({ net, host: 'server', port: 80 });
  client.tx(Buffer.from(GET()));
  doist.do([new BareServerDoer(server), new ClientDoer(client)], { limit: 2 });
  const text = client.rxQueue.take(client.rxQueue.length).toString('latin1');
  t.regex(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(text, /Date: Thu, 01 Jan 1970 00:00:0\d GMT\r\n/);
});

test('The echo shows UTF-8 header values as UTF-8 and ends its JSON with a newline', (t) => {
  const world = httpWorld();
  const { client, reader } = world.client();
  client.tx(
    Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nHost: server\r\nX-Name: '),
      Buffer.from('José', 'utf8'),
      Buffer.from('\r\nX-Latin: caf\xe9\r\n\r\n', 'latin1'),
    ]),
  );
  t.true(world.run(1, () => reader.responses.length === 1));
  const body = reader.responses[0]!.body.toString('utf8');
  t.true(body.endsWith('}\n'));
  const echoed = JSON.parse(body) as { headers: Array<[string, string]> };
  t.deepEqual(echoed.headers[1], ['X-Name', 'José']);
  // Not valid UTF-8: shown byte for byte, as received.
  t.deepEqual(echoed.headers[2], ['X-Latin', 'caf\u00e9']);
  t.is(header(reader.responses[0]!, 'content-type'), 'application/json; charset=utf-8');
});

test('The echo answers JSON nested too deeply to serialize with data null, not a 500', (t) => {
  const world = httpWorld({ onError: () => t.fail('no fault expected') });
  const { client, reader } = world.client();
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  client.tx(Buffer.from(`POST / HTTP/1.1\r\nHost: server\r\nContent-Type: application/json\r\nContent-Length: ${deep.length}\r\n\r\n${deep}`));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 200);
  const echoed = JSON.parse(reader.responses[0]!.body.toString()) as { data: unknown; body: string };
  t.is(echoed.data, null);
  t.is(echoed.body.length, deep.length);
  t.is(world.server.faults, 0);
});
