"""Mapping files: checked on load, one line naming the file and key at fault; shipped examples load
and work end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from landrelease.domain.model import ACCIDENT, EO_FIND, HAZARDOUS_AREA, entity
from landrelease.errors import ValidationError
from landrelease.formats import layer_to_batch, load_mapping, read_layer
from landrelease.formats.mapping import shipped_mappings


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('kind = "accident"\n[fields]\ndate = ', "m.toml: not valid TOML"),
        (
            'kind = "accident"\n[fields]\nwhen = "fecha"\n',
            "m.toml: [fields] when is not a field of accident",
        ),
        ('kind = "hazardous_area"\n[defaults]\narea_m2 = 5\n', "area_m2 is computed by the system"),
        ('kind = "accident"\n[defaults]\nacc_type = "tourist"\n', "m.toml: [defaults] acc_type"),
        ('kind = "landmine"\n', "m.toml: kind unknown kind 'landmine'"),
        ('kind = "accident"\n[fields]\ndate = 5\n', "m.toml: fields.date must be a column name"),
        ('kind = "accident"\n[values]\ndate = "x"\n', "m.toml: values.date must be a table"),
        ('colour = "red"\n', "m.toml: 'colour' is not a mapping key"),
        ('[ignore]\ncolumns = "OBJECTID"\n', "m.toml: [ignore] columns must be a list"),
    ],
)
def test_bad_mapping_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        load_mapping(write(tmp_path, text))
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_mapping_without_kind_checked_against_given_entity(tmp_path: Path) -> None:
    p = write(tmp_path, '[fields]\nhaz_type = "Type"\n')
    assert load_mapping(p, ent=HAZARDOUS_AREA).fields == {"haz_type": ["Type"]}
    with pytest.raises(ValidationError, match="haz_type is not a field of eo_find"):
        load_mapping(p, ent=EO_FIND)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="mapping file not found"):
        load_mapping(tmp_path / "nope.toml")


def test_shipped_mappings_all_load() -> None:
    shipped = shipped_mappings()
    assert set(shipped) >= {"imsma_hazards", "kobo_eo_find", "colombia_aicma_events"}
    for path in shipped.values():
        m = load_mapping(path)
        assert m.kind is not None
        m.check(entity(m.kind))


def test_colombia_events_end_to_end(tmp_path: Path) -> None:
    """A GeoJSON shaped like the AICMA events open data becomes accidents, others filtered."""

    def event(lon: float, lat: float, **props: object) -> dict:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        return {"type": "Feature", "properties": props, "geometry": geometry}

    fc = {
        "type": "FeatureCollection",
        "features": [
            event(
                -75.76,
                7.09,
                OBJECTID=1,
                fecha_evento="2005-03-14",
                tipo_evento="Accidente por MAP",
                departamento="ANTIOQUIA",
                municipio="ITUANGO",
                tipo_area="Rural",
            ),
            event(
                -76.65,
                0.67,
                OBJECTID=2,
                fecha_evento="2005-04-02",
                tipo_evento="Incautación",
                departamento="PUTUMAYO",
                municipio="ORITO",
                tipo_area="Rural",
            ),
            event(
                -71.76,
                6.46,
                OBJECTID=3,
                fecha_evento="2006-11-30",
                tipo_evento="Accidente por MUSE",
                departamento="ARAUCA",
                municipio="TAME",
                tipo_area="Urbana",
            ),
        ],
    }
    path = tmp_path / "eventos_2005.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    mapping = load_mapping(shipped_mappings()["colombia_aicma_events"])
    b = layer_to_batch(ACCIDENT, read_layer(path, crs=mapping.crs), mapping)
    assert b.columns["date"] == [dt.date(2005, 3, 14), dt.date(2006, 11, 30)]
    assert b.columns["category"] == ["ap_mine", "uxo"]
    assert b.columns["acc_type"] == ["civilian", "civilian"]
    # tipo_evento feeds category, so it is not repeated in attrs
    assert b.columns["attrs"][1] == {
        "departamento": "ARAUCA",
        "municipio": "TAME",
        "tipo_area": "Urbana",
    }


def test_imsma_example_end_to_end(tmp_path: Path) -> None:
    csv = tmp_path / "imsma.csv"
    csv.write_text(
        "Hazard ID,Hazard Type,Status,Device Classification,Date of Report,OBJECTID,WKT\n"
        'HA-77,Suspected Hazardous Area,Worked On,"AP Mine, CM",2019-07-01,5,'
        '"POLYGON ((35 48,35.01 48,35.01 48.01,35 48))"\n',
        encoding="utf-8",
    )
    mapping = load_mapping(shipped_mappings()["imsma_hazards"])
    b = layer_to_batch(HAZARDOUS_AREA, read_layer(csv), mapping)
    assert b.columns["code"] == ["HA-77"]
    assert b.columns["haz_type"] == ["sha"] and b.columns["status"] == ["open"]
    assert b.columns["dev_susp"] == [["ap_mine", "submunition"]]
    assert b.columns["reported"] == [dt.date(2019, 7, 1)]
    assert b.columns["attrs"] == [{}]
