"""Concurrent API writes without any server-side write lock: on SQLite (one process, and several
`serve --workers` processes on one file) and on PostGIS. Codes are never handed out twice, reports to
the same activity all count, a stale edit gets 409 and nothing else fails: no 5xx, no "database is
locked"."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from live import ServeProcess, call

from landrelease.service.store import open_store

SQUARE = [[35.50, 51.40], [35.5016, 51.40], [35.5016, 51.401], [35.50, 51.401], [35.50, 51.40]]


def _square(i: int) -> dict:
    dx = 0.01 * (i % 20)
    dy = 0.01 * (i // 20)
    return {"type": "Polygon", "coordinates": [[[x + dx, y + dy] for x, y in SQUARE]]}


def hammer(url: str, threads: int = 12) -> None:
    """A burst of mixed writes from many clients at once, and what must hold afterwards."""
    post = lambda path, body: call("POST", f"{url}/api/{path}", body)  # noqa: E731
    org = post("organisations", {"name": "Operator", "org_kind": "ngo"}).json["code"]
    area = post("hazardous-areas", {"haz_type": "cha", "status": "open", "name": "A399", "geometry": _square(399)})
    area = area.json["code"]
    act = post("activities", {"act_type": "clearance", "area": area, "org": org, "status": "ongoing"}).json["code"]
    shared = post("hazardous-areas", {"haz_type": "sha", "status": "open", "name": "A398", "geometry": _square(398)})
    shared = shared.json

    def task(job: tuple[str, int]):
        kind, i = job
        if kind == "report":
            return kind, post("progress-reports", {"activity": act, "date": f"2024-05-{i % 28 + 1:02d}",
                                                   "worked_m2": 10 + i})  # fmt: skip
        if kind == "area":
            return kind, post(
                "hazardous-areas", {"haz_type": "sha", "status": "open", "name": f"A{i}", "geometry": _square(i)}
            )
        if kind == "find":
            point = {"type": "Point", "coordinates": [35.69 + 0.0001 * i, 51.5905]}  # within area 399
            return kind, post(
                "eo-finds", {"category": "uxo", "quantity": 1, "area": area, "date": "2024-05-02", "geometry": point}
            )
        # an edit of the same record by many people who all saw version 1: one wins, the rest get 409
        body = {"name": f"edit {i}", "version": shared["version"]}
        return kind, call("PATCH", f"{url}/api/hazardous-areas/{shared['code']}", body)

    jobs = [("report", i) for i in range(24)] + [("area", i) for i in range(24)]
    jobs += [("find", i) for i in range(12)] + [("edit", i) for i in range(8)]
    random.Random(5).shuffle(jobs)
    with ThreadPoolExecutor(threads) as pool:
        replies = list(pool.map(task, jobs))

    for kind, r in replies:
        assert r.status < 500, (kind, r.status, r.body[:300])
        assert b"locked" not in r.body, (kind, r.body[:300])
    created = [r for kind, r in replies if kind != "edit"]
    assert [r.status for r in created] == [201] * len(created), [r.body[:200] for r in created if r.status != 201]
    codes = [r.json["code"] for r in created]
    assert len(set(codes)) == len(codes)  # no code handed out twice
    edits = [r.status for kind, r in replies if kind == "edit"]
    assert edits.count(200) == 1 and edits.count(409) == len(edits) - 1, edits
    a = call("GET", f"{url}/api/activities/{act}").json
    assert a["worked_m2"] == sum(10 + i for i in range(24))  # every report counted, none lost
    s = call("GET", f"{url}/api/hazardous-areas/{shared['code']}").json
    assert s["version"] == 2 and s["name"].startswith("edit ")
    finds = call("GET", f"{url}/api/eo-finds?area={area}&limit=1").json["matched"]
    assert finds == 12


def test_concurrent_writes_one_server(server):
    """Both backends, one server process with its thread pool."""
    hammer(server.url)


def test_concurrent_writes_several_sqlite_workers(tmp_path):
    """Several `serve` processes on one SQLite file: writers queue across processes (BEGIN IMMEDIATE
    and a busy timeout), readers run in parallel."""
    db = str(tmp_path / "record.db")
    open_store(db, actor="test", init=True).close()
    with ServeProcess(db, "--workers", "3") as s:
        hammer(s.url, threads=16)
