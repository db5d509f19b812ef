"""VRPLIB instances with explicit asymmetric matrices: read, written, checked by direction,
and found by the benchmark with the best known of their `.sol` files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import vrplib

from benchmarks.peers.instance import (
    Instance,
    check,
    read_instance,
    read_solution_routes,
    write_vrplib,
)
from benchmarks.solomon import best_known, instance_files, run_one
from benchmarks.vrplib_city import make


def _two_customers() -> Instance:
    """Depot 0; 0 -> 1 -> 2 -> 0 takes 1 + 1 + 1, the other way 10 + 10 + 10."""
    matrix = np.array([[0, 1, 10], [10, 0, 1], [1, 10, 0]])
    return Instance(name="tiny", vehicles=1, capacity=10, xy=np.zeros((3, 2)),
                    demand=np.array([0, 1, 1]), ready=np.array([0, 0, 0]),
                    due=np.array([100, 50, 5]), service=np.array([0, 1, 1]), matrix=matrix)


def test_the_checker_drives_the_matrix_in_its_direction() -> None:
    tiny = _two_customers()
    there = check(tiny, [[1, 2]])
    assert there.feasible and there.distance == 3.0
    back = check(tiny, [[2, 1]])  # arrives at 2 at time 10 > its due 5
    assert not back.feasible and back.distance == 30.0
    assert any("customer 2" in p for p in back.problems)


def test_an_instance_is_written_and_read_back_whole(tmp_path: Path) -> None:
    made = make(25, seed=3)
    assert (made.matrix != made.matrix.T).any()  # asymmetric
    assert (made.ready <= made.due).all() and (made.matrix[0, 1:] <= made.due[1:]).all()
    path = tmp_path / f"{made.name}.txt"
    write_vrplib(made, path)
    read = read_instance(path)
    assert read.name == made.name and read.vehicles == made.vehicles
    assert read.capacity == made.capacity
    for field in ("matrix", "demand", "ready", "due", "service"):
        assert np.array_equal(getattr(read, field), getattr(made, field)), field


def test_the_benchmark_compares_with_the_sol_files_cost(tmp_path: Path) -> None:
    tiny = _two_customers()
    write_vrplib(tiny, tmp_path / "tiny.txt")
    vrplib.write_solution(str(tmp_path / "tiny.sol"), [[1, 2]], {"Cost": 3})
    (path,) = instance_files(tmp_path)
    assert best_known(tmp_path) == {"TINY": 3.0}
    assert read_solution_routes(tmp_path / "tiny.sol") == [[1, 2]]
    result = run_one(read_instance(path), "engine", 0.5, best_known(tmp_path)["TINY"])
    assert result.feasible and result.distance == 3.0 and result.gap_pct == 0.0
