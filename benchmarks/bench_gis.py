"""GIS clients loading a 2,000-area collection from `landrelease serve` (issue 16): Debian's QGIS 3.22 and
GDAL (3.12 through pyogrio; Debian's 3.6) with the page size the server declares in its OpenAPI document
(limit default 1,000, maximum 10,000) against the 100-feature pages QGIS used before the declaration,
in one run, on the same server.

    .venv/bin/python benchmarks/bench_gis.py [--areas 2000] [--repeat 3] [--work DIR]

The demo record is built once into WORK/gis-<areas>.db. The server is the application `landrelease
serve` runs (one uvicorn process), started here with its access log on so that each load's requests
are counted. Clients sign in with HTTP Basic (account name + API token), as docs/gis-clients.md says.
QGIS and Debian's GDAL run in Debian's Python (/usr/bin/python3; python3-qgis from
scripts/install-test-deps.sh), headless. Each load is a fresh layer reading every feature; the figure
is the median of --repeat loads. Server and clients share the machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SYSTEM_PYTHON = "/usr/bin/python3"

QGIS_LOAD = r"""
import json, os, sys, time
job = json.loads(sys.argv[1])
os.environ["QGIS_AUTH_DB_DIR_PATH"] = job["profile"]
os.environ["QGIS_CUSTOM_CONFIG_PATH"] = job["profile"]
from qgis.core import Qgis, QgsApplication, QgsAuthMethodConfig, QgsDataSourceUri, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
auth = QgsApplication.authManager(); auth.setMasterPassword("bench", True)
cfg = QgsAuthMethodConfig(); cfg.setName("bench"); cfg.setMethod("Basic")
cfg.setConfig("username", job["user"]); cfg.setConfig("password", job["token"]); auth.storeAuthenticationConfig(cfg)
uri = QgsDataSourceUri(); uri.setParam("url", job["url"]); uri.setParam("typename", job["collection"])
uri.setAuthConfigId(cfg.id())
if job["page"]:
    uri.setParam("pageSize", str(job["page"]))
t = time.perf_counter()
layer = QgsVectorLayer(uri.uri(False), "x", "OAPIF")
n = sum(1 for _ in layer.getFeatures())
print(json.dumps({"seconds": time.perf_counter() - t, "features": n, "qgis": Qgis.QGIS_VERSION}), flush=True)
os._exit(0)
"""

GDAL36_LOAD = r"""
import json, sys, time
from osgeo import gdal, ogr
job = json.loads(sys.argv[1])
gdal.SetConfigOption("GDAL_HTTP_AUTH", "BASIC")
gdal.SetConfigOption("GDAL_HTTP_USERPWD", job["user"] + ":" + job["token"])
opts = ["PAGE_SIZE=%d" % job["page"]] if job["page"] else []
t = time.perf_counter()
ds = gdal.OpenEx("OAPIF:" + job["url"], gdal.OF_VECTOR, open_options=opts)
layer = ds.GetLayerByName(job["collection"])
n = sum(1 for _ in layer)
print(json.dumps({"seconds": time.perf_counter() - t, "features": n, "gdal": gdal.__version__}), flush=True)
"""

SERVER = r"""
import sys, uvicorn
from landrelease.server.app import create_app
from landrelease.service.store import open_store
uvicorn.run(create_app(open_store(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="info",
            access_log=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(db: Path, areas: int) -> str:
    """The demo record (once) and a viewer's fresh API token."""
    from landrelease.service import accounts
    from landrelease.service.demo import build_demo
    from landrelease.service.store import open_store

    if not db.exists():
        store = open_store(str(db), actor="bench:gis", init=True)
        build_demo(store, n_areas=areas, seed=1)
        accounts.add_account(store, "gis-bench", role="viewer", password=os.urandom(12).hex())
        store.close()
    store = open_store(str(db))
    token = accounts.create_token(store, "gis-bench", "bench_gis")
    store.close()
    return token


def requests_since(log: Path, mark: int) -> tuple[int, int]:
    lines = log.read_text(errors="replace").splitlines()
    items = [x for x in lines[mark:] if '"GET ' in x and "/items" in x]
    return len([x for x in lines[mark:] if '"GET ' in x]), len(items)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=HERE / "work")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / f"gis-{args.areas}.db"
    t0 = time.perf_counter()
    token = build(db, args.areas)
    print(f"record ready in {time.perf_counter() - t0:.0f} s: {db}", flush=True)

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = args.work / "gis-server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)], stderr=out, stdout=out, env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        profile = tempfile.mkdtemp(prefix="bench-qgis-")
        sysenv = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        sysenv.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=profile)
        base = {"url": url, "user": "gis-bench", "token": token, "collection": "hazardous-areas", "profile": profile}

        def qgis(page: int | None) -> dict:
            done = subprocess.run([SYSTEM_PYTHON, "-c", QGIS_LOAD, json.dumps({**base, "page": page})],
                                  capture_output=True, text=True, env=sysenv, timeout=900)  # fmt: skip
            return json.loads(done.stdout.strip().splitlines()[-1])

        def gdal36(page: int | None) -> dict:
            done = subprocess.run([SYSTEM_PYTHON, "-c", GDAL36_LOAD, json.dumps({**base, "page": page})],
                                  capture_output=True, text=True, env=sysenv, timeout=900)  # fmt: skip
            return json.loads(done.stdout.strip().splitlines()[-1])

        def gdal312(page: int | None) -> dict:
            import pyogrio
            import pyogrio.raw

            pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"gis-bench:{token}"})
            t = time.perf_counter()
            opts = {"PAGE_SIZE": str(page)} if page else {}
            _, _, geoms, _ = pyogrio.raw.read(f"OAPIF:{url}", layer="hazardous-areas", **opts)
            return {"seconds": time.perf_counter() - t, "features": len(geoms), "gdal": pyogrio.__gdal_version_string__}

        cases = [
            ("QGIS 3.22 (Debian 12), declared page size", qgis, None),
            ("QGIS 3.22, 100-feature pages (before the declaration)", qgis, 100),
            ("GDAL 3.12 (pyogrio), declared page size", gdal312, None),
            ("GDAL 3.12, 100-feature pages", gdal312, 100),
            ("GDAL 3.6 (Debian 12), its default (10)", gdal36, None),
            ("GDAL 3.6, -oo PAGE_SIZE=1000", gdal36, 1000),
        ]
        rows = []
        for name, load, page in cases:
            times, counts = [], []
            for _ in range(args.repeat):
                mark = len(log.read_text(errors="replace").splitlines())
                got = load(page)
                assert got["features"] == args.areas, (name, got)
                times.append(got["seconds"])
                counts.append(requests_since(log, mark))
            rows.append((name, statistics.median(times), counts[-1]))
            print(f"{name}: {statistics.median(times):.2f} s, requests {counts[-1][0]} ({counts[-1][1]} items)",
                  flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\n{args.areas:,} hazardous areas, median of {args.repeat} loads — {stamp}, {platform.node()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| client | load time | requests (of which items pages) |")
    print("| --- | ---: | ---: |")
    for name, seconds, (total, items) in rows:
        print(f"| {name} | {seconds:.2f} s | {total} ({items}) |")


if __name__ == "__main__":
    main()
