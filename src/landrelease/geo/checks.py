"""The geometry gate every write passes: any CRS in, valid 2D WGS84 out, or one line on what to fix.

Why: IMSMA NG stored whatever it was given, and GICHD had to write SQL checks afterwards to find
invalid, under-3-vertex, duplicate and overlapping polygons (GICHD/geocheck; DOMAIN.md). Here
geometry is checked on entry instead. Rules, in the order they are applied:

1. missing or empty geometry is rejected (unless ``required=False``);
2. the geometry family must match the record (`GeomType`); a GeometryCollection holding only one
   family is accepted as the matching Multi* type, a one-point MultiPoint as a Point;
3. Z and M are dropped (the record is 2D);
4. non-finite coordinates are rejected;
5. coordinates are reprojected to WGS84 lon/lat and must be in range; swapped lat/lon is
   detected (certain when only the swapped reading is in range; otherwise by ``region``:
   outside the region as given, inside it once swapped) and rejected unless ``swap_axes``;
   values like metres with no declared CRS get a message asking for the CRS;
6. polygons with a ring of fewer than 3 distinct vertices, or zero area, are rejected;
7. invalid polygons are repaired only when the repair is unambiguous: `shapely.make_valid`
   (method="structure") must give a polygonal result whose area equals the area the author's
   rings enclose by the shoelace formula (exteriors minus holes). Self-touching rings (inverted
   holes), spikes, and parts sharing an edge pass this test; a bow-tie, a hole outside its shell
   or overlapping parts do not (their repair would change the area), and are rejected with the
   GEOS reason and its location;
8. lines of zero length are rejected.

Valid input is never rewritten: its vertex order, orientation and start vertex are kept, so
that a file exported and imported again gives back the same geometry (orientation for a given
format, e.g. RFC 7946 right-hand rule, is the exporter's job). Only repaired features, converted
collections and reprojected coordinates change.

Every check is an array operation over the whole batch; Python loops run only over the (rare)
suspect subset: invalid polygons, geometry collections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import shapely

from landrelease.domain.model import GeomType
from landrelease.errors import ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.crs import is_wgs84, parse_crs, to_wgs84

__all__ = ["Prepared", "prepare"]

# shapely.get_type_id codes
_POINT, _LINE, _RING, _POLY, _MPOINT, _MLINE, _MPOLY, _GC = range(8)
_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)
_ACCEPTED = {
    GeomType.POLYGON: (_POLY, _MPOLY),
    GeomType.POINT: (_POINT,),
    GeomType.LINE: (_LINE, _MLINE),
    GeomType.ANY: (_POINT, _LINE, _POLY, _MPOINT, _MLINE, _MPOLY),
}
_NEEDED = {
    GeomType.POLYGON: "a Polygon or MultiPolygon",
    GeomType.POINT: "a Point",
    GeomType.LINE: "a LineString or MultiLineString",
    GeomType.ANY: "a point, line or polygon geometry",
}
_AREA_RTOL = 1e-6
_PROJECTED_MAGNITUDE = 1000.0  # |coordinate| beyond this is metres, not degrees
_DOMAIN_MARGIN_DEG = 10.0


@dataclass
class Prepared:
    """Geometries ready to store, and what was changed on the way."""

    geoms: np.ndarray  # WGS84 lon/lat, 2D, valid; None where missing and allowed
    repaired: np.ndarray  # bool per feature: geometry repaired (not just reprojected)
    notes: list[str] = field(default_factory=list)  # one line per repair or conversion


def _fail(rows: np.ndarray, text: str) -> ValidationError:
    """One line naming the first offending feature (1-based) and how many more share it."""
    rows = np.asarray(rows)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    msg = f"feature {int(rows[0]) + 1}: {text}"
    extra = len(rows) - 1
    if extra:
        msg += f" (and {extra} more feature{'s' if extra > 1 else ''} like it)"
    return ValidationError(msg)


def _as_array(geoms: object) -> np.ndarray:
    if isinstance(geoms, np.ndarray) and geoms.dtype == object and geoms.ndim == 1:
        return geoms.copy()
    items = list(geoms)  # type: ignore[call-overload]
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1].copy())


def _in_range(b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(b).all(axis=1) & (b[:, 0] >= -180) & (b[:, 2] <= 180) & (b[:, 1] >= -90) & (b[:, 3] <= 90)


def _in_domain(b: np.ndarray, crs: str | None) -> np.ndarray:
    """Inside the declared CRS's area of use, widened by `_DOMAIN_MARGIN_DEG`.

    Catches a wrong or swapped projected CRS, whose inverse can return finite but meaningless
    lon/lat (e.g. a northing of 10⁹ m in UTM 36N comes back near 74°E 1°N). The margin keeps
    the common practice of stretching a UTM zone over a whole country.
    """
    ok = _in_range(b)
    if crs is None or is_wgs84(crs):
        return ok
    area = parse_crs(crs).area_of_use
    if area is None:
        return ok
    m = _DOMAIN_MARGIN_DEG
    with np.errstate(invalid="ignore"):
        ok &= (b[:, 1] >= area.south - m) & (b[:, 3] <= area.north + m)
        west, east = area.west - m, area.east + m
        if area.west <= area.east and east - west < 360:
            ok &= (b[:, 0] >= west) & (b[:, 2] <= east)
    return ok


def _within(b: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray:
    minx, miny, maxx, maxy = region
    with np.errstate(invalid="ignore"):
        return (b[:, 0] >= minx) & (b[:, 1] >= miny) & (b[:, 2] <= maxx) & (b[:, 3] <= maxy)


def _flatten(g: shapely.Geometry) -> list[shapely.Geometry]:
    """Simple (non-multi) non-empty parts of a geometry, recursing into collections."""
    if shapely.get_type_id(g) in (_MPOINT, _MLINE, _MPOLY, _GC):
        return [p for part in shapely.get_parts(g) for p in _flatten(part)]
    return [] if g.is_empty else [g]


def _convert_collections(geoms: np.ndarray, type_id: np.ndarray, expected: GeomType, notes: list[str]) -> None:
    """GeometryCollection of one family → Multi*; one-point MultiPoint → Point (in place)."""
    allowed = _ACCEPTED[expected]
    for row in np.flatnonzero((type_id == _GC) | ((type_id == _MPOINT) & (_MPOINT not in allowed))):
        parts = _flatten(geoms[row])
        kinds = {int(shapely.get_type_id(p)) for p in parts}
        kinds = {_LINE if k == _RING else k for k in kinds}
        if type_id[row] == _MPOINT:
            if len(parts) == 1:
                geoms[row] = parts[0]
                type_id[row] = _POINT
            continue  # rejected by the family check
        if not parts:
            continue  # empty: rejected by the family check
        if kinds == {_POLY}:
            geoms[row], type_id[row] = shapely.multipolygons(parts), _MPOLY
        elif kinds == {_LINE}:
            lines = [shapely.linestrings(shapely.get_coordinates(p)) for p in parts]
            geoms[row], type_id[row] = shapely.multilinestrings(lines), _MLINE
        elif kinds == {_POINT}:
            geoms[row], type_id[row] = shapely.multipoints(parts), _MPOINT
        else:
            continue
        if type_id[row] in allowed:
            notes.append(f"feature {row + 1}: GeometryCollection stored as {_TYPE_NAMES[type_id[row]]}")


def _check_family(geoms: np.ndarray, type_id: np.ndarray, present: np.ndarray, expected: GeomType, kind: str) -> None:
    allowed = _ACCEPTED[expected]
    wrong = present & ~np.isin(type_id, allowed)
    if not wrong.any():
        return
    row = int(np.flatnonzero(wrong)[0])
    tid = int(type_id[row])
    what, hint = _TYPE_NAMES[tid], ""
    if tid == _GC:
        what, hint = "GeometryCollection mixing geometry types", "; split it into separate features"
    elif tid == _MPOINT:
        what = f"MultiPoint of {shapely.get_num_geometries(geoms[row])} points"
    same = np.flatnonzero(wrong & (type_id == tid))
    same = np.concatenate([[row], same[same != row]])
    raise _fail(same, f"is a {what} but {kind} need {_NEEDED[expected]}{hint}")


def _reproject(
    geoms: np.ndarray,
    present: np.ndarray,
    crs: str | None,
    swap_axes: bool,
    region: tuple[float, float, float, float] | None,
) -> np.ndarray:
    """Rule 5: reproject to WGS84, reject out-of-range and swapped coordinates."""
    geographic = crs is None or parse_crs(crs).is_geographic
    axes, order = ("latitude and longitude", "lon/lat") if geographic else ("easting and northing", "x/y")
    raw = _swap(geoms) if swap_axes else geoms
    wgs = to_wgs84(raw, crs)
    b = shapely.bounds(wgs)
    bad = present & ~_in_domain(b, crs)
    if bad.any():
        rows = np.flatnonzero(bad)
        alt_ok = _in_domain(shapely.bounds(to_wgs84(_swap(raw[rows]), crs)), crs)
        if alt_ok.any() and swap_axes:
            raise _fail(
                rows[alt_ok],
                f"coordinates are out of range once swapped: the file looks {order} already; do not use --swap-axes",
            )
        if alt_ok.any():
            raise _fail(
                rows[alt_ok],
                f"{axes} look swapped; re-export as {order} or use --swap-axes",
            )
        raw_b = shapely.bounds(raw[rows])
        if crs is None:
            projected = np.nanmax(np.abs(raw_b), axis=1) > _PROJECTED_MAGNITUDE
            if projected.any():
                raise _fail(
                    rows[projected],
                    "coordinates look projected (e.g. metres) but the file declares no CRS; "
                    "give its CRS (e.g. --crs EPSG:32636)",
                )
            x, y = raw_b[0, 0], raw_b[0, 1]
            raise _fail(
                rows,
                f"coordinates (e.g. {x:g} {y:g}) are outside longitude -180..180 / latitude -90..90; check the CRS",
            )
        raise _fail(
            rows,
            f"coordinates fall outside the area where the declared CRS {crs} is defined; check the CRS",
        )
    if region is not None and not swap_axes:
        outside = present & ~_within(b, region)
        if outside.any():
            rows = np.flatnonzero(outside)
            alt_in = _within(shapely.bounds(to_wgs84(_swap(raw[rows]), crs)), region)
            if alt_in.any():
                raise _fail(
                    rows[alt_in],
                    f"{axes} look swapped (outside the region as given, inside it once "
                    f"swapped); re-export as {order} or use --swap-axes",
                )
    return wgs


_REASON = re.compile(r"^(?P<reason>[^\[]*)\[(?P<x>\S+) (?P<y>\S+)\]")
_WHY = {
    "self-intersection": "edges cross or parts overlap, so the intended shape is ambiguous",
    "ring self-intersection": "a ring crosses itself, so the intended shape is ambiguous",
    "hole lies outside shell": "a hole lies outside its polygon",
    "nested holes": "a hole lies inside another hole",
    "nested shells": "a polygon part lies inside another part",
    "interior is disconnected": "holes cut the polygon into pieces",
}


def _describe(g: shapely.Geometry) -> tuple[str, str]:
    """(reason at location, why) from GEOS's validity reason, location rounded to 1e-6°."""
    text = shapely.is_valid_reason(g)
    m = _REASON.match(text)
    if not m:
        return text.lower(), "the polygon is invalid"
    reason = m["reason"].strip().lower()
    where = f"{reason} at ({float(m['x']):.6f} {float(m['y']):.6f})"
    return where, _WHY.get(reason, "the polygon is invalid")


