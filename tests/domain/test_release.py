"""Land release rules (IMAS 07.11): the state machine and the area accounting invariants.

Property tests drive random sequences of release polygons through `apply_release` and check that
(1) every released piece lies within its hazardous area, (2) cancelled + reduced + cleared never
exceeds the original area, (3) the remaining polygon is original minus everything released, and
(4) pieces never overlap one another.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landrelease.domain.release import (
    AreaState,
    Transition,
    apply_release,
    check_release_request,
    transition,
)
from landrelease.domain.vocab import ActivityType, HazardStatus, HazardType, ReleaseType
from landrelease.errors import ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.containment import clip, excess_outside

ORIGIN = (35.5, 51.4)
SPAN = 0.01  # ~700 m × 1.1 km


def _area_polygon(seed: int) -> shapely.Geometry:
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
    radius = rng.uniform(0.5, 1.0, 12) * SPAN / 2
    x = ORIGIN[0] + SPAN / 2 + radius * np.cos(angles)
    y = ORIGIN[1] + SPAN / 2 + radius * np.sin(angles)
    return shapely.make_valid(shapely.Polygon(np.column_stack([x, y])))


boxes = st.tuples(st.floats(0, 0.9), st.floats(0, 0.9), st.floats(0.05, 0.6), st.floats(0.05, 0.6)).map(
    lambda t: shapely.box(
        ORIGIN[0] + t[0] * SPAN,
        ORIGIN[1] + t[1] * SPAN,
        ORIGIN[0] + min(t[0] + t[2], 1) * SPAN,
        ORIGIN[1] + min(t[1] + t[3], 1) * SPAN,
    )
)


def _area(g) -> float:
    return float(geodesic_area(np.array([g], dtype=object))[0])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), requests=st.lists(st.tuples(boxes, st.booleans()), min_size=1, max_size=8))
def test_accounting_invariants_hold_for_any_sequence(seed, requests):
    original = _area_polygon(seed)
    original_m2 = _area(original)
    remaining = original
    released_total = 0.0
    pieces = []
    for box, clip_first in requests:
        if remaining is None:
            break
        # Half the requests are made legal by clipping them to the remaining land: those must be
        # accepted. Raw boxes may stick out or overlap released land: if refused, they really did.
        req = clip(box, remaining) if clip_first else box
        if _area(req) < 1.0:
            continue
        try:
            out = apply_release(original, remaining, req, tolerance_m=0.5)
        except ValidationError:
            assert not clip_first, "a request inside the remaining land was refused"
            assert _area(shapely.difference(req, remaining)) > 0.1
            continue
        pieces.append(out.released)
        released_total += out.released_m2
        # (1) within the hazardous area (tolerance: float noise only)
        # (lon/lat-straight edges bow by centimetres once projected: checked at 0.1 m)
        assert excess_outside(out.released, original, 0.1) < 1e-3
        # (2) never more than the original
        assert released_total <= original_m2 * (1 + 1e-6)
        remaining = out.remaining
        # (3) remaining = original − released: geometrically, to the accuracy of the geodesic
        # area method (1e-5, tests/geo); the stored ledger is exactly additive (tests/service).
        rest_m2 = 0.0 if remaining is None else _area(remaining)
        assert rest_m2 + released_total == pytest.approx(original_m2, rel=5e-5, abs=1.0)
        covered = shapely.union_all(pieces + ([remaining] if remaining else []))
        # nothing lost: planar area in lon/lat (1e-12 deg² ≈ 0.008 m² here); a geodesic measure
        # would report the curvature between projected and lon/lat edges of collinear slivers
        assert shapely.difference(original, covered).area < 1e-11
    # (4) pieces are disjoint
    for a, b in itertools.combinations(pieces, 2):
        assert _area(shapely.intersection(a, b)) < 1.0


def test_sliver_outside_within_tolerance_is_clipped():
    original = shapely.box(35.5, 51.4, 35.51, 51.41)
    # extends ~1 m (0.000014° lon) beyond the east edge
    req = shapely.box(35.505, 51.4, 35.510014, 51.41)
    out = apply_release(original, original, req, tolerance_m=2.0)
    assert out.clipped_m2 > 0
    assert _area(shapely.difference(out.released, original)) < 1e-6


def test_release_far_outside_is_refused_with_the_amount():
    original = shapely.box(35.5, 51.4, 35.51, 51.41)
    req = shapely.box(35.505, 51.4, 35.52, 51.41)
    with pytest.raises(ValidationError, match=r"extends [\d,.]+ m² outside"):
        apply_release(original, original, req)


def test_cleared_land_needs_depth_and_matching_activity():
    with pytest.raises(ValidationError, match="IMAS 09.10"):
        check_release_request(ReleaseType.CLEARED, None, ActivityType.CLEARANCE, HazardStatus.OPEN)
    with pytest.raises(ValidationError, match="not ts"):
        check_release_request(ReleaseType.CANCELLED, None, ActivityType.TS, HazardStatus.OPEN)
    with pytest.raises(ValidationError, match="open hazardous area"):
        check_release_request(ReleaseType.REDUCED, None, ActivityType.TS, HazardStatus.CLOSED)
    check_release_request(ReleaseType.CLEARED, 20.0, ActivityType.BAC, HazardStatus.OPEN)


LEGAL = {
    # (type, status) → reachable (type, status) in one request
    ("sha", "open"): {("cha", "open"), ("sha", "closed")},
    ("cha", "open"): {("cha", "closed")},
    ("sha", "closed"): {("sha", "handed_over"), ("sha", "open")},
    ("cha", "closed"): {("cha", "handed_over"), ("cha", "open")},
    ("sha", "handed_over"): {("sha", "open")},
    ("cha", "handed_over"): {("cha", "open")},
}


@pytest.mark.parametrize("start", list(LEGAL))
def test_state_machine_table(start):
    """Every single-step request is either in the table of legal moves or refused with a reason."""
    state = AreaState(HazardType(start[0]), HazardStatus(start[1]))
    for t, s in itertools.product(HazardType, HazardStatus):
        if (t.value, s.value) == start:
            continue
        try:
            new = transition(state, haz_type=t, status=s, remaining_m2=0.0, reason="new evidence")
        except ValidationError as exc:
            assert str(exc)  # a reason is given
            assert (t.value, s.value) not in LEGAL[start]
            continue
        assert (new.haz_type.value, new.status.value) == (t.value, s.value)
        # Compound moves (confirm + close) are allowed only if each step is legal on its own.
        assert (t.value, s.value) in LEGAL[start] or (
            t is HazardType.CHA and start[0] == "sha" and ("cha", start[1]) in LEGAL[start]
        )


def test_close_refused_while_land_remains_and_reopen_needs_reason():
    state = AreaState(HazardType.SHA, HazardStatus.OPEN)
    with pytest.raises(ValidationError, match="still hazardous"):
        Transition.close(state, remaining_m2=500.0)
    closed = Transition.close(state, remaining_m2=0.0)
    with pytest.raises(ValidationError, match="needs a reason"):
        Transition.reopen(closed, reason="")
    assert Transition.reopen(closed, reason="AP mine found by shepherd").status is HazardStatus.OPEN


def test_confirming_a_sha_needs_direct_evidence():
    state = AreaState(HazardType.SHA, HazardStatus.OPEN)
    with pytest.raises(ValidationError, match="direct evidence"):
        transition(state, haz_type=HazardType.CHA, evidence=["witness", "fighting"])
    assert transition(state, haz_type=HazardType.CHA, evidence=["witness", "eo_found"]).haz_type is HazardType.CHA


def test_two_releases_meeting_on_the_edge_close_the_area():
    """Two released polygons that meet on the area's long edges leave, after the overlay, triangles
    of float noise along those edges. They have no area in the stored lon/lat plane, but projected
    their 900 m edges bow apart and they read ~20 m² geodesically: the area stayed open with nothing
    left to release (seen in the demo, 20,000 areas, seed 3). IMAS 07.11: land all released is closed."""
    area = shapely.Polygon(
        [
            (35.80334625337027, 51.35747675883796),
            (35.81534625337027, 51.35294732513901),
            (35.814346253370275, 51.36347675883796),
            (35.802346253370274, 51.365476758837964),
        ]
    )
    cut = shapely.LineString([(35.80937966403041, 51.355199431040994), (35.809437058698286, 51.36429495794996)])
    west = shapely.Polygon(
        [(35.80334625337027, 51.35747675883796), (35.802346253370274, 51.365476758837964), *reversed(cut.coords)]
    )
    east = shapely.Polygon(
        [(35.814346253370275, 51.36347675883796), (35.81534625337027, 51.35294732513901), *cut.coords]
    )
    first = apply_release(area, area, west)
    assert not first.fully_released
    last = apply_release(area, first.remaining, east)
    assert last.fully_released and last.remaining is None and last.remaining_m2 == 0.0
    assert first.released_m2 + last.released_m2 == pytest.approx(_area(area), rel=1e-5)
