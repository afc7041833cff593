"""Record rules beyond field types, checked on every write, column by column (vectorised).

Each rule is one a mine action information-management officer would name: an activity cannot end
before it starts, an accreditation's validity runs forwards, counts are never negative, a
benchmark point is a real coordinate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from landrelease.domain.batch import Batch
from landrelease.domain.model import FieldType
from landrelease.errors import ValidationError

#: (first day, last day) pairs that must run forwards, per kind.
DATE_RANGES: dict[str, tuple[tuple[str, str], ...]] = {
    "activity": (("start", "end"),),
    "accreditation": (("valid_from", "valid_to"),),
    "training": (("start", "end"),),
    "deployment": (("start", "end"),),
    "qualification": (("awarded", "expires"),),
    "nonconformity": (("date", "due"),),
}

#: Coordinates kept as numbers (benchmark, reference and base points).
LONGITUDES = ("bm_lon", "ref_lon", "base_lon")
LATITUDES = ("bm_lat", "ref_lat", "base_lat")


def _rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)]


def _fail(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ValidationError(problems[0] + more)


def _numeric(values: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def check_batch(batch: Batch) -> None:
    """Raise one ValidationError naming the first offending row and field, or return."""
    e = batch.entity
    problems: list[str] = []
    n = len(batch)
    for f in e.input_fields:
        if f.required:
            values = batch.columns.get(f.name)
            if values is None:
                problems.append(f"{f.name} is required but the input has no such column")
                continue
            missing = [i + 1 for i, v in enumerate(values) if v is None or v == "" or v == []]
            if missing:
                problems.append(f"row {missing[0]}, {f.name}: is required ({len(missing)} rows lack it)")
    for f in e.fields:
        if f.type not in (FieldType.INT, FieldType.FLOAT) or f.name not in batch.columns:
            continue
        arr = _numeric(batch.columns[f.name])
        if f.name in LONGITUDES:
            bad = np.abs(arr) > 180
            what = "is not a longitude between -180 and 180"
        elif f.name in LATITUDES:
            bad = np.abs(arr) > 90
            what = "is not a latitude between -90 and 90"
        else:
            bad = arr < 0
            what = "cannot be negative"
        for row in _rows(bad)[:1]:
            problems.append(f"row {row}, {f.name}: {arr[row - 1]:g} {what}")
    for first, last in DATE_RANGES.get(e.kind, ()):
        if first in batch.columns and last in batch.columns:
            for i, (a, b) in enumerate(zip(batch.columns[first], batch.columns[last], strict=True)):
                if a is not None and b is not None and b < a:
                    problems.append(f"row {i + 1}, {last}: {b} is before {first} {a}")
                    break
    if e.kind == "land_release" and "rel_type" in batch.columns:
        depth = batch.columns.get("depth_cm") or [None] * n
        for i, (t, d) in enumerate(zip(batch.columns["rel_type"], depth, strict=True)):
            if t == "cleared" and (d is None or d <= 0):
                problems.append(f"row {i + 1}, depth_cm: cleared land must have a clearance depth (IMAS 09.10)")
                break
    _fail(problems)
