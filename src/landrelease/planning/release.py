"""Expected release per area: does it hold EO at all, and how will it be released?

Model (IMAS 07.11: cancelled by NTS, reduced by TS, cleared): an area is contaminated with
probability π; if it is, its remaining land splits cancelled/reduced/cleared by the shares
`split_contaminated`; if not, nothing needs clearing and NTS cancels a share `cancel_clean` of it,
TS reducing the rest. π starts from a prior by type and evidence — CHA 1 (direct evidence); SHA
with strong evidence (EO found, accident, minefield record) `pi_sha_evidence`; other SHAs
`pi_sha` ("less than 5 percent of SHAs prove to have any mines", Downs, J. Mine Action 13.2) — and
is updated by the record's own closed history (a Beta update: the share of closed SHAs that needed
clearance). The split when contaminated defaults to the 2022 global split (Landmine Monitor 2023:
32 % cancelled, 24 % reduced, 44 % cleared) and is replaced by the area-weighted split of closed
CHAs when the record has enough of them.

Physical work is counted in clearance-equivalent m²: reduced land costs `ts_effort` of a cleared
m² (TS searches lanes and samples, not every m²; assumption, configurable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from landrelease.errors import ValidationError

STRONG_EVIDENCE = ("eo_found", "accident", "minefield_record")


@dataclass(frozen=True)
class ReleaseModel:
    pi_sha: float = 0.05
    pi_sha_evidence: float = 0.6  # ASSUMPTION (assumptions.RELEASE_SOURCES)
    prior_weight: float = 20.0  # pseudo-areas behind the prior in the Beta update (ASSUMPTION)
    split_contaminated: tuple[float, float, float] = (0.32, 0.24, 0.44)
    cancel_clean: float = 0.5  # Bosnia 2017: 47 % cancelled, 47 % reduced (Landmine Monitor 2018)
    ts_effort: float = 0.25  # ASSUMPTION: a reduced m² costs a quarter of a cleared one
    concentration: float = 10.0  # Dirichlet/Beta concentration of a sampled split (ASSUMPTION)
    source: str = "defaults (DOMAIN.md)"

    def with_overrides(self, table: Mapping[str, object]) -> ReleaseModel:
        fields = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "source"}
        out = {}
        for k, v in table.items():
            if k not in fields:
                raise ValidationError(f"unknown key '{k}'; use one of: {', '.join(fields)}", field="release")
            if k == "split_contaminated":
                if not isinstance(v, list | tuple) or len(v) != 3 or abs(sum(v) - 1) > 1e-6 or min(v) < 0:
                    raise ValidationError(
                        "give 3 shares cancelled, reduced, cleared summing to 1", field="release.split"
                    )
                out[k] = tuple(float(x) for x in v)
                continue
            try:
                x = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValidationError(f"'{v}' is not a number", field=f"release.{k}") from None
            if k in ("pi_sha", "pi_sha_evidence", "cancel_clean", "ts_effort") and not 0 <= x <= 1:
                raise ValidationError("must be between 0 and 1", field=f"release.{k}")
            if x < 0:
                raise ValidationError("must be ≥ 0", field=f"release.{k}")
            out[k] = x
        return replace(self, **out, source=self.source + " + scenario overrides" if out else self.source)


def learn_release(model: ReleaseModel, closed_type, cancel_m2, reduce_m2, clear_m2, *, min_areas: int = 20):
    """Update π for SHAs and the contaminated split from closed areas' ledgers (IMAS 07.11)."""
    t = np.asarray(closed_type, dtype=object)
    c, r, k = (np.nan_to_num(np.asarray(a, dtype=float)) for a in (cancel_m2, reduce_m2, clear_m2))
    sha = t == "sha"
    notes = []
    pi = model.pi_sha
    if sha.sum():
        hits = float((k[sha] > 1.0).sum())
        n = float(sha.sum())
        pi = (model.pi_sha * model.prior_weight + hits) / (model.prior_weight + n)
        notes.append(f"π(SHA) {model.pi_sha:.2f} → {pi:.3f} from {int(n)} closed SHAs ({int(hits)} needed clearance)")
    split = model.split_contaminated
    contaminated = (t == "cha") | (k > 1.0)
    if contaminated.sum() >= min_areas:
        tot = np.array([c[contaminated].sum(), r[contaminated].sum(), k[contaminated].sum()])
        if tot.sum() > 0:
            split = tuple(float(x) for x in tot / tot.sum())
            notes.append(
                f"split when contaminated {'/'.join(f'{s:.2f}' for s in split)} "
                f"from {int(contaminated.sum())} closed areas"
            )
    clean = sha & (k <= 1.0) & ((c + r) > 0)
    cancel_clean = model.cancel_clean
    if clean.sum() >= min_areas:
        cancel_clean = float(c[clean].sum() / (c[clean].sum() + r[clean].sum()))
        notes.append(f"NTS cancel share of clean SHAs {cancel_clean:.2f} from {int(clean.sum())} closed SHAs")
    src = "record: " + "; ".join(notes) if notes else model.source
    return replace(model, pi_sha=pi, split_contaminated=split, cancel_clean=cancel_clean, source=src)


@dataclass(frozen=True)
class Expected:
    pi: np.ndarray  # probability the area holds EO
    cancel: np.ndarray  # expected m² cancelled / reduced / cleared
    reduce: np.ndarray
    clear: np.ndarray
    work: np.ndarray  # expected clearance-equivalent m² of physical work (TS + clearance)


def contamination_probability(model: ReleaseModel, haz_type, evidence) -> np.ndarray:
    t = np.asarray(haz_type, dtype=object)
    strong = np.array([bool(set(e or ()) & set(STRONG_EVIDENCE)) for e in evidence], dtype=bool)
    return np.where(t == "cha", 1.0, np.where(strong, model.pi_sha_evidence, model.pi_sha))


def expected_release(model: ReleaseModel, remaining_m2, pi) -> Expected:
    r = np.asarray(remaining_m2, dtype=float)
    pi = np.asarray(pi, dtype=float)
    sc, sr, sk = model.split_contaminated
    cancel = r * (pi * sc + (1 - pi) * model.cancel_clean)
    reduce = r * (pi * sr + (1 - pi) * (1 - model.cancel_clean))
    clear = r * pi * sk
    return Expected(pi, cancel, reduce, clear, reduce * model.ts_effort + clear)


def sample_release(model: ReleaseModel, remaining_m2, pi, u: np.ndarray, rng: np.random.Generator):
    """Sampled (cancel, work) per sim × area; `u` (S, n) uniform draws decide contamination (CRN)."""
    r = np.asarray(remaining_m2, dtype=float)[None, :]
    cont = u < np.asarray(pi)[None, :]
    a = model.concentration
    sc, sr, sk = model.split_contaminated
    shape = u.shape
    g = np.stack([rng.gamma(max(a * s, 1e-3), size=shape) for s in (sc, sr, sk)])
    g /= g.sum(axis=0)
    cc = rng.beta(max(a * model.cancel_clean, 1e-3), max(a * (1 - model.cancel_clean), 1e-3), size=shape)
    cancel = np.where(cont, g[0], cc) * r
    reduce = np.where(cont, g[1], 1 - cc) * r
    clear = np.where(cont, g[2], 0.0) * r
    return cancel, reduce * model.ts_effort + clear
