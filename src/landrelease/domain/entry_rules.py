"""Entry rules: what every new record must satisfy, whichever door it comes through.

The web form, the HTTP API, a file import, an approved field submission and the demo builder all
write through `landrelease.service.write`, which asks these pure functions (arrays in, refusals
and warnings out; no I/O). Each refusal is one line naming the field by a readable name and
saying what to fix. The standards the rules come from:

- **Codes** (IMAS 05.10 information management: one identifier per record, the same in every
  report and system): Unicode-normalised (NFKC), upper case, only ``A-Z 0-9 -``; a control or
  invisible character (a zero-width space pasted from a chat, a CR/LF from a spreadsheet) is
  refused, never stored — two spellings of one code would split a record's history.
- **Dates** (IMAS 05.10 data quality; the MDR date fields): what has happened is not dated after
  today (plus a tolerance for time zones: a field team east of the server already lives in
  tomorrow), and nothing is dated before the programme's start (a typo such as 0202 or 1900); a
  progress report, find or release lies within the dates of the activity it names (an activity
  with no end date is still open and may be reported on).
- **Daily progress** (IMAS 09.10 clearance, IMAS 08.10 non-technical survey, IMAS 07.11): the m²
  worked never exceed what the activity still has to work (its worksite, or its hazardous area
  less land released by other activities, less what it already reported); and one team's day has
  a ceiling by team type (`DAILY_MAX_M2`, from DOMAIN.md's planning figures): beyond it a refusal,
  near it a warning the review queue and the import report show.
- **Location** (IMAS 07.11 accounting, IMAS 08.10): a find, or an activity's worksite, lies within
  `location_tolerance_m` of the hazardous area (or activity) it names; a record naming both an
  activity and an area names the area the activity works.
- **Hazardous areas** (IMAS 07.11, IMAS 08.10): a new area has a name and a perimeter of at least
  `min_area_m2`; it starts open — only an import of historical closed or handed-over areas may
  carry another status, and then its cancelled + reduced + cleared figures must balance its area
  (otherwise its contamination would vanish from every national total).
- **Duplicates**: the same record twice (same kind, same key fields, same geometry) is refused;
  a near duplicate (same key, different figure) is flagged.

Configurable values live in one small frozen dataclass, `EntryRules`, with documented defaults.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from landrelease.domain.model import BY_KIND
from landrelease.domain.release import FULLY_RELEASED_M2
from landrelease.errors import ValidationError

# ---- configuration -----------------------------------------------------------------------------------

#: Ceiling of one team's worked m² in one day, by team type (`UnitType`). Refused beyond it; a
#: warning from `near_fraction` of it. Each is about twice the top planning figure of DOMAIN.md,
#: so that a good day passes and a typo (an extra zero, km² typed as m²) does not:
#: - manual 2,000: 40 deminers × 50 m²/deminer/day, the top of HALO Trust's 10–50 m² range;
#: - eod 2,000: EOD teams search by hand, as manual teams;
#: - bac 4,000: battle area clearance searches faster than mine clearance (twice the manual figure);
#: - mdd 1,800: twice a 2-dog team's 800–900 m²/day (NATO SFOR Bosnia, 2001);
#: - mechanical 10,000: twice the ≈5,000 m²/day of a 2-machine system (deminingsystems.co.uk);
#: - survey 2,000,000: non-technical survey walks whole villages' land; Ukraine 2023 surveyed
#:   > 50,000 km² with ~236 groups, ≈ 0.85 km² per group per working day (Interfax, DOMAIN.md);
#: - command: none (an echelon's report sums its teams).
DAILY_MAX_M2: dict[str, float] = {
    "manual": 2_000.0,
    "eod": 2_000.0,
    "bac": 4_000.0,
    "mdd": 1_800.0,
    "mechanical": 10_000.0,
    "survey": 2_000_000.0,
}
#: The team type a report stands for when it names no team: by the activity's method, else its type.
#: An unknown technical team gets the most generous technical ceiling (mechanical).
TEAM_OF_METHOD = {"manual": "manual", "mechanical": "mechanical", "mdd": "mdd", "combined": "mechanical"}
TEAM_OF_METHOD["visual"] = "survey"
TEAM_OF_ACTIVITY = {"nts": "survey", "ts": "mechanical", "clearance": "mechanical", "bac": "bac", "eod": "eod"}

#: Relative slack on "never more than still to work": polygons digitised by hand and geodesic vs.
#: planar areas differ by well under 1 %; 1 m² more absorbs rounding of the figures themselves.
TO_WORK_SLACK = 0.01


@dataclass(frozen=True)
class EntryRules:
    """The configurable values of the entry rules (settings ``rules_*`` / ``LANDRELEASE_RULES_*``,
    see `from_values`).

    - ``future_days``: dates may be this many days after the server's today (time zones; a report
      written just after midnight east of the server). Default 1.
    - ``programme_start``: no record is dated before it. Default 1940-01-01: early enough for the
      records a national programme inherits (post-1945 clearance of WWII battlefields, Indochina and
      Korea; Colombia's open data starts in 1990), late enough to refuse a typed century (1900, 0202).
      An authority sets its own (e.g. 1989 for Afghanistan's programme). Dates of birth are exempt.
    - ``location_tolerance_m``: how far (m) a find or worksite may lie outside the area it names.
      Default 100 m: consumer GNSS error (5–10 m) plus a benchmark or find recorded off the
      perimeter walk; 40 km means the wrong area.
    - ``min_area_m2``: the smallest hazardous area. Default 1 m²: the land release ledger already
      treats less than 1 m² remaining as fully released (`release.FULLY_RELEASED_M2`), so a smaller
      area could never be held open; a 0.06 m² "area" is a mistake of units or CRS.
    - ``daily_max_m2``: `DAILY_MAX_M2` by team type; ``near_fraction``: warn from this share of it.
    """

    future_days: int = 1
    programme_start: dt.date = dt.date(1940, 1, 1)
    location_tolerance_m: float = 100.0
    min_area_m2: float = FULLY_RELEASED_M2
    daily_max_m2: Mapping[str, float] = field(default_factory=lambda: dict(DAILY_MAX_M2))
    near_fraction: float = 0.8

    def __post_init__(self) -> None:
        if self.future_days < 0:
            raise ValidationError("cannot be negative", field="LANDRELEASE_RULES_FUTURE_DAYS")
        if self.location_tolerance_m < 0:
            raise ValidationError("cannot be negative", field="LANDRELEASE_RULES_LOCATION_TOLERANCE_M")
        if self.min_area_m2 < 0:
            raise ValidationError("cannot be negative", field="LANDRELEASE_RULES_MIN_AREA_M2")
        if not 0 < self.near_fraction <= 1:
            raise ValidationError("must be in (0, 1]", field="LANDRELEASE_RULES_NEAR_FRACTION")

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> EntryRules:
        """From the ``rules_*`` settings (`landrelease.settings.Settings`: a TOML file or the
        ``LANDRELEASE_RULES_*`` variables), keyed by field name; absent, None or blank → default.

        ``daily_max_m2`` is text of ``type=m2`` pairs, comma-separated (``manual=1500,mechanical=8000``);
        the team types it does not name keep their defaults."""
        kw: dict[str, Any] = {}
        for f in fields(cls):
            raw = values.get(f.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                if f.name == "programme_start":
                    kw[f.name] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
                elif f.name == "future_days":
                    kw[f.name] = int(raw)
                elif f.name == "daily_max_m2":
                    table = dict(DAILY_MAX_M2)
                    items = raw.items() if isinstance(raw, Mapping) else (p.partition("=")[::2] for p in raw.split(","))
                    for key, value in items:
                        table[str(key).strip().lower()] = float(value)
                    kw[f.name] = table
                else:
                    kw[f.name] = float(raw)
            except (TypeError, ValueError):
                raise ValidationError(f"{raw!r} is not a valid value", field=env_name(f.name)) from None
        return cls(**kw)

    def daily_max(self, team: str | None) -> float | None:
        return self.daily_max_m2.get(team) if team else None


def env_name(field_name: str) -> str:
    """The setting that carries an `EntryRules` field: ``LANDRELEASE_RULES_<FIELD>``."""
    return f"LANDRELEASE_RULES_{field_name.upper()}"


# ---- findings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    row: int  # 0-based row of the batch
    field: str
    message: str


def label(kind: str, name: str) -> str:
    """A field's readable name ("working day (date)") for messages, from its declaration."""
    try:
        doc = BY_KIND[kind].field(name).doc
    except KeyError:
        return name
    doc = doc.split(" (")[0].split(",")[0]
    return f"{doc[0].lower()}{doc[1:]} ({name})"


def raise_first(refusals: Sequence[Refusal], n: int) -> None:
    """Raise one ValidationError for the first refusal (naming its row when the batch has several)."""
    if not refusals:
        return
    first = min(refusals, key=lambda r: r.row)
    row = f"row {first.row + 1}: " if n > 1 else ""
    more = f" (and {len(refusals) - 1} more problems)" if len(refusals) > 1 else ""
    raise ValidationError(f"{row}{first.message}{more}", field=first.field)


# ---- codes -------------------------------------------------------------------------------------------

CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def normalise_code(raw: Any, *, field: str = "code") -> str | None:
    """A human code as stored: NFKC, upper case, only A-Z 0-9 and single hyphens (IMAS 05.10).

    Ordinary spaces around it are dropped; a control or invisible character anywhere (category C:
    CR, LF, TAB, zero-width space, soft hyphen, BOM, bidi marks) is refused with its code point,
    since two records whose codes look the same but differ would split one history in two.
    Blank → None (the store assigns a code)."""
    if raw is None:
        return None
    text = str(raw)
    for pos, ch in enumerate(text):
        if unicodedata.category(ch).startswith("C"):
            name = unicodedata.name(ch, "control character")
            raise ValidationError(
                f"{text.strip()!r} holds an invisible or control character (U+{ord(ch):04X} {name}) at position "
                f"{pos + 1}; retype the code with letters, digits and hyphens only",
                field=field,
            )
    text = unicodedata.normalize("NFKC", text).strip(" ").upper()
    if not text:
        return None
    if not CODE_PATTERN.fullmatch(text):
        bad = next((c for c in text if not (c.isascii() and (c.isalnum() or c == "-"))), None)
        what = f"the character {bad!r}" if bad else "a hyphen at the start or end, or two in a row"
        raise ValidationError(
            f"{text!r} is not a code: it holds {what}; codes are letters A-Z, digits and single hyphens "
            "(e.g. HA-2026-000123)",
            field=field,
        )
    return text


def normalise_codes(values: Sequence[Any], *, field: str = "code") -> list[str | None]:
    """`normalise_code` over a column; an error names the row."""
    out: list[str | None] = []
    seen: dict[str, str | None] = {}  # references repeat (one activity, thousands of reports): check each once
    for i, v in enumerate(values):
        if isinstance(v, str) and v in seen:
            out.append(seen[v])
            continue
        if isinstance(v, str) and v.isascii() and CODE_PATTERN.fullmatch(v):  # already clean: the common case
            seen[v] = v
            out.append(v)
            continue
        try:
            out.append(normalise_code(v, field=field) if v is None or isinstance(v, str) else v)
        except ValidationError as exc:
            prefix = f"row {i + 1}: " if len(values) > 1 else ""
            raise ValidationError(prefix + exc.message, field=field) from None
    return out


# ---- dates -------------------------------------------------------------------------------------------

#: Dates of things that have happened (never after today), per kind. Activity dates depend on its
#: status (`ACTIVITY_DATES_BY_STATUS`); end dates, expiries and deadlines may lie ahead.
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "hazardous_area": ("reported",),
    "progress_report": ("date",),
    "land_release": ("date",),
    "eo_find": ("date",),
    "accident": ("date",),
    "victim": ("birth_date",),
    "risk_education": ("date",),
    "qa_visit": ("date",),
    "nonconformity": ("closed",),
    "qualification": ("awarded",),
}
#: An activity that has begun has a start in the past; one that is over has an end in the past.
ACTIVITY_DATES_BY_STATUS: dict[str, tuple[str, ...]] = {
    "ongoing": ("start",),
    "suspended": ("start",),
    "completed": ("start", "end"),
}
#: Dates exempt from the programme start (people are born before programmes begin).
NOT_PROGRAMME_DATES = frozenset({("victim", "birth_date")})


def as_days(values: Sequence[Any]) -> np.ndarray:
    """A column of dates (date, datetime, ISO text or None) as datetime64[D] (NaT for None)."""
    if all(v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)) for v in values):
        return np.array(values, dtype="datetime64[D]")  # one pass in numpy (None → NaT)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    for i, v in enumerate(values):
        if v is None or v == "":
            continue
        if isinstance(v, dt.datetime):
            v = v.date()
        out[i] = np.datetime64(v if isinstance(v, dt.date) else str(v)[:10], "D")
    return out


