"""Web benchmark: OGC API – Features items (limit=100, random bbox) requests/s and latency percentiles
from a load client on loopback, and the map's zoomed-out viewport payload over every area.

    .venv/bin/python benchmarks/bench_web.py [--areas 100000] [--requests 2000] [--concurrency 8]
                                             [--workers 2] [--pygeoapi] [--work DIR]

The demo record is built once into WORK/web-<areas>.db (WORK: benchmarks/work unless --work). With
--pygeoapi, pygeoapi 0.21 is installed into its own venv (WORK/pygeoapi-venv) made with Debian's
Python 3.11 (/usr/bin/python3: its sqlite3 can load extensions) and serves the same hazardous areas,
exported to a GeoPackage, through its SQLiteGPKG provider (SpatiaLite from Debian's
libsqlite3-mod-spatialite; `scripts/install-bench-deps.sh`, run by `make bench`, installs it when
missing). It runs under the same uvicorn (its Starlette app; starlette is not a pygeoapi dependency,
which is why its server exited on start before) with the same number of workers, and gets the same
requests from the same client in the same run. Its GeoJSON provider would re-read the whole 140 MB
file on every request, so the GeoPackage is the fairer reference.
Both servers and the client share this machine's cores: figures compare servers, not hardware.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
ROOT = HERE.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def build(areas: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / f"web-{areas}.db"
    if not db.exists():
        t = time.perf_counter()
        subprocess.run([BIN / "landrelease", "--db", db, "init"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [BIN / "landrelease", "--db", db, "demo", "--areas", str(areas), "--seed", "1"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"built {db.name} in {time.perf_counter() - t:.0f} s")
    else:  # built by an older version: bring its schema up to date (idempotent)
        subprocess.run([BIN / "landrelease", "--db", db, "init"], check=True, stdout=subprocess.DEVNULL)
    return db


#: Landrelease needs an account (docs/security.md): the benchmark reads as a viewer with an API token.
AUTH: dict[str, str] = {}


def bench_token(db: Path) -> None:
    import secrets

    from landrelease.errors import NotFound
    from landrelease.service import accounts
    from landrelease.service.store import open_store

    s = open_store(str(db))
    try:
        try:
            accounts.get_account(s, "bench")
        except NotFound:
            accounts.add_account(s, "bench", role="viewer", password=secrets.token_urlsafe(18))
        AUTH["Authorization"] = f"Bearer {accounts.create_token(s, 'bench', 'bench_web')}"
    finally:
        s.close()


def extent(base: str) -> list[float]:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    conn.request("GET", "/collections/hazardous-areas", headers={"Accept": "application/json", **AUTH})
    return json.loads(conn.getresponse().read())["extent"]["spatial"]["bbox"][0]


def load(
    base: str, path: str, box: list[float], n: int, concurrency: int, seed: int = 7, extra: str = ""
) -> dict[str, float]:
    """n GET requests for items in random boxes (~5 % of the extent's width) over keep-alive connections."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = box
    w, h = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    urls = []
    for _ in range(n):
        x, y = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
        urls.append(f"{path}?limit=100&bbox={x:.6f},{y:.6f},{x + w:.6f},{y + h:.6f}{extra}")
    latencies: list[float] = []
    features: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    it = iter(urls)

    def worker() -> None:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
        while True:
            with lock:
                url = next(it, None)
            if url is None:
                break
            t = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Accept": "application/geo+json", **AUTH})
                r = conn.getresponse()
                body = r.read()
                status = r.status
            except (OSError, http.client.HTTPException) as exc:  # the server dropped the connection
                conn.close()
                conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
                body, status = b"", type(exc).__name__
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                if status == 200:  # features counted without parsing: the client must not eat the server's CPU
                    features.append(body.count(b'"Feature"'))
                else:
                    errors.append(f"{status}")
        conn.close()

    probe = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
    probe.request("GET", urls[0], headers={"Accept": "application/geo+json", **AUTH})
    doc = json.loads(probe.getresponse().read())  # one page parsed in full: the count below is right
    assert doc["type"] == "FeatureCollection" and all(f["type"] == "Feature" for f in doc["features"])
    probe.close()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "req_s": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "mean_features": statistics.mean(features) if features else 0.0,
    }


def viewport(base: str, box: list[float], runs: int = 10) -> dict[str, float]:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
    times, size, count, mode = [], 0, 0, ""
    for _ in range(runs):
        t = time.perf_counter()
        conn.request("GET", f"/api/map/hazardous-areas?bbox={','.join(f'{v:.6f}' for v in box)}", headers=AUTH)
        body = conn.getresponse().read()
        times.append(time.perf_counter() - t)
        doc = json.loads(body)
        size, count, mode = len(body), doc["count"], doc["mode"]
    return {"p50_ms": statistics.median(times) * 1000, "first_ms": times[0] * 1000, "max_ms": max(times) * 1000,
            "bytes": size, "areas": count, "mode": mode}  # fmt: skip


