import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { Prng } from '../../src/core/prng.js';
import { FileError } from '../../src/fs/file-source.js';
import { MemoryFileSource, type MemoryFileSourceOptions, type MemoryTree } from '../../src/fs/memory-file-source.js';
import { FIXTURE, fileSourceConformance } from './file-source.conformance.js';
import { httpWorld } from '../helpers/http-client.js';

/** The conformance fixture as a memory tree under /srv/site. */
function fixtureTree(): MemoryTree {
  const tree: Record<string, MemoryTree[string]> = {};
  for (const [path, data] of Object.entries(FIXTURE.files)) tree[`/srv/site/${path}`] = data;
  for (const path of FIXTURE.directories) tree[`/srv/site/${path}`] = { directory: true };
  for (const [path, target] of Object.entries(FIXTURE.symlinks)) {
    tree[`/srv/site/${path}`] = { symlink: target.startsWith('@/') ? `/srv/site/${target.slice(2)}` : target };
  }
  return tree;
}

fileSourceConformance('MemoryFileSource', () => {
  const source = new MemoryFileSource(fixtureTree());
  return Promise.resolve({
    source,
    root: '/srv/site',
    parent: '/srv',
    replace(relative: string, data: string) {
      source.write(`/srv/site/${relative}`, data);
      return Promise.resolve();
    },
  });
});

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

test('MemoryFileSource takes strings, bytes, files with mtimes and explicit empty directories', async (t) => {
  const source = new MemoryFileSource({
    '/a.txt': 'text',
    '/b.bin': new Uint8Array([1, 2, 3]),
    '/c.txt': { data: 'dated', mtimeMs: 1_700_000_000_000 },
    '/empty/': { directory: true, mtimeMs: 5000 },
    '/': { directory: true, mtimeMs: 42 },
  });
  t.deepEqual(await source.stat('/a.txt'), { kind: 'file', size: 4, mtimeMs: 0 });
  t.deepEqual(await source.stat('/b.bin'), { kind: 'file', size: 3, mtimeMs: 0 });
  t.deepEqual(await source.stat('/c.txt'), { kind: 'file', size: 5, mtimeMs: 1_700_000_000_000 });
  t.deepEqual(await source.stat('/empty'), { kind: 'directory', size: 0, mtimeMs: 5000 });
  t.deepEqual(await source.stat('/'), { kind: 'directory', size: 0, mtimeMs: 42 });
  t.deepEqual(await source.list('/empty'), []);
  t.is(await source.realpath('/'), '/');
  t.is(await source.realpath('//a.txt'), '/a.txt');
  t.is(await source.realpath('/./empty/../a.txt'), '/a.txt');
  t.is(await source.realpath('/../../a.txt'), '/a.txt', '".." stops at the root');
});

test('MemoryFileSource keeps its own copy of bytes it was given and hands out copies', async (t) => {
  const given = new Uint8Array([1, 2, 3]);
  const source = new MemoryFileSource({ '/b.bin': given });
  given[0] = 9;
  const reader = await source.open('/b.bin');
  const read = await reader!.read(0, 3);
  t.deepEqual([...read], [1, 2, 3]);
  read[1] = 9;
  t.deepEqual([...(await reader!.read(0, 3))], [1, 2, 3]);
});

test('MemoryFileSource#write, #mkdir, #symlink and #remove change what is served', async (t) => {
  const source = new MemoryFileSource({ '/site/index.html': { data: 'old', mtimeMs: 10_000 } });
  source.write('/site/index.html', 'new');
  t.deepEqual(await source.stat('/site/index.html'), { kind: 'file', size: 3, mtimeMs: 11_000 }, 'a second after the latest');
  source.write('/site/deep/er/page.html', new Uint8Array([104, 105]), 500);
  t.deepEqual(await source.stat('/site/deep/er/page.html'), { kind: 'file', size: 2, mtimeMs: 500 });
  t.like(await source.stat('/site/deep/er'), { kind: 'directory' });
  source.write('/site/later.txt', 'later');
  t.is((await source.stat('/site/later.txt'))?.mtimeMs, 12_000, 'an older explicit mtime does not move the latest back');
  source.mkdir('/site/made/here');
  source.mkdir('/site/made');
  t.deepEqual(await source.list('/site/made'), [{ name: 'here', kind: 'directory' }]);
  source.symlink('/site/home', 'index.html');
  t.is(text(await (await source.open('/site/home'))?.read(0, 10)), 'new');
  source.symlink('/site/home', 'later.txt');
  t.is(await source.realpath('/site/home'), '/site/later.txt', 'a symlink is replaced');
  source.write('/site/home', 'own');
  t.is(await source.realpath('/site/home'), '/site/home', 'writing over a symlink replaces it');
  t.true(source.remove('/site/deep'));
  t.is(await source.stat('/site/deep/er/page.html'), null);
  t.false(source.remove('/site/deep'));
  t.false(source.remove('/nowhere/at/all'));
  t.false(source.remove('/site/index.html/x'));
  source.symlink('/site/to-made', 'made');
  t.true(source.remove('/site/to-made'));
  t.like(await source.stat('/site/made'), { kind: 'directory' }, 'removing a symlink leaves its target');
});

