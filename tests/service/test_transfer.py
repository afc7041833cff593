"""Files in and out of the record: a round trip through every format keeps every attribute and
geometry (issue: Files), imports are all-or-nothing, and synthetic exports say so on every feature."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from landrelease.domain.batch import Batch
from landrelease.domain.model import BY_KIND
from landrelease.errors import Conflict, ValidationError
from landrelease.formats.layer import read_layer
from landrelease.service import records
from landrelease.service.store import open_store
from landrelease.service.transfer import export_file, import_file, read_batch
from landrelease.service.write import write_batch
from landrelease.store.schema import TABLES, audit

FORMATS = ["geojson", "gpkg", "shp.zip", "kml", "csv", "fgb"]


def _seed_record(store) -> None:
    org = records.create(store, "organisation", {"name": "Synthetic Demining Group", "org_kind": "ngo"}).codes[0]
    rng = np.random.default_rng(7)
    n = 12
    x = rng.uniform(35.0, 36.0, n)
    y = rng.uniform(51.0, 51.7, n)
    geoms = shapely.box(x, y, x + 0.003, y + 0.002)
    geoms[3] = shapely.MultiPolygon([shapely.box(35.1, 51.1, 35.101, 51.101), shapely.box(35.2, 51.2, 35.201, 51.2015)])
    cols = {
        "haz_type": ["sha", "cha"] * 6,
        "status": ["open"] * n,
        "name": [f"Поле {i} — “quoted”" if i % 3 == 0 else f"Field {i}" for i in range(n)],  # every area is named
        "dev_susp": [["ap_mine", "uxo"], [], ["at_mine"], None] * 3,
        "benef_exp": [int(v) for v in rng.integers(0, 5000, n)],
        "bm_lon": list(x + 0.001),
        "bm_lat": list(y + 0.001),
        "reported": [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 700, n)],
        "org": [org] * n,
        "land_use": ["agriculture", "forest", None] * 4,
        "attrs": [{"survey_no": i, "team": f"T{i % 3}"} for i in range(n)],
        "synthetic": [True] * n,
    }
    write_batch(store, Batch(BY_KIND["hazardous_area"], cols, geoms))


def _comparable(batch: Batch) -> list[dict]:
    rows = batch.rows()
    for r in rows:
        r["geom"] = shapely.normalize(r["geom"]).wkt if r.get("geom") is not None else None
        r.pop("code", None)
    return sorted(rows, key=lambda r: r["geom"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_every_attribute_and_geometry(sqlite_store, tmp_path, fmt):
    _seed_record(sqlite_store)
    path = tmp_path / f"areas.{fmt}"
    assert export_file(sqlite_store, path) == 12
    layer = read_layer(path)
    assert set(layer.columns["synthetic"]) <= {"yes", True, "1", "true"}  # every feature says so
    other = open_store(str(tmp_path / "other.db"), init=True)
    records.create(other, "organisation", {"name": "Synthetic Demining Group", "org_kind": "ngo"})
    result = import_file(other, path)
    assert result.count == 12
    a = read_batch(sqlite_store, "hazardous_area")
    b = read_batch(other, "hazardous_area")
    assert a.column("code") == b.column("code")  # codes travel with the records
    ra, rb = _comparable(a), _comparable(b)
    for x, y in zip(ra, rb, strict=True):
        gx, gy = shapely.from_wkt(x.pop("geom")), shapely.from_wkt(y.pop("geom"))
        assert shapely.equals_exact(gx, gy, tolerance=1e-9)
        for k in x:
            if isinstance(x[k], float):
                assert y[k] == pytest.approx(x[k], rel=1e-9), k
            else:
                assert y[k] == x[k], (k, x[k], y[k])


def test_reimport_never_overwrites_and_round_trips_on_both_backends(store, tmp_path, fresh_db):
    _seed_record(store)
    path = tmp_path / "areas.gpkg"
    export_file(store, path)
    with pytest.raises(Conflict, match="already in the record"):
        import_file(store, path)  # never overwrites
    other = open_store(fresh_db(), init=True)
    records.create(other, "organisation", {"name": "Synthetic Demining Group", "org_kind": "ngo"})
    import_file(other, path)
    assert read_batch(other, "hazardous_area").column("code") == read_batch(store, "hazardous_area").column("code")


def test_import_is_all_or_nothing(store, tmp_path):
    _seed_record(store)
    path = tmp_path / "areas.geojson"
    export_file(store, path)
    text = path.read_text(encoding="utf-8")
    # damage one feature's vocabulary value: the whole file must be refused
    broken = text.replace('"haz_type": "cha"', '"haz_type": "maybe"', 1)
    broken = broken.replace(
        '"code": "HA-',
        '"code": "XX-',
    )
    bad = tmp_path / "bad.geojson"
    bad.write_text(broken, encoding="utf-8")

    def counts():
        with store.engine.connect() as conn:
            return tuple(
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (TABLES["hazardous_area"], audit)
            )

    before = counts()
    with pytest.raises(ValidationError, match="haz_type"):
        import_file(store, bad)
    assert counts() == before


def test_remaining_geometry_export(sqlite_store, tmp_path):
    _seed_record(sqlite_store)
    code = records.list_records(sqlite_store, "hazardous_area", limit=1)[0]["code"]
    a = records.get(sqlite_store, code)
    west = shapely.box(
        *a["geometry"].bounds[:2], (a["geometry"].bounds[0] + a["geometry"].bounds[2]) / 2, a["geometry"].bounds[3]
    )
    records.create(sqlite_store, "land_release", {"area": code, "rel_type": "cancelled", "date": "2026-01-05"}, west)
    path = tmp_path / "remaining.gpkg"
    export_file(sqlite_store, path, geometry="remaining")
    layer = read_layer(path)
    row = layer.columns["code"].index(code)
    assert layer.columns["area_m2"][row] == pytest.approx(a["area_m2"] / 2, rel=1e-3)
