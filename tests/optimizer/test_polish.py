"""Polishing by parts (`optimizer.polish`): it lowers the objective of a poor plan without
leaving a job out or breaking a window, leaves frozen routes alone, keeps a part's routes
when its fresh solve is no better, and ends when asked to stop."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from benchmarks.peers.engine import params_for, snapshot_of
from benchmarks.peers.instance import check
from benchmarks.vrplib_city import make
from optimizer import Job, Snapshot, Tech
from optimizer.model import objectives, stop_when
from optimizer.polish import POLISH_FROM, polish, route_parts, solved_afresh
from optimizer.regions import constructed, solve_filled

PARAMS = params_for(0.3)


@pytest.fixture(scope="module")
def city_vrptw():
    """An asymmetric city VRPTW of `POLISH_FROM` customers and its snapshot."""
    instance = make(POLISH_FROM, seed=7)
    return instance, snapshot_of(instance)


def _customers(routes) -> list[list[int]]:
    return [[int(x) for x in r] for r in routes.values() if r]


def test_polish_lowers_the_objective_of_a_constructed_plan(city_vrptw) -> None:
    instance, snapshot = city_vrptw
    start = constructed(snapshot, PARAMS)
    assert check(instance, _customers(start)).feasible
    polished = polish(snapshot, PARAMS, start, time.perf_counter() + 2.0)
    before, after = objectives(snapshot, PARAMS, [start, polished])
    assert after[0] == before[0] == 0
    assert after[1] < before[1]
    verdict = check(instance, _customers(polished))  # independent: every customer, windows
    assert verdict.feasible, verdict.problems


def test_routes_with_a_fixed_position_are_left_alone(city_vrptw) -> None:
    _, snapshot = city_vrptw
    start = constructed(snapshot, PARAMS)
    tech = next(t for t, r in start.items() if len(r) >= 2)
    fixed = start[tech][0]
    jobs = tuple(dataclasses.replace(j, pinned_to=tech, position=0) if j.id == fixed else j
                 for j in snapshot.jobs)
    pinned = dataclasses.replace(snapshot, jobs=jobs)
    polished = polish(pinned, PARAMS, start, time.perf_counter() + 1.5)
    assert polished[tech] == start[tech]
    assert polished != start  # the others were polished


def test_parts_share_no_technician_or_job(city_vrptw) -> None:
    _, snapshot = city_vrptw
    start = constructed(snapshot, PARAMS)
    parts = route_parts(snapshot, start, [], 3, np.random.default_rng(1), set())
    assert len(parts) == 3
    techs = [v for p in parts for v in p.techs]
    jobs = [j for p in parts for j in p.jobs]
    assert len(techs) == len(set(techs)) and len(jobs) == len(set(jobs))


def test_a_part_keeps_its_routes_when_a_fresh_solve_is_no_better() -> None:
    """Three stops on a line, already in the best order: nothing to gain, None."""
    travel = np.abs(np.subtract.outer(np.arange(4), np.arange(4))) * 10
    techs = (Tech("a", frozenset({"any"}), 0, end_location=0, shift_end=10_000),)
    jobs = tuple(Job(f"j{k}", k, "any", 5) for k in (1, 2, 3))
    sub = Snapshot(techs, jobs, travel, {"a": ("j1", "j2", "j3")})
    assert solved_afresh(sub, PARAMS) is None
    worse = dataclasses.replace(sub, warm_start={"a": ("j2", "j1", "j3")})  # 80 of travel
    found = solved_afresh(worse, PARAMS)
    assert found is not None
    assert objectives(sub, PARAMS, [found])[0][0] == 0  # nothing left out
    assert objectives(sub, PARAMS, [found]) < objectives(sub, PARAMS, [worse.warm_start])


def test_polish_ends_at_once_when_asked_to_stop(city_vrptw) -> None:
    _, snapshot = city_vrptw
    start = constructed(snapshot, PARAMS)
    began = time.perf_counter()
    with stop_when(lambda: True):
        polished = polish(snapshot, PARAMS, start, began + 60.0)
    assert time.perf_counter() - began < 5.0
    assert polished == start


def test_a_full_solve_of_hundreds_of_stops_serves_every_customer(city_vrptw) -> None:
    """`solve_filled` (the live full solve and the benchmarks') serves every customer
    feasibly."""
    instance, snapshot = city_vrptw
    plan = solve_filled(snapshot, params_for(2.0))
    assert not plan.unassigned
    routes = {r.tech_id: tuple(s.job_id for s in r.stops) for r in plan.routes}
    assert check(instance, _customers(routes)).feasible


def test_polishing_is_a_setting(city_vrptw, monkeypatch) -> None:
    """`SolveParams.polish` off (a search that must end by itself, e.g. the simulator's
    deterministic one) leaves the whole model's plan unpolished; on, the full solve polishes."""
    _, snapshot = city_vrptw
    calls = []

    def spy(snapshot, params, routes, deadline, pool=None):
        calls.append(len(routes))
        return routes

    monkeypatch.setattr("optimizer.regions.polish", spy)
    solve_filled(snapshot, dataclasses.replace(PARAMS, polish=False))
    assert calls == []
    solve_filled(snapshot, PARAMS)
    assert len(calls) == 1
