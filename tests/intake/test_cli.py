"""`landrelease forms …` in a real subprocess: files written, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from landrelease.intake.forms import FORMS


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LANDRELEASE_USER="test:cli", COLUMNS="200")
    env.pop("LANDRELEASE_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "landrelease", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_forms_build_writes_every_form_with_translations(tmp_path):
    tr = tmp_path / "uk.toml"
    tr.write_text('["Ukrainian (uk)"]\n"Date of the accident" = "Дата нещасного випадку"\n', encoding="utf-8")
    proc = run("forms", "build", str(tmp_path / "out"), "--translations", str(tr))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{f}.xlsx" for f in FORMS] + [f"{f}.xml" for f in FORMS]
    )
    assert "Дата нещасного випадку" in (tmp_path / "out" / "lr_accident.xml").read_text(encoding="utf-8")
    assert "Ukrainian (uk): 1 of" in proc.stdout


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
