import { Doist } from '../../src/doing/doist.js';
import { SimNet } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { servantConformance, type Backend } from './servant.conformance.js';

servantConformance('SimServant', async (): Promise<Backend> => {
  const doist = new Doist({ tock: 0.03125 });
  const net = new SimNet({ tymth: doist.tymen(), seed: 1, latency: 0.002, jitter: 0.001 });
  return {
    doist,
    maxSteps: 20_000,
    servant: (options = {}) => new SimServant({ net, host: 'server', ...options }),
    client: (address, options = {}) => new SimClient({ net, localHost: 'client', host: address.host, port: address.port, ...options }),
    deadAddress: async () => ({ host: 'server', port: 9 }),
    dispose: () => doist.exit(),
  };
});
