"""What the anonymous public view may see of the records it may read (`policy.PUBLIC_KINDS`).

Released land is public so that people learn where they may go again. But a release of an area that
is still open outlines the hazard that remains: a cancelled or reduced polygon touches the area's
remaining polygon, and its `area` field names the open area. The locations of open hazardous areas
are sensitive information (shared with those who need them, IMAS 05.10 information management;
marking and risk education are how the public is warned), so the public view shows the releases of an area only
once the area is closed or handed over — the whole area is then safe land — and the extent it
gives is the extent of that land, never of the hazardous areas.

Every read path applies `conditions` (search, OGC items and extent, one record, the map's viewport
and extent): one rule, one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from landrelease.auth.roles import Role
from landrelease.service.store import Store
from landrelease.store.schema import TABLES


def is_public(store: Store) -> bool:
    """Is the store acting as the anonymous visitor of the public view?"""
    p = store.principal
    return p is not None and p.role is Role.PUBLIC


def conditions(store: Store, kind: str) -> list[Any]:
    """Extra WHERE conditions on `kind`'s table for the caller: none except for the public view,
    which sees only releases of hazardous areas no longer open (an area-less release is the
    authority's bookkeeping and is left out too)."""
    if not is_public(store) or kind != "land_release":
        return []
    release, area = TABLES["land_release"], TABLES["hazardous_area"]
    settled = select(area.c.id).where(area.c.status.in_(("closed", "handed_over")), area.c.deleted_at.is_(None))
    return [release.c.area.in_(settled)]


def key(store: Store) -> str:
    """What distinguishes the caller's view in a cache of derived results (map grid cells)."""
    return "public" if is_public(store) else "all"


__all__ = ["conditions", "is_public", "key"]
