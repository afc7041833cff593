"""Make the bad-file corpus: small real files, each broken in one way users' files break.

Run from anywhere: ``python tests/data/bad/make_bad.py``; it rewrites the files beside it.
Format problems (read_layer must refuse them with one line):
  truncated.gpkg, truncated.geojson, no_dbf.zip, no_shx.zip, not_a_zip.zip, cp1251.csv,
  cp1251_nocpg.zip, no_geometry.csv, zero_features.geojson, two_layers.gpkg, garbage.gpkg,
  hazards.txt
Geometry problems (read_layer reads them raw; landrelease.geo.checks catches them):
  bowtie.geojson, swapped_axes.geojson, projected_no_crs.geojson, projected_no_crs.csv,
  empty_geometries.geojson, points_for_polygons.geojson, utf8_nocpg.zip (readable: UTF-8 is
  recovered without its .cpg)
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import shapely

HERE = Path(__file__).parent
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-01-01T00:00:00Z"})


def feature_collection(features: list[dict], name: str | None = None) -> str:
    fc: dict = {"type": "FeatureCollection", "features": features}
    return json.dumps(fc, ensure_ascii=False, indent=1) + "\n"


def feature(geometry: dict | None, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(x: float, y: float, d: float) -> dict:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_text(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def shapefile_zip(name: str, *, encoding: str, drop: tuple[str, ...] = (), cpg: bool = True) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        geoms = shapely.to_wkb(np.array([shapely.box(35.1, 48.2, 35.11, 48.21)], dtype=object))
        names = np.array(["Солоне"], dtype=object)
        status = np.array(["open"], dtype=object)
        pyogrio.raw.write(
            str(tmp / "hazards.shp"),
            geoms,
            [names, status],
            ["name", "status"],
            geometry_type="Polygon",
            crs="EPSG:4326",
            encoding=encoding,
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for part in sorted(tmp.iterdir()):
                if part.suffix in drop or (part.suffix == ".cpg" and not cpg):
                    continue
                info = zipfile.ZipInfo(part.name, date_time=(2026, 1, 1, 0, 0, 0))
                z.writestr(info, part.read_bytes(), zipfile.ZIP_DEFLATED)
        (HERE / name).write_bytes(buf.getvalue())
    finally:
        shutil.rmtree(tmp)


def gpkg(path: Path, layers: list[str], n: int = 5) -> None:
    path.unlink(missing_ok=True)
    rng = np.random.default_rng(7)
    for layer in layers:
        boxes = [shapely.box(x, y, x + 0.01, y + 0.01) for x, y in rng.uniform(30, 40, (n, 2))]
        pyogrio.raw.write(
            str(path),
            shapely.to_wkb(np.array(boxes, dtype=object)),
            [np.array([f"area {i} — Солоне" for i in range(n)], dtype=object)],
            ["name"],
            layer=layer,
            geometry_type="Polygon",
            crs="EPSG:4326",
            append=path.exists(),
        )


def main() -> None:
    # --- geometry problems: readable files, raw geometry returned
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[35.0, 48.0], [35.1, 48.1], [35.1, 48.0], [35.0, 48.1], [35.0, 48.0]]],
    }
    write_text(
        "bowtie.geojson",
        feature_collection([feature(bowtie, name="bow-tie", haz_type="sha", status="open")]),
    )
    swapped = {
        "type": "Polygon",
        "coordinates": [[[51.4, 35.5], [51.4, 35.51], [51.41, 35.51], [51.41, 35.5], [51.4, 35.5]]],
    }
    write_text(
        "swapped_axes.geojson",
        feature_collection([feature(swapped, name="lat/lon order", haz_type="sha", status="open")]),
    )
    write_text(
        "projected_no_crs.geojson",
        feature_collection(
            [
                feature(
                    square(407000.0, 5340000.0, 250.0),
                    name="UTM 36N metres",
                    haz_type="cha",
                    status="open",
                )
            ]
        ),
    )
    write_text("projected_no_crs.csv", "name,haz_type,status,x,y\nUTM point,sha,open,407000.5,5340000.25\n")
    write_text(
        "empty_geometries.geojson",
        feature_collection(
            [
                feature(None, name="null geometry", haz_type="sha", status="open"),
                feature(
                    {"type": "Polygon", "coordinates": []},
                    name="empty polygon",
                    haz_type="sha",
                    status="open",
                ),
                feature(square(35.0, 48.0, 0.01), name="fine", haz_type="sha", status="open"),
            ]
        ),
    )
    write_text(
        "points_for_polygons.geojson",
        feature_collection(
            [
                feature(
                    {"type": "Point", "coordinates": [35.1, 48.2]},
                    name="a point",
                    haz_type="sha",
                    status="open",
                ),
            ]
        ),
    )
    shapefile_zip("utf8_nocpg.zip", encoding="UTF-8", cpg=False)

    # --- format problems: read_layer refuses them with one line
    write_text(
        "cp1251.csv",
        "name,haz_type,status,lon,lat\nСолоне,sha,open,35.1,48.2\nКиївщина,cha,closed,30.5,50.4\n",
        encoding="cp1251",
    )
    shapefile_zip("cp1251_nocpg.zip", encoding="cp1251", cpg=False)
    shapefile_zip("no_dbf.zip", encoding="UTF-8", drop=(".dbf",))
    shapefile_zip("no_shx.zip", encoding="UTF-8", drop=(".shx",))
    whole = (HERE / "no_dbf.zip").read_bytes()
    (HERE / "not_a_zip.zip").write_bytes(whole[: len(whole) // 3])
    write_text("no_geometry.csv", "name,haz_type,status\nNo map,sha,open\n")
    write_text("zero_features.geojson", feature_collection([]))
    write_text("hazards.txt", "this is not a map\n")
    (HERE / "garbage.gpkg").write_bytes(b"PK\x03\x04 a zip renamed to .gpkg, not a GeoPackage\n")
    gpkg(HERE / "two_layers.gpkg", ["hazards", "finds"])

    full = HERE / "full.gpkg"
    gpkg(full, ["hazards"], n=400)
    (HERE / "truncated.gpkg").write_bytes(full.read_bytes()[:16384])
    full.unlink()
    text = feature_collection(
        [
            feature(square(35.0 + i / 100, 48.0, 0.005), name=f"area {i}", haz_type="sha", status="open")
            for i in range(20)
        ]
    )
    write_text("truncated.geojson", text[: len(text) // 2])


if __name__ == "__main__":
    main()
