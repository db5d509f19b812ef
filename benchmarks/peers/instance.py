"""A VRPTW instance, read from a Solomon or a VRPLIB file, and an independent route checker.

The checker follows the Solomon conventions of the data folder's README: travel time equal to
distance (unrounded Euclidean for Solomon files, the explicit and possibly asymmetric matrix
of a VRPLIB file, e.g. integer driving seconds), service starting at max(arrival, ready) no
later than due, every route back at the depot by the depot's due date, capacity per route and
every customer served exactly once. It uses doubles, never a solver's integer scaling.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

# Floating-point slack of the checker: far below any real time-window overshoot (0.01).
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Instance:
    """Node 0 is the depot; nodes 1..n the customers. Arrays are indexed by node."""

    name: str
    vehicles: int
    capacity: int
    xy: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    # Explicit travel times (= costs) from row to column, e.g. integer seconds of a road
    # network, asymmetric; None: Euclidean distances between `xy`.
    matrix: np.ndarray | None = None

    @property
    def n_customers(self) -> int:
        """Customers, the depot excluded."""
        return len(self.xy) - 1

    @cached_property
    def distance(self) -> np.ndarray:
        """Travel time (= distance) from every node to every node: the explicit matrix, or
        unrounded Euclidean distances."""
        if self.matrix is not None:
            return self.matrix.astype(float)
        delta = self.xy[:, None, :] - self.xy[None, :, :]
        return np.sqrt((delta**2).sum(axis=2))

    def scaled(self, factor: int) -> tuple[np.ndarray, np.ndarray]:
        """(time, cost): travel times rounded up, so integer feasibility implies real
        feasibility; costs rounded to nearest. Both are integers times `factor`."""
        exact = self.distance * factor
        return np.ceil(exact).astype(np.int64), np.rint(exact).astype(np.int64)


@dataclass(frozen=True)
class Verdict:
    """A solution re-evaluated with unrounded times."""

    distance: float
    routes: int
    feasible: bool
    problems: tuple[str, ...]


def read_instance(path: Path) -> Instance:
    """A Solomon or a VRPLIB file (told apart by VRPLIB's ``KEY : value`` header)."""
    first = path.read_text().lstrip().split("\n", 1)[0]
    return read_vrplib(path) if ":" in first else read_solomon(path)


def read_vrplib(path: Path) -> Instance:
    """A VRPTW in VRPLIB format with an explicit ``EDGE_WEIGHT_SECTION`` (the EURO Meets
    NeurIPS 2022 instances': asymmetric integer travel times), via the `vrplib` package.
    The depot must be node 1 (as in those files)."""
    import vrplib

    data = vrplib.read_instance(str(path), compute_edge_weights=False)
    if data.get("edge_weight") is None:
        raise ValueError(f"{path}: no EDGE_WEIGHT_SECTION (only explicit matrices are read)")
    if [int(d) for d in data.get("depot", [0])] != [0]:
        raise ValueError(f"{path}: the depot must be node 1, the only one")
    matrix = np.asarray(data["edge_weight"], dtype=np.int64)
    n = len(matrix)
    windows = np.asarray(data.get("time_window", [[0, np.iinfo(np.int64).max // 4]] * n),
                         dtype=np.int64)
    coords = data.get("node_coord")
    return Instance(
        name=str(data.get("name", path.stem)),
        vehicles=int(data.get("vehicles", n - 1)), capacity=int(data.get("capacity", 10**9)),
        xy=np.zeros((n, 2)) if coords is None else np.asarray(coords, dtype=float),
        demand=np.asarray(data.get("demand", np.zeros(n)), dtype=np.int64),
        ready=windows[:, 0], due=windows[:, 1],
        service=np.asarray(data.get("service_time", np.zeros(n)), dtype=np.int64),
        matrix=matrix,
    )


def write_vrplib(instance: Instance, path: Path, comment: str = "") -> None:
    """`instance` (with an explicit matrix) as a VRPLIB file `read_vrplib` reads back."""
    import vrplib

    if instance.matrix is None:
        raise ValueError("only an instance with an explicit matrix is written")
    fields: dict = {"NAME": instance.name, "TYPE": "VRPTW"}
    if comment:
        fields["COMMENT"] = comment
    fields.update({
        "DIMENSION": len(instance.matrix), "VEHICLES": instance.vehicles,
        "CAPACITY": instance.capacity, "EDGE_WEIGHT_TYPE": "EXPLICIT",
        "EDGE_WEIGHT_FORMAT": "FULL_MATRIX"})
    if instance.xy.any():  # coordinates for display only; the matrix is the travel time
        fields["NODE_COORD_SECTION"] = instance.xy
    fields.update({
        "DEMAND_SECTION": instance.demand, "DEPOT_SECTION": np.array([1]),
        "SERVICE_TIME_SECTION": instance.service,
        "TIME_WINDOW_SECTION": np.column_stack([instance.ready, instance.due]),
        "EDGE_WEIGHT_SECTION": instance.matrix})
    vrplib.write_instance(str(path), fields)


def read_solution_cost(path: Path) -> float:
    """The ``Cost`` line of a VRPLIB ``.sol`` file (its routes: `read_solution_routes`)."""
    import vrplib

    return float(vrplib.read_solution(str(path))["cost"])


def read_solution_routes(path: Path) -> list[list[int]]:
    """The routes of a VRPLIB ``.sol`` file, as customer numbers 1..n."""
    import vrplib

    return [list(map(int, r)) for r in vrplib.read_solution(str(path))["routes"]]


def read_solomon(path: Path) -> Instance:
    """Parse a Solomon-format file (CRLF or LF)."""
    lines = [line.split() for line in path.read_text().splitlines()]
    rows = [[int(x) for x in line] for line in lines if len(line) == 7 and line[0].isdigit()]
    fleet = next(lines[i + 1] for i, line in enumerate(lines) if line[:1] == ["NUMBER"])
    table = np.asarray(rows, dtype=np.int64)
    return Instance(
        name=lines[0][0], vehicles=int(fleet[0]), capacity=int(fleet[1]),
        xy=table[:, 1:3].astype(float), demand=table[:, 3], ready=table[:, 4],
        due=table[:, 5], service=table[:, 6],
    )


def check(instance: Instance, routes: list[list[int]]) -> Verdict:
    """Distance, route count and feasibility of routes given as customer numbers (1..n)."""
    routes = [list(r) for r in routes if r]
    problems = _coverage(instance, routes)
    if len(routes) > instance.vehicles:
        problems.append(f"{len(routes)} routes for {instance.vehicles} vehicles")
    for k, route in enumerate(routes):
        problems.extend(f"route {k}: {p}" for p in _route_problems(instance, route))
    total = sum(_route_distance(instance, r) for r in routes)
    return Verdict(float(total), len(routes), not problems, tuple(problems))


def _coverage(instance: Instance, routes: list[list[int]]) -> list[str]:
    visits = [c for r in routes for c in r]
    expected = set(range(1, instance.n_customers + 1))
    problems = []
    if len(visits) != len(set(visits)):
        problems.append("a customer is visited more than once")
    if missing := expected - set(visits):
        problems.append(f"{len(missing)} customers unserved")
    if stray := set(visits) - expected:
        problems.append(f"unknown nodes {sorted(stray)}")
    return problems


def _route_problems(instance: Instance, route: list[int]) -> list[str]:
    d = instance.distance
    problems = []
    if int(instance.demand[route].sum()) > instance.capacity:
        problems.append("capacity exceeded")
    now, where = float(instance.ready[0]), 0
    for c in route:
        start = max(now + d[where, c], float(instance.ready[c]))
        if start > instance.due[c] + TOLERANCE:
            problems.append(f"customer {c} starts at {start:.3f} > due {instance.due[c]}")
        now, where = start + float(instance.service[c]), c
    if now + d[where, 0] > instance.due[0] + TOLERANCE:
        problems.append(f"back at the depot at {now + d[where, 0]:.3f} > {instance.due[0]}")
    return problems


def _route_distance(instance: Instance, route: list[int]) -> float:
    path = [0, *route, 0]
    return float(sum(instance.distance[a, b] for a, b in zip(path, path[1:], strict=False)))
