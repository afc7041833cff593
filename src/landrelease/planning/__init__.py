"""Planning engine: pure functions on arrays, no database session (DESIGN.md, planning/).

The core problem is R|M_j|Σ w_j C_j — areas/tasks are jobs with a priority weight, teams are
unrelated machines with eligibility:

* `capacity` — team types and productivity (m²/team/day by land class), with sources;
* `instance` — jobs × teams as arrays, processing times, the synthetic *core* benchmark family;
* `schedule` — Smith-ratio list scheduling, move/swap local search, iterated local search, the
  spreadsheet-rule reference;
* `bound` — certified lower bounds (trivial; Skutella's convex quadratic relaxation);
* `solve` — plan + bound + gap in one call.
"""