def check_dates(
    kind: str, columns: Mapping[str, Sequence[Any]], n: int, today: dt.date, rules: EntryRules
) -> list[Refusal]:
    """Event dates not after today (+ `future_days`); no date before `programme_start`."""
    out: list[Refusal] = []
    entity = BY_KIND[kind]
    latest = np.datetime64(today + dt.timedelta(days=rules.future_days), "D")
    earliest = np.datetime64(rules.programme_start, "D")
    status = np.array(columns.get("status") or [None] * n, dtype=object) if kind == "activity" else None
    for f in entity.fields:
        if f.type.value != "date" or f.name not in columns:
            continue
        days = as_days(columns[f.name])
        have = ~np.isnat(days)
        if (kind, f.name) not in NOT_PROGRAMME_DATES:
            for i in np.flatnonzero(have & (days < earliest))[:1]:
                out.append(
                    Refusal(
                        int(i),
                        f.name,
                        f"{label(kind, f.name)} {days[i]} is before the programme's start ({rules.programme_start}); "
                        "check the year",
                    )
                )
        future = have & (days > latest)
        if kind == "activity":
            applies = np.array([f.name in ACTIVITY_DATES_BY_STATUS.get(s or "", ()) for s in status], dtype=bool)
            future &= applies
        elif f.name not in EVENT_DATES.get(kind, ()):
            continue
        for i in np.flatnonzero(future)[:1]:
            why = (
                f"a {status[i]} activity's {f.name} date cannot lie in the future"
                if kind == "activity"
                else "what has happened cannot be dated in the future"
            )
            out.append(
                Refusal(
                    int(i),
                    f.name,
                    f"{label(kind, f.name)} {days[i]} is after today ({today}); {why} — check the year and month",
                )
            )
    return out


