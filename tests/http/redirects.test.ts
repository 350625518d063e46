/**
 * The redirect decision on its own: which statuses redirect, how Location
 * resolves and which fragment the new URL keeps, the refusals (bad Location,
 * https to http, the limit, a body that cannot be sent again, a loop) and
 * the order they are checked in, the method and body rewrites, the fields
 * dropped with the body or toward another origin, and that the chain state
 * moves only when a redirect is followed.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { HioError } from '../../src/core/errors.js';
import type { HioErrorCode } from '../../src/core/errors.js';
import { DEFAULT_MAX_REDIRECTS, decideRedirect, isRedirectStatus, newRedirectState, resolveMaxRedirects } from '../../src/http/redirects.js';
import type { RedirectBody, RedirectDecision, RedirectHop, RedirectOptions, RedirectState } from '../../src/http/redirects.js';

const REDIRECTS = [301, 302, 303, 307, 308] as const;

/** A body as the client would attach one: bytes in memory, or a stream read once. */
interface TestBody extends RedirectBody {
  readonly label: string;
}

const bytes = (): TestBody => ({ replayable: true, label: 'bytes' });
const stream = (): TestBody => ({ replayable: false, label: 'stream' });

function hop(url: string, method = 'GET', init: { headers?: [string, string][]; body?: TestBody | null } = {}): RedirectHop<TestBody> {
  return { method, url: new URL(url), headers: init.headers ?? [], body: init.body ?? null };
}

/** Decides for `from` with a fresh chain state unless one is given. */
function decide(
  from: RedirectHop<TestBody>,
  status: number,
  location: string | null,
  options: RedirectOptions = {},
  state: RedirectState = newRedirectState(from),
): RedirectDecision<TestBody> {
  return decideRedirect(from, status, location, state, options);
}

function followed(t: ExecutionContext, decision: RedirectDecision<TestBody>, label = ''): RedirectHop<TestBody> {
  if (decision.kind !== 'follow') {
    t.fail(`${label}: expected follow, got ${decision.kind === 'error' ? decision.error.code : decision.kind}`);
    throw new Error('unreachable');
  }
  return decision.hop;
}

function failedWith(t: ExecutionContext, decision: RedirectDecision<TestBody>, code: HioErrorCode, label = ''): void {
  if (decision.kind !== 'error') {
    t.fail(`${label}: expected ${code}, got ${decision.kind}`);
    return;
  }
  t.true(decision.error instanceof HioError, label);
  t.is(decision.error.code, code, label);
}

test('decideRedirect leaves every status but 301, 302, 303, 307 and 308 final, Location or not', (t) => {
  for (const status of [100, 200, 201, 204, 300, 304, 305, 306, 309, 399, 400, 404, 500]) {
    const from = hop('http://h.test/a');
    const state = newRedirectState(from);
    t.deepEqual(decide(from, status, '/b', {}, state), { kind: 'final' }, String(status));
    t.is(state.count, 0, String(status));
  }
});

test('isRedirectStatus is true for 301, 302, 303, 307 and 308 only', (t) => {
  const statuses = Array.from({ length: 500 }, (_, i) => i + 100);
  t.deepEqual(statuses.filter(isRedirectStatus), [...REDIRECTS]);
});

test('decideRedirect leaves a redirect without a Location final', (t) => {
  for (const status of REDIRECTS) {
    t.is(decide(hop('http://h.test/a'), status, null).kind, 'final', String(status));
  }
});

test('decideRedirect follows each redirect status to the Location', (t) => {
  for (const status of REDIRECTS) {
    const next = followed(t, decide(hop('http://h.test/a'), status, 'http://h.test/b'), String(status));
    t.is(next.url.href, 'http://h.test/b', String(status));
  }
});

test('decideRedirect resolves the Location against the URL of the hop', (t) => {
  const cases: [location: string, expected: string][] = [
    ['b', 'http://h.test/dir/b'],
    ['./b?x=1', 'http://h.test/dir/b?x=1'],
    ['../up', 'http://h.test/up'],
    ['/root', 'http://h.test/root'],
    ['?q=2', 'http://h.test/dir/page?q=2'],
    ['//other.test/p', 'http://other.test/p'],
    ['https://secure.test:8443/s', 'https://secure.test:8443/s'],
    ['HTTP://H.TEST:80/Case', 'http://h.test/Case'],
    ['/sp ace/ü', 'http://h.test/sp%20ace/%C3%BC'],
  ];
  for (const [location, expected] of cases) {
    t.is(followed(t, decide(hop('http://h.test/dir/page?q=1'), 302, location), location).url.href, expected, location);
  }
});

