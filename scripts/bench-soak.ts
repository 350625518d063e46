/**
 * Soak benchmark of the skipping Doist (never part of CI): a BareServer
 * (HelloSteward) and many keep-alive SimClients (default 100), each sending
 * one `GET /` a minute, on a SimNet (latency 1/32 s, seed 1, keepTrace
 * false), driven by a virtual `doist.do(…, { limit, skip })` with a tock of
 * 1/1024 s. The clients' first requests are spread over the first minute,
 * 19/32 s apart.
 *
 * With `skip` tyme jumps from event to event, so a day costs what its
 * requests cost. It prints, in order:
 *
 * 1. ten virtual minutes with skip and without (one tock per recur), after
 *    a warm-up run: wall and CPU time, recurs, responses and digest of
 *    each — every event tyme is a multiple of the tock (1/32 s), so the two
 *    digests must agree — and the wall time a day without skip would take
 *    at that rate;
 * 2. the day with skip: wall and CPU time, recurs, requests sent and answered (each
 *    response parsed by a strict Respondent), trace events, digest, and the
 *    goal: under 2 s of wall time.
 *
 *   npm run bench:soak -- [options]   (compiles, then runs build/scripts/bench-soak.js)
 *   options: [--clients=100] [--hours=24] [--period=60] [--minutes=10] [--tocks-per-second=1024]
 */
import { tymeClock } from '../src/core/clock.js';
import { Doist } from '../src/doing/doist.js';
import { ClientDoer } from '../src/doing/service-doer.js';
import { BareServer, BareServerDoer } from '../src/http/bare-server.js';
import { Respondent } from '../src/http/respondent.js';
import { SimClient } from '../src/net/sim/sim-client.js';
import { SimNet } from '../src/net/sim/sim-net.js';
import { SimServant } from '../src/net/sim/sim-servant.js';
import { HelloSteward } from '../src/testing/hello-steward.js';
import { option } from './options.js';

const clientCount = option('clients', 100);
const hours = option('hours', 24);
const period = option('period', 60);
const minutes = option('minutes', 10);
/** The Doist's tock: about a millisecond, exact in binary so sums of tocks land on the event tymes. */
const TOCK = 1 / option('tocks-per-second', 1024);
/** One-way latency, a multiple of the tock. */
const LATENCY = 1 / 32;
const GOAL_SECONDS = 2;
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n');

/** A Doist that counts its recurs. */
class CountingDoist extends Doist {
  recurs = 0;

  override recur(): void {
    this.recurs += 1;
    super.recur();
  }
}

/**
 * One keep-alive client: sends `GET /` every `period` seconds of tyme from
 * `firstSend` on, parses what comes back, and sleeps until its next send or
 * the client's next due tyme (the network's next event), whichever is first.
 */
class MinuteClientDoer extends ClientDoer<SimClient> {
  sent = 0;
  answered = 0;
  failed = 0;
  #nextSend: number;
  readonly #respondent: Respondent;

  constructor(client: SimClient, firstSend: number) {
    super(client);
    this.#nextSend = firstSend;
    this.#respondent = new Respondent(client.rxQueue);
  }

  protected override recur(tyme: number): boolean {
    const client = this.component;
    client.service();
    this.#read();
    if (client.connected && tyme >= this.#nextSend) {
      client.tx(REQUEST); // the same bytes every time: tx keeps them by reference, nobody modifies them
      this.#respondent.expect('GET');
      this.sent += 1;
      this.#nextSend += period;
      client.serviceSends();
    }
    const due = Math.min(client.nextDue(), this.#nextSend);
    this.tock = due <= tyme ? 0 : due - tyme;
    return false;
  }

  #read(): void {
    for (;;) {
      const progress = this.#respondent.parse();
      if (progress === 'done') {
        if (this.#respondent.take().status === 200) this.answered += 1;
        else this.failed += 1;
      } else if (progress === 'error') {
        this.failed += 1;
        return;
      } else if (progress === 'more') {
        return;
      }
    }
  }
}

interface Soak {
  readonly wall: number;
  /** CPU seconds of this process (user + system, all threads: the garbage collector's too). */
  readonly cpu: number;
  readonly recurs: number;
  readonly tyme: number;
  readonly sent: number;
  readonly answered: number;
  readonly failed: number;
  readonly events: number;
  readonly digest: string;
}

function soak(seconds: number, skip: boolean): Soak {
  const doist = new CountingDoist({ tock: TOCK, skip });
  const net = new SimNet({ tymth: doist.tymen(), latency: LATENCY, seed: 1, keepTrace: false });
  const server = new BareServer({
    servant: new SimServant({ net, host: 'server', port: 80 }),
    // Date headers from tyme: the payloads, and so the digest, are the same on every run.
    clock: tymeClock(doist.tymen(), Date.UTC(2026, 0, 1)),
    steward: HelloSteward,
    keepAliveTymeout: 2 * period,
  });
  const clients = Array.from(
    { length: clientCount },
    (_, index) => new MinuteClientDoer(new SimClient({ net, localHost: `client${index}`, host: 'server', port: 80 }), (index * 19 * LATENCY) % period),
  );
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  doist.do([new BareServerDoer(server), ...clients], { limit: seconds });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsed = process.cpuUsage(cpuStart);
  const sum = (pick: (client: MinuteClientDoer) => number): number => clients.reduce((total, client) => total + pick(client), 0);
  return {
    wall,
    cpu: (cpuUsed.user + cpuUsed.system) / 1e6,
    recurs: doist.recurs,
    tyme: doist.tyme,
    sent: sum((client) => client.sent),
    answered: sum((client) => client.answered),
    failed: sum((client) => client.failed),
    events: net.trace.count,
    digest: net.trace.digest(),
  };
}

function describe(label: string, run: Soak): void {
  console.log(
    `${label}: ${run.wall.toFixed(3)} s wall (${run.cpu.toFixed(3)} s CPU), ${run.recurs} recurs to tyme ${run.tyme} s; ${run.sent} requests sent, ${run.answered} answered (${run.failed} failed); ${run.events} trace events, digest ${run.digest}`,
  );
}

console.log(`node ${process.version}, ${process.arch}; command: ${process.execPath} ${process.argv.slice(1).join(' ')}`);
console.log(`${clientCount} keep-alive clients, one GET / each every ${period} s, latency ${LATENCY} s, tock ${TOCK} s`);

const short = minutes * 60;
// A first short run warms the JIT up, so the two compared runs cost what they do.
soak(short, true);
const skipped = soak(short, true);
const ticked = soak(short, false);
describe(`${minutes} min with skip   `, skipped);
describe(`${minutes} min without skip`, ticked);
const day = hours * 3600;
console.log(
  `  digests ${skipped.digest === ticked.digest ? 'agree' : 'DIFFER'}; without skip ${hours} h would take about ${((ticked.wall * day) / short).toFixed(0)} s wall`,
);

const long = soak(day, true);
describe(`${hours} h with skip`, long);
console.log(
  `  ${(long.answered / long.wall / 1e3).toFixed(1)} k answers per wall second, ${(long.recurs / long.answered).toFixed(2)} recurs per answer; goal < ${GOAL_SECONDS} s wall: ${long.wall < GOAL_SECONDS ? 'met' : 'not met'}`,
);
