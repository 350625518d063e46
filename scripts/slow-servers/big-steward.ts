/**
 * @module
 * A hio-ts server for the slow-download benchmark (never part of CI): the
 * echo service, plus `GET /big?mb=N`, answered with N MB (N × 1e6 bytes of
 * "x") by one CustomResponder. It stands in for `hio echo` when the CLI
 * cannot raise its body limit, so a 30 MB answer needs no 30 MB upload.
 *
 *   PORT=0 node build/scripts/slow-servers/big-steward.js
 *
 * Listens on $HOST (default 127.0.0.1) at $PORT (0 picks a free port), prints
 * `hio big-steward listening on http://HOST:PORT/` like the `hio` command,
 * and exits on SIGTERM, SIGINT or, when its stdin is a pipe, once that pipe
 * closes (its parent is gone).
 */
import { fstatSync } from 'node:fs';
import { Doist } from '../../src/doing/doist.js';
import { doify } from '../../src/doing/doify.js';
import type { Dog } from '../../src/doing/doable.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import { queryPairs, type Request } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';

/** Largest answer served, in MB: a typo in a query must not eat the machine. */
const MAX_MB = 1000;

/** The echoing Steward, plus `GET /big?mb=N`: N × 1e6 bytes of "x" as application/octet-stream. */
export class BigSteward extends Steward {
  override respond(request: Request): Responder {
    if (request.method !== 'GET' || request.path !== '/big') return super.respond(request);
    const mb = Number(queryPairs(request.query).find(([name]) => name === 'mb')?.[1] ?? 30);
    if (!Number.isInteger(mb) || mb < 0 || mb > MAX_MB) return new CustomResponder({ status: 400, body: `mb must be an integer in [0, ${MAX_MB}]\n` });
    return new CustomResponder({ headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(mb * 1e6, 0x78) });
  }
}

const port = Number(process.env['PORT'] ?? 0);
const host = process.env['HOST'] ?? '127.0.0.1';
const server = new BareServer({ host, port, steward: BigSteward, keepAliveTymeout: 5 });
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());
process.once('SIGINT', () => controller.abort());
// Started by a benchmark with a stdin pipe: its end means the parent is gone.
if (fstatSync(0).isFIFO()) process.stdin.on('end', () => controller.abort()).resume();
const announce = doify(function* announce(): Dog {
  for (;;) {
    if (server.servant.opened) {
      const address = server.servant.address;
      console.log(`hio big-steward listening on http://${address.host}:${address.port}/`);
      return true;
    }
    if (server.servant.error !== null) {
      console.error(`big-steward: cannot listen on ${host}:${port}: ${server.servant.error.code}`);
      controller.abort();
      return false;
    }
    yield 0;
  }
});
await new Doist({ real: true }).run([new BareServerDoer(server), announce], { signal: controller.signal });
process.exit(0);
