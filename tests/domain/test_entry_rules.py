"""Entry rules (`landrelease.domain.entry_rules`), pure: codes (IMAS 05.10), dates, daily progress
(IMAS 09.10 / 08.10), location (IMAS 07.11), new hazardous areas and duplicates. Property tests where
the rule is a property (a normalised code is a fixed point; no control character ever survives)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from landrelease.domain import entry_rules as er
from landrelease.errors import ValidationError
from landrelease.geo.containment import distance_outside_many

TODAY = dt.date(2026, 12, 4)
RULES = er.EntryRules()


# ---- codes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("HA-2023-000617", "HA-2023-000617"),
        ("ha-2023-000617", "HA-2023-000617"),
        ("  HA-2023-000617 ", "HA-2023-000617"),
        ("ＨＡ－２０２３－０００６１７", "HA-2023-000617"),  # full-width, NFKC
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_codes_are_normalised(raw, want):
    assert er.normalise_code(raw) == want


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("HA-2023-000617\u200b", "U+200B"),  # zero-width space
        ("HA-2023-000617\r\n", "U+000D"),
        ("HA-2023\n-000617", "U+000A"),
        ("\ufeffHA-2023-000617", "U+FEFF"),  # BOM from a spreadsheet
        ("HA-2023-00\u00ad0617", "U+00AD"),  # soft hyphen
        ("HA 2023 000617", "' '"),
        ("HA_2023_000617", "'_'"),
        ("HA--2023", "hyphen"),
        ("-HA-2023", "hyphen"),
        ("HÀ-2023-000617", "'À'"),
    ],
)
def test_bad_codes_are_refused_naming_the_field_and_the_character(raw, needle):
    with pytest.raises(ValidationError, match="code") as exc:
        er.normalise_code(raw)
    assert exc.value.field == "code" and needle in str(exc.value)
    assert "\n" not in str(exc.value)


@given(st.text(max_size=30))
def test_a_normalised_code_is_clean_and_a_fixed_point(raw):
    try:
        code = er.normalise_code(raw)
    except ValidationError:
        return
    if code is None:
        return
    assert er.CODE_PATTERN.fullmatch(code)
    assert not any(unicodedata.category(c).startswith("C") for c in code)
    assert er.normalise_code(code) == code
    assert er.normalise_code(code.lower()) == code


@given(st.text(min_size=1, max_size=10), st.characters(categories=["Cc", "Cf"]), st.text(max_size=10))
def test_no_control_or_invisible_character_ever_passes(head, bad, tail):
    with pytest.raises(ValidationError):
        er.normalise_code(head + bad + tail)


def test_a_column_of_codes_names_the_row():
    with pytest.raises(ValidationError, match="row 2") as exc:
        er.normalise_codes(["HA-2026-000001", "HA-2026-000002\u200b"], field="area")
    assert exc.value.field == "area"


# ---- dates -------------------------------------------------------------------------------------------


def _dates(kind, n=1, **cols):
    return er.check_dates(kind, cols, n, TODAY, RULES)


def test_event_dates_not_after_today_with_a_day_for_time_zones():
    assert _dates("progress_report", date=[TODAY + dt.timedelta(days=1)]) == []
    (r,) = _dates("progress_report", date=[dt.date(2027, 12, 4)])
    assert r.field == "date" and "after today" in r.message and "working day (date)" in r.message
    strict = er.EntryRules(future_days=0)
    assert er.check_dates("eo_find", {"date": [TODAY + dt.timedelta(days=1)]}, 1, TODAY, strict)


def test_dates_before_the_programme_start_are_refused_but_not_births():
    (r,) = _dates("progress_report", date=[dt.date(1900, 1, 1)])
    assert r.field == "date" and "programme's start (1940-01-01)" in r.message
    assert _dates("victim", birth_date=[dt.date(1935, 5, 1)]) == []
    assert _dates("victim", birth_date=[dt.date(2030, 5, 1)])  # not born yet
    later = er.EntryRules(programme_start=dt.date(1995, 1, 1))
    assert er.check_dates("progress_report", {"date": [dt.date(1990, 6, 1)]}, 1, TODAY, later)


def test_future_ends_and_deadlines_are_allowed_and_activity_dates_follow_status():
    assert _dates("accreditation", valid_from=[dt.date(2026, 1, 1)], valid_to=[dt.date(2028, 1, 1)]) == []
    assert _dates("nonconformity", due=[dt.date(2027, 3, 1)]) == []
    future = dt.date(2027, 2, 1)
    assert _dates("activity", 2, status=["planned", "ongoing"], start=[future, TODAY]) == []
    (r,) = _dates("activity", 2, status=["planned", "ongoing"], start=[future, future])
    assert r.row == 1 and "ongoing activity" in r.message
    (r,) = _dates("activity", status=["completed"], start=[TODAY], end=[future])
    assert r.field == "end"


@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)))
def test_a_date_passes_exactly_when_it_lies_in_the_window(d):
    ok = RULES.programme_start <= d <= TODAY + dt.timedelta(days=RULES.future_days)
    assert (_dates("eo_find", date=[d]) == []) is ok


def test_reports_within_their_activity_dates():
    start, end = dt.date(2022, 3, 1), dt.date(2022, 9, 30)
    acts = ["ACT-1"] * 4
    got = er.check_within_activity(
        "progress_report",
        [dt.date(2022, 5, 1), dt.date(2022, 2, 28), dt.date(2026, 11, 1), dt.date(2026, 11, 1)],
        [start, start, start, start],
        [end, end, end, None],  # the last activity is still open: it may be reported on
        acts,
    )
    assert [r.row for r in got] == [1]
    assert "started on 2022-03-01" in got[0].message
    (late,) = er.check_within_activity("progress_report", [dt.date(2026, 11, 1)], [start], [end], acts[:1])
    assert "ended on 2022-09-30" in late.message and late.field == "date"


# ---- daily progress ----------------------------------------------------------------------------------


def test_progress_never_more_than_still_to_work():
    refusals, _ = er.check_progress(
        np.array([50_000.0]), np.array([12_450.0]), np.array([0.0]), ["manual"], ["ACT-1"], RULES
    )
    assert [r.field for r in refusals] == ["worked_m2", "worked_m2"]  # more than to work, and than a day
    assert "12,450 m²" in refusals[0].message
    # what was reported before counts: 12,000 worked, 450 left (+1 % slack for digitised areas)
    refusals, _ = er.check_progress(
        np.array([600.0, 400.0]), np.array([12_450.0] * 2), np.array([12_000.0] * 2), ["manual"] * 2, ["A"] * 2, RULES
    )
    assert [r.row for r in refusals] == [0]
    # unknown scope (an EOD spot task with no area): only the daily ceiling applies
    refusals, _ = er.check_progress(np.array([900.0]), np.array([np.nan]), np.array([0.0]), ["eod"], ["A"], RULES)
    assert refusals == []


def test_daily_ceiling_by_team_type_refuses_beyond_and_warns_near():
    worked = np.array([1_500.0, 1_700.0, 2_100.0, 9_000.0, 11_000.0])
    teams = ["manual", "manual", "manual", "mechanical", "mechanical"]
    refusals, notes = er.check_progress(worked, np.full(5, np.nan), np.zeros(5), teams, ["A"] * 5, RULES)
    assert [r.row for r in refusals] == [2]  # the first refusal of the rule; the batch is refused whole
    assert "a manual team works in a day (2,000 m² at most)" in refusals[0].message
    assert len(notes) == 1 and notes[0].startswith("row 2:") and "near" in notes[0]
    assert er.check_progress(np.array([1e6]), np.array([np.nan]), np.zeros(1), ["survey"], ["A"], RULES) == ([], [])
    assert er.check_progress(np.array([1e6]), np.array([np.nan]), np.zeros(1), [None], ["A"], RULES) == ([], [])


def test_team_type_falls_back_to_method_then_activity_type():
    assert er.team_types(["mdd", None, None, None], [None, "manual", None, None], ["ts", "clearance", "nts", None]) == [
        "mdd",
        "manual",
        "survey",
        None,
    ]


@given(
    st.lists(st.floats(min_value=0, max_value=5_000), min_size=1, max_size=30),
    st.floats(min_value=0, max_value=100_000),
)
def test_accepted_reports_never_sum_past_the_scope(days, scope):
    """Writing reports one by one, accepting only what the rule accepts, keeps the total within scope."""
    total = 0.0
    for w in days:
        refusals, _ = er.check_progress(np.array([w]), np.array([scope]), np.array([total]), [None], ["A"], RULES)
        if not refusals:
            total += w
    assert total <= scope * (1 + er.TO_WORK_SLACK) + 1.0


# ---- location ----------------------------------------------------------------------------------------


def test_location_within_tolerance_of_the_named_area():
    area = shapely.box(35.50, 51.40, 35.51, 51.41)
    inside = shapely.Point(35.505, 51.405)
    near = shapely.Point(35.5105, 51.405)  # ~35 m east of the edge
    far = shapely.Point(36.08, 51.405)  # ~40 km east
    d = distance_outside_many(np.array([inside, near, far, None], dtype=object), np.array([area] * 4, dtype=object))
    assert d[0] == 0 and 20 < d[1] < 50 and 39_000 < d[2] < 41_000 and np.isnan(d[3])
    (r,) = er.check_location("eo_find", d, ["HA-1"] * 4, RULES)
    assert r.row == 2 and r.field == "geometry" and "39.7 km outside HA-1" in r.message
    assert er.check_location("eo_find", d, ["HA-1"] * 4, er.EntryRules(location_tolerance_m=50_000)) == []


def test_worksite_polygon_reaching_outside_its_area():
    area = shapely.box(35.50, 51.40, 35.51, 51.41)
    site = shapely.box(35.505, 51.405, 35.52, 51.409)  # ~700 m beyond the east edge
    d = distance_outside_many(np.array([site], dtype=object), np.array([area], dtype=object))
    assert 650 < d[0] < 750
    assert er.check_location("activity", d, ["HA-1"], RULES)[0].message.startswith("the worksite lies")


def test_a_record_names_the_area_its_activity_works():
    assert er.check_same_area("eo_find", ["HA-1", None, "HA-2"], ["HA-1", "HA-9", None], ["A", "B", "C"]) == []
    (r,) = er.check_same_area("land_release", ["HA-2"], ["HA-1"], ["ACT-1"])
    assert r.field == "area" and "works hazardous area HA-1, not HA-2" in r.message


# ---- new hazardous areas -----------------------------------------------------------------------------


def test_new_areas_need_a_name_and_a_real_size():
    (r,) = er.check_new_areas({"name": ["", "Orchard"], "status": ["open"] * 2}, np.array([5e3, 5e3]), 2, RULES)
    assert r.row == 0 and r.field == "name"
    (r,) = er.check_new_areas({"name": ["Tiny"], "status": ["open"]}, np.array([0.06]), 1, RULES)
    assert r.field == "geometry" and "0.06 m²" in r.message


def test_a_new_area_starts_open_unless_its_released_figures_balance():
    cols = {"name": ["Handed"], "status": ["handed_over"]}
    (r,) = er.check_new_areas(cols, np.array([76_515.0]), 1, RULES)
    assert r.field == "status" and "76,515 m²" in r.message and "starts open" in r.message
    balanced = {**cols, "cancel_m2": [50_000.0], "reduce_m2": [20_000.0], "clear_m2": [6_515.0]}
    assert er.check_new_areas(balanced, np.array([76_515.0]), 1, RULES) == []
    short = {**cols, "cancel_m2": [50_000.0]}
    assert er.check_new_areas(short, np.array([76_515.0]), 1, RULES)


# ---- duplicates --------------------------------------------------------------------------------------


def test_exact_duplicates_refused_near_duplicates_flagged():
    cols = {"activity": ["a1", "a1", "a1"], "unit": [None] * 3, "date": [dt.date(2026, 5, 1)] * 3}
    cols["worked_m2"] = [120.0, 80.0, 120.0]
    keys = er.duplicate_keys("progress_report", cols, None, 3)
    refusals, notes = er.check_duplicates("progress_report", keys, {}, er.near_keys("progress_report", cols, 3))
    assert [r.row for r in refusals] == [2] and "rows 1 and 3" in refusals[0].message
    assert notes and "same team and day" in notes[0]
    refusals, _ = er.check_duplicates("progress_report", keys[:1], {keys[0]: "PR-2026-000001"})
    assert "already in the record as PR-2026-000001" in refusals[0].message


# ---- configuration -----------------------------------------------------------------------------------


def test_rules_from_settings():
    from landrelease.settings import load_settings

    env = {
        "LANDRELEASE_RULES_FUTURE_DAYS": "2",
        "LANDRELEASE_RULES_PROGRAMME_START": "1989-01-01",
        "LANDRELEASE_RULES_LOCATION_TOLERANCE_M": "250",
        "LANDRELEASE_RULES_DAILY_MAX_M2": "manual=1500, mechanical=8000",
    }
    r = load_settings(environ=env).entry_rules()
    assert r.future_days == 2 and r.programme_start == dt.date(1989, 1, 1) and r.location_tolerance_m == 250
    assert r.daily_max("manual") == 1500 and r.daily_max("mechanical") == 8000 and r.daily_max("mdd") == 1800
    assert load_settings(environ={}).entry_rules() == er.EntryRules()
    with pytest.raises(ValidationError) as exc:
        load_settings(environ={"LANDRELEASE_RULES_PROGRAMME_START": "last year"})
    assert exc.value.field == "LANDRELEASE_RULES_PROGRAMME_START"
    with pytest.raises(ValidationError):
        load_settings(environ={"LANDRELEASE_RULES_LOCATION_TOLERANCE_M": "-1"})
    with pytest.raises(ValidationError):
        er.EntryRules.from_values({"daily_max_m2": "manual=lots"})
