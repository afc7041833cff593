"""Reading and writing vector files through GDAL (pyogrio's raw API): one layer in, one layer out.

A file a user hands us fails in a handful of ways — wrong extension, truncated download, a zipped
Shapefile missing its ``.dbf``, attribute text in a legacy code page. Each becomes one
`ValidationError` line saying what to fix; no GDAL message or traceback reaches the user.
Geometry is returned raw (validity, axis order and CRS checks belong to ``landrelease.geo``).

Values come back as plain Python lists (``None`` for null): ``int``, ``float``, ``bool``, ``str``,
``datetime.date`` or ``datetime.datetime``.

What each format keeps (checked by ``tests/formats/test_roundtrip.py``):

- GeoJSON, GeoPackage, FlatGeobuf: every value and type; coordinates bit for bit. GeoPackages are
  written as version 1.2 (`GPKG_VERSION`), which older readers open without a warning.
- Every format: a layer declares one geometry type; features that mix Polygon and MultiPolygon (or
  Point/MultiPoint…) are all written as the Multi type, and a one-part Multi geometry reads back as
  its single part.
- Booleans (``synthetic``, ``passed``, ``tampering``): GeoPackage, GeoJSON and FlatGeobuf keep a
  boolean type; a Shapefile has a dBase logical (T/F); KML writes 1/0 (GDAL 3.6, Debian 12's, reads
  a KML boolean written as true/false as 0, with a warning); CSV writes true/false.
- Shapefile (zipped): field names are cut to 10 characters (model fields already fit); text is cut
  to 254 bytes; floats keep 15 decimal places; a one-part MultiPolygon reads back as a Polygon; ring
  orientation is rewritten (clockwise outer rings). Written with a ``.cpg`` saying UTF-8.
- KML (LIBKML): coordinates keep 15 significant digits and gain Z=0 (dropped on reading); floats are
  written as text so that they keep every digit; a field called ``name`` becomes the placemark name.
- CSV: geometry as WKT (15 significant digits); no types, so numbers are written as text and any
  text that spells a number exactly (``12``, ``0.5``) reads back as that number; empty text and
  null are the same.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from landrelease.errors import ValidationError
from landrelease.formats import limits

SUPPORTED = "use .geojson, .gpkg, .zip (Shapefile), .kml, .csv or .fgb"

# extension → GDAL driver (writing); reading lets GDAL recognise the file, with options below
_DRIVERS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp.zip": "ESRI Shapefile",
    ".zip": "ESRI Shapefile",
    ".shp": "ESRI Shapefile",
    ".kml": "LIBKML",
    ".fgb": "FlatGeobuf",
    ".csv": "CSV",
}

# GDAL CSV driver open options: where to find geometry (names are matched case-insensitively)
CSV_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
CSV_X_NAMES = ("lon", "longitude", "x", "long", "lng")
CSV_Y_NAMES = ("lat", "latitude", "y")
_CSV_OPEN = {
    "GEOM_POSSIBLE_NAMES": ",".join(CSV_WKT_NAMES),
    "X_POSSIBLE_NAMES": ",".join(CSV_X_NAMES),
    "Y_POSSIBLE_NAMES": ",".join(CSV_Y_NAMES),
    "KEEP_GEOM_COLUMNS": "NO",
}

# LIBKML adds these standard placemark fields to every layer; dropped when they hold nothing
_KML_STANDARD = {
    "id": None,
    "description": None,
    "timestamp": None,
    "kml_begin": None,
    "kml_end": None,
    "altitudeMode": None,
    "tessellate": -1,
    "extrude": 0,
    "visibility": -1,
    "drawOrder": None,
    "icon": None,
    "snippet": None,
    "Name": None,
}

# LIBKML gives fields with these names a KML meaning (a 3D model link, a time span); the record
# has fields called ``model`` and ``end``, so point those options at names no record uses.
_LIBKML_CONFIG = {
    "LIBKML_MODEL_FIELD": "kml_model",
    "LIBKML_BEGIN_FIELD": "kml_begin",
    "LIBKML_END_FIELD": "kml_end",
}

#: The GeoPackage version written: 1.2, which GDAL 3.6 (Debian 12) and QGIS 3.22 open without the
#: "user_version … may only be partially supported" warning they give GeoPackage 1.4 (GDAL's
#: default since 3.9). Nothing the record writes needs 1.3 or 1.4.
GPKG_VERSION = "1.2"

_INT = re.compile(r"(0|-?[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")


@dataclass
class Layer:
    """One layer of a vector file: geometries and attribute columns, as read."""

    geoms: np.ndarray  # shapely geometries (None where a feature has none)
    columns: dict[str, list[Any]]
    crs: str | None  # as declared by the file, or the ``crs`` given to read_layer
    source: str
    name: str = ""
    driver: str = ""
    file_crs: str | None = None  # what the file itself declared
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.geoms)


def extension(path: str | os.PathLike[str]) -> str:
    """The format extension, lower case; ``.shp.zip`` counts as one."""
    name = Path(path).name.lower()
    if name.endswith(".shp.zip"):
        return ".shp.zip"
    return Path(name).suffix


def _driver_for(path: str | os.PathLike[str]) -> str:
    ext = extension(path)
    if ext not in _DRIVERS:
        raise ValidationError(
            f"cannot read or write '{Path(path).name}': unknown file type '{ext or '(none)'}'; {SUPPORTED}"
        )
    return _DRIVERS[ext]


# --------------------------------------------------------------------------------------- reading


@contextmanager
def _gdal_context(driver: str) -> Iterator[None]:
    """Quiet GDAL warnings; for LIBKML, set the field-name options for the duration."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if driver != "LIBKML":
            yield
            return
        before = {k: pyogrio.get_gdal_config_option(k) for k in _LIBKML_CONFIG}
        pyogrio.set_gdal_config_options(_LIBKML_CONFIG)
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options(before)


