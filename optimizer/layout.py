"""Node layout of the routing model and its arc matrices, built with numpy.

Nodes are: one per job (0..J-1), one start per technician (J..J+V-1), one shared dummy end
(J+V) reached from everywhere at zero travel, which makes every route open-ended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.snapshot import Snapshot


@dataclass(frozen=True)
class Layout:
    """Where jobs, technician starts and the dummy end sit among the model's nodes."""

    n_jobs: int
    n_techs: int

    @property
    def n_nodes(self) -> int:
        """Jobs, starts and the dummy end."""
        return self.n_jobs + self.n_techs + 1

    @property
    def end(self) -> int:
        """The dummy end node shared by all routes."""
        return self.n_jobs + self.n_techs

    def start(self, vehicle: int) -> int:
        """The start node of one technician."""
        return self.n_jobs + vehicle


def arc_matrices(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(travel, transit) between nodes: transit(i, j) = service(i) + travel(i, j)."""
    locations = np.fromiter(
        (x.location for x in (*snapshot.jobs, *snapshot.techs)), dtype=np.int64
    )
    n = len(locations) + 1
    travel = np.zeros((n, n), dtype=np.int64)
    travel[:-1, :-1] = np.asarray(snapshot.travel, dtype=np.int64)[np.ix_(locations, locations)]
    service = np.zeros(n, dtype=np.int64)
    service[: len(snapshot.jobs)] = [job.service for job in snapshot.jobs]
    return travel, travel + service[:, None]
