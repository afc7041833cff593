// The review page of one field submission: a map preview of what it reports next to the record's
// areas it touches, and the decision buttons (verify / approve / reject with a reason), which call
// the intake API with the session's CSRF token and reload the page on success.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { baseStyle } from '/static/style.js';
import { t } from '/static/i18n.js';

const panel = document.getElementById('decide');
const error = document.getElementById('decide-error');
panel?.addEventListener('click', async (ev) => {
  const action = ev.target.dataset?.action;
  if (!action) return;
  error.hidden = true;
  const body = {};
  if (action === 'reject') {
    body.reason = document.getElementById('reason').value.trim();
    if (!body.reason) {
      error.textContent = t('reason: say why the submission is rejected, so the team can correct it');
      error.hidden = false;
      document.getElementById('reason').focus();
      return;
    }
  }
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  ev.target.disabled = true;
  const r = await fetch(`/api/intake/submissions/${panel.dataset.id}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(body),
  });
  if (r.ok) { location.reload(); return; }
  const reply = await r.json().catch(() => ({}));
  error.textContent = reply.detail || reply.title || t('the server answered {status}', { status: r.status });
  error.hidden = false;
  ev.target.disabled = false;
});
// The buttons work before the map has loaded (the map waits on its style); tests wait for this mark.
document.body.dataset.reviewReady = '1';

const data = document.getElementById('features');
if (data) {
  const features = JSON.parse(data.textContent);
  const map = new maplibregl.Map({ container: 'map', style: await baseStyle(), center: [0, 0], zoom: 1 });
  window.lrMap = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.on('load', () => {
    map.addSource('preview', { type: 'geojson', data: features });
    const isRecord = ['==', ['get', 'role'], 'record'];
    const polygon = ['==', ['geometry-type'], 'Polygon'];
    map.addLayer({ id: 'record-fill', type: 'fill', source: 'preview', filter: ['all', isRecord, polygon],
      paint: { 'fill-color': '#78909c', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'record-line', type: 'line', source: 'preview', filter: ['all', isRecord, polygon],
      paint: { 'line-color': '#37474f', 'line-width': 1.5 } });
    map.addLayer({ id: 'sub-fill', type: 'fill', source: 'preview', filter: ['all', ['!', isRecord], polygon],
      paint: { 'fill-color': '#fc8d59', 'fill-opacity': 0.5 } });
    map.addLayer({ id: 'sub-line', type: 'line', source: 'preview', filter: ['all', ['!', isRecord], polygon],
      paint: { 'line-color': '#d7301f', 'line-width': 2 } });
    map.addLayer({ id: 'sub-point', type: 'circle', source: 'preview', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 6, 'circle-color': '#6a1b9a', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    const bounds = new maplibregl.LngLatBounds();
    const add = (c) => (typeof c[0] === 'number' ? bounds.extend(c) : c.forEach(add));
    for (const f of features.features) add(f.geometry.coordinates);
    if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 40, maxZoom: 16, duration: 0 });
    map.once('idle', () => { window.lrReviewMapReady = true; });
  });
}

