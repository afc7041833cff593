"""Hostile and oversized files through the real CLI: a zip bomb (a 4 MB zip holding a 1.5 GB CSV,
issue #9: MemoryError with a traceback), a zip whose directory lies about its sizes, and files with
more features than allowed are each refused with one line, nothing written, and memory bounded
(the child process's peak resident memory is checked, not its time)."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from landrelease.formats import limits

ROW = b"POINT (35.5 51.4),field value that repeats\n"
BOMB_BYTES = 1536 * 2**20


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A ~4.5 MB zip holding one 1.5 GB CSV, written as a stream (never 1.5 GB in memory)."""
    path = tmp_path_factory.mktemp("bomb") / "export.zip"
    block = ROW * 25_000
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("lr_accident.csv", "w", force_zip64=True) as f:
            f.write(b"wkt,name\n")
            written = 0
            while written < BOMB_BYTES:
                f.write(block)
                written += len(block)
    assert path.stat().st_size < 8 * 2**20
    return path


def run(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, int]:
    """The CLI in a child process; also its peak resident memory in bytes, read by a wrapper from the
    child's own VmHWM (not getrusage's maxrss, which a child inherits from the big process that forked it)."""
    wrapper = (
        "import runpy, sys\n"
        "sys.argv = ['landrelease', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('landrelease', run_name='__main__')\n"
        "finally:\n"
        "    sys.stdout.flush()\n"
        "    hwm = next(ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')).split()[1]\n"
        "    sys.stderr.write(f'\\nMAXRSS {hwm}\\n')\n"
    )
    full = dict(os.environ, LANDRELEASE_USER="test:cli", COLUMNS="200", **(env or {}))
    full.pop("LANDRELEASE_DB", None)
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, "--db", str(db), *args], capture_output=True, text=True, env=full, timeout=600
    )
    lines = proc.stderr.splitlines()
    rss = int(next(ln for ln in lines if ln.startswith("MAXRSS")).split()[1]) * 1024
    proc.stderr = "\n".join(ln for ln in lines if not ln.startswith("MAXRSS"))
    return proc, rss


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0, proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "record.db"
    proc, _ = run(path, "init", "--region", "22,44,40.3,52.4")
    assert proc.returncode == 0, proc.stderr
    return path


def _count(db: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_a_zip_bomb_is_refused_by_its_declared_size(db, bomb):
    for args in (("import", str(bomb)), ("intake", "import", str(bomb), "--form", "lr_accident")):
        proc, rss = run(db, *args)
        line = one_line_error(proc)
        assert "too large" in line and re.search(r"1,5\d\d MB decompressed", line) and "LANDRELEASE_MAX_" in line, line
        assert rss < 400 * 2**20, (args, rss)  # nothing was decompressed
    assert _count(db, "hazardous_area") == 0 and _count(db, "submission") == 0


def _lying_zip(path: Path, name: str, data: bytes, says: int) -> Path:
    """A zip whose local header and central directory both claim `says` bytes for a member that
    decompresses to len(data) bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    raw = bytearray(path.read_bytes())
    size = struct.pack("<I", len(data))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size field of each header
        at = raw.find(sig)
        assert raw[at + offset : at + offset + 4] == size
        raw[at + offset : at + offset + 4] = struct.pack("<I", says)
    path.write_bytes(bytes(raw))
    return path


def test_a_zip_that_lies_about_its_sizes_is_refused(db, tmp_path):
    data = b"wkt,name\n" + ROW * 200_000  # ~9 MB of CSV
    lying = _lying_zip(tmp_path / "small.zip", "lr_accident.csv", data, says=1000)
    with zipfile.ZipFile(lying) as z:
        assert sum(i.file_size for i in z.infolist()) == 1000  # what the directory says
    env = {"LANDRELEASE_MAX_IMPORT_BYTES": str(2 * 2**20), "LANDRELEASE_MAX_EXPORT_BYTES": str(2 * 2**20)}
    for args in (("import", str(lying)), ("intake", "import", str(lying), "--form", "lr_accident")):
        line = one_line_error(run(db, *args, env=env)[0])
        assert lying.name in line and any(w in line for w in ("not a zip", "too large", "CRC")), line
    # read as a stream, the member is stopped at the cap however it is declared
    honest = tmp_path / "honest.zip"
    with zipfile.ZipFile(honest, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", data)
    with zipfile.ZipFile(honest) as z, pytest.raises(Exception, match="too large") as info:
        limits.read_member(z, z.infolist()[0], 10**6, "LANDRELEASE_MAX_EXPORT_BYTES", "a.csv")
    assert "\n" not in str(info.value)
    assert _count(db, "hazardous_area") == 0 and _count(db, "submission") == 0


def test_too_many_features_or_bytes(db, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"haz_type": "sha", "status": "open", "name": f"Field {i}"},
            "geometry": {"type": "Point", "coordinates": [35.5 + i * 0.001, 51.4]},
        }
        for i in range(12)
    ]
    path = tmp_path / "finds.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    line = one_line_error(run(db, "import", str(path), env={"LANDRELEASE_MAX_IMPORT_FEATURES": "10"})[0])
    assert "more than 10 features" in line and "LANDRELEASE_MAX_IMPORT_FEATURES" in line, line
    line = one_line_error(run(db, "import", str(path), env={"LANDRELEASE_MAX_IMPORT_BYTES": "1000"})[0])
    assert "too large" in line and "finds.geojson" in line, line
    csv = tmp_path / "lr_accident.csv"
    csv.write_bytes(b"wkt,name\n" + ROW * 50)
    env = {"LANDRELEASE_MAX_EXPORT_ROWS": "10"}
    line = one_line_error(run(db, "intake", "import", str(csv), "--form", "lr_accident", env=env)[0])
    assert "more than 10 rows" in line and "LANDRELEASE_MAX_EXPORT_ROWS" in line, line
    xlsx = tmp_path / "export.xlsx"
    _xlsx_bomb(xlsx)
    env = {"LANDRELEASE_MAX_EXPORT_BYTES": str(2**20)}
    line = one_line_error(run(db, "intake", "import", str(xlsx), "--form", "lr_accident", env=env)[0])
    assert "too large" in line and "export.xlsx" in line, line
    assert _count(db, "hazardous_area") == 0 and _count(db, "submission") == 0


def _xlsx_bomb(path: Path) -> None:
    """An XLSX (a zip) whose sheet XML decompresses to ~20 MB."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["_uuid", "accident/date"])
    for i in range(20_000):
        ws.append([f"uuid:{i:08d}", "2024-01-01" + " " * 900])
    wb.save(path)
    assert path.stat().st_size < 2**20 * 3
