"""The catalogue's source: every string people read, from the templates, the server's Python (marked
with `N_` or `_`) and the labels and help texts declared in `domain/model.py` and `domain/vocab.py`.

    python -m landrelease.i18n.extract          # rewrite locale/messages.pot, merge it into each language

A new string lands in every language's catalogue untranslated (the catalogue test then fails until
it is translated); a string no longer used leaves the catalogues.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from landrelease import i18n
from landrelease.auth.roles import ROLE_LABELS
from landrelease.domain import model, vocab

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "server" / "templates"
#: Python sources whose `N_("…")` and `_("…")` calls are messages.
PYTHON = (PACKAGE / "server", PACKAGE / "i18n")
JINJA_OPTIONS = {"trim_blocks": "True", "lstrip_blocks": "True", "extensions": "jinja2.ext.i18n"}

Message = tuple[str | tuple[str, str], str]  # (msgid or (singular, plural), where)


def _templates() -> Iterator[Message]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for path in sorted(TEMPLATES.glob("*.html")):
        with path.open("rb") as f:
            for lineno, message, _comments, _context in extract(
                babel_extract, f, keywords=keywords, options=JINJA_OPTIONS
            ):
                yield message, f"server/templates/{path.name}:{lineno}"


def _python() -> Iterator[Message]:
    keywords = {"N_": None, "_": None}
    for folder in PYTHON:
        for path in sorted(folder.glob("*.py")):
            with path.open("rb") as f:
                for lineno, message, _comments, _context in extract("python", f, keywords=keywords):
                    yield message, f"{path.relative_to(PACKAGE).as_posix()}:{lineno}"


def _domain() -> Iterator[Message]:
    for e in model.ENTITIES:
        where = f"domain/model.py:{e.kind}"
        yield e.label, where
        yield e.label_plural, where
        yield e.doc, where
        for f in e.fields:
            yield f.label, f"{where}.{f.name}"
            if f.help:
                yield f.help, f"{where}.{f.name}"
            if f.unit:
                yield f.unit, f"{where}.{f.name}"
    from landrelease.formats.xlsform import english_texts

    for text in english_texts():  # the field forms' questions, hints and messages (XLSForm labels)
        yield text, "formats/xlsform.py"
    for role, text in ROLE_LABELS.items():
        yield text, f"auth/roles.py:{role.name}"
    for name, cls in inspect.getmembers(vocab, inspect.isclass):
        if issubclass(cls, vocab.Vocab) and cls is not vocab.Vocab:
            for m in cls:
                yield m.label, f"domain/vocab.py:{name}.{m.name}"
                if m.help:
                    yield m.help, f"domain/vocab.py:{name}.{m.name}"


def catalogue() -> Catalog:
    """The template catalogue (what `messages.pot` holds), built from the sources as they are now."""
    cat = Catalog(project="Landrelease", version="0.1.0", copyright_holder="Landrelease contributors",
                  msgid_bugs_address="", fuzzy=False)  # fmt: skip
    for source in (_templates(), _python(), _domain()):
        for message, where in source:
            if not message or (isinstance(message, tuple) and not all(message)):
                continue
            path, _, line = where.rpartition(":")
            cat.add(message, locations=[(path, line)], flags=("python-format",) if _formatted(message) else ())
    return cat


def _formatted(message: str | tuple[str, str]) -> bool:
    text = message if isinstance(message, str) else message[0]
    return "%(" in text


def update() -> None:
    """Rewrite messages.pot and merge it into every language's catalogue (translations kept)."""
    template = catalogue()
    i18n.LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (i18n.LOCALE_DIR / "messages.pot").open("wb") as f:
        write_po(f, template, omit_header=False, sort_output=True, include_lineno=False, width=100)
    for lang in i18n.LANGUAGES:
        if lang == i18n.SOURCE:
            continue
        path = i18n.catalogue_path(lang)
        if path.is_file():
            with path.open("rb") as f:
                cat = read_po(f, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, project="Landrelease", fuzzy=False)
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, cat, sort_output=True, include_lineno=False, width=100, ignore_obsolete=True)


if __name__ == "__main__":
    update()
    print(f"{len(catalogue())} messages; catalogues in {i18n.LOCALE_DIR}")