def read_layer(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    geometry: bool = True,
    caps: limits.FileLimits | None = None,
) -> Layer:
    """Read one layer of a vector file.

    ``layer`` names the layer of a multi-layer file (GeoPackage, KML); ``crs`` replaces the CRS the
    file declares (for CSV or GeoJSON holding projected coordinates); ``encoding`` decodes
    attribute text written in a legacy code page (``cp1251``, ``latin1``). ``geometry=False``
    accepts tables with no geometry (a CSV of victims or progress reports). ``caps``: the
    decompressed bytes and features the file may hold (`formats.limits`; default: the settings'
    defaults) — checked before GDAL reads it, and the read stops past the feature cap.
    """
    p = Path(path)
    name = p.name
    driver = _driver_for(p)
    if not p.exists():
        raise ValidationError(f"file not found: {p}")
    if p.is_dir():
        raise ValidationError(f"{p} is a folder; give one file ({SUPPORTED})")
    if p.stat().st_size == 0:
        raise ValidationError(f"cannot read {name}: the file is empty")

    ext = extension(p)
    source = str(p)
    cpg_missing = False
    caps = caps or limits.FileLimits.of()
    setting = limits.IMPORT_BYTES
    if ext in (".zip", ".shp.zip"):  # declared and actual sizes, before GDAL
        limits.zip_members(p, caps.import_bytes, setting, members=caps.zip_members)
        source, cpg_missing, driver = _zip_source(p)
    elif ext == ".shp":
        _check_shapefile_parts(p.parent, p.stem, name)
        cpg_missing = not any(p.with_suffix(s).exists() for s in (".cpg", ".CPG"))
        parts = [q for q in p.parent.glob(f"{glob_escape(p.stem)}.*") if q.is_file()]
        if sum(q.stat().st_size for q in parts) > caps.import_bytes:
            raise limits.too_big(name, sum(q.stat().st_size for q in parts), caps.import_bytes, setting)
    else:
        limits.check_file(p, caps.import_bytes, setting)

    open_options: dict[str, str] = {}
    if driver == "CSV":
        open_options = dict(_CSV_OPEN)
    elif driver == "GeoJSON":
        open_options = {"DATE_AS_STRING": "YES"}

    layer_name = _choose_layer(source, name, layer)
    try:
        with _gdal_context(driver):
            info = pyogrio.read_info(source, layer=layer_name, encoding=encoding, **open_options)
            meta, _fids, wkb, field_data = pyogrio.raw.read(
                source,
                layer=layer_name,
                encoding=encoding,
                force_2d=driver in ("LIBKML", "KML"),
                max_features=caps.import_features + 1,  # memory stays bounded whatever the file holds
                **open_options,
            )
    except UnicodeDecodeError as exc:
        if encoding:
            raise ValidationError(
                f"attribute text in {name} cannot be decoded as {encoding}: give its real "
                f"encoding, e.g. --encoding {guess_encoding(exc.object)}"
            ) from None
        raise ValidationError(_encoding_message(name, exc.object)) from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ValidationError(_gdal_message(name, str(exc))) from None
    except (
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.CRSError,
    ) as exc:
        raise ValidationError(_gdal_message(name, str(exc))) from None
    except (LookupError, ValueError) as exc:  # unknown encoding name and the like
        if encoding and "encoding" in str(exc).lower():
            raise ValidationError(f"unknown encoding '{encoding}'; use e.g. cp1251, latin1, utf-8") from None
        raise ValidationError(_gdal_message(name, str(exc))) from None

    fields = [str(f) for f in meta["fields"]]
    ogr_types = list(info.get("ogr_types") or [])
    ogr_subtypes = list(info.get("ogr_subtypes") or [])
    columns: dict[str, list[Any]] = {}
    for i, fname in enumerate(fields):
        otype = ogr_types[i] if i < len(ogr_types) else ""
        osub = ogr_subtypes[i] if i < len(ogr_subtypes) else ""
        columns[fname] = _to_python(field_data[i], otype, osub)

    n = len(field_data[0]) if field_data else (0 if wkb is None else len(wkb))
    if n > caps.import_features:
        raise ValidationError(
            f"{name} has more than {caps.import_features:,} features: split it, or raise "
            f"{limits.IMPORT_FEATURES} if it is genuine"
        )
    if wkb is None:
        geoms = np.full(n, None, dtype=object)
    else:
        geoms = _single_parts(shapely.from_wkb(wkb, on_invalid="ignore"))

    if driver in ("LIBKML", "KML"):
        _drop_kml_defaults(columns, meta.get("layer_name") or layer_name or "")
    if driver in ("CSV", "LIBKML", "KML"):
        for fname, values in columns.items():
            columns[fname] = _sniff_numbers(values)
    if cpg_missing and encoding is None:
        columns = _check_legacy_text(columns, name)

    if n == 0:
        raise ValidationError(f"{name} has no features: nothing to import")
    if geometry and wkb is None:
        if driver == "CSV":
            raise ValidationError(
                f"{name} has no geometry column: add a WKT column (named wkt or geometry) or lon and lat columns"
            )
        raise ValidationError(f"{name} has no geometry")

    file_crs = meta.get("crs")
    return Layer(
        geoms=geoms,
        columns=columns,
        crs=crs or file_crs,
        source=str(p),
        name=str(meta.get("layer_name") or layer_name or p.stem),
        driver=driver,
        file_crs=file_crs,
    )


