/**
 * @module
 * The timeline page's own style sheet and script, as string constants that
 * `timeline.ts` inlines. The script reads the run from the
 * `<script type="application/json" id="timeline-data">` element
 * (`TimelineData` in `timeline.ts`) and draws it on one canvas, visiting
 * only what is in view: lanes by binary search on their tops, events and
 * requests by binary search on tyme, at most one mark per pixel per kind, so
 * 100k trace events draw about as fast as 1k. Everything from the run
 * reaches the DOM as text (`textContent`), never as markup.
 *
 * The script is one strict function, plain ES2020, assembled from four
 * parts that share its scope: the state here, the drawing
 * (`timeline-page-draw.ts`), the details (`timeline-page-details.ts`) and
 * the input here. Each part is a raw string and must contain no backtick, no
 * `${`, no `</script` and no `<!--`.
 */
import { PAGE_DETAILS } from './timeline-page-details.js';
import { PAGE_DRAW } from './timeline-page-draw.js';

/** The page's CSS. */
export const TIMELINE_STYLE = String.raw`
:root { --fg: #1d2430; --muted: #6b7380; --line: #dfe3e8; --panel: #f6f7f9; --ok: #3fae6a; --client: #e8a33d; --server: #d9534f;
  --error: #8e44ad; --pending: #a3abb5; --fault: #f08a24; --violation: #e02020; --heal: #1a9e77; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header { padding: 8px 12px 4px; border-bottom: 1px solid var(--line); max-height: 36vh; overflow: auto; flex: none; }
h1 { font-size: 16px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 0 0 6px; word-break: break-all; }
h3 { font-size: 12px; margin: 10px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
header p { margin: 2px 0; }
code, .t, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 9px; color: #fff; font-weight: 600; }
.badge.ok, .badge.o-success { background: var(--ok); }
.badge.failed { background: var(--violation); }
.badge.o-client-error { background: var(--client); }
.badge.o-server-error { background: var(--server); }
.badge.o-error { background: var(--error); }
.badge.o-pending { background: var(--pending); }
.counts .o-success { color: #2b8a50; } .counts .o-client-error { color: #b7791f; } .counts .o-server-error { color: var(--server); }
.counts .o-error { color: var(--error); } .counts .o-pending { color: var(--muted); }
.bad { color: var(--violation); font-weight: 600; }
.lists { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.lists details { min-width: 280px; max-width: 100%; }
.lists ul, .lists ol { margin: 4px 0; padding-left: 22px; max-height: 11em; overflow: auto; }
#violations button { all: unset; cursor: pointer; }
#violations button:hover, #violations button:focus { text-decoration: underline; outline: 1px dotted var(--muted); }
.lists table { border-collapse: collapse; } .lists td { padding: 0 8px 0 0; }
#toolbar { display: flex; align-items: center; gap: 6px 10px; padding: 4px 12px; border-bottom: 1px solid var(--line); flex-wrap: wrap; flex: none; background: var(--panel); }
#toolbar button { min-width: 28px; }
#toolbar input[type=range] { width: 110px; vertical-align: middle; }
.hint { color: var(--muted); font-size: 12px; }
.legend { font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 8px; vertical-align: -1px; border-radius: 2px; }
i.o-success { background: var(--ok); } i.o-client-error { background: var(--client); } i.o-server-error { background: var(--server); }
i.o-error { background: var(--error); } i.o-pending { background: repeating-linear-gradient(45deg, var(--pending) 0 3px, #d5dae0 3px 6px); }
i.fault { background: rgba(240, 138, 36, .45); } i.violation { background: var(--violation); width: 3px; } i.heal { background: var(--heal); width: 3px; }
main { flex: 1; display: flex; min-height: 0; }
#view { flex: 1; position: relative; min-width: 0; }
#scroller { position: absolute; inset: 0; overflow-y: auto; overflow-x: hidden; }
#canvas { position: sticky; top: 0; display: block; width: 100%; cursor: crosshair; touch-action: none; }
#canvas.dragging { cursor: grabbing; }
#hairline { position: absolute; top: 0; bottom: 0; width: 1px; background: rgba(29, 36, 48, .35); pointer-events: none; display: none; }
#tip { position: absolute; z-index: 2; max-width: 420px; padding: 4px 7px; background: rgba(29, 36, 48, .94); color: #fff; border-radius: 4px;
  font-size: 12px; white-space: pre-wrap; word-break: break-all; pointer-events: none; }
#panel { width: 400px; flex: none; overflow: auto; border-left: 1px solid var(--line); background: var(--panel); padding: 10px 12px; }
#panel table { border-collapse: collapse; width: 100%; }
#panel th { text-align: left; font-weight: 500; color: var(--muted); padding: 1px 10px 1px 0; white-space: nowrap; vertical-align: top; width: 1%; }
#panel td { padding: 1px 0; word-break: break-all; }
#panel pre { white-space: pre-wrap; word-break: break-all; background: #fff; border: 1px solid var(--line); padding: 6px; margin: 4px 0; max-height: 45vh; overflow: auto; }
#panel .nav { display: flex; gap: 6px; flex-wrap: wrap; margin: 8px 0; }
#panel ol { padding-left: 0; list-style: none; margin: 4px 0; max-height: 40vh; overflow: auto; }
#panel li button { all: unset; box-sizing: border-box; cursor: pointer; display: block; width: 100%; padding: 1px 2px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#panel li button:hover, #panel li button:focus { background: #e6ebf2; }
#panel li button.on { background: #d7e3f5; }
`;

