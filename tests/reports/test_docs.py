"""Documentation that must stay true: the data model page is generated from the model, and every
CLI command appears in the README."""

from __future__ import annotations

from pathlib import Path

from landrelease.cli.main import app, areas_app
from landrelease.reports.datamodel import render

ROOT = Path(__file__).resolve().parent.parent.parent


def test_data_model_doc_matches_the_model():
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/data-model.md is stale: run python -m landrelease.reports.datamodel"


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [f"areas {c.name}" for c in areas_app.registered_commands]
    missing = [n for n in names if f"landrelease {n}" not in readme]
    assert not missing, f"README lacks: {missing}"
