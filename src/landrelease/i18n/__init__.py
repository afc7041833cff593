"""The user's language: gettext catalogues in the package, words and numbers for people.

Catalogues are `landrelease/locale/<lang>/LC_MESSAGES/messages.po`, committed as text and compiled in
memory on first use (so the package works from a clean clone with `pip install -e .`, no build step).
English is the source language: its texts are the message ids. `python -m landrelease.i18n.extract`
rebuilds `locale/messages.pot` from the templates, the Python sources and the labels declared in
`domain/model.py` and `domain/vocab.py`, and merges it into every language's catalogue.

Terms follow the IMAS 04.10 glossary in each language where it has one (`docs/glossary.csv`). The
translations are the project's own (docs/translations.md): review by mine action staff who speak
the language is welcome.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
SOURCE = "en"
#: Language code → its own name (what the switcher shows). English is the source language.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "uk": "Українська",
    "ru": "Русский",
    "ar": "العربية",
    "es": "Español",
    "fr": "Français",
}
#: The Babel locale used for numbers and dates of each language (English dates as 15 Jan 2026:
#: day–month order reads the same in every programme).
FORMAT_LOCALE = {"en": "en_GB"}


def N_(message: str) -> str:  # noqa: N802 — the gettext convention for "translate later"
    """Marks a source string for the catalogues where it is declared; it is translated where shown."""
    return message


#: Units written after numbers (translated: "м²", "م²").
UNITS = (N_("m²"), N_("km²"))


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (fuzzy entries left out); English: the source texts."""
    path = catalogue_path(lang)
    if lang == SOURCE or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def supported(lang: str | None) -> str | None:
    """`lang` (or its base language: "uk-UA" → "uk") when Landrelease speaks it, else None."""
    if not lang:
        return None
    code = lang.strip().replace("_", "-").lower()
    if code in LANGUAGES:
        return code
    base = code.split("-")[0]
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, by quality (RFC 9110 §12.5.4)."""
    if not header:
        return None
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        m = re.search(r"q\s*=\s*([0-9.]+)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag))
    for _, _, tag in sorted(ranked):
        lang = supported(tag)
        if lang:
            return lang
    return None


def negotiate(query: str | None, cookie: str | None, accept: str | None, default: str = SOURCE) -> str:
    """The language of a request: `?lang=`, then the cookie the switcher sets, then the browser's
    Accept-Language, then the configured default."""
    return supported(query) or supported(cookie) or from_accept_language(accept) or supported(default) or SOURCE


#: Languages as XLSForm columns name them ("label::French (fr)").
XLSFORM_NAMES = {"uk": "Ukrainian", "ru": "Russian", "ar": "Arabic", "es": "Spanish", "fr": "French"}


def form_translations(texts: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The field forms' texts in every language from the catalogues, as `formats.xlsform` takes them
    ({"French (fr)": {english: french}}): the forms speak the same words as the pages."""
    return {
        f"{name} ({lang})": {text: translations(lang).gettext(text) for text in texts}
        for lang, name in XLSFORM_NAMES.items()
    }


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(FORMAT_LOCALE.get(lang, lang))


def direction(lang: str) -> str:
    """ "rtl" for languages written right to left (Arabic), else "ltr" (from CLDR, through Babel)."""
    return "rtl" if locale(lang).character_order == "right-to-left" else "ltr"


# ------------------------------------------------------------------------------------ numbers


def number(x: Any, lang: str = SOURCE, digits: int = 0) -> str:
    """A number for people: the language's separators, `digits` decimals; blank for none."""
    if x is None or x == "":
        return ""
    group, decimal = _symbols(lang)
    text = f"{float(x):,.{digits}f}"  # groups of three: true of every language here (CLDR #,##0)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


@cache
def _symbols(lang: str) -> tuple[str, str]:
    """The language's group and decimal separators (CLDR, Latin digits), looked up once: a page
    formats thousands of numbers and Babel's general formatter costs ~0.1 ms each."""
    loc = locale(lang)
    return get_group_symbol(loc, numbering_system="latn"), get_decimal_symbol(loc, numbering_system="latn")


def area(m2: Any, lang: str = SOURCE, gettext_: Any = None) -> str:
    """An area for people: whole m² with separators, km² (two decimals) from 1 km² up."""
    if m2 is None or m2 == "":
        return ""
    t = gettext_ or translations(lang).gettext
    v = float(m2)
    if abs(v) >= 1_000_000:
        return f"{number(v / 1_000_000, lang, 2)} {t('km²')}"
    return f"{number(v, lang)} {t('m²')}"


def date(d: Any, lang: str = SOURCE) -> str:
    """A date for people in the language's medium format ("15 Jan 2026", "15 січ. 2026 р.");
    files keep ISO 8601."""
    if d is None or d == "":
        return ""
    if isinstance(d, str):
        try:
            d = dt.date.fromisoformat(d[:10]) if len(d) <= 10 else dt.datetime.fromisoformat(d)
        except ValueError:
            return d
    if isinstance(d, dt.datetime):
        return format_datetime(d, "medium", locale=locale(lang), tzinfo=dt.UTC if d.tzinfo else None)
    return format_date(d, "medium", locale=locale(lang))


__all__ = [
    "LANGUAGES",
    "area",
    "date",
    "direction",
    "from_accept_language",
    "negotiate",
    "number",
    "supported",
    "translations",
]
