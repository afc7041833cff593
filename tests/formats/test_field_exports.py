"""KoboToolbox and ODK Central exports of the field forms → submission values → the review queue.

The export files are written here the way each server writes them (column names, group separators,
repeat sheets/files and their keys, split geopoint columns, metadata columns); the values read from
them must give the same records as the same submission sent by ODK Collect (XML)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from landrelease.errors import ValidationError
from landrelease.formats import answers as V
from landrelease.formats import field_exports as X

# Two accidents as ODK Collect would have sent them (the reference the exports must reproduce).
SUBMISSIONS = [
    {
        "start": "2026-11-20T08:00:00.000+02:00",
        "end": "2026-11-20T08:20:00.000+02:00",
        "accident/date": "2026-11-18",
        "accident/acc_type": "civilian",
        "accident/category": "ap_mine",
        "accident/descr": "Herding, stepped on a mine",
        "accident/location": "51.4052 35.5048 131.2 4.5",
        "victims[1]/full_name": "Synthetic Person One",
        "victims[1]/gender": "male",
        "victims[1]/age": "36",
        "victims[1]/outcome": "injured",
        "victims[1]/activity": "herding",
        "victims[2]/gender": "female",
        "victims[2]/age": "12",
        "victims[2]/outcome": "killed",
        "meta/instanceID": "uuid:0b4e7c8a-0000-4000-8000-000000000001",
    },
    {
        "start": "2026-11-21T09:00:00.000+02:00",
        "end": "2026-11-21T09:05:00.000+02:00",
        "accident/date": "2026-11-21",
        "accident/acc_type": "demining",
        "accident/category": "uxo",
        "accident/location": "51.3871 35.4712 0 10",
        "victims[1]/gender": "male",
        "victims[1]/outcome": "injured",
        "victims[1]/activity": "demining",
        "victims[1]/tampering": "no",
        "meta/instanceID": "uuid:0b4e7c8a-0000-4000-8000-000000000002",
    },
]
MAIN = ["start", "end", "accident/date", "accident/acc_type", "accident/category", "accident/area",
        "accident/activity", "accident/descr", "accident/location"]  # fmt: skip
VICTIM = ["full_name", "gender", "birth_date", "age", "address", "outcome", "activity", "tampering"]


def _victims(sub: dict[str, str]) -> list[dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for k, v in sub.items():
        if k.startswith("victims["):
            i = int(k[8 : k.index("]")])
            out.setdefault(i, {})[k.split("/", 1)[1]] = v
    return [out[i] for i in sorted(out)]


def _lat_lon(s: str) -> list[str]:
    return (s.split() + ["", "", "", ""])[:4]


def kobo_xlsx(path, subs=SUBMISSIONS, *, split_only=False):
    """KoboToolbox 'XML values and headers' XLSX: main sheet + one sheet per repeat."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Accident and victims"
    header = MAIN + [
        "_accident/location_latitude",
        "_accident/location_longitude",
        "_accident/location_altitude",
        "_accident/location_precision",
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
    ]
    ws.append(header)
    vs = wb.create_sheet("victims")
    vs.append([f"victims/{c}" for c in VICTIM] + ["_index", "_parent_table_name", "_parent_index",
                                                  "_submission__id", "_submission__uuid"])  # fmt: skip
    vindex = 0
    for n, sub in enumerate(subs, start=1):
        uuid = sub["meta/instanceID"].removeprefix("uuid:")
        lat, lon, alt, acc = _lat_lon(sub["accident/location"])
        row = [sub.get(c) or None for c in MAIN]
        if split_only:  # only the split columns: the reader must put latitude first again
            row[MAIN.index("accident/location")] = None
        # Kobo types cells: numbers as numbers
        row += [float(lat), float(lon), float(alt), float(acc)]
        row += [sub["meta/instanceID"], 1000 + n, uuid, "2026-11-21T10:00:00", None, None, "submitted_via_web",
                None, "vBq8YcCp", None, n]  # fmt: skip
        ws.append(row)
        for v in _victims(sub):
            vindex += 1
            cells = [v.get(c) or None for c in VICTIM]
            if cells[3] is not None:
                cells[3] = int(cells[3])
            vs.append(cells + [vindex, "Accident and victims", n, 1000 + n, uuid])
    wb.save(path)
    return path


