/**
 * Simulated network benchmark (never part of CI): one SimServant + EchoDoer
 * and many SimClients (default 1,000, each under its own ClientDoer) on a
 * SimNet (latency 0.001 s, seed 1, keepTrace false), driven by a virtual
 * `doist.do(…, { limit })`. Two workloads of small messages (default 32 bytes):
 *
 * 1. ping-pong: each client sends its next message once the echo of the
 *    previous one is back;
 * 2. streaming: each client sends one message on every pass of the Doist
 *    without waiting, and reads whatever echo arrived.
 *
 * The Doist's tock (1/32 s) exceeds the latency, so a parcel sent in one pass
 * is delivered in the next: ping-pong makes about one delivery per client per
 * pass, streaming two. For each workload (run twice: the first run includes
 * JIT warm-up) it prints data parcels delivered (net.stats.delivered) and
 * payload bytes per wall-clock second, measured from the first pass on which
 * every client is connected to the last pass (connects, enter and exit
 * excluded); this process's CPU, other processes' CPU and the hypervisor's
 * steal share (from /proc/stat); the trace digest (identical for identical
 * options and library version); and the goal: ≥ 1 million deliveries per second.
 *
 *   npm run bench:sim -- [options]   (compiles, then runs build/scripts/bench-sim.js)
 *   options: [--clients=1000] [--passes=2000] [--size=32] [--mode=ping-pong|streaming]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { SimClient } from '../src/net/sim/sim-client.js';
import { SimNet } from '../src/net/sim/sim-net.js';
import { SimServant } from '../src/net/sim/sim-servant.js';
import { Doer } from '../src/doing/doer.js';
import { Doist } from '../src/doing/doist.js';
import { ClientDoer } from '../src/doing/service-doer.js';
import { EchoDoer } from '../src/testing/echo-doer.js';
import { option } from './options.js';

const clientCount = option('clients', 1000);
const passes = option('passes', 2000);
const size = option('size', 32);
const only = process.argv.find((value) => value.startsWith('--mode='))?.slice(7);
const GOAL = 1_000_000;

type Mode = 'ping-pong' | 'streaming';

/** Whole-machine [busy, steal, total] CPU ticks from /proc/stat (zeros where there is none). */
function machineTicks(): [number, number, number] {
  try {
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const busy = user + nice + system + irq + softirq;
    return [busy, steal, busy + idle + iowait + steal];
  } catch {
    return [0, 0, 0];
  }
}

/** A client doer that talks to the echo server on every pass (unpaced). */
class TalkerDoer extends ClientDoer<SimClient> {
  /** Messages sent and echo bytes read back. */
  sent = 0;
  read = 0;
  readonly #mode: Mode;
  readonly #message: Buffer;
  #awaiting = false;

  constructor(client: SimClient, mode: Mode, message: Buffer) {
    super(client, { paced: false });
    this.#mode = mode;
    this.#message = message;
  }

  protected override recur(): boolean {
    const client = this.component;
    client.serviceConnect();
    client.serviceReceives();
    if (client.connected) {
      const rx = client.rxQueue;
      if (this.#mode === 'streaming') {
        if (rx.length > 0) {
          this.read += rx.length;
          rx.consume(rx.length);
        }
        this.#send(client);
      } else {
        if (this.#awaiting && rx.length >= size) {
          rx.consume(size);
          this.read += size;
          this.#awaiting = false;
        }
        if (!this.#awaiting) {
          this.#send(client);
          this.#awaiting = true;
        }
      }
    }
    client.serviceSends();
    return false;
  }

  #send(client: SimClient): void {
    client.tx(this.#message); // the same bytes every time: tx keeps them by reference, nobody modifies them
    this.sent += 1;
  }
}

/** Listed last: notes the wall clock and counters once all clients are connected and after every pass. */
class MeterDoer extends Doer {
  startNs = 0n;
  startDelivered = 0;
  startBytes = 0;
  startTyme = 0;
  startCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  startMachine: [number, number, number] = [0, 0, 0];
  endNs = 0n;
  endDelivered = 0;
  endBytes = 0;
  passes = 0;

  constructor(
    readonly net: SimNet,
    readonly clients: readonly SimClient[],
  ) {
    super();
  }

