/**
 * The replay commands `hio sim` prints: each word quoted for a POSIX shell
 * when it needs to be, so that a shell hands the words back as they were;
 * and the report of a shrink.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { replayCommand, reportShrink, shellQuote } from '../../src/cli/sim-replay.js';
import type { ShrinkOutcome } from '../../src/testing/scenario.js';
import type { SimResult } from '../../src/testing/sim-result.js';

/** The words a POSIX shell makes of `command` (with `hio` standing for printf). */
function wordsOf(command: string): string[] {
  const output = execFileSync('sh', ['-c', `hio() { printf '%s\\0' "$@"; }; ${command}`], { encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}

test('shellQuote leaves plain words alone and quotes the others so that sh reads them back', (t) => {
  t.is(shellQuote('tests/sims/a-b_c.mjs'), 'tests/sims/a-b_c.mjs');
  const words = ['plain', 'with space', "it's", '{"a": [1, "x"]}', '$HOME', '`date`', 'a\\b', '*', '', 'new\nline'];
  t.deepEqual(wordsOf(`hio ${words.map(shellQuote).join(' ')}`), words);
});

test('replayCommand repeats the file as typed and the options that change a run', (t) => {
  t.is(replayCommand('sims/a.mjs', 7, { plan: null, checkDeterminism: false }), 'hio sim sims/a.mjs --seed 7');
  const plan = '{"faults": [], "note": "it\'s"}';
  const command = replayCommand('my sims/a.mjs', 7, { plan, checkDeterminism: true });
  t.deepEqual(wordsOf(command), ['sim', 'my sims/a.mjs', '--seed', '7', '--check-determinism', '--plan', plan]);
});

const failing: SimResult = {
  seed: 9,
  ok: false,
  digest: 'abc',
  tyme: 3,
  wallMs: 1,
  requests: [],
  faults: [],
  violations: [{ invariant: 'liveness', tyme: 3, message: 'request 2 never settled' }],
  assertions: [],
  profile: [],
  events: [],
  eventBytes: [],
  healedAt: null,
};

test('reportShrink prints the plan before and after, the plan in words, and the command replaying it with the same options', async (t) => {
  const lines: string[] = [];
  const plan = '{"faults":[{"kind":"reset","tyme":1.5}],"requests":{"client-1":2}}';
  const outcome: ShrinkOutcome = {
    result: failing,
    plan,
    description: ['reset conn 3 at 1.500 s', 'client-1: 2 requests'],
    before: { faults: 6, requests: 40 },
    after: { faults: 1, requests: 2 },
  };
  await reportShrink(
    {},
    'sims/a.mjs',
    9,
    { plan: null, checkDeterminism: true },
    (line) => lines.push(line),
    () => Promise.resolve(outcome),
  );
  t.deepEqual(lines.slice(0, 3), [
    'shrink: seed 9: 6 faults, 40 requests -> 1 fault, 2 requests; fails with liveness: request 2 never settled',
    '  reset conn 3 at 1.500 s',
    '  client-1: 2 requests',
  ]);
  const replay = /^ {2}replay: (.*)$/.exec(lines[3] ?? '')?.[1] ?? '';
  t.deepEqual(wordsOf(replay), ['sim', 'sims/a.mjs', '--seed', '9', '--check-determinism', '--plan', plan]);
  t.is(lines.length, 4);
});

test('reportShrink says so when the scenario cannot be shrunk, or when the shrink throws', async (t) => {
  const lines: string[] = [];
  const options = { plan: null, checkDeterminism: false };
  await reportShrink(
    {},
    'a.mjs',
    2,
    options,
    (line) => lines.push(line),
    () => Promise.resolve(null),
  );
  await reportShrink(
    {},
    'a.mjs',
    2,
    options,
    (line) => lines.push(line),
    () => Promise.reject(new Error('no\nluck')),
  );
  t.deepEqual(lines, ['shrink: seed 2: this scenario cannot be shrunk (a hand-written scenario runs as it is)', 'shrink: seed 2: the shrink failed: no luck']);
});