PYGEOAPI = ["pygeoapi==0.21.0", "starlette==0.47.3", "uvicorn==0.54.0", "httptools==0.9.0", "uvloop==0.23.0"]


def pygeoapi_server(db: Path, workers: int) -> tuple[subprocess.Popen, str] | None:
    venv = WORK / "pygeoapi-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        base = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
        subprocess.run([base, "-m", "venv", venv], check=True)
        r = subprocess.run([py, "-m", "pip", "install", "-q", *PYGEOAPI], capture_output=True, text=True)
        if r.returncode:
            print("pygeoapi does not install here:", r.stderr.strip().splitlines()[-1:])
            return None
    data = WORK / "hazardous_areas.gpkg"  # the layer is named after the file: a plain SQL name
    if not data.exists():
        subprocess.run([BIN / "landrelease", "--db", db, "export", data], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    cfg = WORK / "pygeoapi.yml"
    cfg.write_text(
        f"""server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 100, max_items: 10000}}
  map: {{url: "http://127.0.0.1/{{z}}/{{x}}/{{y}}.png", attribution: none}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none,
    url: http://127.0.0.1}}
  license: {{name: none, url: http://127.0.0.1}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench}}
resources:
  hazardous-areas:
    type: collection
    title: hazardous areas
    description: hazardous areas
    keywords: [bench]
    extents: {{spatial: {{bbox: [-180, -90, 180, 90], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}}}
    providers:
      - type: feature
        name: SQLiteGPKG
        data: {data}
        id_field: code
        table: hazardous_areas
"""
    )
    openapi = WORK / "pygeoapi-openapi.yml"
    env = dict(os.environ, PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(openapi))
    subprocess.run(
        [venv / "bin" / "pygeoapi", "openapi", "generate", cfg, "--output-file", openapi],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log = WORK / "pygeoapi.log"
    proc = subprocess.Popen(
        [py, "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--port", str(port), "--workers", str(workers),
         "--log-level", "error"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )  # fmt: skip
    try:
        wait_port(port, proc)
    except RuntimeError:
        print("pygeoapi did not start:", log.read_text().strip().splitlines()[-3:])
        proc.kill()
        return None
    return proc, f"http://127.0.0.1:{port}"


def main() -> None:
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="server processes, for both servers")
    ap.add_argument("--pygeoapi", action="store_true")
    ap.add_argument("--pygeoapi-requests", type=int, default=200, help="fewer: it is much slower")
    ap.add_argument("--work", type=Path, default=WORK, help="where the demo record and pygeoapi live")
    args = ap.parse_args()
    WORK = args.work
    db = build(args.areas)
    bench_token(db)
    port = free_port()
    proc = subprocess.Popen(
        [BIN / "landrelease", "--db", db, "serve", "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        box = extent(base)
        vp = viewport(base, box)  # first: the grid is computed (as after a write), then cached
        load(base, "/collections/hazardous-areas/items", box, 100, args.concurrency)  # warm-up
        res = load(base, "/collections/hazardous-areas/items", box, args.requests, args.concurrency)
        print(
            f"landrelease OGC items limit=100 random bbox, {args.areas} areas, {args.workers} workers, "
            f"c={args.concurrency}: {fmt(res)}"
        )
        print(
            f"map viewport, zoomed out over all {vp['areas']} areas ({vp['mode']}): first {vp['first_ms']:.0f} ms, "
            f"then p50 {vp['p50_ms']:.0f} ms, max {vp['max_ms']:.0f} ms, {vp['bytes'] / 1024:.0f} KiB"
        )
    finally:
        proc.terminate()
        proc.wait()
    if args.pygeoapi:
        started = pygeoapi_server(db, args.workers)
        if started:
            pproc, pbase = started
            try:
                n = args.pygeoapi_requests
                load(pbase, "/collections/hazardous-areas/items", box, 10, 2, extra="&f=json")  # warm-up
                ref = load(pbase, "/collections/hazardous-areas/items", box, n, args.concurrency, extra="&f=json")
                print(f"pygeoapi 0.21 (SQLiteGPKG provider), {args.workers} workers, same client, {n} requests: "
                      f"{fmt(ref)}")  # fmt: skip
                print(f"landrelease / pygeoapi throughput: {res['req_s'] / ref['req_s']:.1f}×")
            finally:
                pproc.terminate()
                pproc.wait()


def fmt(r: dict[str, float]) -> str:
    return (
        f"{r['req_s']:.1f} req/s, p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
        f"{r['mean_features']:.0f} features/page, {r['errors']:.0f} errors of {r['requests']:.0f}"
    )


if __name__ == "__main__":
    main()
