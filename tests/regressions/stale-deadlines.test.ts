/**
 * Regression: deadline entries of finished connections used to stay at the
 * top of the deadline heaps, so nextDue() reported them and a real-mode
 * server woke up for nothing, again and again, under short-lived connections.
 * Real sockets here: a simulated servant is due on every pass anyway.
 */
import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { NetServant } from '../../src/net/net-servant.js';
import { NetClient } from '../../src/net/net-client.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { until } from '../helpers/drive.js';

test('BareServer#nextDue forgets the deadlines of connections that are gone', async (t) => {
  t.timeout(30_000);
  const doist = new Doist({ tock: 0.0625 });
  const server = new BareServer({ servant: new NetServant({ port: 0 }), keepAliveTymeout: 60, lingerTymeout: 2 });
  try {
    doist.extend([new BareServerDoer(server)]);
    await until(doist, () => server.servant.opened, 10_000, 'opened');
    const clients = Array.from({ length: 10 }, () => new NetClient({ port: server.servant.address.port }));
    doist.extend(clients.map((client) => new ClientDoer(client)));
    for (const client of clients) client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
    await until(doist, () => clients.every((client) => client.rxEnded), 10_000, 'answered');
    for (const client of clients) client.close();
    await until(doist, () => server.stewards.size === 0 && server.servant.remoters.size === 0, 10_000, 'all gone');
    t.is(server.servant.nextDue(), Infinity);
    t.is(server.nextDue(), Infinity);
  } finally {
    doist.exit();
  }
});
