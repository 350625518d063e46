/**
 * The validators and preconditions of file answers as pure functions: the
 * HTTP-date parser's three forms and what it refuses, entity tags, and the
 * order of RFC 9110 §13.2.2.
 */
import test from 'ava';
import { evaluatePreconditions, fileEtag, formatHttpDate, parseHttpDate, rangeAllowed, type ConditionalRequest } from '../../src/app/preconditions.js';

const NOV_6 = Date.UTC(1994, 10, 6, 8, 49, 37);

test('parseHttpDate reads IMF-fixdate, RFC 850 and asctime alike', (t) => {
  t.is(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), NOV_6);
  t.is(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), NOV_6);
  t.is(parseHttpDate('Sun Nov  6 08:49:37 1994'), NOV_6);
  t.is(parseHttpDate('Sun Nov 06 08:49:37 1994'), NOV_6);
  // Two-digit years below 70 are this century's.
  t.is(parseHttpDate('Thursday, 01-Jan-26 00:00:00 GMT'), Date.UTC(2026, 0, 1));
  // A leap second is the next minute's first.
  t.is(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT'), Date.UTC(2017, 0, 1));
});

test('parseHttpDate refuses what the grammar does not allow', (t) => {
  for (const text of [
    '',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06 nov 1994 08:49:37 GMT',
    'Sun,  06 Nov 1994 08:49:37 GMT',
    ' Sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Mon, 06 Nov 1994 08:49:37 GMT',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 Nov 1994 08:49:61 GMT',
    'Sun, 06 Nov 0094 08:49:37 GMT',
    'Sun, 06 Abc 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994 GMT',
    '784111777',
  ]) {
    t.is(parseHttpDate(text), null, text);
  }
});

test('formatHttpDate says the whole second an HTTP-date can hold', (t) => {
  t.is(formatHttpDate(NOV_6 + 999), 'Sun, 06 Nov 1994 08:49:37 GMT');
  t.is(parseHttpDate(formatHttpDate(NOV_6 + 999)), NOV_6);
});

test('fileEtag is weak, from size and mtime in hex, with the coding of a compressed variant', (t) => {
  t.is(fileEtag(255, 4096.75), 'W/"ff-1000"');
  t.is(fileEtag(255, 4096, 'br'), 'W/"ff-1000-br"');
});

function request(method: string, headers: Record<string, string>): ConditionalRequest {
  return { method, header: (name) => headers[name] ?? null };
}

const validators = { etag: 'W/"1a-2b"', modifiedMs: NOV_6 };

test('evaluatePreconditions: a failed If-None-Match answers 412 to methods other than GET and HEAD', (t) => {
  t.is(evaluatePreconditions(request('GET', { 'if-none-match': 'W/"1a-2b"' }), validators), 304);
  t.is(evaluatePreconditions(request('HEAD', { 'if-none-match': '"1a-2b"' }), validators), 304);
  t.is(evaluatePreconditions(request('DELETE', { 'if-none-match': '*' }), validators), 412);
  // If-Modified-Since is for GET and HEAD only.
  t.is(evaluatePreconditions(request('DELETE', { 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }), validators), 'proceed');
  t.is(evaluatePreconditions(request('GET', { 'if-none-match': ' , W/"x" ,, "1a-2b"' }), validators), 304);
  t.is(evaluatePreconditions(request('GET', { 'if-none-match': '"1a-2b" junk' }), validators), 'proceed');
  t.is(evaluatePreconditions(request('GET', {}), validators), 'proceed');
});

test('rangeAllowed: strong entity tags match strongly, dates exactly', (t) => {
  const strong = { etag: '"1a-2b"', modifiedMs: NOV_6 };
  t.true(rangeAllowed(request('GET', {}), strong));
  t.true(rangeAllowed(request('GET', { 'if-range': '"1a-2b"' }), strong));
  t.false(rangeAllowed(request('GET', { 'if-range': 'W/"1a-2b"' }), strong));
  t.false(rangeAllowed(request('GET', { 'if-range': '"1a-2b"' }), { etag: null, modifiedMs: NOV_6 }));
  t.true(rangeAllowed(request('GET', { 'if-range': 'Sun, 06 Nov 1994 08:49:37 GMT' }), strong));
  t.false(rangeAllowed(request('GET', { 'if-range': 'Sun, 06 Nov 1994 08:49:38 GMT' }), strong));
});
