"""OR-Tools search parameters of a solve, from `SolveParams`.

Two tunings measured on the Solomon VRPTW benchmark (``benchmarks/solomon.py``):

* lean operators: the insertion-based LNS operators OR-Tools enables by default rebuild
  whole routes and took ~73 % of the search time in a profile of R101; chain, sub-trip and
  pickup-delivery operators do nothing useful without pairs or optional chains. Without
  them local search makes many more moves in the same time.
* ruin and recreate: an iterated local search whose perturbation removes strings of nearby
  visits (SISR, Christiaens & Vanden Berghe 2020) and reinserts them by cheapest insertion,
  accepted by simulated annealing, with greedy descent after each perturbation.
"""

from __future__ import annotations

import numpy as np
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.params import SolveParams

_OFF = "BOOL_FALSE"
LEAN_OFF = (
    "use_global_cheapest_insertion_path_lns", "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns", "use_relocate_expensive_chain",
    "use_make_chain_inactive", "use_swap_active_chain", "use_shortest_path_swap_active",
    "use_shortest_path_two_opt", "use_exchange_subtrip", "use_relocate_subtrip",
    "use_relocate_pair", "use_light_relocate_pair", "use_exchange_pair", "use_swap_active",
)


NEAREST = 5  # neighbours of each job in `arc_scale`


def arc_scale(cost: np.ndarray) -> float:
    """The instance's unit of cost: the mean cost of an arc from a job to one of its
    `NEAREST` nearest other jobs (`cost`: jobs x jobs). It scales with the cost unit, so
    temperatures given as its multiples make a search independent of that unit; 1.0 when
    there are too few jobs to tell."""
    n = len(cost)
    if n < 2:
        return 1.0
    k = min(NEAREST, n - 1)
    off = cost.astype(float) + np.diag(np.full(n, np.inf))
    nearest = np.partition(off, k - 1, axis=1)[:, :k]
    return max(1.0, float(nearest.mean()))


def temperatures(params: SolveParams, scale: float) -> tuple[float, float]:
    """The annealing (start, end) of a solve: `ruin_temperatures` if given, else `ruin_heat`
    times the instance's `arc_scale`."""
    if params.ruin_temperatures is not None:
        return params.ruin_temperatures
    hot, cold = params.ruin_heat
    return hot * scale, cold * scale


def search_parameters(params: SolveParams, scale: float = 1.0):
    """The `RoutingSearchParameters` of one solve (`scale`: the instance's `arc_scale`);
    raises ValueError if OR-Tools refuses them."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    strategies = routing_enums_pb2.FirstSolutionStrategy
    search.first_solution_strategy = strategies.Value.Value(params.first_solution)
    metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
    search.local_search_metaheuristic = metaheuristics.Value.Value(params.metaheuristic)
    search.time_limit.FromMilliseconds(params.time_budget_ms)
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    if params.lean_operators:
        for name in LEAN_OFF:
            setattr(search.local_search_operators, name, _OFF)
    if params.ruin_recreate:
        text_format.Merge(_ruin_recreate_text(params, temperatures(params, scale)), search)
        # Descent between perturbations: ILS itself is the metaheuristic.
        search.local_search_metaheuristic = metaheuristics.GREEDY_DESCENT
    if params.search_text:
        text_format.Merge(params.search_text, search)
    error = pywrapcp.FindErrorInRoutingSearchParameters(search)
    if error:
        raise ValueError(f"SolveParams give invalid OR-Tools search parameters: {error}")
    return search


def _ruin_recreate_text(params: SolveParams, heat: tuple[float, float]) -> str:
    hot, cold = heat
    return f"""
        use_iterated_local_search: true
        iterated_local_search_parameters {{
          perturbation_strategy: RUIN_AND_RECREATE
          ruin_recreate_parameters {{
            ruin_strategies {{ sisr {{
              max_removed_sequence_size: {params.ruin_string}
              avg_num_removed_visits: {params.ruin_size}
              bypass_factor: 0.01 }} }}
            recreate_strategy {{ heuristic: LOCAL_CHEAPEST_INSERTION }}
          }}
          improve_perturbed_solution: true
          reference_solution_acceptance_strategy {{ simulated_annealing {{
            cooling_schedule_strategy: EXPONENTIAL
            initial_temperature: {hot} final_temperature: {cold} }} }}
          best_solution_acceptance_strategy {{ greedy_descent {{}} }}
        }}"""


def warm_search_parameters(search, params: SolveParams):
    """`search` for a solve from a warm start: ILS has no such entry point, so a
    `ruin_recreate` search falls back to `params.metaheuristic` there."""
    if not search.use_iterated_local_search:
        return search
    warm = type(search)()
    warm.CopyFrom(search)
    warm.use_iterated_local_search = False
    metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
    warm.local_search_metaheuristic = metaheuristics.Value.Value(params.metaheuristic)
    return warm
