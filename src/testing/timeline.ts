/**
 * @module
 * A run's timeline: one self-contained HTML page (no network fetches, no
 * external fonts or libraries) that draws a {@link SimResult} on a canvas —
 * a lane per host and per connection, requests as spans coloured by
 * outcome, faults shaded over the lanes they touch, violations and the heal
 * as lines — with zoom, pan and a details panel. The run is embedded once as
 * JSON ({@link TimelineData}, columns for the trace events so 100k of them
 * stay a few megabytes) and nothing from it ever reaches the page as markup:
 * the header escapes it, the script sets it as text. The Chrome trace export
 * lives in `chrome-trace.ts` and is re-exported here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SimTraceKind, type SimTraceKindName } from '../net/sim/sim-trace.js';
import type { SimResult } from './sim-result.js';
import { TIMELINE_SCRIPT, TIMELINE_STYLE } from './timeline-page.js';
import { requestOutcome, timelineModel, type RequestOutcomeName, type TimelineModel } from './timeline-model.js';

export { chromeTrace, writeChromeTrace } from './chrome-trace.js';
export type { ChromeTrace, ChromeTraceEvent } from './chrome-trace.js';

/** Options of {@link timelineHtml}. */
export interface TimelineOptions {
  /** Title of the page (default "hio sim — seed N"). */
  readonly title?: string;
}

/** The trace events as columns (same index as the result's `events`). */
export interface TimelineEventColumns {
  readonly tyme: readonly number[];
  /** Index in {@link TimelineData.kinds}. */
  readonly kind: readonly number[];
  readonly conn: readonly number[];
  /** Index in {@link TimelineData.hosts}. */
  readonly from: readonly number[];
  /** Index in {@link TimelineData.hosts}, or -1 for none (''). */
  readonly to: readonly number[];
  readonly bytes: readonly number[];
  readonly detail: readonly string[];
  readonly hash: readonly number[];
  /** The result's `eventBytes`, each as an index in `texts`, or -1 for null. */
  readonly text: readonly number[];
  /** Distinct byte texts (a delivery usually carries what its send did: stored once). */
  readonly texts: readonly string[];
  /** Index in {@link TimelineData.lanes}. */
  readonly lane: readonly number[];
}

/** What the page embeds: the whole result plus its layout. */
export interface TimelineData
  extends
    Pick<SimResult, 'seed' | 'ok' | 'digest' | 'tyme' | 'wallMs' | 'healedAt' | 'profile' | 'assertions' | 'requests' | 'faults' | 'violations'>,
    Pick<TimelineModel, 'hosts' | 'lanes' | 'requestLane' | 'requestRow' | 'faultLanes' | 'faultRow' | 'faultRows' | 'violationLane'> {
  readonly version: 1;
  readonly title: string;
  /** Trace kind names by number (SimTraceKind order). */
  readonly kinds: readonly SimTraceKindName[];
  readonly events: TimelineEventColumns;
  readonly requestOutcome: readonly RequestOutcomeName[];
}

const KINDS = Object.keys(SimTraceKind) as SimTraceKindName[];

/** The data a timeline page embeds for a run. */
export function timelineData(result: SimResult, options: TimelineOptions = {}): TimelineData {
  const model = timelineModel(result);
  const hostIndex = new Map(model.hosts.map((name, index) => [name, index]));
  const kindIndex = new Map(KINDS.map((name, index) => [name, index]));
  const events = result.events;
  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  const text = events.map((_, index) => {
    const bytes = result.eventBytes[index] ?? null;
    if (bytes === null) return -1;
    let at = textIndex.get(bytes);
    if (at === undefined) {
      at = texts.push(bytes) - 1;
      textIndex.set(bytes, at);
    }
    return at;
  });
  return {
    version: 1,
    title: options.title ?? `hio sim — seed ${result.seed}`,
    seed: result.seed,
    ok: result.ok,
    digest: result.digest,
    tyme: result.tyme,
    wallMs: result.wallMs,
    healedAt: result.healedAt,
    profile: result.profile,
    assertions: result.assertions,
    hosts: model.hosts,
    lanes: model.lanes,
    kinds: KINDS,
    events: {
      tyme: events.map((event) => event.tyme),
      kind: events.map((event) => kindIndex.get(event.kind) ?? -1),
      conn: events.map((event) => event.conn),
      from: events.map((event) => hostIndex.get(event.from)!),
      to: events.map((event) => (event.to === '' ? -1 : hostIndex.get(event.to)!)),
      bytes: events.map((event) => event.bytes),
      detail: events.map((event) => event.detail),
      hash: events.map((event) => event.hash),
      text,
      texts,
      lane: model.eventLane,
    },
    requests: result.requests,
    requestLane: model.requestLane,
    requestRow: model.requestRow,
    requestOutcome: result.requests.map(requestOutcome),
    faults: result.faults,
    faultLanes: model.faultLanes,
    faultRow: model.faultRow,
    faultRows: model.faultRows,
    violations: result.violations,
    violationLane: model.violationLane,
  };
}

/**
 * JSON that is inert inside a `<script>` element: `<`, `>` and `&` (so no
 * `</script` or `<!--` can appear) and the two JavaScript line separators
 * are written as \u escapes, which JSON.parse reads back unchanged.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** Seconds with up to six decimals, trailing zeros dropped. */
function seconds(tyme: number): string {
  return `${Number(tyme.toFixed(6))} s`;
}

/** Violations listed in the header; the rest are markers only (a page never holds thousands of list items). */
const MAX_LISTED_VIOLATIONS = 500;

