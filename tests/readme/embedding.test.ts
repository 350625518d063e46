/**
 * The README's "Embedding in a loop you own" example, run as it stands in
 * the README: extracted, pointed at the sources instead of the built
 * package, started as a child process on port 0, asked for a page, then
 * stopped with SIGINT. Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { readmeExample, root } from '../helpers/readme.js';

test('README embedding example serves requests from a loop the application owns, and stops on SIGINT', async (t) => {
  t.timeout(30_000);
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), 'embedding.ts');
  writeFileSync(file, readmeExample('embedding'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  // No coverage from the child (Node passes NODE_V8_COVERAGE on unless it is set): the example lives
  // outside the project, tsx compiles the sources differently there, and c8 would merge mismatched counts.
  env['NODE_V8_COVERAGE'] = '';
  const child = spawn(process.execPath, ['--import=tsx', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match !== null) done(match[1]!);
      });
      child.on('exit', (code) => fail(new Error(`exited ${code} before listening: ${errors}`)));
    });
    const response = await fetch(`${url}hello?from=readme`, { signal: AbortSignal.timeout(10_000) });
    t.is(response.status, 200);
    const echoed = (await response.json()) as { path: string; query: string };
    t.is(echoed.path, '/hello');
    t.is(echoed.query, 'from=readme');
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.kill('SIGINT');
    t.is(await exited, 0);
    t.is(errors, '');
  } finally {
    child.kill('SIGKILL');
  }
});
