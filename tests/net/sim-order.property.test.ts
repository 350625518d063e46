/**
 * Property: whatever the seed, the jitter, the segment size and the faults
 * (links held and released, partitions one or both ways and repaired while
 * parcels are in flight, connections reset from the middle or aborted by
 * either end, hosts crashed and restarted),
 * each direction of each connection of the simulated network receives
 * exactly a prefix of the bytes written to it, in order — the whole stream,
 * and its half-close after the last byte, when no reset touched the
 * connection. The trace never goes back in tyme and shows no delivery to a
 * reset end.
 *
 * Seeded and short by default; SIM_ORDER_RUNS=20000 (and SIM_ORDER_SEED) for
 * a long run.
 */
import test from 'ava';
import fc from 'fast-check';
import type { SimClient } from '../../src/net/sim/sim-client.js';
import { SimLab, traceProblems, type Flow } from '../helpers/sim-lab.js';

const HOSTS = ['c1', 'c2'] as const;

interface Write {
  readonly step: number;
  readonly size: number;
}

interface ClientPlan {
  readonly host: (typeof HOSTS)[number];
  readonly writes: readonly Write[];
  readonly answers: readonly Write[];
  readonly halfClose: boolean;
}

type Fault =
  | { readonly kind: 'hold'; readonly host: number; readonly toServer: boolean; readonly at: number; readonly span: number }
  | { readonly kind: 'partition'; readonly host: number; readonly oneWay: boolean; readonly at: number; readonly span: number }
  | { readonly kind: 'reset'; readonly client: number; readonly at: number }
  | { readonly kind: 'abort'; readonly client: number; readonly server: boolean; readonly at: number }
  | { readonly kind: 'crash'; readonly server: boolean; readonly host: number; readonly at: number; readonly span: number };

interface Plan {
  readonly seed: number;
  readonly latency: number;
  readonly jitter: number;
  readonly segment: number;
  readonly bandwidth: number;
  readonly tock: number;
  readonly clients: readonly ClientPlan[];
  readonly faults: readonly Fault[];
}

/** Tymes in milliseconds, so faults fall between passes. */
const tyme = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max }).map((ms) => ms / 1000);
const writes = fc.array(fc.record({ step: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 1, max: 120 }) }), { maxLength: 8 });

const plan: fc.Arbitrary<Plan> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  latency: fc.constantFrom(0.001, 0.004, 0.02),
  jitter: fc.constantFrom(0, 0.01, 0.05, 0.2),
  segment: fc.integer({ min: 1, max: 48 }),
  bandwidth: fc.constantFrom(Infinity, 3000, 40_000),
  tock: fc.constantFrom(1 / 64, 1 / 32, 1 / 16),
  clients: fc.array(fc.record({ host: fc.constantFrom(...HOSTS), writes, answers: writes, halfClose: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  faults: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('hold' as const), host: fc.nat(1), toServer: fc.boolean(), at: tyme(1500), span: tyme(800) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('partition' as const), host: fc.nat(1), oneWay: fc.boolean(), at: tyme(1500), span: tyme(800) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), client: fc.nat(2), at: tyme(1500) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), client: fc.nat(2), server: fc.boolean(), at: tyme(1500) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), server: fc.boolean(), host: fc.nat(1), at: tyme(1500), span: tyme(500) }) },
    ),
    { maxLength: 6 },
  ),
});

/** Distinct bytes for every direction of every connection, with no short period. */
function bytesFor(salt: number, offset: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) {
    const x = offset + i;
    bytes[i] = (x * 131 + (x >>> 7) * 17 + salt * 59) & 0xff;
  }
  return bytes;
}

