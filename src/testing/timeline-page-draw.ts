/**
 * @module
 * The timeline page script's drawing: one frame of the canvas — lane
 * backgrounds, fault bands, connection lifetimes, requests, trace events
 * (at most one mark per pixel per style and strip), violation and heal
 * lines, the selection, the lane labels, and the pinned axis and fault
 * rows. A fragment of the script `timeline-page.ts` assembles: it shares
 * that script's scope (the data, the layout, the view and `selected`) and
 * must contain no backtick, no `${`, no `</script` and no `<!--`.
 */
export const PAGE_DRAW = String.raw`
// Drawing.
let hatch = null;
function pattern(colour) {
  const c = document.createElement('canvas'); c.width = 6; c.height = 6;
  const g = c.getContext('2d'); g.fillStyle = '#e3e7ec'; g.fillRect(0, 0, 6, 6);
  g.strokeStyle = colour; g.lineWidth = 2; g.beginPath(); g.moveTo(-1, 7); g.lineTo(7, -1); g.moveTo(5, 7); g.lineTo(7, 5); g.moveTo(-1, 1); g.lineTo(1, -1); g.stroke();
  return ctx.createPattern(c, 'repeat');
}
let selected = null, drawQueued = false;
function redraw() { if (!drawQueued) { drawQueued = true; requestAnimationFrame(draw); } }
function ticks() {
  const raw = 90 / pps(), pow = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / pow;
  const step = pow * (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out = [];
  for (let k = Math.ceil(t0 / step); k * step <= t1 && out.length < 400; k++) out.push({ t: k * step, label: (k * step).toFixed(Math.min(decimals, 12)) });
  return out;
}
function visibleRange(sTop) {
  const top = sTop, bottom = sTop + H - PIN;
  const from = Math.max(0, lowerBound(order.length, (k) => tops[k] + heights[k] > top));
  let to = from; while (to < order.length && tops[to] < bottom) to++;
  return [from, to];
}
const laneY = (k, sTop) => PIN + tops[k] - sTop;

function draw() {
  drawQueued = false;
  if (hatch === null) hatch = { pending: pattern('#a3abb5'), fault: pattern('rgba(240,138,36,.55)') };
  ctx.setTransform(DPR, 0, 0, DPR, 0, 0);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  const sTop = scroller.scrollTop;
  const [from, to] = visibleRange(sTop);
  const tk = ticks();

  ctx.save(); ctx.beginPath(); ctx.rect(0, PIN, W, H - PIN); ctx.clip();
  for (let k = from; k < to; k++) {
    const l = order[k], y = laneY(k, sTop), lane = LANES[l];
    ctx.fillStyle = lane.conn === 0 ? '#eef1f5' : k % 2 ? '#fbfbfc' : '#fff';
    ctx.fillRect(0, y, W, heights[k]);
    ctx.fillStyle = '#e8ebef'; ctx.fillRect(0, y + heights[k] - 1, W, 1);
  }
  ctx.fillStyle = '#edf0f3';
  for (const tick of tk) ctx.fillRect(Math.round(X(tick.t)), PIN, 1, H - PIN);
  if (LO < 0) { ctx.fillStyle = 'rgba(0,0,0,.04)'; ctx.fillRect(LABEL_W, PIN, Math.max(0, X(0) - LABEL_W), H - PIN); const xe = X(D.tyme); ctx.fillRect(xe, PIN, Math.max(0, W - xe), H - PIN); }
  drawFaultBands(from, to, sTop);
  for (let k = from; k < to; k++) { drawLifetime(order[k], laneY(k, sTop)); drawRequests(order[k], laneY(k, sTop)); drawEvents(order[k], laneY(k, sTop)); }
  drawLines(from, to, sTop);
  drawSelection(sTop);
  drawLabels(from, to, sTop);
  ctx.restore();
  drawPinned(tk);
  updateControls();
}

function drawLifetime(l, y) {
  const lane = LANES[l];
  if (lane.conn === 0 || lane.first === null) return;
  const x0 = Math.max(LABEL_W, X(lane.first)), x1 = Math.min(W, X(lane.last));
  if (x1 < x0) return;
  ctx.fillStyle = '#cfd5dd';
  ctx.fillRect(x0, y + laneHeight(l) / 2 - 1, Math.max(1, x1 - x0), 2);
}

function drawRequests(l, y) {
  const list = LR[l];
  if (list.length === 0) return;
  const maxEnd = LR_MAXEND[l];
  const lastPx = new Float64Array(MAX_ROWS).fill(-1);
  ctx.font = FONT; ctx.textBaseline = 'middle';
  for (let k = lowerBound(list.length, (j) => maxEnd[j] >= t0); k < list.length; k++) {
    const i = list[k];
    if (RS[i] > t1) break;
    if (RE[i] < t0) continue;
    const row = D.requestRow[i] % MAX_ROWS;
    let x0 = X(RS[i]), x1 = X(RE[i]);
    if (x1 - x0 < 2) { if (Math.floor(x0) === lastPx[row]) continue; lastPx[row] = Math.floor(x0); x1 = x0 + 2; }
    x0 = Math.max(x0, LABEL_W - 2); x1 = Math.min(x1, W + 2);
    const ry = y + STRIP + row * ROW + 1, h = ROW - 3, outcome = D.requestOutcome[i];
    ctx.fillStyle = outcome === 'pending' ? hatch.pending : OUTCOME_COLOUR[outcome];
    ctx.fillRect(x0, ry, x1 - x0, h);
    if (x1 - x0 > 4) { ctx.strokeStyle = OUTCOME_EDGE[outcome]; ctx.lineWidth = 1; ctx.strokeRect(x0 + 0.5, ry + 0.5, x1 - x0 - 1, h - 1); }
    if (x1 - x0 > 28) {
      ctx.save(); ctx.beginPath(); ctx.rect(x0 + 2, ry, x1 - x0 - 4, h); ctx.clip();
      ctx.fillStyle = outcome === 'pending' ? '#1d2430' : '#fff';
      ctx.fillText(reqLabel(i), Math.max(x0, LABEL_W) + 4, ry + h / 2 + 0.5);
      ctx.restore();
    }
  }
}

const buckets = STYLES.map(() => [[], []]);
function drawEvents(l, y) {
  const list = LE[l];
  if (list.length === 0) return;
  const lane = LANES[l], h = laneHeight(l), margin = 6 / pps();
  const last = new Float64Array(STYLES.length * 2).fill(-1);
  for (const b of buckets) { b[0].length = 0; b[1].length = 0; }
  for (let k = firstEventAt(l, t0 - margin); k < list.length; k++) {
    const i = list[k];
    if (ET[i] > t1 + margin) break;
    const x = Math.round(X(ET[i])), strip = EF[i] === lane.host ? 0 : 1, s = ES[i], key = s * 2 + strip;
    if (last[key] === x) continue;
    last[key] = x;
    buckets[s][strip].push(x);
  }
  for (let s = 0; s < STYLES.length; s++) {
    const st = STYLES[s];
    for (let strip = 0; strip < 2; strip++) {
      const xs = buckets[s][strip];
      if (xs.length === 0) continue;
      const sy = strip === 0 ? y + 1 : y + h - PAD - STRIP;
      const top = st.half === 2 ? sy + STRIP / 2 : sy, height = st.half === 0 ? STRIP - 1 : STRIP / 2 - 0.5;
      ctx.fillStyle = st.colour; ctx.strokeStyle = st.colour; ctx.beginPath();
      for (const x of xs) {
        if (st.shape === 'tick') ctx.rect(x - 0.5, top, 1.5, height);
        else if (st.shape === 'box') ctx.rect(x - 2.5, sy + 1.5, 5, 5);
        else if (st.shape === 'tall') ctx.rect(x - 1, y + 1, 2, h - PAD - 1);
        else if (st.shape === 'diamond') { ctx.moveTo(x, sy); ctx.lineTo(x + 4, sy + 4); ctx.lineTo(x, sy + 8); ctx.lineTo(x - 4, sy + 4); ctx.closePath(); }
      }
      if (st.shape === 'cross') {
        ctx.lineWidth = 1.5;
        for (const x of xs) { ctx.moveTo(x - 3, sy + 1); ctx.lineTo(x + 3, sy + 7); ctx.moveTo(x + 3, sy + 1); ctx.lineTo(x - 3, sy + 7); }
        ctx.stroke();
      } else ctx.fill();
    }
  }
}

function drawFaultBands(from, to, sTop) {
  FAULTS.forEach((f, i) => {
    const end = f.end === null ? f.tyme : f.end;
    if (end < t0 || f.tyme > t1) return;
    const x0 = Math.max(LABEL_W, X(f.tyme)), x1 = Math.min(W, X(end)), lanes = D.faultLanes[i];
    const instant = f.end === null, strong = selected !== null && selected.type === 'fault' && selected.index === i;
    const paint = (y, h) => {
      if (instant) { ctx.fillStyle = strong ? 'rgba(224,32,32,.8)' : 'rgba(240,138,36,.75)'; ctx.fillRect(X(f.tyme) - 1, y, 2, h); }
      else { ctx.fillStyle = strong ? 'rgba(240,138,36,.34)' : f.reached ? 'rgba(240,138,36,.16)' : 'rgba(240,138,36,.08)'; ctx.fillRect(x0, y, Math.max(1, x1 - x0), h); }
    };
    if (lanes.length === 0) { paint(PIN, H - PIN); return; }
    for (const l of lanes) { const k = posOf[l]; if (k >= from && k < to) paint(laneY(k, sTop), heights[k] - 1); }
  });
}

function drawLines(from, to, sTop) {
  if (D.healedAt !== null && D.healedAt >= t0 && D.healedAt <= t1) {
    ctx.strokeStyle = '#1a9e77'; ctx.lineWidth = 1.5; ctx.setLineDash([5, 3]);
    ctx.beginPath(); ctx.moveTo(X(D.healedAt), PIN); ctx.lineTo(X(D.healedAt), H); ctx.stroke(); ctx.setLineDash([]);
  }
  VIOL.forEach((v, i) => {
    if (v.tyme < t0 || v.tyme > t1) return;
    const x = X(v.tyme), strong = selected !== null && selected.type === 'violation' && selected.index === i;
    ctx.fillStyle = strong ? 'rgba(224,32,32,.9)' : 'rgba(224,32,32,.35)';
    ctx.fillRect(x - (strong ? 1 : 0.5), PIN, strong ? 2 : 1, H - PIN);
    const l = D.violationLane[i], k = l >= 0 ? posOf[l] : -1;
    if (k >= from && k < to) { ctx.fillStyle = '#e02020'; ctx.fillRect(x - 1.5, laneY(k, sTop), 3, heights[k] - 1); }
  });
}

function drawSelection(sTop) {
  if (selected === null) return;
  ctx.strokeStyle = '#1d2430'; ctx.lineWidth = 2;
  if (selected.type === 'event') {
    const i = selected.index, k = posOf[EL[i]];
    if (k < 0) return;
    const y = laneY(k, sTop), lane = LANES[EL[i]], strip = EF[i] === lane.host ? 0 : 1;
    const cy = strip === 0 ? y + 1 + STRIP / 2 : y + heights[k] - PAD - STRIP / 2;
    ctx.beginPath(); ctx.arc(X(ET[i]), cy, 6, 0, 2 * Math.PI); ctx.stroke();
  } else if (selected.type === 'request') {
    const i = selected.index, k = posOf[D.requestLane[i]];
    if (k < 0) return;
    const ry = laneY(k, sTop) + STRIP + (D.requestRow[i] % MAX_ROWS) * ROW;
    ctx.strokeRect(X(RS[i]) - 1, ry, Math.max(2, X(RE[i]) - X(RS[i])) + 2, ROW - 1);
  } else if (selected.type === 'lane') {
    const k = posOf[selected.index];
    if (k >= 0) ctx.strokeRect(1, laneY(k, sTop) + 1, W - 2, heights[k] - 3);
  }
}

function ellipsis(text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + '\u2026').width <= width) lo = mid; else hi = mid - 1; }
  return text.slice(0, lo) + '\u2026';
}

function drawLabels(from, to, sTop) {
  ctx.fillStyle = '#f6f7f9'; ctx.fillRect(0, PIN, LABEL_W, H - PIN);
  ctx.textBaseline = 'middle';
  for (let k = from; k < to; k++) {
    const l = order[k], lane = LANES[l], y = laneY(k, sTop), h = heights[k];
    if (lane.conn === 0) {
      ctx.fillStyle = '#e6eaf0'; ctx.fillRect(0, y, LABEL_W, h); ctx.font = 'bold ' + FONT; ctx.fillStyle = '#1d2430';
      const n = connsOfHost[lane.host];
      const mark = n === 0 ? '  ' : collapsed.has(lane.host) ? '\u25b8 ' : '\u25be ';
      ctx.fillText(ellipsis(mark + HOSTS[lane.host] + (n > 0 ? '  (' + n + ')' : ''), LABEL_W - 12), 6, y + h / 2);
    } else {
      ctx.font = MONO; ctx.fillStyle = '#1d2430';
      const peer = lane.peer < 0 ? '?' : HOSTS[lane.peer];
      ctx.fillText(ellipsis('#' + lane.conn + ' \u2192 ' + peer + (lane.port > 0 ? ':' + lane.port : ''), LABEL_W - 26), 18, y + h / 2);
    }
    ctx.fillStyle = '#dfe3e8'; ctx.fillRect(0, y + h - 1, LABEL_W, 1);
  }
  ctx.fillStyle = '#cfd5dd'; ctx.fillRect(LABEL_W - 1, PIN, 1, H - PIN);
  if (order.length === 0) { ctx.font = FONT; ctx.fillStyle = '#6b7380'; ctx.fillText(N + REQ.length === 0 ? 'Nothing to draw: no trace events or requests.' : 'No lane matches the filter.', LABEL_W + 12, PIN + 16); }
}

function drawPinned(tk) {
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, PIN);
  ctx.fillStyle = '#cfd5dd'; ctx.fillRect(0, PIN - 1, W, 1); ctx.fillRect(LABEL_W - 1, 0, 1, PIN);
  ctx.font = FONT; ctx.textBaseline = 'middle'; ctx.fillStyle = '#1d2430';
  ctx.save(); ctx.beginPath(); ctx.rect(LABEL_W, 0, W - LABEL_W, PIN); ctx.clip();
  for (const tick of tk) {
    const x = Math.round(X(tick.t)); ctx.fillStyle = '#9aa3ad'; ctx.fillRect(x, AXIS_H - 8, 1, 8);
    ctx.fillStyle = '#1d2430'; ctx.fillText(tick.label, x + 3, AXIS_H - 15);
  }
  ctx.fillStyle = '#9aa3ad'; ctx.fillRect(LABEL_W, AXIS_H - 1, W, 1);
  // Faults: one bar (or diamond, for an instant one) per fault in its row, labelled where there is room.
  const labelEnd = new Float64Array(MAX_FROWS).fill(-Infinity);
  FAULTS.forEach((f, i) => {
    const end = f.end === null ? f.tyme : f.end;
    if (end < t0 - 200 / pps() || f.tyme > t1) return;
    const row = D.faultRow[i] % MAX_FROWS, y = AXIS_H + 3 + row * FROW, x0 = X(f.tyme), x1 = X(end);
    const strong = selected !== null && selected.type === 'fault' && selected.index === i;
    if (f.end === null) {
      ctx.fillStyle = '#f08a24'; ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x0 + 5, y + 6); ctx.lineTo(x0, y + 12); ctx.lineTo(x0 - 5, y + 6); ctx.closePath(); ctx.fill();
      if (strong) { ctx.strokeStyle = '#1d2430'; ctx.lineWidth = 2; ctx.stroke(); }
    } else {
      ctx.fillStyle = f.reached ? 'rgba(240,138,36,.75)' : hatch.fault; ctx.fillRect(x0, y, Math.max(2, x1 - x0), FROW - 3);
      if (strong) { ctx.strokeStyle = '#1d2430'; ctx.lineWidth = 2; ctx.strokeRect(x0, y, Math.max(2, x1 - x0), FROW - 3); }
    }
    const text = faultName(f), tx = f.end === null ? x0 + 8 : Math.max(x0, LABEL_W) + 4, room = f.end === null ? 220 : Math.max(x1 - tx - 2, 0);
    if (tx > labelEnd[row] && room > 24) {
      const shown = ellipsis(text, room); ctx.fillStyle = '#1d2430'; ctx.fillText(shown, tx, y + 6.5);
      labelEnd[row] = tx + ctx.measureText(shown).width + 6;
    }
  });
  // Violations as red triangles on the axis; the heal as a green flag.
  VIOL.forEach((v) => {
    if (v.tyme < t0 || v.tyme > t1) return;
    const x = X(v.tyme); ctx.fillStyle = '#e02020'; ctx.beginPath(); ctx.moveTo(x - 5, AXIS_H - 9); ctx.lineTo(x + 5, AXIS_H - 9); ctx.lineTo(x, AXIS_H - 1); ctx.closePath(); ctx.fill();
  });
  if (D.healedAt !== null && D.healedAt >= t0 && D.healedAt <= t1) {
    const x = X(D.healedAt); ctx.fillStyle = '#1a9e77'; ctx.fillRect(x - 1, 2, 2, PIN - 2); ctx.font = 'bold ' + FONT;
    const w = ctx.measureText('heal').width; ctx.fillStyle = '#fff'; ctx.fillRect(x + 2, 1, w + 5, 13); ctx.fillStyle = '#1a9e77'; ctx.fillText('heal', x + 4, 8);
  }
  ctx.restore();
  ctx.font = 'bold ' + FONT; ctx.fillStyle = '#1d2430'; ctx.textBaseline = 'middle';
  ctx.fillText('virtual seconds', 8, AXIS_H / 2);
  if (FAULT_ROWS > 0) { ctx.fillStyle = '#b35f0c'; ctx.fillText('faults (' + FAULTS.length + ')', 8, AXIS_H + (PIN - AXIS_H) / 2); }
}

`;
