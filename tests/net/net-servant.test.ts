import { createServer } from 'node:net';
import { Doist } from '../../src/doing/doist.js';
import { NetServant } from '../../src/net/net-servant.js';
import { NetClient } from '../../src/net/net-client.js';
import { servantConformance, type Backend } from './servant.conformance.js';

/** A port that was free a moment ago: bind port 0, read it back, close. */
async function freedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

servantConformance('NetServant', async (): Promise<Backend> => {
  const doist = new Doist({ tock: 0.03125 });
  return {
    doist,
    maxSteps: 50_000,
    servant: (options = {}) => new NetServant({ host: '127.0.0.1', port: 0, ...options }),
    client: (address, options = {}) => new NetClient({ host: address.host, port: address.port, ...options }),
    deadAddress: async () => ({ host: '127.0.0.1', port: await freedPort() }),
    dispose: () => doist.exit(),
  };
});
