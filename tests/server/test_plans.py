"""The plan and forecast view's API on a live server, on both backends: scenario files listed, a run in
the background while the server keeps answering, its Gantt bars and burn-down band consistent with the
record and the planning summary, cached by scenario + record state (a write makes it stale), bad input
as problem details."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from live import LiveServer, call

from landrelease.server.app import create_app
from landrelease.service import query
from landrelease.service.demo import build_demo

SCENARIOS = Path(__file__).parents[2] / "scenarios"


@pytest.fixture
def planned(store, tmp_path):
    """A small demo record behind a live server whose plan page offers two scenario files and a bad one."""
    build_demo(store, n_areas=60, seed=3)
    d = tmp_path / "scenarios"
    (d / "more").mkdir(parents=True)
    shutil.copy(SCENARIOS / "standing.toml", d / "standing.toml")
    shutil.copy(SCENARIOS / "standing-plus-survey.toml", d / "more" / "survey.toml")
    (d / "broken.toml").write_text('[scenario]\nname = "broken"\nstart = "not a date"\n')
    cache = tmp_path / "plan-cache"
    with LiveServer(create_app(store, scenarios=d, plan_cache=cache)) as s:
        s.store, s.scenarios, s.cache = store, d, cache
        yield s


def _wait(server, sid: str, timeout: float = 180) -> tuple[dict, bool]:
    """Poll until the run is done or failed; also read the record while it runs. Returns the final
    entry and whether a read was answered while the run was still running."""
    deadline = time.monotonic() + timeout
    answered_while_running = False
    while time.monotonic() < deadline:
        st = call("GET", f"{server.url}/api/plans/{sid}").json["run"]
        if st["state"] in ("done", "failed"):
            return st, answered_while_running
        assert st["state"] in ("queued", "running"), st
        r = call("GET", f"{server.url}/api/hazardous-areas?limit=1")
        assert r.status == 200
        after = call("GET", f"{server.url}/api/plans/{sid}").json["run"]["state"]
        answered_while_running |= st["state"] == "running" and after == "running"
        time.sleep(0.2)
    raise AssertionError(f"the run of {sid} did not finish in {timeout} s")


def test_run_a_scenario_in_the_background(planned):
    s = planned
    listing = call("GET", f"{s.url}/api/plans").json
    by_id = {x["id"]: x for x in listing["scenarios"]}
    assert set(by_id) == {"standing", "broken", "more:survey"}
    assert by_id["standing"]["name"] == "Standing capacity" and by_id["standing"]["run"]["state"] == "none"
    assert by_id["broken"]["run"]["state"] == "invalid" and "start" in by_id["broken"]["error"]
    assert "standing capacity" in by_id["standing"]["description"].lower()

    r = call("GET", f"{s.url}/api/plans/standing/result")
    assert r.status == 404 and r.type.startswith("application/problem+json") and "POST" in r.json["detail"]

    r = call("POST", f"{s.url}/api/plans/standing/run")
    assert r.status == 202 and r.json["state"] in ("queued", "running")
    assert r.headers["location"] == "/api/plans/standing"
    again = call("POST", f"{s.url}/api/plans/standing/run")  # no second run of the same thing
    assert again.status == 202 and again.json["key"] == r.json["key"]
    st, answered = _wait(s, "standing")
    assert st["state"] == "done", st
    assert answered, "the server did not answer a read while the plan was running"

    res = call("GET", f"{s.url}/api/plans/standing/result").json
    summary = res["summary"]
    assert res["synthetic"] is True and summary["synthetic"] is True
    assert res["web"]["simulations"] == summary["simulations"] <= res["web"]["scenario_simulations"]
    # the plan covers the record's open areas
    open_areas = query.search(s.store, "hazardous_area", where={"status": "open"}, limit=10_000).items
    remaining = {a["code"]: a["remain_m2"] for a in open_areas if (a["remain_m2"] or 0) > 1.0}
    assert summary["areas"] == len(remaining)
    assert summary["remaining_km2"] == pytest.approx(sum(remaining.values()) / 1e6, rel=1e-6)
    g = res["gantt"]
    assert g["per"] == "team" and len(g["rows"]) == summary["teams"] and g["stages"] == ["nts", "physical"]
    physical = [b for b in g["bars"] if g["stages"][b[3]] == "physical"]
    assert {b[4] for b in physical} <= set(remaining)
    assert len(physical) == summary["areas"] - summary["unplanned_areas"]
    assert len({b[4] for b in physical}) == len(physical)  # each area's physical work once
    for row, a, b, _stage, _area in g["bars"]:
        assert 0 <= row < len(g["rows"]) and 0 <= a <= b
    # one team never works two tasks at once
    by_row: dict[int, list] = {}
    for row, a, b, *_ in g["bars"]:
        by_row.setdefault(row, []).append((a, b))
    for spans in by_row.values():
        spans.sort()
        assert all(spans[i][1] <= spans[i + 1][0] + 0.02 for i in range(len(spans) - 1))
    bd = res["burndown"]
    n = len(bd["days"])
    assert n > 10 and len(bd["p10"]) == len(bd["p50"]) == len(bd["p90"]) == n
    assert all(lo <= mid <= hi for lo, mid, hi in zip(bd["p10"], bd["p50"], bd["p90"], strict=True))
    assert bd["p50"][0] == pytest.approx(summary["remaining_km2"], rel=1e-3)
    assert all(x >= y - 1e-9 for x, y in zip(bd["p50"], bd["p50"][1:], strict=False))  # burns down
    assert bd["p50"][-1] < 0.05 * bd["p50"][0]
    assert summary["p10_years"] <= summary["p50_years"] <= summary["p90_years"]
    assert summary["released_3m_km2"] <= summary["released_12m_km2"] <= summary["released_24m_km2"]
    assert 0 <= summary["gap"] < 1

    # cached: asking again says done at once; the listing carries the summary for the comparison
    r = call("POST", f"{s.url}/api/plans/standing/run")
    assert r.status == 200 and r.json["state"] == "done"
    entry = {x["id"]: x for x in call("GET", f"{s.url}/api/plans").json["scenarios"]}["standing"]
    assert entry["run"]["summary"] == summary

    # another server on the same cache (a second worker, a restart) sees the same result
    with LiveServer(create_app(s.store, scenarios=s.scenarios, plan_cache=s.cache)) as other:
        assert call("GET", f"{other.url}/api/plans/standing").json["run"]["state"] == "done"
        assert call("GET", f"{other.url}/api/plans/standing/result").json == res

    # a write to the record makes the result stale: not shown as current
    code = open_areas[0]["code"]
    cur = call("GET", f"{s.url}/api/hazardous-areas/{code}").json
    r = call("PATCH", f"{s.url}/api/hazardous-areas/{code}", {"name": "renamed", "version": cur["version"]})
    assert r.status == 200, r.body
    assert call("GET", f"{s.url}/api/plans/standing").json["run"]["state"] == "none"
    assert call("GET", f"{s.url}/api/plans/standing/result").status == 404


def test_bad_requests(planned):
    s = planned
    r = call("POST", f"{s.url}/api/plans/nothing-here/run")
    assert r.status == 404 and r.type.startswith("application/problem+json") and "nothing-here" in r.json["detail"]
    r = call("POST", f"{s.url}/api/plans/broken/run")
    assert r.status == 422 and r.type.startswith("application/problem+json")
    assert "\n" not in r.json["detail"] and "start" in r.json["detail"]
    assert not any(s.cache.glob("*")) or not any(p.suffix == ".run" for p in s.cache.iterdir())


def test_a_run_that_fails_says_why(sqlite_store, tmp_path):
    """An empty record has nothing to plan: the run fails with the planning service's message."""
    d = tmp_path / "scenarios"
    d.mkdir()
    shutil.copy(SCENARIOS / "standing.toml", d / "standing.toml")
    with LiveServer(create_app(sqlite_store, scenarios=d, plan_cache=tmp_path / "cache")) as s:
        assert call("POST", f"{s.url}/api/plans/standing/run").status == 202
        st, _ = _wait(s, "standing")
        assert st["state"] == "failed"
        assert st["error"]["status"] in (404, 422) and st["error"]["detail"]
        r = call("GET", f"{s.url}/api/plans/standing/result")
        assert r.status == st["error"]["status"] and st["error"]["detail"] in r.json["detail"]


