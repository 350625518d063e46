/**
 * @module
 * The node:http baseline of the slow-reader benchmark (never part of CI):
 * the same work as `hio echo`. Each request's whole body is read, then
 * answered by one JSON object of comparable size — method, target, version,
 * header pairs, and the body as UTF-8 text or base64 — with a Content-Length.
 * `GET /big?mb=N` is answered with N × 1e6 bytes of "x", as by big-steward.ts.
 * Server options are node's defaults: the point is to compare with them.
 *
 *   PORT=0 node build/scripts/slow-servers/node-echo.js
 *
 * Listens on $HOST (default 127.0.0.1) at $PORT (0 picks a free port), prints
 * `node:http echo listening on http://HOST:PORT/`, and exits on SIGTERM,
 * SIGINT or, when its stdin is a pipe, once that pipe closes (its parent is
 * gone).
 */
import { isUtf8 } from 'node:buffer';
import { fstatSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** Largest /big answer, in MB, as in big-steward.ts. */
const MAX_MB = 1000;

function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const target = request.url ?? '/';
  const big = /^\/big\?mb=(\d+)$/.exec(target);
  if (request.method === 'GET' && big !== null && Number(big[1]) <= MAX_MB) {
    const bytes = Buffer.alloc(Number(big[1]) * 1e6, 0x78);
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
    response.end(bytes);
    return;
  }
  const text = isUtf8(body);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) pairs.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
  const json = Buffer.from(
    JSON.stringify({
      version: `HTTP/${request.httpVersion}`,
      method: request.method,
      target,
      headers: pairs,
      body: body.toString(text ? 'utf8' : 'base64'),
      bodyEncoding: text ? 'utf8' : 'base64',
    }),
  );
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': json.length });
  response.end(json);
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => answer(request, response, Buffer.concat(chunks)));
});
const stop = (): void => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Started by a benchmark with a stdin pipe: its end means the parent is gone.
if (fstatSync(0).isFIFO()) process.stdin.on('end', stop).resume();
server.listen({ host: process.env['HOST'] ?? '127.0.0.1', port: Number(process.env['PORT'] ?? 0) }, () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') console.log(`node:http echo listening on http://${address.address}:${address.port}/`);
});
