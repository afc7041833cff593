"""Between files and the record model: a read `Layer` becomes a `Batch`, a `Batch` becomes columns.

Import applies the mapping (renames, value maps, defaults, row filter), matches column names to
model fields case-insensitively, parses every value with the model's own ``Field.parse`` and
reports *all* bad values at once (`RecordErrors`, one line, the first few spelt out). Columns that
are not model fields are kept per record in ``attrs`` with their types (int, float, bool, str; dates
as ISO text; nulls left out). Derived fields (areas) are ignored on import: the system recomputes
them.

Export writes every model field, ``code``, ``synthetic`` (a boolean on every feature) and every
``attrs`` key as its own column, serialised so that ``Field.parse`` reads it back identically:
dates as dates (ISO text where a format has no date type), vocabulary lists as comma-separated
codes, JSON fields as JSON text. An empty vocabulary list is written as null, and reads back as
None.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from landrelease.domain.batch import Batch
from landrelease.domain.model import Entity, Field, FieldType
from landrelease.errors import ValidationError
from landrelease.formats.layer import Layer, infer_type
from landrelease.formats.mapping import SYSTEM_COLUMNS, Mapping

SHOWN_ERRORS = 3

_SYNTHETIC = Field("synthetic", FieldType.BOOL, "Synthetic (demo/test) record")
_MISS = object()


class RecordErrors(ValidationError):
    """Bad values in an imported file; ``errors`` lists every one (row is 1-based, file order)."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


# ---------------------------------------------------------------------------------------- import


def layer_to_batch(ent: Entity, layer: Layer, mapping: Mapping | None = None) -> Batch:
    """Parse a read layer into a batch of ``ent`` records, or raise one `RecordErrors`."""
    m = mapping if mapping is not None else Mapping()
    if mapping is not None:
        mapping.check(ent)
    cols = layer.columns
    label = _file_label(layer)
    by_lower: dict[str, str] = {}
    for c in cols:
        by_lower.setdefault(c.lower(), c)

    def find(name: str) -> str | None:
        return name if name in cols else by_lower.get(name.lower())

    ignored = {c for c in (find(x) for x in m.ignore) if c is not None}

    # rows kept by [where], numbered as in the file
    keep = np.ones(layer.n, dtype=bool)
    for col, allowed in m.where.items():
        src = find(col)
        if src is None:
            raise ValidationError(
                f"{m.source}: [where] {col}: {label} has no such column; its columns are: {_list(cols)}"
            )
        wanted = {a.strip().lower() for a in allowed}
        keep &= np.array([v is not None and str(v).strip().lower() in wanted for v in cols[src]], dtype=bool)
    rows = np.flatnonzero(keep)
    every = len(rows) == layer.n

    def take(values: Sequence[Any]) -> list[Any]:
        return list(values) if every else [values[i] for i in rows]

    # a column mapped to an optional field may be missing (exports differ between versions),
    # one mapped to a required field may not, and a mapping must find at least one column
    required = {f.name for f in ent.input_fields if f.required and f.name not in m.defaults}
    if m.fields and not any(find(c) for cands in m.fields.values() for c in cands):
        wanted = [c for cands in m.fields.values() for c in cands]
        raise ValidationError(
            f"{m.source}: none of the columns it maps ({_list(wanted)}) is in {label}; its columns are: {_list(cols)}"
        )
    used = set(ignored)
    sources: dict[str, str | None] = {}
    for name in [f.name for f in ent.input_fields] + list(SYSTEM_COLUMNS):
        src: str | None = None
        if name in m.fields:
            for candidate in m.fields[name]:
                src = find(candidate)
                if src is not None:
                    break
            if src is None and name in required:
                raise ValidationError(
                    f"{m.source}: fields.{name} = {_list(m.fields[name])} but {label} has no such "
                    f"column; its columns are: {_list(cols)}"
                )
        else:
            src = find(name)
            if src in ignored:
                src = None
        sources[name] = src
        if src is not None:
            used.add(src)
    for f in ent.fields:
        if f.derived and (src := find(f.name)) is not None:
            used.add(src)

    n = len(rows)
    out: dict[str, Any] = {}
    errors: list[tuple[int, int, dict[str, Any]]] = []
    for order, f in enumerate(ent.input_fields):
        src = sources[f.name]
        vmap = _ValueMap(m.values.get(f.name))
        if src is None:
            if f.name in m.defaults:
                value = _parse_one(f, m.defaults[f.name], vmap)
                out[f.name] = [_copy(value) for _ in range(n)]
                continue
            if f.required:
                raise ValidationError(
                    f"{label} has no column for the required field {f.name} ({f.doc}); add one, "
                    "or map a column to it in a mapping file ([fields] or [defaults])"
                )
            out[f.name] = [None] * n
            continue
        values = take(cols[src])
        parsed, bad = _parse_column(f, values, vmap)
        out[f.name] = parsed
        for i, message in bad:
            row = int(rows[i]) + 1
            errors.append((row, order, {"row": row, "field": f.name, "column": src, "message": message}))

    if errors:
        errors.sort(key=lambda e: (e[0], e[1]))
        details = [e[2] for e in errors]
        shown = "; ".join(_describe(d) for d in details[:SHOWN_ERRORS])
        more = len(details) - SHOWN_ERRORS
        tail = f" (and {more} more error{'s' if more > 1 else ''})" if more > 0 else ""
        raise RecordErrors(f"{label}: {shown}{tail}", details)

    if (src := sources["code"]) is not None:
        out["code"] = [_code(v) for v in take(cols[src])]
    if (src := sources["synthetic"]) is not None:
        flags, bad = _parse_column(_SYNTHETIC, take(cols[src]), _ValueMap(None))
        if bad:
            i, message = bad[0]
            raise ValidationError(f"{label}: row {int(rows[i]) + 1}, synthetic: {message}")
        out["synthetic"] = [bool(x) for x in flags]

    system = {s.lower() for s in SYSTEM_COLUMNS}
    derived = {f.name.lower() for f in ent.fields if f.derived}
    extra = [c for c in cols if c not in used and c.lower() not in system | derived]
    attrs: list[dict[str, Any]] = [{} for _ in range(n)]
    if (src := sources["attrs"]) is not None:
        for i, raw in enumerate(take(cols[src])):
            attrs[i].update(_attrs_json(raw, label, int(rows[i]) + 1))
    for c in extra:
        for i, raw in enumerate(take(cols[c])):
            value = _attr_value(raw)
            if value is not None:
                attrs[i][c] = value
    out["attrs"] = attrs

    geoms = None
    if ent.geom is not None:
        geoms = layer.geoms if every else layer.geoms[rows]
    return Batch(entity=ent, columns=out, geoms=geoms)