def _distinct_ring_vertices(g: shapely.Geometry) -> int:
    """Fewest distinct vertices over all rings of a (multi)polygon."""
    rings = shapely.get_rings(shapely.get_parts(g))
    return min(len(np.unique(shapely.get_coordinates(r)[:-1], axis=0)) for r in rings)


def _check_polygons(geoms: np.ndarray, rows: np.ndarray, repaired: np.ndarray, notes: list[str]) -> None:
    """Rules 6 and 7 on the polygonal rows (in place)."""
    if len(rows) == 0:
        return
    sub = geoms[rows]
    drawn = shapely.area(sub)  # shoelace: |exterior| − |holes|, summed over parts
    suspect = rows[~shapely.is_valid(sub) | ~(drawn > 0)]
    problems: list[tuple[int, str]] = []
    for row in suspect:
        g = geoms[row]
        area = shapely.area(g)
        if _distinct_ring_vertices(g) < 3:
            problems.append(
                (
                    row,
                    "has a ring with fewer than 3 distinct vertices; a polygon needs at least 3 corners",
                )
            )
            continue
        fixed = shapely.make_valid(g, method="structure", keep_collapsed=False)
        if shapely.get_type_id(fixed) == _GC:
            parts = [p for p in _flatten(fixed) if shapely.get_type_id(p) == _POLY]
            fixed = shapely.multipolygons(parts) if parts else shapely.Polygon()
        if not shapely.area(fixed) > 0:  # collapses to nothing: all vertices on a line
            problems.append((row, "has zero area (its vertices lie on one line); fix the polygon"))
            continue
        where, why = _describe(g)
        ok = (
            shapely.get_type_id(fixed) in (_POLY, _MPOLY)
            and not fixed.is_empty
            and shapely.is_valid(fixed)
            and abs(shapely.area(fixed) - area) <= _AREA_RTOL * area
        )
        if ok:
            geoms[row] = fixed
            repaired[row] = True
            notes.append(f"feature {row + 1}: {where} repaired (area unchanged)")
        else:
            m2 = geodesic_area(np.array([g, fixed], dtype=object))
            problems.append(
                (
                    row,
                    f"{where}: {why} (drawn it encloses {m2[0]:,.0f} m², repaired it would be "
                    f"{m2[1]:,.0f} m²); fix the polygon",
                )
            )
    if problems:
        row, text = problems[0]
        raise _fail(np.array([p[0] for p in problems]), text)


