"""Write a batch to every format, read it back, and get every value and geometry back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely

from landrelease.domain.batch import Batch
from landrelease.domain.model import EO_FIND, HAZARDOUS_AREA, Entity
from landrelease.formats import batch_to_columns, layer_to_batch, read_layer, write_layer

FORMATS = ["geojson", "gpkg", "shp.zip", "zip", "kml", "csv", "fgb"]
# coordinates written as text keep 15 significant digits; the others keep every bit
TOLERANCE = {"kml": 1e-9, "csv": 1e-9}


def hazard_batch() -> Batch:
    poly = shapely.Polygon([(35.1, 48.2), (35.1234567891234, 48.2), (35.12, 48.2123456789), (35.1, 48.2)])
    holed = shapely.Polygon(
        [(30.0, 50.0), (30.01, 50.0), (30.01, 50.01), (30.0, 50.01), (30.0, 50.0)],
        holes=[[(30.002, 50.002), (30.002, 50.004), (30.004, 50.004), (30.004, 50.002)]],
    )
    multi = shapely.MultiPolygon([shapely.box(36.0, 47.0, 36.001, 47.001), shapely.box(36.01, 47.01, 36.011, 47.0123)])
    geoms = np.array([poly, holed, multi], dtype=object)
    cols = {
        "code": ["HA-2026-000001", "HA-2026-000002", None],
        "name": ["Солоне", "Field near Ïrpin' — «north»", None],
        "haz_type": ["sha", "cha", "cha"],
        "status": ["open", "closed", "handed_over"],
        "dev_susp": [["ap_mine", "at_mine"], ["uxo"], None],
        "dev_conf": [None, ["ap_mine"], ["submunition", "ied", "saa"]],
        "evidence": [["witness"], ["eo_found", "accident"], None],
        "evid_desc": ["Shepherd saw a tripwire, 2 m from the track", None, "PMN-2 found"],
        "bm_lon": [35.1000001, 30.123456789012345, None],
        "bm_lat": [48.2, 50.00000123, None],
        "benef_exp": [120, 0, None],
        "benef_conf": [None, 3000000000, 7],
        "land_use": ["agriculture", None, "forest"],
        "blockages": [["road", "housing"], None, ["agriculture"]],
        "terrain": ["open", "dense", None],
        "admin1": ["Донецька", "Kyivska", None],
        "admin2": [None, "Bucha", "Izium"],
        "settlement": ["Солоне", None, "Kamianka"],
        "org": ["ORG-0001", None, "ORG-0002"],
        "reported": [dt.date(2023, 4, 5), None, dt.date(1999, 12, 31)],
        "synthetic": [True, True, True],
        "attrs": [
            {"survey_id": 17, "score": 0.125, "note": "ünïcode ✓"},
            {"survey_id": 18, "team": "HALO-3"},
            {"score": 2.5, "note": "0.50 kept as text"},
        ],
    }
    return Batch(HAZARDOUS_AREA, cols, geoms)


def find_batch() -> Batch:
    geoms = shapely.points([[35.123456789, 48.987654321], [-74.05, 4.6]])
    cols = {
        "code": ["EO-1", "EO-2"],
        "category": ["ap_mine", "uxo"],
        "model": ["PMN-2", None],
        "condition": ["armed", None],
        "depth_cm": [5.5, None],
        "quantity": [1, 12],
        "disposal": ["destroyed_in_situ", "pending"],
        "date": [dt.date(2024, 2, 29), dt.date(2025, 1, 1)],
        "activity": ["ACT-9", None],
        "area": [None, "HA-2026-000002"],
        "synthetic": [False, False],
        "attrs": [{"found_by": "MDD team 4"}, {}],
    }
    return Batch(EO_FIND, cols, np.array(geoms, dtype=object))


def roundtrip(tmp_path: Path, batch: Batch, fmt: str) -> Batch:
    ent = batch.entity
    path = tmp_path / f"out.{fmt}"
    columns, types = batch_to_columns(ent, batch)
    write_layer(path, batch.geoms, columns, field_types=types)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp files left
    return layer_to_batch(ent, read_layer(path))


def assert_same(ent: Entity, a: Batch, b: Batch, fmt: str) -> None:
    assert len(a) == len(b)
    for f in ent.input_fields:
        assert b.column(f.name) == a.column(f.name), f.name
    assert b.column("code") == a.column("code")
    assert b.column("synthetic") == a.column("synthetic")
    assert b.column("attrs") == a.column("attrs")
    tol = TOLERANCE.get(fmt, 0.0)
    for g1, g2 in zip(a.geoms, b.geoms, strict=True):
        assert g2.geom_type == g1.geom_type
        if tol:
            assert shapely.equals_exact(shapely.normalize(g1), shapely.normalize(g2), tolerance=tol)
        else:  # bit for bit, up to ring orientation (Shapefile rewrites it)
            assert shapely.normalize(g1).wkb == shapely.normalize(g2).wkb


@pytest.mark.parametrize("fmt", FORMATS)
def test_hazardous_areas_round_trip(tmp_path: Path, fmt: str) -> None:
    batch = hazard_batch()
    back = roundtrip(tmp_path, batch, fmt)
    assert_same(HAZARDOUS_AREA, batch, back, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_eo_finds_round_trip(tmp_path: Path, fmt: str) -> None:
    batch = find_batch()
    back = roundtrip(tmp_path, batch, fmt)
    assert_same(EO_FIND, batch, back, fmt)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "shp.zip", "kml", "csv"])
def test_files_declare_what_they_hold_for_older_readers(tmp_path: Path, fmt: str) -> None:
    """What QGIS 3.22 / GDAL 3.6 read before any feature (issue 16 item 7): a GeoPackage 1.2 (1.4 gives
    a warning on every open there), one declared geometry type that matches the features (mixed
    Polygon/MultiPolygon → MultiPolygon), the layer's title and description where the format has a
    place for them, and `synthetic` as a boolean where the format has booleans."""
    import sqlite3

    import pyogrio

    batch = hazard_batch()  # a Polygon, a holed Polygon and a MultiPolygon
    path = tmp_path / f"areas.{fmt}"
    columns, types = batch_to_columns(HAZARDOUS_AREA, batch)
    write_layer(path, batch.geoms, columns, field_types=types, title="Hazardous areas — SYNTHETIC",
                description="SYNTHETIC DATA: generated. Suspected and confirmed hazardous areas.")  # fmt: skip
    source = f"/vsizip/{path}" if fmt == "shp.zip" else str(path)
    info = pyogrio.read_info(source)
    if fmt in ("gpkg", "geojson", "fgb"):  # a Shapefile's polygon type holds both; KML and CSV declare none
        assert info["geometry_type"] == "MultiPolygon"
    dtype = dict(zip(info["fields"], info["dtypes"], strict=True))["synthetic"]
    # Shapefile: a dBase logical; KML: text 1/0 (GDAL 3.6 misreads KML's true/false); CSV: true/false
    assert dtype == ("object" if fmt in ("csv", "kml") else "bool"), dtype
    meta = info.get("layer_metadata") or {}
    if fmt == "gpkg":
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
            assert db.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
        assert meta["IDENTIFIER"] == "Hazardous areas — SYNTHETIC" and "SYNTHETIC" in meta["DESCRIPTION"]
    if fmt in ("geojson", "fgb"):
        assert "SYNTHETIC" in meta["DESCRIPTION"]
    if fmt == "kml":
        assert "<name>Hazardous areas — SYNTHETIC</name>" in path.read_text(encoding="utf-8")
    back = layer_to_batch(HAZARDOUS_AREA, read_layer(path))
    assert [g.geom_type for g in back.geoms] == ["Polygon", "Polygon", "MultiPolygon"]  # as they were
    assert back.column("synthetic") == [True, True, True]
    # one kind only: the declaration is that kind, not Multi
    singles = Batch(HAZARDOUS_AREA, {k: v[:2] for k, v in batch.columns.items()}, batch.geoms[:2])
    columns, types = batch_to_columns(HAZARDOUS_AREA, singles)
    write_layer(path, singles.geoms, columns, field_types=types)
    if fmt in ("gpkg", "geojson", "fgb"):
        assert pyogrio.read_info(str(path))["geometry_type"] == "Polygon"


def test_export_file_titles_the_layer_and_marks_synthetic_data(sqlite_store, tmp_path: Path) -> None:
    import pyogrio

    from landrelease.service.demo import build_demo
    from landrelease.service.transfer import export_file

    build_demo(sqlite_store, n_areas=20, seed=3)
    export_file(sqlite_store, tmp_path / "areas.gpkg")
    info = pyogrio.read_info(str(tmp_path / "areas.gpkg"))
    assert info["layer_metadata"]["IDENTIFIER"] == "Hazardous areas — SYNTHETIC"
    assert info["layer_metadata"]["DESCRIPTION"].startswith("SYNTHETIC DATA")
    assert info["geometry_type"] in ("Polygon", "MultiPolygon")
    geoms = read_layer(tmp_path / "areas.gpkg").geoms
    kinds = {g.geom_type for g in geoms}
    assert info["geometry_type"] == ("MultiPolygon" if "MultiPolygon" in kinds else "Polygon")
