// The bench baseline node-http.mjs (plain node:http hello world) on node:cluster: WORKERS
// processes (default 2) sharing PORT, for comparing against `hio bench --workers 2`:
//   ../shared/bench/run.sh --no-pin node-http nodecluster='node scripts/servers/node-http-cluster.mjs'
import cluster from 'node:cluster';
import { Buffer } from 'node:buffer';
import http from 'node:http';

const PORT = Number(process.env.PORT || 3000);
const HOST = process.env.HOST || '127.0.0.1';
const WORKERS = Number(process.env.WORKERS || 2);

if (cluster.isPrimary) {
  for (let index = 0; index < WORKERS; index++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const BODY = Buffer.from('Hello, World!');
  const HEADERS = { 'Content-Type': 'text/plain', 'Content-Length': BODY.length };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, HEADERS);
      res.end(BODY);
    } else {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
    }
  });
  // As node-http.mjs: longer than the idle scenario's ~15 s.
  server.keepAliveTimeout = 60_000;
  server.listen(PORT, HOST);
  process.on('SIGTERM', () => process.exit(0));
}
