import test from 'ava';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileError } from '../../src/fs/file-source.js';
import { fileErrorFrom, NodeFileSource } from '../../src/fs/node-file-source.js';
import { FIXTURE, fileSourceConformance, type SourceUnderTest } from './file-source.conformance.js';

const made: string[] = [];

test.after.always(async () => {
  for (const dir of made) {
    // chmod 000 directories must be opened up again before they can be removed
    await chmod(join(dir, 'site', 'locked'), 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

/** A fresh temporary directory holding the fixture under `site/`. */
async function makeTree(): Promise<SourceUnderTest> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'hio-fs-')));
  made.push(dir);
  const root = join(dir, 'site');
  await mkdir(root);
  for (const [path, data] of Object.entries(FIXTURE.files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), data);
  }
  for (const path of FIXTURE.directories) await mkdir(join(root, path), { recursive: true });
  for (const [path, target] of Object.entries(FIXTURE.symlinks)) {
    await symlink(target.startsWith('@/') ? join(root, target.slice(2)) : target, join(root, path));
  }
  return {
    source: new NodeFileSource(),
    root,
    parent: dir,
    async replace(relative, data) {
      await writeFile(join(dir, 'replacement'), data);
      await rename(join(dir, 'replacement'), join(root, relative));
    },
  };
}

fileSourceConformance('NodeFileSource', makeTree);

/** Whether this process can read what its mode forbids (root, or CAP_DAC_OVERRIDE). */
async function overridesPermissions(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

test('NodeFileSource denies a file and a directory the process may not read, unless it overrides permissions', async (t) => {
  const { source, root } = await makeTree();
  const locked = join(root, 'locked');
  await mkdir(locked);
  await writeFile(join(locked, 'inside.txt'), 'x');
  await writeFile(join(root, 'unreadable.txt'), 'y');
  await chmod(join(root, 'unreadable.txt'), 0o000);
  await chmod(locked, 0o000);
  const overriding = await overridesPermissions(join(root, 'unreadable.txt'));
  t.log(overriding ? 'this process overrides file permissions (root): chmod 000 denies nothing' : 'chmod 000 denies reads');
  // a file without read permission still stats: only opening it is denied
  t.like(await source.stat(join(root, 'unreadable.txt')), { kind: 'file', size: 1 });
  if (overriding) {
    const reader = await source.open(join(root, 'unreadable.txt'));
    t.is(reader?.stat.size, 1);
    await reader?.close();
    t.deepEqual(await source.list(locked), [{ name: 'inside.txt', kind: 'file' }]);
    t.like(await source.stat(join(locked, 'inside.txt')), { kind: 'file' });
  } else {
    const open = await t.throwsAsync(source.open(join(root, 'unreadable.txt')), { instanceOf: FileError });
    t.is(open?.reason, 'denied');
    t.false(open?.message.includes(root));
    t.is((await t.throwsAsync(source.list(locked), { instanceOf: FileError }))?.reason, 'denied');
    t.is((await t.throwsAsync(source.stat(join(locked, 'inside.txt')), { instanceOf: FileError }))?.reason, 'denied');
    t.is((await t.throwsAsync(source.realpath(join(locked, 'inside.txt')), { instanceOf: FileError }))?.reason, 'denied');
  }
});

test('fileErrorFrom maps absence to null, permissions to "denied" and the rest to "io", naming the code but not the path', (t) => {
  const system = (code: string): Error => Object.assign(new Error(`${code}: failed, open '/secret/path'`), { code });
  t.is(fileErrorFrom('stat', system('ENOENT')), null);
  t.is(fileErrorFrom('stat', system('ENOTDIR')), null);
  t.is(fileErrorFrom('stat', system('ENAMETOOLONG')), null);
  t.is(fileErrorFrom('open', system('EISDIR')), null);
  for (const [code, reason] of [
    ['EACCES', 'denied'],
    ['EPERM', 'denied'],
    ['ELOOP', 'io'],
    ['EIO', 'io'],
    ['EMFILE', 'io'],
  ] as const) {
    const error = fileErrorFrom('open', system(code));
    t.is(error?.reason, reason);
    t.is(error?.code, 'HIO_ERR_FILE');
    t.is(error?.name, 'FileError');
    t.is(error?.message, `open failed (${code})`);
    t.is((error?.cause as Error).message.includes('/secret/path'), true, 'the cause keeps the detail for logs');
  }
  t.is(fileErrorFrom('read', new Error('no code'))?.message, 'read failed (unknown)');
  t.is(fileErrorFrom('read', null)?.reason, 'io');
});

test('NodeFileSource#open gives null for a FIFO without waiting for a writer, and list calls it "other"', async (t) => {
  if (process.platform === 'win32') return t.pass('no FIFOs on Windows');
  const { source, root } = await makeTree();
  const { execFile } = await import('node:child_process');
  const made = await new Promise<boolean>((resolve) => execFile('mkfifo', [join(root, 'pipe')], (error) => resolve(error === null)));
  if (!made) return t.fail('mkfifo is not available');
  t.like(await source.stat(join(root, 'pipe')), { kind: 'other', size: 0 });
  t.is(await source.open(join(root, 'pipe')), null);
  t.deepEqual(
    (await source.list(root))?.find((entry) => entry.name === 'pipe'),
    { name: 'pipe', kind: 'other' },
  );
});

test('NodeFileSource reports a path with a NUL byte as FileError "io", a name too long as nothing there, and a file that shrank reads short', async (t) => {
  const { source, root } = await makeTree();
  t.is((await t.throwsAsync(source.stat(`${root}/a\0b`), { instanceOf: FileError }))?.reason, 'io');
  t.is(await source.stat(join(root, 'a'.repeat(300))), null, 'a name longer than any file may have names nothing');
  t.is(await source.open(join(root, 'a'.repeat(300))), null);
  const reader = await source.open(join(root, 'docs', 'b.txt'));
  await writeFile(join(root, 'docs', 'b.txt'), 'brav'); // truncates the same file in place
  t.is(new TextDecoder().decode(await reader?.read(0, 11)), 'brav');
  await reader?.close();
});