def prepare(
    geoms: np.ndarray,
    expected: GeomType,
    *,
    crs: str | None = None,
    swap_axes: bool = False,
    region: tuple[float, float, float, float] | None = None,
    required: bool = True,
    kind: str = "these records",
) -> Prepared:
    """Check, reproject and (unambiguously) repair a batch of geometries for storage.

    ``crs``: the file's declared CRS (None = WGS84 lon/lat). ``swap_axes``: the file holds
    lat/lon (or northing/easting); swap before anything else. ``region``: lon/lat bounding box of
    the record (e.g. the country), used only to detect swapped axes. ``required=False`` lets
    missing/empty geometries through as None. ``kind`` names the records in messages
    ("hazardous areas"). Raises `ValidationError` with one line naming the first failing feature.
    """
    expected = GeomType(expected)
    geoms = _as_array(geoms)
    notes: list[str] = []
    repaired = np.zeros(len(geoms), dtype=bool)
    if len(geoms) == 0:
        return Prepared(geoms, repaired, notes)

    # Rule 1: missing / empty
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    if required and missing.any():
        raise _fail(missing, f"has no geometry; {kind} need {_NEEDED[expected]}")
    if required and empty.any():
        raise _fail(empty, f"has an empty geometry; {kind} need {_NEEDED[expected]}")
    geoms[missing | empty] = None
    present = ~(missing | empty)

    # Rule 2: family
    type_id = shapely.get_type_id(geoms)
    _convert_collections(geoms, type_id, expected, notes)
    ring = type_id == _RING
    if ring.any():
        geoms[ring] = shapely.linestrings(shapely.get_coordinates(geoms[ring]))  # rare: loop-free
        type_id[ring] = _LINE
    _check_family(geoms, type_id, present, expected, kind)

    # Rule 3: 2D only
    with_zm = shapely.has_z(geoms)
    if hasattr(shapely, "has_m"):
        with_zm |= shapely.has_m(geoms)
    if with_zm.any():
        geoms[with_zm] = shapely.force_2d(geoms[with_zm])
        notes.append(f"Z/M values dropped from {int(with_zm.sum())} feature(s): the record is 2D")

    # Rule 4: finite coordinates
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = ~np.isfinite(coords).all(axis=1)
    if nonfinite.any():
        raise _fail(np.unique(index[nonfinite]), "has a coordinate that is not a number")

    # Rule 5: CRS, range, swapped axes
    if crs is not None:
        parse_crs(crs)  # unknown CRS → ValidationError before anything else
    geoms = _reproject(geoms, present, crs, swap_axes, region)

    # Rules 6–7: polygons
    _check_polygons(geoms, np.flatnonzero(np.isin(type_id, (_POLY, _MPOLY))), repaired, notes)

    # Rule 8: lines of zero length
    lines = np.isin(type_id, (_LINE, _MLINE))
    if lines.any():
        zero = np.flatnonzero(lines)[~(shapely.length(geoms[lines]) > 0)]
        if len(zero):
            raise _fail(zero, "is a line of zero length (all its vertices coincide)")

    return Prepared(geoms, repaired, notes)