def check_within_activity(
    kind: str,
    dates: Sequence[Any],
    act_start: Sequence[Any],
    act_end: Sequence[Any],
    act_codes: Sequence[str | None],
) -> list[Refusal]:
    """A progress report, find or release dated within its activity's start and end (inclusive);
    an activity with no end date is still open and may be reported on up to today."""
    d, s, e = as_days(dates), as_days(act_start), as_days(act_end)
    early = ~np.isnat(d) & ~np.isnat(s) & (d < s)
    late = ~np.isnat(d) & ~np.isnat(e) & (d > e)
    out: list[Refusal] = []
    for i in np.flatnonzero(early | late)[:1]:
        when = f"started on {s[i]}" if early[i] else f"ended on {e[i]}"
        fix = "correct the date or the activity" if early[i] else "correct the date, or reopen the activity"
        out.append(
            Refusal(
                int(i),
                "date",
                f"{label(kind, 'date')} {d[i]} lies outside activity {act_codes[i]}, which {when}; {fix}",
            )
        )
    return out


# ---- daily progress ----------------------------------------------------------------------------------


def team_types(unit_type: Sequence[Any], method: Sequence[Any], act_type: Sequence[Any]) -> list[str | None]:
    """The team type each report stands for: its team's type, else the activity's method, else its type."""
    return [
        u or TEAM_OF_METHOD.get(m or "") or TEAM_OF_ACTIVITY.get(a or "")
        for u, m, a in zip(unit_type, method, act_type, strict=True)
    ]