/** The script's state: the data as typed arrays, per-lane indexes, the layout, the view, formatting and searches. */
const PAGE_STATE = String.raw`
const D = JSON.parse(document.getElementById('timeline-data').textContent);
const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const ctx = canvas.getContext('2d');
const scroller = $('scroller'), spacer = $('spacer'), panel = $('panel'), tip = $('tip'), hairline = $('hairline'), view = $('view');
const HOSTS = D.hosts, LANES = D.lanes, KINDS = D.kinds, REQ = D.requests, FAULTS = D.faults, VIOL = D.violations;
const EV = D.events, N = EV.tyme.length;
const ET = Float64Array.from(EV.tyme), EK = Int32Array.from(EV.kind), EC = Float64Array.from(EV.conn);
const textOf = (i) => (EV.text[i] < 0 ? null : EV.texts[EV.text[i]]);
const EF = Int32Array.from(EV.from), ETO = Int32Array.from(EV.to), EL = Int32Array.from(EV.lane);

// Geometry, in CSS pixels.
const LABEL_W = 200, AXIS_H = 28, FROW = 15, MAX_FROWS = 6, STRIP = 9, ROW = 16, MAX_ROWS = 8, PAD = 3;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const MONO = '11px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace';
const FAULT_ROWS = Math.min(D.faultRows, MAX_FROWS);
const PIN = AXIS_H + (FAULT_ROWS > 0 ? FAULT_ROWS * FROW + 6 : 0);
const OUTCOME_COLOUR = { success: '#3fae6a', 'client-error': '#e8a33d', 'server-error': '#d9534f', error: '#8e44ad', pending: '#a3abb5' };
const OUTCOME_EDGE = { success: '#2b8a50', 'client-error': '#b7791f', 'server-error': '#a8322e', error: '#6c3483', pending: '#7b838d' };

// Event styles: colour, shape, and which half of its strip (0 whole, 1 upper, 2 lower).
const STYLES = [
  { name: 'send', colour: '#3b7dd8', shape: 'tick', half: 1 },
  { name: 'deliver', colour: '#15a0b5', shape: 'tick', half: 2 },
  { name: 'deliver fin', colour: '#7b838d', shape: 'tick', half: 2 },
  { name: 'deliver reset', colour: '#e02020', shape: 'tick', half: 0 },
  { name: 'open', colour: '#2b8a50', shape: 'box', half: 0 },
  { name: 'fin/close', colour: '#59606b', shape: 'box', half: 0 },
  { name: 'reset', colour: '#e02020', shape: 'tall', half: 0 },
  { name: 'drop', colour: '#f08a24', shape: 'cross', half: 0 },
  { name: 'park', colour: '#d4a017', shape: 'box', half: 0 },
  { name: 'refuse', colour: '#f08a24', shape: 'box', half: 0 },
  { name: 'timeout', colour: '#8e44ad', shape: 'box', half: 0 },
  { name: 'fault', colour: '#e02020', shape: 'diamond', half: 0 },
  { name: 'listen', colour: '#1d2430', shape: 'box', half: 0 },
];
const styleOfKind = (kind, detail) => {
  switch (kind) {
    case 'send': return 0;
    case 'deliver': return detail === 'fin' ? 2 : detail === 'reset' ? 3 : 1;
    case 'connect': case 'accept': case 'connected': return 4;
    case 'fin': case 'close': return 5;
    case 'reset': return 6;
    case 'drop': return 7;
    case 'park': return 8;
    case 'refuse': return 9;
    case 'timeout': return 10;
    case 'fault': return 11;
    default: return 12;
  }
};
const ES = new Uint8Array(N);
for (let i = 0; i < N; i++) ES[i] = styleOfKind(KINDS[EK[i]], EV.detail[i]);

// The extent of the run, and the view.
let tMax = Math.max(D.tyme, D.healedAt === null ? 0 : D.healedAt);
if (N > 0) tMax = Math.max(tMax, ET[N - 1]);
const RS = new Float64Array(REQ.length), RE = new Float64Array(REQ.length);
REQ.forEach((r, i) => { RS[i] = r.start; RE[i] = r.end === null ? Math.max(D.tyme, r.start) : r.end; tMax = Math.max(tMax, RE[i]); });
FAULTS.forEach((f) => { tMax = Math.max(tMax, f.end === null ? f.tyme : f.end); });
VIOL.forEach((v) => { tMax = Math.max(tMax, v.tyme); });
const FULL = tMax > 0 ? tMax : 1;
const LO = -FULL * 0.02, HI = FULL * 1.02, MAX_SPAN = HI - LO, MIN_SPAN = Math.max(FULL * 1e-7, 1e-7);
let t0 = LO, t1 = HI;

// Per lane: its events and requests sorted by tyme.
const byTyme = (a, b) => ET[a] - ET[b] || a - b;
const laneEvents = LANES.map(() => []);
for (let i = 0; i < N; i++) laneEvents[EL[i]].push(i);
const LE = laneEvents.map((list) => { const a = Int32Array.from(list); let sorted = true; for (let i = 1; i < a.length; i++) if (ET[a[i]] < ET[a[i - 1]]) { sorted = false; break; } if (!sorted) a.sort(byTyme); return a; });
const laneReqs = LANES.map(() => []);
REQ.forEach((_, i) => laneReqs[D.requestLane[i]].push(i));
const LR = laneReqs.map((list) => list.sort((a, b) => RS[a] - RS[b] || a - b));
const LR_MAXEND = LR.map((list) => { const m = new Float64Array(list.length); let x = -Infinity; list.forEach((r, k) => { x = Math.max(x, RE[r]); m[k] = x; }); return m; });
const connsOfHost = HOSTS.map(() => 0);
LANES.forEach((lane) => { if (lane.conn !== 0) connsOfHost[lane.host]++; });
const laneText = LANES.map((lane) => (HOSTS[lane.host] + (lane.conn === 0 ? '' : ' #' + lane.conn + ' ' + (lane.peer < 0 ? '' : HOSTS[lane.peer]))).toLowerCase());
const laneOfConn = new Map();
LANES.forEach((lane, l) => { if (lane.conn !== 0) laneOfConn.set(lane.conn, l); });

// Which lanes show, and where.
const collapsed = new Set();
let filter = '';
// With many connections, by default only those with something in view get a lane.
const activeInput = $('active');
activeInput.checked = LANES.length - HOSTS.length > 100;
let activeOnly = activeInput.checked;
const busyInView = (lane) => lane.first !== null && lane.last >= t0 && lane.first <= t1;
let order = [], tops = [], heights = [], posOf = new Int32Array(LANES.length), contentH = 0;
const laneHeight = (l) => { const rows = LR[l].length > 0 ? Math.min(LANES[l].rows, MAX_ROWS) : 0; return 2 * STRIP + (rows > 0 ? rows * ROW : 6) + PAD; };
function layout() {
  order = []; tops = []; heights = []; posOf.fill(-1);
  const hostShown = HOSTS.map(() => false);
  if (filter !== '') LANES.forEach((lane, l) => { if (laneText[l].includes(filter)) hostShown[lane.host] = true; });
  let y = 0;
  LANES.forEach((lane, l) => {
    if (filter !== '' && !hostShown[lane.host]) return;
    if (lane.conn !== 0) {
      if (collapsed.has(lane.host)) return;
      if (activeOnly && !busyInView(lane) && !(selected !== null && laneOfSelection() === l)) return;
      if (filter !== '' && !laneText[l].includes(filter) && !HOSTS[lane.host].toLowerCase().includes(filter)) return;
    }
    posOf[l] = order.length; order.push(l); tops.push(y); const h = laneHeight(l); heights.push(h); y += h;
  });
  contentH = y;
  spacer.style.height = Math.max(0, PIN + contentH - H) + 'px';
}

// Canvas size.
let W = 0, H = 0, DPR = 1;
function resize() {
  W = scroller.clientWidth; H = scroller.clientHeight; DPR = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(W * DPR)); canvas.height = Math.max(1, Math.round(H * DPR));
  canvas.style.height = H + 'px';
  layout(); redraw();
}
const plotW = () => Math.max(1, W - LABEL_W);
const pps = () => plotW() / (t1 - t0);
const X = (t) => LABEL_W + (t - t0) * pps();
const T = (x) => t0 + (x - LABEL_W) / pps();

// Formatting.
const fmtT = (t) => (+t.toFixed(6)) + ' s';
const fmtDur = (d) => (d < 1 ? +(d * 1000).toFixed(3) + ' ms' : +d.toFixed(6) + ' s');
const hex2 = (n) => (n < 16 ? '0' : '') + n.toString(16);
function escapeBytes(text, lines) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) out += '\u240d';
    else if (c === 10) out += lines ? '\u240a\n' : '\u240a';
    else if (c === 9) out += '\u2409';
    else if (c === 92) out += '\\\\';
    else if (c >= 32 && c < 127) out += text[i];
    else if (c <= 255) out += '\\x' + hex2(c);
    else out += '\\u{' + c.toString(16) + '}';
  }
  return out;
}
function hexDump(text) {
  const lines = [];
  for (let at = 0; at < text.length; at += 16) {
    let hex = '', ascii = '';
    for (let i = at; i < at + 16; i++) {
      if (i < text.length) { const c = text.charCodeAt(i) & 255; hex += hex2(c) + ' '; ascii += c >= 32 && c < 127 ? text[i] : '.'; }
      else hex += '   ';
      if (i === at + 7) hex += ' ';
    }
    lines.push(at.toString(16).padStart(4, '0') + '  ' + hex + ' ' + ascii);
  }
  return lines.join('\n');
}
const reqStatus = (r) => (r.error !== null ? r.error : r.status !== null ? String(r.status) : 'pending');
const reqLabel = (i) => reqStatus(REQ[i]) + ' ' + REQ[i].method + ' ' + REQ[i].url;
const laneName = (l) => { const lane = LANES[l]; return lane.conn === 0 ? HOSTS[lane.host] : 'conn ' + lane.conn + ' ' + HOSTS[lane.host] + ' \u2192 ' + (lane.peer < 0 ? '?' : HOSTS[lane.peer]) + (lane.port > 0 ? ':' + lane.port : ''); };
const eventName = (i) => KINDS[EK[i]] + (EV.detail[i] === '' ? '' : ' ' + EV.detail[i]);
const faultName = (f) => f.kind + ' ' + f.target;

// Searches.
function lowerBound(n, key) { let lo = 0, hi = n; while (lo < hi) { const mid = (lo + hi) >> 1; if (key(mid)) hi = mid; else lo = mid + 1; } return lo; }
const firstEventAt = (l, t) => lowerBound(LE[l].length, (k) => ET[LE[l][k]] >= t);

`;

