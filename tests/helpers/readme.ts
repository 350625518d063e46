/**
 * The README's code examples, as the README shows them: the first `ts`
 * block after a `<!-- readme:NAME -->` marker, with `from 'hio-ts'` and
 * `from 'hio-ts/testing'` pointed at the sources so it runs without a build
 * (and `from 'ws'` at the project's copy).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root. */
export const root = resolve(import.meta.dirname, '../..');

/** The example under the `<!-- readme:NAME -->` marker. */
export function readmeExample(name: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const marker = readme.indexOf(`<!-- readme:${name} -->`);
  if (marker < 0) throw new Error(`the README lost its ${name} example`);
  const start = readme.indexOf('```ts\n', marker) + '```ts\n'.length;
  const end = readme.indexOf('```', start);
  return (
    readme
      .slice(start, end)
      .replace("from 'hio-ts/testing'", `from ${JSON.stringify(join(root, 'src/testing/index.ts'))}`)
      .replace("from 'hio-ts'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
      // The example lands outside the project: a package it imports is found in the project's node_modules.
      .replace("from 'ws'", `from ${JSON.stringify(join(root, 'node_modules/ws/wrapper.mjs'))}`)
  );
}

/** A README example running as a child process. */
export interface RunningExample {
  /** The URL it printed ("listening on URL"). */
  readonly url: string;
  /** Sends SIGINT and resolves with the exit code and what it wrote on stderr. */
  stop(): Promise<{ code: number | null; errors: string }>;
  /** Kills it if it is still running. */
  kill(): void;
}

/**
 * Runs the example `name` as a child process on port 0 (PORT=0) and resolves
 * once it printed "listening on URL". No coverage from the child (Node passes
 * NODE_V8_COVERAGE on unless it is set): the example lives outside the
 * project, tsx compiles the sources differently there, and c8 would merge
 * mismatched counts.
 */
export async function startExample(name: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<RunningExample> {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), `${name}.mts`); // an ES module wherever it lands: top-level await works
  writeFileSync(file, readmeExample(name));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', NODE_V8_COVERAGE: '', ...extraEnv };
  const child = spawn(process.execPath, ['--import=tsx', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    const url = await new Promise<string>((done, fail) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match !== null) done(match[1]!);
      });
      void exited.then((code) => fail(new Error(`exited ${code} before listening: ${errors}`)));
    });
    return {
      url,
      async stop() {
        child.kill('SIGINT');
        return { code: await exited, errors };
      },
      kill: () => child.kill('SIGKILL'),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Imports the example `name` as a module, with `exports` (an export statement) appended so a test can read what it made. */
export async function importExample<T>(name: string, exports: string): Promise<T> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const file = join(mkdtempSync(join(tmpdir(), 'hio-readme-')), `${name}.mts`);
  writeFileSync(file, `${readmeExample(name)}\n${exports}\n`);
  return (await import(pathToFileURL(file).href)) as T;
}
