// Map style pieces shared by the map page and the small maps of forms: offline basemap + record layers.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';

export const STATUS_COLOURS = [
  'case',
  ['==', ['get', 'status'], 'open'], ['match', ['get', 'haz_type'], 'cha', '#d7301f', '#fc8d59'],
  ['==', ['get', 'status'], 'closed'], '#78909c',
  '#9ccc65',
];
export const RELEASE_COLOURS = ['match', ['get', 'rel_type'], 'cancelled', '#c5e1a5', 'reduced', '#81c784', '#2e7d32'];
export const LEGEND = [
  ['#d7301f', 'CHA, open'], ['#fc8d59', 'SHA, open'], ['#78909c', 'closed'], ['#9ccc65', 'handed over'],
  ['#c5e1a5', 'cancelled'], ['#81c784', 'reduced'], ['#2e7d32', 'cleared'], ['#6a1b9a', 'EO find'], ['#000000', 'accident'],
];

export async function baseStyle() {
  const cfg = await (await fetch('/basemap/config.json')).json();
  const style = {
    version: 8,
    sources: { land: { type: 'geojson', data: '/basemap/land.geojson' } },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#cfe3ef' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f2efe6' } },
      { id: 'borders', type: 'line', source: 'land', paint: { 'line-color': '#a89f91', 'line-width': 0.8 } },
    ],
  };
  if (cfg.pmtiles) {
    const { Protocol } = window.pmtiles;
    maplibregl.addProtocol('pmtiles', new Protocol().tile);
    const url = `pmtiles://${location.origin}${cfg.pmtiles}`;
    if (cfg.kind === 'raster') {
      style.sources.user = { type: 'raster', url, tileSize: 256 };
      style.layers.push({ id: 'user-raster', type: 'raster', source: 'user' });
    } else {
      style.sources.user = { type: 'vector', url };
      // Generic layers for the common schemas (Protomaps basemap, OpenMapTiles); unknown layers stay hidden.
      const fills = [['earth', '#f2efe6'], ['landcover', '#e4ecd6'], ['landuse', '#ebe6da'], ['water', '#cfe3ef'],
        ['park', '#dcebcf'], ['buildings', '#d9d2c5'], ['building', '#d9d2c5']];
      for (const [layer, colour] of fills) {
        style.layers.push({ id: `user-${layer}`, type: 'fill', source: 'user', 'source-layer': layer,
          filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': colour } });
      }
      for (const layer of ['roads', 'transportation', 'boundaries', 'boundary', 'waterway']) {
        style.layers.push({ id: `user-${layer}`, type: 'line', source: 'user', 'source-layer': layer,
          paint: { 'line-color': layer.startsWith('water') ? '#9cc3db' : '#b8aa98', 'line-width': 1 } });
      }
    }
  }
  return style;
}

export function legendHtml() {
  return LEGEND.map(([c, t]) => `<div><span class="swatch" style="background:${c}"></span>${t}</div>`).join('');
}
