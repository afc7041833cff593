"""Priority: a transparent weighted score per area, explained criterion by criterion.

GICHD priority-setting briefs (2011): the authority sets criteria and weights; the score is a
weighted sum of criteria each scaled to 0–1, so every point of an area's score can be traced to one
criterion. The scheduler uses the score as a *weight* (DOMAIN.md: a strict priority order measured
25–37 % worse on weighted completion time), multiplied by the area's expected remaining hazard, so
the objective Σ w_j C_j is the priority-weighted hazardous area-time left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from landrelease.errors import ValidationError
from landrelease.planning.release import STRONG_EVIDENCE

CRITERIA = ("beneficiaries", "settlement", "road", "accidents", "evidence", "land_use")
DEFAULT_WEIGHTS = {
    "beneficiaries": 0.25,
    "settlement": 0.2,
    "road": 0.1,
    "accidents": 0.2,
    "evidence": 0.15,
    "land_use": 0.1,
}
#: Distance scale (km) of the proximity criteria: exp(−d / scale).
DEFAULT_SCALE_KM = {"settlement": 2.0, "road": 1.0}
LAND_USE_VALUE = {
    "residential": 1.0,
    "infrastructure": 0.9,
    "agriculture": 0.8,
    "industrial": 0.6,
    "pasture": 0.6,
    "water": 0.5,
    "forest": 0.3,
    "other": 0.3,
    "unused": 0.1,
}


@dataclass(frozen=True)
class Score:
    total: np.ndarray  # 0–100 per area
    parts: dict[str, np.ndarray]  # points per criterion (sum = total)
    weights: dict[str, float]


def parse_weights(table: Mapping[str, object] | None) -> dict[str, float]:
    w = dict(DEFAULT_WEIGHTS)
    for k, v in (table or {}).items():
        if k not in CRITERIA:
            raise ValidationError(f"unknown criterion '{k}'; use: {', '.join(CRITERIA)}", field="weights")
        try:
            w[k] = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(f"'{v}' is not a number", field=f"weights.{k}") from None
        if w[k] < 0 or not np.isfinite(w[k]):
            raise ValidationError("weights are ≥ 0", field=f"weights.{k}")
    if sum(w.values()) <= 0:
        raise ValidationError("at least one weight must be > 0", field="weights")
    return w


def score(weights, *, beneficiaries, settlement_km, road_km, accidents, haz_type, evidence, land_use) -> Score:
    b = np.nan_to_num(np.asarray(beneficiaries, dtype=float))
    crit = {
        "beneficiaries": np.log1p(b) / max(np.log1p(b).max(), 1e-9),
        "settlement": np.exp(-np.asarray(settlement_km, float) / DEFAULT_SCALE_KM["settlement"]),
        "road": np.exp(-np.asarray(road_km, float) / DEFAULT_SCALE_KM["road"]),
        "accidents": 1.0 - np.exp(-np.asarray(accidents, float)),
        "evidence": np.array(
            [
                1.0 if t == "cha" else 0.7 if set(e or ()) & set(STRONG_EVIDENCE) else 0.3 if e else 0.1
                for t, e in zip(haz_type, evidence, strict=True)
            ]
        ),
        "land_use": np.array([LAND_USE_VALUE.get(u or "other", 0.3) for u in land_use]),
    }
    tot_w = sum(weights.values())
    parts = {k: 100.0 * weights[k] / tot_w * np.nan_to_num(crit[k]) for k in CRITERIA}
    return Score(sum(parts.values()), parts, dict(weights))


#: Saaty's random consistency index by matrix size (Saaty 1980).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}


def ahp_weights(criteria, matrix) -> tuple[dict[str, float], float]:
    """Weights from AHP pairwise comparisons (Saaty): the principal eigenvector, and the consistency ratio.

    `matrix[i][j]` says how much more important criterion i is than j (1–9, reciprocal below the
    diagonal). A consistency ratio above 0.1 means the comparisons contradict each other: refused.
    Criteria not named get weight 0.
    """
    names = [str(c) for c in criteria]
    bad = [c for c in names if c not in CRITERIA]
    if bad or len(set(names)) != len(names) or len(names) < 2:
        raise ValidationError(f"name two or more distinct criteria of: {', '.join(CRITERIA)}", field="ahp.criteria")
    try:
        a = np.array(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ValidationError("matrix must be a square table of numbers", field="ahp.matrix") from None
    n = len(names)
    if a.shape != (n, n) or not np.isfinite(a).all() or (a <= 0).any():
        raise ValidationError(f"matrix must be {n} × {n} positive numbers", field="ahp.matrix")
    if not np.allclose(a * a.T, 1.0, rtol=1e-2) or not np.allclose(np.diag(a), 1.0):
        raise ValidationError(
            "matrix must be reciprocal (a[j][i] = 1 / a[i][j], 1 on the diagonal)", field="ahp.matrix"
        )
    vals, vecs = np.linalg.eig(a)
    i = int(np.argmax(vals.real))
    v = np.abs(vecs[:, i].real)
    v /= v.sum()
    ci = (vals[i].real - n) / (n - 1) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n] if RANDOM_INDEX.get(n) else 0.0
    if cr > 0.1:
        raise ValidationError(f"comparisons are inconsistent (consistency ratio {cr:.2f} > 0.10)", field="ahp.matrix")
    w = {c: 0.0 for c in CRITERIA}
    w.update({c: float(x) for c, x in zip(names, v, strict=True)})
    return w, float(cr)
