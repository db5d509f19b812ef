"""The model's node matrices: travel, transit and cost, with each route's end node.

`layout.arc_matrices` covers jobs, technician starts and the shared open end. Technicians
with an `end_location` get one more end node per distinct location, appended after those,
so a route that must return home pays the trip back in time and cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.layout import Layout, arc_matrices
from optimizer.snapshot import Snapshot


@dataclass(frozen=True)
class Arcs:
    """Node-indexed integer matrices and the end node of every vehicle."""

    travel: np.ndarray
    transit: np.ndarray  # service at the from-node plus travel
    cost: np.ndarray
    ends: tuple[int, ...]

    @property
    def n_nodes(self) -> int:
        """Every node of the model, the extra end nodes included."""
        return len(self.travel)


def model_arcs(snapshot: Snapshot, layout: Layout) -> Arcs:
    """Travel, transit and cost between all nodes of the model, and each vehicle's end."""
    travel, transit = arc_matrices(snapshot)
    homes = sorted({t.end_location for t in snapshot.techs if t.end_location is not None})
    cost = travel if snapshot.cost is None else _open_matrix(snapshot, snapshot.cost)
    # With no open route, the shared end would be a node nobody ends at, i.e. a visit:
    # the first home takes its place instead.
    reuse = bool(homes) and all(t.end_location is not None for t in snapshot.techs)
    if homes:
        source = snapshot.travel if snapshot.cost is None else snapshot.cost
        travel = _with_ends(snapshot, travel, snapshot.travel, homes, reuse)
        transit = _with_ends(snapshot, transit, snapshot.travel, homes, reuse, service=True)
        cost = _with_ends(snapshot, cost, source, homes, reuse)
    first = layout.end if reuse else layout.n_nodes
    end_node = {home: first + k for k, home in enumerate(homes)}
    ends = tuple(layout.end if t.end_location is None else end_node[t.end_location]
                 for t in snapshot.techs)
    return Arcs(travel, transit, cost, ends)


def _locations(snapshot: Snapshot) -> np.ndarray:
    return np.fromiter((x.location for x in (*snapshot.jobs, *snapshot.techs)), dtype=np.int64)


def _open_matrix(snapshot: Snapshot, matrix: np.ndarray) -> np.ndarray:
    """A location matrix laid out on jobs, starts and the zero-cost shared end."""
    where = _locations(snapshot)
    out = np.zeros((len(where) + 1, len(where) + 1), dtype=np.int64)
    out[:-1, :-1] = np.asarray(matrix, dtype=np.int64)[np.ix_(where, where)]
    return out


def _with_ends(
    snapshot: Snapshot, nodes: np.ndarray, matrix: np.ndarray, homes: list[int],
    reuse: bool, service: bool = False,
) -> np.ndarray:
    """`nodes` with one end column per home (the leg from each node to that home), the
    first one replacing the shared end's column when `reuse`."""
    where = _locations(snapshot)
    n = len(nodes)
    first = n - 1 if reuse else n
    size = first + len(homes)
    out = np.zeros((size, size), dtype=np.int64)
    out[:first, :first] = nodes[:first, :first]
    legs = np.asarray(matrix, dtype=np.int64)[np.ix_(where, homes)]
    if service:
        legs = legs + _service(snapshot)[:, None]
    out[: len(where), first:] = legs
    return out


def _service(snapshot: Snapshot) -> np.ndarray:
    service = np.zeros(len(snapshot.jobs) + len(snapshot.techs), dtype=np.int64)
    service[: len(snapshot.jobs)] = [job.service for job in snapshot.jobs]
    return service
