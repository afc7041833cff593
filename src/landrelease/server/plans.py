"""The plan and forecast view: scenario files → planning runs in the background → JSON the page draws.

A run plans one scenario file (scenarios/*.toml, or the directory given to `serve --scenarios`) on
the served record with the planning service (`service.planning.read_record`, `run_scenario`,
`summary`). It runs in its own process, so the server's other requests never wait for it (the engine
is CPU-bound Python and numpy), one run at a time per server process, queued otherwise.

Results are cached on disk, keyed by the scenario file's bytes, the record's state (the newest audit
id: any write gives a new key, so a stale plan is never shown as current), the database and the web's
run size. The cache is a directory of small files (`<key>.run` while queued or running, then
`<key>.json` or `<key>.err`), so every server worker sees the same runs and a result survives a
restart.

The web runs fewer simulations than `landrelease plan run` (and a shorter scheduling time limit) so a
run on the 2,000-area demo takes seconds; the page says so. The full figures come from the CLI.

    python -m landrelease.server.plans SCENARIO SID SIMULATIONS TIME_LIMIT PREFIX  < settings.json

is the run's process (started by the server, not by hand). It is handed the server's settings
(`landrelease.settings.Settings.to_json`, the database URL included) on its standard input, so a
password never shows in the process list and the run reads nothing from the environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from landrelease.auth import policy
from landrelease.errors import LandreleaseError, NotFound
from landrelease.server.auth import principal, require
from landrelease.server.deps import store_of
from landrelease.server.problems import problem
from landrelease.server.render import render
from landrelease.service import viewport
from landrelease.settings import Settings

#: Monte Carlo simulations and scheduling seconds per stage of a web run (at most; the scenario's own
#: figures when smaller). `landrelease plan run` uses the scenario file's figures.
WEB_SIMULATIONS = 200
WEB_TIME_LIMIT = 3.0
#: Gantt rows: per team up to this many teams, per unit above (as the CLI's chart).
GANTT_ROWS = 60
BURNDOWN_POINTS = 160
FORMAT = 1  # bump when the result's JSON changes: old cache entries are then ignored


def scenarios_dir(settings: Settings) -> Path:
    """The `scenarios` setting or the repository's scenarios/."""
    return settings.scenarios or Path(__file__).resolve().parents[3] / "scenarios"