/** The header: the run's verdict, counts, profile, violations and assertions, every value escaped. */
function header(data: TimelineData, result: SimResult): string {
  const outcomes = new Map<RequestOutcomeName, number>();
  for (const outcome of data.requestOutcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  const count = (outcome: RequestOutcomeName, label: string): string => `<span class="o-${outcome}">${outcomes.get(outcome) ?? 0} ${label}</span>`;
  const reached = result.faults.filter((fault) => fault.reached).length;
  const conns = data.lanes.filter((lane) => lane.conn !== 0).length;
  const listed = result.violations
    .slice(0, MAX_LISTED_VIOLATIONS)
    .map(
      (violation, index) =>
        `<li><button type="button" data-violation="${index}"><span class="t">${escapeHtml(seconds(violation.tyme))}</span> ` +
        `<b>${escapeHtml(violation.invariant)}</b>${violation.conn === undefined ? '' : ` <span class="t">conn ${violation.conn}</span>`} ` +
        `${escapeHtml(violation.message)}</button></li>`,
    );
  const more = result.violations.length - listed.length;
  const assertions = result.assertions.map(
    (assertion) =>
      `<tr><td>${escapeHtml(assertion.kind)}</td><td>${escapeHtml(assertion.name)}</td><td>${assertion.passes} / ${assertion.evaluations}</td></tr>`,
  );
  return [
    `<header>`,
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p class="summary"><span class="badge ${result.ok ? 'ok' : 'failed'}">${result.ok ? 'ok' : 'FAILED'}</span>`,
    ` seed <b>${result.seed}</b> · digest <code>${escapeHtml(result.digest)}</code> · <b>${escapeHtml(seconds(result.tyme))}</b> virtual`,
    ` (${Math.round(result.wallMs)} ms wall)`,
    result.healedAt === null ? '' : ` · heal at <b>${escapeHtml(seconds(result.healedAt))}</b>`,
    `</p>`,
    `<p class="counts">${result.requests.length} requests: ${count('success', '2xx/3xx')} · ${count('client-error', '4xx')} · `,
    `${count('server-error', '5xx')} · ${count('error', 'errors')} · ${count('pending', 'pending')}`,
    ` — ${result.faults.length} faults (${reached} reached) — <span class="${result.violations.length > 0 ? 'bad' : ''}">${result.violations.length} violations</span>`,
    ` — ${result.events.length} trace events · ${data.hosts.length} hosts · ${conns} connections</p>`,
    `<div class="lists">`,
    `<details${result.violations.length > 0 ? ' open' : ''}><summary>Violations (${result.violations.length})</summary>`,
    `<ol id="violations">${listed.join('')}</ol>${more > 0 ? `<p>… and ${more} more (red markers on the timeline)</p>` : ''}</details>`,
    `<details><summary>Profile (${result.profile.length} lines)</summary><ul>${result.profile.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul></details>`,
    result.assertions.length === 0 ? '' : `<details><summary>Assertions (${result.assertions.length})</summary><table>${assertions.join('')}</table></details>`,
    `</div>`,
    `</header>`,
  ].join('');
}

const TOOLBAR = [
  `<div id="toolbar">`,
  `<button type="button" id="zoom-out" title="Zoom out (-)">−</button>`,
  `<button type="button" id="zoom-in" title="Zoom in (+)">+</button>`,
  `<button type="button" id="fit" title="Whole run (0)">fit</button>`,
  `<label>zoom <input type="range" id="zoom" min="0" max="1" step="any" value="0"></label>`,
  `<label>pan <input type="range" id="pan" min="0" max="1" step="any" value="0.5"></label>`,
  `<span id="range" class="t"></span>`,
  `<label>lanes <input type="search" id="filter" placeholder="host or conn" size="14"></label>`,
  `<label title="Hide connections with nothing in the visible time range"><input type="checkbox" id="active"> busy in view only</label>`,
  `<span class="hint">ctrl+wheel or wheel over the axis: zoom · drag, shift+wheel: pan · click: details</span>`,
  `<span class="legend"><i class="o-success"></i>2xx/3xx <i class="o-client-error"></i>4xx <i class="o-server-error"></i>5xx `,
  `<i class="o-error"></i>error <i class="o-pending"></i>pending <i class="fault"></i>fault <i class="violation"></i>violation <i class="heal"></i>heal</span>`,
  `</div>`,
].join('');

/**
 * The run as one self-contained HTML page (see the module note). A Content
 * Security Policy lets only the page's own script run (by its hash) and
 * forbids every fetch, as a second fence behind the escaping.
 */
export function timelineHtml(result: SimResult, options: TimelineOptions = {}): string {
  const data = timelineData(result, options);
  const scriptHash = createHash('sha256').update(TIMELINE_SCRIPT).digest('base64');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
  return [
    `<!doctype html>`,
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<link rel="icon" href="data:,">`,
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${TIMELINE_STYLE}</style>`,
    `</head><body>`,
    header(data, result),
    TOOLBAR,
    `<main><div id="view"><div id="scroller"><canvas id="canvas"></canvas><div id="spacer"></div></div>`,
    `<div id="hairline"></div><div id="tip" hidden></div></div>`,
    `<aside id="panel"><p class="hint">Click a request, trace event, fault or violation for its details.</p></aside></main>`,
    `<script type="application/json" id="timeline-data">${scriptJson(data)}</script>`,
    `<script>${TIMELINE_SCRIPT}</script>`,
    `</body></html>`,
    ``,
  ].join('\n');
}

/** Writes {@link timelineHtml} of a run to `path` (creating its directories); returns `path`. */
export function writeTimeline(result: SimResult, path: string, options: TimelineOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, timelineHtml(result, options), 'utf8');
  return path;
}
