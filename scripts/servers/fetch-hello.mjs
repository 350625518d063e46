// The benchmark contract's hello world as a fetch handler on serve(): PORT and HOST from the
// environment, GET / answers "Hello, World!", SIGTERM drains and exits. Run after `npm run build`:
//   ../shared/bench/run.sh node-http fetch='node scripts/servers/fetch-hello.mjs'
import { serve } from '../../dist/index.js';

const handle = serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST ?? '127.0.0.1',
  // The benchmark holds idle connections for ~15 s.
  keepAliveTymeout: 60,
  fetch: () => new Response('Hello, World!'),
});
process.on('SIGTERM', () => void handle.close(1).then(() => process.exit(0)));
