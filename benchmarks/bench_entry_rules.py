"""Cost of the entry rules (issue 9) in the one write path: write the demo's hazardous areas, units,
activities and progress reports (one batch per kind) into a fresh SQLite record, in process, and
print the wall time of `write_batch` per kind. Run it with PYTHONPATH pointing at the code before and
after a change, alternately, in the same session (the machine is shared and noisy).

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_entry_rules.py 5000
"""

import os
import sys
import tempfile
import time

from landrelease.demo.generator import generate
from landrelease.service.store import open_store
from landrelease.service.write import write_batch

n = int(sys.argv[1])
data = generate(n_areas=n, seed=1)
d = tempfile.mkdtemp()
s = open_store(os.path.join(d, "r.db"), init=True)
times = {}
for b in data.batches:
    k = b.entity.kind
    if k == "hazardous_area":
        b.columns["status"] = ["open"] * len(b)
    if k in ("land_release", "eo_find", "accident", "victim", "qa_visit", "nonconformity", "risk_education"):
        continue
    t = time.perf_counter()
    write_batch(s, b)
    times[k] = time.perf_counter() - t
print({k: round(v, 2) for k, v in times.items() if k in ("hazardous_area", "activity", "progress_report")})