test('decideRedirect gives the new URL the fragment of the hop only when the Location has none', (t) => {
  const cases: [from: string, location: string, expected: string][] = [
    ['http://h.test/a#frag', '/b', 'http://h.test/b#frag'],
    ['http://h.test/a#frag', '/b#new', 'http://h.test/b#new'],
    ['http://h.test/a#frag', '/b#', 'http://h.test/b#'],
    ['http://h.test/a#', '/b', 'http://h.test/b#'],
    ['http://h.test/a', '/b', 'http://h.test/b'],
    ['http://h.test/a#x%20y', 'http://other.test/', 'http://other.test/#x%20y'],
  ];
  for (const [from, location, expected] of cases) {
    t.is(followed(t, decide(hop(from), 301, location), location).url.href, expected, `${from} + ${location}`);
  }
});

test('decideRedirect refuses a Location that does not parse or is not http or https', (t) => {
  for (const location of [
    'http://',
    'http://[::1',
    'http://h.test:99999/',
    'https://exa mple.test/',
    'ftp://h.test/f',
    'file:///etc/passwd',
    'data:,x',
    'javascript:alert(1)',
    'mailto:a@h.test',
    'ws://h.test/',
  ]) {
    const from = hop('http://h.test/a');
    const state = newRedirectState(from);
    failedWith(t, decide(from, 302, location, {}, state), 'HIO_ERR_REDIRECT_LOCATION', location);
    t.is(state.count, 0, location);
  }
});

test('decideRedirect passes the URL parse failure on as the cause', (t) => {
  const decision = decide(hop('http://h.test/a'), 302, 'http://[::1');
  t.is(decision.kind === 'error' ? (decision.error.cause as { code?: unknown } | undefined)?.code : undefined, 'ERR_INVALID_URL');
});

test('decideRedirect refuses https to http and follows every other scheme change', (t) => {
  failedWith(t, decide(hop('https://h.test/a'), 301, 'http://h.test/a'), 'HIO_ERR_REDIRECT_INSECURE');
  failedWith(t, decide(hop('https://h.test/a'), 308, 'http://other.test/'), 'HIO_ERR_REDIRECT_INSECURE');
  t.is(followed(t, decide(hop('https://h.test/a'), 302, '//other.test/b')).url.protocol, 'https:');
  t.is(followed(t, decide(hop('https://h.test/a'), 302, 'https://other.test/b')).url.protocol, 'https:');
  t.is(followed(t, decide(hop('http://h.test/a'), 302, 'https://h.test/a')).url.protocol, 'https:');
});

test('decideRedirect follows maxRedirects redirects and refuses the next one', (t) => {
  for (const [options, limit] of [
    [{}, DEFAULT_MAX_REDIRECTS],
    [{ maxRedirects: 3 }, 3],
    [{ maxRedirects: 1 }, 1],
  ] as const) {
    let current = hop('http://h.test/0');
    const state = newRedirectState(current);
    for (let i = 1; i <= limit; i++) {
      current = followed(t, decide(current, 302, `/${i}`, options, state), `redirect ${i} of ${limit}`);
    }
    t.is(state.count, limit);
    failedWith(t, decide(current, 302, '/over', options, state), 'HIO_ERR_REDIRECT_LIMIT', `limit ${limit}`);
    t.is(state.count, limit);
  }
  t.is(DEFAULT_MAX_REDIRECTS, 20);
});

test('decideRedirect with maxRedirects 0 refuses the first redirect and still leaves other responses final', (t) => {
  for (const status of REDIRECTS) {
    failedWith(t, decide(hop('http://h.test/a'), status, '/b', { maxRedirects: 0 }), 'HIO_ERR_REDIRECT_LIMIT', String(status));
  }
  t.is(decide(hop('http://h.test/a'), 200, null, { maxRedirects: 0 }).kind, 'final');
  t.is(decide(hop('http://h.test/a'), 302, null, { maxRedirects: 0 }).kind, 'final');
});

