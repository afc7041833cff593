"""Planning a scenario on a real record: the synthetic demo region through the service and the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from landrelease.errors import NotFound, ValidationError
from landrelease.formats.layer import read_layer
from landrelease.planning.scenario import parse_scenario
from landrelease.service.demo import build_demo
from landrelease.service.planning import compare, read_record, run_scenario
from landrelease.service.store import open_store

BASE = {
    "scenario": {"name": "standing", "start": "2027-04-01", "simulations": 40, "time_limit": 0.5, "seed": 2},
    "capacity": {"exclude": ["UNIT-000001"]},
    "calendar": {"season": [0.3, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 0.9, 0.6, 0.3], "standdown": 0.08},
}
REGIMENT = {
    **BASE,
    "scenario": {**BASE["scenario"], "name": "regiment"},
    "capacity": {"exclude": []},
    "deployment": [{"unit": "UNIT-000001", "start": "2027-04-01", "end": "2027-06-30"}],
}


def toml(d: dict) -> str:
    lines = []
    for k, v in d.items():
        if isinstance(v, list):
            for item in v:
                lines.append(f"[[{k}]]")
                lines += [f"{a} = {_val(b)}" for a, b in item.items()]
        else:
            lines.append(f"[{k}]")
            lines += [f"{a} = {_val(b)}" for a, b in v.items()]
    return "\n".join(lines) + "\n"


def _val(v):
    if isinstance(v, str):
        return v if v[:4].isdigit() and v.count("-") == 2 else f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    return str(v)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "demo.db"
    store = open_store(str(path), actor="test", init=True)
    build_demo(store, n_areas=150, seed=4)
    yield store, path
    store.close()


def test_deployment_releases_more_and_is_compared_on_the_same_draws(demo, tmp_path):
    store, _ = demo
    rec = read_record(store)
    a = run_scenario(rec, parse_scenario(toml_dict(BASE)))
    b = run_scenario(rec, parse_scenario(toml_dict(REGIMENT)))
    assert len(b.plan.teams) > len(a.plan.teams)
    np.testing.assert_array_equal(a.forecast.cancel, b.forecast.cancel)  # common random numbers
    day = 91
    assert np.median(b.forecast.released_by(day)) > np.median(a.forecast.released_by(day))
    # regiment teams work only inside their window
    ph = b.plan.physical
    k = ph.team[ph.team >= 0]
    windowed = np.isfinite(b.plan.teams.last[k])
    assert windowed.any() and (ph.end[ph.team >= 0][windowed] <= 91).all()
    assert 0 < b.plan.bound <= b.plan.objective_wd
    # some rates come from the record, the others say they are defaults
    sources = {r["source"].split(":")[0] for r in b.rates.rows()}
    assert "record" in sources and len(sources) > 1
    p1 = tmp_path / "a.toml"
    p2 = tmp_path / "b.toml"
    p1.write_text(toml(BASE))
    p2.write_text(toml(REGIMENT))
    rows = compare(store, [str(p1), str(p2)], out=str(tmp_path / "cmp.png"))
    assert [r["scenario"] for r in rows] == ["standing", "regiment"]
    assert rows[1]["released_3m_km2"] > rows[0]["released_3m_km2"]
    assert (tmp_path / "cmp.png").stat().st_size > 10_000


def toml_dict(d):
    import tomllib

    return tomllib.loads(toml(d))


def test_capacity_scale_multiplies_record_teams(demo):
    store, _ = demo
    rec = read_record(store)
    one = run_scenario(rec, parse_scenario(toml_dict(BASE)), simulations=5)
    two = run_scenario(
        rec, parse_scenario(toml_dict({**BASE, "capacity": {**BASE["capacity"], "scale": 2}})), simulations=5
    )
    assert len(two.plan.teams) == 2 * len(one.plan.teams)
    assert len(set(two.plan.teams.code)) == len(two.plan.teams)


def test_unknown_unit_is_one_clear_error(demo):
    store, _ = demo
    bad = {**BASE, "capacity": {"exclude": ["UNIT-999999"]}}
    with pytest.raises(NotFound, match="UNIT-999999"):
        run_scenario(read_record(store), parse_scenario(toml_dict(bad)))
    with pytest.raises(ValidationError, match="admin1"):
        run_scenario(read_record(store), parse_scenario(toml_dict({**BASE, "areas": {"admin1": ["Nowhere"]}})))


def test_cli_plan_run_writes_every_output(demo, tmp_path):
    _, db = demo
    sc = tmp_path / "s.toml"
    sc.write_text(toml(BASE))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "landrelease", "--db", str(db), "plan", "run", str(sc), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for f in ("plan.csv", "plan.gpkg", "areas.csv", "rates.csv", "gantt.png", "burndown.png", "summary.md"):
        assert (out / f).stat().st_size > 0, f
    rows = list(csv.DictReader(open(out / "plan.csv", encoding="utf-8")))
    assert {"task", "team", "start", "end"} <= set(rows[0])
    lay = read_layer(out / "plan.gpkg")
    assert lay.n == len(rows)
    assert "P50" in (out / "summary.md").read_text()
    # planned on the synthetic demo: every output says so (never present generated hazards as real)
    assert "SYNTHETIC DATA" in proc.stdout and "SYNTHETIC DATA" in (out / "summary.md").read_text()
    assert {r["synthetic"] for r in rows} == {"yes"} and set(lay.columns["synthetic"]) == {"yes"}
    for f in ("areas.csv", "rates.csv", "assumptions.csv"):
        assert {r["synthetic"] for r in csv.DictReader(open(out / f, encoding="utf-8"))} == {"yes"}, f
    # which figures come from data, which from cited defaults, which are assumptions
    rates = list(csv.DictReader(open(out / "rates.csv", encoding="utf-8")))
    assert {r["origin"] for r in rates} <= {"record", "scenario file", "cited default", "ASSUMPTION"}
    assert all((r["origin"] == "record") == (int(r["reports"]) > 0) for r in rates)
    assert any(r["origin"] == "record" for r in rates) and any(r["origin"] == "ASSUMPTION" for r in rates)
    shown = proc.stdout.replace("\n", " ")
    n_record = sum(r["origin"] == "record" for r in rates)
    assert f"Rates: {n_record} from the record" in " ".join(shown.split())
    assumed = {r["name"]: r for r in csv.DictReader(open(out / "assumptions.csv", encoding="utf-8"))}
    assert assumed["ts_effort"]["origin"] == "ASSUMPTION"
    assert assumed["season"]["origin"] == "scenario file"  # BASE sets it
    assert assumed["km_per_day"]["origin"] == "ASSUMPTION"
    assert "ASSUMPTION" in (out / "summary.md").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nstart = 'tomorrow'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "landrelease", "--db", str(db), "plan", "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1 and "start" in proc.stderr
    assert Path(out / "plan.csv").exists()


def test_dask_forecast_equals_single_process(demo):
    """The forecast over a Dask cluster (in-process workers here) equals the single-process run."""
    from distributed import Client

    from landrelease.service.planning import forecast

    store, _ = demo
    o = run_scenario(read_record(store), parse_scenario(toml_dict(BASE)), simulations=20)
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as client:
        fd = forecast(o.plan, o.release, n_sims=20, seed=o.scenario.seed, client=client, chunk=6)
    np.testing.assert_array_equal(fd.completion, o.forecast.completion)
    np.testing.assert_array_equal(fd.released_by(365), o.forecast.released_by(365))


def test_sensitivity_moves_one_assumption_at_a_time_and_draws_a_tornado(demo, tmp_path):
    from landrelease.service.planning import sensitivity

    store, _ = demo
    p = tmp_path / "s.toml"
    p.write_text(toml(BASE))
    r = sensitivity(store, p, tmp_path / "tornado.png", simulations=20)
    names = [x["assumption"] for x in r["rows"]]
    assert names == [
        "Share of clean SHAs NTS cancels",
        "Clearance rates (m²/day)",
        "Team count",
        "Working days a week",
        "Survey (NTS) rate",
    ]
    by = {x["assumption"]: x for x in r["rows"]}
    # more capacity never takes longer on the same draws: twice the teams, six working days, faster survey
    assert by["Team count"]["p50_high"] <= by["Team count"]["p50_low"]
    assert by["Working days a week"]["p50_high"] <= by["Working days a week"]["p50_low"]
    assert by["Survey (NTS) rate"]["p50_high"] <= by["Survey (NTS) rate"]["p50_low"]
    assert r["synthetic"] and (tmp_path / "tornado.png").stat().st_size > 10_000
