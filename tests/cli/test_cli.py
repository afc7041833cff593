"""End-to-end CLI: the real `landrelease` command in a subprocess on a real SQLite file.

User errors must give exactly one line on stderr, a non-zero exit, and leave the database unchanged
(issue: Tests and bad input) — checked for every file of the bad corpus in tests/data/bad/.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

YEAR = __import__("datetime").date.today().year
BAD = Path(__file__).parent.parent / "data" / "bad"


def run(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, LANDRELEASE_USER="test:cli", COLUMNS="200")
    env.pop("LANDRELEASE_DB", None)
    proc = subprocess.run(
        [sys.executable, "-m", "landrelease", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    return lines[0]


def snapshot(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'rtree_%' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "record.db"
    run(path, "init", "--region", "22,44,40.3,52.4")
    return path


def _hazard_file(tmp_path: Path) -> Path:
    features = []
    for i in range(3):
        x = 35.5 + i * 0.01
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "haz_type": "SHA" if i else "cha",
                    "status": "Open",
                    "name": f"Area {i}",
                    "dev_susp": "ap_mine;at_mine",
                    "survey_ref": f"S-{i}",
                },
                "geometry": shapely.geometry.mapping(shapely.box(x, 51.4, x + 0.005, 51.405)),
            }
        )
    path = tmp_path / "hazards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_import_list_show_history_export_stats(db, tmp_path):
    src = _hazard_file(tmp_path)
    out = run(db, "import", str(src)).stdout
    assert "Imported 3 hazardous area" in out
    listing = run(db, "areas", "list").stdout
    assert "HA-" in listing and "Area 2" in listing
    code = listing.split("HA-")[1].split()[0]
    code = "HA-" + code
    shown = run(db, "areas", "show", code).stdout
    assert "remaining" in shown and "survey_ref" in shown
    hist = run(db, "history", code).stdout
    assert "create" in hist and "test:cli" in hist
    out_file = tmp_path / "out.gpkg"
    run(db, "export", str(out_file))
    from landrelease.formats.layer import read_layer

    layer = read_layer(out_file)
    assert layer.n == 3
    assert all(a > 0 for a in layer.columns["area_m2"])
    assert layer.columns["survey_ref"] == ["S-0", "S-1", "S-2"]
    stats = json.loads(run(db, "stats", "--json").stdout)
    assert sum(r["areas"] for r in stats["contamination"]) == 3
    assert "Contamination" in run(db, "stats").stdout


def test_check_lists_overlaps(db, tmp_path):
    src = _hazard_file(tmp_path)
    run(db, "import", str(src))
    # a second file with an area overlapping Area 0 by half
    overlapping = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"haz_type": "sha", "status": "open", "name": "Overlapping area"},
                "geometry": shapely.geometry.mapping(shapely.box(35.5025, 51.4, 35.5075, 51.405)),
            }
        ],
    }
    path = tmp_path / "overlap.geojson"
    path.write_text(json.dumps(overlapping), encoding="utf-8")
    run(db, "import", str(path))
    found = json.loads(run(db, "check", "--json").stdout)
    overlaps = [f for f in found if f["check"] == "overlap"]
    assert len(overlaps) == 1  # half of Area 0: 0.0025° × 0.005° at 51.4 N ≈ 174 m × 556 m
    assert overlaps[0]["area_m2"] == pytest.approx(96_777, rel=0.01)
    assert {overlaps[0]["code"], overlaps[0]["other"]} == {f"HA-{YEAR}-000001", f"HA-{YEAR}-000004"}
    strict = run(db, "check", "--strict", ok=False)
    assert strict.returncode == 1


BAD_CASES = {
    "bowtie.geojson": ("self-intersection", []),
    "swapped_axes.geojson": ("swapped", []),
    "projected_no_crs.geojson": ("CRS", []),
    "projected_no_crs.csv": ("CRS", ["--mapping", str(Path(__file__).parent / "eo_defaults.toml")]),
    "empty_geometries.geojson": ("no geometry", []),
    "cp1251.csv": ("--encoding", []),
    "cp1251_nocpg.zip": ("--encoding", []),
    "truncated.geojson": ("truncated", []),
    "truncated.gpkg": ("truncated", []),
    "garbage.gpkg": ("GDAL", []),
    "no_dbf.zip": (".dbf", []),
    "no_shx.zip": (".shx", []),
    "not_a_zip.zip": ("zip", []),
    "points_for_polygons.geojson": ("--kind", []),
    "zero_features.geojson": ("no features", []),
    "two_layers.gpkg": ("--layer", []),
    "no_geometry.csv": ("geometry", []),
    "hazards.txt": ("unknown file type", []),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_gives_one_clear_line_and_changes_nothing(db, tmp_path, name):
    # an existing record, so "unchanged" is checked against real content
    run(db, "import", str(_hazard_file(tmp_path)))
    before = snapshot(db)
    expect, extra = BAD_CASES[name]
    proc = run(db, "import", str(BAD / name), *extra, ok=False)
    line = one_line_error(proc)
    assert expect.lower() in line.lower(), line
    assert snapshot(db) == before


def test_points_import_as_hazards_refused_even_with_kind(db):
    proc = run(db, "import", str(BAD / "points_for_polygons.geojson"), "--kind", "hazardous_area", ok=False)
    assert "Point" in one_line_error(proc)


def test_missing_database_and_unknown_code(tmp_path):
    proc = run(tmp_path / "nothing.db", "stats", ok=False)
    assert "landrelease init" in one_line_error(proc)
    db = tmp_path / "r.db"
    run(db, "init")
    proc = run(db, "areas", "show", "HA-2026-999999", ok=False)
    assert "no hazardous area" in one_line_error(proc)
    proc = run(db, "history", "ZZ-1", ok=False)
    assert "cannot tell the kind" in one_line_error(proc)


def test_history_shows_a_past_version_with_its_geometry(db, tmp_path):
    run(db, "import", str(_hazard_file(tmp_path)))
    from landrelease.service import records
    from landrelease.service.store import open_store

    store = open_store(str(db), actor="test:editor")
    code = records.list_records(store, "hazardous_area", limit=1)[0]["code"]
    records.update(store, code, {"name": "Renamed"}, geometry=shapely.box(35.5, 51.4, 35.502, 51.401))
    store.close()
    hist = run(db, "history", code).stdout
    assert "test:editor" in hist and "Renamed" in hist
    v1 = run(db, "history", code, "--version", "1").stdout
    assert "Area 0" in v1 and "POLYGON" in v1 and "35.505" in v1  # the original perimeter
    v2 = run(db, "history", code, "--version", "2").stdout
    assert "Renamed" in v2 and "35.502" in v2 and "35.505" not in v2
