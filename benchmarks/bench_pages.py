"""Page render benchmark (issue 10): the web pages' response time before and after a change to how
pages are made, on the same record, from the same client, in one run.

    .venv/bin/python benchmarks/bench_pages.py [--areas 2000] [--requests 60] [--before REF] [--after REF]
                                               [--work DIR]

`--before` is a git revision of this repository (default: the last commit whose pages were Python
f-strings, before the Jinja2 templates of issue 10); `--after` another (default: the working tree).
Each revision's `src/` is extracted with `git archive` into WORK/tree-<rev>/ and served by its own
`landrelease serve` (one worker each, `PYTHONPATH` pointing at that tree) on the same database.
The client asks both servers for each page in turn (interleaved, so machine load hits both alike)
over keep-alive connections, as an administrator with an API token, and reports the median and p90
milliseconds per page and the ratio after / before. Both revisions must accept the record's schema (the
record is brought up to date by the installed `landrelease init`; an older `--before` refuses a newer
schema and its server exits). Both servers and the client share this machine's cores.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import secrets
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from bench_web import ROOT, WORK, build, free_port, wait_port

#: The last commit on main with the f-string pages (issue 10 replaced them with templates; its parent).
BEFORE = "fec7376"

PAGES = (
    ("home", "/"),
    ("map", "/map"),
    ("dashboard", "/dashboard"),
    ("area", "/areas/{area}"),
    ("new area form", "/areas/new"),
    ("progress form", "/reports/new"),
    ("OGC items, 100", "/collections/hazardous-areas/items?f=html&limit=100"),
    ("OGC item", "/collections/hazardous-areas/items/{area}?f=html"),
    ("review queue", "/review"),
    ("sign in", "/login"),
)


def before_tree(rev: str, work: Path) -> Path:
    sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", rev], check=True, capture_output=True,
                         text=True).stdout.strip()  # fmt: skip
    tree = work / f"tree-{sha}"
    if not (tree / "src").is_dir():
        data = subprocess.run(["git", "-C", ROOT, "archive", sha, "src"], check=True, capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(data)).extractall(tree, filter="data")
    return tree


def token(db: Path) -> str:
    from landrelease.errors import NotFound
    from landrelease.service import accounts
    from landrelease.service.store import open_store

    s = open_store(str(db))
    try:
        try:
            accounts.get_account(s, "bench-admin")
        except NotFound:
            accounts.add_account(s, "bench-admin", role="admin", password=secrets.token_urlsafe(18))
        return accounts.create_token(s, "bench-admin", "bench_pages")
    finally:
        s.close()


def busy_area(db: Path) -> str:
    """An area with activities, releases and history: the richest area page."""
    from landrelease.service import query
    from landrelease.service.store import open_store

    s = open_store(str(db))
    try:
        rel = query.search(s, "land_release", limit=50).items
        return max((r["area"] for r in rel), key=lambda c: len(query.related(s, "activity", "area", c)))
    finally:
        s.close()


def serve(db: Path, src: Path | None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "landrelease", "--db", str(db), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port


def get(conn: http.client.HTTPConnection, path: str, auth: dict[str, str]) -> tuple[float, int, bytes]:
    t = time.perf_counter()
    conn.request("GET", path, headers={"Accept": "text/html", **auth})
    r = conn.getresponse()
    body = r.read()
    return time.perf_counter() - t, r.status, body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=60, help="per page and server")
    ap.add_argument("--before", default=BEFORE, help="git revision of the 'before' pages")
    ap.add_argument("--after", default=None, help="git revision of the 'after' pages (default: the working tree)")
    ap.add_argument("--work", type=Path, default=WORK)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    import bench_web

    bench_web.WORK = args.work
    db = build(args.areas)
    auth = {"Authorization": f"Bearer {token(db)}"}
    area = busy_area(db)
    tree = before_tree(args.before, args.work)
    after = before_tree(args.after, args.work) / "src" if args.after else ROOT / "src"
    servers = {"before": serve(db, tree / "src"), "after": serve(db, after)}
    try:
        conns = {k: http.client.HTTPConnection("127.0.0.1", port, timeout=120) for k, (_, port) in servers.items()}
        print(f"pages on {db.name} ({args.areas} demo areas), area {area}; before = {args.before} ({tree.name}), "
              f"after = {args.after or 'working tree'}; {args.requests} requests per page and server, "
              "interleaved")  # fmt: skip
        print(f"{'page':<16} {'before p50':>10} {'p90':>7} {'after p50':>10} {'p90':>7} {'after/before':>12}")
        ratios = []
        for name, path in PAGES:
            path = path.format(area=area)
            times: dict[str, list[float]] = {"before": [], "after": []}
            for k in conns:  # warm-up, and a check that both serve the page
                _, status, body = get(conns[k], path, auth)
                assert status == 200 and body.lstrip().lower().startswith(b"<!doctype html>"), (k, path, status)
            for _ in range(args.requests):
                for k in conns:
                    times[k].append(get(conns[k], path, auth)[0] * 1000)
            b, a = (statistics.median(times[k]) for k in ("before", "after"))
            b90, a90 = (statistics.quantiles(times[k], n=10)[8] for k in ("before", "after"))
            ratios.append(a / b)
            print(f"{name:<16} {b:>10.1f} {b90:>7.1f} {a:>10.1f} {a90:>7.1f} {a / b:>11.2f}×")
        print(f"geometric mean of after/before over {len(ratios)} pages: {statistics.geometric_mean(ratios):.2f}×")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
