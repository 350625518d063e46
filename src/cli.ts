#!/usr/bin/env node
/**
 * @module
 * The `hio` command.
 *
 *   hio [echo]        serve the echo service (each request back as JSON)
 *   hio conformance   serve the routes the HTTP/1.1 conformance corpus expects
 *   hio bench         serve "Hello, World!" on GET / for side-by-side benchmarks
 *   hio demo          show the scheduler: a few doers at different tocks
 *
 * Servers listen on 127.0.0.1 (or $HOST) at $PORT (default 8080), run a
 * real-mode Doist, print their address once listening, and exit on SIGTERM
 * or SIGINT after closing their connections.
 */
import { Doist } from './doing/doist.js';
import { Doer } from './doing/doer.js';
import { doify } from './doing/doify.js';
import type { Dog } from './doing/doable.js';
import { BareServer, BareServerDoer, type StewardClass } from './http/bare-server.js';
import { Steward } from './http/steward.js';
import { ConformanceSteward } from './testing/conformance-steward.js';
import { HelloSteward } from './testing/hello-steward.js';

const STEWARDS: Readonly<Record<string, { steward: StewardClass; keepAliveTymeout: number; about: string }>> = {
  echo: { steward: Steward, keepAliveTymeout: 5, about: 'echo service' },
  conformance: { steward: ConformanceSteward, keepAliveTymeout: 5, about: 'conformance routes' },
  // The benchmark holds idle connections for ~15 s; keep them longer than that.
  bench: { steward: HelloSteward, keepAliveTymeout: 60, about: 'hello-world benchmark server' },
};

async function serve(name: string): Promise<number> {
  const entry = STEWARDS[name]!;
  const port = Number(process.env['PORT'] ?? 8080);
  const host = process.env['HOST'] ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`hio: PORT must be an integer in [0, 65535], got ${process.env['PORT']}`);
    return 2;
  }
  const server = new BareServer({ host, port, steward: entry.steward, keepAliveTymeout: entry.keepAliveTymeout });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  let status = 0;
  const announce = doify(function* announce(): Dog {
    for (;;) {
      if (server.servant.opened) {
        const { host: boundHost, port: boundPort } = server.servant.address;
        console.log(`hio ${entry.about} listening on http://${boundHost}:${boundPort}/`);
        return true;
      }
      if (server.servant.error !== null) {
        console.error(`hio: cannot listen on ${host}:${port}: ${server.servant.error.code}`);
        status = 1;
        controller.abort();
        return false;
      }
      yield 0;
    }
  });
  await new Doist({ real: true }).run([new BareServerDoer(server), announce], { signal: controller.signal });
  return status;
}

/** A doer that prints its contexts and finishes after `limit` runs. */
class Talker extends Doer {
  #runs = 0;
  readonly #limit: number;

  constructor(name: string, tock: number, limit: number) {
    super({ name, tock });
    this.#limit = limit;
  }

  protected override enter(): void {
    console.log(`${this.tyme.toFixed(3)}  ${this.name.padEnd(8)} enter (tock ${this.tock})`);
  }

  protected override recur(tyme: number): boolean {
    this.#runs += 1;
    console.log(`${tyme.toFixed(3)}  ${this.name.padEnd(8)} recur ${this.#runs}`);
    return this.#runs >= this.#limit;
  }

  protected override exit(): void {
    console.log(`${this.tyme.toFixed(3)}  ${this.name.padEnd(8)} exit (${this.done ? 'done' : 'closed'})`);
  }
}

function* heartbeat(): Dog {
  for (let beat = 1; ; beat++) {
    const tyme = yield 0.5;
    console.log(`${tyme.toFixed(3)}  heart    beat ${beat}`);
  }
}

async function demo(): Promise<number> {
  console.log('virtual tyme: Doist tock 0.25, limit 2.0 (runs instantly)');
  new Doist({ tock: 0.25 }).do([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 2 });
  console.log('\nreal tyme: the same doers for one second of wall-clock time');
  await new Doist({ tock: 0.25, real: true }).run([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 1 });
  return 0;
}

const command = process.argv[2] ?? 'echo';
if (command === 'demo') process.exitCode = await demo();
else if (command in STEWARDS) process.exitCode = await serve(command);
else {
  console.error(`usage: hio [echo|conformance|bench|demo]   (unknown command '${command}')`);
  process.exitCode = 2;
}
