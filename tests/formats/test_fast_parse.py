"""The typed-column fast path of `layer_to_batch` gives exactly what `Field.parse` gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from landrelease.domain.model import HAZARDOUS_AREA
from landrelease.errors import ValidationError
from landrelease.formats.layer import Layer
from landrelease.formats.records import layer_to_batch


def _layer(**columns) -> Layer:
    n = len(next(iter(columns.values())))
    geoms = np.array([shapely.box(35, 51, 35.001, 51.001)] * n, dtype=object)
    base = {"haz_type": ["sha"] * n, "status": ["open"] * n}
    return Layer(geoms=geoms, columns={**base, **columns}, crs=None, source="t.gpkg")


def test_fast_path_matches_field_parse():
    b = layer_to_batch(
        HAZARDOUS_AREA,
        _layer(bm_lon=[35.1, None, math.nan], benef_exp=[3, None, 0], name=["  Поле ", "", None]),
    )
    assert b.columns["bm_lon"] == [35.1, None, None]
    assert b.columns["benef_exp"] == [3, None, 0]
    assert b.columns["name"] == ["Поле", None, None]
    for f, col in (("bm_lon", [35.1, None, math.nan]), ("name", ["  Поле ", "", None])):
        field = HAZARDOUS_AREA.field(f)
        assert [field.parse(v) for v in col] == b.columns[f]


def test_infinite_number_still_refused():
    with pytest.raises(ValidationError, match="bm_lon"):
        layer_to_batch(HAZARDOUS_AREA, _layer(bm_lon=[35.1, math.inf]))
