"""Land release rules (IMAS 07.11, IMAS 08.30): the hazardous area state machine and area accounting.

A hazardous area is described by its type (SHA/CHA) and status (open/closed/handed over). Land
leaves it only through the three land release products: *cancelled* by non-technical survey,
*reduced* by technical survey, *cleared* by clearance/BAC/EOD to a specified depth (IMAS 09.10).
The accounting invariants kept on every write:

1. each released polygon lies within the part of its hazardous area that is still hazardous
   (within a small tolerance for GPS/digitising error; the sliver outside is clipped away);
2. cancelled + reduced + cleared never exceeds the original area (follows from 1: released pieces
   are disjoint parts of the original polygon);
3. the remaining polygon = original − everything released, kept on the record;
4. a cleared polygon always has a clearance depth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from landrelease.domain.vocab import (
    DIRECT_EVIDENCE,
    ActivityType,
    EvidenceType,
    HazardStatus,
    HazardType,
    ReleaseType,
)
from landrelease.errors import ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.containment import excess_outside

#: GPS and digitising error accepted at the edge of a hazardous area, metres.
DEFAULT_TOLERANCE_M = 2.0
#: A remaining area below this (m²) counts as fully released: slivers of float noise, not hazard.
FULLY_RELEASED_M2 = 1.0
#: Snap-rounding grid, degrees (~0.1 mm), used only when an exact overlay fails (GEOS
#: TopologyException on near-collinear edges that repeated releases can produce).
OVERLAY_GRID_DEG = 1e-9
#: Excess below this (m²) beyond the tolerance is ignored: slivers of overlay noise, far below survey accuracy.
NOISE_M2 = 1.0

#: Which activity may produce which release product (IMAS 07.11 §5).
RELEASE_BY_ACTIVITY: dict[ReleaseType, frozenset[ActivityType]] = {
    ReleaseType.CANCELLED: frozenset({ActivityType.NTS}),
    ReleaseType.REDUCED: frozenset({ActivityType.TS}),
    ReleaseType.CLEARED: frozenset({ActivityType.CLEARANCE, ActivityType.BAC, ActivityType.EOD}),
}


@dataclass(frozen=True)
class AreaState:
    haz_type: HazardType
    status: HazardStatus


class Transition:
    """Named events of the state machine; each returns the new state or refuses with a reason."""

    @staticmethod
    def confirm(state: AreaState, evidence: Iterable[str] | None = None) -> AreaState:
        """SHA → CHA when direct evidence is found (IMAS 07.11 §7). `evidence`: the evidence kinds
        recorded on the area after the change (None: not checked, for callers that hold none)."""
        if evidence is not None and not {EvidenceType.parse(x) for x in evidence} & DIRECT_EVIDENCE:
            allowed = ", ".join(sorted(x.value for x in DIRECT_EVIDENCE))
            raise ValidationError(
                f"a CHA rests on direct evidence: record it in evidence ({allowed}) with the change",
                field="evidence",
            )
        if state.status is not HazardStatus.OPEN:
            raise ValidationError(
                f"cannot confirm a {state.status.label.lower()} area; reopen it first", field="haz_type"
            )
        if state.haz_type is HazardType.CHA:
            raise ValidationError("the area is already a CHA", field="haz_type")
        return AreaState(HazardType.CHA, state.status)

    @staticmethod
    def close(state: AreaState, remaining_m2: float) -> AreaState:
        if state.status is not HazardStatus.OPEN:
            raise ValidationError(f"only an open area can be closed; this one is {state.status.value}", field="status")
        if remaining_m2 > FULLY_RELEASED_M2:
            raise ValidationError(
                f"{remaining_m2:,.0f} m² is still hazardous; cancel, reduce or clear it before closing the area",
                field="status",
            )
        return AreaState(state.haz_type, HazardStatus.CLOSED)

    @staticmethod
    def hand_over(state: AreaState) -> AreaState:
        """Closed → handed over: formal transfer to the land owner (IMAS 08.30)."""
        if state.status is not HazardStatus.CLOSED:
            raise ValidationError(
                f"only a closed area can be handed over; this one is {state.status.value} "
                "(release all its land and close it first)",
                field="status",
            )
        return AreaState(state.haz_type, HazardStatus.HANDED_OVER)

    @staticmethod
    def reopen(state: AreaState, reason: str | None) -> AreaState:
        """Closed/handed over → open when new evidence appears (residual contamination)."""
        if state.status is HazardStatus.OPEN:
            raise ValidationError("the area is already open", field="status")
        if not reason or not reason.strip():
            raise ValidationError("reopening an area needs a reason (the new evidence)", field="note")
        return AreaState(state.haz_type, HazardStatus.OPEN)


def transition(
    state: AreaState,
    *,
    haz_type: HazardType | None = None,
    status: HazardStatus | None = None,
    remaining_m2: float = 0.0,
    reason: str | None = None,
    evidence: Iterable[str] | None = None,
) -> AreaState:
    """Move to the requested (type, status), refusing illegal moves with a message that says why."""
    new = state
    if haz_type is not None and haz_type is not state.haz_type:
        if haz_type is HazardType.SHA:
            raise ValidationError(
                "a CHA cannot be downgraded to SHA: its direct evidence stands; cancel or reduce its land "
                "through survey instead",
                field="haz_type",
            )
        new = Transition.confirm(new, evidence)
    if status is not None and status is not new.status:
        if status is HazardStatus.OPEN:
            new = Transition.reopen(new, reason)
        elif status is HazardStatus.CLOSED:
            new = Transition.close(new, remaining_m2)
        else:
            new = Transition.hand_over(new)
    return new


def check_release_request(
    rel_type: ReleaseType, depth_cm: float | None, activity_type: ActivityType | None, status: HazardStatus
) -> None:
    if status is not HazardStatus.OPEN:
        raise ValidationError(
            f"land can only be released from an open hazardous area; this one is {status.value}", field="area"
        )
    if rel_type is ReleaseType.CLEARED and (depth_cm is None or depth_cm <= 0):
        raise ValidationError("cleared land must have a clearance depth in cm (IMAS 09.10)", field="depth_cm")
    if activity_type is not None and activity_type not in RELEASE_BY_ACTIVITY[rel_type]:
        allowed = ", ".join(sorted(a.value for a in RELEASE_BY_ACTIVITY[rel_type]))
        raise ValidationError(
            f"{rel_type.value} land comes from {allowed} activities, not {activity_type.value} (IMAS 07.11)",
            field="activity",
        )


@dataclass(frozen=True)
class ReleaseOutcome:
    released: BaseGeometry  # the released polygon clipped to the remaining hazard
    released_m2: float
    remaining: BaseGeometry | None  # None when fully released
    remaining_m2: float
    fully_released: bool
    clipped_m2: float  # area trimmed off as edge tolerance


def apply_release(
    original: BaseGeometry,
    remaining: BaseGeometry | None,
    released: BaseGeometry,
    *,
    code: str = "the hazardous area",
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> ReleaseOutcome:
    """Take `released` out of `remaining`, enforcing invariants 1–3 of this module."""
    if remaining is None or remaining.is_empty:
        raise ValidationError(f"{code} has no hazardous land left to release", field="area")
    released = _polygonal(released)
    outside_area = excess_outside(released, original, tolerance_m)
    if outside_area > NOISE_M2:
        raise ValidationError(
            f"the released polygon extends {outside_area:,.1f} m² outside {code} (more than {tolerance_m:g} m "
            "beyond its perimeter); released land must lie within its hazardous area",
            field="geometry",
        )
    overlap = excess_outside(released, remaining, tolerance_m)
    if overlap > NOISE_M2:
        raise ValidationError(
            f"the released polygon overlaps {overlap:,.1f} m² of land already released from {code}; "
            "each piece of land is released once",
            field="geometry",
        )
    piece = _polygonal(_overlay(shapely.intersection, released, remaining))
    rest = _polygonal(_overlay(shapely.difference, remaining, released))
    areas = geodesic_area(np.array([released, piece, rest, original], dtype=object))
    released_m2 = float(areas[1])
    if released_m2 <= 0:
        raise ValidationError(f"the released polygon does not cover any hazardous land of {code}", field="geometry")
    remaining_m2 = float(areas[2])
    # What is left is also measured in the stored lon/lat plane (scaled by the area's own m² per
    # square degree): where two released polygons meet on the area's edge, the overlay leaves a
    # triangle of float noise with no area in that plane, but the equal-area projection bends its
    # long edges apart by millimetres, so it reads ~1 m² along a 450 m edge. Such a sliver is not
    # hazardous land left; a real remnant measures the same both ways.
    plane_m2 = float(shapely.area(rest)) * float(areas[3]) / max(float(shapely.area(original)), 1e-300)
    fully = min(remaining_m2, plane_m2) <= FULLY_RELEASED_M2
    return ReleaseOutcome(
        released=piece,
        released_m2=released_m2,
        remaining=None if fully else rest,
        remaining_m2=0.0 if fully else remaining_m2,
        fully_released=fully,
        clipped_m2=max(float(areas[0]) - released_m2, 0.0),
    )


def _overlay(op, a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:  # type: ignore[no-untyped-def]
    try:
        return op(a, b)
    except shapely.errors.GEOSException:
        return op(a, b, grid_size=OVERLAY_GRID_DEG)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep the polygonal part of an overlay result (lines/points from touching edges are dropped)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)