def _csv(rows: list[list[str]], delimiter=",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def central_zip(path, subs=SUBMISSIONS):
    """ODK Central's CSV download: a zip of FORM.csv and FORM-REPEAT.csv, groups joined by '-',
    geopoints split into -Latitude/-Longitude/-Altitude/-Accuracy, repeats tied by PARENT_KEY/KEY."""
    head = ["SubmissionDate", "start", "end"]
    for c in MAIN[2:]:
        if c == "accident/location":
            head += [f"accident-location-{p}" for p in ("Latitude", "Longitude", "Altitude", "Accuracy")]
        else:
            head.append(c.replace("/", "-"))
    head += ["SET-OF-victims", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
             "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]  # fmt: skip
    main = [head]
    reps = [VICTIM + ["PARENT_KEY", "KEY"]]
    for sub in subs:
        key = sub["meta/instanceID"]
        row = ["2026-11-21T10:00:00.000Z", sub["start"], sub["end"]]
        for c in MAIN[2:]:
            if c == "accident/location":
                row += _lat_lon(sub[c])
            else:
                row.append(sub.get(c, ""))
        row += [f"{key}/victims", key, key, "5", "collector", "0", "0", "", "", "collect:abc", "0", "2026112201"]
        main.append(row)
        for i, v in enumerate(_victims(sub), start=1):
            reps.append([v.get(c, "") for c in VICTIM] + [key, f"{key}/victims[{i}]"])
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("lr_accident.csv", _csv(main))
        z.writestr("lr_accident-victims.csv", _csv(reps))
    return path


def _reference(sub: dict[str, str]) -> list:
    """The records the same submission makes when ODK Collect sends it."""
    values = V.values_from_xml(V.submission_xml("lr_accident", sub)).values
    return [b.rows() for b in V.to_batches("lr_accident", values)]


def _records(values: dict[str, str]) -> list:
    return [b.rows() for b in V.to_batches("lr_accident", values)]


def _same_records(a, b):
    def norm(batches):
        out = []
        for rows in batches:
            out.append([{k: v for k, v in r.items() if k not in ("attrs",)} for r in rows])
        return out

    assert norm(a) == norm(b)


@pytest.mark.parametrize("split_only", [False, True])
def test_kobo_xlsx_with_a_repeat_sheet_gives_the_collect_records(tmp_path, split_only):
    path = kobo_xlsx(tmp_path / "accidents.xlsx", split_only=split_only)
    ex = X.open_export(path, "lr_accident")
    assert ex.source == "kobo-import"
    got = list(ex.rows())
    assert [i for i, _ in got] == [s["meta/instanceID"] for s in SUBMISSIONS]
    for (_, values), sub in zip(got, SUBMISSIONS, strict=True):
        assert values["accident/location"].split()[:2] == sub["accident/location"].split()[:2]  # latitude first
        _same_records(_records(values), _reference(sub))
    assert got[0][1]["victims[2]/outcome"] == "killed" and got[0][1]["victims[1]/age"] == "36"
    assert got[0][1]["__version__"] == "vBq8YcCp"


def test_central_zip_gives_the_collect_records(tmp_path):
    ex = X.open_export(central_zip(tmp_path / "lr_accident.zip"), "lr_accident")
    assert ex.source == "central-import"
    got = list(ex.rows())
    for (instance, values), sub in zip(got, SUBMISSIONS, strict=True):
        assert instance == sub["meta/instanceID"]
        assert values["accident/location"].startswith(" ".join(sub["accident/location"].split()[:2]))
        _same_records(_records(values), _reference(sub))


def test_central_csv_with_repeat_files_beside_it(tmp_path):
    with zipfile.ZipFile(central_zip(tmp_path / "c.zip")) as z:
        z.extractall(tmp_path / "out")
    got = list(X.read_export(tmp_path / "out" / "lr_accident.csv", "lr_accident"))
    assert [len([k for k in v if k.startswith("victims[")]) > 0 for _, v in got] == [True, True]
    _same_records(_records(got[0][1]), _reference(SUBMISSIONS[0]))


def test_kobo_csv_semicolons_and_split_geopoint(tmp_path):
    """Kobo's CSV: ';' separated, the geopoint string and its split columns; no repeats in a CSV."""
    rows = [["start", "end", "session/date", "session/org", "session/method", "session/location",
             "_session/location_latitude", "_session/location_longitude", "_session/location_altitude",
             "_session/location_precision", "audience/girls", "audience/boys", "audience/women", "audience/men",
             "_id", "_uuid", "_submission_time", "_index"]]  # fmt: skip
    rows.append(["2026-11-15T10:00:00", "2026-11-15T11:00:00", "2026-11-15", "ORG-2026-000001", "face_to_face",
                 "", "51.41", "35.52", "0", "5", "12", "15", "20", "9",
                 "77", "5c1d", "2026-11-16T10:00:00", "1"])  # fmt: skip
    p = tmp_path / "re.csv"
    p.write_text(_csv(rows, ";"), encoding="utf-8")
    ((instance, values),) = list(X.read_export(p, "lr_risk_education"))
    assert instance == "uuid:5c1d"
    assert values["session/location"] == "51.41 35.52 0 5"
    (batch,) = V.to_batches("lr_risk_education", values)
    assert (batch.geoms[0].x, batch.geoms[0].y) == (35.52, 51.41)
    assert batch.column("girls") == [12]


def test_geojson_geometry_answers_the_main_geo_question_in_xform_order(tmp_path):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[35.52, 51.40], [35.53, 51.40], [35.53, 51.405], [35.52, 51.405], [35.52, 51.40]]],
                },
                "properties": {
                    "area/haz_type": "sha",
                    "area/reported": "2026-11-20",
                    "area/org": "ORG-2026-000001",
                    "_uuid": "aa11",
                    "meta/instanceID": "uuid:aa11",
                },  # fmt: skip
            }
        ],
    }
    p = tmp_path / "ha.geojson"
    p.write_text(json.dumps(fc), encoding="utf-8")
    ((instance, values),) = list(X.read_export(p, "lr_hazard_area"))
    assert instance == "uuid:aa11" and values["geometry/method"] == "shape"
    assert values["geometry/perimeter"].split(";")[1] == "51.4 35.53 0 0"  # lat first
    (batch,) = V.to_batches("lr_hazard_area", values)
    assert batch.geoms[0].equals(
        __import__("shapely").Polygon([(35.52, 51.40), (35.53, 51.40), (35.53, 51.405), (35.52, 51.405)])
    )


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("a.txt", "x", "not an export"),
        ("a.xlsx", "not a zip", "not an XLSX"),
        ("a.geojson", "{", "not JSON"),
        ("a.geojson", '{"type": "Feature"}', "FeatureCollection"),
        ("a.csv", "foo;bar\n1;2\n", "no column is a question"),
        ("a.csv", "accident/date;accident/acc_type\n2026-01-01;civilian\n", "no instance id"),
    ],
)
def test_bad_exports_say_what_to_fix(tmp_path, name, content, words):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=words):
        list(X.read_export(p, "lr_accident"))


