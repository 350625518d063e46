/**
 * File answers on real sockets: serve() on port 0 with files on disk (a
 * temporary directory), read by Node's fetch — which decodes gzip and
 * brotli itself — and by raw node:net sockets for a client that goes away
 * and a read that fails mid-body.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { brotliCompressSync } from 'node:zlib';
import { join } from 'node:path';
import test from 'ava';
import { sendFile, type FileResponseOptions } from '../../src/app/file-response.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { FileError, type FileReader, type FileSource } from '../../src/fs/file-source.js';
import { DiskFileSource } from '../helpers/disk-files.js';
import { parseMultipart } from '../helpers/file-world.js';

/** 1 MiB of bytes that differ from position to position. */
const BLOB = Buffer.alloc(1024 * 1024);
for (let i = 0; i < BLOB.length; i += 4) BLOB.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
const PAGE = `<!doctype html>\n${'<p>hello, file</p>\n'.repeat(2000)}`;
/** The page's brotli sibling: compressed ahead of time, and not the same text (so what arrives shows which was sent). */
const SIBLING = brotliCompressSync('<!doctype html>\n<p>compressed ahead of time</p>\n');

/** Readers opened through it, each with a promise settled when it is closed; reads failing from `failFrom` on. */
class Tracked implements FileSource {
  readonly closes: Array<Promise<void>> = [];
  /** Reads asked for, and the buffers they were asked to read into. */
  reads = 0;
  readonly buffers = new Set<ArrayBufferLike>();
  failFrom = Infinity;
  readonly #inner: FileSource;

  constructor(inner: FileSource) {
    this.#inner = inner;
  }
  stat(path: string) {
    return this.#inner.stat(path);
  }
  realpath(path: string) {
    return this.#inner.realpath(path);
  }
  list(path: string) {
    return this.#inner.list(path);
  }
  async open(path: string): Promise<FileReader | null> {
    const reader = await this.#inner.open(path);
    if (reader === null) return null;
    let closed!: () => void;
    this.closes.push(new Promise((resolve) => (closed = resolve)));
    return {
      stat: reader.stat,
      read: (position, length, into) => {
        this.reads += 1;
        if (into !== undefined) this.buffers.add(into.buffer);
        return position + length > this.failFrom ? Promise.reject(new FileError('io', 'disk failed')) : reader.read(position, length, into);
      },
      close: async () => {
        await reader.close();
        closed();
      },
    };
  }
}

async function site(t: {
  teardown(fn: () => Promise<void>): void;
}): Promise<{ faults: unknown[]; source: Tracked; serveFiles(options?: Omit<FileResponseOptions, 'source'>): Promise<{ handle: ServeHandle; base: string }> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hio-files-'));
  await writeFile(join(dir, 'blob.bin'), BLOB);
  await writeFile(join(dir, 'page.html'), PAGE);
  await writeFile(join(dir, 'page.html.br'), SIBLING);
  const source = new Tracked(new DiskFileSource());
  const handles: ServeHandle[] = [];
  const faults: unknown[] = [];
  t.teardown(async () => {
    for (const handle of handles) await handle.close(2);
    await rm(dir, { recursive: true, force: true });
  });
  return {
    faults,
    source,
    async serveFiles(options = {}) {
      const settings: FileResponseOptions = { source, ...options };
      const handle = serve({
        port: 0,
        onFault: (error) => faults.push(error),
        fetch: (request) => sendFile(request, join(dir, decodeURIComponent(new URL(request.url).pathname)), settings),
      });
      handles.push(handle);
      const { port } = await handle.listening;
      return { handle, base: `http://127.0.0.1:${port}` };
    },
  };
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000);

