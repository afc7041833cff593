"""Working calendar: which calendar days a team works, and how much of a day each one is worth.

A team's *capacity curve* is the cumulative number of full working days it has available from the
plan start: weekends and holidays give 0, a season factor scales the day (winter, heat: MDD do not
work above 30 °C, NATO SFOR 2001), weather stand-down days are lost at random (expected share
`standdown` in the plan, Bernoulli draws in the forecast), and outside the team's deployment window
nothing is available. Work is laid on the curve: a task that needs `d` working days and starts at
working position `x` ends where the curve reaches `x + d`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from landrelease.errors import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    """Working days (0 = Monday), monthly season factors (Jan…Dec), expected stand-down share."""

    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    season: tuple[float, ...] = (1.0,) * 12
    standdown: float = 0.0
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.season) != 12 or any(not (0.0 <= f <= 1.0) for f in self.season):
            raise ValidationError("give 12 season factors between 0 and 1 (January…December)", field="calendar.season")
        if not 0.0 <= self.standdown < 1.0:
            raise ValidationError("stand-down share must be in [0, 1)", field="calendar.standdown")
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise ValidationError("working days are mon…sun", field="calendar.workdays")

    def base_factors(self, start: dt.date, n_days: int) -> np.ndarray:
        """Per calendar day from `start`: working day × season factor (before stand-downs)."""
        day = np.datetime64(start, "D") + np.arange(n_days)
        epoch = day.astype("int64")
        weekday = (epoch + 3) % 7  # 1970-01-01 was a Thursday
        month = day.astype("datetime64[M]").astype("int64") % 12
        work = np.isin(weekday, np.array(self.workdays))
        f = np.where(work, np.asarray(self.season)[month], 0.0)
        if self.holidays:
            hol = np.array(sorted(self.holidays), dtype="datetime64[D]")
            f = np.where(np.isin(day, hol), 0.0, f)
        return f

    def expected_factors(self, start: dt.date, n_days: int) -> np.ndarray:
        return self.base_factors(start, n_days) * (1.0 - self.standdown)


def window_mask(n_days: int, first: float, last: float) -> np.ndarray:
    """1 on days `first` ≤ d ≤ `last` (days from the plan start; `last` may be inf)."""
    d = np.arange(n_days)
    return ((d >= first) & (d <= last)).astype(float)


def curve(factors: np.ndarray) -> np.ndarray:
    """Cumulative capacity at day boundaries: shape (..., n_days + 1), starting at 0."""
    f = np.asarray(factors)
    z = np.zeros(f.shape[:-1] + (1,), dtype=f.dtype)
    return np.concatenate([z, np.cumsum(f, axis=-1)], axis=-1)


def to_day(cap: np.ndarray, x: np.ndarray, *, start: bool) -> np.ndarray:
    """Calendar day (fractional, from the plan start) at which working position `x` is reached.

    `cap` is (S, n+1) and `x` (S,): one curve per row. For a start, the first moment work can
    begin at `x` (skipping non-working days); for an end, the first moment `x` is reached. inf when
    the curve never gets there (the window or horizon is exhausted).
    """
    c = np.asarray(cap, dtype=float)
    xs = np.asarray(x, dtype=float)
    s, m = c.shape
    top = c[:, -1]
    over = ~np.isfinite(xs) | (xs > top) | ((xs >= top) if start else False)
    span = float(top.max()) + 2.0 if s else 2.0
    offs = np.arange(s) * span
    flat = (c + offs[:, None]).ravel()
    xq = np.where(over, 0.0, xs)
    i = np.searchsorted(flat, xq + offs, side="right" if start else "left") - np.arange(s) * m
    i = np.clip(i, 1, m - 1)
    rows = np.arange(s)
    lo = c[rows, i - 1]
    hi = c[rows, i]
    width = np.where(hi > lo, hi - lo, 1.0)
    t = (i - 1) + np.clip((xq - lo) / width, 0.0, 1.0)
    return np.where(over, np.inf, t)


def to_position(cap: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Working position reached at calendar day `t` (fractional), per row of `cap` (S, n+1)."""
    c = np.atleast_2d(cap)
    t = np.asarray(t, dtype=float)
    s, m = c.shape
    inf = ~np.isfinite(t)
    tt = np.clip(np.where(inf, 0.0, t), 0.0, m - 1.0)
    i = np.minimum(np.floor(tt).astype(np.int64), m - 2)
    rows = np.arange(s) if t.ndim else 0
    lo = c[rows, i]
    hi = c[rows, i + 1]
    return np.where(inf, np.inf, lo + (tt - i) * (hi - lo))


def parse_workdays(names) -> tuple[int, ...]:
    out = []
    for n in names:
        key = str(n).strip().lower()[:3]
        if key not in DAYS:
            raise ValidationError(f"'{n}' is not a day of the week", field="calendar.workdays")
        out.append(DAYS.index(key))
    return tuple(sorted(set(out)))


class Curves:
    """Capacity curves (S, n+1) with the flattened search array built once (fast repeated lookups)."""

    def __init__(self, cap: np.ndarray) -> None:
        c = np.ascontiguousarray(cap, dtype=float)
        self.cap = c
        s, m = c.shape
        self.s, self.m = s, m
        self.top = c[:, -1]
        self.span = float(self.top.max()) + 2.0 if s else 2.0
        self.offs = np.arange(s) * self.span
        self.flat = (c + self.offs[:, None]).ravel()
        self.rows = np.arange(s)

    def day(self, x: np.ndarray, *, start: bool) -> np.ndarray:
        xs = np.asarray(x, dtype=float)
        over = ~np.isfinite(xs) | (xs > self.top) | ((xs >= self.top) if start else False)
        xq = np.where(over, 0.0, xs)
        i = np.searchsorted(self.flat, xq + self.offs, side="right" if start else "left") - self.rows * self.m
        i = np.clip(i, 1, self.m - 1)
        lo = self.cap[self.rows, i - 1]
        hi = self.cap[self.rows, i]
        width = np.where(hi > lo, hi - lo, 1.0)
        t = (i - 1) + np.clip((xq - lo) / width, 0.0, 1.0)
        return np.where(over, np.inf, t)

    def position(self, t: np.ndarray) -> np.ndarray:
        return to_position(self.cap, t)