def test_readers_cannot_start_runs_and_no_server_path_leaves(planned):
    """Viewers, operator viewers and QA officers read plans but cannot start a run (a run takes the
    server's processors); no answer names a folder of the server (issue #9: /api/plans did)."""
    from live import account_token

    s = planned
    for role in ("viewer", "qa_officer"):
        who = account_token(s.store, f"reader-{role}".replace("_", "-"), role)
        listing = call("GET", f"{s.url}/api/plans", headers=who)
        assert listing.status == 200 and listing.json["may_run"] is False
        r = call("POST", f"{s.url}/api/plans/standing/run", headers=who)
        assert r.status == 403 and r.type.startswith("application/problem+json"), r.body
    assert call("GET", f"{s.url}/api/plans/standing").json["run"]["state"] == "none"  # nothing started
    assert call("GET", f"{s.url}/api/plans").json["may_run"] is True  # the administrator may
    secrets = [str(s.scenarios), str(s.cache), str(s.scenarios.parent), str(Path.cwd()), str(SCENARIOS.parent)]
    secrets += [str(s.store.db)] if getattr(s.store, "db", None) else []
    for path in ("/api/plans", "/api/plans/standing", "/api/plans/broken", "/api/plans/more:survey",
                 "/api/plans/nothing-here", "/api/plans/broken/run", "/api/plans/standing/result"):  # fmt: skip
        r = call("POST" if path.endswith("/run") else "GET", s.url + path)
        for secret in secrets:
            assert secret.encode() not in r.body, (path, secret)
