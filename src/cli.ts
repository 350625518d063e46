#!/usr/bin/env node
/**
 * @module
 * The `hio` command (the package's bin).
 *
 *   hio [echo]        serve the echo service (each request back as JSON)
 *   hio serve [DIR]   serve the files of a directory
 *   hio conformance   serve the routes the HTTP/1.1 conformance corpus expects
 *   hio bench         serve "Hello, World!" on GET / for side-by-side benchmarks
 *   hio demo          show the scheduler: a few doers at different tocks
 *   hio sim FILE      run a scenario over many seeds of the simulated network
 *
 * `hio --help` and `hio <command> --help` print the usage. The command line
 * is read by `cli/command-line.ts`, the servers run by `cli/serve.ts` (which
 * also handles SIGTERM and SIGINT), the demo by `cli/demo.ts`, scenario
 * sweeps by `cli/sim.ts`. A mistake on the command line is one line on
 * stderr and exit status 2.
 */
import { HioError } from './core/errors.js';
import { parseCommandLine, type Invocation } from './cli/command-line.js';
import { ExitStatus } from './cli/exit-status.js';

/** Runs `hio` with `args` (the arguments after the script) and `env`; resolves with the exit status. */
async function main(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(args, env);
  } catch (error) {
    if (!(error instanceof HioError)) throw error;
    console.error(`hio: ${error.message}`);
    return ExitStatus.usage;
  }
  // The server and the demo are loaded only when run: help and usage errors stay quick.
  switch (invocation.action) {
    case 'help':
      process.stdout.write(invocation.text);
      return ExitStatus.ok;
    case 'demo':
      return (await import('./cli/demo.js')).demo();
    case 'serve':
      return (await import('./cli/serve.js')).serve(invocation.settings);
    case 'sim':
      return (await import('./cli/sim.js')).sim(invocation.settings);
  }
}

// exitCode rather than exit(): stdout and stderr are flushed and the process ends by itself.
process.exitCode = await main(process.argv.slice(2), process.env);
