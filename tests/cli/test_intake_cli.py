"""`landrelease forms …` in a real subprocess: files written, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from landrelease.formats.xlsform import FORMS


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LANDRELEASE_USER="test:cli", COLUMNS="200")
    env.pop("LANDRELEASE_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "landrelease", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_forms_build_writes_every_form_with_translations(tmp_path):
    """The forms speak the catalogues' languages (issue 10); a translation file overrides a text."""
    tr = tmp_path / "uk.toml"
    tr.write_text('["Ukrainian (uk)"]\n"Date of the accident" = "Дата події (свій переклад)"\n', encoding="utf-8")
    proc = run("forms", "build", str(tmp_path / "out"), "--translations", str(tr))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{f}.xlsx" for f in FORMS] + [f"{f}.xml" for f in FORMS]
    )
    xml = (tmp_path / "out" / "lr_accident.xml").read_text(encoding="utf-8")
    assert "Дата події (свій переклад)" in xml  # the file's text wins over the catalogue's
    assert "Date de l'accident" in xml and "تاريخ الحادث" in xml  # the other languages from the catalogues
    counts = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if " texts translated" in line)
    assert set(counts) == {"Ukrainian (uk)", "Russian (ru)", "Arabic (ar)", "Spanish (es)", "French (fr)"}
    assert all(int(c.split()[0]) > 150 for c in counts.values()), counts


def test_forms_build_bad_translation_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('Ukrainian = "x"\n', encoding="utf-8")
    proc = run("forms", "build", str(tmp_path / "out"), "--translations", str(bad))
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "translations:" in lines[0], proc.stderr
    assert not Path(tmp_path / "out").exists()


def test_forms_list_names_every_form():
    proc = run("forms", "list")
    assert proc.returncode == 0 and all(f in proc.stdout for f in FORMS)


def test_intake_import_queues_once_and_bad_input_is_one_line(tmp_path):
    from fieldseed import seed
    from formats.test_field_exports import SUBMISSIONS, kobo_xlsx
    from landrelease.service import submissions
    from landrelease.service.store import open_store

    db = tmp_path / "record.db"
    s = open_store(str(db), actor="test:cli", init=True)
    seed(s)
    export = kobo_xlsx(tmp_path / "accidents.xlsx")
    proc = run("--db", str(db), "intake", "import", str(export), "--form", "lr_accident")
    assert proc.returncode == 0, proc.stderr
    assert "2 queued for review, 0 already in the queue" in proc.stdout
    proc = run("--db", str(db), "intake", "import", str(export), "--form", "lr_accident")
    assert proc.returncode == 0 and "0 queued for review, 2 already in the queue" in proc.stdout
    assert submissions.count(s) == 2

    bad = kobo_xlsx(tmp_path / "bad.xlsx", [{**SUBMISSIONS[0], "meta/instanceID": "uuid:new", "accident/area": "X-1"}])
    for args, words in (
        (["intake", "import", str(bad), "--form", "lr_accident"], "accident/area"),
        (["intake", "import", str(export), "--form", "lr_nope"], "unknown form 'lr_nope'"),
        (["intake", "import", str(tmp_path / "missing.csv"), "--form", "lr_accident"], "no such file"),
    ):
        proc = run("--db", str(db), *args)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], proc.stderr
    assert submissions.count(s) == 2
    s.close()


def test_intake_import_follows_the_roles(tmp_path):
    """On a record with accounts: a viewer may not queue submissions; an operator's are tagged with
    its organisation (as its phone's would be)."""
    from fieldseed import seed
    from formats.test_field_exports import SUBMISSIONS, kobo_xlsx
    from landrelease.service import submissions
    from landrelease.service.accounts import add_account
    from landrelease.service.store import open_store

    db = tmp_path / "record.db"
    s = open_store(str(db), actor="test:cli", init=True)
    c = seed(s)
    add_account(s, "donor", role="viewer", password="a long enough passphrase 1")
    add_account(s, "amina", role="operator_writer", organisation=c["org"], password="a long enough passphrase 2")
    export = kobo_xlsx(tmp_path / "accidents.xlsx", SUBMISSIONS[:1])
    proc = run("--db", str(db), "--as", "donor", "intake", "import", str(export), "--form", "lr_accident")
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 5 and len(lines) == 1 and "may not submit field forms" in lines[0], proc.stderr
    assert submissions.count(s) == 0
    proc = run("--db", str(db), "intake", "import", str(export), "--form", "lr_accident")
    assert proc.returncode != 0 and "--as" in proc.stderr  # a record with accounts: say who you are
    proc = run("--db", str(db), "--as", "amina", "intake", "import", str(export), "--form", "lr_accident")
    assert proc.returncode == 0, proc.stderr
    (row,) = submissions.listing(s)
    assert (row["org"], row["actor"], row["source"]) == (c["org"], "amina", "kobo-import")
    s.close()
