"""Seed records the field forms refer to (an organisation, a team, a hazardous area, an activity)."""

from __future__ import annotations

import numpy as np
import shapely

from landrelease.domain import model as m
from landrelease.domain.batch import Batch
from landrelease.service.write import write_batch

# A small square near 51.4 N 35.5 E (lon, lat), about 700 m × 1100 m.
AREA = shapely.Polygon([(35.50, 51.40), (35.51, 51.40), (35.51, 51.41), (35.50, 51.41)])


def _one(store, ent: m.Entity, geom=None, **columns) -> str:
    geoms = None
    if ent.geom is not None:
        geoms = np.empty(1, dtype=object)
        geoms[0] = geom
    batch = Batch(entity=ent, columns={k: [v] for k, v in columns.items()}, geoms=geoms)
    return write_batch(store, batch).codes[0]


def seed(store) -> dict[str, str]:
    org = _one(store, m.ORGANISATION, name="Synthetic demining NGO", short_name="SDN", synthetic=True)
    qa_org = _one(store, m.ORGANISATION, name="Synthetic mine action centre", org_kind="nmaa", synthetic=True)
    unit = _one(store, m.UNIT, name="Team 1", org=org, unit_type="manual", synthetic=True)
    area = _one(
        store, m.HAZARDOUS_AREA, AREA, name="Synthetic field", haz_type="cha", status="open", org=org, synthetic=True
    )
    act = _one(store, m.ACTIVITY, act_type="clearance", area=area, org=org, unit=unit, status="ongoing", synthetic=True)
    return {"org": org, "qa_org": qa_org, "unit": unit, "area": area, "activity": act}


def as_actor(store, actor: str):
    """The same trusted local handle (no accounts, no principal) signing its writes as ``actor``:
    two reviewers on a record without accounts."""
    import copy

    other = copy.copy(store)
    other.actor = actor
    return other
