/**
 * The StaticSink over an in-memory file source, inside the simulated
 * network: index files, directory redirects built from the checked path
 * only, listings with every name escaped, dotfiles, symlinks out of the
 * root, extensions and the SPA fallback, the prefix, middleware and Steward
 * use, and seeded file faults that reproduce by seed.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { StaticSink, rawPathname, type StaticSinkOptions } from '../../src/app/static-sink.js';
import { Prng } from '../../src/core/prng.js';
import { MemoryFileSource, type MemoryTree } from '../../src/fs/memory-file-source.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import type { Request as HttpRequest } from '../../src/http/request.js';
import type { Responder } from '../../src/http/responder.js';
import { Steward } from '../../src/http/steward.js';
import { header, httpWorld, type HttpWorld, type Response as WireResponse } from '../helpers/http-client.js';

const SITE: MemoryTree = {
  '/site/index.html': { data: '<h1>home</h1>\n', mtimeMs: Date.UTC(2026, 0, 1) },
  '/site/about.html': 'about\n',
  '/site/docs/guide.txt': 'guide\n',
  '/site/docs/<img src=x onerror=alert(1)>.txt': 'x',
  '/site/docs/a&b "c".txt': 'y',
  '/site/docs/.hidden': 'dot\n',
  '/site/.env': 'SECRET=1\n',
  '/site/empty': { directory: true },
  '/site/inside': { symlink: '/site/docs/guide.txt' },
  '/site/outside': { symlink: '/etc/passwd' },
  '/site/outdir': { symlink: '/etc' },
  '/etc/passwd': 'root:x:0:0\n',
};

function sinkWorld(options: Partial<StaticSinkOptions> = {}, fallback?: FetchHandler, tree: MemoryTree = SITE): HttpWorld {
  const sink = new StaticSink({ root: '/site', source: new MemoryFileSource(tree), ...options });
  return httpWorld({}, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch: sink.handler(fallback), onFault: () => {} });
  });
}

/** Sends GETs (or `method`) for `paths` on one connection and returns the answers. */
async function ask(world: HttpWorld, paths: readonly string[], method = 'GET', headers = ''): Promise<WireResponse[]> {
  const { client, reader } = world.client(paths.map(() => method));
  client.tx(Buffer.from(paths.map((path) => `${method} ${path} HTTP/1.1\r\nHost: site\r\n${headers}\r\n`).join('')));
  if (!(await world.settle(30, () => reader.responses.length === paths.length))) throw new Error(`answered ${reader.responses.length} of ${paths.length}`);
  return reader.responses;
}

test('StaticSink answers files, index.html for a directory, and redirects a directory without its slash', async (t) => {
  const world = sinkWorld();
  const [home, about, guide, docs, empty] = await ask(world, ['/', '/about.html', '/docs/guide.txt', '/docs', '/empty/']);
  t.is(home!.status, 200);
  t.is(home!.body.toString(), '<h1>home</h1>\n');
  t.is(header(home!, 'content-type'), 'text/html; charset=utf-8');
  t.is(header(home!, 'last-modified'), 'Thu, 01 Jan 2026 00:00:00 GMT');
  t.is(about!.body.toString(), 'about\n');
  t.is(guide!.body.toString(), 'guide\n');
  t.is(docs!.status, 301);
  t.is(header(docs!, 'location'), '/docs/');
  t.is(empty!.status, 404, 'a directory without index or listing is a miss');
});

