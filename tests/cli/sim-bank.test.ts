/**
 * The seed bank of `hio sim`: a JSON file of failing seeds per scenario,
 * deduplicated, each with its date and first violation.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeedBank } from '../../src/cli/sim-bank.js';
import { HioError } from '../../src/core/errors.js';

async function scratch(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hio-bank-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('SeedBank reads an absent file as an empty bank and writes nothing until seeds are added', async (t) => {
  const dir = await scratch(t);
  const bank = await SeedBank.open(join(dir, 'nested', 'bank.json'));
  t.deepEqual(bank.seedsOf('sims/a.mjs'), []);
  await t.throwsAsync(readFile(join(dir, 'nested', 'bank.json')));
});

test('SeedBank adds failing seeds once per scenario, keys scenarios by their path from the bank, and reads back what it wrote', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'store', 'bank.json');
  const bank = await SeedBank.open(path);
  const date = new Date('2026-01-02T03:04:05Z');
  t.is(
    bank.add(
      join(dir, 'sims', 'a.mjs'),
      [
        { seed: 10, failure: 'no-escape: x' },
        { seed: 3, failure: 'error: y' },
      ],
      {},
      date,
    ),
    2,
  );
  t.is(
    bank.add(
      join(dir, 'sims', 'a.mjs'),
      [
        { seed: 3, failure: 'other' },
        { seed: 4, failure: 'liveness: z' },
      ],
      { checkDeterminism: true },
      date,
    ),
    1,
  );
  t.is(bank.add(join(dir, 'sims', 'b.mjs'), [{ seed: 3, failure: 'error: y' }], {}, date), 1);
  await bank.save();

  const text = await readFile(path, 'utf8');
  const data = JSON.parse(text) as { version: number; seeds: Array<Record<string, unknown>> };
  t.is(data.version, 1);
  // One entry a line.
  t.is(text.split('\n').filter((line) => line.trimStart().startsWith('{"scenario"')).length, 4);
  t.deepEqual(data.seeds[0], { scenario: '../sims/a.mjs', seed: 10, date: '2026-01-02T03:04:05.000Z', violation: 'no-escape: x', options: {} });
  t.deepEqual(data.seeds[2]?.['options'], { checkDeterminism: true });

  const again = await SeedBank.open(path);
  t.deepEqual(again.seedsOf(join(dir, 'sims', 'a.mjs')), [3, 4, 10]);
  t.deepEqual(again.seedsOf(join(dir, 'sims', 'b.mjs')), [3]);
  t.deepEqual(again.seedsOf(join(dir, 'sims', 'c.mjs')), []);
});

test('SeedBank refuses a file that is not a bank with HIO_ERR_INVALID_OPTION and a one-line message', async (t) => {
  const dir = await scratch(t);
  for (const text of ['not json', '[]', '{"version": 2, "seeds": []}', '{"version": 1}', '{"version": 1, "seeds": [{"scenario": "a", "seed": -1}]}']) {
    const path = join(dir, 'bank.json');
    await writeFile(path, text);
    const error = await t.throwsAsync(SeedBank.open(path), { instanceOf: HioError }, text);
    t.is(error?.code, 'HIO_ERR_INVALID_OPTION');
    t.false(error?.message.includes('\n'), error?.message);
  }
});
