/**
 * staticPath as data: a table of traversal and confusion payloads (the
 * send/serve-static, sirv and @fastify/static CVEs among them), each with
 * its verdict; then properties over arbitrary strings: staticPath never
 * throws, what it accepts joins under the root, and its redirect location
 * is a path on the same host that reads back as the same segments.
 */
import test from 'ava';
import fc from 'fast-check';
import { resolve, sep } from 'node:path';
import { HioError } from '../../src/core/errors.js';
import { MemoryFileSource } from '../../src/fs/memory-file-source.js';
import { DEFAULT_MAX_PATH_BYTES, directoryRedirect, isUnder, joinUnder, staticPath, type DotfilePolicy } from '../../src/app/static-path.js';

const ROOT = resolve('/srv/site');

/** The verdict expected: a refusing status, or the accepted segments (a trailing "/" in the path marks a directory). */
type Expected = 400 | 403 | 404 | 414 | readonly string[];

const PAYLOADS: readonly (readonly [path: string, expected: Expected, dotfiles?: DotfilePolicy])[] = [
  // plain paths are served
  ['/', []],
  ['/index.html', ['index.html']],
  ['/docs/', ['docs']],
  ['/docs/guide/intro.html', ['docs', 'guide', 'intro.html']],
  ['/a%20b.txt', ['a b.txt']],
  ['/caf%C3%A9.html', ['café.html']],
  ['/%E2%9C%93', ['✓']],
  ['/etc/passwd', ['etc', 'passwd']], // an absolute path is just names under the root
  ['/%EF%BB%BF.env', ['\uFEFF.env']], // a BOM is kept, not stripped: a literal name
  // decoded once: a double-encoded dot or slash is a literal "%"
  ['/%252e%252e/x', ['%2e%2e', 'x']],
  ['/%252e%252e%252fetc%252fpasswd', ['%2e%2e%2fetc%2fpasswd']],
  ['/..%252f..%252fetc', 404], // a literal name, and a dotfile
  ['/..%252f..%252fetc', ['..%2f..%2fetc'], 'allow'],
  // dot segments, raw and encoded, never resolved
  ['/..', 400],
  ['/../etc/passwd', 400],
  ['/a/../../etc/passwd', 400],
  ['/.', 400],
  ['/./index.html', 400],
  ['/a/..', 400],
  ['/a/../', 400],
  ['/%2e%2e/etc/passwd', 400],
  ['/%2E%2E/etc/passwd', 400],
  ['/.%2e/etc/passwd', 400],
  ['/%2e./etc', 400],
  ['/%2e', 400],
  ['/..', 400, 'allow'],
  // encoded separators: no escape makes a boundary
  ['/..%2fetc%2fpasswd', 400],
  ['/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 400],
  ['/%2e%2e%2F', 400],
  ['/a%2fb', 400],
  ['/a%2Fb', 400],
  ['/a%2F..%2F..%2Fetc', 400],
  ['/..%5c..%5cwindows', 400],
  ['/a%5cb', 400],
  ['/a%5Cb', 400],
  // raw backslashes
  ['/..\\..\\etc\\passwd', 400],
  ['/\\evil.example', 400],
  ['/\\\\evil.example', 400],
  ['/a\\b', 400],
  // empty segments: never a "//host" (CVE-2015-1164, CVE-2024-43799/43800)
  ['//evil.example', 400],
  ['//evil.example/', 400],
  ['///evil.example', 400],
  ['/static//etc/passwd', 400],
  ['/a//b', 400],
  ['/a/b//', 400],
  ['/%2f%2fevil.example', 400],
  ['/%5c%5cevil.example', 400],
  ['/%2F/evil.example', 400],
  // overlong and otherwise invalid UTF-8
  ['/..%c0%af..%c0%afetc', 400],
  ['/%c0%ae%c0%ae/etc', 400],
  ['/%c0%2e%c0%2e', 400],
  ['/%e0%80%ae%e0%80%ae', 400],
  ['/%f0%80%80%ae', 400],
  ['/..%c1%9c..%c1%9c', 400],
  ['/%c1%1c', 400],
  ['/%ed%a0%80', 400], // a surrogate
  ['/%f4%90%80%80', 400], // beyond U+10FFFF
  ['/%ff', 400],
  ['/%c3', 400], // truncated
  // malformed escapes
  ['/%', 400],
  ['/%2', 400],
  ['/a%2', 400],
  ['/%zz', 400],
  ['/%%32%65', 400],
  ['/%u002e%u002e', 400],
  // NUL and other controls
  ['/index.html%00', 400],
  ['/index.html%00.txt', 400],
  ['/a\u0000b', 400],
  ['/a%0ab', 400],
  ['/a%0d%0aSet-Cookie:%20x', 400],
  ['/a%09', 400],
  ['/a%7f', 400],
  ['/a%c2%85', 400], // NEL, a C1 control
  // drive letters, streams, names Windows reads differently
  ['/C:', 400],
  ['/C:/Windows/win.ini', 400],
  ['/C:\\Windows', 400],
  ['/C%3a%5cWindows', 400],
  ['/c%3A/boot.ini', 400],
  ['/file.txt::$DATA', 400],
  ['/file.txt%3a%3a$DATA', 400],
  ['/index.html.', 400],
  ['/index.html%20', 400],
  ['/index.html%2e', 400],
  ['/...', 400],
  ['/CON', 400],
  ['/con.txt', 400],
  ['/docs/nul', 400],
  ['/aux%20.txt', 400],
  ['/LPT1.log', 400],
  ['/com%C2%B9', 400], // COM¹, COM1 once normalised
  ['/GIT~1/config', 400],
  ['/PROGRA~1', 400],
  // Unicode normalisation tricks
  ['/%EF%BC%8E%EF%BC%8E/etc', 400], // fullwidth full stops
  ['/%E2%80%A4%E2%80%A4/etc', 400], // one dot leaders
  ['/%E2%80%A5', 400], // two dot leader, ".." once normalised
  ['/%EF%B9%92%EF%B9%92', 400], // small full stops
  ['/a%EF%BC%8Fb', 400], // fullwidth solidus
  ['/a%EF%BC%BCb', 400], // fullwidth reverse solidus
  ['/C%EF%BC%9A', 400], // fullwidth colon
  ['/%EF%BC%8Eenv', 404], // ".env" once normalised
  // dotfiles
  ['/.env', 404],
  ['/%2eenv', 404],
  ['/.git/config', 404],
  ['/%2egit/config', 404],
  ['/a/.htaccess', 404],
  ['/.well-known/security.txt', 404],
  ['/.env', 403, 'deny'],
  ['/.git/', 403, 'deny'],
  ['/.env', ['.env'], 'allow'],
  ['/.well-known/security.txt', ['.well-known', 'security.txt'], 'allow'],
  ['/.%2e', 400, 'allow'],
  // not a path at all, or characters a path may not hold raw
  ['', 400],
  ['index.html', 400],
  ['http://evil.example/', 400],
  ['*', 400],
  ['/a?b', 400],
  ['/a#b', 400],
  ['/a b', 400],
  ['/caf\u00e9', 400],
  ['/\u2025', 400],
  // length
  [`/${'a'.repeat(10_000)}`, 414],
  ['/%2e%2e'.repeat(2000), 414],
  [`/${'a/'.repeat((DEFAULT_MAX_PATH_BYTES - 2) / 2)}`, Array.from({ length: (DEFAULT_MAX_PATH_BYTES - 2) / 2 }, () => 'a')],
  [`/${'a'.repeat(DEFAULT_MAX_PATH_BYTES)}`, 414],
];

/** Checks an accepted verdict: it joins under the root, and its redirect is a same-host path reading back as the same segments. */
function checkAccepted(segments: readonly string[], dotfiles: DotfilePolicy): string | null {
  const joined = joinUnder(ROOT, segments);
  if (joined === null) return 'did not join under the root';
  if (!isUnder(ROOT, joined)) return 'joined outside the root';
  for (const prefix of ['', '/static', '/my files/']) {
    const location = directoryRedirect(prefix, segments);
    if (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\')) return `redirect ${location}`;
    const url = new URL(location, 'http://example.test/some/base');
    if (url.host !== 'example.test' || url.pathname !== location) return `redirect ${location} read as ${url.href}`;
  }
  const again = staticPath(directoryRedirect('', segments), { dotfiles });
  if (!again.ok || again.segments.join('/') !== segments.join('/') || !again.directory) return 'redirect does not read back';
  return null;
}

test('staticPath gives each traversal payload its verdict, and every accepted one stays under the root', (t) => {
  t.true(PAYLOADS.length >= 100);
  for (const [path, expected, dotfiles = 'ignore'] of PAYLOADS) {
    const label = JSON.stringify(path.length > 60 ? `${path.slice(0, 60)}…` : path);
    const verdict = staticPath(path, { dotfiles });
    if (typeof expected === 'number') {
      t.false(verdict.ok, label);
      if (!verdict.ok) {
        t.is(verdict.status, expected, label);
        t.false(path.length > 1 && verdict.reason.includes(path.slice(1)), `${label}: the reason repeats the input`);
      }
    } else {
      t.true(verdict.ok, label);
      if (verdict.ok) {
        t.deepEqual(verdict.segments, expected, label);
        t.is(verdict.directory, path.endsWith('/'), label);
        t.is(checkAccepted(verdict.segments, dotfiles), null, label);
      }
    }
  }
});

test('staticPath takes a smaller maxBytes, and refuses bad options at once', (t) => {
  t.like(staticPath('/abcdef', { maxBytes: 6 }), { ok: false, status: 414 });
  t.like(staticPath('/abcde', { maxBytes: 6 }), { ok: true });
  const code = (fn: () => unknown): string | undefined => t.throws(fn, { instanceOf: HioError })?.code;
  t.is(
    code(() => staticPath('/', { dotfiles: 'show' as DotfilePolicy })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    code(() => staticPath('/', { maxBytes: 0 })),
    'HIO_ERR_INVALID_OPTION',
  );
  t.like(staticPath(42 as unknown as string), { ok: false, status: 400 });
});

test('joinUnder refuses names that are not plain, and a relative root', (t) => {
  t.is(joinUnder(ROOT, []), ROOT);
  t.is(joinUnder(ROOT, ['a', 'b.txt']), `${ROOT}${sep}a${sep}b.txt`);
  for (const name of ['', '.', '..', 'a/b', 'a\\b', 'a\0b', '/etc']) t.is(joinUnder(ROOT, ['x', name]), null, JSON.stringify(name));
  t.is(t.throws(() => joinUnder('relative/root', ['a']), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
});

test('isUnder compares whole components, and needs absolute paths', (t) => {
  t.true(isUnder('/srv/site', '/srv/site'));
  t.true(isUnder('/srv/site', '/srv/site/a/b'));
  t.true(isUnder('/srv/site/', '/srv/site/a'));
  t.true(isUnder('/', '/etc/passwd'));
  t.false(isUnder('/srv/site', '/srv/site-old/a'));
  t.false(isUnder('/srv/site', '/srv'));
  t.false(isUnder('/srv/site', '/srv/site/../other'));
  t.false(isUnder('/srv/site', 'site/a'));
  t.is(t.throws(() => isUnder('site', '/site'), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
});

test('directoryRedirect encodes every name and refuses ones that did not come from staticPath', (t) => {
  t.is(directoryRedirect('', []), '/');
  t.is(directoryRedirect('/', []), '/');
  t.is(directoryRedirect('/static', []), '/static/');
  t.is(directoryRedirect('/static/', ['docs', 'a b']), '/static/docs/a%20b/');
  t.is(directoryRedirect('', ['café', '%2e%2e', 'x?y#z', 'a:b']), '/caf%C3%A9/%252e%252e/x%3Fy%23z/a%3Ab/');
  t.is(directoryRedirect('//evil.example', ['x']), '/evil.example/x/', 'a prefix never makes a "//"');
  t.is(directoryRedirect('\\evil.example', []), '/%5Cevil.example/');
  t.is(directoryRedirect('/\ud800', []), '/%EF%BF%BD/', 'a lone surrogate is encoded, not thrown on');
  for (const names of [[''], ['.'], ['a', '..']]) {
    t.is(t.throws(() => directoryRedirect('', names), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  }
  t.is(t.throws(() => directoryRedirect('/a/../b', []), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
});

test('isUnder on FileSource real paths catches a symlink leading out of the root', async (t) => {
  const source = new MemoryFileSource({
    '/srv/site/index.html': 'home',
    '/srv/site/docs/guide.html': 'guide',
    '/srv/site/inner': { symlink: 'docs' },
    '/srv/site/escape': { symlink: '/etc' },
    '/srv/site/sneaky': { symlink: '../site-old/secret.txt' },
    '/srv/site-old/secret.txt': 'secret',
    '/etc/passwd': 'root:x:0:0',
  });
  const root = (await source.realpath('/srv/site'))!;
  const served = async (path: string): Promise<boolean | null> => {
    const verdict = staticPath(path);
    if (!verdict.ok) return null;
    const real = await source.realpath(`${root}/${verdict.segments.join('/')}`);
    return real !== null && isUnder(root, real);
  };
  t.true(await served('/index.html'));
  t.true(await served('/inner/guide.html'), 'a link within the root is fine');
  t.false(await served('/escape/passwd'));
  t.false(await served('/sneaky'));
  t.false(await served('/missing'));
});

const TOKENS = [
  '/',
  '/',
  '.',
  '..',
  '%2e',
  '%2E',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  '%00',
  '%c0%ae',
  '%c0%af',
  '%e0%80%ae',
  'a',
  'b.txt',
  ':',
  '%3a',
  '%25',
  '%',
  '~1',
  '%EF%BC%8E',
  '%EF%BC%8F',
  'CON',
  ' ',
  '%20',
  '?',
  '#',
  'é',
  '%C3%A9',
  '%C3',
  '.env',
  'evil.example',
];

const hostile = fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((tokens) => tokens.join(''));
const NAME_TOKENS = ['a', 'b.txt', '%20', '%C3%A9', '%25', '%2525', '.', '~', '%7E', '!', "'", '(', '%2e', '%EF%BC%8E', 'x-y', '%E2%9C%93', '%F0%9F%98%80'];
/** Paths of plausible segments, so that many are accepted. */
const plausible = fc
  .tuple(fc.array(fc.array(fc.constantFrom(...NAME_TOKENS), { minLength: 1, maxLength: 4 }), { maxLength: 5 }), fc.boolean())
  .map(([names, slash]) => `/${names.map((tokens) => tokens.join('')).join('/')}${slash && names.length > 0 ? '/' : ''}`);
const anyPath = fc.oneof(
  plausible,
  hostile,
  hostile.map((path) => `/${path}`),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }).map((path) => `/${path}`),
);

test('staticPath never throws, and whatever it accepts joins under the root and redirects to itself on the same host', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(anyPath, fc.constantFrom<DotfilePolicy>('ignore', 'allow', 'deny'), (path, dotfiles) => {
      const verdict = staticPath(path, { dotfiles });
      if (!verdict.ok) return [400, 403, 404, 414].includes(verdict.status);
      accepted += 1;
      const problem = checkAccepted(verdict.segments, dotfiles);
      if (problem !== null) throw new Error(problem);
      return verdict.segments.every((name) => name !== '' && name !== '.' && name !== '..' && !/[/\\:\0]/.test(name));
    }),
    { seed: Number(process.env['STATIC_PATH_SEED'] ?? 20260918), numRuns: Number(process.env['STATIC_PATH_RUNS'] ?? 3000) },
  );
  t.true(accepted > 500, `only ${accepted} accepted paths were checked`);
});
