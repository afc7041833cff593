"""The mapping file: how the columns of someone else's export become Landrelease fields.

An IMSMA Core export, a KoboToolbox download or an open data set names its columns its own way and
codes its values in its own words. A small TOML file says how to read it, so the same export can be
loaded again next month without code::

    kind = "accident"               # default kind for this source (optional)
    crs = "EPSG:4326"               # CRS of the coordinates when the file does not say (optional)
    encoding = "cp1251"             # attribute text encoding (optional)
    layer = "accidents"             # layer of a multi-layer file (optional)

    [fields]                        # model field = source column (or a list: first one present)
    date = "fecha_evento"
    category = ["tipo_evento", "TIPO_EVENTO"]

    [values.category]               # source value = vocabulary code (or label)
    "Accidente por MAP" = "ap_mine"

    [defaults]                      # constant for a field the source lacks
    acc_type = "civilian"

    [ignore]
    columns = ["OBJECTID", "Shape_Length"]

    [where]                         # keep only rows whose column holds one of these values
    tipo_evento = ["Accidente por MAP", "Accidente por MUSE"]

Source columns are matched case-insensitively. A column mapped to an optional field may be absent
from a file (exports differ between versions); one mapped to a required field may not, and at
least one mapped column must be present. Unmapped values go to the model's own parser,
which accepts codes and labels in any case.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease.domain.model import Entity, entity
from landrelease.errors import ValidationError

# columns every kind may carry besides its model fields
SYSTEM_COLUMNS = ("code", "synthetic", "attrs")

_TOP_KEYS = {
    "kind",
    "crs",
    "encoding",
    "layer",
    "fields",
    "values",
    "defaults",
    "ignore",
    "where",
    "description",
}


@dataclass
class Mapping:
    fields: dict[str, list[str]] = field(default_factory=dict)  # model field → source columns
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {source: code}
    defaults: dict[str, Any] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)
    where: dict[str, list[str]] = field(default_factory=dict)
    kind: str | None = None
    crs: str | None = None
    encoding: str | None = None
    layer: str | None = None
    source: str = "mapping"  # file name, for messages

    def check(self, ent: Entity) -> None:
        """Every field the mapping names must be an input field of the entity."""
        allowed = {f.name for f in ent.input_fields} | set(SYSTEM_COLUMNS)
        for section, names in (
            ("fields", self.fields),
            ("values", self.values),
            ("defaults", self.defaults),
        ):
            for name in names:
                if name not in allowed:
                    derived = name in ent.names
                    why = "is computed by the system, not imported" if derived else (f"is not a field of {ent.kind}")
                    raise ValidationError(
                        f"{self.source}: [{section}] {name} {why}; fields are: "
                        f"{', '.join(f.name for f in ent.input_fields)}"
                    )
        for name, default in self.defaults.items():
            if name in SYSTEM_COLUMNS:
                continue
            ent.field(name).parse(self.values.get(name, {}).get(str(default), default))


def _fail(source: str, key: str, message: str) -> ValidationError:
    return ValidationError(f"{source}: {key} {message}")


def parse_mapping(data: dict[str, Any], *, source: str = "mapping", ent: Entity | None = None) -> Mapping:
    """Build a Mapping from parsed TOML; ``ent`` (or the mapping's ``kind``) checks field names."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(
            source,
            f"'{sorted(unknown)[0]}'",
            "is not a mapping key; use kind, crs, "
            "encoding, layer, [fields], [values.FIELD], [defaults], [ignore], [where]",
        )
    m = Mapping(source=source)
    for key in ("kind", "crs", "encoding", "layer"):
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                raise _fail(source, key, "must be a non-empty text")
            setattr(m, key, data[key].strip())

    fields = data.get("fields", {})
    if not isinstance(fields, dict):
        raise _fail(source, "[fields]", 'must be a table of field = "source column"')
    for name, col in fields.items():
        cols = [col] if isinstance(col, str) else col
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) and c for c in cols):
            raise _fail(source, f"fields.{name}", "must be a column name or a list of column names")
        m.fields[name] = list(cols)

    values = data.get("values", {})
    if not isinstance(values, dict):
        raise _fail(source, "[values]", "must hold tables [values.FIELD]")
    for name, table in values.items():
        if not isinstance(table, dict):
            raise _fail(source, f"values.{name}", 'must be a table of "source value" = "code"')
        for src, code in table.items():
            if not isinstance(code, str | int | float | bool):
                raise _fail(source, f"values.{name}.{src!r}", "must map to a code (text)")
        m.values[name] = {str(k): str(v) for k, v in table.items()}

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise _fail(source, "[defaults]", "must be a table of field = value")
    for name, value in defaults.items():
        if isinstance(value, dict):
            raise _fail(source, f"defaults.{name}", "must be a single value")
        m.defaults[name] = value

    ignore = data.get("ignore", {})
    cols = ignore.get("columns", []) if isinstance(ignore, dict) else ignore
    if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
        raise _fail(source, "[ignore] columns", "must be a list of column names")
    m.ignore = list(cols)

    where = data.get("where", {})
    if not isinstance(where, dict):
        raise _fail(source, "[where]", "must be a table of column = [values to keep]")
    for col, keep in where.items():
        keep_list = [keep] if isinstance(keep, str | int | float) else keep
        if not isinstance(keep_list, list) or not keep_list:
            raise _fail(source, f"where.{col}", "must be a value or a list of values to keep")
        m.where[col] = [str(k) for k in keep_list]

    if ent is None and m.kind is not None:
        try:
            ent = entity(m.kind)
        except ValidationError as exc:
            raise _fail(source, "kind", str(exc).removeprefix("kind: ")) from None
    if ent is not None:
        try:
            m.check(ent)
        except ValidationError as exc:
            if str(exc).startswith(source):
                raise
            raise _fail(source, f"[defaults] {exc.field or ''}".rstrip(), exc.message) from None
    return m


def load_mapping(path: str | os.PathLike[str], *, ent: Entity | None = None) -> Mapping:
    """Read and check a mapping file; errors name the file and the key at fault."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"mapping file not found: {p}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{p.name}: a mapping file must be UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{p.name}: not valid TOML: {exc}") from None
    return parse_mapping(data, source=p.name, ent=ent)


def shipped_mappings() -> dict[str, Path]:
    """The example mapping files shipped with Landrelease, by name."""
    folder = Path(__file__).parent / "mappings"
    return {q.stem: q for q in sorted(folder.glob("*.toml"))}
