// A fetch handler streaming a large body for the slow-download measurement
// (scripts/bench-fetch-stream.mjs): GET /stream?mb=N answers N MB from a
// ReadableStream of 64 KiB chunks, pulled only as the connection drains.
// PORT and HOST from the environment; prints "listening on URL". Run after `npm run build`.
import { serve } from '../../dist/index.js';

const CHUNK = new Uint8Array(64 * 1024).fill(0x61);
const handle = serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST ?? '127.0.0.1',
  fetch(request) {
    const mb = Number(new URL(request.url).searchParams.get('mb') ?? '100');
    let left = mb * 1024 * 1024;
    const body = new ReadableStream({
      pull(controller) {
        const size = Math.min(left, CHUNK.length);
        left -= size;
        controller.enqueue(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
        if (left === 0) controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  },
});
const { port } = await handle.listening;
console.log(`listening on http://127.0.0.1:${port}/`);
process.on('SIGTERM', () => void handle.close(1).then(() => process.exit(0)));
