/**
 * @module
 * The seed bank of `hio sim`: the failing seeds sweeps have found, kept in
 * a JSON file (by default `.hio-sim/bank.json`) so that every later sweep
 * of the same scenario replays them first, as regression tests.
 *
 * The file:
 *
 *     {
 *       "version": 1,
 *       "seeds": [
 *         {"scenario":"../sims/flaky.mjs","seed":3,"date":"2026-11-29T19:20:00.000Z","violation":"no-escape: …","options":{}}
 *       ]
 *     }
 *
 * one entry a line: `scenario` is the scenario file relative to the bank's
 * directory (with `/`), so the bank works from any working directory;
 * `date` is when the seed was first banked; `violation` its first failure
 * then; `options` the options it failed under (`checkDeterminism`, `plan`),
 * for the record: a sweep replays banked seeds with its own options. A seed
 * is banked once per scenario. Delete an entry to forget it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { HioError } from '../core/errors.js';

/** The options a seed failed under, as the bank records them: only those that change a run. */
export interface BankOptions {
  readonly checkDeterminism?: true;
  readonly plan?: string;
}

/** One banked seed. */
export interface BankEntry {
  /** The scenario file, relative to the bank's directory, with `/` separators. */
  readonly scenario: string;
  readonly seed: number;
  /** When it was banked, ISO 8601. */
  readonly date: string;
  /** Its first failure then, on one line (`invariant: message`, or `error: message`). */
  readonly violation: string;
  readonly options: BankOptions;
}

const VERSION = 1;

/** A bank file, read once and written back whole when seeds were added. */
export class SeedBank {
  /** The bank file as given. */
  readonly path: string;
  readonly #entries: BankEntry[];
  /** `scenario seed` of every entry, for deduplication. */
  readonly #keys: Set<string>;

  private constructor(path: string, entries: BankEntry[]) {
    this.path = path;
    this.#entries = entries;
    this.#keys = new Set(entries.map((entry) => `${entry.scenario} ${entry.seed}`));
  }

  /** Reads the bank at `path`; an absent file is an empty bank. Throws `HIO_ERR_INVALID_OPTION` (one line) for a file that is not a bank. */
  static async open(path: string): Promise<SeedBank> {
    let text;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SeedBank(path, []);
      throw new HioError('HIO_ERR_INVALID_OPTION', `cannot read the seed bank ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
    }
    return new SeedBank(path, parseBank(path, text));
  }

  /** The key of a scenario file in this bank: its path relative to the bank's directory. */
  scenarioKey(file: string): string {
    return relative(dirname(resolve(this.path)), resolve(file))
      .split(sep)
      .join('/');
  }

  /** The seeds banked for the scenario `file`, ascending. */
  seedsOf(file: string): number[] {
    const key = this.scenarioKey(file);
    return this.#entries
      .filter((entry) => entry.scenario === key)
      .map((entry) => entry.seed)
      .sort((a, b) => a - b);
  }

  /** Banks the failing seeds not banked yet for the scenario `file`; returns how many were new. */
  add(file: string, failures: ReadonlyArray<{ readonly seed: number; readonly failure: string }>, options: BankOptions, date = new Date()): number {
    const scenario = this.scenarioKey(file);
    let added = 0;
    for (const { seed, failure } of failures) {
      const key = `${scenario} ${seed}`;
      if (this.#keys.has(key)) continue;
      this.#keys.add(key);
      this.#entries.push({ scenario, seed, date: date.toISOString(), violation: failure, options });
      added += 1;
    }
    return added;
  }

  /** Writes the bank (its directory made if need be), replacing the file in one rename so a reader never sees half of it. */
  async save(): Promise<void> {
    const lines = this.#entries.map((entry) => `    ${JSON.stringify(entry)}`);
    const text = `{\n  "version": ${VERSION},\n  "seeds": [\n${lines.join(',\n')}${lines.length > 0 ? '\n' : ''}  ]\n}\n`;
    await mkdir(dirname(resolve(this.path)), { recursive: true });
    const partial = `${this.path}.${process.pid}.tmp`;
    await writeFile(partial, text);
    await rename(partial, this.path);
  }
}

/** The entries of a bank file's text; throws a one-line error naming what is wrong. */
function parseBank(path: string, text: string): BankEntry[] {
  const bad = (what: string): HioError => new HioError('HIO_ERR_INVALID_OPTION', `the seed bank ${JSON.stringify(path)} is not valid: ${what}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw bad(`not JSON (${(error as Error).message})`);
  }
  const bank = data as { version?: unknown; seeds?: unknown } | null;
  if (typeof bank !== 'object' || bank === null || bank.version !== VERSION) throw bad(`expected an object with "version": ${VERSION}`);
  if (!Array.isArray(bank.seeds)) throw bad('expected a "seeds" array');
  return bank.seeds.map((value: unknown, index): BankEntry => {
    const entry = value as Partial<Record<keyof BankEntry, unknown>> | null;
    const valid =
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.scenario === 'string' &&
      Number.isInteger(entry.seed) &&
      (entry.seed as number) >= 0 &&
      (entry.seed as number) < 2 ** 32 &&
      typeof entry.date === 'string' &&
      typeof entry.violation === 'string';
    if (!valid) throw bad(`seeds[${index}] needs a "scenario" string, a "seed" in [0, 2^32), a "date" and a "violation"`);
    const options = (typeof entry.options === 'object' && entry.options !== null ? entry.options : {}) as BankOptions;
    return { scenario: entry.scenario as string, seed: entry.seed as number, date: entry.date as string, violation: entry.violation as string, options };
  });
}
