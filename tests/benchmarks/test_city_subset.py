"""Two of the asymmetric city instances (`benchmarks/data/city`), solved by our engine through
the benchmark's own functions: feasible (re-checked by direction) and within a bound of
PyVRP's 60 s reference that a broken search would cross (its first solution alone is 57 %
above on the 200). Figures are printed (``pytest -s``); no wall-clock assertion."""

from __future__ import annotations

import pytest

from benchmarks.peers.instance import read_instance
from benchmarks.solomon import REPO, best_known, instance_files, run_one

FOLDER = REPO / "benchmarks" / "data" / "city"
SUBSET = ("city-asym-n200-s1", "city-asym-n300-s1")
SECONDS = 3.0
# At 3 s the engine was 17 % (200) and 22 % (300) above the reference with the whole model
# alone (6 Dec 2026), 14.6 % and 15.7 % polished by parts (7 Dec); its first solution 57 % and
# 50 %.
MAX_GAP_PCT = 30.0


@pytest.mark.parametrize("name", SUBSET)
def test_engine_solves_city_instances_feasibly_near_the_reference(name: str) -> None:
    (path,) = instance_files(FOLDER, [name])
    result = run_one(read_instance(path), "engine", SECONDS, best_known(FOLDER)[name.upper()])
    print(f"\n{name}: {result.distance:.0f} s of driving, {result.routes} routes, "
          f"gap {result.gap_pct} % (first solution {result.first_gap_pct} %), "
          f"feasible {result.feasible}")
    assert result.feasible
    assert result.gap_pct is not None and result.gap_pct <= MAX_GAP_PCT
    # The search improves on the first solution it started from (by far, as a rule).
    assert result.first_gap_pct is not None and result.gap_pct < result.first_gap_pct - 5