test('resolveMaxRedirects returns the default or the option and throws for a value that is not an integer >= 0', (t) => {
  t.is(resolveMaxRedirects({}), DEFAULT_MAX_REDIRECTS);
  t.is(resolveMaxRedirects({ maxRedirects: 0 }), 0);
  t.is(resolveMaxRedirects({ maxRedirects: 5 }), 5);
  for (const maxRedirects of [-1, 1.5, Number.NaN, Infinity, '3' as unknown as number]) {
    t.is(t.throws(() => resolveMaxRedirects({ maxRedirects }), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION', String(maxRedirects));
    t.is(t.throws(() => decide(hop('http://h.test/a'), 200, null, { maxRedirects }), { instanceOf: HioError })?.code, 'HIO_ERR_INVALID_OPTION');
  }
});

test('decideRedirect turns POST on 301 and 302, and every method but HEAD on 303, into a GET without body', (t) => {
  const cases: [status: number, method: string, expected: string, bodyKept: boolean][] = [
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [303, 'DELETE', 'GET', false],
    [303, 'PATCH', 'GET', false],
    [303, 'GET', 'GET', false],
    [303, 'HEAD', 'HEAD', true],
    [301, 'GET', 'GET', true],
    [301, 'PUT', 'PUT', true],
    [302, 'DELETE', 'DELETE', true],
    [302, 'PATCH', 'PATCH', true],
    [301, 'HEAD', 'HEAD', true],
    [307, 'POST', 'POST', true],
    [307, 'PUT', 'PUT', true],
    [308, 'POST', 'POST', true],
    [308, 'PATCH', 'PATCH', true],
  ];
  for (const [status, method, expected, bodyKept] of cases) {
    const body = bytes();
    const label = `${status} ${method}`;
    const next = followed(t, decide(hop('http://h.test/a', method, { body }), status, '/b'), label);
    t.is(next.method, expected, label);
    t.is(next.body, bodyKept ? body : null, label);
  }
});

test('decideRedirect drops the content fields, in any case, when the request becomes a GET and keeps the rest in order', (t) => {
  const headers: [string, string][] = [
    ['Accept', 'text/html'],
    ['content-type', 'application/json'],
    ['Content-Length', '2'],
    ['CONTENT-ENCODING', 'gzip'],
    ['Content-Language', 'en'],
    ['Content-Location', '/x'],
    ['X-Trace', '1'],
    ['Transfer-Encoding', 'chunked'],
    ['expect', '100-continue'],
    ['Authorization', 'Bearer t'],
    ['Content-Disposition-Like', 'kept'],
  ];
  for (const status of [301, 302, 303]) {
    const next = followed(t, decide(hop('http://h.test/a', 'POST', { headers, body: bytes() }), status, '/b'), String(status));
    t.deepEqual(
      next.headers,
      [
        ['Accept', 'text/html'],
        ['X-Trace', '1'],
        ['Authorization', 'Bearer t'],
        ['Content-Disposition-Like', 'kept'],
      ],
      String(status),
    );
  }
  for (const [status, method] of [
    [307, 'POST'],
    [308, 'PUT'],
    [301, 'PUT'],
    [303, 'HEAD'],
  ] as const) {
    const next = followed(t, decide(hop('http://h.test/a', method, { headers, body: bytes() }), status, '/b'), `${status} ${method}`);
    t.deepEqual(next.headers, headers, `${status} ${method} keeps every field`);
  }
});

test('decideRedirect refuses to resend a body that cannot be replayed and drops one the GET does not need', (t) => {
  const refused: [status: number, method: string][] = [
    [307, 'POST'],
    [308, 'POST'],
    [307, 'PUT'],
    [301, 'PUT'],
    [302, 'PATCH'],
    [303, 'HEAD'],
  ];
  for (const [status, method] of refused) {
    failedWith(t, decide(hop('http://h.test/a', method, { body: stream() }), status, '/b'), 'HIO_ERR_REDIRECT_BODY', `${status} ${method}`);
  }
  const dropped: [status: number, method: string][] = [
    [301, 'POST'],
    [302, 'POST'],
    [303, 'PUT'],
    [303, 'POST'],
  ];
  for (const [status, method] of dropped) {
    const next = followed(t, decide(hop('http://h.test/a', method, { body: stream() }), status, '/b'), `${status} ${method}`);
    t.is(next.body, null);
  }
  t.is(followed(t, decide(hop('http://h.test/a', 'PUT', { body: null }), 307, '/b')).body, null, 'no body, nothing to replay');
  const body = bytes();
  t.is(followed(t, decide(hop('http://h.test/a', 'POST', { body }), 307, '/b')).body, body, 'the same body object');
});

test('decideRedirect drops the credential fields and Host toward another origin, in any case', (t) => {
  const headers: [string, string][] = [
    ['Authorization', 'Bearer t'],
    ['Accept', '*/*'],
    ['proxy-authorization', 'Basic x'],
    ['COOKIE', 'a=1'],
    ['Host', 'h.test'],
    ['X-Api', 'k'],
  ];
  const kept: [string, string][] = [
    ['Accept', '*/*'],
    ['X-Api', 'k'],
  ];
  for (const location of ['http://other.test/b', 'http://h.test:8080/b', 'https://h.test/b', 'http://sub.h.test/b', 'http://127.0.0.1/b']) {
    t.deepEqual(followed(t, decide(hop('http://h.test/a', 'GET', { headers }), 302, location), location).headers, kept, location);
  }
  for (const location of ['/b', 'http://h.test/b', 'http://H.TEST:80/b', '//h.test/b?x']) {
    t.deepEqual(followed(t, decide(hop('http://h.test/a', 'GET', { headers }), 302, location), location).headers, headers, `${location} is the same origin`);
  }
});

test('decideRedirect refuses a request already made in the chain, the first one included', (t) => {
  const first = hop('http://h.test/a');
  const state = newRedirectState(first);
  const second = followed(t, decide(first, 302, '/b', {}, state));
  failedWith(t, decide(second, 302, '/a', {}, state), 'HIO_ERR_REDIRECT_LOOP', 'back to the first request');
  failedWith(t, decide(second, 307, 'http://h.test/b#elsewhere', {}, state), 'HIO_ERR_REDIRECT_LOOP', 'the fragment is not sent');
  t.is(state.count, 1);

  failedWith(t, decide(hop('http://h.test/a'), 301, '/a'), 'HIO_ERR_REDIRECT_LOOP', 'to itself');
  failedWith(t, decide(hop('http://h.test/a?q'), 301, ''), 'HIO_ERR_REDIRECT_LOOP', 'an empty Location is the same URL');
  failedWith(t, decide(hop('http://h.test/a', 'PUT', { body: bytes() }), 307, '/a'), 'HIO_ERR_REDIRECT_LOOP', 'PUT to itself');
  t.is(followed(t, decide(hop('http://h.test/a?x=1'), 302, '/a?x=2')).url.href, 'http://h.test/a?x=2', 'another query is another request');
});

test('decideRedirect tells a loop by method and URL, so a POST may see other at its own URL once', (t) => {
  const first = hop('http://h.test/form', 'POST', { body: bytes() });
  const state = newRedirectState(first);
  const get = followed(t, decide(first, 303, '/form', {}, state));
  t.is(get.method, 'GET');
  failedWith(t, decide(get, 302, '/form', {}, state), 'HIO_ERR_REDIRECT_LOOP');
});

test('decideRedirect reports the first failing rule: Location, https, limit, body, loop', (t) => {
  const none = { maxRedirects: 0 };
  failedWith(t, decide(hop('https://h.test/a', 'PUT', { body: stream() }), 307, 'ftp://h.test/a', none), 'HIO_ERR_REDIRECT_LOCATION');
  failedWith(t, decide(hop('https://h.test/a', 'PUT', { body: stream() }), 307, 'http://h.test/a', none), 'HIO_ERR_REDIRECT_INSECURE');
  failedWith(t, decide(hop('http://h.test/a', 'PUT', { body: stream() }), 307, '/a', none), 'HIO_ERR_REDIRECT_LIMIT');
  failedWith(t, decide(hop('http://h.test/a', 'PUT', { body: stream() }), 307, '/a'), 'HIO_ERR_REDIRECT_BODY');
  failedWith(t, decide(hop('http://h.test/a', 'PUT', { body: bytes() }), 307, '/a'), 'HIO_ERR_REDIRECT_LOOP');
});

test('decideRedirect changes neither the hop nor, unless it follows, the state', (t) => {
  const headers: [string, string][] = [
    ['Content-Type', 'text/plain'],
    ['Cookie', 'a=1'],
  ];
  const from = hop('http://h.test/a#f', 'POST', { headers, body: bytes() });
  const state = newRedirectState(from);
  t.deepEqual([...state.visited], ['POST http://h.test/a']);

  t.is(decide(from, 200, '/x', {}, state).kind, 'final');
  t.is(decide(from, 307, 'http://h.test/a', {}, state).kind, 'error');
  t.is(state.count, 0);
  t.is(state.visited.size, 1);

  const next = followed(t, decide(from, 302, 'http://other.test/b', {}, state));
  t.is(from.method, 'POST');
  t.is(from.url.href, 'http://h.test/a#f');
  t.not(next.url, from.url);
  t.is(from.headers, headers);
  t.is(headers.length, 2);
  t.is(state.count, 1);
  t.deepEqual([...state.visited], ['POST http://h.test/a', 'GET http://other.test/b']);
});

test('decideRedirect hands on the body type of the client', (t) => {
  const body = bytes();
  const next = followed(t, decide(hop('http://h.test/a', 'PUT', { body }), 308, '/b'));
  // Typed as TestBody, not merely RedirectBody: the client keeps its own body type through the chain.
  t.is(next.body?.label, 'bytes');
});
