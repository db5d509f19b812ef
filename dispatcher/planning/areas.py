"""Home areas: which technicians each job lies outside of (a cost for the planner) or is
barred to (a strict area), from the sites and zones of `Technician.home_area`. Emergencies,
and jobs pinned or started, are left as they are: the planner crosses areas for them."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from optimizer import Job
from optimizer.crews import ticket_of


def with_home_areas(jobs: Sequence[Job], areas: Mapping[str, dict[str, Any]],
                    coords: Sequence[tuple[float, float]],
                    sites_of: Mapping[int, str | None]) -> list[Job]:
    """`jobs` with `outside_techs` / `barred_techs` set from the technicians' `areas`
    (technician id -> home area as stored); `sites_of` gives each ticket's site."""
    free = [k for k, j in enumerate(jobs) if j.urgency != "emergency"
            and j.pinned_to is None and j.started_by is None]
    if not areas or not free:
        return list(jobs)
    lats = np.array([coords[jobs[k].location][0] for k in free])
    lons = np.array([coords[jobs[k].location][1] for k in free])
    sites = np.array([sites_of.get(int(ticket_of(jobs[k].id))) or "" for k in free])
    outside: dict[int, list[str]] = defaultdict(list)
    barred: dict[int, list[str]] = defaultdict(list)
    for tech_id, area in areas.items():
        inside = np.isin(sites, area.get("sites") or [])
        for zone in _zones(_key(area)):
            inside |= shapely.contains_xy(zone, lons, lats)
        into = barred if area.get("strict") else outside
        for k in np.flatnonzero(~inside):
            into[free[k]].append(tech_id)
    return [dataclasses.replace(j, outside_techs=tuple(outside[k]), barred_techs=tuple(barred[k]))
            if k in outside or k in barred else j for k, j in enumerate(jobs)]


def _key(area: dict[str, Any]) -> tuple[tuple[tuple[float, float], ...], ...]:
    return tuple(tuple((p["lon"], p["lat"]) for p in ring) for ring in area.get("polygons") or ())


@lru_cache(maxsize=1024)
def _zones(rings: tuple[tuple[tuple[float, float], ...], ...]) -> list[Polygon]:
    """Each ring as a prepared polygon (x = lon, y = lat), made once per distinct area."""
    zones = [Polygon(ring) for ring in rings]
    for zone in zones:
        shapely.prepare(zone)
    return zones