def test_a_half_geopoint_is_refused(tmp_path):
    rows = [["session/date", "_session/location_latitude", "_session/location_longitude", "_uuid"],
            ["2026-11-15", "51.41", "", "u1"]]  # fmt: skip
    p = tmp_path / "re.csv"
    p.write_text(_csv(rows), encoding="utf-8")
    with pytest.raises(ValidationError, match="latitude and longitude must both be given"):
        list(X.read_export(p, "lr_risk_education"))


def test_central_repeat_inside_a_group_with_split_geopoints(tmp_path):
    """A walked perimeter: the repeat geometry/corners sits in a group; Central names its file
    FORM-geometry-corners.csv, its columns relative to the repeat (point-Latitude…), its KEY …/corners[i]."""
    key = "uuid:5d7f0000-0000-4000-8000-00000000000a"
    main = [
        ["SubmissionDate", "start", "end", "area-haz_type", "area-reported", "area-org", "geometry-method",
         "geometry-perimeter", "SET-OF-geometry-corners", "geometry-benchmark-Latitude",
         "geometry-benchmark-Longitude", "geometry-benchmark-Altitude", "geometry-benchmark-Accuracy",
         "meta-instanceID", "KEY", "FormVersion"],
        ["2026-11-21T10:00:00.000Z", "", "", "sha", "2026-11-20", "ORG-2026-000001", "points", "",
         f"{key}/corners", "51.3995", "35.5395", "0", "3", key, key, "2026112201"],
    ]  # fmt: skip
    corners = [["point-Latitude", "point-Longitude", "point-Altitude", "point-Accuracy", "PARENT_KEY", "KEY",
                "SET-OF-corners"]]  # fmt: skip
    # written out of order: the KEY's [i] decides the walking order, not the file order
    for i, (lat, lon) in [(2, ("51.400", "35.545")), (1, ("51.400", "35.540")), (3, ("51.404", "35.545")),
                          (4, ("51.404", "35.540"))]:  # fmt: skip
        corners.append([lat, lon, "0", "3", key, f"{key}/corners[{i}]", f"{key}/corners"])
    (tmp_path / "lr_hazard_area.csv").write_text(_csv(main), encoding="utf-8")
    (tmp_path / "lr_hazard_area-geometry-corners.csv").write_text(_csv(corners), encoding="utf-8")
    ((instance, values),) = list(X.read_export(tmp_path / "lr_hazard_area.csv", "lr_hazard_area"))
    assert instance == key and values["__version__"] == "2026112201"
    assert values["geometry/corners[1]/point"] == "51.400 35.540 0 3"
    assert values["geometry/benchmark"] == "51.3995 35.5395 0 3"
    (batch,) = V.to_batches("lr_hazard_area", values)
    import shapely

    assert batch.geoms[0].equals(
        shapely.Polygon([(35.540, 51.400), (35.545, 51.400), (35.545, 51.404), (35.540, 51.404)])
    )
    assert batch.column("bm_lon") == [35.5395] and batch.column("bm_lat") == [51.3995]