  protected override recur(tyme: number): boolean {
    const stats = this.net.stats;
    if (this.startNs === 0n) {
      if (this.clients.every((client) => client.connected)) {
        this.startNs = process.hrtime.bigint();
        this.startDelivered = stats.delivered;
        this.startBytes = stats.bytesDelivered;
        this.startTyme = tyme;
        this.startCpu = process.cpuUsage();
        this.startMachine = machineTicks();
      }
      return false;
    }
    this.passes += 1;
    this.endNs = process.hrtime.bigint();
    this.endDelivered = stats.delivered;
    this.endBytes = stats.bytesDelivered;
    return false;
  }
}

function run(mode: Mode): void {
  const doist = new Doist({ tock: 1 / 32 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.001, seed: 1, keepTrace: false });
  const servant = new SimServant({ net, host: 'server', port: 8080 });
  const message = Buffer.alloc(size, 0x61);
  const clients = Array.from({ length: clientCount }, () => new SimClient({ net, localHost: 'client', host: 'server', port: 8080 }));
  const talkers = clients.map((client) => new TalkerDoer(client, mode, message));
  const meter = new MeterDoer(net, clients);
  const echo = new EchoDoer(servant);
  const started = process.hrtime.bigint();
  doist.do([echo, ...talkers, meter], { limit: passes * doist.tock });
  const total = Number(process.hrtime.bigint() - started) / 1e9;

  const seconds = Number(meter.endNs - meter.startNs) / 1e9;
  const delivered = meter.endDelivered - meter.startDelivered;
  const bytes = meter.endBytes - meter.startBytes;
  const rate = delivered / seconds;
  const sent = talkers.reduce((sum, talker) => sum + talker.sent, 0);
  const read = talkers.reduce((sum, talker) => sum + talker.read, 0);
  // From the first measured pass to the end of do(): our CPU, other processes' CPU (in cores), steal share.
  const wall = Number(process.hrtime.bigint() - meter.startNs) / 1e9;
  const usage = process.cpuUsage(meter.startCpu);
  const cpu = (usage.user + usage.system) / 1e6;
  const [busy, steal, ticks] = machineTicks().map((value, i) => value - meter.startMachine[i]!) as [number, number, number];
  const other = Math.max(0, (busy / ticks) * availableParallelism() - cpu / wall) || 0;
  console.log(
    `${mode}: ${clientCount} clients x ${size}-byte messages, ${meter.passes} measured passes (of ${passes}) in ${seconds.toFixed(3)} s wall (${total.toFixed(3)} s with connects, enter and exit)`,
  );
  console.log(
    `  ${(rate / 1e6).toFixed(3)} M deliveries/s, ${(bytes / seconds / 1e6).toFixed(2)} MB/s payload; ${(delivered / meter.passes).toFixed(0)} deliveries and ${((seconds / meter.passes) * 1e6).toFixed(0)} µs per pass, ${((seconds / delivered) * 1e9).toFixed(0)} ns per delivery`,
  );
  console.log(
    `  goal >= ${(GOAL / 1e6).toFixed(1)} M deliveries/s: ${rate >= GOAL ? 'met' : `not met (${(rate / GOAL).toFixed(3)} of it)`}; totals: ${net.stats.delivered} delivered, ${net.stats.bytesDelivered} bytes, ${sent} messages sent, ${read} echo bytes read, ${echo.echoed} echoed`,
  );
  console.log(
    `  machine: this process ${cpu.toFixed(3)} s CPU in ${wall.toFixed(3)} s; other processes ${(other * 100).toFixed(0)} % of a core; steal ${((steal / ticks || 0) * 100).toFixed(0)} % of machine time`,
  );
  console.log(
    `  trace: ${net.trace.count} events, digest ${net.trace.digest()}, tyme ${doist.tyme.toFixed(3)} s (measured from ${meter.startTyme.toFixed(3)} s)`,
  );
}

console.log(`node ${process.version}, ${process.arch}; command: ${process.execPath} ${process.argv.slice(1).join(' ')}`);
// Each workload twice: the digests of the two runs must agree.
const modes: Mode[] = only === 'ping-pong' || only === 'streaming' ? [only] : ['ping-pong', 'streaming'];
for (let round = 0; round < 2; round++) for (const mode of modes) run(mode);
