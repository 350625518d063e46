/**
 * The transports' diagnostics channels: `hio:net:accept`, `hio:net:close`,
 * `hio:net:reset` and `hio:net:error`, published as connections come and go.
 * Real sockets, virtual tyme, every wait bounded.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import test from 'ava';
import type { Connection, Remoter } from '../../src/net/connection.js';
import type { NetError } from '../../src/net/net-error.js';
import { NetClient } from '../../src/net/net-client.js';
import { NetServant } from '../../src/net/net-servant.js';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer, ServantDoer } from '../../src/doing/service-doer.js';
import { until } from '../helpers/drive.js';

test('NetServant and its connections publish accept, close, reset and error on hio:net:*', async (t) => {
  t.timeout(30_000);
  const seen: string[] = [];
  const accepted: Remoter[] = [];
  const failed: Array<{ connection: Connection; error: NetError }> = [];
  const onAccept = (message: unknown): void => {
    accepted.push((message as { remoter: Remoter }).remoter);
    seen.push('accept');
  };
  const onClose = (): void => void seen.push('close');
  const onReset = (): void => void seen.push('reset');
  const onError = (message: unknown): void => {
    failed.push(message as { connection: Connection; error: NetError });
    seen.push('error');
  };
  subscribe('hio:net:accept', onAccept);
  subscribe('hio:net:close', onClose);
  subscribe('hio:net:reset', onReset);
  subscribe('hio:net:error', onError);
  const doist = new Doist({ tock: 1 / 32 });
  try {
    const servant = new NetServant({ port: 0 });
    doist.extend([new ServantDoer(servant)]);
    await until(doist, () => servant.opened, 10_000, 'listening');
    const client = new NetClient({ port: servant.address.port });
    doist.extend([new ClientDoer(client)]);
    await until(doist, () => accepted.length === 1, 10_000, 'the accept');
    t.deepEqual(seen, ['accept']);
    // The server resets: the client is cut off with ECONNRESET.
    accepted[0]!.reset();
    await until(doist, () => client.cutoff, 10_000, 'the reset to reach the client');
    t.deepEqual(seen, ['accept', 'reset', 'error']);
    t.is(failed[0]!.connection, client);
    t.is(failed[0]!.error.code, 'ECONNRESET');
    client.close();
    t.deepEqual(seen, ['accept', 'reset', 'error', 'close']);
  } finally {
    doist.exit();
    unsubscribe('hio:net:accept', onAccept);
    unsubscribe('hio:net:close', onClose);
    unsubscribe('hio:net:reset', onReset);
    unsubscribe('hio:net:error', onError);
  }
});