class _ValueMap:
    """A [values.FIELD] table: exact source value first, then case/space-insensitive."""

    def __init__(self, table: dict[str, str] | None) -> None:
        self.table = table or {}
        self.loose = {" ".join(k.lower().split()): v for k, v in self.table.items()}

    def __bool__(self) -> bool:
        return bool(self.table)

    def get(self, raw: Any) -> Any:
        key = str(raw).strip()
        if key in self.table:
            return self.table[key]
        return self.loose.get(" ".join(key.lower().split()), _MISS)

    def apply(self, f: Field, raw: Any) -> Any:
        if not self.table or raw is None:
            return raw
        hit = self.get(raw)
        if hit is not _MISS:
            return hit
        if f.type == FieldType.VOCAB_LIST and isinstance(raw, str) and not raw.strip().startswith("["):
            items = [i for i in raw.replace(";", ",").split(",") if i.strip()]
            return [h if (h := self.get(i)) is not _MISS else i.strip() for i in items]
        return raw


def _parse_one(f: Field, raw: Any, vmap: _ValueMap) -> Any:
    return f.parse(vmap.apply(f, raw))


def _parse_column(f: Field, values: list[Any], vmap: _ValueMap) -> tuple[list[Any], list[tuple[int, str]]]:
    """Parse a column; distinct values are parsed once (vocabularies repeat a handful of codes)."""
    fast = _fast_column(f, values, vmap)
    if fast is not None:
        return fast, []
    memo: dict[tuple[type, Any], tuple[bool, Any]] = {}
    out: list[Any] = [None] * len(values)
    bad: list[tuple[int, str]] = []
    # rows must not share one mutable value: a vocabulary list or a JSON document
    copier = list if f.type == FieldType.VOCAB_LIST else _copy if f.type == FieldType.JSON else None
    for i, raw in enumerate(values):
        key = (type(raw), raw)
        try:
            hit = memo.get(key, _MISS)
        except TypeError:  # unhashable raw value
            key, hit = None, _MISS
        if hit is _MISS:
            try:
                hit = (True, _parse_one(f, raw, vmap))
            except ValidationError as exc:
                hit = (False, exc.message)
            if key is not None:
                memo[key] = hit
        ok, value = hit
        if ok:
            out[i] = copier(value) if copier is not None and value is not None else value
        else:
            bad.append((i, value))
    return out, bad


