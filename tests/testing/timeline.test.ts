import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimTraceEvent, SimTraceKindName } from '../../src/net/sim/sim-trace.js';
import type { SimResult } from '../../src/testing/sim-result.js';
import { TIMELINE_SCRIPT, TIMELINE_STYLE } from '../../src/testing/timeline-page.js';
import { chromeTrace, scriptJson, timelineData, timelineHtml, writeTimeline, type TimelineData } from '../../src/testing/timeline.js';
import { bigResult, emptyResult, HOSTILE, HOSTILE_HOST, smallResult } from '../helpers/sim-results.js';

/** The text of the page's data element, up to the first `</script` after it: where a browser ends it. */
function embedded(html: string): string {
  const open = '<script type="application/json" id="timeline-data">';
  const start = html.indexOf(open);
  if (start < 0) throw new Error('no data element');
  const end = html.toLowerCase().indexOf('</script', start + open.length);
  return html.slice(start + open.length, end);
}

/** The page's data read back into a result's events and bytes. */
function decodeEvents(data: TimelineData): { events: SimTraceEvent[]; eventBytes: (string | null)[] } {
  const columns = data.events;
  const events = columns.tyme.map((tyme, i): SimTraceEvent => ({
    tyme,
    kind: data.kinds[columns.kind[i]!] as SimTraceKindName,
    conn: columns.conn[i]!,
    from: data.hosts[columns.from[i]!]!,
    to: columns.to[i]! < 0 ? '' : data.hosts[columns.to[i]!]!,
    bytes: columns.bytes[i]!,
    detail: columns.detail[i]!,
    hash: columns.hash[i]!,
  }));
  const eventBytes = columns.text.map((index) => (index < 0 ? null : columns.texts[index]!));
  return { events, eventBytes };
}

test('timelineHtml embeds the run as JSON that parses back to the same data', (t) => {
  const result = smallResult();
  const data = JSON.parse(embedded(timelineHtml(result))) as TimelineData;
  t.deepEqual(data, timelineData(result));
  const decoded = decodeEvents(data);
  t.deepEqual(decoded.events, result.events);
  t.deepEqual(decoded.eventBytes, result.eventBytes);
  t.deepEqual(data.requests, result.requests);
  t.deepEqual(data.faults, result.faults);
  t.deepEqual(data.violations, result.violations);
  t.deepEqual(data.assertions, result.assertions);
  t.deepEqual(data.profile, result.profile);
  t.like(data, { seed: 42, ok: false, digest: result.digest, tyme: 4, healedAt: 3.55, title: 'hio sim — seed 42' });
  t.deepEqual(data.requestOutcome, ['success', 'client-error', 'success', 'server-error', 'error', 'pending', 'error', 'success']);
});

test('timelineData stores a delivery bytes once when its send carried the same', (t) => {
  const result = smallResult();
  const data = timelineData(result);
  const distinct = new Set(result.eventBytes.filter((bytes) => bytes !== null));
  t.is(data.events.texts.length, distinct.size);
  t.true(data.events.texts.length < result.eventBytes.filter((bytes) => bytes !== null).length);
});

test('timelineHtml keeps hostile text from closing the data element or becoming markup', (t) => {
  const html = timelineHtml(smallResult(), { title: HOSTILE });
  const lower = html.toLowerCase();
  // Exactly the page's own two script elements, each closed once; no comment opener anywhere.
  t.is(lower.split('<script').length - 1, 2);
  t.is(lower.split('</script').length - 1, 2);
  t.false(html.includes('<!--'));
  t.false(html.includes(HOSTILE));
  t.false(html.includes(HOSTILE_HOST));
  t.false(html.includes('<img'));
  t.false(/<script>alert/i.test(html));
  // The header shows it as text.
  t.true(html.includes('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &lt;SCRIPT&gt;alert(2)'));
  t.true(html.includes('partitions: often &lt;/script&gt;'));
  t.true(html.includes('request 5 pending at the end: &lt;/script&gt;'));
  // The data element holds no `<` at all, and its JSON reads back the hostile strings intact.
  const json = embedded(html);
  t.false(json.includes('<'));
  const data = JSON.parse(json) as TimelineData;
  t.is(data.title, HOSTILE);
  t.true(data.hosts.includes(HOSTILE_HOST));
  t.true(data.events.texts.some((text) => text.startsWith(HOSTILE)));
  t.is(data.requests[1]!.url, '/missing?q=' + HOSTILE);
});

