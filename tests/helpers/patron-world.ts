/**
 * Test helpers for the Patron on the simulated network: a world with a
 * server (a BareServer, an AppServer, or a raw one scripted per connection)
 * and a Patron whose connections are SimClients, all on one Doist.
 */
import { doify } from '../../src/doing/doify.js';
import type { Dog } from '../../src/doing/doable.js';
import type { Remoter } from '../../src/net/connection.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import type { SimNet } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { PatronDoer } from '../../src/http/patron-doer.js';
import { Patron, type PatronOptions } from '../../src/http/patron.js';
import type { HttpWorld } from './http-client.js';

/** A Patron on the world's network, driven by its Doist. */
export function simPatron(world: HttpWorld, options: PatronOptions = {}): Patron {
  const patron = new Patron({
    connect: (origin) => new SimClient({ net: world.net, localHost: 'client', host: origin.hostname, port: origin.port }),
    ...options,
  });
  world.doist.extend([new PatronDoer(patron)]);
  return patron;
}

/** One accepted connection of a {@link rawServer}, with what it received so far as text. */
export interface RawConnection {
  readonly remoter: Remoter;
  /** Every byte received, as latin1 text. */
  received: string;
  /** The connection's number, from 0, in accept order. */
  readonly index: number;
  /** Free for the script's own state. */
  state: number;
}

/**
 * A raw server on `host:port` of the network: every pass, each connection's
 * new bytes are appended to its `received` and `script` runs for it (it
 * writes with `remoter.tx`, closes, resets…). While `reading()` is false
 * it takes nothing from the network (a stalled reader). Returns the connections, in
 * accept order.
 */
export function rawServer(
  world: HttpWorld,
  script: (connection: RawConnection) => void,
  host = 'raw',
  port = 80,
  reading: () => boolean = () => true,
): RawConnection[] {
  const servant = new SimServant({ net: world.net as SimNet, host, port });
  const connections: RawConnection[] = [];
  const known = new Map<Remoter, RawConnection>();
  const doer = doify(function* raw(): Dog {
    servant.reopen();
    try {
      for (;;) {
        servant.service();
        for (const remoter of servant.remoters.values()) {
          let connection = known.get(remoter);
          if (connection === undefined) {
            connection = { remoter, received: '', index: connections.length, state: 0 };
            known.set(remoter, connection);
            connections.push(connection);
          }
          if (remoter.rxQueue.length > 0 && reading()) connection.received += remoter.rxQueue.take(remoter.rxQueue.length).toString('latin1');
          if (!remoter.cutoff) script(connection);
        }
        servant.serviceSends();
        yield 0;
      }
    } finally {
      servant.close();
    }
  });
  world.doist.extend([doer]);
  return connections;
}

/** Counts the requests in a raw connection's bytes (request lines seen). */
export function requestLines(text: string): string[] {
  return [...text.matchAll(/([A-Z]+ \/\S* HTTP\/1\.1)\r\n/g)].map((match) => match[1]!);
}

/** What a {@link bodyServer} has written so far. */
export interface BodyServer {
  /** Body bytes handed to the connection so far. */
  readonly sent: number;
}

/**
 * A raw server on `raw:80` answering the first request on each connection
 * with `body` (Content-Length framed), written as the connection takes it
 * (at most 256 KiB queued), like a server honouring backpressure.
 */
export function bodyServer(world: HttpWorld, body: Buffer): BodyServer {
  const server = { sent: 0 };
  rawServer(world, (connection) => {
    if (connection.state === 0 && connection.received.includes('\r\n\r\n')) {
      connection.state = 1;
      connection.remoter.tx(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`));
    }
    while (connection.state === 1 && server.sent < body.length && connection.remoter.txPending < 256 * 1024) {
      connection.remoter.tx(body.subarray(server.sent, server.sent + 65536));
      server.sent += 65536;
    }
  });
  return server;
}
