"""The field forms: every form converts with pyxform and passes ODK Validate (the JavaRosa checker
shipped inside pyxform, run by java), its choice lists are the record's vocabularies, personal data is
flagged, translations fill label::LANG columns, and the .xlsx files `build` writes convert to the very
XForm the server serves."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert as pyxform_convert

from landrelease.domain import model as m
from landrelease.errors import ValidationError
from landrelease.formats import xlsform as F

NS = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
FINGERPRINTS = Path(__file__).with_name("form_fingerprints.json")


def _xform(form_id: str, translations=None) -> ET.Element:
    return ET.fromstring(F.xform_xml(form_id, translations))


def test_java_is_there_for_odk_validate():
    """ODK Validate is a Java program; scripts/install-test-deps.sh installs a JRE when java is missing."""
    assert shutil.which("java"), "java is not on PATH: run scripts/install-test-deps.sh"


@pytest.mark.parametrize("form_id", list(F.FORMS))
def test_every_form_passes_odk_validate(form_id):
    french = {"French (fr)": {t: f"FR {t}" for t in F.english_texts(form_id)}}
    result = F.convert(form_id, french, validate=True)
    assert result.warnings == []
    root = ET.fromstring(result.xform)
    data = next(iter(root.find("h:head/x:model/x:instance", NS)))
    assert data.get("id") == form_id and data.get("version") == F.FORMS[form_id].version


def test_an_invalid_form_is_caught_by_odk_validate(monkeypatch):
    """The validation is real: an XPath pyxform passes but JavaRosa cannot parse fails in ODK Validate."""
    broken = F.Form(
        "lr_broken",
        "1",
        "Broken",
        m.ACCIDENT,
        (*F._meta(), F.Q("date", field="date", constraint=". >>= 0"), F.Q("acc_type", field="acc_type")),
    )
    monkeypatch.setitem(F.FORMS, "lr_broken", broken)
    assert F.convert("lr_broken").xform  # pyxform alone lets it through
    with pytest.raises(ValidationError, match="ODK Validate.*invalid constraint expression"):
        F.convert("lr_broken", validate=True)


def test_choice_lists_are_the_vocabularies():
    """Every select question of a model field lists exactly the vocabulary's codes, in its order."""
    for form_id, frm in F.FORMS.items():
        root = _xform(form_id)
        items: dict[str, list[str]] = {}
        for inst in root.findall("h:head/x:model/x:instance", NS):
            if inst.get("id"):
                items[inst.get("id")] = [i.findtext("x:name", namespaces=NS) for i in inst.iter(f"{{{NS['x']}}}item")]
        for path, q, ent, _ in frm.walk():
            if not isinstance(q, F.Q) or not q.field:
                continue
            f = ent.field(q.field)
            if f.vocab is not None:
                assert items[F.list_name(f.vocab)] == [c.value for c in f.vocab], (form_id, path)
            if f.type is m.FieldType.BOOL:
                assert items[F.YES_NO] == ["yes", "no"]


def test_required_questions_follow_the_model():
    for form_id, frm in F.FORMS.items():
        binds = {b.get("nodeset"): b for b in _xform(form_id).iter(f"{{{NS['x']}}}bind")}
        for path, q, ent, _ in frm.walk():
            if isinstance(q, F.Q) and q.field and ent.field(q.field).required and q.required is not False:
                assert binds[f"/data/{path}"].get("required") == "true()", (form_id, path)


def test_personal_data_is_flagged():
    binds = {b.get("nodeset"): b for b in _xform("lr_accident").iter(f"{{{NS['x']}}}bind")}
    flag = f"{{{F.PERSONAL_NS}}}personal"
    flagged = {n.rsplit("/", 1)[-1] for n, b in binds.items() if b.get(flag) == "true"}
    assert flagged == {f.name for f in m.VICTIM.fields if f.sensitive} == {"full_name", "birth_date", "address"}
    labels = {
        t.get("id"): t.findtext("x:value", namespaces=NS) for t in _xform("lr_accident").iter(f"{{{NS['x']}}}text")
    }
    assert labels["/data/victims/full_name:label"].endswith("(personal data)")


