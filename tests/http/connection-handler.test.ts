/**
 * What a BareServer runs per connection: a respond function instead of a
 * Steward subclass, and a steward handing its connection over to another
 * handler (the seam an upgrade uses).
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import type { Remoter } from '../../src/net/connection.js';
import { BareServer } from '../../src/http/bare-server.js';
import type { ConnectionHandler } from '../../src/http/connection-handler.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import type { Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';
import { httpWorld } from '../helpers/http-client.js';

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;

test('BareServer answers through a respond function without a Steward subclass', (t) => {
  const seen: string[] = [];
  const world = httpWorld({
    respond: (request: Request) => {
      seen.push(request.path);
      return new CustomResponder({ status: 202, body: `you asked for ${request.path}` });
    },
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/a') + GET('/b')));
  t.true(world.run(2, () => reader.responses.length === 2));
  t.deepEqual(seen, ['/a', '/b']);
  t.deepEqual(
    reader.responses.map((response) => [response.status, response.body.toString()]),
    [
      [202, 'you asked for /a'],
      [202, 'you asked for /b'],
    ],
  );
});

test('A respond function that throws answers 500 and is counted as a fault; a subclass override wins over it', (t) => {
  const world = httpWorld({
    onError: () => {},
    respond: () => {
      throw new Error('no');
    },
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/')));
  t.true(world.run(2, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.status, 500);
  t.is(world.server.faults, 1);

  class Own extends Steward {
    override respond(): Responder {
      return new CustomResponder({ body: 'own' });
    }
  }
  const other = httpWorld({ steward: Own, respond: () => new CustomResponder({ body: 'function' }) });
  const second = other.client();
  second.client.tx(Buffer.from(GET('/')));
  t.true(other.run(2, () => second.reader.responses.length === 1));
  t.is(second.reader.responses[0]!.body.toString(), 'own');
});

test('BareServer refuses a respond option that is not a function', (t) => {
  const error = t.throws(() => new BareServer({ respond: 'echo' as unknown as () => Responder }), { instanceOf: HioError });
  t.is(error?.code, 'HIO_ERR_INVALID_OPTION');
});

/** A successor speaking another protocol: echoes bytes upper-cased, closes when the peer half-closes. */
class Shouter implements ConnectionHandler {
  readonly remoter: Remoter;
  done = false;
  pass = -1;
  readonly busy = false;
  readonly deadline = Infinity;
  readonly settling = false;
  readonly successor = null;
  passes = 0;

  constructor(remoter: Remoter) {
    this.remoter = remoter;
  }

  service(): void {
    this.passes += 1;
    const queue = this.remoter.rxQueue;
    if (queue.length > 0) this.remoter.tx(Buffer.from(queue.take(queue.length).toString('latin1').toUpperCase(), 'latin1'));
    if (this.remoter.rxEnded || this.remoter.cutoff) {
      this.remoter.close();
      this.done = true;
    }
  }

  settle(): void {}
}

test('A steward hands its connection over to another handler, which gets the bytes that follow', (t) => {
  let shouter: Shouter | null = null;
  class Upgrading extends Steward {
    override respond(request: Request): Responder {
      if (request.path !== '/shout') return new CustomResponder({ body: 'plain' });
      return {
        pour: (writer) => {
          writer.send({ status: 101, headers: { Upgrade: 'shout', Connection: 'Upgrade' } });
          shouter = new Shouter(this.remoter);
          this.handOver(shouter);
          return true;
        },
      };
    }
  }
  const world = httpWorld({ steward: Upgrading });
  const { client } = world.client([], false);
  const received: Buffer[] = [];
  const text = (): string => Buffer.concat(received).toString('latin1');
  const read = (): void => {
    if (client.rxQueue.length > 0) received.push(client.rxQueue.take(client.rxQueue.length));
  };
  client.tx(Buffer.from(GET('/first') + GET('/shout')));
  t.true(
    world.run(2, () => {
      read();
      return text().includes('101 Switching Protocols');
    }),
  );
  t.true(text().startsWith('HTTP/1.1 200 OK\r\n'));
  t.true(text().includes('\r\n\r\nplainHTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n'));
  t.not(shouter, null);
  t.is(world.server.stewards.size, 1);
  t.is([...world.server.stewards.values()][0], shouter!);
  received.length = 0;
  client.tx(Buffer.from('hello there'));
  t.true(
    world.run(2, () => {
      read();
      return text() === 'HELLO THERE';
    }),
  );
  client.shutdownSend();
  t.true(
    world.run(2, () => {
      read();
      return client.rxEnded && world.server.stewards.size === 0;
    }),
  );
  t.is(world.server.servant.remoters.size, 0);
  t.is(world.server.faults, 0);
});

test('Steward#handOver refuses a handler for another connection and a second hand-over', (t) => {
  let errors: Array<string | undefined> = [];
  class Confused extends Steward {
    override respond(): Responder {
      return {
        pour: (writer) => {
          writer.send({ status: 204 });
          const stranger = new Shouter({ ...this.remoter } as Remoter);
          errors.push(t.throws(() => this.handOver(stranger), { instanceOf: HioError })?.code);
          this.handOver(new Shouter(this.remoter));
          errors.push(t.throws(() => this.handOver(new Shouter(this.remoter)), { instanceOf: HioError })?.code);
          return true;
        },
      };
    }
  }
  const world = httpWorld({ steward: Confused });
  const { client } = world.client([], false);
  client.tx(Buffer.from(GET('/')));
  t.true(world.run(2, () => errors.length === 2));
  t.deepEqual(errors, ['HIO_ERR_RESPONSE_STATE', 'HIO_ERR_RESPONSE_STATE']);
  errors = [];
});
