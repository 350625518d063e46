/**
 * The HTTP/1.1 conformance corpus (tests/fixtures/conformance) against a
 * real BareServer on a real socket, in a real-mode Doist: every case must
 * pass, none only leniently.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Doist } from '../../src/doing/doist.js';
import { BareServer, BareServerDoer } from '../../src/http/bare-server.js';
import { NetServant } from '../../src/net/net-servant.js';
import { ConformanceSteward } from '../../src/testing/conformance-steward.js';

const runner = fileURLToPath(new URL('../fixtures/conformance/run.mjs', import.meta.url));

function runCorpus(port: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, '127.0.0.1', String(port), '--jobs', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('BareServer passes the whole HTTP/1.1 conformance corpus, none of it leniently', async (t) => {
  t.timeout(120_000);
  const server = new BareServer({ servant: new NetServant({ host: '127.0.0.1', port: 0 }), steward: ConformanceSteward });
  const controller = new AbortController();
  const doist = new Doist({ real: true });
  const running = doist.run([new BareServerDoer(server)], { signal: controller.signal });
  try {
    for (let turn = 0; !server.servant.opened && turn < 10_000; turn++) await new Promise((resolve) => setImmediate(resolve));
    t.true(server.servant.opened, 'the server opened');
    const { code, output } = await runCorpus(server.servant.address.port);
    t.is(code, 0, output);
    const summary = /(\d+) passed, (\d+) failed/.exec(output);
    t.not(summary, null, output);
    const failures = output.split('\n').filter((line) => line.startsWith('FAIL') || line.startsWith('LENIENT'));
    t.deepEqual(failures, []);
    t.is(Number(summary![1]), 134);
    t.is(Number(summary![2]), 0);
    t.is(server.faults, 0);
  } finally {
    controller.abort();
    await running;
  }
});
