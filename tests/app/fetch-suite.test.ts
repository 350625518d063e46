/**
 * The fetch handler's behaviour on the wire, each case written once — the
 * handler, the client's exchange, the assertions — and run twice: on real
 * sockets (`serve()` on port 0, a raw node:net client) and on the simulated
 * network (an AppServer on a SimServant, virtual tyme, seed 11). Both
 * servers stamp the same Date, so most answers are compared byte for byte.
 *
 * Covered: the framing of each kind of body; a large stream to a slow
 * reader with the server's buffering bounded; a client going away
 * mid-stream; HEAD; HTTP/1.0; keep-alive and pipelining; trailers;
 * `Expect: 100-continue`; buffered request bodies and the body limit;
 * failures before and after the first byte; header fields that could
 * inject a line.
 */
import test, { type ExecutionContext } from 'ava';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import { abort, HttpAbort } from '../../src/app/helpers.js';
import { LightResponse, type LightResponseInit } from '../../src/app/light-response.js';
import type { HioError } from '../../src/core/errors.js';
import { FIXED_DATE, parseResponses, startRig, TRANSPORTS, type FetchRig, type Peer, type RigServerOptions } from '../helpers/fetch-rig.js';

/** One behaviour: a fresh application per run, the client's exchange, and what must hold afterwards. */
interface FetchCase<P, O> {
  /** Server options besides the application (faults are silenced unless given). */
  readonly options?: RigServerOptions;
  /** The handler and the probe it records into, made fresh for each run. */
  readonly app: () => { fetch: FetchHandler; probe: P };
  /** What the client does; returns what the assertions look at. */
  readonly exchange: (rig: FetchRig, probe: P) => Promise<O>;
  readonly check: (t: ExecutionContext, outcome: O, probe: P, rig: FetchRig) => void;
}

/** Registers `title` once per transport. */
function fetchCase<P, O>(title: string, spec: FetchCase<P, O>): void {
  for (const transport of TRANSPORTS) {
    test(`fetch handler (${transport}) ${title}`, async (t) => {
      t.timeout(60_000);
      const { fetch, probe } = spec.app();
      const rig = await startRig(transport, fetch, { onFault: () => {}, ...spec.options });
      try {
        const outcome = await spec.exchange(rig, probe);
        spec.check(t, outcome, probe, rig);
      } finally {
        await rig.close();
      }
    });
  }
}

const light = (body: ConstructorParameters<typeof LightResponse>[0], init?: LightResponseInit): Response =>
  new LightResponse(body, init) as unknown as Response;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const pathOf = (request: Request): string => new URL(request.url).pathname;
const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n${extra}\r\n`;
const post = (path: string, type: string, body: string): string =>
  `POST ${path} HTTP/1.1\r\nHost: server\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
/** The head every answer starts with, up to the fields a case adds. */
const head = (status = '200 OK'): string => `HTTP/1.1 ${status}\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\n`;
/** The last field of every answer that leaves its connection open: the server's idle tymeout (5 s by default), announced. */
const KEEP = 'Keep-Alive: timeout=5\r\n';
/** What the server answers a fault with before anything was sent. */
const FAULT_500 = `${head('500 Internal Server Error')}Content-Type: text/plain; charset=utf-8\r\nContent-Length: 40\r\nConnection: close\r\n\r\n500 Internal Server Error (HIO_ERR_APP)\n`;

/** A stream of `parts`, each given one microtask after the other (so the server meets a stream that is not ready yet). */
function partsStream(parts: readonly Uint8Array[], probe?: { pulls: number; cancelled: boolean }): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (probe !== undefined) probe.pulls += 1;
      await Promise.resolve();
      const part = parts[next++];
      if (part === undefined) controller.close();
      else controller.enqueue(part);
    },
    cancel() {
      if (probe !== undefined) probe.cancelled = true;
    },
  });
}

/** Opens a connection, sends `request`, and steps until `done(peer)` (by default: the server closed it). */
async function exchange(rig: FetchRig, request: string, what: string, done: (peer: Peer) => boolean = (peer) => peer.gone): Promise<Peer> {
  const peer = rig.connect();
  peer.write(request);
  await rig.until(() => done(peer), what);
  return peer;
}

/** Steps until `count` whole responses arrived on `peer`. */
function answered(count: number, methods: readonly string[] = []): (peer: Peer) => boolean {
  return (peer) => parseResponses(peer.received, methods).responses.length >= count || peer.gone;
}

// ---------------------------------------------------------------- bodies

