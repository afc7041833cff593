// The small map on a hazardous area's page: the original perimeter, the land still suspected, each land
// release product (cancelled / reduced / cleared) and the EO finds, over the offline basemap.
// window.lrMap exposes the map to tests; window.lrAreaReady is set once everything is drawn.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { baseStyle, RELEASE_COLOURS } from '/static/style.js';
import { t, num } from '/static/i18n.js';

const holder = document.getElementById('map');
const map = new maplibregl.Map({ container: 'map', style: await baseStyle(), center: [35.5, 51.4], zoom: 12,
  attributionControl: { customAttribution: 'Natural Earth' } });
window.lrMap = map;
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-left');

const role = (r) => ['==', ['get', 'role'], r];

map.on('load', async () => {
  const r = await fetch(`/api/map/areas/${encodeURIComponent(holder.dataset.code)}`);
  const data = await r.json();
  if (!r.ok) throw new Error(data.detail || data.title);
  map.addSource('area', { type: 'geojson', data });
  map.addLayer({ id: 'remaining-fill', type: 'fill', source: 'area', filter: role('remaining'),
    paint: { 'fill-color': '#d7301f', 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'releases-fill', type: 'fill', source: 'area', filter: role('release'),
    paint: { 'fill-color': RELEASE_COLOURS, 'fill-opacity': 0.8 } });
  map.addLayer({ id: 'releases-line', type: 'line', source: 'area', filter: role('release'),
    paint: { 'line-color': '#1b5e20', 'line-width': 0.8 } });
  map.addLayer({ id: 'perimeter', type: 'line', source: 'area', filter: role('perimeter'),
    paint: { 'line-color': '#222', 'line-width': 2, 'line-dasharray': [3, 2] } });
  map.addLayer({ id: 'finds', type: 'circle', source: 'area', filter: role('find'),
    paint: { 'circle-color': '#6a1b9a', 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
  if (data.bbox) map.fitBounds([[data.bbox[0], data.bbox[1]], [data.bbox[2], data.bbox[3]]], { padding: 30, duration: 0 });
  const shown = data.features.filter((f) => f.properties.role === 'find').length;
  document.getElementById('area-map-note').textContent = data.finds > shown
    ? t('{shown} of {total} EO finds shown', { shown: num(shown), total: num(data.finds) }) : '';
  map.once('idle', () => { window.lrAreaReady = true; });
});

map.on('click', (ev) => {
  const hit = map.queryRenderedFeatures(ev.point, { layers: ['finds', 'releases-fill', 'remaining-fill'] })[0];
  if (!hit) return;
  const p = hit.properties;
  const div = document.createElement('div');
  const kind = { find: 'eo-finds', release: 'land-releases' }[p.role];
  if (kind) {
    const a = document.createElement('a');
    a.href = `/collections/${kind}/items/${p.code}?f=html`;
    a.textContent = p.code;
    div.append(a, document.createElement('br'));
  }
  div.append(p.role === 'release' ? `${p.rel_type} ${p.date}` : p.role === 'find' ? p.category : 'remaining land');
  new maplibregl.Popup().setLngLat(ev.lngLat).setDOMContent(div).addTo(map);
});