/** The view's controls, pointer, wheel and keys, and the start. */
const PAGE_INPUT = String.raw`
// The view.
function setView(a, b) {
  const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, b - a));
  let start = (a + b) / 2 - span / 2;
  start = Math.min(Math.max(start, LO), HI - span);
  t0 = start; t1 = start + span;
  if (activeOnly) layout();
  redraw();
}
function laneOfSelection() {
  const i = selected.index;
  switch (selected.type) {
    case 'event': return EL[i];
    case 'request': return D.requestLane[i];
    case 'lane': return i;
    case 'violation': return D.violationLane[i];
    default: return -1;
  }
}
function zoomAt(x, factor) {
  const at = x >= LABEL_W ? T(x) : (t0 + t1) / 2, span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, (t1 - t0) * factor));
  const a = at - (at - t0) * (span / (t1 - t0));
  setView(a, a + span);
}
function centre(t) { const span = t1 - t0; if (t < t0 + span * 0.05 || t > t1 - span * 0.05) setView(t - span / 2, t + span / 2); }
function showLane(l) {
  const lane = LANES[l];
  if (lane.conn !== 0 && collapsed.has(lane.host)) { collapsed.delete(lane.host); layout(); }
  if (posOf[l] < 0 && filter !== '') { filter = ''; $('filter').value = ''; layout(); }
  const k = posOf[l];
  if (k < 0) return;
  const top = tops[k], viewH = H - PIN;
  if (top < scroller.scrollTop || top + heights[k] > scroller.scrollTop + viewH) scroller.scrollTop = Math.max(0, top - viewH / 3);
}
const zoomInput = $('zoom'), panInput = $('pan'), rangeText = $('range');
let cursorText = '';
function updateControls() {
  zoomInput.value = String(Math.log(MAX_SPAN / (t1 - t0)) / Math.log(MAX_SPAN / MIN_SPAN));
  panInput.value = String(MAX_SPAN - (t1 - t0) > 0 ? (t0 - LO) / (MAX_SPAN - (t1 - t0)) : 0.5);
  rangeText.textContent = fmtT(Math.max(t0, 0)) + ' \u2013 ' + fmtT(t1) + ' (' + fmtDur(t1 - t0) + ')' + cursorText;
}
zoomInput.addEventListener('input', () => { const span = MAX_SPAN * Math.pow(MIN_SPAN / MAX_SPAN, +zoomInput.value), c = (t0 + t1) / 2; setView(c - span / 2, c + span / 2); });
panInput.addEventListener('input', () => { const span = t1 - t0, a = LO + (+panInput.value) * (MAX_SPAN - span); setView(a, a + span); });
$('zoom-in').addEventListener('click', () => zoomAt(-1, 1 / 2));
$('zoom-out').addEventListener('click', () => zoomAt(-1, 2));
$('fit').addEventListener('click', () => setView(LO, HI));
activeInput.addEventListener('change', () => { activeOnly = activeInput.checked; layout(); redraw(); });
$('filter').addEventListener('input', (e) => { filter = e.target.value.trim().toLowerCase(); layout(); redraw(); });
scroller.addEventListener('scroll', redraw);


// Pointer, wheel and keys.
let drag = null;
const local = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
canvas.addEventListener('pointerdown', (e) => {
  if (e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, t0, t1, top: scroller.scrollTop, moved: false };
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointermove', (e) => {
  const [x, y] = local(e);
  if (drag !== null) {
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; canvas.classList.add('dragging'); tip.hidden = true; }
    if (drag.moved) { const dt = -dx * (drag.t1 - drag.t0) / plotW(); setView(drag.t0 + dt, drag.t1 + dt); scroller.scrollTop = drag.top - dy; }
    return;
  }
  hover(x, y);
});
canvas.addEventListener('pointerup', (e) => {
  if (drag === null) return;
  const clicked = !drag.moved;
  drag = null; canvas.classList.remove('dragging');
  if (!clicked) return;
  const [x, y] = local(e), target = hit(x, y);
  if (target !== null && target.type === 'lane' && LANES[target.index].conn === 0 && connsOfHost[LANES[target.index].host] > 0 && x < 22) { toggle(LANES[target.index].host); return; }
  select(target, false);
});
canvas.addEventListener('pointerleave', () => { tip.hidden = true; hairline.style.display = 'none'; cursorText = ''; updateControls(); });
canvas.addEventListener('dblclick', (e) => {
  const [x, y] = local(e), target = hit(x, y);
  if (target !== null && target.type === 'lane' && LANES[target.index].conn === 0) { toggle(LANES[target.index].host); return; }
  if (target !== null && target.type === 'request') { const i = target.index, pad = Math.max((RE[i] - RS[i]) * 0.15, MIN_SPAN); setView(RS[i] - pad, RE[i] + pad); return; }
  zoomAt(x, 1 / 3);
});
function hover(x, y) {
  if (x >= LABEL_W) { hairline.style.display = 'block'; hairline.style.left = x + 'px'; cursorText = ' \u00b7 cursor ' + fmtT(T(x)); }
  else { hairline.style.display = 'none'; cursorText = ''; }
  updateControls();
  const target = hit(x, y);
  if (target === null) { tip.hidden = true; return; }
  tip.textContent = describe(target);
  tip.hidden = false;
  const vw = view.clientWidth, vh = view.clientHeight, tw = tip.offsetWidth, th = tip.offsetHeight;
  tip.style.left = Math.min(x + 14, vw - tw - 4) + 'px';
  tip.style.top = (y + 16 + th > vh ? Math.max(0, y - th - 8) : y + 16) + 'px';
}
scroller.addEventListener('wheel', (e) => {
  const [x, y] = local(e), scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? H : 1;
  if (e.ctrlKey || e.metaKey || e.altKey || y < PIN) { e.preventDefault(); zoomAt(x, Math.exp(e.deltaY * scale * 0.0015)); return; }
  const horizontal = e.shiftKey ? e.deltaY || e.deltaX : Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : 0;
  if (horizontal !== 0) { e.preventDefault(); const dt = horizontal * scale / pps(); setView(t0 + dt, t1 + dt); }
}, { passive: false });
document.addEventListener('keydown', (e) => {
  const tag = e.target && e.target.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
  const span = t1 - t0;
  if (e.key === '+' || e.key === '=') zoomAt(-1, 1 / 1.5);
  else if (e.key === '-' || e.key === '_') zoomAt(-1, 1.5);
  else if (e.key === '0') setView(LO, HI);
  else if (e.key === 'ArrowLeft') setView(t0 - span * 0.2, t1 - span * 0.2);
  else if (e.key === 'ArrowRight') setView(t0 + span * 0.2, t1 + span * 0.2);
  else if (e.key === 'Escape') select(null, false);
  else return;
  e.preventDefault();
});
const violationList = $('violations');
if (violationList) violationList.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-violation]');
  if (b) select({ type: 'violation', index: Number(b.dataset.violation) }, true);
});

// Resizing the canvas can show or hide the scroll bar, which resizes again: act once per frame, and only on a change.
let resizeQueued = false;
new ResizeObserver(() => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => { resizeQueued = false; if (scroller.clientWidth !== W || scroller.clientHeight !== H) resize(); });
}).observe(scroller);
resize();
// Draw once now as well: a page printed or captured before its first animation frame (headless screenshots) is not blank.
draw();
`;

/** The page's script (see the module note): one strict function over the parts above and the two fragments. */
export const TIMELINE_SCRIPT = ['(() => {', "'use strict';", PAGE_STATE, PAGE_DRAW, PAGE_DETAILS, PAGE_INPUT, '})();', ''].join('\n');