/** Bodies whose bytes on the wire are fully the server's choice: compared whole. */
const EXACT_BODIES: Record<string, { make: () => Response; wire: Buffer }> = {
  '/light-string': {
    make: () => light('héllo'),
    wire: Buffer.concat([Buffer.from(`${head()}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 6\r\n${KEEP}\r\n`), Buffer.from('héllo')]),
  },
  '/light-bytes': {
    make: () => light(new Uint8Array([0, 13, 10, 255])),
    wire: Buffer.concat([Buffer.from(`${head()}Content-Length: 4\r\n${KEEP}\r\n`), Buffer.from([0, 13, 10, 255])]),
  },
  '/null': {
    make: () => new Response(null, { headers: { 'X-Empty': 'yes' } }),
    wire: Buffer.from(`HTTP/1.1 200 OK\r\nx-empty: yes\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nContent-Length: 0\r\n${KEEP}\r\n`),
  },
  '/no-content': { make: () => new Response(null, { status: 204 }), wire: Buffer.from(`${head('204 No Content')}${KEEP}\r\n`) },
  '/stream': {
    // The empty part must not end the chunked body early.
    make: () => new Response(partsStream([bytes('one,'), new Uint8Array(0), bytes('two')])),
    wire: Buffer.from(`${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n`),
  },
  '/stream-with-length': {
    make: () => new Response(partsStream([bytes('ab'), bytes('c')]), { headers: { 'Content-Length': '3' } }),
    wire: Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: 3\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\n${KEEP}\r\nabc`),
  },
  '/empty-stream': { make: () => new Response(partsStream([])), wire: Buffer.from(`${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n0\r\n\r\n`) },
};

/** Bodies the runtime turns into a stream of its own making: the head compared whole, the body decoded. */
const STREAMED_BODIES: Record<string, { make: () => Response; head: string; body: Buffer }> = {
  '/standard-string': {
    make: () => new Response('héllo'),
    head: `HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n${KEEP}\r\n`,
    body: Buffer.from('héllo'),
  },
  '/array-buffer': {
    make: () => new Response(new Uint8Array([1, 2, 3, 0]).buffer),
    head: `${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n`,
    body: Buffer.from([1, 2, 3, 0]),
  },
  '/blob': {
    make: () => new Response(new Blob(['ab', bytes('cd')], { type: 'text/x-blob' })),
    head: `HTTP/1.1 200 OK\r\ncontent-type: text/x-blob\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n${KEEP}\r\n`,
    body: Buffer.from('abcd'),
  },
};

fetchCase('frames each kind of body: Content-Length for strings and bytes, chunked for streams, none for null and 204', {
  app: () => ({
    probe: null,
    fetch: (request) => {
      const path = pathOf(request);
      return (EXACT_BODIES[path] ?? STREAMED_BODIES[path])!.make();
    },
  }),
  async exchange(rig) {
    const wires = new Map<string, Buffer>();
    const closed: string[] = [];
    for (const path of [...Object.keys(EXACT_BODIES), ...Object.keys(STREAMED_BODIES)]) {
      const peer = await exchange(rig, get(path), path, answered(1));
      wires.set(path, peer.received);
      if (peer.gone) closed.push(path);
    }
    return { wires, closed };
  },
  check(t, { wires, closed }) {
    t.deepEqual(closed, [], 'every answer keeps its connection');
    for (const [path, { wire }] of Object.entries(EXACT_BODIES)) t.is(wires.get(path)?.toString('latin1'), wire.toString('latin1'), path);
    for (const [path, expected] of Object.entries(STREAMED_BODIES)) {
      const wire = wires.get(path)!;
      t.is(wire.subarray(0, expected.head.length).toString('latin1'), expected.head, path);
      const [response] = parseResponses(wire).responses;
      t.true(response?.chunked, path);
      t.deepEqual(response?.body, expected.body, path);
    }
  },
});

// ---------------------------------------------------------------- backpressure

fetchCase('streams a large body to a slow reader, pulling only as far ahead as the server and the transport may hold', {
  options: { highWater: 64 * 1024 },
  app: () => {
    const probe = { chunk: new Uint8Array(64 * 1024).map((_, i) => (i * 7) & 0xff), total: 0, pulled: 0 };
    const fetch: FetchHandler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (probe.pulled >= probe.total) return controller.close();
            probe.pulled += probe.chunk.length;
            controller.enqueue(probe.chunk);
          },
        }),
      );
    return { fetch, probe };
  },
  async exchange(rig, probe) {
    const highWater = rig.server.highWater;
    const chunk = probe.chunk.length;
    // The server may hold highWater plus the chunk it was writing when it got there, its framing and the head.
    const heldBound = highWater + chunk + 512;
    // Pulled but unread: what the server holds, what the transport holds, and the chunks the stream and the responder hold.
    const aheadBound = heldBound + rig.transportSlack + 2 * chunk;
    // Eight MiB, or more where the kernel could swallow that much: a server that ignored backpressure would pull it all at once.
    probe.total = Math.ceil(Math.max(8 * 1024 * 1024, 2 * aheadBound) / chunk) * chunk;
    let held = 0;
    let ahead = 0;
    let backedUp = false;
    /** How far the client has agreed to read so far. */
    let allowance = 0;
    const peer = rig.connect();
    rig.watch(() => {
      for (const connection of rig.server.stewards.keys()) {
        held = Math.max(held, connection.txPending);
        if (connection.txPending >= highWater) backedUp = true;
      }
      ahead = Math.max(ahead, probe.pulled - peer.receivedLength);
      // The client reads at most 64 KiB a step, and never past its allowance.
      peer.readLimit = Math.max(0, Math.min(64 * 1024, allowance - peer.receivedLength));
    });
    peer.readLimit = 0;
    peer.write(get('/big'));
    // Rounds: the client stops reading until the server backs up (its output at highWater, the stream no longer pulled), then reads a thirty-second of the body.
    let stalls = 0;
    const round = Math.max(512 * 1024, probe.total / 32);
    while (probe.pulled < probe.total) {
      backedUp = false;
      await rig.until(() => backedUp || probe.pulled >= probe.total, 'the server to back up');
      if (backedUp) stalls += 1;
      allowance = peer.receivedLength + round;
      await rig.until(() => peer.receivedLength >= allowance || peer.gone, 'the client to read');
    }
    allowance = Infinity;
    await rig.until(() => peer.tail(5).toString('latin1') === '0\r\n\r\n' || peer.gone, 'the end of the body');
    return { peer, held, heldBound, ahead, aheadBound, stalls };
  },
  check(t, { peer, held, heldBound, ahead, aheadBound, stalls }, probe) {
    t.true(held <= heldBound, `the server held ${held} unsent bytes (bound ${heldBound})`);
    t.true(ahead <= aheadBound, `the stream was pulled ${ahead} bytes ahead of the reader (bound ${aheadBound})`);
    t.true(stalls > 0, 'the server backed up while the client did not read');
    const [response] = parseResponses(peer.received).responses;
    t.true(response?.chunked);
    t.is(response?.body.length, probe.total);
    const body = response!.body;
    let intact = true;
    for (let offset = 0; offset < body.length; offset += probe.chunk.length) intact &&= body.subarray(offset, offset + probe.chunk.length).equals(probe.chunk);
    t.true(intact, 'every chunk arrives as it was given');
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- the client goes away

fetchCase('aborts request.signal, cancels the body stream and releases the connection when the client resets mid-stream', {
  options: { highWater: 64 * 1024 },
  app: () => {
    const probe = { reason: null as unknown, cancelled: false, pulls: 0 };
    const fetch: FetchHandler = (request) => {
      request.signal.addEventListener('abort', () => (probe.reason = request.signal.reason));
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            probe.pulls += 1;
            controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
          },
          cancel() {
            probe.cancelled = true;
          },
        }),
      );
    };
    return { fetch, probe };
  },
  async exchange(rig, probe) {
    const peer = await exchange(rig, get('/endless'), 'part of the body', (peer) => peer.receivedLength >= 64 * 1024);
    const stewardsWhileStreaming = rig.server.stewards.size;
    peer.reset();
    await rig.until(() => probe.reason !== null && probe.cancelled && rig.server.stewards.size === 0, 'the server to let go');
    const pullsAfterRelease = probe.pulls;
    // Nothing pulls the stream any more, however long the server runs on.
    let steps = 0;
    await rig.until(() => ++steps > 8, 'a few more steps');
    return { stewardsWhileStreaming, pullsAfterRelease, faults: rig.server.faults };
  },
  check(t, outcome, probe) {
    t.is(outcome.stewardsWhileStreaming, 1);
    t.is((probe.reason as HioError).code, 'HIO_ERR_CLIENT_GONE');
    t.true(probe.cancelled);
    t.is(probe.pulls, outcome.pullsAfterRelease);
    t.is(outcome.faults, 0, 'a client going away is no fault of the application');
  },
});

// ---------------------------------------------------------------- HEAD

fetchCase("answers HEAD with GET's head byte for byte, no body, and the body stream cancelled, never pumped", {
  app: () => {
    const probe = { streams: new Map<string, { pulls: number; cancelled: boolean }>() };
    const fetch: FetchHandler = (request) => {
      const path = pathOf(request);
      if (path === '/text') return light('twelve bytes', { headers: { 'X-Kind': 'text' } });
      const stream = { pulls: 0, cancelled: false };
      probe.streams.set(request.method, stream);
      return new Response(partsStream([bytes('streamed'), bytes(' body')], stream), { headers: { 'Content-Type': 'text/plain', 'X-Kind': 'stream' } });
    };
    return { fetch, probe };
  },
  async exchange(rig) {
    const methods = ['HEAD', 'GET', 'HEAD', 'GET'];
    const peer = await exchange(
      rig,
      `HEAD /stream HTTP/1.1\r\nHost: server\r\n\r\n${get('/stream')}HEAD /text HTTP/1.1\r\nHost: server\r\n\r\n${get('/text')}`,
      'four answers',
      answered(4, methods),
    );
    return { peer, parsed: parseResponses(peer.received, methods) };
  },
  check(t, { peer, parsed }, probe) {
    const [headStream, getStream, headText, getText] = parsed.responses;
    t.is(parsed.responses.length, 4);
    t.deepEqual(headStream?.headers.entries(), getStream?.headers.entries());
    t.is(getStream?.body.toString(), 'streamed body');
    t.is(headStream?.body.length, 0);
    t.deepEqual(headText?.headers.entries(), getText?.headers.entries());
    t.is(getText?.body.toString(), 'twelve bytes');
    // The whole wire: a HEAD answer is exactly the GET answer's head.
    const streamHead = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-kind: stream\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n${KEEP}\r\n`;
    const textHead = `HTTP/1.1 200 OK\r\nX-Kind: text\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 12\r\n${KEEP}\r\n`;
    t.is(peer.received.toString('latin1'), `${streamHead}${streamHead}8\r\nstreamed\r\n5\r\n body\r\n0\r\n\r\n${textHead}${textHead}twelve bytes`);
    t.true(probe.streams.get('HEAD')?.cancelled, 'the HEAD body stream is cancelled');
    t.true(probe.streams.get('HEAD')!.pulls <= 1, 'at most the pull every stream makes when it starts');
    t.is(probe.streams.get('GET')?.cancelled, false);
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- HTTP/1.0

fetchCase('answers HTTP/1.0 without chunking: a stream is close-delimited, a known length keeps the connection only when asked', {
  app: () => ({
    probe: null,
    fetch: (request) => (pathOf(request) === '/stream' ? new Response(partsStream([bytes('one,'), bytes('two')])) : light('hi')),
  }),
  async exchange(rig) {
    const plainStream = await exchange(rig, 'GET /stream HTTP/1.0\r\n\r\n', 'a close-delimited answer');
    const plainText = await exchange(rig, 'GET /text HTTP/1.0\r\n\r\n', 'an answer and a close');
    const keepAlive = 'Connection: keep-alive\r\n';
    const kept = await exchange(rig, `GET /text HTTP/1.0\r\n${keepAlive}\r\nGET /text HTTP/1.0\r\n${keepAlive}\r\n`, 'two answers', answered(2));
    const keptThenStream = await exchange(
      rig,
      `GET /text HTTP/1.0\r\n${keepAlive}\r\nGET /stream HTTP/1.0\r\n${keepAlive}\r\n`,
      'an answer, then a close-delimited one',
    );
    return { plainStream, plainText, kept, keptThenStream };
  },
  check(t, { plainStream, plainText, kept, keptThenStream }) {
    const streamed = `${head()}Connection: close\r\n\r\none,two`;
    const text = (connection: string): string =>
      `${head()}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\nConnection: ${connection}\r\n${connection === 'keep-alive' ? KEEP : ''}\r\nhi`;
    t.is(plainStream.received.toString('latin1'), streamed);
    t.true(plainStream.ended, 'the close ends the body');
    t.is(plainText.received.toString('latin1'), text('close'));
    t.true(plainText.ended);
    t.is(kept.received.toString('latin1'), text('keep-alive') + text('keep-alive'));
    t.false(kept.gone, 'a keep-alive HTTP/1.0 connection stays open after answers of known length');
    t.is(keptThenStream.received.toString('latin1'), text('keep-alive') + streamed);
    t.true(keptThenStream.ended, 'a body of unknown length closes even a keep-alive HTTP/1.0 connection');
  },
});

// ---------------------------------------------------------------- keep-alive and pipelining

fetchCase('answers several requests one after another on one keep-alive connection', {
  app: () => {
    const probe = { ports: [] as number[] };
    const fetch: FetchHandler = async (request, info) => {
      probe.ports.push(info.remoteAddress?.port ?? -1);
      return light(`${request.method} ${pathOf(request)} ${await request.text()}`);
    };
    return { fetch, probe };
  },
  async exchange(rig) {
    const peer = rig.connect();
    const requests = [get('/one'), `POST /two HTTP/1.1\r\nHost: server\r\nContent-Length: 4\r\n\r\nbody`, get('/three')];
    const bodies: string[] = [];
    let connections = 0;
    for (const [index, request] of requests.entries()) {
      peer.write(request);
      await rig.until(() => answered(index + 1)(peer), `answer ${index + 1}`);
      bodies.push(parseResponses(peer.received).responses[index]?.body.toString() ?? '');
      connections = Math.max(connections, rig.server.stewards.size);
    }
    return { peer, bodies, connections };
  },
  check(t, { peer, bodies, connections }, probe) {
    t.deepEqual(bodies, ['GET /one ', 'POST /two body', 'GET /three ']);
    t.is(connections, 1);
    t.is(new Set(probe.ports).size, 1, 'every request came from the same client connection');
    t.false(peer.gone);
  },
});

fetchCase('answers requests pipelined in one write in order, a streamed answer in the middle included', {
  app: () => {
    const probe = { calls: [] as string[] };
    const fetch: FetchHandler = async (request) => {
      const path = pathOf(request);
      probe.calls.push(path);
      if (path === '/slow') await new Promise((resolve) => setImmediate(resolve));
      if (path === '/stream') return new Response(partsStream([bytes('s1,'), bytes('s2,'), bytes('s3')]));
      if (path === '/echo') return light(await request.text());
      return light(path);
    };
    return { fetch, probe };
  },
  async exchange(rig) {
    const methods = ['GET', 'GET', 'POST', 'GET'];
    const requests = get('/slow') + get('/stream') + `POST /echo HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nhello` + get('/last');
    const peer = await exchange(rig, requests, 'four answers', answered(4, methods));
    return { peer };
  },
  check(t, { peer }, probe) {
    const text = (body: string): string => `${head()}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n${KEEP}\r\n${body}`;
    const streamed = `${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n3\r\ns1,\r\n3\r\ns2,\r\n2\r\ns3\r\n0\r\n\r\n`;
    t.is(peer.received.toString('latin1'), text('/slow') + streamed + text('hello') + text('/last'));
    t.deepEqual(probe.calls, ['/slow', '/stream', '/echo', '/last']);
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- trailers

fetchCase('sends the trailers of a light Response after a chunked body, given at once or as a promise settled after the body', {
  app: () => {
    const probe = { bodyDoneBeforeTrailers: false };
    const fetch: FetchHandler = (request) => {
      if (pathOf(request) === '/now') return light('body now', { trailers: { 'X-Checksum': 'abc' } });
      const stream = { pulls: 0, cancelled: false };
      const body = partsStream([bytes('one,'), bytes('two')], stream);
      // Settled once the stream has been read to its end.
      const trailers = (async () => {
        while (stream.pulls < 3) await new Promise((resolve) => setImmediate(resolve));
        probe.bodyDoneBeforeTrailers = true;
        return [['X-Count', '2']] as [string, string][];
      })();
      return light(body, { trailers });
    };
    return { fetch, probe };
  },
  async exchange(rig) {
    return exchange(rig, get('/now') + get('/later'), 'two answers', answered(2));
  },
  check(t, peer, probe) {
    const now = `HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n${KEEP}\r\n8\r\nbody now\r\n0\r\nX-Checksum: abc\r\n\r\n`;
    const later = `${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\nX-Count: 2\r\n\r\n`;
    t.is(peer.received.toString('latin1'), now + later);
    t.true(probe.bodyDoneBeforeTrailers);
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- 100-continue

fetchCase('starts the handler at the head, sends 100 Continue once it reads the body, then answers the body the client sends', {
  app: () => {
    const probe = { calls: 0 };
    const fetch: FetchHandler = async (request) => {
      probe.calls += 1;
      return light(`got ${await request.text()}`);
    };
    return { fetch, probe };
  },
  async exchange(rig, probe) {
    const interim = 'HTTP/1.1 100 Continue\r\n\r\n';
    const peer = await exchange(
      rig,
      'POST /upload HTTP/1.1\r\nHost: server\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n',
      '100 Continue',
      (peer) => peer.receivedLength >= interim.length || peer.gone,
    );
    const beforeBody = { wire: peer.received.toString('latin1'), calls: probe.calls };
    peer.write('hello world');
    await rig.until(() => answered(2)(peer), 'the final answer');
    return { peer, beforeBody };
  },
  check(t, { peer, beforeBody }) {
    // The handler runs from the head on; its read is what asks the client for the body.
    t.deepEqual(beforeBody, { wire: 'HTTP/1.1 100 Continue\r\n\r\n', calls: 1 });
    t.is(
      peer.received.toString('latin1'),
      `HTTP/1.1 100 Continue\r\n\r\n${head()}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 15\r\n${KEEP}\r\ngot hello world`,
    );
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- streamed request bodies

fetchCase('streams a request body into the handler and its echo back while the upload is still under way', {
  app: () => ({ probe: null, fetch: (request) => new Response(request.body) }),
  async exchange(rig) {
    const peer = rig.connect();
    peer.write('POST /echo HTTP/1.1\r\nHost: server\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst,\r\n');
    await rig.until(() => peer.received.includes('first,') || peer.gone, 'the first piece echoed');
    const midway = peer.received.toString('latin1');
    peer.write('6\r\nsecond\r\n0\r\n\r\n');
    await rig.until(() => answered(1)(peer), 'the whole echo');
    return { peer, midway };
  },
  check(t, { peer, midway }) {
    t.true(midway.startsWith('HTTP/1.1 200 OK\r\n'), 'the answer began before the upload ended');
    t.false(midway.includes('second'));
    const { responses } = parseResponses(peer.received, []);
    t.is(responses[0]!.body.toString(), 'first,second');
    t.false(peer.gone);
  },
});

// ---------------------------------------------------------------- buffered request bodies

const MULTIPART =
  '--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda Lovelace\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="notes"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n' +
  '--XyZ--\r\n';

fetchCase('reads buffered request bodies: text, json, arrayBuffer, urlencoded and multipart formData', {
  app: () => ({
    probe: null,
    fetch: async (request) => {
      switch (pathOf(request)) {
        case '/text':
          return Response.json({ text: await request.text() });
        case '/json':
          return Response.json({ json: await request.json() });
        case '/bytes':
          return Response.json({ bytes: [...new Uint8Array(await request.arrayBuffer())] });
        default: {
          const form = await request.formData();
          const fields: Array<[string, string]> = [];
          for (const [name, value] of form) fields.push([name, typeof value === 'string' ? value : `${value.name}:${value.type}:${await value.text()}`]);
          return Response.json({ fields });
        }
      }
    },
  }),
  async exchange(rig) {
    const requests = [
      post('/text', 'text/plain; charset=utf-8', 'héllo, wörld'),
      post('/json', 'application/json', '{"a":[1,2,{"b":null}]}'),
      `POST /bytes HTTP/1.1\r\nHost: server\r\nContent-Length: 4\r\n\r\n\x00\x01\xfe\xff`,
      post('/form', 'application/x-www-form-urlencoded', 'a=1&b=two+words&c=%C3%A9'),
      // Chunked, so the body arrives in pieces.
      `POST /multipart HTTP/1.1\r\nHost: server\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `10\r\n${MULTIPART.slice(0, 16)}\r\n${(MULTIPART.length - 16).toString(16)}\r\n${MULTIPART.slice(16)}\r\n0\r\n\r\n`,
    ];
    // The text request is UTF-8 on the wire.
    const wire = Buffer.concat([Buffer.from(requests[0]!, 'utf8'), Buffer.from(requests.slice(1).join(''), 'latin1')]);
    const peer = rig.connect();
    peer.write(wire);
    await rig.until(() => answered(5)(peer), 'five answers');
    return peer;
  },
  check(t, peer) {
    const bodies = parseResponses(peer.received).responses.map((response) => JSON.parse(response.body.toString()) as unknown);
    t.deepEqual(bodies, [
      { text: 'héllo, wörld' },
      { json: { a: [1, 2, { b: null }] } },
      { bytes: [0, 1, 254, 255] },
      {
        fields: [
          ['a', '1'],
          ['b', 'two words'],
          ['c', 'é'],
        ],
      },
      {
        fields: [
          ['name', 'Ada Lovelace'],
          ['notes', 'notes.txt:text/plain:line one\r\nline two'],
        ],
      },
    ]);
    t.false(peer.gone);
  },
});

fetchCase('answers 413 to a body over maxBodyBytes, declared or chunked, without calling the handler, and closes', {
  options: { limits: { maxBodyBytes: 64 } },
  app: () => {
    const probe = { calls: 0 };
    const fetch: FetchHandler = async (request) => {
      probe.calls += 1;
      return light(await request.text());
    };
    return { fetch, probe };
  },
  async exchange(rig) {
    const fits = await exchange(rig, post('/fits', 'text/plain', 'x'.repeat(64)), 'an answer', answered(1));
    const declared = await exchange(rig, post('/declared', 'text/plain', 'x'.repeat(65)), 'a refusal');
    const chunked = await exchange(
      rig,
      `POST /chunked HTTP/1.1\r\nHost: server\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n${'x'.repeat(64)}\r\n1\r\nx\r\n0\r\n\r\n`,
      'a refusal',
    );
    return { fits, declared, chunked };
  },
  check(t, { fits, declared, chunked }, probe) {
    t.is(parseResponses(fits.received).responses[0]?.body.toString(), 'x'.repeat(64));
    const refusal = (why: string): string =>
      `${head('413 Content Too Large')}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${why.length + 49}\r\nConnection: close\r\n\r\n` +
      `413 Content Too Large: ${why} (HIO_ERR_BODY_TOO_LARGE)\n`;
    t.is(declared.received.toString('latin1'), refusal('declared body too large'));
    t.true(declared.ended);
    t.is(chunked.received.toString('latin1'), refusal('chunked body too large'));
    t.true(chunked.ended);
    t.is(probe.calls, 1, 'only the body that fits reaches the handler');
  },
});

// ---------------------------------------------------------------- failures

fetchCase('answers a throw or a rejection with 500 and closes; abort() and HttpAbort answer their own status and keep the connection', {
  app: () => ({
    probe: null,
    fetch: (request) => {
      switch (pathOf(request)) {
        case '/throw':
          throw new Error('thrown');
        case '/reject':
          return Promise.reject(new Error('rejected'));
        case '/abort':
          return abort(403, 'no entry');
        case '/abort-later':
          return Promise.reject(new HttpAbort(429, 'slow down', { 'Retry-After': '7' }));
        default:
          return light('fine');
      }
    },
  }),
  async exchange(rig) {
    const thrown = await exchange(rig, get('/throw') + get('/after'), 'a 500 and a close');
    const rejected = await exchange(rig, get('/reject') + get('/after'), 'a 500 and a close');
    const aborted = await exchange(rig, get('/abort') + get('/abort-later') + get('/after'), 'three answers', answered(3));
    return { thrown, rejected, aborted, faults: rig.server.faults };
  },
  check(t, { thrown, rejected, aborted, faults }) {
    t.is(thrown.received.toString('latin1'), FAULT_500, 'the pipelined request after the fault is not answered');
    t.true(thrown.ended);
    t.is(rejected.received.toString('latin1'), FAULT_500);
    t.true(rejected.ended);
    const [forbidden, tooMany, after] = parseResponses(aborted.received).responses;
    t.is(forbidden?.status, 403);
    t.is(forbidden?.body.toString(), 'no entry\n');
    t.is(tooMany?.status, 429);
    t.is(tooMany?.headers.get('retry-after'), '7');
    t.is(tooMany?.body.toString(), 'slow down\n');
    t.is(after?.body.toString(), 'fine');
    t.false(aborted.gone);
    t.is(faults, 2, 'an abort is an answer, not a fault');
  },
});

fetchCase("answers a fault with onError's response, and 500 when onError fails too", {
  options: {
    onError: (error) => {
      if ((error as Error).message === 'twice') throw new Error('onError failed');
      return light(`handled: ${(error as Error).message}`, { status: 418 });
    },
  },
  app: () => ({
    probe: null,
    fetch: (request) => Promise.reject(new Error(pathOf(request) === '/twice' ? 'twice' : 'once')),
  }),
  async exchange(rig) {
    const handled = await exchange(rig, get('/once') + get('/again'), 'two answers', answered(2));
    const failed = await exchange(rig, get('/twice'), 'a 500 and a close');
    return { handled, failed, faults: rig.server.faults };
  },
  check(t, { handled, failed, faults }) {
    const teapot = `${head("418 I'm a teapot")}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 13\r\n${KEEP}\r\nhandled: once`;
    t.is(handled.received.toString('latin1'), teapot + teapot);
    t.false(handled.gone);
    t.is(failed.received.toString('latin1'), FAULT_500);
    t.is(faults, 1);
  },
});

fetchCase('resets the connection when the body stream fails after the first byte: the client holds a truncated answer', {
  app: () => {
    const probe = { fail: null as ((error: Error) => void) | null };
    const fetch: FetchHandler = () => {
      let pulls = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls += 1;
            if (pulls === 1) return controller.enqueue(bytes('partial'));
            // The second part never comes: the stream fails when the test says so.
            return new Promise<void>((resolve) => {
              probe.fail = (error) => {
                controller.error(error);
                resolve();
              };
            });
          },
        }),
      );
    };
    return { fetch, probe };
  },
  async exchange(rig, probe) {
    const peer = await exchange(rig, get('/'), 'the first part', (peer) => peer.received.includes('partial') || peer.gone);
    await rig.until(() => probe.fail !== null, 'the second pull');
    probe.fail!(new Error('disk gone'));
    await rig.until(() => peer.gone, 'the reset');
    return { peer, faults: rig.server.faults, stewards: rig.server.stewards.size };
  },
  check(t, { peer, faults, stewards }) {
    t.is(peer.received.toString('latin1'), `${head()}Transfer-Encoding: chunked\r\n${KEEP}\r\n7\r\npartial\r\n`);
    t.is(peer.errorCode, 'ECONNRESET');
    const parsed = parseResponses(peer.received, [], true);
    t.is(parsed.responses.length, 0);
    t.is(parsed.error, 'HIO_ERR_PREMATURE_CLOSE');
    t.is(faults, 1);
    t.is(stewards, 0);
  },
});

fetchCase('resets the connection when a stream breaks the Content-Length the handler gave', {
  app: () => ({
    probe: null,
    fetch: (request) => new Response(partsStream([bytes('one,'), bytes('two')]), { headers: { 'Content-Length': pathOf(request) === '/short' ? '10' : '2' } }),
  }),
  async exchange(rig) {
    const short = await exchange(rig, get('/short'), 'a reset');
    const long = await exchange(rig, get('/long'), 'a reset');
    return { short, long, faults: rig.server.faults };
  },
  check(t, { short, long, faults }) {
    const announced = (length: number): string => `HTTP/1.1 200 OK\r\ncontent-length: ${length}\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\n${KEEP}\r\n`;
    t.is(short.received.toString('latin1'), `${announced(10)}one,two`);
    t.is(short.errorCode, 'ECONNRESET');
    // Nothing past the announced length goes out, not even the part that would have fitted.
    t.true(long.received.toString('latin1').startsWith(announced(2)));
    t.true(long.received.length <= announced(2).length + 2);
    t.is(long.errorCode, 'ECONNRESET');
    t.is(faults, 2);
  },
});

// ---------------------------------------------------------------- header fields

/** Responses whose fields would inject a line if written as given. */
const INJECTIONS: Record<string, () => Response> = {
  '/value-crlf': () => light('x', { headers: { 'X-Note': 'a\r\nInjected: yes' } }),
  '/value-lf': () => light('x', { headers: { 'X-Note': 'a\nInjected: yes' } }),
  '/value-nul': () => light('x', { headers: { 'X-Note': 'a\0Injected: yes' } }),
  '/name': () => light('x', { headers: { 'Injected: yes\r\nX-Note': 'a' } }),
  '/reason': () => light('x', { statusText: 'OK\r\nInjected: yes' }),
  '/standard': () => new Response('x', { headers: { 'X-Note': 'a\r\nInjected: yes' } }),
};

fetchCase('refuses a response field or reason holding CR, LF or NUL with a 500, never writing it; a bad trailer resets after the body', {
  app: () => ({
    probe: null,
    fetch: (request) => {
      const path = pathOf(request);
      if (path === '/trailer') return light('body', { trailers: { 'X-Sum': 'a\r\nInjected: yes' } });
      return INJECTIONS[path]!();
    },
  }),
  async exchange(rig) {
    const refused = new Map<string, Peer>();
    for (const path of Object.keys(INJECTIONS)) refused.set(path, await exchange(rig, get(path), `${path} refused`));
    const trailer = await exchange(rig, get('/trailer'), 'a reset');
    return { refused, trailer, faults: rig.server.faults };
  },
  check(t, { refused, trailer, faults }) {
    for (const [path, peer] of refused) t.is(peer.received.toString('latin1'), FAULT_500, path);
    t.is(
      trailer.received.toString('latin1'),
      `HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\nDate: ${FIXED_DATE}\r\nServer: hio-ts\r\nTransfer-Encoding: chunked\r\n${KEEP}\r\n4\r\nbody\r\n`,
    );
    t.is(trailer.errorCode, 'ECONNRESET');
    t.is(faults, refused.size + 1);
  },
});
