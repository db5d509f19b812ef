"""Dispatch terms added to the routing model: waiting cost, stability, rework, fair loads,
positions, locks.

Kept apart from the core model so each can be switched off (weight 0) and tested on its own.
"""

from __future__ import annotations

import numpy as np
from ortools.constraint_solver import pywrapcp

from optimizer.params import SolveParams
from optimizer.snapshot import Snapshot


def add_dispatch_terms(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager,
                       snapshot: Snapshot, transit: np.ndarray, params: SolveParams) -> None:
    """Add every dispatch term the snapshot and params ask for.

    Parameters
    ----------
    routing, manager : the model under construction (jobs are nodes 0..J-1).
    snapshot : technicians and jobs.
    transit : node-to-node transit seconds (service + travel) of the time dimension.
    params : weights (`flow_weight`, `stability_penalty`, `rework_penalty`,
        `fairness_weight`).
    """
    if params.flow_weight > 0 and snapshot.jobs:
        _add_waiting_cost(routing, manager, snapshot, transit, params.flow_weight)
    if params.stability_penalty > 0:
        _add_stability(routing, manager, snapshot, params.stability_penalty)
    rework = params.rework_penalty > 0 and any(job.avoid_techs for job in snapshot.jobs)
    area = params.area_penalty > 0 and any(job.outside_techs for job in snapshot.jobs)
    if rework or area:
        _add_avoidance(routing, manager, snapshot, params.rework_penalty if rework else 0,
                       params.area_penalty if area else 0)
    if params.fairness_weight > 0 and any(t.fair_work is not None for t in snapshot.techs):
        _add_fairness(routing, manager, snapshot, params.fairness_weight)
    if any(job.position is not None for job in snapshot.jobs):
        _add_positions(routing, manager, snapshot)
    _close_locked_routes(routing, manager, snapshot)


def _add_waiting_cost(routing, manager, snapshot: Snapshot, transit: np.ndarray,
                      weight: int) -> None:
    """Each job costs `weight` per minute from now to its earliest arrival.

    Without it, a job with a distant deadline is as good served at 16:00 as at 9:00, and one
    technician collects a long queue while another is idle; residents wait for nothing.
    """
    minutes = np.ceil(transit / 60).astype(np.int64)
    index = routing.RegisterTransitMatrix(minutes.tolist())
    horizon = int(minutes.max()) * (len(snapshot.jobs) + 1) + _latest_start(snapshot) // 60 + 1
    routing.AddDimension(index, 0, horizon, False, "waiting")
    waiting = routing.GetDimensionOrDie("waiting")
    for v, tech in enumerate(snapshot.techs):
        waiting.CumulVar(routing.Start(v)).SetValue(tech.available_at // 60)
    for j in range(len(snapshot.jobs)):
        waiting.SetCumulVarSoftUpperBound(manager.NodeToIndex(j), 0, weight)


def _add_fairness(routing, manager, snapshot: Snapshot, weight: int) -> None:
    """Each minute of service a route takes on beyond its technician's `fair_work` costs
    `weight`: the day's work is spread over those on shift, not piled on the nearest one.
    Emergencies are left out: they go to whoever is there soonest, whatever his load.
    A linear cost past a share (not a square of each load) keeps it a soft bound on one
    dimension, which the routing model's local search weighs move by move."""
    minutes = np.zeros(manager.GetNumberOfNodes(), dtype=np.int64)
    minutes[: len(snapshot.jobs)] = [0 if job.urgency == "emergency" else -(-job.service // 60)
                                     for job in snapshot.jobs]
    total = int(minutes.sum())
    index = routing.RegisterUnaryTransitVector(minutes.tolist())
    routing.AddDimension(index, 0, total, True, "work")
    work = routing.GetDimensionOrDie("work")
    for v, tech in enumerate(snapshot.techs):
        if tech.fair_work is not None:
            work.SetCumulVarSoftUpperBound(routing.End(v), tech.fair_work // 60, weight)


def _latest_start(snapshot: Snapshot) -> int:
    return max((t.available_at for t in snapshot.techs), default=0)


def _add_stability(routing, manager, snapshot: Snapshot, penalty: int) -> None:
    """Moving a job away from the technician the current plan gives it to costs `penalty`."""
    vehicle = {t.id: v for v, t in enumerate(snapshot.techs)}
    owners = {j: vehicle[job.assigned_to] for j, job in enumerate(snapshot.jobs)
              if job.assigned_to in vehicle and job.started_by is None and job.pinned_to is None}
    if not owners:
        return
    n_nodes = manager.GetNumberOfNodes()
    indices = []
    for v in range(len(snapshot.techs)):
        cost = np.zeros(n_nodes, dtype=np.int64)
        for j, owner in owners.items():
            if owner != v:
                cost[j] = penalty
        indices.append(routing.RegisterUnaryTransitVector(cost.tolist()))
    routing.AddDimensionWithVehicleTransits(indices, 0, penalty * len(owners), True, "stability")
    routing.GetDimensionOrDie("stability").SetSpanCostCoefficientForAllVehicles(1)


def _add_avoidance(routing, manager, snapshot: Snapshot, rework: int, area: int) -> None:
    """A job given to one of its `avoid_techs` costs `rework`, to one of its `outside_techs`
    `area`: a per-vehicle cost on its node.

    Unary transit vectors per vehicle (not a Python callback) and a span cost of 1: the
    dimension's span on a route is exactly the sum of the penalties of its jobs.
    """
    vehicle = {t.id: v for v, t in enumerate(snapshot.techs)}
    cost = np.zeros((len(snapshot.techs), manager.GetNumberOfNodes()), dtype=np.int64)
    for j, job in enumerate(snapshot.jobs):
        for penalty, techs in ((rework, job.avoid_techs), (area, job.outside_techs)):
            for tech_id in techs if penalty else ():
                if tech_id in vehicle:
                    cost[vehicle[tech_id], j] += penalty
    indices = [routing.RegisterUnaryTransitVector(row.tolist()) for row in cost]
    worst = int(cost.sum(axis=1).max()) if len(cost) else 0
    routing.AddDimensionWithVehicleTransits(indices, 0, max(worst, 1), True, "avoid")
    routing.GetDimensionOrDie("avoid").SetSpanCostCoefficientForAllVehicles(1)


def _add_positions(routing, manager, snapshot: Snapshot) -> None:
    """A job with a `position` is exactly that many jobs after its technician's start."""
    n_nodes = manager.GetNumberOfNodes()
    ones = [1 if node < len(snapshot.jobs) else 0 for node in range(n_nodes)]
    routing.AddDimension(routing.RegisterUnaryTransitVector(ones), 0, len(snapshot.jobs), True,
                         "stops")
    stops = routing.GetDimensionOrDie("stops")
    for j, job in enumerate(snapshot.jobs):
        if job.position is None:
            continue
        index = manager.NodeToIndex(j)
        if job.position < len(snapshot.jobs):
            stops.CumulVar(index).SetValue(job.position)
        else:  # more places than jobs: it cannot be had (setting it would fail the model)
            routing.ActiveVar(index).SetValue(0)


def _close_locked_routes(routing, manager, snapshot: Snapshot) -> None:
    """Only jobs pinned to a locked technician may be on his route."""
    locked = [v for v, t in enumerate(snapshot.techs) if t.locked]
    if not locked:
        return
    names = {v: snapshot.techs[v].id for v in locked}
    for j, job in enumerate(snapshot.jobs):
        barred = [v for v in locked if job.pinned_to != names[v] and job.started_by != names[v]]
        if barred:
            routing.VehicleVar(manager.NodeToIndex(j)).RemoveValues(barred)