test('MemoryFileSource refuses misuse at once: relative paths, bad entries, files over directories', async (t) => {
  const code = (fn: () => unknown): string | undefined => t.throws(fn, { instanceOf: HioError })?.code;
  t.is(
    code(() => new MemoryFileSource({ 'relative.txt': 'x' })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a/../b': 'x' })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/': 'x' })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a': 42 as unknown as string })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a': { data: 42 as unknown as string } })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a': { data: 'x', mtimeMs: NaN } })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a': 'x', '/a/b': 'y' })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a/b': 'y', '/a': 'x' })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({ '/a': { symlink: '' } })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { latency: 1 })),
    'HIO_ERR_INVALID_OPTION',
    'latency without a delay',
  );
  t.is(
    code(() => new MemoryFileSource({}, { faults: { io: 0.1 } })),
    'HIO_ERR_INVALID_OPTION',
    'faults without a random',
  );
  t.is(
    code(() => new MemoryFileSource({}, { faults: { io: 2 }, random: new Prng(1) })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { faults: { vanish: NaN }, random: new Prng(1) })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { faults: { often: 1 } as never, random: new Prng(1) })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { latency: -1, delay: () => Promise.resolve() })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { delay: 5 as never })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => new MemoryFileSource({}, { speed: 1 } as MemoryFileSourceOptions)),
    'HIO_ERR_INVALID_OPTION',
  );
  const source = new MemoryFileSource({ '/d/f': 'x' });
  t.is(
    code(() => source.write('/d', 'x')),
    'HIO_ERR_INVALID_OPTION',
    'a file over a directory',
  );
  t.is(
    code(() => source.symlink('/d', '/d/f')),
    'HIO_ERR_INVALID_OPTION',
    'a symlink over a directory',
  );
  t.is(
    code(() => source.write('/d/f/g', 'x')),
    'HIO_ERR_INVALID_OPTION',
    'a file under a file',
  );
  t.is(
    code(() => source.remove('/')),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is((await t.throwsAsync(source.stat('d/f'), { instanceOf: HioError }))?.code, 'HIO_ERR_INVALID_OPTION');
});

test('MemoryFileSource denies opening a denied file (which still stats) and anything under a denied directory', async (t) => {
  const source = new MemoryFileSource({
    '/site/secret.txt': { data: 'no', denied: true },
    '/site/private': { directory: true, denied: true },
    '/site/private/inside.txt': 'hidden',
    '/site/to-private': { symlink: 'private/inside.txt' },
    '/site/ok.txt': 'ok',
  });
  t.like(await source.stat('/site/secret.txt'), { kind: 'file', size: 2 });
  t.like(await source.stat('/site/private'), { kind: 'directory' });
  const reason = async (promise: Promise<unknown>): Promise<string | undefined> => (await t.throwsAsync(promise, { instanceOf: FileError }))?.reason;
  t.is(await reason(source.open('/site/secret.txt')), 'denied');
  t.is(await reason(source.list('/site/private')), 'denied');
  t.is(await reason(source.stat('/site/private/inside.txt')), 'denied');
  t.is(await reason(source.realpath('/site/to-private')), 'denied');
  t.is(await reason(source.open('/site/private/missing')), 'denied', 'denied before anything is found missing');
  t.deepEqual(await source.list('/site'), [
    { name: 'ok.txt', kind: 'file' },
    { name: 'private', kind: 'directory' },
    { name: 'secret.txt', kind: 'file' },
    { name: 'to-private', kind: 'other' },
  ]);
  const error = await t.throwsAsync(source.open('/site/secret.txt'), { instanceOf: FileError });
  t.false(error?.message.includes('secret'));
});