def _sid(root: Path, path: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix().replace("/", ":")


def _description(text: str) -> str:
    """The scenario file's leading comment lines."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


# --------------------------------------------------------------------------------------------------
# The run itself (in its own process)


def _finite(x: Any, digits: int = 4) -> float | None:
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _gantt(o: Any) -> dict[str, Any]:
    """Bars per team (per unit when there are many teams): [row, start day, end day, stage, area]."""
    from landrelease.planning.capacity import TEAM_TYPES

    plan = o.plan
    per_unit = len(plan.teams) > GANTT_ROWS
    keys = list(plan.teams.unit if per_unit else plan.teams.code)
    labels = list(dict.fromkeys(keys))
    row = {lab: i for i, lab in enumerate(labels)}
    types = {k: TEAM_TYPES[plan.teams.type_index[i]] for i, k in reversed(list(enumerate(keys)))}
    bars = []
    stages = []
    for s, st in enumerate((plan.nts, plan.physical)):
        stages.append(st.name)
        ok = np.flatnonzero((st.team >= 0) & np.isfinite(st.end))
        for j in ok:
            k = int(st.team[j])
            bars.append([row[keys[k]], round(float(st.start[j]), 2), round(float(st.end[j]), 2), s,
                         str(plan.areas.code[int(st.area[j])])])  # fmt: skip
    bars.sort(key=lambda b: (b[0], b[1]))
    return {
        "per": "unit" if per_unit else "team",
        "rows": [{"label": lab, "type": types[lab]} for lab in labels],
        "stages": stages,
        "bars": bars,
    }


def _burndown(o: Any) -> dict[str, Any]:
    from landrelease.planning.forecast import percentiles

    fc = o.forecast
    ends = percentiles(fc.region_completion())
    last = float(ends[2]) if np.isfinite(ends[2]) else float(fc.horizon)
    days = np.linspace(0.0, min(float(fc.horizon), 1.1 * last), BURNDOWN_POINTS)
    q = percentiles(fc.burndown(days) / 1e6)
    return {
        "days": [round(float(d), 1) for d in days],
        "p10": [round(float(v), 4) for v in q[0]],
        "p50": [round(float(v), 4) for v in q[1]],
        "p90": [round(float(v), 4) for v in q[2]],
    }


def result_json(o: Any, sid: str, *, file: str, simulations: int, asked: Any) -> dict[str, Any]:
    """One run as the page draws it: summary figures, Gantt bars and the burn-down band."""
    from landrelease.service import planning

    s = planning.summary(o)
    summary = {
        k: v if isinstance(v, str | bool) else int(v) if isinstance(v, int | np.integer) else _finite(v, 6)
        for k, v in s.items()
    }
    sc = o.scenario
    return {
        "format": FORMAT,
        "id": sid,
        "file": file,
        "name": sc.name,
        "start": o.plan.start.isoformat(),
        "seed": sc.seed,
        "synthetic": bool(o.synthetic),
        "web": {
            "simulations": simulations,
            "time_limit": sc.time_limit,
            "scenario_simulations": asked.simulations,
            "scenario_time_limit": asked.time_limit,
        },
        "summary": summary,
        "gantt": _gantt(o),
        "burndown": _burndown(o),
        "notes": list(o.plan.notes),
    }


def _write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)


def compute(settings: Settings, scenario: str, sid: str, simulations: int, time_limit: float, prefix: str) -> int:
    """The run's process: plan the scenario on the record, write `<prefix>.json` or `<prefix>.err`."""
    from landrelease.planning.scenario import Scenario, load_scenario
    from landrelease.service import planning
    from landrelease.service.store import open_store

    run = Path(prefix + ".run")
    status = json.loads(run.read_text(encoding="utf-8"))

    def stage(text: str) -> None:
        status.update(state="running", stage=text, child=os.getpid())
        status.setdefault("started", time.time())
        _write(run, status)

    try:
        stage("reading the record")
        store = open_store(settings.db, actor="web:plan", settings=settings)
        asked = load_scenario(scenario)
        sims = min(asked.simulations, simulations)
        sc = Scenario(**{**asked.__dict__, "time_limit": min(asked.time_limit, time_limit)})
        rec = planning.read_record(store)
        stage(f"planning and forecasting ({sims} simulations)")
        o = planning.run_scenario(rec, sc, simulations=sims)
        stage("drawing")
        doc = result_json(o, sid, file=Path(scenario).name, simulations=sims, asked=asked)
        doc["seconds"] = round(time.time() - status["started"], 1)
        _write(Path(prefix + ".json"), doc)
        store.close()
        return 0
    except LandreleaseError as exc:
        _write(Path(prefix + ".err"), {"status": exc.http_status, "title": exc.title, "detail": str(exc)})
        return 1
    finally:
        with contextlib.suppress(FileNotFoundError):
            run.unlink()


# --------------------------------------------------------------------------------------------------
# Runs as the server sees them


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PlanRuns:
    """Scenario files, and their runs on the served record (cached on disk, see the module doc)."""

    def __init__(
        self,
        directory: Path,
        cache: Path,
        *,
        settings: Settings,
        simulations: int = WEB_SIMULATIONS,
        time_limit: float = WEB_TIME_LIMIT,
    ) -> None:
        self.directory = directory
        self.cache = cache
        self.settings = settings
        self.db = settings.db
        self.simulations = simulations
        self.time_limit = time_limit
        self.slot = threading.Semaphore(1)  # one run at a time per server process
        self.lock = threading.Lock()

    # scenario files ----------------------------------------------------------------------------
    def files(self) -> dict[str, Path]:
        if not self.directory.is_dir():
            return {}
        paths = sorted(self.directory.rglob("*.toml"), key=lambda p: (len(p.relative_to(self.directory).parts), p))
        return {_sid(self.directory, p): p for p in paths}

    def path(self, sid: str) -> Path:
        path = self.files().get(sid)
        if path is None:
            raise NotFound(f"no scenario {sid!r} in the scenarios folder; GET /api/plans lists them", field="scenario")
        return path

    def describe(self, sid: str, path: Path) -> dict[str, Any]:
        from landrelease.planning.scenario import load_scenario

        text = path.read_text(encoding="utf-8", errors="replace")
        out: dict[str, Any] = {"id": sid, "file": path.relative_to(self.directory).as_posix(),
                               "description": _description(text)}  # fmt: skip
        try:
            sc = load_scenario(path)
        except LandreleaseError as exc:
            out.update(name=path.stem, error=str(exc))
            return out
        out.update(name=sc.name, start=sc.start.isoformat(), seed=sc.seed, simulations=sc.simulations)
        return out

    # runs ----------------------------------------------------------------------------------------
    def key(self, path: Path, state: int) -> str:
        h = hashlib.sha256(path.read_bytes())
        h.update(f"|{self.db}|{state}|{self.simulations}|{self.time_limit}|{FORMAT}".encode())
        return h.hexdigest()[:24]

    def status(self, key: str) -> dict[str, Any]:
        """{"state": none | queued | running | done | failed, …} of the run with this key."""
        base = self.cache / key
        done = base.with_suffix(".json")
        if done.exists():
            return {"state": "done", "key": key}
        err = base.with_suffix(".err")
        if err.exists():
            return {"state": "failed", "key": key, "error": json.loads(err.read_text(encoding="utf-8"))}
        run = base.with_suffix(".run")
        try:
            doc = json.loads(run.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            if done.exists():  # finished between the checks
                return {"state": "done", "key": key}
            return {"state": "none", "key": key} if not run.exists() else {"state": "queued", "key": key}
        if not (_alive(doc.get("child")) or _alive(doc.get("owner"))):
            with contextlib.suppress(FileNotFoundError):
                run.unlink()  # its server or process died: not running any more
            return {"state": "none", "key": key}
        started = doc.get("started")
        out = {"state": doc.get("state", "queued"), "key": key, "stage": doc.get("stage", "queued")}
        if started:
            out["elapsed"] = round(time.time() - started, 1)
        return out

    def result(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.cache / f"{key}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def start(self, sid: str, path: Path, key: str) -> dict[str, Any]:
        """Queue a run unless one is done, queued or running for this key."""
        from landrelease.planning.scenario import load_scenario

        load_scenario(path)  # a bad file is refused now, with its one line, not after a queue wait
        self.cache.mkdir(parents=True, exist_ok=True)
        with self.lock:
            st = self.status(key)
            if st["state"] in ("done", "queued", "running"):
                return st
            with contextlib.suppress(FileNotFoundError):
                (self.cache / f"{key}.err").unlink()  # a failed run may be tried again
            run = self.cache / f"{key}.run"
            try:
                fd = os.open(run, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return self.status(key)  # another worker took it
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"state": "queued", "stage": "queued", "owner": os.getpid()}, f)
        threading.Thread(target=self._run, args=(sid, path, key), daemon=True, name=f"plan-{sid}").start()
        return {"state": "queued", "key": key, "stage": "queued"}

    def _run(self, sid: str, path: Path, key: str) -> None:
        prefix = str(self.cache / key)
        with self.slot:
            cmd = [sys.executable, "-m", "landrelease.server.plans", str(path), sid,
                   str(self.simulations), str(self.time_limit), prefix]  # fmt: skip
            proc = subprocess.run(cmd, input=self.settings.to_json(), capture_output=True, text=True)
        if proc.returncode != 0 and not Path(prefix + ".err").exists() and not Path(prefix + ".json").exists():
            last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            _write(Path(prefix + ".err"), {"status": 500, "title": "Planning failed", "detail": last})
        with contextlib.suppress(FileNotFoundError):
            Path(prefix + ".run").unlink()


def plan_runs(request: Request) -> PlanRuns:
    return request.app.state.plans


def make_runs(store: Any, settings: Settings, **kw: Any) -> PlanRuns:
    """The runs of the served record: scenarios and cache from `settings` (the cache defaults to a
    temporary folder per database); each run's process gets `settings` with the store's database."""
    db = store.engine.url.render_as_string(hide_password=False) if store.db is None else str(store.db)
    cache = settings.plan_cache
    if cache is None:
        tag = hashlib.sha256(str(Path(db).resolve() if "://" not in db else db).encode()).hexdigest()[:12]
        cache = Path(tempfile.gettempdir()) / "landrelease-plans" / tag
    return PlanRuns(scenarios_dir(settings), cache, settings=dataclasses.replace(settings, db=db), **kw)


# --------------------------------------------------------------------------------------------------
# HTTP


def _may_plan(request: Request) -> None:
    """A plan reads every open hazardous area: only callers who may read them (not the public view)."""
    from landrelease.service import access

    access.check_read(store_of(request), "hazardous_area")


def router() -> APIRouter:
    r = APIRouter(prefix="/api/plans", tags=["plans"], dependencies=[Depends(_may_plan)])

    def entry(runs: PlanRuns, state: int, sid: str, path: Path) -> dict[str, Any]:
        out = runs.describe(sid, path)
        if "error" in out:
            out["run"] = {"state": "invalid"}
            return out
        st = runs.status(runs.key(path, state))
        if st["state"] == "done":
            res = runs.result(st["key"])
            if res is not None:
                st["summary"] = res["summary"]
                st["seconds"] = res.get("seconds")
        out["run"] = st
        out["links"] = [
            {"rel": "self", "href": f"/api/plans/{sid}"},
            {"rel": "run", "href": f"/api/plans/{sid}/run", "method": "POST"},
            {"rel": "result", "href": f"/api/plans/{sid}/result"},
        ]
        return out

    @r.get("", summary="Scenario files and the state of their runs on the record as it is now")
    def listing(request: Request) -> JSONResponse:
        runs = plan_runs(request)
        state = viewport.data_version(store_of(request))
        return JSONResponse(
            {
                "directory": runs.directory.name,  # the folder's name only: no server path leaves
                "may_run": policy.can_run_plans(principal(request)),
                "record_state": state,
                "web": {"simulations": runs.simulations, "time_limit": runs.time_limit},
                "scenarios": [entry(runs, state, sid, p) for sid, p in runs.files().items()],
            }
        )

    @r.get("/{sid}", summary="One scenario and the state of its run")
    def one(request: Request, sid: str) -> JSONResponse:
        runs = plan_runs(request)
        return JSONResponse(entry(runs, viewport.data_version(store_of(request)), sid, runs.path(sid)))

    @r.post(
        "/{sid}/run",
        summary="Run the scenario on the record in the background (202), or say it is done (200)",
        dependencies=[Depends(require(policy.can_run_plans))],
    )
    def run(request: Request, sid: str) -> JSONResponse:
        runs = plan_runs(request)
        path = runs.path(sid)
        st = runs.start(sid, path, runs.key(path, viewport.data_version(store_of(request))))
        code = 200 if st["state"] == "done" else 202
        return JSONResponse(st, status_code=code, headers={"Location": f"/api/plans/{sid}"})

    @r.get("/{sid}/result", summary="The run's plan (Gantt bars), burn-down band and summary figures")
    def result(request: Request, sid: str) -> JSONResponse:
        runs = plan_runs(request)
        path = runs.path(sid)
        key = runs.key(path, viewport.data_version(store_of(request)))
        st = runs.status(key)
        if st["state"] == "failed":  # the run's own problem: 422 for what the scenario or record must fix
            e = st["error"]
            return problem(int(e.get("status", 500)), e.get("title", "Planning failed"),
                           f"the run of {sid!r} failed: {e['detail']}", instance=request.url.path)  # fmt: skip
        doc = runs.result(key) if st["state"] == "done" else None
        if doc is None:
            raise NotFound(
                f"no run of {sid!r} on the record as it is now ({st['state']}); POST /api/plans/{sid}/run starts one"
            )
        return JSONResponse(doc)

    return r


def plan_page(request: Request) -> HTMLResponse:
    return render(request, "plan.html")


def page_router() -> APIRouter:
    r = APIRouter(include_in_schema=False, dependencies=[Depends(_may_plan)])
    r.add_api_route("/plan", plan_page, methods=["GET"])
    return r


def main(argv: list[str]) -> int:
    scenario, sid, sims, time_limit, prefix = argv
    return compute(Settings.from_json(sys.stdin.read()), scenario, sid, int(sims), float(time_limit), prefix)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
