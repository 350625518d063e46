/**
 * The Patron under seeded faults on the simulated network: for each seed, a
 * fault plan (partitions and repairs, resets of live connections, a server
 * crash and restart) drawn from the seed, and a workload of GETs and POSTs
 * against a BareServer. Whatever happens, every exchange settles within its
 * deadlines — answered, or failed with a code that says why — no POST is
 * answered twice, and the same seed gives the same run, byte for byte.
 */
import test from 'ava';
import { Prng } from '../../src/core/prng.js';
import { CustomResponder } from '../../src/http/custom-responder.js';
import { ExchangeState, type Exchange } from '../../src/http/exchange.js';
import { httpWorld } from '../helpers/http-client.js';
import { simPatron } from '../helpers/patron-world.js';

/** Why an exchange may fail under these faults. */
const FAULT_CODES = new Set([
  'HIO_ERR_CONNECT',
  'HIO_ERR_CONNECT_TIMEOUT',
  'HIO_ERR_CONNECTION_LOST',
  'HIO_ERR_RESPONSE_TIMEOUT',
  'HIO_ERR_BODY_IDLE_TIMEOUT',
  'HIO_ERR_SEND_TIMEOUT',
]);

interface Outcome {
  readonly outcomes: string[];
  readonly digest: string;
  /** POSTs the server received more than once. */
  readonly postsTwice: string[];
}

function run(seed: number): Outcome {
  const received = new Map<string, number>();
  const world = httpWorld(
    {
      keepAliveTymeout: 2,
      respond: (request) => {
        received.set(request.target, (received.get(request.target) ?? 0) + 1);
        return new CustomResponder({ data: { target: request.target } });
      },
    },
    { seed, latency: 0.01, jitter: 0.02 },
  );
  const random = new Prng(seed * 7919);
  const net = world.net;
  // The fault plan, drawn from the seed: at most five faults in the first 20 s.
  for (let i = 0; i < 5; i++) {
    const at = random.int(20_000) / 1000;
    const kind = random.int(4);
    if (kind === 0) {
      net.at(at, () => net.partition('client', 'server'));
      net.at(at + 0.5 + random.int(3000) / 1000, () => net.repair('client', 'server'));
    } else if (kind === 1) {
      net.at(at, () => {
        for (const remoter of world.server.servant.remoters.values()) net.reset(remoter);
      });
    } else if (kind === 2) {
      net.at(at, () => net.crash('server'));
      net.at(at + 1 + random.int(2000) / 1000, () => net.restart('server'));
    } else {
      net.at(at, () => net.partition('server', 'client', { oneWay: true }));
      net.at(at + 1, () => net.repair('server', 'client', { oneWay: true }));
    }
  }
  const patron = simPatron(world, { connectTymeout: 2, responseTymeout: 3, bodyTymeout: 3, connections: 3 });
  const exchanges: Exchange[] = [];
  // The workload: a request every 0.25 s for 20 s, one in four a POST.
  for (let step = 0; step < 80; step++) {
    const post = random.int(4) === 0;
    exchanges.push(patron.request(post ? { url: `http://server/p${step}`, method: 'POST', body: `post ${step}` } : { url: `http://server/g${step}` }));
    world.run(0.25);
  }
  const settled = world.run(60, () => exchanges.every((exchange) => exchange.settled));
  return {
    outcomes: settled
      ? exchanges.map((exchange) =>
          exchange.state === ExchangeState.done
            ? `${exchange.status} ${JSON.parse(exchange.readAll().toString()).target as string}`
            : String(exchange.error?.code),
        )
      : ['unsettled'],
    digest: net.trace.digest(),
    postsTwice: [...received].filter(([target, count]) => target.startsWith('/p') && count > 1).map(([target]) => target),
  };
}

test('Patron settles every exchange under seeded faults, each answered or failed with its reason, the same for the same seed', (t) => {
  let failed = 0;
  let answered = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const first = run(seed);
    t.notDeepEqual(first.outcomes, ['unsettled'], `seed ${seed}: an exchange never settled`);
    t.deepEqual(first.postsTwice, [], `seed ${seed}: a POST reached the server twice`);
    first.outcomes.forEach((outcome, step) => {
      if (outcome.startsWith('200 ')) {
        answered += 1;
        t.regex(outcome, new RegExp(`^200 /[pg]${step}$`), `seed ${seed} step ${step}: the answer to another request`);
      } else {
        failed += 1;
        t.true(FAULT_CODES.has(outcome), `seed ${seed} step ${step}: ${outcome}`);
      }
    });
    const again = run(seed);
    t.deepEqual(again, first, `seed ${seed} did not replay`);
  }
  t.log(`${answered} answered, ${failed} failed`);
  t.true(answered > failed, `${answered} answered, ${failed} failed`);
  t.true(failed > 0, 'the faults cost some requests');
});
