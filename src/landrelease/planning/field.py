"""The field plan: survey and clearance tasks on real teams, calendars, deployment windows, travel.

Stages (IMAS 07.11): every SHA not yet surveyed gets an NTS task (survey teams); every area gets a
physical task — TS and clearance, sized by the expected release (`release`) in clearance-equivalent
m² — for the other teams, which may start only once the area's NTS is done. Each stage is the
R|M_j|Σ w_j C_j problem of `instance`/`solve`: processing time = work / team rate + mobilisation
(setup days + travel from the team's base), scaled to calendar days by the team's mean working
factor. The schedule is then *realised* on each team's capacity curve (`calendar`): weekends,
season, expected weather stand-downs and the deployment window. A task that does not fit inside its
team's window is taken off that team and the stage is solved again; what fits nowhere is reported
as not planned (what is left after the deployment).

The bound: Σ w_j X_j, X_j the task's end in working days on one calendar clock shared by all teams
(a team's own curve — window, margin — never runs faster than it), is bounded below by relaxations of
R|M_j|Σ w_j C_j on the working-day durations that keep what is cheap to keep: each team's window opening
as a release date (no work before it) and the work its window holds as a capacity (Lagrangian), and
NTS precedence as "NTS end + the shortest TS/clearance task" for the areas that wait for survey
(`_bound`, `bound.windowed_bound`). Every piece is a certified Skutella CQP bound, valid for every plan
of these tasks; `gap` compares it with the plan's working-day objective. Still relaxed: the exact
calendar inside the window, travel order, and the interaction of NTS release times with clearance
sequencing — so the gap of a survey-bound plan remains mostly the bound's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from landrelease.errors import ValidationError
from landrelease.planning.calendar import Calendar, Curves, curve, window_mask
from landrelease.planning.capacity import TEAM_TYPES
from landrelease.planning.instance import Instance
from landrelease.planning.productivity import PERSON_BASIS, RateTable
from landrelease.planning.release import Expected
from landrelease.planning.schedule import spreadsheet_rule
from landrelease.planning.solve import solve

SURVEY = TEAM_TYPES.index("survey")
EOD = TEAM_TYPES.index("eod")
INF = np.inf
#: Ready days × this in the second look at a team's order (`_dispatch`): survey's P90 slowdown.
SURVEY_HEDGE = 1.5
#: The NTS orders the planner tries (the plan with the lower objective is kept), in plain words.
NTS_ORDERS = {
    "physical": "for clearance (clearance's priority order)",
    "nts": "by its own Smith ratio (what survey finishes soonest per unit of weight)",
}


@dataclass(frozen=True)
class Areas:
    """Open hazardous areas: code, remaining m², land class 0–3, location, NTS needed, IED, region."""

    code: np.ndarray
    remaining: np.ndarray
    land_class: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    needs_nts: np.ndarray
    ied: np.ndarray
    region: np.ndarray

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Teams:
    """Working teams (sections of units): type index, rate multiplier, base, window (days from start)."""

    code: np.ndarray
    unit: np.ndarray
    type_index: np.ndarray
    size: np.ndarray  # deminers (person-basis types) or 1 (team-basis)
    base_lon: np.ndarray
    base_lat: np.ndarray
    first: np.ndarray
    last: np.ndarray  # inf = open-ended

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Travel:
    setup_days: float = 0.5  # mobilisation per task (ASSUMPTION, assumptions.TRAVEL_SOURCES)
    km_per_day: float = 100.0  # moving a team and its kit (ASSUMPTION)
    visit_days: float = 1.0  # NTS: days per area visit on top of its area rate (ASSUMPTION)


def expand_units(code, unit_type, people, base_lon, base_lat, first, last, rates: RateTable, section: float = 10):
    """Units → teams: person-basis units split in sections of ~`section` people, others in teams."""
    rows = []
    seen: dict[str, int] = {}  # a unit listed twice (capacity scaled up) continues its numbering
    for u, t, n, blon, blat, f, la in zip(code, unit_type, people, base_lon, base_lat, first, last, strict=True):
        if t not in TEAM_TYPES:
            continue
        n = float(n or 0) or (section if t in PERSON_BASIS else rates.size[t])
        if t in PERSON_BASIS:
            k = max(1, int(round(n / section)))
            each = n * rates.size[t] / k
        else:
            k = max(1, int(round(n / rates.size[t])))
            each = 1.0
        first_no = seen.get(u, 0)
        seen[u] = first_no + k
        for i in range(first_no, first_no + k):
            rows.append((f"{u}/{i + 1}", u, TEAM_TYPES.index(t), each, blon, blat, f, la))
    if not rows:
        raise ValidationError("the scenario has no working team (manual, mechanical, MDD, EOD, BAC or survey)")
    cols = list(zip(*rows, strict=True))
    return Teams(
        np.array(cols[0], dtype=object),
        np.array(cols[1], dtype=object),
        np.array(cols[2], dtype=np.int64),
        np.array(cols[3], float),
        np.array(cols[4], float),
        np.array(cols[5], float),
        np.array(cols[6], float),
        np.array(cols[7], float),
    )


def distance_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance (haversine, km); NaN bases count as 0 km."""
    la1, la2 = np.radians(lat1), np.radians(lat2)
    dlat = la2 - la1
    dlon = np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(dlon / 2) ** 2
    return np.nan_to_num(2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


@dataclass
class Stage:
    """One stage's tasks: area index per job, durations (working days) per job × team."""

    name: str
    area: np.ndarray
    work_days: np.ndarray  # (n_jobs, n_teams), inf = ineligible
    setup: np.ndarray  # (n_jobs, n_teams) travel + mobilisation days, included in work_days
    team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # assigned team, -1 = not planned
    start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pos: np.ndarray = field(default_factory=lambda: np.zeros(0))  # working position (days) at the end


@dataclass
class FieldPlan:
    start: dt.date
    areas: Areas
    teams: Teams
    weight: np.ndarray
    expected: Expected
    calendar: Calendar
    rates: RateTable
    nts: Stage
    physical: Stage
    objective: float  # Σ w_j C_j over planned physical tasks, C in calendar days
    objective_wd: float  # the same with C in working days of the team (what the bound bounds)
    bound: float
    bound_method: str
    n_days: int
    sequences: dict[str, list[np.ndarray]]  # per stage, per team: job indices in order
    notes: list[str]

    @property
    def gap(self) -> float:
        return 0.0 if self.objective_wd <= 0 else (self.objective_wd - self.bound) / self.objective_wd

    def date(self, day) -> np.ndarray:
        d = np.asarray(day, dtype=float)
        out = np.full(d.shape, None, dtype=object)
        ok = np.isfinite(d)
        base = np.datetime64(self.start, "D")
        out[ok] = (base + np.floor(d[ok]).astype("timedelta64[D]")).astype(object)
        return out


def team_rates(teams: Teams, rates: RateTable) -> np.ndarray:
    """(n_teams, 4) m² per working day of each team by land class."""
    return rates.value()[teams.type_index] * teams.size[:, None]


def stage_durations(areas: Areas, teams: Teams, rates: RateTable, work, travel: Travel, *, nts: bool):
    tr = team_rates(teams, rates)[:, areas.land_class].T  # (n_areas, n_teams)
    is_survey = teams.type_index == SURVEY
    ok = (tr > 0) & (is_survey[None, :] if nts else ~is_survey[None, :])
    if not nts:
        ok &= ~areas.ied[:, None] | (teams.type_index == EOD)[None, :]  # IEDs: EOD teams (IMAS 09.30)
    km = distance_km(teams.base_lon[None, :], teams.base_lat[None, :], areas.lon[:, None], areas.lat[:, None])
    setup = travel.setup_days + km / travel.km_per_day + (travel.visit_days if nts else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(ok, np.asarray(work, float)[:, None] / np.where(ok, tr, 1.0) + setup, INF)
    return d, setup


def capacity_curves(calendar: Calendar, start: dt.date, teams: Teams, n_days: int, factors=None, margin: float = 1.0):
    """Curves per window group and each team's group; `factors` (S, n) draws or the expected ones.

    `margin` < 1 scales windowed teams' capacity down (plan them with room to spare).
    """
    f = calendar.expected_factors(start, n_days)[None, :] if factors is None else factors
    keys = sorted(set(zip(teams.first.tolist(), teams.last.tolist(), strict=True)))
    group = np.array([keys.index((a, b)) for a, b in zip(teams.first, teams.last, strict=True)], dtype=np.int64)
    curves = [
        Curves(curve(f * window_mask(n_days, a, b)[None, :] * (margin if np.isfinite(b) else 1.0))) for a, b in keys
    ]
    return curves, group


def realise(seqs, dur, curves, group, n_jobs, ready=None, area_of=None):
    """Lay each team's sequence on its curve. `dur(k, jobs)` → (S, len) working days.

    Returns start, end (S, n_jobs) in calendar days (inf = did not fit), the working position at
    each job's end, and each team's final position. `ready` (S, n_areas): a job may not start
    before its area's ready day (NTS done).
    """
    s = curves[0].s
    start = np.full((s, n_jobs), INF)
    end = np.full((s, n_jobs), INF)
    pend = np.full((s, n_jobs), INF)
    final = np.zeros((s, len(seqs)))
    for k, jobs in enumerate(seqs):
        if len(jobs) == 0:
            continue
        cv = curves[group[k]]
        d = dur(k, jobs)
        pos = np.zeros(s)
        for i, j in enumerate(jobs):
            if ready is not None:
                r = ready[:, area_of[j]]
                pos = np.maximum(pos, np.where(r > 0, cv.position(r), 0.0))
            start[:, j] = cv.day(pos, start=True)
            pos = pos + d[:, i]
            pend[:, j] = pos
            end[:, j] = cv.day(pos, start=False)
        final[:, k] = pos
    return start, end, pend, final


def _dispatch(seqs, w, work_days, ready, curves, group) -> list[np.ndarray]:
    """Reorder each team's tasks around their ready days (NTS done); keep the best of three orders.

    Given the ready days, teams are independent, so each team's order is chosen alone, by its
    Σ w × working-day end, among: (a) an *active* schedule — Giffler–Thompson with Smith priority:
    the task that could finish first (started once both team and area are ready) sets a horizon, and
    among the tasks ready before it the team takes the first in Smith order (w/p), waiting for it if
    need be; (b) the non-delay schedule — the first ready task in Smith order, never idle while one
    is ready; (c) the plan's order, waiting where it must. (b) alone can put a long, low-priority
    task ahead of a short urgent one whose survey ends a few days later; (a) alone can idle where
    (b) would not. An order is judged by its cost with the ready days as planned plus its cost with
    every ready day `SURVEY_HEDGE` × later: the forecast keeps each team's order, so an order that
    waits for survey just in time at the expected pace idles in the draws where survey is slower
    (the survey rate is an ASSUMPTION with log-sd 0.3; e^(1.28 × 0.3) ≈ 1.5 is its P90 slowdown). On
    the demo region, judged at the planned days alone, one run of six forecast P50 20 years and P90
    beyond the horizon against 13.7–15.3 for the others.
    """
    out = []
    for k, jobs in enumerate(seqs):
        if len(jobs) < 2:
            out.append(jobs)
            continue
        cv = curves[group[k]]
        key = -w[jobs] / work_days[jobs, k]
        d = work_days[jobs, k]
        ww = w[jobs]
        r_pos = np.where(ready[jobs] > 0, cv.position(ready[jobs][None, :])[0], 0.0)
        best, best_cost = np.arange(len(jobs)), _hedged_cost(np.arange(len(jobs)), r_pos, d, ww)
        for active in (True, False):
            left = np.ones(len(jobs), dtype=bool)
            pos = 0.0
            order = []
            for _ in range(len(jobs)):
                begin = np.maximum(pos, r_pos)
                if active:
                    horizon = np.min(np.where(left, begin + d, INF))
                    cand = left & (begin < horizon)
                else:
                    cand = left & (r_pos <= pos)
                    if not cand.any():
                        cand = left & (r_pos == np.min(np.where(left, r_pos, INF)))
                i = int(np.flatnonzero(cand)[np.argmin(key[cand])])
                order.append(i)
                left[i] = False
                pos = begin[i] + d[i]
            c = _hedged_cost(np.array(order), r_pos, d, ww)
            if c < best_cost:
                best, best_cost = np.array(order), c
        out.append(jobs[best])
    return out


def _hedged_cost(order: np.ndarray, r_pos: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    """Cost of an order with the ready days as planned plus with them `SURVEY_HEDGE` × later."""
    return _sequence_cost(order, r_pos, d, w) + _sequence_cost(order, SURVEY_HEDGE * r_pos, d, w)


def _sequence_cost(order: np.ndarray, r_pos: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    """Σ w × end (working positions) of one team's tasks in `order`, each started once ready."""
    pos, cost = 0.0, 0.0
    for i in order.tolist():
        pos = max(pos, r_pos[i]) + d[i]
        cost += w[i] * pos
    return cost


def _sequences(team: np.ndarray, start: np.ndarray, n_teams: int) -> list[np.ndarray]:
    out = []
    for k in range(n_teams):
        jobs = np.flatnonzero(team == k)
        out.append(jobs[np.argsort(start[jobs], kind="stable")])
    return out


def plan_field(
    areas: Areas,
    teams: Teams,
    weight: np.ndarray,
    expected: Expected,
    *,
    start: dt.date,
    calendar: Calendar,
    rates: RateTable,
    travel: Travel = Travel(),
    time_limit: float = 10.0,
    seed: int = 0,
    max_repairs: int = 6,
    window_margin: float = 0.85,
    method: str = "solve",
) -> FieldPlan:
    n_teams = len(teams)
    probe = 366 * 3
    fexp = calendar.expected_factors(start, probe)
    fbar = np.empty(n_teams)
    for k in range(n_teams):
        m = window_mask(probe, teams.first[k], min(teams.last[k], probe))
        fk = fexp[m > 0]
        fbar[k] = max(fk.mean(), 1e-3) if fk.size else 1e-3

    nts_area = np.flatnonzero(areas.needs_nts)
    nts_days, nts_setup = stage_durations(
        _sub(areas, nts_area), teams, rates, areas.remaining[nts_area], travel, nts=True
    )
    phys_area = np.flatnonzero(expected.work > 0)
    phys_days, phys_setup = stage_durations(
        _sub(areas, phys_area), teams, rates, expected.work[phys_area], travel, nts=False
    )

    def stages_for(nts_order: str, tl: float):
        """Both stages, NTS ordered for clearance ("physical") or by its own Smith ratio ("nts")."""
        notes: list[str] = []
        stages = {
            "nts": Stage("nts", nts_area, nts_days, nts_setup),
            "physical": Stage("physical", phys_area, phys_days, phys_setup),
        }
        n_days = 366 * 4
        ready = None
        seqs: dict[str, list[np.ndarray]] = {}
        for name in ("nts", "physical"):
            st = stages[name]
            allowed = np.isfinite(st.work_days)
            w = weight[st.area]
            if name == "nts" and nts_order == "physical":
                # Survey first what clearance wants first: NTS Smith order = the physical Smith order.
                row = {int(a): i for i, a in enumerate(phys_area)}
                pmin_phys = np.array([phys_days[row[int(a)]].min() if int(a) in row else np.nan for a in st.area])
                pmin_nts = st.work_days.min(axis=1)
                ok = np.isfinite(pmin_phys) & np.isfinite(pmin_nts)
                w = np.where(ok, w * np.where(ok, pmin_nts, 1.0) / np.where(ok, pmin_phys, 1.0), w)
            for it in range(max_repairs + 1):
                p = np.where(allowed, st.work_days, INF)
                plannable = np.isfinite(p).any(axis=1)
                team = np.full(len(st.area), -1, dtype=np.int64)
                if plannable.any():
                    inst = Instance(p=p[plannable] / fbar[None, :], weight=w[plannable])
                    if method == "spreadsheet":  # reference: strict priority order, next free team
                        sched = spreadsheet_rule(Instance(p=inst.p, weight=weight[st.area][plannable]))
                    else:
                        sched = solve(inst, time_limit=tl / (1 + it), seed=seed).schedule
                    team[plannable] = sched.team
                    order_key = np.full(len(st.area), INF)
                    order_key[plannable] = sched.start
                else:
                    order_key = np.full(len(st.area), INF)
                seq = _sequences(team, order_key, n_teams)
                while True:
                    caps, group = capacity_curves(calendar, start, teams, n_days, margin=window_margin)
                    area_ready = None
                    if name == "physical" and ready is not None:
                        area_ready = np.zeros((1, len(areas)))
                        area_ready[0, stages["nts"].area] = np.where(stages["nts"].team >= 0, ready, 0.0)

                    def dur(k, jobs, _d=st.work_days):
                        return _d[jobs, k][None, :]

                    if area_ready is not None and method != "spreadsheet":
                        seq = _dispatch(seq, w, st.work_days, area_ready[0, st.area], caps, group)
                    s0, e0, x0, _ = realise(seq, dur, caps, group, len(st.area), area_ready, st.area)
                    s0, e0, x0 = s0[0], e0[0], x0[0]
                    lost = (team >= 0) & ~np.isfinite(e0)
                    open_ended = np.isinf(teams.last[np.maximum(team, 0)])
                    if (lost & open_ended).any() and n_days < 366 * 300:
                        n_days *= 2
                        continue
                    break
                if not lost.any() or it == max_repairs:
                    break
                # Pin what fits on each overflowing windowed team and close that team to everything else.
                for k in np.unique(team[lost]):
                    keep = (team == k) & ~lost
                    allowed[:, k] = False
                    allowed[keep, k] = True
                    allowed[np.ix_(np.flatnonzero(keep), np.flatnonzero(np.arange(n_teams) != k))] = False
                notes.append(f"{name}: {int(lost.sum())} task(s) did not fit their team's window; re-planned")
            if lost.any():
                team[lost] = -1
                s0[lost] = INF
                e0[lost] = INF
                seq = [q[team[q] >= 0] for q in seq]
                x0[lost] = INF
            st.team, st.start, st.end, st.pos = team, s0, e0, x0
            seqs[name] = seq
            if name == "nts":
                ready = e0

        return stages, seqs, notes, n_days

    def objective_of(stages, n_days) -> float:
        ph = stages["physical"]
        done = ph.team >= 0
        if not done.any():
            return 0.0
        clock = Curves(curve(calendar.expected_factors(start, n_days)[None, :]))
        return float(weight[ph.area[done]] @ clock.position(ph.end[done][None, :])[0])

    # Two NTS orders: survey what clearance wants first, or what survey itself finishes soonest per
    # unit of weight (better when survey is the bottleneck). Both are planned; the plan with the
    # lower working-day objective is kept.
    orders = ("physical", "nts") if len(nts_area) and method != "spreadsheet" else ("physical",)
    tried = [stages_for(o, time_limit / len(orders)) for o in orders]
    best = min(range(len(tried)), key=lambda i: objective_of(tried[i][0], tried[i][3]))
    stages, seqs, notes, n_days = tried[best]
    if len(orders) > 1:
        notes.append(f"NTS ordered {NTS_ORDERS[orders[best]]}")

    ph = stages["physical"]
    nts_st = stages["nts"]
    done = ph.team >= 0
    wd = weight[ph.area[done]]
    objective = float(wd @ ph.end[done]) if done.any() else 0.0
    # Working-day clock shared by every team: the open-ended expected curve. A team's own curve
    # (window, margin) never runs faster, so a task of p working days spans ≥ p on this clock.
    clock = Curves(curve(calendar.expected_factors(start, n_days)[None, :]))
    pos_end = np.full(len(ph.area), INF)
    pos_end[done] = clock.position(ph.end[done][None, :])[0] if done.any() else []
    ph.pos = pos_end
    objective_wd = float(wd @ pos_end[done]) if done.any() else 0.0
    bound, method = _bound(ph, nts_st, teams, weight, done, clock, pos_end, time_limit)
    no_nts = int((nts_st.team < 0).sum())
    if no_nts:
        notes.append(f"{no_nts} NTS task(s) not planned (no survey team with room): their TS/clearance does not wait")
    unplanned = np.setdiff1d(np.arange(len(areas)), ph.area[done])
    if unplanned.size:
        notes.append(f"{unplanned.size} area(s) not planned: no eligible team with room in its window")
    return FieldPlan(
        start,
        areas,
        teams,
        weight,
        expected,
        calendar,
        rates,
        stages["nts"],
        ph,
        objective,
        objective_wd,
        bound,
        method,
        n_days,
        seqs,
        notes,
    )


def _windows_on_clock(teams: Teams, clock: Curves) -> tuple[np.ndarray, np.ndarray]:
    """Per team, on the common working-day clock: the position where its window opens (a release
    date) and an upper bound on the work its window holds (inf = open-ended)."""
    first = np.floor(teams.first)
    release = clock.position(first[None, :])[0]
    last = np.where(np.isfinite(teams.last), np.floor(np.where(np.isfinite(teams.last), teams.last, 0)) + 1, np.inf)
    top = clock.cap.shape[1] - 1.0
    end = clock.position(np.minimum(last, top)[None, :])[0]
    end = np.where(last > top, np.inf, end)
    return release, np.where(np.isfinite(teams.last), end - release, np.inf)


def _bound(ph: Stage, nts: Stage, teams: Teams, weight, done, clock: Curves, pos_end, time_limit: float):
    """The certified bound on Σ w X (X: working-day end on the common clock) and how it was obtained."""
    if not done.any():
        return 0.0, "none"
    release, capacity = _windows_on_clock(teams, clock)
    phys_of = {int(a): j for j, a in enumerate(ph.area)}
    sel = np.array(
        [nts.team[i] >= 0 and int(a) in phys_of and done[phys_of[int(a)]] for i, a in enumerate(nts.area)],
        dtype=bool,
    )
    row = np.full(len(ph.area), -1, dtype=np.int64)
    row[[phys_of[int(a)] for a in nts.area[sel]]] = np.arange(int(sel.sum()))
    d = np.flatnonzero(done)
    x_nts = clock.position(np.where(np.isfinite(nts.end[sel]), nts.end[sel], 0.0)[None, :])[0]
    return precedence_bound(
        ph.work_days[d],
        weight[ph.area[d]],
        nts.work_days[sel],
        row[d],
        release,
        capacity,
        time_limit=time_limit,
        targets=(pos_end[d], x_nts),
    )


def precedence_bound(
    p: np.ndarray,
    w: np.ndarray,
    p_nts: np.ndarray,
    nts_row: np.ndarray,
    release: np.ndarray,
    capacity: np.ndarray,
    *,
    time_limit: float = 10.0,
    targets: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, str]:
    """Certified lower bound on Σ_j w_j C_j for TS/clearance tasks that wait for their NTS.

    `p` (n × m): TS/clearance working days per task and team (inf = ineligible); `p_nts` (r × m):
    NTS working days of the r areas that wait for survey; `nts_row[j]` the NTS row of task j (−1 =
    no NTS). Team k works from `release[k]` for at most `capacity[k]` days. Schedules: each team one
    task at a time; a task's TS/clearance starts after its NTS ends. Two valid bounds, the larger
    is reported: (1) the TS/clearance tasks alone (survey relaxed), (2) for the waiting tasks, NTS
    end + their shortest TS/clearance task, plus the other tasks alone. Every piece is a certified
    CQP (`bound.windowed_bound`). `targets` (the plan's end per task and NTS end per row) steer the
    capacity multipliers only. Checked against exact enumeration in tests/planning/test_field.py.
    """
    from landrelease.planning.bound import windowed_bound

    tl = max(1.0, time_limit / 2)
    end, end_nts = targets if targets is not None else (None, None)

    def cqp(pp, ww, tgt):
        target = None if tgt is None else float(ww @ tgt)
        return windowed_bound(
            Instance(p=pp, weight=ww), release=release, capacity=capacity, target=target, time_limit=tl
        ).value

    bound = cqp(p, w, end)
    method = "CQP (Skutella) of the TS/clearance tasks"
    waits = nts_row >= 0
    if waits.any():
        r = nts_row[waits]
        b2 = cqp(p_nts[r], w[waits], None if end_nts is None else end_nts[r])
        b2 += float(w[waits] @ p[waits].min(axis=1))
        rest = ~waits
        if rest.any():
            b2 += cqp(p[rest], w[rest], None if end is None else end[rest])
        if b2 > bound:
            bound = b2
            method = "CQP (Skutella) of the NTS tasks + shortest TS/clearance, + CQP of the areas without NTS"
    method += "; working days on the common calendar clock, window opening dates and capacities kept"
    return bound, method


def _sub(areas: Areas, idx: np.ndarray) -> Areas:
    return Areas(*(getattr(areas, f)[idx] for f in Areas.__dataclass_fields__))