def test_kobo_xlsx_progress_items(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Daily progress report"
    ws.append(["report/activity", "report/date", "report/worked_m2", "report/finds", "_uuid", "_index"])
    ws.append(["ACT-2026-000001", "2026-11-20", 350, None, "p1", 1])
    items = wb.create_sheet("items")
    items.append(["items/category", "items/quantity", "items/location", "_items/location_latitude",
                  "_items/location_longitude", "_index", "_parent_index", "_parent_table_name"])  # fmt: skip
    items.append(["uxo", 2, None, 51.41, 35.51, 1, 1, "Daily progress report"])
    items.append(["ap_mine", 1, "51.42 35.52 0 4", 51.42, 35.52, 2, 1, "Daily progress report"])
    wb.save(tmp_path / "pr.xlsx")
    ((instance, values),) = list(X.read_export(tmp_path / "pr.xlsx", "lr_progress"))
    assert instance == "uuid:p1" and values["report/worked_m2"] == "350"
    progress, finds = V.to_batches("lr_progress", values)
    assert progress.column("finds") == [3]
    assert [(g.x, g.y) for g in finds.geoms] == [(35.51, 51.41), (35.52, 51.42)]


def test_geotrace_is_a_line_lon_lat():
    line = V.parse_geo("route", "51.40 35.50 0 0;51.41 35.52 0 0;", "geotrace")
    assert list(line.coords) == [(35.50, 51.40), (35.52, 51.41)]


def kobo_json(subs=SUBMISSIONS) -> dict:
    """KoboToolbox's API JSON (``/api/v2/assets/UID/data.json``): repeats as lists under their path,
    the first geopoint also as ``_geolocation`` [lat, lon]."""
    results = []
    for n, sub in enumerate(subs, start=1):
        rec = {k: v for k, v in sub.items() if not k.startswith("victims[") and k != "accident/location"}
        lat, lon = sub["accident/location"].split()[:2]
        rec.update({"_id": 500 + n, "_uuid": sub["meta/instanceID"].removeprefix("uuid:"),
                    "_geolocation": [float(lat), float(lon)], "_attachments": [], "_tags": [], "_notes": [],
                    "__version__": "vBq8YcCp"})  # fmt: skip
        rec["victims"] = [{f"victims/{k}": v for k, v in victim.items()} for victim in _victims(sub)]
        results.append(rec)
    return {"count": len(results), "next": None, "previous": None, "results": results}


def test_kobo_api_json_with_geolocation_and_repeat_lists(tmp_path):
    p = tmp_path / "data.json"
    p.write_text(json.dumps(kobo_json()), encoding="utf-8")
    ex = X.open_export(p, "lr_accident")
    assert ex.source == "kobo-import"
    got = list(ex.rows())
    for (instance, values), sub in zip(got, SUBMISSIONS, strict=True):
        assert instance == sub["meta/instanceID"]
        assert values["accident/location"] == " ".join(sub["accident/location"].split()[:2]) + " 0 0"
        ref = _reference({**sub, "accident/location": values["accident/location"]})
        _same_records(_records(values), ref)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("[51.41, 35.52]", "51.41 35.52 0 0"), ("51.41,35.52", "51.41 35.52 0 0"), ([51.41, 35.52], "51.41 35.52 0 0")],
)
def test_kobo_geolocation_spellings_are_latitude_first(tmp_path, raw, expected):
    p = tmp_path / "re.json"
    p.write_text(json.dumps([{"session/date": "2026-11-15", "_uuid": "g1", "_geolocation": raw}]), encoding="utf-8")
    ((_, values),) = list(X.read_export(p, "lr_risk_education"))
    assert values["session/location"] == expected


def test_headers_without_group_names(tmp_path):
    """Kobo's 'include groups in headers' unticked: columns are the questions' own names."""
    rows = [["date", "org", "method", "location", "girls", "boys", "women", "men", "_uuid"],
            ["2026-11-15", "ORG-2026-000001", "face_to_face", "51.41 35.52 0 5", "1", "2", "3", "4", "h1"]]  # fmt: skip
    p = tmp_path / "re.csv"
    p.write_text(_csv(rows), encoding="utf-8")
    ((_, values),) = list(X.read_export(p, "lr_risk_education"))
    assert values["session/date"] == "2026-11-15" and values["audience/men"] == "4"
    assert values["session/location"] == "51.41 35.52 0 5"
