"""Turn the previous plan's routes into initial routes the current model accepts."""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp

from optimizer.eligibility import Eligibility, route_cap
from optimizer.params import SolveParams
from optimizer.schedule import synced_routes, visit
from optimizer.snapshot import Snapshot


def warm_routes(
    snapshot: Snapshot,
    params: SolveParams,
    eligible: tuple[Eligibility, ...],
    manager: pywrapcp.RoutingIndexManager,
) -> list[list[int]]:
    """Previous routes as routing indices, or [] when nothing of them is still usable.

    Unknown technicians and jobs, jobs no longer allowed on that technician and stops that
    would now break a window or the overtime cap are left out; started jobs go first. A
    crew that is not whole or cannot be synchronised is left out (`synced_routes`): the
    model would refuse the whole start.
    """
    routes = _still_allowed(snapshot, eligible)
    for j, elig in enumerate(eligible):
        if elig.started is not None:
            routes[elig.started] = [j, *(x for x in routes[elig.started] if x != j)]
    routes = [_on_time(snapshot, params, v, route) for v, route in enumerate(routes)]
    if any(job.crew is not None for job in snapshot.jobs):
        routes = synced_routes(snapshot, params, routes)[0]
    if not any(routes):
        return []
    return [[manager.NodeToIndex(j) for j in route] for route in routes]


def _still_allowed(snapshot: Snapshot, eligible: tuple[Eligibility, ...]) -> list[list[int]]:
    vehicle_of = {t.id: v for v, t in enumerate(snapshot.techs)}
    job_of = {job.id: j for j, job in enumerate(snapshot.jobs)}
    routes: list[list[int]] = [[] for _ in snapshot.techs]
    seen: set[int] = set()
    for tech_id, job_ids in snapshot.warm_start.items():
        v = vehicle_of.get(tech_id)
        for job_id in job_ids if v is not None else ():
            j = job_of.get(job_id)
            if j is not None and j not in seen and v in eligible[j].vehicles:
                routes[v].append(j)
                seen.add(j)
    return routes


def _on_time(snapshot: Snapshot, params: SolveParams, v: int, route: list[int]) -> list[int]:
    """Keep the stops in order, skipping each one whose window or the cap it would break."""
    tech = snapshot.techs[v]
    cap = route_cap(tech, params)
    now, where, kept = tech.available_at, tech.location, []
    for j in route:
        job = snapshot.jobs[j]
        _, arrival, start, end = visit(now, where, job, snapshot.travel)
        if end <= cap and (job.window is None or start <= job.window[1]):
            now, where = end, job.location
            kept.append(j)
    return kept
