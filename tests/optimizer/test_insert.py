"""Insertion: the numpy kernel's choice and cost equal brute force over every position."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import Snapshot, SolveParams
from optimizer.construct import construct
from optimizer.eligibility import drop_penalties, eligibilities
from optimizer.insert import best_insertion, relocate_late
from optimizer.routes import RouteState, tables
from optimizer.schedule import assemble
from tests.optimizer.conftest import check_plan, snapshots

PARAMS = SolveParams()


def _total(snapshot: Snapshot, sequences: list[list[int]]) -> int:
    """The plan objective of `sequences`, as `assemble` computes it."""
    eligible = eligibilities(snapshot, PARAMS)
    plan = assemble(snapshot, PARAMS, sequences, eligible, None, "", False, 0)
    return plan.objective.total


def _brute_force(snapshot: Snapshot, state: RouteState, x: int) -> int | None:
    """Cheapest objective change over every (technician, position) that keeps the plan valid."""
    base = _total(snapshot, state.seq) - drop_penalties(snapshot, PARAMS)[x]
    best = None
    for v in range(len(snapshot.techs)):
        for p in range(state.fixed[v], len(state.seq[v]) + 1):
            trial = [list(s) for s in state.seq]
            trial[v].insert(p, x)
            plan = assemble(snapshot, PARAMS, trial, eligibilities(snapshot, PARAMS),
                            None, "", False, 0)
            try:
                check_plan(snapshot, plan, PARAMS)
            except AssertionError:
                continue
            delta = plan.objective.total - base
            best = delta if best is None else min(best, delta)
    return best


@settings(max_examples=80, deadline=None, derandomize=True)
@given(snapshots(max_techs=3, max_jobs=7, warm=False))
def test_insertion_matches_brute_force(snapshot: Snapshot) -> None:
    """Remove each placed job in turn; the kernel's best re-insertion equals brute force.

    Brute force discounts the job's drop penalty, which leaves the objective when it is
    placed; "feasible nowhere" must agree too.
    """
    sequences = construct(snapshot, PARAMS, neighbours=None)
    placed = [(v, j) for v, seq in enumerate(sequences) for j in seq]
    for v, j in placed:
        state = RouteState(tables(snapshot, PARAMS), sequences)
        if state.fixed[v] and state.seq[v][0] == j:
            continue  # a started job has exactly one place
        state.remove(v, j)
        choice = best_insertion(state, j)
        expected = _brute_force(snapshot, state, j)
        if expected is None:
            assert choice is None
        else:
            assert choice is not None
            assert choice.delta == expected


@settings(max_examples=80, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_construction_keeps_every_rule(snapshot: Snapshot) -> None:
    """Skills, pins, started-first, windows, shift cap, no duplicates, times add up."""
    sequences = construct(snapshot, PARAMS, neighbours=1)
    plan = assemble(snapshot, PARAMS, sequences, eligibilities(snapshot, PARAMS), None,
                    "constructed", False, 0)
    check_plan(snapshot, plan, PARAMS)


@st.composite
def loaded_snapshots(draw) -> Snapshot:
    """Random snapshots whose technicians carry a capacity and jobs a demand."""
    snapshot = draw(snapshots(max_techs=3, max_jobs=7, warm=False))
    techs = tuple(dataclasses.replace(t, capacity=draw(st.integers(0, 6)))
                  for t in snapshot.techs)
    jobs = tuple(dataclasses.replace(j, demand=draw(st.integers(0, 3))) for j in snapshot.jobs)
    return dataclasses.replace(snapshot, techs=techs, jobs=jobs)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(loaded_snapshots())
def test_insertion_respects_capacity(snapshot: Snapshot) -> None:
    """Constructed routes never carry more than the technician's capacity, and a job is
    left out only when no route has room, time and skill for it."""
    sequences = construct(snapshot, PARAMS, neighbours=None)
    state = RouteState(tables(snapshot, PARAMS), sequences)
    for tech, seq in zip(snapshot.techs, sequences, strict=True):
        assert sum(snapshot.jobs[j].demand for j in seq) <= tech.capacity
    placed = {j for seq in sequences for j in seq}
    for j in set(range(len(snapshot.jobs))) - placed:
        assert best_insertion(state, j) is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_relocating_late_jobs_never_costs_more(snapshot: Snapshot) -> None:
    """Moving the latest jobs to their cheapest place keeps every rule and never raises
    the objective."""
    sequences = construct(snapshot, PARAMS, neighbours=1)
    before = _total(snapshot, sequences)
    state = RouteState(tables(snapshot, PARAMS), sequences)
    relocate_late(state, top=3)
    eligible = eligibilities(snapshot, PARAMS)
    plan = assemble(snapshot, PARAMS, state.seq, eligible, None, "", False, 0)
    check_plan(snapshot, plan, PARAMS)
    assert plan.objective.total <= before
