// Map style pieces shared by the map page and the small maps of forms: offline basemap + record layers.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { t } from '/static/i18n.js';

export const STATUS_COLOURS = [
  'case',
  ['==', ['get', 'status'], 'open'], ['match', ['get', 'haz_type'], 'cha', '#d7301f', '#fc8d59'],
  ['==', ['get', 'status'], 'closed'], '#78909c',
  '#9ccc65',
];
export const RELEASE_COLOURS = ['match', ['get', 'rel_type'], 'cancelled', '#c5e1a5', 'reduced', '#81c784', '#2e7d32'];
export const LEGEND = [
  ['#d7301f', 'CHA, open'], ['#fc8d59', 'SHA, open'], ['#78909c', 'Closed'], ['#9ccc65', 'Handed over'],
  ['#c5e1a5', 'Cancelled'], ['#81c784', 'Reduced'], ['#2e7d32', 'Cleared'], ['#6a1b9a', 'EO find'], ['#000000', 'Accident'],
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

/** The map legend as elements, in the page's language (colours set through the DOM, not inline styles). */
export function legendNodes() {
  return LEGEND.map(([colour, text]) => {
    const row = document.createElement('div');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour;
    row.append(swatch, t(text));
    return row;
  });
}