def _zip_source(p: Path) -> tuple[str, bool, str]:
    """The /vsizip/ path of the dataset inside a zip, whether it lacks a .cpg, and its driver."""
    try:
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError):
        raise ValidationError(f"cannot read {p.name}: the zip is truncated or not a zip file") from None
    lower = {n.lower(): n for n in names}
    shps = [n for n in names if n.lower().endswith(".shp")]
    if len(shps) > 1:
        listed = ", ".join(Path(s).name for s in shps)
        raise ValidationError(f"{p.name} holds several Shapefiles ({listed}); zip one per file")
    if shps:
        shp = shps[0]
        stem = shp[:-4].lower()
        for part in (".dbf", ".shx"):
            if stem + part not in lower:
                raise ValidationError(
                    f"the zipped Shapefile {p.name} lacks its {part}: zip all of .shp .shx .dbf "
                    ".prj (and .cpg) together"
                )
        return f"/vsizip/{p}/{shp}", stem + ".cpg" not in lower, "ESRI Shapefile"
    others = [n for n in names if extension(n) in _DRIVERS and extension(n) not in (".zip", ".shp.zip")]
    if len(others) == 1:
        return f"/vsizip/{p}/{others[0]}", False, _DRIVERS[extension(others[0])]
    if any(n.lower().endswith((".dbf", ".shx", ".prj")) for n in names):
        raise ValidationError(f"the zipped Shapefile {p.name} lacks its .shp: zip all of .shp .shx .dbf .prj together")
    raise ValidationError(f"{p.name} holds no Shapefile (.shp) nor one other vector file; {SUPPORTED}")


