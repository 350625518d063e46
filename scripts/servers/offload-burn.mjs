// The server of bench-offload (run after `npm run build`): GET /hello answers
// at once; GET /burn spends BURN_MS (default 20) ms of CPU, on the I/O loop
// itself (MODE=inline) or on a WorkerOffload thread (MODE=offload, THREADS
// threads, default the machine's parallelism less one). Listens on HOST:PORT
// (default 127.0.0.1:0) and prints its address.
import { serve } from '../../dist/app/serve.js';
import { WorkerOffload } from '../../dist/app/worker-offload.js';
import { burn } from './burn-worker.mjs';

const mode = process.env.MODE ?? 'offload';
const burnMs = Number(process.env.BURN_MS ?? 20);
const threads = process.env.THREADS === undefined ? undefined : Number(process.env.THREADS);
const pool =
  mode === 'offload'
    ? new WorkerOffload({ filename: new URL('./burn-worker.mjs', import.meta.url), maxQueue: 256, ...(threads !== undefined && { threads }) })
    : null;

const handle = serve({
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  ...(pool !== null && { offload: pool }),
  fetch: async (request) => {
    const path = new URL(request.url).pathname;
    if (path === '/hello') return new Response('hello\n');
    if (path === '/burn') return new Response(`${pool === null ? burn(burnMs) : await pool.offload('burn', burnMs)}\n`);
    return new Response('not found\n', { status: 404 });
  },
});
const address = await handle.listening;
console.log(`listening on http://${address.host}:${address.port}/ (${pool === null ? 'inline' : `offload, threads=${pool.threads}`})`);
process.once('SIGTERM', () => void handle.close(1).then(() => process.exit(0)));
