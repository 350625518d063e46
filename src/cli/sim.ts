/**
 * @module
 * `hio sim FILE`: runs a scenario file — an ES module whose default export
 * is a scenario — over a range of seeds on worker threads (`sim-sweep.ts`),
 * or for one seed with a full report (`sim-one.ts`).
 *
 * The file is loaded here first, once, so that a file that is missing,
 * does not load or exports no scenario is one line on stderr and exit
 * status 2 before any worker starts; the sweep's workers load it again, each
 * once. A bank file that is not a bank is a usage error too.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HioError } from '../core/errors.js';
import { isScenario } from '../testing/scenario.js';
import type { SimSettings } from './command-line.js';
import { ExitStatus } from './exit-status.js';
import { runOne } from './sim-one.js';
import { errorMessage } from './sim-summary.js';
import { sweep } from './sim-sweep.js';

/** Runs `hio sim` and resolves with the exit status. */
export async function sim(settings: SimSettings): Promise<ExitStatus> {
  try {
    const scenario = await loadScenario(settings.file);
    return settings.mode === 'one' ? await runOne(settings, scenario) : await sweep(settings, scenario);
  } catch (error) {
    if (!(error instanceof HioError) || error.code !== 'HIO_ERR_INVALID_OPTION') throw error;
    console.error(`hio: ${error.message}`);
    return ExitStatus.usage;
  }
}

/** The default export of the scenario file; throws HIO_ERR_INVALID_OPTION, in one line, when there is none to run. */
export async function loadScenario(file: string): Promise<unknown> {
  const path = resolve(file);
  const name = JSON.stringify(file);
  try {
    if (!(await stat(path)).isFile()) throw invalid(`the scenario ${name} is not a file`);
  } catch (error) {
    if (error instanceof HioError) throw error;
    throw invalid(`cannot read the scenario file ${name}`, error);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    const typescript = /^\.[mc]?ts$/.test(extname(path)) && (error as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION';
    const hint = typescript ? ' (run hio under node --import=tsx to load TypeScript)' : '';
    throw invalid(`cannot load the scenario ${name}: ${errorMessage(error)}${hint}`, error);
  }
  if (!isScenario(module.default)) {
    throw invalid(`${name} does not export a scenario as its default (export default an object with run(seed, options), or a simulate() scenario)`);
  }
  return module.default;
}

function invalid(message: string, cause?: unknown): HioError {
  return new HioError('HIO_ERR_INVALID_OPTION', message, cause === undefined ? {} : { cause });
}