def _check_shapefile_parts(folder: Path, stem: str, name: str) -> None:
    present = {q.suffix.lower() for q in folder.glob(f"{glob_escape(stem)}.*")}
    for part in (".dbf", ".shx"):
        if part not in present:
            raise ValidationError(
                f"the Shapefile {name} lacks its {part}: keep .shp .shx .dbf .prj together (or send them zipped)"
            )


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _choose_layer(source: str, name: str, layer: str | None) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(source)
    except UnicodeDecodeError as exc:
        raise ValidationError(_encoding_message(name, exc.object)) from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ValidationError(_gdal_message(name, str(exc))) from None
    names = [str(row[0]) for row in layers]
    if layer is not None:
        if layer not in names:
            listed = ", ".join(names) or "(none)"
            raise ValidationError(f"{name} has no layer '{layer}'; its layers are: {listed}")
        return layer
    if not names:
        raise ValidationError(f"{name} holds no layer: nothing to import")
    if len(names) > 1:
        raise ValidationError(f"{name} holds several layers ({', '.join(names)}): say which one (--layer NAME)")
    return names[0]


def _gdal_message(name: str, detail: str) -> str:
    low = detail.lower()
    if "no such file" in low:
        return f"file not found: {name}"
    if "not recognized as being in a supported file format" in low or "not recognised" in low:
        return (
            f"cannot read {name}: not a vector file GDAL recognises (is it really "
            f"{extension(name) or 'a map file'}?); {SUPPORTED}"
        )
    if "sqlite" in low or "malformed" in low or "select " in low:
        detail = "the database is malformed"
    return (
        f"cannot read {name}: the file is truncated or damaged (GDAL says: "
        f"{' '.join(detail.split())[:120]}); export it again"
    )


def _encoding_message(name: str, raw: bytes | Any) -> str:
    guess = guess_encoding(raw if isinstance(raw, bytes | bytearray) else b"")
    return (
        f"attribute text in {name} is not UTF-8: give its encoding, e.g. --encoding {guess} (or save the file as UTF-8)"
    )


def guess_encoding(raw: bytes) -> str:
    """A likely legacy code page for bytes that are not UTF-8: cp1251 when they spell Cyrillic."""
    try:
        text = bytes(raw).decode("cp1251")
    except UnicodeDecodeError:
        return "latin1"
    letters = [c for c in text if c.isalpha() and ord(c) > 127]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "cp1251" if letters and cyrillic / len(letters) > 0.6 else "cp1252"


