"""Values in words: field labels, vocabulary labels, numbers with their units and dates, in the
user's language, from the labels declared once in `domain/model.py` and `domain/vocab.py`.

Pages, the edit history and messages take their words from here; machine exports (GeoJSON, CSV,
GeoPackage) keep the stored codes, numbers and ISO 8601 dates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from landrelease import i18n
from landrelease.domain.model import BY_KIND, Field, FieldType
from landrelease.i18n import N_

#: Geometry columns of the audit trail, and what people call them.
GEOMETRY = {"geom": N_("Perimeter"), "rem_geom": N_("Remaining hazardous polygon")}
#: Audit actions as people say them (the `action` column of the edit history).
ACTIONS = {
    "create": N_("created"),
    "update": N_("edited"),
    "delete": N_("retired"),
    "progress": N_("progress recorded"),
    "release": N_("land released"),
    "restore": N_("restored"),
}
#: How a writer is named in the audit trail ("cli:root") → words for the channel.
CHANNELS = {
    "cli": N_("command line"),
    "web": N_("web"),
    "odk": N_("ODK Collect"),
    "test": N_("test"),
    "system": N_("system"),
}


def _(message: str, lang: str) -> str:
    return i18n.translations(lang).gettext(message)


#: (kind, field name) → Field: one dictionary look-up per value (a page formats thousands).
_FIELDS: dict[tuple[str, str], Field] = {(e.kind, f.name): f for e in BY_KIND.values() for f in e.fields}


def field(kind: str, name: str) -> Field | None:
    return _FIELDS.get((kind, name))


def field_label(kind: str, name: str, lang: str = i18n.SOURCE) -> str:
    """What people call field `name` of `kind` ("Cleared", "Hazard type"), translated."""
    if name in GEOMETRY:
        return _(GEOMETRY[name], lang)
    f = field(kind, name)
    return _(f.label, lang) if f is not None else name.replace("_", " ")


def vocab_label(f: Field, code: Any, lang: str = i18n.SOURCE) -> str:
    assert f.vocab is not None
    try:
        return _(f.vocab(code).label, lang)
    except ValueError:
        return str(code)  # a value the vocabulary no longer has: shown as stored


def value(kind: str, name: str, x: Any, lang: str = i18n.SOURCE) -> str:
    """A stored value in words: vocabulary labels, numbers with separators and units, dates per locale."""
    if x is None or x == "" or x == []:
        return ""
    f = field(kind, name)
    if f is None:
        return str(x)
    if f.type is FieldType.VOCAB:
        return vocab_label(f, x, lang)
    if f.type is FieldType.VOCAB_LIST:
        items = x if isinstance(x, list | tuple) else _items(str(x))
        return ", ".join(vocab_label(f, i, lang) for i in items)
    if f.type is FieldType.BOOL:
        return _("Yes", lang) if x else _("No", lang)
    if f.type is FieldType.DATE:
        return i18n.date(x, lang)
    if f.type in (FieldType.INT, FieldType.FLOAT):
        if f.unit == "m²":
            return i18n.area(x, lang)
        digits = 0 if f.type is FieldType.INT or float(x).is_integer() else 1
        out = i18n.number(x, lang, digits)
        return f"{out} {_(f.unit, lang)}" if f.unit else out
    return str(x)


def action(name: Any, lang: str = i18n.SOURCE) -> str:
    """An audit action in words ("progress" → "progress recorded")."""
    text = "" if name is None else str(name)
    return _(ACTIONS[text], lang) if text in ACTIONS else text


def _items(text: str) -> list[str]:
    """A vocabulary list as some encodings carry it: JSON text or comma-separated codes."""
    if text.startswith("["):
        try:
            return [str(i) for i in json.loads(text)]
        except ValueError:
            pass
    return [i.strip() for i in text.split(",") if i.strip()]


def actor(who: Any, lang: str = i18n.SOURCE) -> str:
    """A writer of the audit trail in words: "cli:root" → "root (command line)"; an account's name as it is."""
    text = "" if who is None else str(who)
    channel, sep, name = text.partition(":")
    if not sep or not name:
        return text
    return f"{name} ({_(CHANNELS.get(channel, channel), lang)})"


def _geodesic_m2(wkt: Any) -> float | None:
    if not wkt:
        return None
    import numpy as np
    import shapely

    from landrelease.geo.area import geodesic_area

    try:
        return float(geodesic_area(np.array([shapely.from_wkt(wkt)], dtype=object))[0])
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None


def change(kind: str, name: str, old: Any, new: Any, lang: str = i18n.SOURCE) -> str:
    """One change of the edit history in words: "Cleared: 0 m² → 3,004 m²"; a geometry as its
    area difference: "Perimeter changed: −1,250 m² (12,000 m² → 10,750 m²)"."""
    what = field_label(kind, name, lang)
    if name in GEOMETRY:
        a, b = _geodesic_m2(old), _geodesic_m2(new)
        changed = _("changed", lang)
        if a is None and b is None:
            return f"{what}: {changed}"
        if a is None or b is None:
            state = _("set", lang) if a is None else _("removed", lang)
            return f"{what}: {state} ({i18n.area(a if b is None else b, lang)})"
        diff = b - a
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        return f"{what} {changed}: {sign}{i18n.area(abs(diff), lang)} ({i18n.area(a, lang)} → {i18n.area(b, lang)})"
    before = value(kind, name, old, lang) or "—"
    after = value(kind, name, new, lang) or "—"
    return f"{what}: {before} → {after}"


def when(x: Any, lang: str = i18n.SOURCE) -> str:
    if isinstance(x, str):
        try:
            x = dt.datetime.fromisoformat(x)
        except ValueError:
            return x
    return i18n.date(x, lang)