def test_translations_fill_a_language_and_fall_back_to_english(tmp_path):
    toml = tmp_path / "fr.toml"
    toml.write_text(
        '["French (fr)"]\n"Date of the accident" = "Date de l\'accident"\n'
        '"Anti-personnel mine" = "Mine antipersonnel"\n',
        encoding="utf-8",
    )
    tr = F.load_translations(toml)
    root = _xform("lr_accident", tr)
    langs = {t.get("lang"): t for t in root.iter(f"{{{NS['x']}}}translation")}
    assert set(langs) == {"English (en)", "French (fr)"}
    fr = {t.get("id"): t.findtext("x:value", namespaces=NS) for t in langs["French (fr)"]}
    assert fr["/data/accident/date:label"] == "Date de l'accident"
    assert fr["device_category-0"] == "Mine antipersonnel"
    assert fr["/data/accident/descr:label"] == "What happened"  # untranslated: English
    book = F.sheets("lr_accident", tr)
    assert "label::French (fr)" in book["survey"][2] and "label::French (fr)" in book["choices"][0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('French = "x"\n', "must be a table named like"),
        ('["French"]\n"Date" = "D"\n', "must be a table named like"),
        ('["French (fr)"]\n"Date" = 3\n', "must map to a text"),
        ("[[[", "not a TOML file"),
    ],
)
def test_bad_translation_files_say_what_to_fix(tmp_path, text, words):
    p = tmp_path / "t.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=words):
        F.load_translations(p)


def test_build_writes_xlsforms_that_convert_to_the_served_xform(tmp_path):
    built = F.build(tmp_path / "forms")
    assert [b.form_id for b in built] == list(F.FORMS)
    for b in built:
        wb = load_workbook(b.xlsx)
        assert wb.sheetnames == ["survey", "choices", "settings"]
        header = [c.value for c in wb["survey"][1]]
        assert "label::English (en)" in header and "hint::English (en)" in header
        settings = dict(zip([c.value for c in wb["settings"][1]], [c.value for c in wb["settings"][2]], strict=True))
        assert settings["form_id"] == b.form_id and settings["version"] == F.FORMS[b.form_id].version
        # the uploaded file (what Kobo / Central convert) gives the XForm the OpenRosa server serves
        from_file = pyxform_convert(str(b.xlsx), form_name="data").xform
        assert from_file == F.xform_xml(b.form_id) == b.xml.read_text(encoding="utf-8")


def test_build_refuses_a_file_as_directory(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValidationError, match="is a file"):
        F.build(f)


def test_unknown_form_lists_the_known_ones():
    with pytest.raises(ValidationError, match="unknown form 'x'; use one of: lr_hazard_area"):
        F.xform_xml("x")


def test_a_changed_form_has_a_new_version():
    """Submissions are read back by form id and version: a form whose questions change must get a new
    version. The fingerprint of each form's XForm is kept beside this test; when a form changes, bump
    its FORM version and refresh the file with LANDRELEASE_UPDATE_FORMS=1 pytest tests/formats/test_xlsform.py."""
    import os

    current = {
        fid: {"version": frm.version, "sha256": hashlib.sha256(F.xform_xml(fid).encode()).hexdigest()}
        for fid, frm in F.FORMS.items()
    }
    if os.environ.get("LANDRELEASE_UPDATE_FORMS") == "1":
        FINGERPRINTS.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    known = json.loads(FINGERPRINTS.read_text(encoding="utf-8"))
    for fid, now in current.items():
        was = known.get(fid)
        if was and was["sha256"] != now["sha256"]:
            assert was["version"] != now["version"], f"{fid} changed: give it a new version"
    assert set(known) == set(current), "refresh form_fingerprints.json (see this test's docstring)"


def test_translation_template_round_trips_and_blank_means_english(tmp_path):
    p = tmp_path / "es.toml"
    p.write_text(F.translation_template("Spanish (es)", {"Spanish (es)": {"Date found": "Fecha del hallazgo"}}))
    tr = F.load_translations(p)
    assert set(tr["Spanish (es)"]) == set(F.english_texts())
    assert tr["Spanish (es)"]["Date found"] == "Fecha del hallazgo" and tr["Spanish (es)"]["Victim"] == ""
    book = F.sheets("lr_eo_find", tr)
    date = next(r for r in book["survey"] if r.get("name") == "date")
    assert date["label::Spanish (es)"] == "Fecha del hallazgo"
    victim_free = next(r for r in book["survey"] if r.get("name") == "category")
    assert victim_free["label::Spanish (es)"] == victim_free["label::English (en)"]  # blank: English
    with pytest.raises(ValidationError, match="named like"):
        F.translation_template("Spanish")