def _check_legacy_text(columns: dict[str, list[Any]], name: str) -> dict[str, list[Any]]:
    """A Shapefile without .cpg is decoded by GDAL as ISO-8859-1: catch text that was not.

    UTF-8 text (the common case for recent exports missing their .cpg) is recovered exactly;
    text in another code page (Cyrillic cp1251 read as Latin-1 is all accented capitals) is
    refused with the encoding option to give, rather than imported as mojibake.
    """
    out: dict[str, list[Any]] = {}
    suspicious = 0
    letters = 0
    sample = b""
    for fname, values in columns.items():
        fixed: list[Any] = []
        changed = False
        for value in values:
            if isinstance(value, str) and not value.isascii():
                try:
                    raw = value.encode("latin-1")
                except UnicodeEncodeError:
                    fixed.append(value)
                    continue
                try:
                    fixed.append(raw.decode("utf-8"))
                    changed = True
                    continue
                except UnicodeDecodeError:
                    pass
                high = [c for c in value if c.isalpha() and not c.isascii()]
                letters += sum(1 for c in value if c.isalpha())
                suspicious += len(high)
                if not sample:
                    sample = raw
            fixed.append(value)
        out[fname] = fixed if changed else values
    if letters and suspicious / letters > 0.5:
        raise ValidationError(_encoding_message(name, sample))
    return out


def _to_python(values: np.ndarray, ogr_type: str, ogr_subtype: str) -> list[Any]:
    """A pyogrio column as a list of Python values, None for null."""
    kind = values.dtype.kind
    if kind == "f":
        out = values.tolist()
        if ogr_type in ("OFTInteger", "OFTInteger64"):
            if ogr_subtype == "OFSTBoolean":
                return [None if math.isnan(x) else bool(x) for x in out]
            return [None if math.isnan(x) else int(x) for x in out]
        if np.isnan(values).any():
            return [None if math.isnan(x) else x for x in out]
        return out
    if kind in "iu":
        if ogr_subtype == "OFSTBoolean":
            return [bool(x) for x in values.tolist()]
        return values.tolist()
    if kind == "b":
        return values.tolist()
    if kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        mask = np.isnat(values)
        if unit == "D" or ogr_type == "OFTDate":
            items = values.astype("datetime64[D]").astype(object)
        else:
            items = values.astype("datetime64[us]").astype(object)
        return [None if m else x for x, m in zip(items.tolist(), mask.tolist(), strict=True)]
    return [None if (x is None or (isinstance(x, float) and math.isnan(x))) else x for x in values]


def _sniff_numbers(values: list[Any]) -> list[Any]:
    """Text formats: turn text that spells a number exactly back into that number.

    Only text whose ``str()`` of the number gives the same text back is converted (``12`` but not
    ``012``; ``0.5`` but not ``0.50``), so a model field parsed as text loses nothing. Empty
    text is null.
    """
    if not any(isinstance(v, str) for v in values):
        return values
    out: list[Any] = []
    for v in values:
        if isinstance(v, str):
            if v == "":
                out.append(None)
                continue
            if _INT.match(v):
                out.append(int(v))
                continue
            if _FLOAT.match(v):
                number = float(v)
                if repr(number) == v:
                    out.append(number)
                    continue
        out.append(v)
    return out


def _drop_kml_defaults(columns: dict[str, list[Any]], layer_name: str) -> None:
    for fname, default in _KML_STANDARD.items():
        values = columns.get(fname)
        if values is None:
            continue
        if fname == "id":
            auto = all(v == f"{layer_name}.{i + 1}" for i, v in enumerate(values))
            if auto or all(v is None for v in values):
                del columns[fname]
            continue
        if all(v is None or v == default for v in values):
            del columns[fname]
    if "Name" in columns and "name" not in columns:
        columns["name"] = columns.pop("Name")


# --------------------------------------------------------------------------------------- writing

FIELD_TYPES = ("text", "int", "float", "bool", "date", "datetime", "json")


