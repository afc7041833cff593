"""The bad-file corpus (tests/data/bad, made by make_bad.py): format problems are refused with one
line saying what to fix; geometry problems are read raw for landrelease.geo to judge."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from landrelease.errors import ValidationError
from landrelease.formats import read_layer

BAD = Path(__file__).parents[1] / "data" / "bad"

FORMAT_PROBLEMS = {
    "truncated.gpkg": "truncated or damaged",
    "truncated.geojson": "truncated or damaged",
    "garbage.gpkg": "not a vector file GDAL recognises",
    "no_dbf.zip": "lacks its .dbf: zip all of .shp .shx .dbf .prj",
    "no_shx.zip": "lacks its .shx",
    "not_a_zip.zip": "the zip is truncated or not a zip file",
    "cp1251.csv": "is not UTF-8: give its encoding, e.g. --encoding cp1251",
    "cp1251_nocpg.zip": "is not UTF-8: give its encoding, e.g. --encoding cp1251",
    "no_geometry.csv": "has no geometry column: add a WKT column",
    "zero_features.geojson": "has no features",
    "two_layers.gpkg": "holds several layers (hazards, finds)",
    "hazards.txt": "use .geojson, .gpkg, .zip (Shapefile), .kml, .csv or .fgb",
}


@pytest.mark.parametrize("name", sorted(FORMAT_PROBLEMS))
def test_format_problem_gives_one_line(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        read_layer(BAD / name)
    message = str(info.value)
    assert FORMAT_PROBLEMS[name] in message
    assert "\n" not in message and "Traceback" not in message
    assert len(message) < 300


def test_missing_file() -> None:
    with pytest.raises(ValidationError, match="file not found"):
        read_layer(BAD / "no_such_file.gpkg")


def test_named_layer_of_multi_layer_file() -> None:
    layer = read_layer(BAD / "two_layers.gpkg", layer="finds")
    assert layer.n == 5 and layer.name == "finds"
    with pytest.raises(ValidationError, match="no layer 'roads'; its layers are: hazards, finds"):
        read_layer(BAD / "two_layers.gpkg", layer="roads")


def test_encoding_option_decodes_legacy_text() -> None:
    layer = read_layer(BAD / "cp1251.csv", encoding="cp1251")
    assert layer.columns["name"] == ["Солоне", "Київщина"]
    assert shapely.get_coordinates(layer.geoms).tolist() == [[35.1, 48.2], [30.5, 50.4]]
    shp = read_layer(BAD / "cp1251_nocpg.zip", encoding="cp1251")
    assert shp.columns["name"] == ["Солоне"]


def test_utf8_shapefile_without_cpg_is_recovered() -> None:
    assert read_layer(BAD / "utf8_nocpg.zip").columns["name"] == ["Солоне"]


def test_non_spatial_csv_allowed_when_asked() -> None:
    layer = read_layer(BAD / "no_geometry.csv", geometry=False)
    assert layer.columns["name"] == ["No map"] and layer.geoms.tolist() == [None]


# --- geometry problems: read without complaint, geometry returned as it is in the file


def test_bowtie_read_raw() -> None:
    (g,) = read_layer(BAD / "bowtie.geojson").geoms
    assert g.geom_type == "Polygon" and not shapely.is_valid(g)


def test_swapped_axes_read_raw() -> None:
    (g,) = read_layer(BAD / "swapped_axes.geojson").geoms
    assert shapely.get_coordinates(g)[0].tolist() == [51.4, 35.5]


def test_projected_without_crs_read_raw() -> None:
    gj = read_layer(BAD / "projected_no_crs.geojson")
    assert gj.crs == "EPSG:4326"  # GeoJSON is WGS84 by definition (RFC 7946): geo must spot it
    assert shapely.get_coordinates(gj.geoms)[0].tolist() == [407000.0, 5340000.0]
    csv = read_layer(BAD / "projected_no_crs.csv")
    assert csv.crs is None
    assert shapely.get_coordinates(csv.geoms).tolist() == [[407000.5, 5340000.25]]
    declared = read_layer(BAD / "projected_no_crs.csv", crs="EPSG:32636")
    assert declared.crs == "EPSG:32636" and declared.file_crs is None


def test_empty_geometries_read_raw() -> None:
    layer = read_layer(BAD / "empty_geometries.geojson")
    g = layer.geoms
    assert g[0] is None and g[1].is_empty and g[2].area > 0


def test_points_where_polygons_expected_read_raw() -> None:
    (g,) = read_layer(BAD / "points_for_polygons.geojson").geoms
    assert g.geom_type == "Point"