def check_progress(
    worked_m2: np.ndarray,
    scope_m2: np.ndarray,
    before_m2: np.ndarray,
    teams: Sequence[str | None],
    act_codes: Sequence[str | None],
    rules: EntryRules,
) -> tuple[list[Refusal], list[str]]:
    """Daily progress (IMAS 09.10, 08.10): each report's worked m² never takes its activity past what
    it had to work (``scope_m2``: its worksite, or its area less what other activities released; NaN
    when unknown) given what it reported before (``before_m2``, in the record and earlier in the
    batch), nor past its team type's daily ceiling; near the ceiling a warning."""
    worked = np.asarray(worked_m2, dtype=float)
    scope = np.asarray(scope_m2, dtype=float)
    before = np.asarray(before_m2, dtype=float)
    refusals: list[Refusal] = []
    notes: list[str] = []
    over = ~np.isnan(scope) & (worked + before > np.maximum(scope, 0.0) * (1 + TO_WORK_SLACK) + 1.0)
    for i in np.flatnonzero(over)[:1]:
        left = max(scope[i] - before[i], 0.0)
        refusals.append(
            Refusal(
                int(i),
                "worked_m2",
                f"{label('progress_report', 'worked_m2')} {worked[i]:,.0f} m² is more than activity {act_codes[i]} "
                f"still has to work ({left:,.0f} m² of {max(scope[i], 0.0):,.0f} m²); check the figure "
                "(m², not km² or ha)",
            )
        )
    cap = np.array([rules.daily_max(t) or np.nan for t in teams], dtype=float)
    beyond = ~np.isnan(cap) & (worked > cap)
    for i in np.flatnonzero(beyond)[:1]:
        refusals.append(
            Refusal(
                int(i),
                "worked_m2",
                f"{label('progress_report', 'worked_m2')} {worked[i]:,.0f} m² is more than a {teams[i]} team works in "
                f"a day ({cap[i]:,.0f} m² at most); check the figure, or report each day separately",
            )
        )
    near = ~np.isnan(cap) & ~beyond & (worked >= rules.near_fraction * cap)
    if near.any():
        i = int(np.flatnonzero(near)[0])
        others = f" (and {int(near.sum()) - 1} more reports)" if near.sum() > 1 else ""
        notes.append(
            f"row {i + 1}: {worked[i]:,.0f} m² in a day is near a {teams[i]} team's ceiling ({cap[i]:,.0f} m²); "
            f"check it{others}"
        )
    return refusals, notes


