"""A real QGIS in the test suite (issue 16 item 2): Debian's QGIS 3.22 (python3-qgis, installed by
scripts/install-test-deps.sh) signs in to `landrelease serve` with a stock Basic authentication
configuration (account name + API token), loads every collection, and must see what the server holds:
counts, a bbox, an attribute filter and a date filter; it opens every file the CLI exports without a
warning (GeoPackage 1.2, declared geometry types); and it renders one map, kept as out/test/qgis-map.png.

QGIS installs into Debian's Python (/usr/bin/python3), not the project's venv: the test runs
tests/server/qgis_client.py there as a subprocess, headless (QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from live import ServeProcess, call

from landrelease.service import accounts
from landrelease.service.demo import build_demo
from landrelease.service.store import open_store

SYSTEM_PYTHON = "/usr/bin/python3"
ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ["hazardous-areas", "activities", "land-releases", "eo-finds", "accidents", "risk-education", "qa-visits"]
EXPORTS = [
    ("hazardous_area", "areas.gpkg"),
    ("hazardous_area", "areas.geojson"),
    ("hazardous_area", "areas.shp.zip"),
    ("hazardous_area", "areas.kml"),
    ("hazardous_area", "areas.csv"),
    ("hazardous_area", "areas.fgb"),
    ("activity", "activities.gpkg"),
    ("land_release", "releases.gpkg"),
    ("eo_find", "finds.gpkg"),
    ("accident", "accidents.gpkg"),
    ("risk_education", "risk_education.gpkg"),
    ("qa_visit", "qa_visits.gpkg"),
]


def _qgis_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=120)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _qgis_available(), reason="Debian's python3-qgis is missing: run scripts/install-test-deps.sh"
)


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """A synthetic demo record with a viewer holding an API token, its CLI exports, and the server."""
    work = tmp_path_factory.mktemp("qgis")
    db = str(work / "demo.db")
    store = open_store(db, actor="test:qgis", init=True)
    build_demo(store, n_areas=60, seed=3)
    accounts.add_account(store, "vera", role="viewer", password="correct horse battery staple")
    token = accounts.create_token(store, "vera", "qgis 3.22")
    store.close()
    files = []
    for kind, name in EXPORTS:  # as a user exports them: the CLI, acting as the viewer
        path = work / name
        cli = [sys.executable, "-m", "landrelease", "--db", db, "--as", "vera", "export", str(path), "--kind", kind]
        done = subprocess.run(cli, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        files.append(str(path))
    with ServeProcess(db) as server:
        yield {"url": server.url, "token": token, "files": files, "work": work, "server": server}


def test_qgis_322_reads_the_record_and_its_exports(record):
    url = record["url"]
    everything = {c: call("GET", f"{url}/collections/{c}/items?limit=10000").json["features"] for c in COLLECTIONS}
    areas = everything["hazardous-areas"]
    lo = shapely.total_bounds(shapely.from_geojson([json.dumps(f["geometry"]) for f in areas]))
    bbox = [lo[0], lo[1], (lo[0] + lo[2]) / 2, (lo[1] + lo[3]) / 2]
    reported = sorted(f["properties"]["reported"] for f in areas if f["properties"]["reported"])
    # a day no area was reported on: QGIS 3.22 sends "<" as an inclusive datetime interval
    cut = dt.date.fromisoformat(reported[len(reported) // 3])
    while cut.isoformat() in reported:
        cut += dt.timedelta(days=1)
    cut = cut.isoformat()
    subsets = {
        "hazardous-areas": ["\"haz_type\" = 'cha'", f"\"reported\" < '{cut}'", "\"dev_susp\" LIKE '%ap_mine%'"],
        "eo-finds": ["\"category\" = 'uxo'"],
    }
    image = ROOT / "out" / "test" / "qgis-map.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    control = record["work"] / "control-gpkg-1.4.gpkg"  # GDAL's default version: QGIS 3.22 must warn on it
    _write_control(control)
    job = {
        "url": url,
        "username": "vera",
        "token": record["token"],
        "collections": COLLECTIONS,
        "bbox": bbox,
        "subsets": subsets,
        "files": [*record["files"], str(control)],
        "image": str(image),
        "auth_dir": str(record["work"] / "qgis-profile"),
    }
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(record["work"])}
    env.pop("PYTHONPATH", None)  # Debian's Python with its own packages, nothing of the venv
    done = subprocess.run(
        [SYSTEM_PYTHON, str(Path(__file__).with_name("qgis_client.py"))],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["qgis"].startswith("3.") and report["auth_config"] and report["log_capture"]

    # every collection, its count, its features, a bbox, the filters
    for cid in COLLECTIONS:
        got = report["collections"][cid]
        assert got["valid"], cid
        assert got["feature_count"] == got["iterated"] == len(everything[cid]), cid
        assert got["geometry"] in ("Point", "Polygon", "MultiPolygon"), (cid, got["geometry"])
        box = shapely.box(*bbox)
        inside = sorted(
            f["id"] for f in everything[cid] if f["geometry"] and box.intersects(shapely.box(*_bounds(f["geometry"])))
        )
        assert got["in_bbox"] == inside, cid
    assert report["collections"]["activities"]["geometry"] == "Point"  # every collection locatable
    assert report["collections"]["activities"]["extent"][0] > -180
    props = {f["id"]: f["properties"] for f in areas}
    expected = {
        "\"haz_type\" = 'cha'": [c for c, p in props.items() if p["haz_type"] == "cha"],
        f"\"reported\" < '{cut}'": [c for c, p in props.items() if p["reported"] and p["reported"] < cut],
        "\"dev_susp\" LIKE '%ap_mine%'": [c for c, p in props.items() if "ap_mine" in (p["dev_susp"] or "")],
    }
    for expression, codes in expected.items():
        assert report["collections"]["hazardous-areas"]["subsets"][expression] == sorted(codes), expression
        assert 0 < len(codes) < len(areas), expression
    finds = [f["id"] for f in everything["eo-finds"] if f["properties"]["category"] == "uxo"]
    assert report["collections"]["eo-finds"]["subsets"]["\"category\" = 'uxo'"] == sorted(finds)

    # every CLI export opens, with its features and no warning; the control file shows warnings are caught
    for path in record["files"]:
        got = report["files"][path]
        assert got["valid"] and got["feature_count"] == got["iterated"] > 0, path
        assert got["warnings"] == [], (path, got["warnings"])
        if path.endswith(".gpkg"):
            assert "SYNTHETIC" in got["gdal_metadata"].get("IDENTIFIER", ""), path
            assert got["types"]["synthetic"].lower() in ("boolean", "integer"), got["types"]
    assert any("partially supported" in w for w in report["files"][str(control)]["warnings"])

    # one map, kept in the test output
    assert report["image"]["width"] == 800 and report["image"]["inked"] > 500  # sampled every 2nd pixel
    assert image.exists() and image.stat().st_size > 5000
    shutil.copy(image, record["work"] / image.name)


def _bounds(geometry: dict) -> tuple[float, ...]:
    return tuple(shapely.bounds(shapely.from_geojson(json.dumps(geometry))))


def _write_control(path: Path) -> None:
    """A GeoPackage as GDAL writes it by default (1.4): QGIS 3.22's GDAL warns on opening it."""
    import numpy as np

    wkb = shapely.to_wkb(np.array([shapely.box(0, 0, 1, 1)], dtype=object))
    pyogrio.raw.write(str(path), wkb, [np.array(["x"], dtype=object)], ["name"], driver="GPKG",
                      geometry_type="Polygon", crs="EPSG:4326", dataset_options={"VERSION": "1.4"})  # fmt: skip