test('MemoryFileSource settles on a microtask without a delay, and waits on the delay hook with latency and jitter', async (t) => {
  const plain = new MemoryFileSource({ '/a': 'x' });
  let settled = false;
  const pending = plain.stat('/a').then(() => (settled = true));
  t.false(settled, 'never synchronously');
  await pending;
  t.true(settled);

  const asked: number[] = [];
  const release: (() => void)[] = [];
  const delayed = new MemoryFileSource(
    { '/a': 'xyz' },
    {
      latency: 0.25,
      jitter: 0.5,
      random: new Prng(7),
      delay: (seconds) => {
        asked.push(seconds);
        return new Promise<void>((resolve) => release.push(resolve));
      },
    },
  );
  const stat = delayed.stat('/a');
  const open = delayed.open('/a');
  t.is(asked.length, 2, 'both asked for their delay at call time');
  for (const seconds of asked) t.true(seconds >= 0.25 && seconds < 0.75);
  t.not(asked[0], asked[1]);
  release.forEach((resolve) => resolve());
  t.like(await stat, { size: 3 });
  const reader = await open;
  const read = reader!.read(1, 1);
  await Promise.resolve();
  t.is(asked.length, 3, 'reads wait too');
  release[2]!();
  t.is(text(await read), 'y');
});

/** The outcome of every operation in one faulty run, as text. */
async function faultyRun(seed: number): Promise<string[]> {
  const tree: Record<string, string> = {};
  for (let i = 0; i < 20; i++) tree[`/site/f${i}.txt`] = `file ${i}`;
  const source = new MemoryFileSource(tree, { random: new Prng(seed), faults: { io: 0.2, vanish: 0.3 } });
  const outcome = async (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      (value) => (value === null ? 'null' : 'ok'),
      (error: unknown) => (error instanceof FileError ? `FileError:${error.reason}` : 'other'),
    );
  const results: string[] = [];
  for (let i = 0; i < 20; i++) {
    results.push(await outcome(source.stat(`/site/f${i}.txt`)));
    const reader = await source.open(`/site/f${i}.txt`).catch(() => null);
    results.push(reader === null ? 'no reader' : await outcome(reader.read(0, 4)));
    await reader?.close();
  }
  results.push(await outcome(source.list('/site')), await outcome(source.realpath('/site/f1.txt')));
  return results;
}

test('MemoryFileSource faults (io, vanish) are drawn from the seed: one seed, one run', async (t) => {
  const first = await faultyRun(1234);
  t.deepEqual(await faultyRun(1234), first);
  t.notDeepEqual(await faultyRun(99), first);
  t.true(first.includes('FileError:io'));
  t.true(first.includes('no reader'), 'some opens vanished or failed');
  t.true(first.includes('ok'));
  const source = new MemoryFileSource({ '/a': 'x' }, { random: new Prng(1), faults: { vanish: 1 } });
  t.is(await source.open('/a'), null, 'a vanished open finds nothing');
  t.like(await source.stat('/a'), { kind: 'file' }, 'and the file is there again');
});

test('MemoryFileSource treats a link chain over 40 as a loop, and resolves one of 40', async (t) => {
  const tree: Record<string, MemoryTree[string]> = { '/target': 'end' };
  for (let i = 0; i < 41; i++) tree[`/l${i}`] = { symlink: i === 0 ? '/target' : `/l${i - 1}` };
  const source = new MemoryFileSource(tree);
  t.is(await source.realpath('/l39'), '/target');
  t.is((await t.throwsAsync(source.stat('/l40'), { instanceOf: FileError }))?.reason, 'io');
});

test('MemoryFileSource on a server’s virtual tyme: an operation completes in the first pass after its latency', async (t) => {
  const world = httpWorld();
  const start = world.doist.tyme;
  const source = new MemoryFileSource(
    { '/site/a.txt': 'alpha' },
    { latency: 0.5, jitter: 0.25, random: new Prng(3), delay: (seconds) => new Promise((resolve) => world.server.after(seconds, resolve)) },
  );
  let settledAt = -1;
  const stat = source.stat('/site/a.txt').then((value) => {
    settledAt = world.doist.tyme - start;
    return value;
  });
  t.true(await world.settle(2, () => settledAt >= 0));
  t.like(await stat, { kind: 'file', size: 5 });
  t.true(settledAt >= 0.5 && settledAt < 0.75 + 0.0625, `settled at ${settledAt}`);
});
