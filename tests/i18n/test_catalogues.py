"""The catalogues (issue 10): every string people read — in a template, a page's Python, or a label
or help text declared in domain/model.py and domain/vocab.py — is in every language's catalogue and
translated there, with the same %(name)s placeholders; the committed messages.pot is current."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from landrelease import i18n
from landrelease.i18n.extract import catalogue

LANGS = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE]


def _ids(cat) -> set:  # type: ignore[no-untyped-def]
    return {m.id for m in cat if m.id}


@pytest.fixture(scope="module")
def source():
    return catalogue()


def test_the_template_catalogue_is_current(source):
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        pot = read_po(f)
    assert _ids(pot) == _ids(source), "run: python -m landrelease.i18n.extract"


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated(source, lang):
    with i18n.catalogue_path(lang).open("rb") as f:
        cat = read_po(f, locale=lang)
    missing = sorted(str(x) for x in _ids(source) - _ids(cat))
    assert missing == [], f"{lang}: not in the catalogue (python -m landrelease.i18n.extract): {missing[:10]}"
    untranslated = [
        str(m.id)
        for m in cat
        if m.id and ("fuzzy" in m.flags or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    problems = [(str(m.id), [str(e) for e in errs]) for m, errs in cat.check()]
    braces = [  # the scripts' strings fill {name} placeholders (web/src/i18n.js)
        str(m.id)
        for m in cat
        if isinstance(m.id, str) and set(re.findall(r"\{\w+\}", m.id)) != set(re.findall(r"\{\w+\}", m.string))
    ]
    assert braces == [], f"{lang}: {{name}} placeholders differ from the English: {braces[:5]}"
    assert problems == [], f"{lang}: placeholders differ from the English: {problems[:5]}"


def test_every_label_and_vocabulary_value_is_in_the_catalogue(source):
    """The declarations themselves reach the catalogue (so a new field or code cannot slip past)."""
    from landrelease.domain import vocab
    from landrelease.domain.model import ENTITIES

    ids = _ids(source)
    assert all(f.label in ids for e in ENTITIES for f in e.fields)
    assert all(e.label in ids and e.label_plural in ids for e in ENTITIES)
    assert vocab.HazardStatus.HANDED_OVER.label in ids and vocab.Disposal.DESTROYED_IN_SITU.label in ids


@pytest.mark.parametrize("lang", LANGS)
def test_a_language_speaks_its_own_words(lang):
    t = i18n.translations(lang)
    assert t.gettext("Hazardous areas") != "Hazardous areas"
    assert t.gettext("Destroyed in situ") != "Destroyed in situ"


def test_language_negotiation():
    assert i18n.negotiate("ar", "uk", "fr") == "ar"  # ?lang= first
    assert i18n.negotiate("xx", "uk", "fr") == "uk"  # then the cookie
    assert i18n.negotiate(None, None, "de-CH, fr-CA;q=0.8, uk;q=0.9") == "uk"  # then Accept-Language by quality
    assert i18n.negotiate(None, None, "de", default="es") == "es"  # then the default
    assert i18n.negotiate(None, None, None, default="zz") == "en"
    assert i18n.direction("ar") == "rtl" and i18n.direction("uk") == "ltr"


def test_numbers_areas_and_dates_for_people():
    import datetime as dt

    assert i18n.number(3003.8971483655455, "en") == "3,004"
    assert i18n.number(1234.5, "fr", 1) == "1\u202f234,5"
    assert i18n.area(3003.8971483655455, "en") == "3,004 m²"
    assert i18n.area(2_500_000, "uk") == "2,50 км²"
    assert i18n.date(dt.date(2019, 1, 15), "en") == "15 Jan 2019"
    assert i18n.date("2019-01-15", "es") == "15 ene 2019"


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_fast_number_formatting_agrees_with_babel(lang):
    """`i18n.number` formats with the language's CLDR separators looked up once; Babel's general
    formatter is the reference."""
    from babel.numbers import format_decimal

    for x, digits in ((1234567.891, 1), (3003.8971, 0), (-1250.0, 0), (0.5, 2), (999.999, 2)):
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        assert i18n.number(x, lang, digits) == format_decimal(x, format=pattern, locale=i18n.locale(lang))
