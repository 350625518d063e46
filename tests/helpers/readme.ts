/**
 * The README's code examples, as the README shows them: the first `ts`
 * block after a `<!-- readme:NAME -->` marker, with `from 'hio-ts'` pointed
 * at the sources so it runs without a build.
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
  return readme.slice(start, end).replace("from 'hio-ts'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`);
}