def write_layer(
    path: str | os.PathLike[str],
    geoms: Sequence[Any] | np.ndarray | None,
    columns: dict[str, Sequence[Any]],
    *,
    crs: str = "EPSG:4326",
    layer: str | None = None,
    field_types: dict[str, str] | None = None,
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Write one layer, replacing the file; the driver follows the extension.

    ``field_types`` maps a column to one of text, int, float, bool, date, datetime, json
    (inferred from the values otherwise). Lists and dicts are written as JSON text. The file
    appears only when complete: it is written in a temporary folder beside it, then renamed.
    ``title`` and ``description`` go where the format has a place for them (GeoPackage layer
    identifier and description, GeoJSON description, FlatGeobuf title and description, KML document
    name and description; Shapefile and CSV have none).
    """
    dest = Path(path)
    driver = _driver_for(dest)
    ext = extension(dest)
    if not dest.parent.exists():
        raise ValidationError(f"cannot write {dest}: folder {dest.parent} does not exist")
    n = len(geoms) if geoms is not None else _column_length(columns)
    for cname, values in columns.items():
        if len(values) != n:
            raise ValueError(f"column {cname!r} has {len(values)} values for {n} features")
    layer_name = layer or _stem(dest)
    types = dict(field_types or {})
    for cname, values in columns.items():
        types.setdefault(cname, infer_type(values))

    names = list(columns)
    data: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    for cname in names:
        array, mask = _to_array(columns[cname], types[cname], driver)
        data.append(array)
        masks.append(mask)

    wkb = None
    geometry_type = None
    if geoms is not None:
        garr = np.asarray(geoms, dtype=object)
        wkb = shapely.to_wkb(garr)
        geometry_type = _geometry_type(garr, driver)

    dataset_options: dict[str, str] = {}
    layer_options: dict[str, str] = {}
    if driver == "CSV":
        layer_options["GEOMETRY"] = "AS_WKT"
    elif driver == "FlatGeobuf":
        layer_options["SPATIAL_INDEX"] = "NO"  # an index reorders features
        layer_options.update(_present(TITLE=title, DESCRIPTION=description))
    elif driver == "ESRI Shapefile":
        layer_options["ENCODING"] = "UTF-8"
    elif driver == "GeoJSON":
        layer_options["WRITE_NAME"] = "NO"
        layer_options.update(_present(DESCRIPTION=description))
    elif driver == "GPKG":
        dataset_options["VERSION"] = GPKG_VERSION
        layer_options.update(_present(IDENTIFIER=title, DESCRIPTION=description))
    elif driver == "LIBKML":
        dataset_options.update(_present(NAME=title, DESCRIPTION=description))

    tmpdir = Path(tempfile.mkdtemp(prefix=".landrelease-", dir=dest.parent))
    try:
        target = tmpdir / dest.name
        if ext == ".zip":
            target = tmpdir / f"{_stem(dest)}.shp.zip"
        with _gdal_context(driver):
            pyogrio.raw.write(
                str(target),
                wkb,
                data,
                names,
                field_mask=masks,
                layer=layer_name,
                driver=driver,
                geometry_type=geometry_type,
                crs=crs if geoms is not None else None,
                promote_to_multi=geometry_type is not None and geometry_type.startswith("Multi"),
                dataset_options=dataset_options or None,
                layer_options=layer_options or None,
            )
        if ext == ".shp":
            for part in tmpdir.iterdir():
                os.replace(part, dest.parent / part.name)
        else:
            os.replace(target, dest)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.CRSError,
    ) as exc:
        raise ValidationError(f"cannot write {dest.name}: {' '.join(str(exc).split())[:160]}") from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return dest


def _present(**options: str | None) -> dict[str, str]:
    """Creation options that have a value, on one line (GDAL option values are single-line text)."""
    return {k: " ".join(v.split()) for k, v in options.items() if v}


def _single_parts(geoms: np.ndarray) -> np.ndarray:
    """One-part Multi… geometries as their one part: what a layer that mixed Polygon and MultiPolygon
    was written as (`_geometry_type`) reads back as it was, whatever the format."""
    if len(geoms) == 0:
        return geoms
    kinds = shapely.get_type_id(geoms)
    one = np.isin(kinds, (4, 5, 6)) & (shapely.get_num_geometries(geoms) == 1)
    if one.any():
        geoms = geoms.copy()
        geoms[one] = shapely.get_geometry(geoms[one], 0)
    return geoms


def _stem(p: Path) -> str:
    name = p.name
    for ext in (".shp.zip", *_DRIVERS):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return p.stem


def _column_length(columns: dict[str, Sequence[Any]]) -> int:
    for values in columns.values():
        return len(values)
    return 0


def infer_type(values: Sequence[Any]) -> str:
    """The narrowest field type holding every non-null value."""
    kinds = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, bool | np.bool_):
            kinds.add("bool")
        elif isinstance(v, int | np.integer):
            kinds.add("int")
        elif isinstance(v, float | np.floating):
            kinds.add("float")
        elif isinstance(v, dt.datetime):
            kinds.add("datetime")
        elif isinstance(v, dt.date):
            kinds.add("date")
        elif isinstance(v, list | tuple | dict):
            kinds.add("json")
        else:
            kinds.add("text")
    if not kinds:
        return "text"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"int", "float"}:
        return "float"
    return "text"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def _to_array(values: Sequence[Any], ftype: str, driver: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Column values → (numpy array pyogrio writes, null mask)."""
    if ftype not in FIELD_TYPES:
        raise ValueError(f"unknown field type {ftype!r}; use one of {FIELD_TYPES}")
    items = list(values)
    null = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in items], dtype=bool)
    # text formats: write numbers as text we control (repr keeps every digit of a float)
    if driver == "CSV" or (driver == "LIBKML" and ftype == "float"):
        ftype = "text"
    if driver == "LIBKML" and ftype == "bool":  # GDAL before 3.7 reads a KML bool "true" as 0, with a warning
        ftype = "int"
    if ftype == "int":
        arr = np.array([0 if m else int(v) for v, m in zip(items, null, strict=True)], dtype=np.int64)
    elif ftype == "float":
        arr = np.array([np.nan if m else float(v) for v, m in zip(items, null, strict=True)])
    elif ftype == "bool":
        arr = np.array([False if m else bool(v) for v, m in zip(items, null, strict=True)])
    elif ftype == "date":
        arr = np.array(
            ["NaT" if m else _as_date(v).isoformat() for v, m in zip(items, null, strict=True)],
            dtype="datetime64[D]",
        )
        return arr, null if null.any() else None
    elif ftype == "datetime":
        arr = np.array(
            ["NaT" if m else np.datetime64(v, "ms") for v, m in zip(items, null, strict=True)],
            dtype="datetime64[ms]",
        )
    else:
        arr = np.array([None if m else _text(v) for v, m in zip(items, null, strict=True)], dtype=object)
        return arr, None
    return arr, null if null.any() else None


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _geometry_type(geoms: np.ndarray, driver: str) -> str:
    """The one geometry type the layer declares: the features' own when they agree; Multi… when they
    mix single and multi parts of one kind (every feature is then written as Multi…, so the declared
    type matches the contents: QGIS and GDAL take a layer's type from the declaration)."""
    present = {g.geom_type for g in geoms if g is not None}
    if not present:
        return "Unknown"
    if len(present) == 1:
        return present.pop()
    for single in ("Point", "LineString", "Polygon"):
        if present <= {single, "Multi" + single}:
            return "Multi" + single
    if driver == "ESRI Shapefile":
        raise ValidationError(
            "a Shapefile holds one kind of geometry; these features mix "
            f"{', '.join(sorted(present))}: export to GeoPackage or GeoJSON instead"
        )
    return "Unknown"
