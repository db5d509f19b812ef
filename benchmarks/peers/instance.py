"""A Solomon VRPTW instance, read from its text file, and an independent route checker.

The checker follows the Solomon conventions of the data folder's README: unrounded Euclidean
distances, travel time equal to distance, service starting at max(arrival, ready) no later
than due, every route back at the depot by the depot's due date, capacity per route and every
customer served exactly once. It uses doubles, never a solver's integer scaling.
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

    @property
    def n_customers(self) -> int:
        """Customers, the depot excluded."""
        return len(self.xy) - 1

    @cached_property
    def distance(self) -> np.ndarray:
        """Unrounded Euclidean distance (and travel time) between every two nodes."""
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
