"""`landrelease forms` (build the XLSForms) and `landrelease intake` (import Kobo/Central exports):
thin adapters over `landrelease.formats.xlsform` and `landrelease.service.field_exports`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

forms_app = typer.Typer(no_args_is_help=True, help="Field forms for ODK Collect and KoboToolbox (XLSForm).")


@forms_app.command("build")
def build(
    directory: Annotated[
        Path, typer.Argument(help="Folder for FORM_ID.xlsx (upload to Kobo/Central) and FORM_ID.xml.")
    ],
    translations: Annotated[
        Path | None,
        typer.Option(
            help='TOML file of translated labels: a table per language, e.g. ["French (fr)"]; it overrides '
            "the built-in catalogues (Ukrainian, Russian, Arabic, Spanish, French), which are used without it."
        ),
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Check every form with ODK Validate (needs java).")
    ] = False,
) -> None:
    """Write the XLSForms: hazardous area, daily progress, EO find / spot task, accident, risk education, QA visit."""
    from rich.table import Table

    from landrelease import i18n
    from landrelease.cli.main import out
    from landrelease.formats.xlsform import FORMS, build, english_texts, load_translations

    tr = i18n.form_translations(english_texts())  # the same catalogues as the web pages
    for lang, table_ in (load_translations(translations) if translations else {}).items():
        tr[lang] = {**tr.get(lang, {}), **{k: v for k, v in table_.items() if v}}
    built = build(directory, tr, validate=validate)
    table = Table("form id", "version", "title", "XLSForm", title=f"Field forms written to {directory}")
    for b in built:
        table.add_row(b.form_id, b.version, FORMS[b.form_id].title, b.xlsx.name)
    out.print(table)
    texts = english_texts()
    for lang, table_ in tr.items():
        done = sum(1 for t in texts if table_.get(t) and table_[t] != t)
        out.print(f"{lang}: {done} of {len(texts)} texts translated (the rest in English)")
    if validate:
        out.print("Every form passed ODK Validate.")


@forms_app.command("texts")
def texts(
    language: Annotated[str, typer.Argument(help='Language as XLSForm names it, e.g. "French (fr)".')],
    translations: Annotated[
        Path | None, typer.Option(help="An existing translation file: its translations are kept.")
    ] = None,
) -> None:
    """Print a translation file (TOML) for a language: every English text of the forms, to fill in."""
    import sys

    from landrelease.formats.xlsform import load_translations, translation_template

    tr = load_translations(translations) if translations else None
    sys.stdout.write(translation_template(language, tr))


@forms_app.command("list")
def list_forms() -> None:
    """The forms, their ids and versions (what ODK Collect lists)."""
    from rich.table import Table

    from landrelease.cli.main import out
    from landrelease.formats.xlsform import FORMS

    table = Table("form id", "version", "title", "makes")
    for f in FORMS.values():
        table.add_row(f.form_id, f.version, f.title, f.doc)
    out.print(table)


def intake_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="KoboToolbox XLSX/CSV/GeoJSON/JSON or ODK Central CSV (.zip, or .csv with its repeat files)."
        ),
    ],
    form: Annotated[str, typer.Option("--form", help="Form id the export is of, e.g. lr_accident (forms list).")],
) -> None:
    """Queue every submission of a KoboToolbox / ODK Central export for review (all or none; replays add nothing)."""
    from landrelease.cli.main import out, store
    from landrelease.service.field_exports import import_export

    r = import_export(store(), file, form)
    out.print(
        f"{r.total:,} submission(s) of {form} read from {file} ({r.source}): {r.created:,} queued for review, "
        f"{r.replayed:,} already in the queue"
    )
