"""The live engine, the scale benchmark and the Solomon benchmark run one solver
configuration: the benchmarks may add a time budget (and the instance's hard return time),
the live engine its budget and dispatch terms, nothing that shapes the search."""

from __future__ import annotations

import dataclasses

from benchmarks import scale
from benchmarks.peers.engine import params_for
from dispatcher.config import Settings
from dispatcher.engine import solve_params
from optimizer import SolveParams

# What the search is: its strategy, operators, metaheuristic and their settings.
SEARCH = ("first_solution", "metaheuristic", "solution_limit", "lean_operators",
          "ruin_recreate", "polish", "ruin_size", "ruin_string", "ruin_heat", "ruin_temperatures",
          "search_text")


def _search(params: SolveParams) -> dict[str, object]:
    return {name: getattr(params, name) for name in SEARCH}


def test_every_field_that_shapes_the_search_is_listed() -> None:
    """A new SolveParams field must be sorted into search or dispatch terms here."""
    dispatch = {"time_budget_ms", "budget_includes_build", "max_overtime", "overtime_weight",
                "drop_penalty", "flow_weight", "stability_penalty", "rework_penalty",
                "area_penalty", "fairness_weight", "due_margin"}
    fields = {f.name for f in dataclasses.fields(SolveParams)}
    assert fields == set(SEARCH) | dispatch


def test_the_solomon_benchmark_runs_the_defaults_with_a_budget() -> None:
    bench = params_for(5)
    assert dataclasses.replace(bench, time_budget_ms=1000, max_overtime=2 * 3600) \
        == SolveParams()


def test_the_live_engine_and_the_scale_benchmark_search_like_the_benchmark() -> None:
    live = solve_params(Settings())
    assert _search(live) == _search(params_for(5)) == _search(scale.PARAMS)
    assert live.lean_operators and live.ruin_recreate and live.polish
