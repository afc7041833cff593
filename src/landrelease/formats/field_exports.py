"""Read KoboToolbox and ODK Central exports of the field forms back into submission values.

Each export row becomes one submission's values dict, in the convention of `landrelease.formats.answers`
(paths without the root, groups joined by "/", repeat instances as ``victims[2]/…``), ready for the
review queue. The formats, as the two servers write them:

- **KoboToolbox XLSX** ("XML values and headers"): the first sheet holds one row per submission, a
  sheet per repeat group holds its instances; columns are full paths ``accident/date`` (group
  separator "/"), instances are tied to their submission by ``_parent_index`` → ``_index``.
- **KoboToolbox CSV**: the main sheet only (separator ";" by default, sniffed here). A CSV cannot
  carry repeat groups: export XLSX for forms with victims, finds or nonconformities.
- **ODK Central CSV** (the .zip Central downloads, or the main .csv with its repeat files
  ``FORM-REPEAT.csv`` beside it): groups joined by "-" (``accident-date``), repeat files with
  columns relative to the repeat, tied by ``PARENT_KEY`` → ``KEY``; a repeat row's ``KEY`` ends in
  ``/victims[2]`` and gives its position.
- **GeoJSON** (Kobo's GeoJSON export): one feature per submission, properties as in the CSV, the
  geometry is the form's main geo question in GeoJSON (lon, lat) order.
- **KoboToolbox JSON** (the API's ``results``, or a list of them): keys as in the XLSX, a repeat as a
  list of objects under its path, the first geopoint also as ``_geolocation`` = [lat, lon].

Geopoints are where the coordinate order bites. XForm strings are "lat lon alt acc" (Kobo's
``accident/location`` column), but exports also split them: Kobo as ``_accident/location_latitude``
/ ``_longitude`` / ``_altitude`` / ``_precision`` (and the first geopoint as ``_geolocation``
[lat, lon]), Central as ``accident-location-Latitude`` /
``-Longitude`` / ``-Altitude`` / ``-Accuracy``, and GeoJSON geometry is lon/lat. All of them are put
back into the one XForm order, latitude first, here — never by column position.

The instance id is ``meta/instanceID`` (Kobo; else ``uuid:`` + ``_uuid``), Central's ``KEY``, and
the same properties in GeoJSON. Re-importing the same export gives the same values, hence the same
payload, and the queue stores each instanceID once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease.errors import ValidationError
from landrelease.formats import limits
from landrelease.formats.xlsform import Form, Q, form

__all__ = ["ExportFile", "open_export", "read_export"]

KOBO = "kobo-import"
CENTRAL = "central-import"
_SEPARATORS = ("/", "-", ".")
_KEY_INDEX = re.compile(r"/(?P<name>[^/\[\]]+)\[(?P<i>\d+)\]$")
_KOBO_PARTS = ("latitude", "longitude", "altitude", "precision")
_CENTRAL_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
_INSTANCE_COLUMNS = ("meta/instanceID", "meta-instanceID", "instanceID", "KEY", "__id")


@dataclass
class _Table:
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


@dataclass
class ExportFile:
    """An export read into tables: the main one (one row per submission) and one per repeat."""

    path: Path
    form: Form
    source: str  # KOBO or CENTRAL, as the queue names them
    main: _Table
    repeats: list[_Table] = field(default_factory=list)
    geometries: list[Any] | None = None  # GeoJSON: one geometry dict per main row

    def rows(self) -> Iterator[tuple[str, dict[str, str]]]:
        """(instance_id, values) per submission, in file order."""
        yield from _assemble(self)


def read_export(
    path: str | Path, form_id: str, caps: limits.FileLimits | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """(instance_id, values) for every submission of a KoboToolbox / ODK Central export of a form."""
    return open_export(path, form_id, caps).rows()


# ------------------------------------------------------------------------------------ reading


def open_export(path: str | Path, form_id: str, caps: limits.FileLimits | None = None) -> ExportFile:
    """The export read into tables, within `caps` (decompressed bytes and rows: `formats.limits`;
    default the settings' defaults): a zip or XLSX is checked by its declared sizes before anything
    is decompressed, then read as a stream stopped at the cap; rows are counted as they are read."""
    caps = caps or limits.FileLimits.of()
    frm = form(form_id)
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: no such file", field="file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".xlsx":
            # an XLSX is a zip: its sheets' XML is checked (declared and actual sizes) before openpyxl
            if zipfile.is_zipfile(p):  # (one that is not says "not an XLSX workbook" below)
                limits.zip_members(p, caps.export_bytes, _BYTES, members=caps.zip_members)
            tables = _read_xlsx(p, caps.export_rows)
            main, repeats = tables[0], tables[1:]
        elif suffix == ".zip":
            main, repeats = _central_tables(_read_zip(p, caps), p)
        elif suffix == ".csv":
            files = [p, *sorted(p.parent.glob(f"{p.stem}-*.csv"))]
            total = sum(f.stat().st_size for f in files)
            if total > caps.export_bytes:
                raise limits.too_big(p.name, total, caps.export_bytes, _BYTES)
            main = _read_csv(p.name, p.read_bytes(), caps.export_rows)
            siblings = [_read_csv(s.name, s.read_bytes(), caps.export_rows) for s in files[1:]]
            repeats = [t for t in siblings if "PARENT_KEY" in t.columns]
        elif suffix in (".geojson", ".json"):
            limits.check_file(p, caps.export_bytes, _BYTES)
            return _read_geojson(p, frm, caps.export_rows)
        else:
            raise ValidationError(
                f"{p.name}: not an export this reads; use KoboToolbox XLSX/CSV/GeoJSON or the ODK Central CSV (.zip)",
                field="file",
            )
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{p.name}: cannot be read: {exc}", field="file") from None
    source = CENTRAL if "KEY" in main.columns and ("SubmissionDate" in main.columns or repeats) else KOBO
    if "KEY" in main.columns and "_uuid" not in main.columns:
        source = CENTRAL
    return ExportFile(p, frm, source, main, [t for t in repeats if t.rows])


def _read_csv(name: str, data: bytes, max_rows: int) -> _Table:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(limits.counted(reader, max_rows, _ROWS, name))
    return _Table(name, list(reader.fieldnames or []), rows)


#: The settings that raise the caps (named in the refusals).
_BYTES, _ROWS = limits.EXPORT_BYTES, limits.EXPORT_ROWS


def _read_zip(p: Path, caps: limits.FileLimits) -> list[_Table]:
    """The CSV tables of an ODK Central export zip: checked by the sizes its directory declares
    before anything is decompressed, then each CSV read as a stream stopped at what is left of the cap."""
    members = limits.zip_members(p, caps.export_bytes, _BYTES, members=caps.zip_members, actual=False)
    left = caps.export_bytes
    tables = []
    with zipfile.ZipFile(p) as z:
        for info in sorted(members, key=lambda i: i.filename):
            if not info.filename.lower().endswith(".csv"):
                continue
            data = limits.read_member(z, info, left, _BYTES, p.name)
            left -= len(data)
            tables.append(_read_csv(info.filename, data, caps.export_rows))
    return tables


def _central_tables(tables: list[_Table], p: Path) -> tuple[_Table, list[_Table]]:
    mains = [t for t in tables if "PARENT_KEY" not in t.columns]
    if len(mains) != 1:
        raise ValidationError(
            f"{p.name}: expected one main CSV (without PARENT_KEY) in the archive, found {len(mains)}", field="file"
        )
    return mains[0], [t for t in tables if "PARENT_KEY" in t.columns]


def _read_xlsx(p: Path, max_rows: int) -> list[_Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise ValidationError(f"{p.name}: not an XLSX workbook: {exc}", field="file") from None
    tables = []
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if not header:
            continue
        cols = [str(c).strip() if c is not None else "" for c in header]
        rows = []
        for values in limits.counted(it, max_rows, _ROWS, f"{p.name} ({ws.title})"):
            if values is None or all(v is None or v == "" for v in values):
                continue
            rows.append({c: v for c, v in zip(cols, values, strict=False) if c})
        tables.append(_Table(ws.title, [c for c in cols if c], rows))
    wb.close()
    if not tables:
        raise ValidationError(f"{p.name}: the workbook has no sheet with a header row", field="file")
    return tables


def _read_geojson(p: Path, frm: Form, max_rows: int) -> ExportFile:
    try:
        doc = json.loads(p.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{p.name}: not JSON: {exc}", field="file") from None
    if isinstance(doc, list) or (isinstance(doc, dict) and isinstance(doc.get("results"), list)):
        return _read_kobo_json(p, frm, doc if isinstance(doc, list) else doc["results"], max_rows)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError(
            f"{p.name}: not a GeoJSON FeatureCollection nor KoboToolbox JSON (a list of submissions)", field="file"
        )
    rows, geoms = [], []
    for feat in limits.counted(iter(doc.get("features") or []), max_rows, _ROWS, p.name, "features"):
        rows.append(dict(feat.get("properties") or {}))
        geoms.append(feat.get("geometry"))
    cols = _columns_of(rows)
    source = CENTRAL if "__id" in cols or "KEY" in cols else KOBO
    return ExportFile(p, frm, source, _Table(p.name, cols, rows), [], geoms)


def _columns_of(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    return cols


def _read_kobo_json(p: Path, frm: Form, results: list[Any], max_rows: int) -> ExportFile:
    """KoboToolbox's JSON (the API's ``results``, or a list of them): one dict per submission, keys as
    in the XLSX, a repeat as a list of dicts under its path (``"victims": [{"victims/outcome": …}]``)."""
    if len(results) > max_rows:
        raise ValidationError(f"{p.name} has more than {max_rows:,} submissions (raise {_ROWS} if it is genuine)")
    main: list[dict[str, Any]] = []
    repeats: dict[str, list[dict[str, Any]]] = {}

    def take(index: str, record: dict[str, Any], out: list[dict[str, Any]]) -> None:
        row: dict[str, Any] = {"_index": index}
        for k, v in record.items():
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                for j, item in enumerate(v, start=1):
                    sub = {"_parent_index": index, "_index": f"{index}.{j}"}
                    sub.update({kk: vv for kk, vv in item.items() if not isinstance(vv, list | dict)})
                    repeats.setdefault(k, []).append(sub)
            elif k == "_geolocation" or not isinstance(v, list | dict):
                row[k] = v
        out.append(row)

    for n, record in enumerate(results, start=1):
        if not isinstance(record, dict):
            raise ValidationError(f"{p.name}: submission {n} is not a JSON object", field="file")
        take(str(n), record, main)
    tables = [_Table(name, _columns_of(rows), rows) for name, rows in repeats.items()]
    return ExportFile(p, frm, KOBO, _Table(p.name, _columns_of(main), main), tables)


# ---------------------------------------------------------------------------------- matching


def _text(value: Any, qtype: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if qtype == "date" else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if qtype == "date" and text and not text[:4].isdigit():
        for fmt in ("%b %d, %Y", "%d %b %Y", "%B %d, %Y"):  # Briefcase writes dates in a locale style
            try:
                return dt.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                pass
    return text


@dataclass
class _Columns:
    """Where each question of one scope (the main part or one repeat) is in a table."""

    direct: dict[str, str]  # question path → column
    parts: dict[str, tuple[str, ...]]  # geopoint path → (lat, lon, alt, acc) columns
    matched: int


def _scope_questions(frm: Form, repeat: str | None) -> dict[str, tuple[str, Q]]:
    """Questions whose innermost repeat is ``repeat`` (None: not in a repeat): path → (relative path, Q)."""
    out: dict[str, tuple[str, Q]] = {}
    reps = frm.repeats
    for path, q in frm.questions.items():
        inner = max((r for r in reps if path.startswith(r + "/")), key=len, default=None)
        if inner == repeat:
            out[path] = (path[len(repeat) + 1 :] if repeat else path, q)
    return out


def _match(frm: Form, table: _Table, repeat: str | None) -> _Columns:
    exact = set(table.columns)
    lower = {c.lower(): c for c in table.columns}

    def find(names: list[str]) -> str | None:
        for n in names:
            if n in exact:
                return n
        for n in names:
            if n.lower() in lower:
                return lower[n.lower()]
        return None

    direct: dict[str, str] = {}
    parts: dict[str, tuple[str, ...]] = {}
    scope = _scope_questions(frm, repeat)
    # exports made without group names in the headers: a question's own name, when no other in its scope has it
    names = [p.rsplit("/", 1)[-1] for p in scope]
    for path, (rel, _q) in scope.items():
        short = path.rsplit("/", 1)[-1]
        forms_of = [path, rel] + ([short] if names.count(short) == 1 else [])
        spellings = [s.replace("/", sep) for s in dict.fromkeys(forms_of) for sep in _SEPARATORS]
        col = find(spellings)
        if col is not None:
            direct[path] = col
        if frm.question_type(path) == "geopoint":
            for s in dict.fromkeys(forms_of):
                kobo = [find([f"_{s}_{p}"]) for p in _KOBO_PARTS]
                central = [find([f"{s.replace('/', '-')}-{p}"]) for p in _CENTRAL_PARTS]
                for cand in (central, kobo):
                    if cand[0] and cand[1]:
                        parts[path] = tuple(c or "" for c in cand)
                        break
                if path in parts:
                    break
    return _Columns(direct, parts, len(direct) + len(parts))


def _values(frm: Form, row: dict[str, Any], cols: _Columns, key_of: Any, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, col in cols.direct.items():
        qtype = frm.question_type(path)
        text = _text(row.get(col), qtype)
        if text:
            out[key_of(path)] = text
    for path, (lat_c, lon_c, alt_c, acc_c) in cols.parts.items():
        if out.get(key_of(path)):
            continue  # the "lat lon alt acc" string was there already
        lat, lon = _text(row.get(lat_c), "decimal"), _text(row.get(lon_c), "decimal")
        if not lat and not lon:
            continue
        if not lat or not lon:
            raise ValidationError(f"{where}: {path}: latitude and longitude must both be given", field=key_of(path))
        alt = _text(row.get(alt_c), "decimal") if alt_c else ""
        acc = _text(row.get(acc_c), "decimal") if acc_c else ""
        out[key_of(path)] = f"{lat} {lon} {alt or 0} {acc or 0}"  # XForm order: latitude first
    return out


def _instance_id(row: dict[str, Any], where: str) -> str:
    for c in _INSTANCE_COLUMNS:
        v = row.get(c)
        if v not in (None, ""):
            text = str(v).strip()
            return text
    uuid = row.get("_uuid")
    if uuid not in (None, ""):
        return f"uuid:{str(uuid).strip()}"
    raise ValidationError(
        f"{where}: no instance id (meta/instanceID, _uuid or KEY column); export the submissions' metadata too",
        field="meta/instanceID",
    )


def _xform_geo(geom: dict[str, Any], qtype: str, where: str) -> str:
    """A GeoJSON geometry (lon, lat) as the XForm string (lat lon alt acc) of a geo question."""
    gtype = geom.get("type")
    coords = geom.get("coordinates")

    def pt(c: list[float]) -> str:
        if not isinstance(c, list | tuple) or len(c) < 2:
            raise ValidationError(f"{where}: a GeoJSON position is [longitude, latitude]", field="geometry")
        alt = c[2] if len(c) > 2 else 0
        return f"{c[1]} {c[0]} {alt} 0"  # GeoJSON lon, lat → XForm lat lon

    if qtype == "geopoint" and gtype == "Point":
        return pt(coords)
    if qtype == "geoshape" and gtype == "Polygon":
        return ";".join(pt(c) for c in coords[0])
    if qtype == "geotrace" and gtype == "LineString":
        return ";".join(pt(c) for c in coords)
    raise ValidationError(f"{where}: a {gtype} geometry cannot answer a {qtype} question", field="geometry")


def _main_geo(frm: Form) -> str | None:
    """The question a GeoJSON export's geometry answers: the first geoshape, else the first geopoint,
    outside repeats."""
    top = _scope_questions(frm, None)
    for kind in ("geoshape", "geopoint"):
        for path in top:
            if frm.question_type(path) == kind:
                return path
    return None


def _first_geopoint(frm: Form) -> str | None:
    """Kobo's ``_geolocation`` is the form's first geopoint question (outside repeats)."""
    return next((p for p in _scope_questions(frm, None) if frm.question_type(p) == "geopoint"), None)


def _geolocation(raw: Any, where: str) -> str:
    """Kobo's ``_geolocation``: [latitude, longitude] (a JSON list, or its text) → XForm "lat lon 0 0"."""
    items = raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            items = json.loads(text) if text.startswith("[") else text.replace(",", " ").split()
        except json.JSONDecodeError:
            items = []
    if not isinstance(items, list | tuple) or len(items) != 2:
        raise ValidationError(f"{where}: _geolocation {raw!r} is not [latitude, longitude]", field="_geolocation")
    if all(x in (None, "") for x in items):
        return ""
    lat, lon = (_text(x, "decimal") for x in items)
    return f"{lat} {lon} 0 0"  # Kobo lists latitude first, as XForms do


