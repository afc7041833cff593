"""`make bench`: every benchmark, each printing its figures beside the reference it names.
Copy the figures into benchmarks/RESULTS.md with the command, machine and date.

    .venv/bin/python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks run")
    ap.add_argument(
        "--national", action="store_true", help="also plan 100,000 areas × 1,000 teams (~5 min, ~1 GB per seed)"
    )
    args = ap.parse_args()
    areas = "5000" if args.quick else "100000"
    runs = [
        ["bench_import.py", "--areas", areas],
        ["bench_geo.py", areas],
        ["bench_planning.py", "--sizes", "200x10"] + ([] if args.quick else ["1000x30"]),
        ["bench_planning_field.py", "--sizes", "200x10", "--seeds", "0", "1", "--time-limit", "10"],
        ["bench_planning_cpsat.py", "--sizes", "200x10", "--seeds", "0", "1", "--time-limit", "20"],
        ["bench_planning_scale.py", "--sizes", "2000x20" if args.quick else "10000x100", "--seeds", "0", "1", "2"],
        ["bench_web.py", "--areas", areas, "--pygeoapi"],
        ["bench_pages.py", "--areas", "500" if args.quick else "2000"],
        ["bench_intake.py"] + (["--clients", "4", "--per-client", "50"] if args.quick else []),
        ["bench_gis.py", "--areas", "500" if args.quick else "2000"],
        ["bench_writes.py"] + (["--rounds", "1", "--writes", "40", "--forms", "20"] if args.quick else []),
    ]
    if args.national:
        runs.append(["bench_planning_scale.py", "--sizes", "100000x1000", "--seeds", "0", "--time-limit", "200"])
    for script, *rest in runs:
        print(f"\n=== {script} {' '.join(rest)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *rest], check=True)


if __name__ == "__main__":
    main()
