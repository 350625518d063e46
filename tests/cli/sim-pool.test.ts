/**
 * Which processes' workers get tsx's hooks: those of a parent started with
 * tsx preloaded, however the preload was spelled.
 */
import test from 'ava';
import { tsxApiUrl } from '../../src/cli/sim-pool.js';

test('tsxApiUrl finds tsx among the preloads of the command line, and nothing without it', (t) => {
  for (const execArgv of [
    ['--import=tsx'],
    ['--import', 'tsx'],
    ['--no-warnings', '--import=tsx/esm'],
    ['--import=file:///x/node_modules/tsx/dist/loader.mjs'],
  ]) {
    const url = tsxApiUrl(execArgv);
    t.truthy(url, execArgv.join(' '));
    t.regex(url ?? '', /^file:.*tsx.*api/, execArgv.join(' '));
  }
  for (const execArgv of [[], ['--import=./preload.mjs'], ['--max-old-space-size=100'], ['--title', 'tsx'], ['--import=tsxish']]) {
    t.is(tsxApiUrl(execArgv), null, execArgv.join(' '));
  }
});
