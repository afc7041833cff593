// The plan and forecast view: scenario files, their runs on the record (in the server's background),
// and the results drawn as SVG: Gantt per team, burn-down with its P10–P90 band, scenario comparison.
// Data from /api/plans (JSON). window.lrPlan exposes the page's state to tests.
const NS = 'http://www.w3.org/2000/svg';
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const STAGE_COLOURS = ['#9ecae1', '#e6550d'];
const tbody = document.querySelector('#scenarios tbody');
const statusLine = document.getElementById('plan-status');
const banner = document.getElementById('synthetic-banner');
const results = {}; // scenario id → result (for the record as it is now)
let listing = null;
let shown = null; // id of the scenario in the detail section
let timer = null;
window.lrPlan = { listings: 0, drawn: 0, shown: null, errors: [] };

function el(tag, attrs = {}, text = '') {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function fmt(x, digits = 1) {
  return x === null || x === undefined ? '–' : Number(x).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function niceStep(span, target) {
  const raw = span / Math.max(target, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
}

function watermark(svg, w, h) {
  svg.append(el('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle', class: 'watermark',
    transform: `rotate(-12 ${w / 2} ${h / 2})` }, 'SYNTHETIC DATA'));
}

// x axis in years from the plan's start; returns the scale
function axisX(svg, left, right, bottom, maxDays, label) {
  const years = maxDays / 365.25;
  const step = niceStep(years, 8);
  const x = (days) => left + (right - left) * (days / 365.25) / years;
  svg.append(el('line', { x1: left, x2: right, y1: bottom, y2: bottom, class: 'axis' }));
  for (let t = 0; t <= years + 1e-9; t += step) {
    svg.append(el('line', { x1: x(t * 365.25), x2: x(t * 365.25), y1: bottom, y2: bottom + 4, class: 'axis' }));
    svg.append(el('text', { x: x(t * 365.25), y: bottom + 16, 'text-anchor': 'middle', class: 'tick' }, fmt(t, step < 1 ? 1 : 0)));
  }
  svg.append(el('text', { x: (left + right) / 2, y: bottom + 32, 'text-anchor': 'middle', class: 'label' }, label));
  return x;
}

function gantt(res) {
  const g = res.gantt;
  const rowH = g.rows.length > 40 ? 9 : 14;
  const left = 190; const right = 1080; const top = 8;
  const bottom = top + rowH * g.rows.length + 4;
  const w = 1100; const h = bottom + 40;
  const maxDays = Math.max(1, ...g.bars.map((b) => b[2]));
  const svg = el('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img', class: 'gantt',
    'aria-label': `Gantt of ${res.name}` });
  const x = axisX(svg, left, right, bottom, maxDays, `years from ${res.start}`);
  g.rows.forEach((r, i) => {
    if (i % 2) svg.append(el('rect', { x: left, y: top + i * rowH, width: right - left, height: rowH, class: 'stripe' }));
    svg.append(el('text', { x: left - 6, y: top + i * rowH + rowH * 0.75, 'text-anchor': 'end', class: 'row' },
      `${r.label} (${r.type})`));
  });
  for (const [row, a, b, stage, area] of g.bars) {
    const rect = el('rect', { x: x(a), y: top + row * rowH + 1, width: Math.max(0.8, x(b) - x(a)), height: rowH - 2,
      fill: STAGE_COLOURS[stage], class: `bar stage-${g.stages[stage]}` });
    rect.append(el('title', {}, `${area} ${g.stages[stage]}: day ${a}–${b}`));
    svg.append(rect);
  }
  if (res.synthetic) watermark(svg, w, h);
  return svg;
}

// remaining km² over time: one band + P50 line per run
function burndown(runs) {
  const w = 1100; const h = 360; const left = 60; const right = 1080; const top = 10; const bottom = 310;
  const maxDays = Math.max(1, ...runs.map((r) => r.burndown.days[r.burndown.days.length - 1]));
  const maxKm2 = Math.max(1e-9, ...runs.map((r) => Math.max(...r.burndown.p90)));
  const svg = el('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img', class: 'burndown',
    'aria-label': 'Burn-down of the remaining hazard' });
  const x = axisX(svg, left, right, bottom, maxDays, `years from ${runs[0].start}`);
  const y = (v) => bottom - (bottom - top) * v / maxKm2;
  const step = niceStep(maxKm2, 6);
  for (let v = 0; v <= maxKm2 + 1e-9; v += step) {
    svg.append(el('line', { x1: left, x2: right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(el('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v, step < 1 ? 1 : 0)));
  }
  svg.append(el('text', { x: 14, y: (top + bottom) / 2, 'text-anchor': 'middle', class: 'label',
    transform: `rotate(-90 14 ${(top + bottom) / 2})` }, 'remaining km²'));
  runs.forEach((r, i) => {
    const c = COLOURS[i % COLOURS.length];
    const d = r.burndown;
    const upper = d.days.map((t, k) => `${x(t).toFixed(1)},${y(d.p90[k]).toFixed(1)}`);
    const lower = d.days.map((t, k) => `${x(t).toFixed(1)},${y(d.p10[k]).toFixed(1)}`).reverse();
    svg.append(el('polygon', { points: [...upper, ...lower].join(' '), fill: c, 'fill-opacity': 0.22, class: 'band' }));
    svg.append(el('polyline', { points: d.days.map((t, k) => `${x(t).toFixed(1)},${y(d.p50[k]).toFixed(1)}`).join(' '),
      fill: 'none', stroke: c, 'stroke-width': 2, class: 'p50' }));
    svg.append(el('rect', { x: right - 330, y: top + 6 + 16 * i, width: 12, height: 12, fill: c }));
    svg.append(el('text', { x: right - 312, y: top + 16 + 16 * i, class: 'tick' }, `${r.name} (P50, band P10–P90)`));
  });
  if (runs.some((r) => r.synthetic)) watermark(svg, w, h);
  return svg;
}

async function getJson(url, options) {
  // Writes made with the session cookie carry its CSRF token (server/auth.py).
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  const r = await fetch(url, { headers: { Accept: 'application/json', 'X-CSRF-Token': csrf }, ...options });
  const body = await r.json();
  if (!r.ok) throw new Error(body.detail || body.title || `HTTP ${r.status}`);
  return body;
}

function runCell(s) {
  const run = s.run;
  if (s.error) return `invalid: ${s.error}`;
  if (run.state === 'done') return `done (${fmt(run.seconds)} s)`;
  if (run.state === 'failed') return `failed: ${run.error.detail}`;
  if (run.state === 'running') return `running: ${run.stage}${run.elapsed !== undefined ? `, ${fmt(run.elapsed)} s` : ''}`;
  if (run.state === 'queued') return 'queued';
  return 'not run on the record as it is now';
}

function renderListing() {
  document.getElementById('web-sims').textContent = listing.web.simulations;
  document.getElementById('web-tl').textContent = listing.web.time_limit;
  document.getElementById('plan-dir').textContent = listing.directory;
  document.getElementById('run-all').hidden = !listing.may_run;
  const checked = new Set([...tbody.querySelectorAll('input:checked')].map((i) => i.value));
  const first = tbody.children.length === 0;
  tbody.innerHTML = '';
  for (const s of listing.scenarios) {
    const tr = document.createElement('tr');
    tr.dataset.id = s.id;
    tr.dataset.state = s.run.state;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = s.id;
    box.disabled = s.run.state !== 'done';
    box.checked = s.run.state === 'done' && (first || checked.has(s.id) || !(s.id in results));
    const name = document.createElement('td');
    name.textContent = s.name;
    name.title = s.description || '';
    const file = document.createElement('td');
    file.textContent = s.file;
    const state = document.createElement('td');
    state.className = 'run-state';
    state.textContent = runCell(s);
    const act = document.createElement('td');
    const run = document.createElement('button');
    run.type = 'button';
    run.className = 'run';
    run.textContent = 'Run';
    run.disabled = Boolean(s.error) || ['queued', 'running', 'done'].includes(s.run.state);
    run.hidden = !listing.may_run; // readers look at results; they do not start runs
    run.addEventListener('click', () => start(s.id));
    const show = document.createElement('button');
    show.type = 'button';
    show.className = 'show';
    show.textContent = 'Show';
    show.disabled = s.run.state !== 'done';
    show.addEventListener('click', () => detail(s.id));
    act.append(run, ' ', show);
    const c = document.createElement('td');
    c.append(box);
    tr.append(c, name, file, state, act);
    tbody.append(tr);
  }
}

async function refresh() {
  listing = await getJson('/api/plans');
  renderListing();
  window.lrPlan.listings += 1;
  const busy = listing.scenarios.some((s) => ['queued', 'running'].includes(s.run.state));
  statusLine.textContent = busy ? 'Running in the background; this page updates by itself.' : '';
  const done = listing.scenarios.filter((s) => s.run.state === 'done').map((s) => s.id);
  for (const id of Object.keys(results)) if (!done.includes(id)) delete results[id]; // the record changed
  await compare();
  if (shown && !done.includes(shown)) {
    document.getElementById('detail').hidden = true;
    shown = null;
  } else if (!shown && done.length) {
    await detail(done[0]);
  }
  clearTimeout(timer);
  if (busy) timer = setTimeout(() => refresh().catch(fail), 1000);
}

async function result(id) {
  if (!results[id]) results[id] = await getJson(`/api/plans/${encodeURIComponent(id)}/result`);
  return results[id];
}

async function start(id) {
  await getJson(`/api/plans/${encodeURIComponent(id)}/run`, { method: 'POST' }).catch(fail);
  await refresh().catch(fail);
}

async function detail(id) {
  const res = await result(id);
  shown = id;
  window.lrPlan.shown = id;
  const s = res.summary;
  document.getElementById('detail-title').textContent = `${res.name} — from ${res.start}`;
  document.getElementById('detail-summary').textContent =
    `${s.areas} open areas, ${fmt(s.remaining_km2, 2)} km² remaining, ${s.teams} teams, ${s.unplanned_areas} areas not planned. `
    + `Region complete: P10 ${fmt(s.p10_years)} y, P50 ${fmt(s.p50_years)} y, P90 ${fmt(s.p90_years)} y. `
    + `Gap to the certified bound ${fmt(100 * s.gap)} %. ${res.web.simulations} simulations (the file asks for `
    + `${res.web.scenario_simulations}), seed ${res.seed}, ${fmt(res.seconds)} s.`;
  document.getElementById('gantt-per').textContent = res.gantt.per;
  document.getElementById('gantt').replaceChildren(gantt(res));
  document.getElementById('burndown').replaceChildren(burndown([res]));
  document.getElementById('detail-notes').replaceChildren(...res.notes.map((n) => {
    const li = document.createElement('li');
    li.textContent = n;
    return li;
  }));
  document.getElementById('detail').hidden = false;
  showBanner();
  window.lrPlan.drawn += 1;
}

async function compare() {
  const ids = [...tbody.querySelectorAll('input:checked')].map((i) => i.value);
  const section = document.getElementById('comparison');
  if (!ids.length) { section.hidden = true; return; }
  const runs = await Promise.all(ids.map(result));
  const body = document.querySelector('#compare-table tbody');
  body.innerHTML = '';
  runs.forEach((r, i) => {
    const s = r.summary;
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    const cells = [r.name, s.teams, fmt(s.p50_years), fmt(s.p90_years), fmt(s.released_3m_km2, 2),
      fmt(s.released_6m_km2, 2), fmt(s.released_12m_km2, 2), fmt(s.released_24m_km2, 2), fmt(s.exposure_p50, 0),
      `${fmt(100 * s.gap)} %`, r.seed];
    cells.forEach((v, k) => {
      const td = document.createElement('td');
      if (k === 0) {
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = COLOURS[i % COLOURS.length];
        td.append(sw);
      }
      td.append(String(v));
      tr.append(td);
    });
    body.append(tr);
  });
  document.getElementById('compare-chart').replaceChildren(burndown(runs));
  section.hidden = false;
  showBanner();
}

function showBanner() {
  const synthetic = Object.values(results).some((r) => r.synthetic);
  banner.hidden = !synthetic;
  if (synthetic) banner.textContent = 'SYNTHETIC DATA — planned on invented records for demonstration; never act on these figures';
}

function fail(e) {
  statusLine.textContent = `Error: ${e.message}`;
  statusLine.classList.add('error-text');
  window.lrPlan.errors.push(e.message);
}

document.getElementById('run-all').addEventListener('click', async () => {
  for (const s of listing.scenarios) {
    if (!s.error && ['none', 'failed'].includes(s.run.state)) {
      await getJson(`/api/plans/${encodeURIComponent(s.id)}/run`, { method: 'POST' }).catch(fail);
    }
  }
  await refresh().catch(fail);
});
tbody.addEventListener('change', () => compare().catch(fail));
refresh().catch(fail);
