// The default scenario of the harness benchmark: one server (a fetch
// application answering "hello"), ten closed-loop clients of 100 requests
// each, stormy faults while they run.
//
//   npm run build && node dist/cli.js sim scripts/sim/default-scenario.mjs --seeds 1..10000
import { closedLoop, defineScenario } from 'hio-ts/testing';

export default defineScenario({
  name: 'default',
  hosts: { api: { fetch: () => new Response('hello') } },
  clients: [closedLoop({ clients: 10, requests: 100, think: [0, 0.02] })],
  faults: 'stormy',
  until: 1,
  // A throughput benchmark: a seed whose faults all miss counts as tested, not failed.
  unreachedFaults: 'count',
});