test('sockets: Node fetch gets the whole file, a range, several ranges, a 304 and a HEAD', async (t) => {
  t.timeout(30_000);
  const { source, serveFiles } = await site(t);
  const { base } = await serveFiles({ chunkSize: 16 * 1024 });
  const whole = await fetch(`${base}/blob.bin`, { signal: signal() });
  t.is(whole.status, 200);
  t.is(whole.headers.get('content-length'), String(BLOB.length));
  t.is(whole.headers.get('content-type'), 'application/octet-stream');
  t.true(Buffer.from(await whole.arrayBuffer()).equals(BLOB));
  // A socket copies what it sends: the 64 reads of 16 KiB went into a few buffers, taken back once sent.
  t.is(source.reads, 64);
  t.true(source.buffers.size <= 8, `${source.buffers.size} buffers for ${source.reads} reads`);
  const etag = whole.headers.get('etag')!;
  t.regex(etag, /^W\/"100000-[0-9a-f]+"$/);
  const range = await fetch(`${base}/blob.bin`, { headers: { range: 'bytes=1000-200999' }, signal: signal() });
  t.is(range.status, 206);
  t.is(range.headers.get('content-range'), `bytes 1000-200999/${BLOB.length}`);
  t.true(Buffer.from(await range.arrayBuffer()).equals(BLOB.subarray(1000, 201000)));
  const several = await fetch(`${base}/blob.bin`, { headers: { range: 'bytes=-100, 0-99999' }, signal: signal() });
  t.is(several.status, 206);
  const boundary = several.headers.get('content-type')!.split('boundary=')[1]!;
  const parts = parseMultipart(Buffer.from(await several.arrayBuffer()), boundary);
  t.deepEqual(
    parts.map((part) => part.headers['content-range']),
    [`bytes 0-99999/${BLOB.length}`, `bytes ${BLOB.length - 100}-${BLOB.length - 1}/${BLOB.length}`],
  );
  t.true(parts[0]!.data.equals(BLOB.subarray(0, 100_000)));
  t.true(parts[1]!.data.equals(BLOB.subarray(BLOB.length - 100)));
  const cached = await fetch(`${base}/blob.bin`, { headers: { 'if-none-match': etag }, signal: signal() });
  t.is(cached.status, 304);
  t.is(cached.headers.get('etag'), etag);
  const head = await fetch(`${base}/blob.bin`, { method: 'HEAD', signal: signal() });
  t.is(head.headers.get('content-length'), String(BLOB.length));
  t.is(await head.text(), '');
  t.is((await fetch(`${base}/nothing.bin`, { signal: signal() })).status, 404);
  // Every file opened (three GETs and the 304's; HEAD and the 404 open none) is closed.
  t.is(source.closes.length, 4);
  await Promise.all(source.closes);
});

test('sockets: compression on the fly and precompressed siblings, decoded by Node fetch', async (t) => {
  t.timeout(30_000);
  const { serveFiles } = await site(t);
  const { base } = await serveFiles({ compress: true });
  for (const coding of ['gzip', 'br']) {
    const answer = await fetch(`${base}/page.html`, { headers: { 'accept-encoding': coding }, signal: signal() });
    t.is(answer.headers.get('content-encoding'), coding);
    t.is(answer.headers.get('vary'), 'Accept-Encoding');
    t.is(answer.headers.get('content-type'), 'text/html; charset=utf-8');
    t.is(await answer.text(), PAGE);
  }
  const { base: precompressed } = await serveFiles({ precompressed: ['br'] });
  const sibling = await fetch(`${precompressed}/page.html`, { headers: { 'accept-encoding': 'br' }, signal: signal() });
  t.is(sibling.headers.get('content-encoding'), 'br');
  t.is(sibling.headers.get('content-length'), String(SIBLING.length));
  t.is(await sibling.text(), '<!doctype html>\n<p>compressed ahead of time</p>\n');
});

/** A raw GET on a socket: resolves with the bytes received and how the connection ended, once it did; `stopAfter` bytes received, the client goes away. */
function rawGet(port: number, path: string, stopAfter = Infinity): Promise<{ received: number; ended: 'end' | 'reset' | 'left' }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= stopAfter) {
        socket.destroy();
        resolve({ received, ended: 'left' });
      }
    });
    socket.on('error', () => resolve({ received, ended: 'reset' }));
    socket.on('close', () => resolve({ received, ended: 'end' }));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: files\r\nConnection: close\r\n\r\n`);
  });
}

test('sockets: a client going away mid-file and a read failing mid-body both close the file', async (t) => {
  t.timeout(30_000);
  const { faults, source, serveFiles } = await site(t);
  const { handle } = await serveFiles({ chunkSize: 16 * 1024 });
  const { port } = await handle.listening;
  const left = await rawGet(port, '/blob.bin', 64 * 1024);
  t.is(left.ended, 'left');
  await source.closes[0];
  source.failFrom = 300_000;
  const failed = await rawGet(port, '/blob.bin');
  // The head promised 1 MiB: the connection is reset (or closed) short of it.
  t.true(failed.received < BLOB.length, `${failed.received} bytes`);
  t.true(failed.received > 200_000, `${failed.received} bytes`);
  await source.closes[1];
  t.is(source.closes.length, 2);
  // The failed read is the server's fault to report; the client going away is not.
  t.is(faults.length, 1);
  t.is((faults[0] as FileError).reason, 'io');
});