/** Runs a plan; returns a list of what went wrong (empty when all is well). */
function check(p: Plan): string[] {
  const lab = new SimLab({
    seed: p.seed,
    latency: p.latency,
    jitter: p.jitter,
    segment: p.segment,
    bandwidth: p.bandwidth,
    tock: p.tock,
    window: Math.max(p.segment, 256),
    connectTymeout: 30,
  });
  const clients = p.clients.map((c) => lab.client(c.host));
  const net = lab.net;
  // A connection is "touched" by a reset fault on it or a crash of one of its hosts.
  const touched = new Set<SimClient>();
  for (const fault of p.faults) {
    const host = HOSTS[fault.kind === 'reset' || fault.kind === 'abort' ? 0 : fault.host]!;
    switch (fault.kind) {
      case 'hold':
        net.at(fault.at, () => (fault.toServer ? net.hold(host, 'server') : net.hold('server', host)));
        net.at(fault.at + fault.span, () => (fault.toServer ? net.release(host, 'server') : net.release('server', host)));
        break;
      case 'partition':
        net.at(fault.at, () => net.partition(host, 'server', { oneWay: fault.oneWay }));
        net.at(fault.at + fault.span, () => net.repair(host, 'server', { oneWay: fault.oneWay }));
        break;
      case 'reset': {
        const client = clients[fault.client % clients.length]!;
        touched.add(client);
        net.at(fault.at, () => net.reset(client));
        break;
      }
      case 'abort': {
        const client = clients[fault.client % clients.length]!;
        touched.add(client);
        net.at(fault.at, () => (fault.server ? lab.remoterOf.get(client) : client)?.reset());
        break;
      }
      case 'crash': {
        const crashed = fault.server ? 'server' : host;
        for (const [index, client] of clients.entries()) if (crashed === 'server' || p.clients[index]!.host === crashed) touched.add(client);
        net.at(fault.at, () => net.crash(crashed));
        net.at(fault.at + fault.span, () => net.restart(crashed));
        break;
      }
    }
  }
  const offsets = new Map<Flow, number>();
  const write = (client: SimClient, index: number, toClient: boolean, size: number): void => {
    const flow = (toClient ? lab.down : lab.up).get(client)!;
    const offset = offsets.get(flow) ?? 0;
    offsets.set(flow, offset + size);
    lab.write(client, bytesFor(index * 2 + (toClient ? 1 : 0), offset, size), toClient);
  };
  const lastStep = (list: readonly Write[]): number => list.reduce((last, w) => Math.max(last, w.step), -1);
  // The server half-closes once its client did and every answer is written.
  const halfCloseServers = (): void => {
    for (const client of clients) {
      const remoter = lab.remoterOf.get(client);
      if (remoter !== undefined && remoter.rxEnded && !remoter.cutoff) remoter.shutdownSend();
    }
  };
  for (let step = 0; step <= 42; step++) {
    p.clients.forEach((c, index) => {
      const client = clients[index]!;
      for (const w of c.writes) if (w.step === step) write(client, index, false, w.size);
      if (lab.remoterOf.has(client)) for (const w of c.answers) if (w.step === step) write(client, index, true, w.size);
      if (c.halfClose && step === lastStep(c.writes) + 1 && !client.cutoff) client.shutdownSend();
    });
    lab.step();
    halfCloseServers();
  }
  // Answers planned before the connection existed go out once it does.
  p.clients.forEach((c, index) => {
    const client = clients[index]!;
    if (lab.remoterOf.has(client) && lab.down.get(client)!.written.length === 0) for (const w of c.answers) write(client, index, true, w.size);
  });
  for (let step = 0; step < 12 / lab.tock; step++) {
    lab.step();
    halfCloseServers();
  }

  const problems: string[] = [];
  p.clients.forEach((c, index) => {
    const client = clients[index]!;
    for (const [name, flow] of [
      ['up', lab.up.get(client)!],
      ['down', lab.down.get(client)!],
    ] as const) {
      const written = flow.writtenBytes;
      const received = flow.receivedBytes;
      const where = `client ${index} ${name}`;
      if (received.length > written.length || !received.equals(written.subarray(0, received.length))) {
        problems.push(`${where}: received ${received.length} bytes, not a prefix of the ${written.length} written`);
      } else if (!touched.has(client) && received.length !== written.length) {
        problems.push(`${where}: received ${received.length} of ${written.length} bytes with no reset`);
      }
      if (flow.endedAt >= 0 && flow.endedAt !== written.length) problems.push(`${where}: end seen after ${flow.endedAt} of ${written.length} bytes`);
      if (c.halfClose && !touched.has(client) && flow.endedAt < 0) problems.push(`${where}: half-close never seen`);
    }
  });
  problems.push(...traceProblems(net.trace.events));
  return problems;
}

test('SimNet delivers each direction of each connection in order, a prefix of what was written, under faults', (t) => {
  fc.assert(
    fc.property(plan, (p) => {
      const problems = check(p);
      if (problems.length > 0) throw new Error(problems.slice(0, 5).join('\n'));
    }),
    { seed: Number(process.env['SIM_ORDER_SEED'] ?? 20260918), numRuns: Number(process.env['SIM_ORDER_RUNS'] ?? 200), includeErrorInReport: true },
  );
  t.pass();
});

test('SimNet gives the same trace digest for the same plan', (t) => {
  const sample = fc.sample(plan, { seed: 5, numRuns: 20 });
  for (const p of sample) {
    const digests = [0, 1].map(() => {
      const lab = new SimLab({ seed: p.seed, latency: p.latency, jitter: p.jitter, segment: p.segment, keepTrace: false });
      const client = lab.client();
      for (const w of p.clients[0]!.writes) {
        lab.write(client, bytesFor(0, w.step, w.size));
        lab.step();
      }
      lab.run(2);
      return lab.net.trace.digest();
    });
    t.is(digests[0], digests[1]);
  }
});
