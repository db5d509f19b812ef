"""Solver settings: a validated, immutable `SolveParams`."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import text_format
from ortools.constraint_solver import routing_enums_pb2, routing_parameters_pb2

FIRST_SOLUTIONS = frozenset(routing_enums_pb2.FirstSolutionStrategy.Value.keys()) - {"UNSET"}
METAHEURISTICS = frozenset(routing_enums_pb2.LocalSearchMetaheuristic.Value.keys()) - {"UNSET"}


@dataclass(frozen=True)
class SolveParams:
    """Settings of one solve.

    Attributes
    ----------
    time_budget_ms: wall-clock limit of the search, in milliseconds.
    budget_includes_build: count building the model against `time_budget_ms` (the search
        keeps at least a fifth of it), so a large snapshot's solve still ends near the
        budget: a server's re-plan latency, not only its search, has a target.
    max_overtime: hard cap on work past a technician's shift end, in seconds.
    overtime_weight: cost of one second of overtime.
    drop_penalty: base cost of leaving a job unassigned; each job's worst-case weighted
        lateness is added on top, so serving a job late always beats dropping it.
    first_solution: OR-Tools `FirstSolutionStrategy` name.
    metaheuristic: OR-Tools `LocalSearchMetaheuristic` name.
    solution_limit: stop after this many solutions (1 = first solution only); None = no limit.
    flow_weight: cost of each job's every minute between now and its arrival, so work is
        served early and spread over idle technicians; 0 (the default) leaves it out.
    stability_penalty: cost of moving a job away from `Job.assigned_to`; 0 leaves it out.
    rework_penalty: cost of giving a job to one of its `Job.avoid_techs`; 0 leaves it out.
    area_penalty: cost of giving a job to one of its `Job.outside_techs`; 0 leaves it out.
    fairness_weight: cost of each minute of service a technician's route takes on beyond his
        `Tech.fair_work`, so the day's work is spread rather than piled on the nearest; 0 (the
        default) leaves it out.
    due_margin: seconds before each `Job.due` from which lateness already costs: actual
        travel and service vary around the estimates, so a plan that just makes a deadline
        misses it half the time. Reported lateness still counts from `Job.due`.
    lean_operators: leave out OR-Tools' costly insertion-LNS, chain and pair operators, so
        local search makes more moves per second (see `optimizer.search`). On by default:
        the live engine runs the settings the benchmarks measure.
    ruin_recreate: iterated local search (SISR ruin, cheapest-insertion recreate,
        simulated-annealing acceptance) instead of `metaheuristic`, for cold solves; a
        warm-started solve keeps `metaheuristic` (OR-Tools has no warm entry to it). On by
        default.
    polish: give a full solve of `optimizer.polish.POLISH_FROM` jobs or more (see
        `optimizer.regions.solve_filled`) a share of its budget and polish its plan part by
        part for the rest (`optimizer.polish`); off for a search that must end by itself.
    ruin_size: average number of visits one ruin removes.
    ruin_string: longest string of consecutive visits one ruin removes from a route.
    ruin_heat: (start, end) simulated-annealing temperature in multiples of the instance's
        mean arc cost between neighbouring jobs (`optimizer.search.arc_scale`), so that the
        same settings anneal alike in seconds, metres or thousandths of a unit.
    ruin_temperatures: (start, end) temperature in objective units, overriding `ruin_heat`;
        None (the default) derives it from the instance.
    search_text: further OR-Tools `RoutingSearchParameters` fields in protobuf text format,
        merged last, e.g. ``"use_full_propagation: true"``; empty keeps the defaults.
    """

    time_budget_ms: int = 1000
    budget_includes_build: bool = False
    max_overtime: int = 2 * 3600
    overtime_weight: int = 2
    drop_penalty: int = 1_000_000
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    flow_weight: int = 0
    stability_penalty: int = 0
    rework_penalty: int = 0
    area_penalty: int = 0
    fairness_weight: int = 0
    due_margin: int = 0
    lean_operators: bool = True
    ruin_recreate: bool = True
    polish: bool = True
    ruin_size: int = 15
    ruin_string: int = 15
    ruin_heat: tuple[float, float] = (4.0, 0.0136)
    ruin_temperatures: tuple[float, float] | None = None
    search_text: str = ""

    def __post_init__(self) -> None:
        _require(self.time_budget_ms > 0, "time_budget_ms", "must be positive")
        _require(self.max_overtime >= 0, "max_overtime", "must be >= 0")
        _require(self.overtime_weight >= 0, "overtime_weight", "must be >= 0")
        _require(self.drop_penalty >= 0, "drop_penalty", "must be >= 0")
        _require(self.first_solution in FIRST_SOLUTIONS, "first_solution", "unknown strategy")
        _require(self.metaheuristic in METAHEURISTICS, "metaheuristic", "unknown metaheuristic")
        limit_ok = self.solution_limit is None or self.solution_limit > 0
        _require(limit_ok, "solution_limit", "must be positive or None")
        _require(self.flow_weight >= 0, "flow_weight", "must be >= 0")
        _require(self.stability_penalty >= 0, "stability_penalty", "must be >= 0")
        _require(self.rework_penalty >= 0, "rework_penalty", "must be >= 0")
        _require(self.area_penalty >= 0, "area_penalty", "must be >= 0")
        _require(self.fairness_weight >= 0, "fairness_weight", "must be >= 0")
        _require(self.due_margin >= 0, "due_margin", "must be >= 0")
        _require(self.ruin_size > 0 and self.ruin_string > 0, "ruin_size", "must be positive")
        hot, cold = self.ruin_heat
        _require(hot >= cold > 0, "ruin_heat", "must be start >= end > 0")
        if self.ruin_temperatures is not None:
            hot, cold = self.ruin_temperatures
            _require(hot >= cold > 0, "ruin_temperatures", "must be start >= end > 0")
        _require(_parses(self.search_text), "search_text", "not RoutingSearchParameters text")


def _parses(text: str) -> bool:
    try:
        text_format.Merge(text, routing_parameters_pb2.RoutingSearchParameters())
    except text_format.ParseError:
        return False
    return True


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ValueError(f"SolveParams.{name}: {message}")
