"""write_layer / read_layer details: drivers by extension, atomic writes, types and nulls."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely

from landrelease.errors import ValidationError
from landrelease.formats import read_layer, write_layer

POINTS = np.array(shapely.points([[30.5, 50.4], [35.1, 48.2], [24.0, 49.8]]), dtype=object)


def test_typed_values_and_nulls_survive_gpkg(tmp_path: Path) -> None:
    cols = {
        "i": [1, None, 3_000_000_000],
        "f": [0.1, None, -2.5],
        "b": [True, None, False],
        "d": [dt.date(2024, 2, 29), None, dt.date(1990, 1, 1)],
        "t": ["Солоне", None, ""],
        "j": [{"a": [1, 2]}, None, ["x"]],
    }
    path = write_layer(tmp_path / "t.gpkg", POINTS, cols)
    back = read_layer(path).columns
    assert back["i"] == [1, None, 3_000_000_000]
    assert back["f"] == [0.1, None, -2.5]
    assert back["b"] == [True, None, False]
    assert back["d"] == [dt.date(2024, 2, 29), None, dt.date(1990, 1, 1)]
    assert back["t"] == ["Солоне", None, ""]
    assert back["j"] == ['{"a": [1, 2]}', None, '["x"]']  # lists and dicts as JSON text


def test_plain_zip_holds_a_shapefile_named_after_it(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "finds.zip", POINTS, {"n": [1, 2, 3]})
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
    assert names == ["finds.cpg", "finds.dbf", "finds.prj", "finds.shp", "finds.shx"]
    layer = read_layer(path)
    assert layer.columns["n"] == [1, 2, 3] and layer.crs == "EPSG:4326"


def test_plain_shapefile_written_and_read(tmp_path: Path) -> None:
    write_layer(tmp_path / "finds.shp", POINTS, {"n": [1, 2, 3]})
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]
    assert read_layer(tmp_path / "finds.shp").columns["n"] == [1, 2, 3]
    (tmp_path / "finds.dbf").unlink()
    with pytest.raises(ValidationError, match="lacks its .dbf"):
        read_layer(tmp_path / "finds.shp")


def test_failed_write_leaves_old_file_and_no_debris(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "keep.gpkg", POINTS, {"n": [1, 2, 3]})
    before = path.read_bytes()
    # GeoPackage column names are case-insensitive: GDAL refuses the second one mid-write
    with pytest.raises(ValidationError, match="cannot write keep.gpkg"):
        write_layer(path, POINTS, {"name": ["a", "b", "c"], "NAME": ["d", "e", "f"]})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gpkg"]


def test_unknown_extension_refused_on_write(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"use \.geojson, \.gpkg"):
        write_layer(tmp_path / "x.xlsx", POINTS, {})
    assert list(tmp_path.iterdir()) == []


def test_shapefile_refuses_mixed_geometry(tmp_path: Path) -> None:
    mixed = np.array([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], dtype=object)
    with pytest.raises(ValidationError, match="export to GeoPackage or GeoJSON"):
        write_layer(tmp_path / "x.zip", mixed, {})


def test_shapefile_float_keeps_15_decimals(tmp_path: Path) -> None:
    """A documented limit: DBF numbers are text with 15 decimals."""
    path = write_layer(tmp_path / "x.shp.zip", POINTS[:1], {"f": [1 / 3]})
    assert read_layer(path).columns["f"] == [round(1 / 3, 15)]


def test_csv_wkt_and_lonlat_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("ID,Longitude,LAT\n1,30.5,50.4\n", encoding="utf-8")
    layer = read_layer(tmp_path / "a.csv")
    assert layer.columns == {"ID": [1]}
    assert layer.geoms[0].equals(shapely.Point(30.5, 50.4))
    (tmp_path / "b.csv").write_text('geometry,n\n"POLYGON ((0 0,1 0,1 1,0 0))",007\n')
    layer = read_layer(tmp_path / "b.csv")
    assert layer.columns == {"n": ["007"]}  # not a number when the text would change
    assert layer.geoms[0].geom_type == "Polygon"


def test_kml_keeps_model_and_end_fields_as_data(tmp_path: Path) -> None:
    cols = {"model": ["PMN-2", None, "TM-62M"], "end": [dt.date(2024, 1, 2), None, None]}
    path = write_layer(tmp_path / "x.kml", POINTS, cols)
    layer = read_layer(path)
    assert layer.columns["model"] == ["PMN-2", None, "TM-62M"]
    assert [g.geom_type for g in layer.geoms] == ["Point"] * 3
    assert layer.columns["end"][0] in ("2024/01/02", "2024-01-02", dt.date(2024, 1, 2))


def test_zip_holding_a_geopackage(tmp_path: Path) -> None:
    write_layer(tmp_path / "a.gpkg", POINTS, {"n": [1, 2, 3]})
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.write(tmp_path / "a.gpkg", "a.gpkg")
    assert read_layer(tmp_path / "a.zip").columns["n"] == [1, 2, 3]


def test_wrong_encoding_given() -> None:
    bad = Path(__file__).parents[1] / "data" / "bad" / "cp1251.csv"
    with pytest.raises(ValidationError, match="cannot be decoded as utf-16"):
        read_layer(bad, encoding="utf-16")
    with pytest.raises(ValidationError, match="unknown encoding 'nonsense'"):
        read_layer(bad, encoding="nonsense")


def test_shapefile_cuts_long_attribute_names(tmp_path: Path) -> None:
    """A documented limit of the format: DBF field names have at most 10 characters."""
    path = write_layer(tmp_path / "x.zip", POINTS[:1], {"survey_identifier": [5]})
    assert read_layer(path).columns == {"survey_ide": [5]}
