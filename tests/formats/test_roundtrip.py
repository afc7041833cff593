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
