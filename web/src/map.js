// The record map: hazardous areas coloured by type/status, released land, finds and accidents.
// Data comes per viewport from /api/map/<layer> (records when zoomed in, grid cells when zoomed out),
// so 100,000 areas stay smooth. window.lrMap exposes the map to tests; window.lrLoaded counts applied
// loads and window.lrPending the loads in flight.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { baseStyle, legendNodes, STATUS_COLOURS, RELEASE_COLOURS } from '/static/style.js';
import { t, fieldLabel, valueLabel, num } from '/static/i18n.js';

const LAYERS = {
  'hazardous-areas': { filters: ['haz_type', 'status'] },
  'land-releases': { filters: [] },
  'eo-finds': { filters: [] },
  'accidents': { filters: [] },
};
const EMPTY = { type: 'FeatureCollection', features: [] };
const panel = document.getElementById('panel');
const statusLine = document.getElementById('map-status');
const banner = document.getElementById('synthetic-banner');
const synthetic = {};

const map = new maplibregl.Map({ container: 'map', style: await baseStyle(), center: [35.5, 51.4], zoom: 8,
  attributionControl: { customAttribution: 'Natural Earth' } });
window.lrMap = map;
window.lrLoaded = 0;
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-left');

panel.querySelector('.legend').replaceChildren(...legendNodes());

function circleGrid(id, source, colour) {
  return { id, type: 'circle', source, filter: ['has', 'count'],
    paint: { 'circle-color': colour, 'circle-opacity': 0.75, 'circle-stroke-color': '#333', 'circle-stroke-width': 0.5,
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 3, 10, 12, 40, 24] } };
}

map.on('load', async () => {
  for (const name of Object.keys(LAYERS)) map.addSource(name, { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'areas-fill', type: 'fill', source: 'hazardous-areas', filter: ['!', ['has', 'count']],
    paint: { 'fill-color': STATUS_COLOURS, 'fill-opacity': 0.55 } });
  map.addLayer({ id: 'areas-line', type: 'line', source: 'hazardous-areas', filter: ['!', ['has', 'count']],
    paint: { 'line-color': STATUS_COLOURS, 'line-width': 1.2 } });
  map.addLayer(circleGrid('areas-grid', 'hazardous-areas', STATUS_COLOURS));
  map.addLayer({ id: 'releases-fill', type: 'fill', source: 'land-releases', filter: ['!', ['has', 'count']],
    paint: { 'fill-color': RELEASE_COLOURS, 'fill-opacity': 0.7 } });
  map.addLayer(circleGrid('releases-grid', 'land-releases', RELEASE_COLOURS));
  map.addLayer({ id: 'finds', type: 'circle', source: 'eo-finds', filter: ['!', ['has', 'count']],
    paint: { 'circle-color': '#6a1b9a', 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
  map.addLayer(circleGrid('finds-grid', 'eo-finds', '#6a1b9a'));
  map.addLayer({ id: 'accidents', type: 'circle', source: 'accidents', filter: ['!', ['has', 'count']],
    paint: { 'circle-color': '#000', 'circle-radius': 5, 'circle-stroke-color': '#ffeb3b', 'circle-stroke-width': 2 } });
  map.addLayer(circleGrid('accidents-grid', 'accidents', '#000'));
  const ext = (await (await fetch('/api/map/extent')).json()).bbox;
  if (ext) map.fitBounds([[ext[0], ext[1]], [ext[2], ext[3]]], { padding: 30, duration: 0 });
  map.on('moveend', refresh);
  refresh();
});

const visible = { 'hazardous-areas': ['areas-fill', 'areas-line', 'areas-grid'], 'land-releases': ['releases-fill', 'releases-grid'],
  'eo-finds': ['finds', 'finds-grid'], 'accidents': ['accidents', 'accidents-grid'] };

// A filter group with nothing ticked shows nothing: no request needed.
function nothingTicked(name) {
  return LAYERS[name].filters.some((f) => !panel.querySelector(`input[name=${f}]:checked`));
}

function query(name) {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(b.getWest(), -180, 179.999), clamp(b.getSouth(), -90, 89.999),
    clamp(b.getEast(), -179.999, 180), clamp(b.getNorth(), -89.999, 90)].map((v) => v.toFixed(6)).join(',');
  const params = new URLSearchParams({ bbox });
  for (const f of LAYERS[name].filters) {
    const checked = [...panel.querySelectorAll(`input[name=${f}]:checked`)].map((i) => i.value);
    params.set(f, checked.join(','));
  }
  return `/api/map/${name}?${params}`;
}

let generation = 0;
window.lrPending = 0;
async function refresh() {
  window.lrPending += 1;
  try {
    await load();
  } finally {
    window.lrPending -= 1;
  }
}

async function load() {
  const mine = ++generation;
  const shown = Object.keys(LAYERS).filter((n) => panel.querySelector(`input[data-layer="${n}"]`).checked);
  for (const name of Object.keys(LAYERS)) {
    for (const id of visible[name]) map.setLayoutProperty(id, 'visibility', shown.includes(name) ? 'visible' : 'none');
  }
  const replies = await Promise.all(shown.map(async (name) => {
    if (nothingTicked(name)) return [name, { ...EMPTY, count: 0, mode: 'features', synthetic: false }];
    const r = await fetch(query(name));
    if (!r.ok) throw new Error(`${name}: ${(await r.json()).detail}`);
    return [name, await r.json()];
  }));
  if (mine !== generation) return;
  const counts = [];
  for (const name of Object.keys(LAYERS)) synthetic[name] = false;
  for (const [name, fc] of replies) {
    map.getSource(name).setData(fc);
    synthetic[name] = fc.synthetic;
    const layer = panel.querySelector(`input[data-layer="${name}"]`).parentElement.textContent.trim();
    counts.push(t(fc.mode === 'grid' ? '{count} {layer} (grouped)' : '{count} {layer}', { count: num(fc.count), layer }));
  }
  banner.hidden = !Object.values(synthetic).some(Boolean);
  if (!banner.hidden) banner.textContent = t('SYNTHETIC DATA — invented records for demonstration; never act on them');
  statusLine.textContent = t('In view: {counts}', { counts: counts.join(', ') });
  window.lrLoaded += 1;
}

panel.addEventListener('change', () => refresh());

const clickable = ['areas-fill', 'areas-grid', 'releases-fill', 'finds', 'accidents', 'releases-grid', 'finds-grid', 'accidents-grid'];
map.on('click', (ev) => {
  const hit = map.queryRenderedFeatures(ev.point, { layers: clickable })[0];
  if (!hit) return;
  const p = hit.properties;
  if (p.count !== undefined) {
    map.easeTo({ center: ev.lngLat, zoom: map.getZoom() + 2 });
    return;
  }
  const div = document.createElement('div');
  const href = hit.layer.id === 'areas-fill' ? `/areas/${p.code}` : `/collections/${hit.source}/items/${p.code}?f=html`;
  const a = document.createElement('a');
  a.href = href;
  a.textContent = p.code;
  div.append(a);
  for (const k of ['label', 'haz_type', 'status', 'rel_type', 'category', 'acc_type']) {
    if (p[k]) div.append(document.createElement('br'), k === 'label' ? p[k] : `${fieldLabel(k)}: ${valueLabel(k, p[k])}`);
  }
  new maplibregl.Popup().setLngLat(ev.lngLat).setDOMContent(div).addTo(map);
});
for (const id of clickable) {
  map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
}
