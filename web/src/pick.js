// A small map on a form: pick a point (EO find) or draw a polygon (new hazardous area) into the
// form's hidden geometry field; a GeoJSON file can be uploaded instead of drawing.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { baseStyle, STATUS_COLOURS } from '/static/style.js';

const holder = document.getElementById('map');
const mode = holder.dataset.mode; // 'point' | 'polygon'
const field = document.querySelector('[name=geometry]');
const map = new maplibregl.Map({ container: 'map', style: await baseStyle(), center: [35.5, 51.4], zoom: 8 });
window.lrMap = map;
map.addControl(new maplibregl.NavigationControl(), 'top-right');
let vertices = [];

function geometry() {
  if (mode === 'point') return vertices.length ? { type: 'Point', coordinates: vertices[0] } : null;
  if (vertices.length < 3) return null;
  return { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] };
}

function draw() {
  const g = geometry();
  field.value = g ? JSON.stringify(g) : '';
  const pts = vertices.map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: {} }));
  const feats = g && g.type === 'Polygon' ? [{ type: 'Feature', geometry: g, properties: {} }, ...pts] : pts;
  map.getSource('drawn').setData({ type: 'FeatureCollection', features: feats });
}

async function context() {
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');
  const r = await fetch(`/api/map/hazardous-areas?bbox=${bbox}`);
  if (r.ok) map.getSource('areas').setData(await r.json());
}

map.on('load', async () => {
  // The record's hazardous areas for orientation (grouped cells when zoomed out).
  map.addSource('areas', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'areas-fill', type: 'fill', source: 'areas', filter: ['!', ['has', 'count']],
    paint: { 'fill-color': STATUS_COLOURS, 'fill-opacity': 0.35 } });
  map.addLayer({ id: 'areas-grid', type: 'circle', source: 'areas', filter: ['has', 'count'],
    paint: { 'circle-color': STATUS_COLOURS, 'circle-opacity': 0.4, 'circle-radius': 4 } });
  map.on('moveend', context);
  map.addSource('drawn', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'drawn-fill', type: 'fill', source: 'drawn', paint: { 'fill-color': '#fc8d59', 'fill-opacity': 0.5 } });
  map.addLayer({ id: 'drawn-pts', type: 'circle', source: 'drawn', paint: { 'circle-radius': 5, 'circle-color': '#6a1b9a' } });
  const ext = (await (await fetch('/api/map/extent')).json()).bbox;
  if (ext) map.fitBounds([[ext[0], ext[1]], [ext[2], ext[3]]], { padding: 20, duration: 0 });
  await context();
  window.lrPickReady = true;
});
map.on('click', (ev) => {
  const c = [Number(ev.lngLat.lng.toFixed(7)), Number(ev.lngLat.lat.toFixed(7))];
  vertices = mode === 'point' ? [c] : [...vertices, c];
  draw();
});
document.getElementById('clear-geometry')?.addEventListener('click', () => { vertices = []; draw(); });
document.getElementById('upload')?.addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  let g = JSON.parse(await file.text());
  if (g.type === 'FeatureCollection') g = g.features[0].geometry;
  else if (g.type === 'Feature') g = g.geometry;
  vertices = [];
  field.value = JSON.stringify(g);
  map.getSource('drawn').setData({ type: 'Feature', geometry: g, properties: {} });
});