test('scriptJson escapes what could end a script element and the JavaScript line separators', (t) => {
  const value = { text: '</SCRIPT><!--\u2028\u2029&>' };
  const json = scriptJson(value);
  t.false(/[<>&\u2028\u2029]/.test(json));
  t.deepEqual(JSON.parse(json), value);
});

test('the page script contains nothing that could end its element, and the page allows only it to run', (t) => {
  for (const text of [TIMELINE_SCRIPT, TIMELINE_STYLE]) {
    t.false(text.toLowerCase().includes('</script'));
    t.false(text.toLowerCase().includes('</style'));
    t.false(text.includes('<!--'));
  }
  // It compiles (without running: there is no DOM here).
  t.notThrows(() => new Function(TIMELINE_SCRIPT));
  const html = timelineHtml(smallResult());
  const hash = createHash('sha256').update(TIMELINE_SCRIPT).digest('base64');
  t.true(html.includes(`<script>${TIMELINE_SCRIPT}</script>`));
  t.regex(
    html,
    new RegExp(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'">`),
  );
});

test('timelineHtml is self-contained: no external resource of any kind', (t) => {
  // The data element's strings may say anything: the markup, style and script around it may not fetch.
  const html = timelineHtml(smallResult()).replace(/<script type="application\/json"[\s\S]*?<\/script>/, '');
  t.false(/\b(?:src|href|action|srcset)=(?!["']?data:)/i.test(html));
  t.false(/url\(|@import|https?:\/\/|fetch\(|XMLHttpRequest|WebSocket|EventSource|import\(/i.test(html));
});

test('timelineHtml header states the verdict, counts, profile and violations', (t) => {
  const html = timelineHtml(smallResult());
  t.true(html.includes('<span class="badge failed">FAILED</span>'));
  t.true(html.includes('seed <b>42</b>'));
  t.true(html.includes('<code>0123456789abcdef</code>'));
  t.true(html.includes('<b>4 s</b> virtual'));
  t.true(html.includes('heal at <b>3.55 s</b>'));
  t.true(html.includes('8 requests: <span class="o-success">3 2xx/3xx</span>'));
  t.true(html.includes('5 faults (3 reached)'));
  t.true(html.includes('3 violations'));
  t.true(html.includes('27 trace events · 4 hosts · 5 connections'));
  // Each violation a button that the script turns into a jump to its tyme.
  t.is(html.split('data-violation=').length - 1, 3);
  t.true(html.includes('<li>latency 5 ms ± 2 ms</li>'));
  const ok = timelineHtml(emptyResult());
  t.true(ok.includes('<span class="badge ok">ok</span>'));
  t.false(ok.includes('heal at'));
});

test('timelineHtml of an empty run still builds a page with empty data', (t) => {
  const data = JSON.parse(embedded(timelineHtml(emptyResult()))) as TimelineData;
  t.deepEqual(data.hosts, []);
  t.deepEqual(data.lanes, []);
  t.deepEqual(data.events.tyme, []);
  t.is(data.faultRows, 0);
});

test('timelineHtml markup does not grow with the trace: 100k events add data, not elements', (t) => {
  const small = timelineHtml(bigResult(1_000));
  const big = timelineHtml(bigResult(100_000));
  const tags = (html: string): number => html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '').split('<').length;
  t.is(tags(big), tags(small));
  const data = JSON.parse(embedded(big)) as TimelineData;
  t.is(data.events.tyme.length, 100_000);
  // Columns keep it to well under a kilobyte an event (bytes included).
  t.true(big.length < 100_000 * 250, `${big.length} characters`);
});

test('writeTimeline writes the page, creating its directories, and returns the path', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hio-timeline-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const result: SimResult = smallResult();
  const path = join(root, 'runs', 'seed-42', 'timeline.html');
  t.is(writeTimeline(result, path, { title: 'seed 42' }), path);
  t.true(existsSync(path));
  t.is(readFileSync(path, 'utf8'), timelineHtml(result, { title: 'seed 42' }));
});

test('timeline.ts re-exports the Chrome trace export', (t) => {
  t.is(chromeTrace(emptyResult()).displayTimeUnit, 'ms');
});
