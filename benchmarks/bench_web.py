"""Web benchmark: OGC API – Features items (limit=100, random bbox) requests/s and latency percentiles
from a load client on loopback, and the map's zoomed-out viewport payload over every area.

    .venv/bin/python benchmarks/bench_web.py [--areas 100000] [--requests 2000] [--concurrency 8]
                                             [--pygeoapi]

The demo record is built once into benchmarks/work/web-<areas>.db. With --pygeoapi, pygeoapi 0.21 is
installed into its own venv (benchmarks/work/pygeoapi-venv) and serves the same hazardous areas from a
GeoJSON export (its GeoJSON provider: the one that needs no SpatiaLite), measured in the same run.
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
    WORK.mkdir(exist_ok=True)
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
    return db


def extent(base: str) -> list[float]:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    conn.request("GET", "/collections/hazardous-areas", headers={"Accept": "application/json"})
    return json.loads(conn.getresponse().read())["extent"]["spatial"]["bbox"][0]


def load(base: str, path: str, box: list[float], n: int, concurrency: int, seed: int = 7) -> dict[str, float]:
    """n GET requests for items in random boxes (~5 % of the extent's width) over keep-alive connections."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = box
    w, h = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    urls = []
    for _ in range(n):
        x, y = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
        urls.append(f"{path}?limit=100&bbox={x:.6f},{y:.6f},{x + w:.6f},{y + h:.6f}")
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
            conn.request("GET", url, headers={"Accept": "application/geo+json"})
            r = conn.getresponse()
            body = r.read()
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                if r.status == 200:
                    features.append(len(json.loads(body)["features"]))
                else:
                    errors.append(f"{r.status}")
        conn.close()

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
        conn.request("GET", f"/api/map/hazardous-areas?bbox={','.join(f'{v:.6f}' for v in box)}")
        body = conn.getresponse().read()
        times.append(time.perf_counter() - t)
        doc = json.loads(body)
        size, count, mode = len(body), doc["count"], doc["mode"]
    return {"p50_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000, "bytes": size, "areas": count,
            "mode": mode}  # fmt: skip


def pygeoapi_server(db: Path) -> tuple[subprocess.Popen, str] | None:
    venv = WORK / "pygeoapi-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        r = subprocess.run([py, "-m", "pip", "install", "-q", "pygeoapi==0.21.0"], capture_output=True, text=True)
        if r.returncode:
            print("pygeoapi does not install here:", r.stderr.strip().splitlines()[-1:])
            return None
    data = WORK / f"{db.stem}-areas.geojson"
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
        name: GeoJSON
        data: {data}
        id_field: code
"""
    )
    openapi = WORK / "pygeoapi-openapi.yml"
    env = dict(os.environ, PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(openapi))
    subprocess.run(
        [venv / "bin" / "pygeoapi", "openapi", "generate", cfg, "--output-file", openapi], env=env, check=True
    )
    proc = subprocess.Popen(
        [py, "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--port", str(port), "--log-level", "error"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, f"http://127.0.0.1:{port}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--pygeoapi", action="store_true")
    args = ap.parse_args()
    db = build(args.areas)
    port = free_port()
    proc = subprocess.Popen(
        [BIN / "landrelease", "--db", db, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        box = extent(base)
        load(base, "/collections/hazardous-areas/items", box, 50, 2)  # warm-up
        res = load(base, "/collections/hazardous-areas/items", box, args.requests, args.concurrency)
        print(f"landrelease OGC items limit=100 random bbox, {args.areas} areas, c={args.concurrency}: {fmt(res)}")
        vp = viewport(base, box)
        print(
            f"map viewport, zoomed out over all {vp['areas']} areas ({vp['mode']}): p50 {vp['p50_ms']:.0f} ms, "
            f"max {vp['max_ms']:.0f} ms, {vp['bytes'] / 1024:.0f} KiB"
        )
    finally:
        proc.terminate()
        proc.wait()
    if args.pygeoapi:
        started = pygeoapi_server(db)
        if started:
            pproc, pbase = started
            try:
                n = max(args.requests // 10, 50)
                res = load(pbase, "/collections/hazardous-areas/items", box, n, args.concurrency)
                print(f"pygeoapi 0.21 (GeoJSON provider), same data and client, {n} requests: {fmt(res)}")
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
