"""Basemaps that work offline: Natural Earth country polygons shipped by the `world-atlas` npm package
(TopoJSON, decoded here once to GeoJSON) and an optional user-supplied PMTiles archive."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

#: PMTiles v3 header byte 99: tile type.
PMTILES_TYPES = {1: "vector", 2: "raster", 3: "raster", 4: "raster", 5: "raster"}


def _arc_coords(topo: dict[str, Any]) -> list[list[list[float]]]:
    """Decode quantised, delta-encoded arcs (TopoJSON spec §2.1.3) to lon/lat lists."""
    transform = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            pts = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                pts.append([round(x * sx + tx, 5), round(y * sy + ty, 5)])
        else:
            pts = [list(p[:2]) for p in arc]
        arcs.append(pts)
    return arcs


def _ring(arcs: list[list[list[float]]], indexes: list[int]) -> list[list[float]]:
    out: list[list[float]] = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def topojson_to_geojson(topo: dict[str, Any], name: str) -> dict[str, Any]:
    arcs = _arc_coords(topo)
    features = []
    for geom in topo["objects"][name].get("geometries", []):
        if geom["type"] == "Polygon":
            g = {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in geom["arcs"]]}
        elif geom["type"] == "MultiPolygon":
            g = {"type": "MultiPolygon", "coordinates": [[_ring(arcs, r) for r in p] for p in geom["arcs"]]}
        else:
            continue
        props = dict(geom.get("properties") or {})
        features.append({"type": "Feature", "geometry": g, "properties": props})
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=2)
def natural_earth(path: Path) -> bytes:
    """GeoJSON bytes of the Natural Earth 1:50m countries (world-atlas/countries-50m.json)."""
    topo = json.loads(path.read_text())
    return json.dumps(topojson_to_geojson(topo, "countries"), separators=(",", ":")).encode()


def pmtiles_kind(path: Path) -> str:
    """'vector' or 'raster', from the PMTiles v3 header."""
    with path.open("rb") as f:
        head = f.read(127)
    if head[:7] != b"PMTiles" or len(head) < 100:
        raise ValueError(f"{path} is not a PMTiles v3 archive")
    return PMTILES_TYPES.get(head[99], "vector")
