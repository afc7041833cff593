"""Baselines and plan against actual (issue 14) on a real SQLite record: the synthetic demo region,
a frozen plan for the regiment's three months, synthetic progress recorded against it through the write
path, then the comparison, the deployment report and the re-forecast — through the service and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from landrelease.errors import NotFound, ValidationError
from landrelease.service import baseline as bl
from landrelease.service.demo import build_demo
from landrelease.service.store import open_store
from landrelease.service.transfer import read_batch

SCENARIO = """
[scenario]
name = "Standing + regiment, 3 months"
start = 2026-04-01
seed = 3
simulations = 30
time_limit = 0.5

[capacity]
exclude = []

[[deployment]]
unit = "UNIT-000001"
start = 2026-04-01
end = 2026-06-30
"""


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    d = tmp_path_factory.mktemp("baseline")
    store = open_store(str(d / "demo.db"), actor="test", init=True)
    build_demo(store, n_areas=150, seed=4, today=dt.date(2026, 3, 1))
    (d / "regiment.toml").write_text(SCENARIO, encoding="utf-8")
    s = bl.save(store, d / "regiment.toml", d / "base")
    yield store, d, s
    store.close()


def test_a_baseline_is_frozen_with_its_tasks_and_record_state(record):
    store, d, s = record
    data = bl.load(d / "base")
    assert s["tasks"] == len(data["tasks"]) > 0
    assert data["synthetic"] is True
    regiment = [t for t in data["tasks"] if t["unit"].startswith("UNIT-")]
    assert regiment and all(t["start"] >= "2026-04-01" for t in data["tasks"])
    ha = read_batch(store, "hazardous_area").columns
    remain = dict(zip(ha["code"], ha["remain_m2"], strict=True))
    for code, a in data["record"]["areas"].items():
        assert a["remaining_m2"] == pytest.approx(remain[code], abs=0.1)
    # a changed baseline is refused, with one line that says what to do
    changed = d / "changed"
    changed.mkdir()
    data["tasks"][0]["end"] = "2030-01-01"
    (changed / bl.FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="changed after it was frozen"):
        bl.load(changed)
    with pytest.raises(NotFound):
        bl.load(d / "nowhere")


def test_progress_against_the_baseline_is_compared_and_reforecast(record):
    store, d, _ = record
    before = bl.actual(store, d / "base", as_of=dt.date(2026, 6, 30), reforecast=False)
    assert sum(before["totals"]["achieved_m2"].values()) == 0  # nothing recorded yet
    assert sum(before["totals"]["planned_m2"].values()) > 0
    counts = bl.simulate_actual(store, d / "base", until=dt.date(2026, 6, 30), pace=0.7, seed=2)
    assert counts["activity"] > 0 and counts["progress_report"] > counts["activity"] and counts["land_release"] > 0
    r = bl.actual(store, d / "base", as_of=dt.date(2026, 6, 30), simulations=20)
    tot = r["totals"]
    released = read_batch(store, "land_release").columns
    in_window = sum(
        m for m, day in zip(released["area_m2"], released["date"], strict=True) if dt.date(2026, 4, 1) <= day
    )
    assert sum(tot["achieved_m2"].values()) == pytest.approx(in_window, rel=1e-6)
    # at 0.7 × the planned pace some tasks end late, and the achieved rates sit below the assumed ones
    assert tot["finished_late"] > 0
    assert r["rates"] and all(x["reports"] > 0 for x in r["rates"])
    assert min(x["ratio"] for x in r["rates"]) < 1
    assert [m["month"] for m in r["months"]] == ["2026-04", "2026-05", "2026-06"]
    assert sum(m["achieved_m2"] for m in r["months"]) == pytest.approx(in_window, rel=1e-6)
    units = {u["unit"]: u for u in r["units"]}
    assert sum(sum(u[f"achieved_{k}_m2"] for k in bl.KINDS) for u in units.values()) == pytest.approx(in_window)
    rf = r["reforecast"]
    assert rf["start"] == dt.date(2026, 7, 1) and rf["rates_replaced"] > 0
    assert rf["region"]["p50"] is not None
    text = bl.actual_text(r)
    assert "SYNTHETIC DATA" in text and "Re-forecast" in text
    out = d / "actual"
    bl.write_actual(r, out)
    assert {p.name for p in out.iterdir()} >= {"actual.md", "months.csv", "units.csv", "teams.csv", "areas.csv"}


def test_deployment_report_of_the_regiment(record):
    store, d, _ = record
    r = bl.deployment(store, d / "base", "UNIT-000001", reforecast=False)
    assert (r["start"], r["end"]) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert r["units"] > 1 and r["teams"] > 0 and r["tasks"] > 0
    assert sum(r["achieved_m2"].values()) > 0
    assert sum(r["achieved_m2"].values()) <= sum(r["region_achieved_m2"].values()) + 1e-6
    assert r["qa"]["visits"] > 0 and r["rates"]
    text = bl.deployment_text(r)
    assert "Deployment report: UNIT-000001" in text and "QA visits" in text
    with pytest.raises(NotFound):
        bl.deployment(store, d / "base", "UNIT-999999", end=dt.date(2026, 6, 30), reforecast=False)


def test_cli_plan_actual_and_its_errors(record):
    store, d, _ = record
    db = store.engine.url.database
    cmd = [sys.executable, "-m", "landrelease", "--db", db, "plan"]
    ok = subprocess.run(
        [*cmd, "actual", str(d / "base"), "--as-of", "2026-06-30", "--no-reforecast", "--out", str(d / "cli")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Plan against actual" in ok.stdout and (d / "cli" / "areas.csv").exists()
    bad = subprocess.run([*cmd, "actual", str(d / "base"), "--as-of", "30/06/2026"], capture_output=True, text=True)
    assert bad.returncode != 0 and "as_of" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