test('StaticSink never redirects off-site nor past its checks, and refuses traversal', async (t) => {
  const world = sinkWorld();
  const paths = [
    '//evil.example',
    '//evil.example/',
    '/\\evil.example',
    '/docs/..',
    '/%2e%2e/etc/passwd',
    '/docs%2f..%2f..%2fetc/passwd',
    '/..%5c..%5cetc/passwd',
    '/%00',
    '/docs/%2e%2e',
  ];
  const answers = await ask(world, paths);
  for (const [index, answer] of answers.entries()) {
    const location = header(answer, 'location');
    if (location !== undefined) t.true(location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\'), `${paths[index]} → ${location}`);
    t.false(answer.body.toString().includes('root:'), paths[index]);
    t.false(answer.body.toString().includes('/site'), `${paths[index]} names no path`);
    t.not(answer.status, 200, paths[index]);
  }
});

test('StaticSink hides dotfiles by default, refuses them with deny, serves them with allow', async (t) => {
  t.deepEqual(
    (await ask(sinkWorld(), ['/.env', '/docs/.hidden'])).map((answer) => answer.status),
    [404, 404],
  );
  t.deepEqual(
    (await ask(sinkWorld({ dotfiles: 'deny' }), ['/.env'])).map((answer) => answer.status),
    [403],
  );
  const [allowed] = await ask(sinkWorld({ dotfiles: 'allow' }), ['/.env']);
  t.is(allowed!.body.toString(), 'SECRET=1\n');
});

test('StaticSink follows symlinks inside the root only, unless told otherwise', async (t) => {
  const [inside, outside, outdir] = await ask(sinkWorld(), ['/inside', '/outside', '/outdir/passwd']);
  t.is(inside!.body.toString(), 'guide\n');
  t.is(outside!.status, 404);
  t.is(outdir!.status, 404);
  const [followed] = await ask(sinkWorld({ followSymlinks: true }), ['/outside']);
  t.is(followed!.body.toString(), 'root:x:0:0\n');
});

test('StaticSink lists a directory with every name escaped, and hides dotfiles from the listing', async (t) => {
  const [listing, head] = [...(await ask(sinkWorld({ listing: true }), ['/docs/'])), ...(await ask(sinkWorld({ listing: true }), ['/docs/'], 'HEAD'))];
  const html = listing!.body.toString();
  t.is(header(listing!, 'content-type'), 'text/html; charset=utf-8');
  t.false(html.includes('<img'), 'no raw markup from a name');
  t.true(html.includes('&lt;img src=x onerror=alert(1)&gt;.txt'));
  t.true(html.includes('href="./%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt"'));
  t.true(html.includes('a&amp;b &quot;c&quot;.txt'));
  t.true(html.includes('href="./guide.txt"'));
  t.true(html.includes('href="../"'));
  t.false(html.includes('.hidden'));
  t.is(head!.body.length, 0);
});

test('StaticSink tries extensions, then the SPA fallback for paths without one', async (t) => {
  const [about, deep, asset] = await ask(sinkWorld({ extensions: ['html'], spa: true }), ['/about', '/app/route/deep', '/missing.js']);
  t.is(about!.body.toString(), 'about\n');
  t.is(deep!.body.toString(), '<h1>home</h1>\n');
  t.is(asset!.status, 404, 'a missing asset is not the app');
  const [plain] = await ask(sinkWorld(), ['/about']);
  t.is(plain!.status, 404);
});

test('StaticSink serves only under its prefix and only GET and HEAD; the rest falls through', async (t) => {
  const fallback: FetchHandler = (request) => new Response(`app ${request.method} ${rawPathname(request.url)}`);
  const world = sinkWorld({ prefix: '/static' }, fallback);
  const [file, bare, outside] = await ask(world, ['/static/docs/guide.txt', '/static', '/docs/guide.txt']);
  t.is(file!.body.toString(), 'guide\n');
  t.is(bare!.status, 301);
  t.is(header(bare!, 'location'), '/static/');
  t.is(outside!.body.toString(), 'app GET /docs/guide.txt');
  const [post] = await ask(world, ['/static/docs/guide.txt'], 'POST', 'Content-Length: 0\r\n');
  t.is(post!.body.toString(), 'app POST /static/docs/guide.txt');
});

test('StaticSink with cors marks its answers and answers preflights', async (t) => {
  const world = sinkWorld({ cors: true });
  const [file] = await ask(world, ['/about.html']);
  t.is(header(file!, 'access-control-allow-origin'), '*');
  const [preflight] = await ask(world, ['/about.html'], 'OPTIONS');
  t.is(preflight!.status, 204);
  t.is(header(preflight!, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS');
});

test('StaticSink serves from a Steward, a miss answering 404', async (t) => {
  const sink = new StaticSink({ root: '/site', source: new MemoryFileSource(SITE), prefix: '/files/' });
  class FilesSteward extends Steward {
    override respond(request: HttpRequest): Responder {
      if (request.path.startsWith('/files/')) return sink.responder(this.server, this.remoter, request);
      return super.respond(request);
    }
  }
  const world = httpWorld({ steward: FilesSteward });
  const [file, miss, redirect, range, echo] = await ask(world, ['/files/docs/guide.txt', '/files/nothing', '/files/docs', '/files/about.html', '/echo']);
  t.is(file!.body.toString(), 'guide\n');
  t.is(header(file!, 'etag')?.startsWith('W/"'), true);
  t.is(miss!.status, 404);
  t.is(redirect!.status, 301);
  t.is(header(redirect!, 'location'), '/files/docs/');
  t.is(range!.body.toString(), 'about\n');
  t.is((JSON.parse(echo!.body.toString()) as { path: string }).path, '/echo');
});

test('StaticSink middleware falls through to next on a miss', async (t) => {
  const sink = new StaticSink({ root: '/site', source: new MemoryFileSource(SITE) });
  const middleware = sink.middleware();
  const next = (): Response => new Response('next');
  t.is(await (await middleware(new Request('http://site/about.html'), next)).text(), 'about\n');
  t.is(await (await middleware(new Request('http://site/nothing'), next)).text(), 'next');
  t.is(await sink.serve(new Request('http://site/nothing')), null);
});

test('StaticSink refuses unknown options and unsafe prefixes, spa names, extensions and index names', (t) => {
  const bad: Array<Record<string, unknown>> = [
    { root: '/site', colour: 'red' },
    { root: '' },
    { root: '/site', prefix: 'static' },
    { root: '/site', prefix: '//evil' },
    { root: '/site', spa: '../index.html' },
    { root: '/site', extensions: ['.html'] },
    { root: '/site', index: ['a/b.html'] },
  ];
  for (const options of bad) t.throws(() => new StaticSink(options as unknown as StaticSinkOptions), { message: /StaticSink/ }, JSON.stringify(options));
});

test('rawPathname keeps the path as sent, without query or fragment', (t) => {
  t.is(rawPathname('http://h/a/%2e%2e/b?x=1#f'), '/a/%2e%2e/b');
  t.is(rawPathname('http://h'), '/');
  t.is(rawPathname('/p?q'), '/p');
});

test('StaticSink in a simulation with file latency and seeded faults answers the same way for the same seed', async (t) => {
  const run = async (seed: number): Promise<string> => {
    let world: HttpWorld | null = null;
    const source = new MemoryFileSource(SITE, {
      delay: (seconds) => new Promise((resolve) => world!.server.after(seconds, resolve)),
      latency: 0.01,
      jitter: 0.05,
      random: new Prng(seed),
      faults: { io: 0.2, vanish: 0.1 },
    });
    const sink = new StaticSink({ root: '/site', source });
    world = httpWorld({}, { seed }, (bare: BareServerOptions) => {
      const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
      return new AppServer({ ...shared, fetch: sink.handler(), onFault: () => {} });
    });
    // One connection each: a fault's 500 closes its connection.
    const answers: WireResponse[] = [];
    for (let index = 0; index < 24; index++) answers.push(...(await ask(world, [index % 2 === 0 ? '/docs/guide.txt' : '/'])));
    const statuses = answers.map((answer) => answer.status);
    t.true(statuses.includes(200));
    t.true(
      statuses.some((status) => status >= 500),
      'an io fault answers 5xx',
    );
    for (const answer of answers) t.false(answer.body.toString().includes('/site'));
    return createHash('sha256')
      .update(JSON.stringify(answers.map((answer) => [answer.status, answer.body.toString('base64')])))
      .digest('hex');
  };
  t.is(await run(7), await run(7));
  t.not(await run(7), await run(8));
});

test('StaticSink from a Steward: a file it may not read answers 403, a failing file system 500, and a client gone while it looks is harmless', async (t) => {
  const tree: MemoryTree = { ...SITE, '/site/locked.txt': { data: 'no', denied: true } };
  const faults: unknown[] = [];
  const sink = new StaticSink({ root: '/site', source: new MemoryFileSource(tree) });
  const broken = new StaticSink({ root: '/site', source: new MemoryFileSource(tree, { random: new Prng(1), faults: { io: 1 } }) });
  class FilesSteward extends Steward {
    override respond(request: HttpRequest): Responder {
      return (request.path.startsWith('/broken/') ? broken : sink).responder(this.server, this.remoter, request);
    }
  }
  const world = httpWorld({ steward: FilesSteward, onError: (error) => faults.push(error) });
  const [locked] = await ask(world, ['/locked.txt']);
  t.is(locked!.status, 403);
  const [failed] = await ask(world, ['/broken/about.html']);
  t.is(failed!.status, 500);
  t.is(faults.length, 1);
  t.false(failed!.body.toString().includes('/site'));
  const { client } = world.client();
  client.tx(Buffer.from('GET /about.html HTTP/1.1\r\nHost: site\r\n\r\n'));
  client.close();
  t.true(await world.settle(5, () => world.server.stewards.size === 0));
});