def _fast_column(f: Field, values: list[Any], vmap: _ValueMap) -> list[Any] | None:
    """Typed formats (GeoPackage, FlatGeobuf, GeoJSON) already hand over numbers and text: when
    every value of a number or text column is of that native type, take them as Field.parse would,
    without a call per value. None when any value needs the general path."""
    if vmap.table or f.required:
        return None
    if f.type == FieldType.FLOAT:
        if all(v is None or (type(v) is float and (v != v or math.isfinite(v))) for v in values):
            return [None if v is None or v != v else v for v in values]  # NaN is a blank
    elif f.type == FieldType.INT:
        if all(type(v) is int or v is None for v in values):
            return list(values)
    elif f.type == FieldType.TEXT:
        if all(type(v) is str or v is None for v in values):
            return [None if v is None else (v.strip() or None) for v in values]
    return None


def _copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, list | dict) else value


def _describe(err: dict[str, Any]) -> str:
    where = err["field"] if err["column"] == err["field"] else f"{err['field']} (column '{err['column']}')"
    return f"row {err['row']}, {where}: {err['message']}"


def _file_label(layer: Layer) -> str:
    from pathlib import Path

    return Path(layer.source).name if layer.source else "the file"


def _list(names: Any) -> str:
    names = list(names)
    shown = ", ".join(f"'{n}'" for n in names[:25])
    return shown + (f" (and {len(names) - 25} more)" if len(names) > 25 else "") if names else "(none)"


def _code(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    return text or None


def _attr_value(raw: Any) -> Any:
    """An extra attribute as a JSON-safe value: int, float, bool, str or None."""
    if raw is None:
        return None
    if isinstance(raw, np.generic):
        raw = raw.item()
    if isinstance(raw, float) and not math.isfinite(raw):
        return None
    if isinstance(raw, dt.date | dt.datetime):
        return raw.isoformat()
    if isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, bytes):
        return raw.hex()
    return str(raw)


def _attrs_json(raw: Any, label: str, row: int) -> dict[str, Any]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    try:
        value = json.loads(str(raw))
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise ValidationError(f"{label}: row {row}, attrs: must be a JSON object of extra attributes")
    return value


# ---------------------------------------------------------------------------------------- export

_FIELD_TYPE = {
    FieldType.TEXT: "text",
    FieldType.REF: "text",
    FieldType.VOCAB: "text",
    FieldType.VOCAB_LIST: "text",
    FieldType.JSON: "text",
    FieldType.INT: "int",
    FieldType.FLOAT: "float",
    FieldType.DATE: "date",
    FieldType.BOOL: "bool",
}


def batch_to_columns(
    ent: Entity,
    batch: Batch,
    *,
    include_attrs: bool = True,
    synthetic: bool | None = None,
    include_sensitive: bool = True,
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Columns and field types for `write_layer`: code, every model field, synthetic, attrs keys.

    ``synthetic`` True/False stamps every feature; None takes the batch's ``synthetic`` column
    (False where absent). ``include_sensitive=False`` leaves out personal-data fields.
    """
    n = len(batch)
    columns: dict[str, list[Any]] = {"code": [_code(v) for v in batch.column("code")]}
    types: dict[str, str] = {"code": "text"}
    for f in ent.fields:
        if f.sensitive and not include_sensitive:
            continue
        columns[f.name] = [_export_value(f, v) for v in batch.column(f.name)]
        types[f.name] = _FIELD_TYPE[f.type]
    if synthetic is None:
        flags = [bool(v) for v in batch.column("synthetic")]
    else:
        flags = [bool(synthetic)] * n
    columns["synthetic"] = flags  # a boolean, as in the OGC API and the HTTP API (issue 16)
    types["synthetic"] = "bool"

    if include_attrs and "attrs" in batch.columns:
        records = [a or {} for a in batch.column("attrs")]
        taken = {c.lower() for c in columns}
        keys: dict[str, str] = {}  # attr key → column name
        for rec in records:
            for key in rec:
                if key in keys:
                    continue
                col = key
                k = 1
                while col.lower() in taken:
                    col = f"{key}_{k}"
                    k += 1
                taken.add(col.lower())
                keys[key] = col
        for key, col in keys.items():
            values = [_attr_value_out(rec.get(key)) for rec in records]
            columns[col] = values
            types[col] = infer_type(values)
    return columns, types


def _attr_value_out(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _export_value(f: Field, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if f.type == FieldType.VOCAB_LIST:
        items = [str(getattr(v, "value", v)) for v in value] if not isinstance(value, str) else [value]
        return ",".join(items) if items else None
    if f.type == FieldType.JSON:
        return json.dumps(value, ensure_ascii=False)
    if f.type == FieldType.VOCAB:
        return str(getattr(value, "value", value))
    if f.type == FieldType.DATE:
        return value.date() if isinstance(value, dt.datetime) else value
    if f.type == FieldType.INT:
        return int(value)
    if f.type == FieldType.FLOAT:
        return float(value)
    if f.type == FieldType.BOOL:
        return bool(value)
    return str(value)
