/**
 * The FileSource conformance suite: what every backend must do, run by
 * node-file-source.test.ts on a real temporary directory and by
 * memory-file-source.test.ts on a memory tree built from the same fixture.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { FileError, type FileSource } from '../../src/fs/file-source.js';

/** The fixture every backend serves, relative to its root. */
export const FIXTURE = {
  files: {
    'index.html': '<h1>hi</h1>',
    'docs/a.txt': 'alpha',
    'docs/b.txt': 'bravo bravo',
    'docs/sub/deep.txt': 'deep',
    'docs/.hidden': 'secret',
  },
  directories: ['empty'],
  /** Link name → target; a target starting with "@/" is absolute under the root. */
  symlinks: {
    'link-to-a': 'docs/a.txt',
    'link-to-docs': 'docs',
    'abs-link': '@/index.html',
    'docs/sub/back': '../b.txt',
    dangling: 'nowhere',
    'loop-a': 'loop-b',
    'loop-b': 'loop-a',
    up: '..',
  },
} as const;

/** A backend serving the fixture under `root`. */
export interface SourceUnderTest {
  readonly source: FileSource;
  /** The fixture's root, a real path (no symlink in it). */
  readonly root: string;
  /** The real path of the root's parent. */
  readonly parent: string;
  /** Replaces a fixture file with new content under the same name (a new file renamed over it). */
  replace(relative: string, data: string): Promise<void>;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Registers the suite's tests for one backend; `make` gives a fresh copy of the fixture for each test. */
export function fileSourceConformance(name: string, make: () => Promise<SourceUnderTest>): void {
  test(`${name}#stat reports files with their size, directories with size 0, and null for nothing there`, async (t) => {
    const { source, root } = await make();
    const file = await source.stat(`${root}/docs/b.txt`);
    t.is(file?.kind, 'file');
    t.is(file?.size, 11);
    t.true(typeof file?.mtimeMs === 'number' && Number.isFinite(file.mtimeMs));
    t.like(await source.stat(`${root}/docs`), { kind: 'directory', size: 0 });
    t.like(await source.stat(`${root}/empty`), { kind: 'directory', size: 0 });
    t.is(await source.stat(`${root}/missing.txt`), null);
    t.is(await source.stat(`${root}/index.html/inside`), null, 'a path through a file names nothing');
    t.is(await source.stat(`${root}/index.html/`), null, 'a trailing slash after a file names nothing');
    t.like(await source.stat(`${root}/docs/`), { kind: 'directory' });
  });

  test(`${name}#stat follows symlinks, relative and absolute`, async (t) => {
    const { source, root } = await make();
    t.like(await source.stat(`${root}/link-to-a`), { kind: 'file', size: 5 });
    t.like(await source.stat(`${root}/link-to-docs`), { kind: 'directory' });
    t.like(await source.stat(`${root}/link-to-docs/sub/deep.txt`), { kind: 'file', size: 4 });
    t.like(await source.stat(`${root}/abs-link`), { kind: 'file', size: 11 });
    t.like(await source.stat(`${root}/docs/sub/back`), { kind: 'file', size: 11 });
    t.is(await source.stat(`${root}/dangling`), null);
  });

  test(`${name}#realpath resolves every link, and shows one leading out of the root`, async (t) => {
    const { source, root, parent } = await make();
    t.is(await source.realpath(`${root}/link-to-a`), `${root}/docs/a.txt`);
    t.is(await source.realpath(`${root}/link-to-docs/sub/back`), `${root}/docs/b.txt`);
    t.is(await source.realpath(`${root}/docs/sub/../a.txt`), `${root}/docs/a.txt`);
    t.is(await source.realpath(root), root);
    t.is(await source.realpath(`${root}/up`), parent);
    t.is(await source.realpath(`${root}/dangling`), null);
    t.is(await source.realpath(`${root}/missing`), null);
  });

  test(`${name} rejects a symlink loop with FileError "io", message free of the path`, async (t) => {
    const { source, root } = await make();
    for (const call of [() => source.stat(`${root}/loop-a`), () => source.open(`${root}/loop-b`), () => source.realpath(`${root}/loop-a/x`)]) {
      const error = await t.throwsAsync(call(), { instanceOf: FileError });
      t.is(error?.reason, 'io');
      t.is(error?.code, 'HIO_ERR_FILE');
      t.false(error?.message.includes(root));
      t.false(error?.message.includes('loop'));
    }
  });

  test(`${name}#open reads at positions, short only at the end, and closes twice harmlessly`, async (t) => {
    const { source, root } = await make();
    const reader = await source.open(`${root}/docs/b.txt`);
    if (reader === null) return t.fail('no reader');
    t.like(reader.stat, { kind: 'file', size: 11 });
    t.is(text(await reader.read(0, 5)), 'bravo');
    t.is(text(await reader.read(6, 100)), 'bravo');
    t.is(text(await reader.read(3, 4)), 'vo b');
    t.is((await reader.read(11, 10)).length, 0);
    t.is((await reader.read(50, 10)).length, 0);
    t.is((await reader.read(0, 0)).length, 0);
    const first = await reader.read(0, 11);
    first.fill(0);
    t.is(text(await reader.read(0, 11)), 'bravo bravo', 'each read is a fresh buffer');
    const into = new Uint8Array(16).fill(0x2a);
    const view = await reader.read(6, 16, into);
    t.is(text(view), 'bravo');
    t.is(view.buffer, into.buffer, 'read into the buffer given');
    t.is(into[5], 0x2a, 'nothing past what was read is touched');
    t.is(text(await reader.read(0, 5, new Uint8Array(2))), 'bravo', 'a buffer too small is not used');
    t.is((await t.throwsAsync(reader.read(-1, 1), { instanceOf: HioError }))?.code, 'HIO_ERR_INVALID_OPTION');
    t.is((await t.throwsAsync(reader.read(0, 1.5), { instanceOf: HioError }))?.code, 'HIO_ERR_INVALID_OPTION');
    await reader.close();
    await reader.close();
    t.is((await t.throwsAsync(reader.read(0, 1), { instanceOf: FileError }))?.reason, 'io');
  });

  test(`${name}#open gives null for nothing there, a directory and a dangling link, and follows links to files`, async (t) => {
    const { source, root } = await make();
    t.is(await source.open(`${root}/missing.txt`), null);
    t.is(await source.open(`${root}/docs`), null);
    t.is(await source.open(`${root}/dangling`), null);
    t.is(await source.open(`${root}/index.html/x`), null);
    const linked = await source.open(`${root}/link-to-a`);
    t.is(text((await linked?.read(0, 100)) ?? new Uint8Array()), 'alpha');
    await linked?.close();
  });

  test(`${name} FileReader keeps the file it opened when the path is replaced`, async (t) => {
    const { source, root, replace } = await make();
    const reader = await source.open(`${root}/docs/a.txt`);
    if (reader === null) return t.fail('no reader');
    await replace('docs/a.txt', 'a much longer replacement');
    t.is(reader.stat.size, 5);
    t.is(text(await reader.read(0, 100)), 'alpha');
    t.like(await source.stat(`${root}/docs/a.txt`), { size: 25 });
    await reader.close();
  });

  test(`${name}#list sorts entries by name and reports links by what they point to`, async (t) => {
    const { source, root } = await make();
    t.deepEqual(await source.list(root), [
      { name: 'abs-link', kind: 'file' },
      { name: 'dangling', kind: 'other' },
      { name: 'docs', kind: 'directory' },
      { name: 'empty', kind: 'directory' },
      { name: 'index.html', kind: 'file' },
      { name: 'link-to-a', kind: 'file' },
      { name: 'link-to-docs', kind: 'directory' },
      { name: 'loop-a', kind: 'other' },
      { name: 'loop-b', kind: 'other' },
      { name: 'up', kind: 'directory' },
    ]);
    t.deepEqual(await source.list(`${root}/link-to-docs`), [
      { name: '.hidden', kind: 'file' },
      { name: 'a.txt', kind: 'file' },
      { name: 'b.txt', kind: 'file' },
      { name: 'sub', kind: 'directory' },
    ]);
    t.deepEqual(await source.list(`${root}/docs/sub`), [
      { name: 'back', kind: 'file' },
      { name: 'deep.txt', kind: 'file' },
    ]);
    t.deepEqual(await source.list(`${root}/empty`), []);
    t.is(await source.list(`${root}/index.html`), null);
    t.is(await source.list(`${root}/missing`), null);
  });
}