# ---- location ----------------------------------------------------------------------------------------


def check_location(kind: str, distance_m: np.ndarray, names: Sequence[str | None], rules: EntryRules) -> list[Refusal]:
    """A find or worksite within `location_tolerance_m` of the area or activity it names (IMAS 07.11):
    ``distance_m`` is how far each reaches outside it (NaN: nothing to compare)."""
    d = np.asarray(distance_m, dtype=float)
    far = ~np.isnan(d) & (d > rules.location_tolerance_m)
    out: list[Refusal] = []
    what = {"eo_find": "the find", "activity": "the worksite"}.get(kind, f"the {kind.replace('_', ' ')}")
    for i in np.flatnonzero(far)[:1]:
        dist = f"{d[i] / 1000:,.1f} km" if d[i] >= 1000 else f"{d[i]:,.0f} m"
        out.append(
            Refusal(
                int(i),
                "geometry",
                f"{what} lies {dist} outside {names[i]}, which it names (at most {rules.location_tolerance_m:g} m "
                "allowed); check the coordinates, or name the area it lies in",
            )
        )
    return out


def check_same_area(
    kind: str, area: Sequence[str | None], act_area: Sequence[str | None], act: Sequence[Any]
) -> list[Refusal]:
    """A record naming both an activity and a hazardous area names the area that activity works."""
    for i, (a, b) in enumerate(zip(area, act_area, strict=True)):
        if a and b and a != b:
            return [
                Refusal(
                    i,
                    "area",
                    f"activity {act[i]} works hazardous area {b}, not {a}; name the activity's area, or the "
                    "activity that works this area",
                )
            ]
    return []


# ---- hazardous areas ---------------------------------------------------------------------------------


