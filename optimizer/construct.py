"""A fast first plan: sequential cheapest feasible insertion, most urgent jobs first.

OR-Tools' built-in first-solution strategies find nothing within a minute at 200
technicians / 2,000 jobs; this construction takes a fraction of a second there and its
routes seed the routing model through `Snapshot.warm_start`.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimizer.crew_place import place_crews
from optimizer.eligibility import eligibilities
from optimizer.insert import best_insertion
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.routes import RouteState, Tables, tables
from optimizer.schedule import assemble
from optimizer.snapshot import Snapshot

NEIGHBOURS = 24  # routes tried per job: the nearest allowed ones (all when None)


def construct(snapshot: Snapshot, params: SolveParams, neighbours: int | None = NEIGHBOURS,
              seed: int = 0) -> list[list[int]]:
    """Job indices per technician, every hard rule kept; jobs that fit nowhere are left out.
    Crews go in first, each whole and synchronised (`optimizer.crew_place`).

    Parameters
    ----------
    snapshot : technicians, jobs and travel.
    params : the shift cap and overtime weight come from here.
    neighbours : try only this many allowed routes per job, nearest first (None: all).
    seed : breaks ties in the insertion order.
    """
    t = tables(snapshot, params)
    state = RouteState(t, [[] for _ in snapshot.techs])
    for j in np.flatnonzero(t.started >= 0):
        if snapshot.jobs[j].crew is None:
            state.insert(int(t.started[j]), 0, int(j))
    fixed = _positioned(snapshot)
    place_crews(state, skip=fixed)
    for j in insertion_order(t, seed):
        if t.started[j] < 0 and j not in fixed:
            place(state, int(j), neighbours)
    return state.seq


def place(state: RouteState, j: int, neighbours: int | None = NEIGHBOURS,
          everywhere: bool = True) -> bool:
    """Insert job j at its cheapest feasible place among its nearest routes, or when none
    fits and `everywhere`, among all its allowed routes; False if it went nowhere."""
    allowed = np.flatnonzero(state.t.allowed[j])
    near = nearest_routes(state, j, allowed, neighbours)
    choice = best_insertion(state, j, near)
    if choice is None and everywhere and len(near) < len(allowed):
        choice = best_insertion(state, j, allowed)
    if choice is None:
        return False
    state.insert(choice.vehicle, choice.position, j)
    return True


def nearest_routes(state: RouteState, j: int, vehicles: np.ndarray,
                   neighbours: int | None) -> np.ndarray:
    """The `neighbours` routes among `vehicles` passing closest to job j (sorted indices)."""
    if neighbours is None or len(vehicles) <= neighbours:
        return vehicles
    width = int(state.n[vehicles].max()) + 1
    legs = state.t.travel[state.loc[vehicles, :width], state.t.loc[j]]
    legs = np.where(np.arange(width)[None, :] <= state.n[vehicles][:, None], legs, np.inf)
    keep = np.argpartition(legs.min(axis=1), neighbours - 1)[:neighbours]
    return np.sort(vehicles[keep])


def insertion_order(t: Tables, seed: int = 0) -> np.ndarray:
    """Jobs by their hardest deadline (window end or due), then fewest allowed technicians."""
    deadline = np.minimum(t.hi, t.due)
    shuffle = np.random.default_rng(seed).permutation(len(t.loc))
    return np.lexsort((shuffle, t.allowed.sum(axis=1), deadline))


def _positioned(snapshot: Snapshot) -> set[int]:
    """Jobs with a fixed route position: left to the routing model, which enforces it."""
    return {j for j, job in enumerate(snapshot.jobs) if getattr(job, "position", None) is not None}


def construct_plan(snapshot: Snapshot, params: SolveParams,
                   neighbours: int | None = NEIGHBOURS) -> Plan:
    """The constructed routes as a timed `Plan` (status ``constructed``)."""
    began = time.perf_counter()
    sequences = construct(snapshot, params, neighbours)
    eligible = eligibilities(snapshot, params)
    ms = (time.perf_counter() - began) * 1000.0
    return assemble(snapshot, params, sequences, eligible, None, "constructed", False, ms)


def seeded(snapshot: Snapshot, params: SolveParams,
           neighbours: int | None = NEIGHBOURS) -> Snapshot:
    """The snapshot with a warm start that holds every job that fits: the previous routes
    repaired with each new job inserted at its cheapest place (most urgent first), or, with
    no previous routes, the constructed ones. New work is placed before any search, so a
    search cut short by its budget (a storm of tickets) still has it on the routes."""
    if not snapshot.jobs or not snapshot.techs:
        return snapshot
    if snapshot.warm_start:
        from optimizer.replan import repair  # repair builds on this module

        return dataclasses.replace(snapshot, warm_start=repair(snapshot, params))
    sequences = construct(snapshot, params, neighbours)
    warm = {tech.id: tuple(snapshot.jobs[j].id for j in seq)
            for tech, seq in zip(snapshot.techs, sequences, strict=True) if seq}
    return dataclasses.replace(snapshot, warm_start=warm)
