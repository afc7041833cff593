"""A batch of records of one kind, column by column: what files, forms and the demo hand to the service.

Columns are keyed by the entity's field names (`landrelease.domain.model`), plus:
- ``code``: the human code (optional; the store assigns one when absent or blank);
- ``attrs``: a dict per record of extra attributes kept as imported (optional);
- ``synthetic``: bool per record (optional; defaults to False).
Reference fields (``FieldType.REF``) hold the *code* of the referenced record.
Geometries are a numpy array of shapely geometries in WGS84 lon/lat, or None for kinds without one.
Column orientation keeps the hot path vectorised for 10⁵–10⁶ records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from landrelease.domain.model import Entity


@dataclass
class Batch:
    entity: Entity
    columns: dict[str, Any] = field(default_factory=dict)
    geoms: np.ndarray | None = None

    def __len__(self) -> int:
        if self.geoms is not None:
            return len(self.geoms)
        for values in self.columns.values():
            return len(values)
        return 0

    def column(self, name: str) -> list[Any]:
        """The column as a list, with None where the batch has no such column."""
        values = self.columns.get(name)
        if values is None:
            return [None] * len(self)
        return list(values)

    def rows(self) -> list[dict[str, Any]]:
        """Row view, for small batches and tests; hot paths use the columns."""
        names = list(self.columns)
        cols = [self.column(n) for n in names]
        out = (
            [dict(zip(names, vals, strict=True)) for vals in zip(*cols, strict=True)]
            if names
            else [{} for _ in range(len(self))]
        )
        if self.geoms is not None:
            for row, g in zip(out, self.geoms, strict=True):
                row["geom"] = g
        return out