def check_new_areas(
    columns: Mapping[str, Sequence[Any]], area_m2: np.ndarray, n: int, rules: EntryRules
) -> list[Refusal]:
    """A new hazardous area has a name, a perimeter of at least `min_area_m2`, and starts open
    unless it is a historical import whose released figures balance its area (IMAS 07.11)."""
    out: list[Refusal] = []
    names = columns.get("name") or [None] * n
    blank = [i for i, v in enumerate(names) if v is None or not str(v).strip()]
    if blank:
        out.append(
            Refusal(blank[0], "name", f"{label('hazardous_area', 'name')} is missing; give the area its local name")
        )
    area = np.asarray(area_m2, dtype=float)
    for i in np.flatnonzero(area < rules.min_area_m2)[:1]:
        out.append(
            Refusal(
                int(i),
                "geometry",
                f"the perimeter encloses {area[i]:,.2f} m², less than the smallest hazardous area "
                f"({rules.min_area_m2:g} m²); check the coordinates' units and CRS",
            )
        )
    status = [s or "open" for s in (columns.get("status") or ["open"] * n)]
    released = np.zeros(n)
    for name in ("cancel_m2", "reduce_m2", "clear_m2"):
        raw = columns.get(name)
        if raw:
            released += np.array([0.0 if v is None else float(v) for v in raw], dtype=float)
    slack = area * 1e-3 + FULLY_RELEASED_M2
    for i, s in enumerate(status):
        if s != "open" and abs(area[i] - released[i]) > slack[i]:
            out.append(
                Refusal(
                    i,
                    "status",
                    f"a new hazardous area starts open; a {s.replace('_', ' ')} area can only be imported with "
                    f"its released figures (cancel_m2 + reduce_m2 + clear_m2 = {area[i]:,.0f} m², its area; "
                    f"given {released[i]:,.0f} m²) — record it open and release its land, or import its figures",
                )
            )
            break
    return out


# ---- duplicates --------------------------------------------------------------------------------------

#: The fields that identify a record of each kind: the same values (and the same geometry, for
#: kinds with one) twice is the same record entered twice. Near-duplicate keys drop the figure.
DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "hazardous_area": (),  # the same perimeter is the same land, whatever else is said of it
    "progress_report": ("activity", "unit", "date", "worked_m2"),
    "eo_find": ("category", "date", "activity", "area"),
    "activity": ("act_type", "area", "org", "unit", "start", "ref_lon", "ref_lat"),
    "accident": ("date", "acc_type"),
    "risk_education": ("date", "org", "method", "girls", "boys", "women", "men"),
}
NEAR_DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "progress_report": ("activity", "unit", "date"),
}


def duplicate_keys(kind: str, columns: Mapping[str, Sequence[Any]], wkb: Sequence[Any] | None, n: int) -> list[tuple]:
    """One hashable key per row: the kind's key fields, then the normalised geometry (WKB)."""
    names = DUPLICATE_KEYS[kind]
    cols = [list(columns.get(k) or [None] * n) for k in names]
    geo = list(wkb) if wkb is not None else [None] * n
    return [tuple(_key(c[i]) for c in cols) + (geo[i],) for i in range(n)]


def near_keys(kind: str, columns: Mapping[str, Sequence[Any]], n: int) -> list[tuple] | None:
    names = NEAR_DUPLICATE_KEYS.get(kind)
    if names is None:
        return None
    cols = [list(columns.get(k) or [None] * n) for k in names]
    return [tuple(_key(c[i]) for c in cols) for i in range(n)]


def _key(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 3)
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    return v


def check_duplicates(
    kind: str,
    keys: Sequence[tuple],
    existing: Mapping[tuple, str],
    near: Sequence[tuple] | None = None,
    existing_near: Mapping[tuple, str] | None = None,
) -> tuple[list[Refusal], list[str]]:
    """Refuse a row whose key is already in the record (``existing``: key → code) or earlier in the
    batch; note a row whose near key is (same day, same team, another figure)."""
    seen: dict[tuple, int] = {}
    refusals: list[Refusal] = []
    what = kind.replace("_", " ")
    for i, k in enumerate(keys):
        if k in existing:
            refusals.append(
                Refusal(
                    i,
                    "geometry" if kind == "hazardous_area" else "code",
                    f"the same {what} is already in the record as {existing[k]}; an exact duplicate is "
                    "refused — edit that record instead",
                )
            )
            break
        if k in seen:
            refusals.append(
                Refusal(
                    i,
                    "geometry" if kind == "hazardous_area" else "code",
                    f"the same {what} appears twice in the input (rows {seen[k] + 1} and {i + 1}); drop one",
                )
            )
            break
        seen[k] = i
    notes: list[str] = []
    if near is not None:
        near_seen: dict[tuple, int] = {}
        for i, k in enumerate(near):
            other = (existing_near or {}).get(k) or (f"row {near_seen[k] + 1}" if k in near_seen else None)
            if other:
                notes.append(
                    f"row {i + 1}: another {what} of the same team and day exists ({other}); "
                    "check it is not a duplicate"
                )
                break
            near_seen.setdefault(k, i)
    return refusals, notes
