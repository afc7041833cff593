"""Write throughput before and after a change, in one run (issue 9: "no regression beyond noise").

    .venv/bin/python benchmarks/bench_writes.py [--before 4c40ecd] [--rounds 2] [--threads 8]
                                                [--writes 240] [--forms 160] [--work DIR]

Two source trees are measured by the same client in the same run: this checkout ("after") and a git
worktree of `--before` (made in WORK/before-<rev>, removed afterwards). Each tree gets its own fresh
SQLite record, set up by its own CLI, and its own `landrelease serve` process (PYTHONPATH = that
tree's src/, the same venv); the rounds alternate before/after so that load on this shared machine
falls on both alike. Per round:

- **API writes** (the mix of tests/server/test_concurrency.py): THREADS clients POST hazardous areas,
  daily progress reports and EO finds (valid under the rules of both trees: named, distinct, inside
  their area, dated in the past within the activity) with an administrator's API token;
- **field intake**: THREADS ODK-Collect-like clients POST progress-report forms to /odk/submission
  (OpenRosa, HTTP Basic, an operator account), then 4 clients verify (a QA officer) and approve (an
  administrator: two different people) every queued submission through /api/intake.

Printed: writes/s and latency percentiles per tree and round, the best and the median round of
each, and the ratios after/before. Every request must succeed (2xx): a refusal would make the ratio meaningless.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
PASSWORD = "synthetic-bench-password-1"
BASE = (35.50, 51.40)  # a corner of the demo region (lon, lat)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Tree:
    name: str
    src: Path
    db: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    admin: str = ""
    qa: str = ""
    codes: dict[str, str] = field(default_factory=dict)
    figures: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    seq: int = 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANDRELEASE_")}
        env["PYTHONPATH"] = str(self.src)
        return env

    def cli(self, *args: str, stdin: str | None = None, as_user: str | None = None) -> str:
        cmd = [sys.executable, "-m", "landrelease", "--db", str(self.db)]
        cmd += ["--as", as_user] if as_user else []
        p = subprocess.run([*cmd, *args], input=stdin, capture_output=True, text=True, env=self.env())
        if p.returncode != 0:
            raise RuntimeError(f"{self.name}: landrelease {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout

    def start(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "landrelease", "--db", str(self.db), "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=self.env(),
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: server exited: {self.proc.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


class Conn(threading.local):
    conns: dict[int, http.client.HTTPConnection]

    def __init__(self) -> None:
        self.conns = {}


_local = Conn()


def request(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    for attempt in range(5):
        conn = _local.conns.get(port)
        if conn is None:
            conn = _local.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            _local.conns.pop(port, None)
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError(f"no answer from {method} {path}")


def api(tree: Tree, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    h = {"Accept": "application/json", "Authorization": f"Bearer {token or tree.admin}"}
    if data is not None:
        h["Content-Type"] = "application/json"
    status, raw = request(tree.port, method, path, data, h)
    if status >= 300:
        raise RuntimeError(f"{tree.name}: {method} {path} → {status}: {raw[:300]!r}")
    return json.loads(raw) if raw else {}


def square(x: float, y: float, size: float) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size * 0.65], [x, y + size * 0.65], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def setup(tree: Tree) -> None:
    """A fresh record with an administrator and a QA officer (tokens), an operator's organisation,
    a large open area with an ongoing clearance activity, and the operator's field account."""
    tree.cli("init")
    tree.cli("users", "add", "bench-admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    tree.admin = tree.cli("users", "token", "bench-admin", as_user="bench-admin").strip()
    tree.cli("users", "add", "bench-qa", "--role", "qa_officer", "--password-stdin", stdin=PASSWORD + "\n",
             as_user="bench-admin")  # fmt: skip
    tree.qa = tree.cli("users", "token", "bench-qa", as_user="bench-qa").strip()
    tree.start()
    org = api(tree, "POST", "/api/organisations", {"name": "Synthetic bench operator", "org_kind": "ngo"})["code"]
    area = api(tree, "POST", "/api/hazardous-areas",
               {"name": "Synthetic bench area", "haz_type": "cha", "status": "open", "org": org,
                "geometry": square(BASE[0], BASE[1] - 0.05, 0.04)})["code"]  # fmt: skip
    act = api(tree, "POST", "/api/activities",
              {"act_type": "clearance", "area": area, "org": org, "status": "ongoing", "method": "manual",
               "start": "2010-01-01", "ref_lon": BASE[0] + 0.02, "ref_lat": BASE[1] - 0.04})["code"]  # fmt: skip
    tree.stop()
    tree.cli("users", "add", "bench-field", "--role", "operator_writer", "--org", org, "--password-stdin",
             stdin=PASSWORD + "\n", as_user="bench-admin")  # fmt: skip
    tree.codes = {"org": org, "area": area, "activity": act}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def timed(jobs: list, fn, threads: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    lat: list[float] = []
    lock = threading.Lock()

    def one(job):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn(job)
        with lock:
            lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - t0, lat


def api_round(tree: Tree, n: int, threads: int) -> tuple[float, float, float]:
    """n writes: hazardous areas, progress reports, EO finds (4:4:2), from `threads` clients."""
    c = tree.codes
    first = tree.seq
    tree.seq += n

    def write(i: int) -> None:
        k = i % 10
        if k < 4:  # a new open area, each on its own ground and named
            x = BASE[0] + 0.002 * (i % 400)
            y = BASE[1] + 0.002 * (i // 400)
            api(tree, "POST", "/api/hazardous-areas",
                {"name": f"Synthetic bench area {i}", "haz_type": "sha", "status": "open",
                 "geometry": square(x, y, 0.0012)})  # fmt: skip
        elif k < 8:  # a day's progress on the activity: one report per day, in the past
            day = dt.date.today() - dt.timedelta(days=1 + i)  # one report a day, back in time
            body = {"activity": c["activity"], "date": day.isoformat(), "worked_m2": 20 + i % 30, "deminers": 6}
            api(tree, "POST", "/api/progress-reports", body)
        else:  # an EO find inside the activity's area
            point = {"type": "Point", "coordinates": [BASE[0] + 0.001 + 0.00005 * (i % 700),
                                                      BASE[1] - 0.049 + 0.00002 * (i // 700 + 1)]}  # fmt: skip
            api(tree, "POST", "/api/eo-finds",
                {"category": "uxo", "quantity": 1, "area": c["area"], "activity": c["activity"],
                 "date": "2024-05-02", "geometry": point})  # fmt: skip

    elapsed, lat = timed(list(range(first, first + n)), write, threads)
    return n / elapsed, pct(lat, 0.5) * 1000, pct(lat, 0.95) * 1000


def intake_round(tree: Tree, n: int, threads: int) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    from landrelease.demo.fieldsim import FORM_ID, Form, multipart
    from landrelease.formats.answers import submission_xml

    first = tree.seq
    tree.seq += n
    forms = []
    for i in range(first, first + n):
        iid = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'bench/{tree.name}/{i}')}"
        day = dt.date.today() - dt.timedelta(days=1 + i)  # one report a day, back in time
        values = {
            "report/activity": tree.codes["activity"],
            "report/date": day.isoformat(),
            "report/worked_m2": str(20 + i % 30),
            "report/deminers": "6",
            "meta/instanceID": iid,
            "meta/instanceName": f"SYNTHETIC bench form {i}",
        }
        forms.append(Form(iid, submission_xml(FORM_ID, values), {}))
    auth = "Basic " + base64.b64encode(f"bench-field:{PASSWORD}".encode()).decode()

    def submit(form: Form) -> None:
        body, ctype = multipart(form)
        h = {"Content-Type": ctype, "X-OpenRosa-Version": "1.0", "Authorization": auth}
        status, raw = request(tree.port, "POST", "/odk/submission", body, h)
        if status not in (201, 202):
            raise RuntimeError(f"{tree.name}: submission → {status}: {raw[:300]!r}")

    submit(forms[0])  # untimed: the first sign-in (Argon2) fills the server's credential cache
    elapsed, lat = timed(forms[1:], submit, threads)
    sub = ((n - 1) / elapsed, pct(lat, 0.5) * 1000, pct(lat, 0.95) * 1000)
    queued = api(tree, "GET", f"/api/intake/submissions?status=submitted&limit={n + 10}")
    items = queued.get("submissions") or queued.get("items") or []
    ids = [s["id"] for s in items]
    if len(ids) != n:
        raise RuntimeError(f"{tree.name}: {len(ids)} submissions queued, {n} sent")

    def decide(sid: str) -> None:
        api(tree, "POST", f"/api/intake/submissions/{sid}/verify", {}, token=tree.qa)
        api(tree, "POST", f"/api/intake/submissions/{sid}/approve", {}, token=tree.admin)

    elapsed, lat = timed(ids, decide, 4)
    return sub, (n / elapsed, pct(lat, 0.5) * 1000, pct(lat, 0.95) * 1000)


def worktree(rev: str, work: Path) -> Path:
    path = work / f"before-{rev}"
    if not path.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
                       check=True, capture_output=True)  # fmt: skip
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="4c40ecd")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--writes", type=int, default=240)
    ap.add_argument("--forms", type=int, default=160)
    ap.add_argument("--work", type=Path, default=WORK)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    before_dir = worktree(args.before, args.work)
    run = uuid.uuid4().hex[:8]
    trees = [
        Tree(f"before ({args.before})", before_dir / "src", args.work / f"writes-before-{run}.db"),
        Tree("after (this checkout)", ROOT / "src", args.work / f"writes-after-{run}.db"),
    ]
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    try:
        for t in trees:
            setup(t)
        for r in range(args.rounds):
            for t in trees if r % 2 == 0 else reversed(trees):
                t.start()
                try:
                    w = api_round(t, args.writes, args.threads)
                    s, a = intake_round(t, args.forms, args.threads)
                finally:
                    t.stop()
                for key, fig in (("api", w), ("submit", s), ("approve", a)):
                    t.figures.setdefault(key, []).append(fig)
                print(f"round {r + 1} {t.name}: API writes {w[0]:.1f}/s (p50 {w[1]:.0f} ms, p95 {w[2]:.0f} ms); "
                      f"OpenRosa submissions {s[0]:.1f}/s (p50 {s[1]:.0f} ms, p95 {s[2]:.0f} ms); "
                      f"verify+approve {a[0]:.1f}/s (p50 {a[1]:.0f} ms, p95 {a[2]:.0f} ms)", flush=True)  # fmt: skip
        before, after = trees
        for key, label in (("api", "API writes/s"), ("submit", "OpenRosa submissions/s"),
                           ("approve", "verify+approve/s")):  # fmt: skip
            b = max(f[0] for f in before.figures[key])
            a = max(f[0] for f in after.figures[key])
            bm = statistics.median(f[0] for f in before.figures[key])
            am = statistics.median(f[0] for f in after.figures[key])
            print(f"{label}: best of {args.rounds} before {b:.1f}, after {a:.1f}, ratio {a / b:.2f}; "
                  f"median before {bm:.1f}, after {am:.1f}, ratio {am / bm:.2f}")  # fmt: skip
        print(f"load after the run {os.getloadavg()[0]:.2f}")
    finally:
        for t in trees:
            t.stop()
            for suffix in ("", "-wal", "-shm"):
                Path(str(t.db) + suffix).unlink(missing_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_dir)], capture_output=True)


if __name__ == "__main__":
    main()
