/**
 * @module
 * The timeline page script's details: what is under a point of the canvas
 * (an event within a few pixels, a request, a violation or fault line, a
 * fault bar, a lane label), its tooltip text, and the side panel that shows
 * the selection — built with `textContent` only, so nothing from the run is
 * ever parsed as markup. A fragment of the script `timeline-page.ts`
 * assembles, sharing its scope; it must contain no backtick, no `${`, no
 * `</script` and no `<!--`.
 */
export const PAGE_DETAILS = String.raw`
// Hit testing: what is under a point of the canvas.
function nearestEvent(l, x, strip) {
  const t = T(x), tol = 5 / pps(), list = LE[l], lane = LANES[l];
  let best = -1, bestD = Infinity;
  for (let k = firstEventAt(l, t - tol); k < list.length && ET[list[k]] <= t + tol; k++) {
    const i = list[k];
    if (strip >= 0 && (EF[i] === lane.host ? 0 : 1) !== strip) continue;
    const d = Math.abs(ET[i] - t);
    if (d < bestD || (d === bestD && ES[i] >= 3 && ES[i] !== 4)) { best = i; bestD = d; }
  }
  return best;
}
function requestAt(l, x, ly) {
  const row = Math.floor((ly - STRIP) / ROW), list = LR[l], t = T(x), tol = 2 / pps();
  if (row < 0 || row >= MAX_ROWS) return -1;
  for (let k = lowerBound(list.length, (j) => LR_MAXEND[l][j] >= t - tol); k < list.length && RS[list[k]] <= t + tol; k++) {
    const i = list[k];
    if (D.requestRow[i] % MAX_ROWS === row && RE[i] >= t - tol) return i;
  }
  return -1;
}
function hit(x, y) {
  if (y < AXIS_H) {
    if (x < LABEL_W) return null;
    let best = null, bestD = 6;
    VIOL.forEach((v, i) => { const d = Math.abs(X(v.tyme) - x); if (d < bestD) { best = { type: 'violation', index: i }; bestD = d; } });
    return best;
  }
  if (y < PIN) {
    if (x < LABEL_W) return null;
    const row = Math.floor((y - AXIS_H - 3) / FROW);
    let best = null, bestD = 6;
    FAULTS.forEach((f, i) => {
      if (D.faultRow[i] % MAX_FROWS !== row) return;
      const x0 = X(f.tyme), x1 = X(f.end === null ? f.tyme : f.end), d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      if (d < bestD) { best = { type: 'fault', index: i }; bestD = d; }
    });
    return best;
  }
  const sTop = scroller.scrollTop, cy = y - PIN + sTop;
  const k = lowerBound(order.length, (j) => tops[j] + heights[j] > cy);
  if (k >= order.length || tops[k] > cy) return null;
  const l = order[k], ly = cy - tops[k], h = heights[k];
  if (x < LABEL_W) return { type: 'lane', index: l };
  const strip = ly < STRIP + 1 ? 0 : ly >= h - PAD - STRIP ? 1 : -1;
  let i = strip >= 0 ? nearestEvent(l, x, strip) : -1;
  if (i >= 0) return { type: 'event', index: i };
  i = requestAt(l, x, ly);
  if (i >= 0) return { type: 'request', index: i };
  i = nearestEvent(l, x, -1);
  if (i >= 0) return { type: 'event', index: i };
  for (let v = 0; v < VIOL.length; v++) if (Math.abs(X(VIOL[v].tyme) - x) < 3) return { type: 'violation', index: v };
  for (let f = FAULTS.length - 1; f >= 0; f--) {
    const fault = FAULTS[f], lanes = D.faultLanes[f], x0 = X(fault.tyme), x1 = X(fault.end === null ? fault.tyme : fault.end);
    if (x >= x0 - 3 && x <= x1 + 3 && (lanes.length === 0 || lanes.includes(l))) return { type: 'fault', index: f };
  }
  return null;
}
function describe(target) {
  const i = target.index;
  switch (target.type) {
    case 'event': {
      const text = textOf(i);
      return eventName(i) + '  ' + fmtT(ET[i]) + '\n' + HOSTS[EF[i]] + (ETO[i] < 0 ? '' : ' \u2192 ' + HOSTS[ETO[i]]) + (EC[i] ? '  conn ' + EC[i] : '') + (EV.bytes[i] ? '  ' + EV.bytes[i] + ' B' : '') + (text ? '\n' + escapeBytes(text.slice(0, 120), false) : '');
    }
    case 'request': {
      const r = REQ[i];
      return reqLabel(i) + '\n' + r.client + '  ' + fmtT(r.start) + ' \u2192 ' + (r.end === null ? 'pending' : fmtT(r.end) + '  (' + fmtDur(r.end - r.start) + ')') + (r.conn ? '  conn ' + r.conn : '');
    }
    case 'fault': { const f = FAULTS[i]; return faultName(f) + '\n' + fmtT(f.tyme) + (f.end === null ? ' (instant)' : ' \u2192 ' + fmtT(f.end)) + (f.reached ? '' : '  (reached nothing)'); }
    case 'violation': { const v = VIOL[i]; return v.invariant + '  ' + fmtT(v.tyme) + '\n' + v.message; }
    case 'lane': return laneName(i) + '\n' + LE[i].length + ' events, ' + LR[i].length + ' requests';
    default: return '';
  }
}

// The details panel, built from text nodes only.
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
function table(rows) {
  const t = el('table');
  for (const [key, value] of rows) { if (value === undefined) continue; const tr = el('tr'); tr.append(el('th', key), el('td', value)); t.append(tr); }
  return t;
}
function button(text, action) { const b = el('button', text); b.type = 'button'; b.addEventListener('click', action); return b; }
function listOf(items, label, activeIndex) {
  const ol = el('ol');
  for (const item of items) {
    const b = button(label(item), () => select(item.target, true));
    if (item.target.index === activeIndex && item.target.type === 'event') b.className = 'on';
    const li = el('li'); li.append(b); ol.append(li);
  }
  return ol;
}
function eventsOn(l, a, b, cap) {
  const out = [], list = LE[l];
  for (let k = firstEventAt(l, a); k < list.length && ET[list[k]] <= b && out.length < cap; k++) out.push({ target: { type: 'event', index: list[k] } });
  return out;
}
const eventLine = (item) => { const i = item.target.index; return fmtT(ET[i]).padEnd(13) + eventName(i).padEnd(14) + HOSTS[EF[i]] + (EV.bytes[i] && KINDS[EK[i]] !== 'connect' && KINDS[EK[i]] !== 'accept' ? '  ' + EV.bytes[i] + ' B' : ''); };
const CAP = 300;
function renderPanel() {
  panel.replaceChildren();
  if (selected === null) { panel.append(el('p', 'Click a request, trace event, fault or violation for its details.', 'hint')); return; }
  const i = selected.index;
  if (selected.type === 'event') {
    const l = EL[i], list = LE[l], at = list.indexOf(i);
    panel.append(el('h2', 'Trace event #' + i + ': ' + eventName(i)));
    panel.append(table([
      ['tyme', fmtT(ET[i])], ['kind', KINDS[EK[i]]], ['conn', EC[i] ? EC[i] : undefined], ['from', HOSTS[EF[i]]], ['to', ETO[i] < 0 ? '' : HOSTS[ETO[i]]],
      [KINDS[EK[i]] === 'connect' || KINDS[EK[i]] === 'accept' || KINDS[EK[i]] === 'listen' ? 'port' : 'bytes', EV.bytes[i]],
      ['detail', EV.detail[i] === '' ? undefined : EV.detail[i]], ['hash', EV.hash[i] ? (EV.hash[i] >>> 0).toString(16).padStart(8, '0') : undefined], ['lane', laneName(l)],
    ]));
    const nav = el('div', null, 'nav');
    nav.append(button('\u25c0 previous on lane', () => { if (at > 0) select({ type: 'event', index: list[at - 1] }, true); }));
    nav.append(button('next on lane \u25b6', () => { if (at + 1 < list.length) select({ type: 'event', index: list[at + 1] }, true); }));
    panel.append(nav);
    const text = textOf(i);
    if (text !== null) {
      panel.append(el('h3', text.length < EV.bytes[i] ? 'bytes (first ' + text.length + ' of ' + EV.bytes[i] + ')' : 'bytes (' + text.length + ')'));
      const pre = el('pre', escapeBytes(text, true));
      let hex = false;
      panel.append(button('hex / text', () => { hex = !hex; pre.textContent = hex ? hexDump(text) : escapeBytes(text, true); }), pre);
    }
    const reqs = LR[l].filter((r) => RS[r] <= ET[i] && RE[r] >= ET[i]).slice(0, 20);
    if (reqs.length > 0) { panel.append(el('h3', 'requests on this lane at this tyme')); panel.append(listOf(reqs.map((r) => ({ target: { type: 'request', index: r } })), (item) => reqLabel(item.target.index))); }
    return;
  }
  if (selected.type === 'request') {
    const r = REQ[i], outcome = D.requestOutcome[i], l = D.requestLane[i];
    const h = el('h2'); h.append(el('span', reqStatus(r), 'badge o-' + outcome), document.createTextNode(' ' + r.method + ' ' + r.url)); panel.append(h);
    panel.append(table([
      ['request', '#' + r.id], ['client', r.client], ['method', r.method], ['url', r.url], ['start', fmtT(r.start)],
      ['end', r.end === null ? 'pending (run ended at ' + fmtT(D.tyme) + ')' : fmtT(r.end)], ['latency', r.end === null ? undefined : fmtDur(r.end - r.start)],
      ['status', r.status === null ? undefined : r.status], ['error', r.error === null ? undefined : r.error], ['outcome', outcome], ['body bytes', r.bytes],
      ['conn', r.conn ? r.conn : 'unknown'], ['lane', laneName(l)],
    ]));
    const nav = el('div', null, 'nav');
    nav.append(button('zoom to request', () => { const pad = Math.max((RE[i] - RS[i]) * 0.15, MIN_SPAN); setView(RS[i] - pad, RE[i] + pad); }));
    panel.append(nav);
    if (LANES[l].conn !== 0) {
      const items = eventsOn(l, RS[i], RE[i], CAP);
      panel.append(el('h3', 'trace events on conn ' + LANES[l].conn + ' during the request' + (items.length === CAP ? ' (first ' + CAP + ')' : '')));
      panel.append(listOf(items, eventLine));
    }
    return;
  }
  if (selected.type === 'fault') {
    const f = FAULTS[i], lanes = D.faultLanes[i];
    panel.append(el('h2', 'Fault: ' + faultName(f)));
    panel.append(table([
      ['kind', f.kind], ['target', f.target], ['tyme', fmtT(f.tyme)], ['end', f.end === null ? 'instant' : fmtT(f.end)], ['lasted', f.end === null ? undefined : fmtDur(f.end - f.tyme)],
      ['reached', f.reached ? 'yes: touched an open connection or a connect' : 'no'], ['lanes', lanes.length === 0 ? 'all (target names no known host or conn)' : lanes.length],
    ]));
    if (lanes.length > 0) { const ul = el('ul'); for (const l of lanes.slice(0, 60)) ul.append(el('li', laneName(l))); if (lanes.length > 60) ul.append(el('li', '\u2026 ' + (lanes.length - 60) + ' more')); panel.append(ul); }
    return;
  }
  if (selected.type === 'violation') {
    const v = VIOL[i];
    panel.append(el('h2', 'Violation: ' + v.invariant));
    panel.append(table([['invariant', v.invariant], ['tyme', fmtT(v.tyme)], ['conn', v.conn === undefined ? undefined : v.conn]]));
    panel.append(el('h3', 'message'), el('pre', v.message));
    const l = D.violationLane[i];
    if (l >= 0) { panel.append(el('h3', 'trace events on conn ' + LANES[l].conn + ' up to the violation (last 40)')); const items = []; const list = LE[l]; for (let k = firstEventAt(l, v.tyme + 1e-12) - 1; k >= 0 && items.length < 40; k--) items.unshift({ target: { type: 'event', index: list[k] } }); panel.append(listOf(items, eventLine)); }
    return;
  }
  if (selected.type === 'lane') {
    const lane = LANES[i];
    panel.append(el('h2', laneName(i)));
    panel.append(table([
      ['host', HOSTS[lane.host]], ['conn', lane.conn ? lane.conn : undefined], ['peer', lane.peer < 0 ? undefined : HOSTS[lane.peer]], ['port', lane.port ? lane.port : undefined],
      ['first', lane.first === null ? undefined : fmtT(lane.first)], ['last', lane.last === null ? undefined : fmtT(lane.last)], ['events', LE[i].length], ['requests', LR[i].length],
    ]));
    const nav = el('div', null, 'nav');
    if (lane.first !== null) nav.append(button('zoom to lane', () => { const pad = Math.max((lane.last - lane.first) * 0.05, MIN_SPAN); setView(lane.first - pad, lane.last + pad); }));
    if (lane.conn === 0 && connsOfHost[lane.host] > 0) nav.append(button(collapsed.has(lane.host) ? 'expand connections' : 'collapse connections', () => toggle(lane.host)));
    panel.append(nav);
    if (LE[i].length > 0) { panel.append(el('h3', 'trace events' + (LE[i].length > CAP ? ' (first ' + CAP + ')' : ''))); panel.append(listOf(eventsOn(i, -Infinity, Infinity, CAP), eventLine)); }
  }
}
function toggle(host) { if (collapsed.has(host)) collapsed.delete(host); else collapsed.add(host); layout(); redraw(); if (selected && selected.type === 'lane') renderPanel(); }
function select(target, reveal) {
  selected = target;
  if (activeOnly) layout();
  renderPanel();
  if (reveal && target !== null) {
    const i = target.index;
    if (target.type === 'event') { centre(ET[i]); showLane(EL[i]); }
    else if (target.type === 'request') { centre(RS[i]); showLane(D.requestLane[i]); }
    else if (target.type === 'fault') centre(FAULTS[i].tyme);
    else if (target.type === 'violation') { centre(VIOL[i].tyme); if (D.violationLane[i] >= 0) showLane(D.violationLane[i]); }
  }
  redraw();
}

`;
