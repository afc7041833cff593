"""Field intake under load (issue 5): 20 phones × 500 forms over OpenRosa on loopback, 10 % replays,
random disconnects; afterwards exactly the unique forms are in the queue — none lost, none twice.

Run: .venv/bin/python benchmarks/bench_intake.py [--clients 20] [--per-client 500] [--skip-postgres]

For each backend (SQLite file, PostGIS): a fresh record with an operator account, `landrelease serve`
in its own process, then `landrelease.demo.fieldsim` drives the clients (threads in this process,
real sockets). Printed: throughput of acknowledged forms, latency percentiles of completed POSTs, the
disconnects and replays made, and the queue check. Reference, same run, same machine: the same forms
stored by `submissions.submit` in process, one thread, no HTTP (the database's own cost per form).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "tests"))

USER, PASSWORD = "field.load", "synthetic-load-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def prepare(db: str) -> dict[str, str]:
    """A fresh record with an organisation and an operator data worker who sends the forms."""
    from landrelease.demo.fieldsim import seed_record
    from landrelease.service import accounts
    from landrelease.service.store import open_store

    store = open_store(db, init=True)
    codes = seed_record(store)
    accounts.add_account(store, USER, role="operator_writer", password=PASSWORD, organisation=codes["org"])
    store.close()
    return codes


def in_process(db: str, n: int, activity: str) -> float:
    """Reference: forms per second stored by submissions.submit directly (one thread, no HTTP)."""
    from landrelease.demo.fieldsim import make_form
    from landrelease.formats.answers import values_from_xml
    from landrelease.service import submissions
    from landrelease.service.store import open_store

    store = open_store(db)
    forms = [make_form(99, i, "reference", activity, i % 5 == 0) for i in range(n)]
    t0 = time.perf_counter()
    for f in forms:
        sub = values_from_xml(f.xml)
        submissions.submit(
            store,
            form_id=sub.form_id,
            form_version=sub.version,
            instance_id=sub.instance_id,
            values=sub.values,
            raw=f.xml,
            source="odk",
            attachments=f.files,
            actor="reference",
        )
    rate = n / (time.perf_counter() - t0)
    store.close()
    return rate


def check(db: str, report, skip_prefix: str = "reference") -> dict[str, int]:
    """Exactly the unique forms, each once, each byte for byte as sent, with its attachments."""
    from sqlalchemy import func, select

    from landrelease.service.store import open_store
    from landrelease.store.schema import submission, submission_file

    store = open_store(db)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(submission.c.instance_id, submission.c.raw_hash).where(submission.c.actor != skip_prefix)
        ).all()
        files = conn.execute(
            select(func.count())
            .select_from(submission_file.join(submission, submission.c.id == submission_file.c.submission))
            .where(submission.c.actor != skip_prefix)
        ).scalar_one()
    store.close()
    stored = {}
    for iid, digest in rows:
        stored.setdefault(iid, []).append(digest)
    twice = sum(1 for v in stored.values() if len(v) > 1)
    lost = sum(1 for iid in report.sent if iid not in stored)
    extra = sum(1 for iid in stored if iid not in report.sent)
    wrong = sum(
        1 for iid, f in report.sent.items() if iid in stored and stored[iid][0] != hashlib.sha256(f.xml).hexdigest()
    )
    want_files = sum(len(f.files) for f in report.sent.values())
    return {
        "unique_sent": len(report.sent),
        "stored": len(rows),
        "lost": lost,
        "twice": twice,
        "extra": extra,
        "wrong_bytes": wrong,
        "files_expected": want_files,
        "files_stored": int(files),
    }


def run_backend(name: str, db: str, args: argparse.Namespace) -> bool:
    from landrelease.demo import fieldsim

    codes = prepare(db)
    ref = in_process(db, args.reference, codes["activity"])
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "landrelease"), "--db", db, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "LANDRELEASE_AS": ""},
    )
    try:
        wait_port(port, proc)
        report = fieldsim.run(
            f"http://127.0.0.1:{port}",
            USER,
            PASSWORD,
            clients=args.clients,
            per_client=args.per_client,
            replay_rate=args.replays,
            disconnect_rate=args.disconnects,
            activity=codes["activity"],
            seed=args.seed,
        )
    finally:
        proc.terminate()
        proc.wait()
    got = check(db, report)
    acked = report.status.get(201, 0) + report.status.get(202, 0)
    ok = got["lost"] == got["twice"] == got["extra"] == got["wrong_bytes"] == 0 and not report.errors
    ok = ok and got["stored"] == got["unique_sent"] and got["files_stored"] == got["files_expected"]
    print(
        f"{name}: {args.clients} clients × {args.per_client} forms in {report.elapsed:.1f} s — "
        f"{len(report.sent) / report.elapsed:.0f} unique forms/s, {report.requests / report.elapsed:.0f} completed "
        f"POSTs/s ({acked} acknowledged: 201×{report.status.get(201, 0)}, 202×{report.status.get(202, 0)}; "
        f"other {report.requests - acked}); latency p50 {1000 * report.p(0.50):.0f} ms, "
        f"p95 {1000 * report.p(0.95):.0f} ms, p99 {1000 * report.p(0.99):.0f} ms; "
        f"{report.replays} replays, {report.aborted} uploads cut mid-request, {report.dropped} answers never read"
    )
    print(
        f"{name}: queue check — {got['unique_sent']} unique sent, {got['stored']} stored, lost {got['lost']}, "
        f"stored twice {got['twice']}, unknown {got['extra']}, bytes differ {got['wrong_bytes']}, attachments "
        f"{got['files_stored']}/{got['files_expected']}; unexpected answers {len(report.errors)} → "
        f"{'OK' if ok else 'FAILED'}"
    )
    for e in report.errors[:5]:
        print(f"  {e}")
    print(f"{name}: reference, submissions.submit in process, 1 thread, no HTTP: {ref:.0f} forms/s")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=500)
    ap.add_argument("--replays", type=float, default=0.10)
    ap.add_argument("--disconnects", type=float, default=0.05)
    ap.add_argument("--reference", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-postgres", action="store_true")
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as work:
        ok &= run_backend("SQLite", str(Path(work) / "intake.db"), args)
        if not args.skip_postgres:
            from pgserver import PgServer

            server = PgServer()
            server.start()
            try:
                ok &= run_backend("PostGIS", server.new_database("intake"), args)
            finally:
                server.stop()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
