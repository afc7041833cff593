"""A plan's answers in plain words (issue 14): dates and ranges instead of P-values, why the plan starts
when it starts, what sets its pace, and what the technical figures mean.

Pure: takes the plan and its forecast, returns text. Used by `summary.md` (service.planning).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from landrelease.planning.capacity import TEAM_TYPES
from landrelease.planning.field import SURVEY, FieldPlan
from landrelease.planning.forecast import Forecast, percentiles

#: Share of the plan's span within which the last NTS must end for survey to count as setting the pace.
SURVEY_BOUND_SHARE = 0.1

TECHNICAL = {
    "gap to the certified bound": "how much better than this plan any plan of the same tasks could at most "
    "be, by a proof that does not depend on the planner; a large gap may be the plan's or the proof's",
    "priority-weighted exposure": "hazardous km² still open × their priority × the years they stay open, "
    "summed: lower is better, it falls when the most important land is released first",
    "P10 / P50 / P90": "in 1, 5 and 9 cases out of 10 of the simulated futures the date is reached by then",
}


def when(day: float, start: dt.date) -> str:
    """A plan day (from `start`) as a month, e.g. 'March 2041'; 'beyond the simulated horizon' if inf."""
    if not np.isfinite(day):
        return "beyond the simulated horizon"
    return (start + dt.timedelta(days=int(day))).strftime("%B %Y")


def completion(q: np.ndarray, start: dt.date) -> str:
    """'about 14 years, March 2041 (13–16 years in 8 cases out of 10: …)' from P10/P50/P90 days."""
    y = np.asarray(q, float) / 365.25
    if not np.isfinite(y[1]):
        return "not within the simulated horizon in most cases"
    mid = f"about {_years(y[1])}, {when(q[1], start)}"
    if not np.isfinite(y[2]):
        return f"{mid} (in more than 1 case out of 10 it is not clear within the simulated horizon)"
    return f"{mid} ({_span(y[0], y[2])} in 8 cases out of 10: between {when(q[0], start)} and {when(q[2], start)})"


def _years(y: float) -> str:
    if y < 1:
        return f"{max(1, round(y * 12))} months"
    return f"{y:.0f} year{'s' if round(y) != 1 else ''}" if y >= 3 else f"{y:.1f} years"


def _span(lo: float, hi: float) -> str:
    if hi < 3:
        return f"{lo:.1f}–{hi:.1f} years"
    return f"{lo:.0f}–{hi:.0f} years"


def start_reason(plan: FieldPlan) -> str:
    """Why the work starts when it starts."""
    t = plan.teams
    first = [st.start[st.team >= 0] for st in (plan.nts, plan.physical)]
    starts = np.concatenate(first) if any(f.size for f in first) else np.array([])
    if starts.size == 0:
        return f"Nothing is planned: no team can work any area from {plan.start}."
    d0 = float(starts.min())
    open_ended = np.isinf(t.last) & (t.first <= 0)
    why = (
        "the scenario's start date; the standing teams work from it"
        if open_ended.any()
        else f"the first deployment window opens on {plan.start + dt.timedelta(days=int(t.first.min()))}"
    )
    first_day = plan.start + dt.timedelta(days=int(np.floor(d0)))
    extra = "" if first_day == plan.start else f"; the first task starts on {first_day} (the first working day)"
    return f"The plan starts on {plan.start}: {why}{extra}."


def pace(plan: FieldPlan) -> str:
    """What sets the pace: survey when the region waits for its NTS, else the team type finishing last."""
    ph, nts, t = plan.physical, plan.nts, plan.teams
    done = ph.team >= 0
    if not done.any():
        return "No TS/clearance task is planned."
    end = float(np.max(ph.end[done]))
    n_survey = int((t.type_index == SURVEY).sum())
    planned_nts = nts.team >= 0
    if planned_nts.any():
        nts_end = float(np.max(nts.end[planned_nts]))
        if nts_end >= (1 - SURVEY_BOUND_SHARE) * end:
            return (
                f"Survey capacity sets the pace: {n_survey} survey team{'s' if n_survey != 1 else ''} "
                f"need{'s' if n_survey == 1 else ''} until {when(nts_end, plan.start)} for the "
                f"{int(planned_nts.sum()):,} suspected areas "
                "still to survey (NTS), and clearance waits for them; more survey teams, not more deminers, "
                "bring completion forward."
            )
    last = int(ph.team[done][np.argmax(ph.end[done])])
    kind = TEAM_TYPES[t.type_index[last]]
    same = int((t.type_index == t.type_index[last]).sum())
    return (
        f"{kind.upper() if kind in ('mdd', 'eod', 'bac') else kind.capitalize()} capacity sets the pace: the last "
        f"task ends on {when(end, plan.start)} on one of the {same} {kind} team{'s' if same != 1 else ''} "
        "(the areas only they can work, or the most work per team)."
    )


def plain_words(plan: FieldPlan, fc: Forecast) -> list[str]:
    """The lines `summary.md` opens with."""
    q = percentiles(fc.region_completion())
    return [
        f"- **The region is clear in {completion(q, plan.start)}.**",
        f"- {start_reason(plan)}",
        f"- {pace(plan)}",
    ]


def technical_notes() -> list[str]:
    return [f"- *{k}*: {v}." for k, v in TECHNICAL.items()]