def _assemble(ex: ExportFile) -> Iterator[tuple[str, dict[str, str]]]:
    frm = ex.form
    main_cols = _match(frm, ex.main, None)
    if main_cols.matched == 0:
        raise ValidationError(
            f"{ex.path.name}: no column is a question of form {frm.form_id}; export the form's own submissions "
            "with XML values and headers (not labels)",
            field="file",
        )
    # each repeat table → the repeat whose questions match most of its columns
    rep_cols: list[tuple[_Table, str, _Columns]] = []
    for t in ex.repeats:
        scored = [(c.matched, r, c) for r in frm.repeats for c in [_match(frm, t, r)]]
        best = max(scored, default=(0, "", None), key=lambda s: s[0])
        if best[0] == 0:
            continue
        rep_cols.append((t, best[1], best[2]))

    # repeat rows by parent
    by_parent: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for t, rpath, _c in rep_cols:
        counters: dict[str, int] = {}
        for row in t.rows:
            if "PARENT_KEY" in row:
                parent = str(row.get("PARENT_KEY") or "").strip()
                hit = _KEY_INDEX.search(str(row.get("KEY") or ""))
                if hit:
                    index = int(hit["i"])
                else:
                    counters[parent] = counters.get(parent, 0) + 1
                    index = counters[parent]
            elif "_parent_index" in row:
                parent = _text(row.get("_parent_index"), "integer")
                counters[parent] = counters.get(parent, 0) + 1
                index = counters[parent]
            else:
                raise ValidationError(
                    f"{t.name}: repeat rows need PARENT_KEY (ODK Central) or _parent_index (KoboToolbox)",
                    field="file",
                )
            by_parent.setdefault((rpath, parent), []).append((index, row))

    geo_path = _main_geo(frm) if ex.geometries is not None else None
    for n, row in enumerate(ex.main.rows, start=2):
        where = f"{ex.path.name} row {n}"
        instance = _instance_id(row, where)
        values = _values(frm, row, main_cols, lambda p: p, where)
        first_point = _first_geopoint(frm)
        if first_point and not values.get(first_point) and row.get("_geolocation") not in (None, "", []):
            values[first_point] = _geolocation(row["_geolocation"], where)
        if ex.geometries is not None:
            geom = ex.geometries[n - 2]
            if geom and geo_path and not values.get(geo_path):
                values[geo_path] = _xform_geo(geom, frm.question_type(geo_path), where)
                if geo_path == "geometry/perimeter" and not values.get("geometry/method"):
                    values["geometry/method"] = "shape"
        keys = {instance, str(row.get("KEY") or "").strip(), _text(row.get("_index"), "integer") or str(n - 1)}
        for t, rpath, cols in rep_cols:
            items: list[tuple[int, dict[str, Any]]] = []
            for k in keys:
                items.extend(by_parent.get((rpath, k), []))
            for index, rrow in sorted(items, key=lambda x: x[0]):
                prefix = f"{rpath}[{index}]"

                def key_of(p: str, prefix: str = prefix, rpath: str = rpath) -> str:
                    return f"{prefix}/{p[len(rpath) + 1 :]}"

                values.update(_values(frm, rrow, cols, key_of, f"{t.name} ({prefix} of {instance})"))
        values["meta/instanceID"] = instance
        version = row.get("__version__") or row.get("FormVersion")
        if version not in (None, ""):
            values["__version__"] = str(version)
        yield instance, values
