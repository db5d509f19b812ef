"""The optimizer's input: a frozen picture of technicians, jobs and travel times at one instant.

All times are integer seconds relative to the snapshot instant (t = 0 is "now"). Locations are
row/column indices into `Snapshot.travel`, a square matrix of travel seconds.

The dispatch use leaves routes open-ended, capacities off and travel seconds as the cost. A
classic VRPTW (e.g. Solomon's) sets `Tech.end_location` to the depot, `Tech.capacity` and
`Job.demand`, and a separate `Snapshot.cost` matrix (distance) for the objective.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Tech:
    """A technician on shift, as the planner sees him.

    Attributes
    ----------
    id: technician id.
    skills: skills he holds; a job is only given to a technician holding its `skill`.
    location: matrix index where his route starts (his GPS position, or the site he works on).
    available_at: when he can leave `location` (0, or the end of the service in hand).
    shift_end: when his shift ends; work past it is overtime (soft), bounded by `max_overtime`.
    current_job: a job he is on site at now; it is reported as the first stop of his route
        and ends at `available_at`. It is not a node of the model.
    end_location: matrix index his route must end at (e.g. his base), travelled to after the
        last job and counted against `shift_end`; None leaves the route open-ended.
    capacity: most total `Job.demand` his route may carry; None for no limit.
    locked: his route is frozen by a dispatcher: only jobs pinned to him (with positions)
        may be on it.
    fair_work: seconds of service he may still take on before the fairness term
        (`SolveParams.fairness_weight`) counts against him: his fair share of the day's work
        less what he has done; None leaves him out of it.
    """

    id: str
    skills: frozenset[str]
    location: int
    available_at: int = 0
    shift_end: int = 8 * 3600
    current_job: str | None = None
    end_location: int | None = None
    capacity: int | None = None
    locked: bool = False
    fair_work: int | None = None


@dataclass(frozen=True)
class Job:
    """A ticket to place on a route.

    Attributes
    ----------
    id: ticket id.
    location: matrix index of the ticket's site.
    skill: the skill required.
    service: estimated service seconds on site.
    urgency: ``emergency`` | ``routine`` | ``scheduled``, for reporting.
    due: soft deadline on the arrival (seconds); arriving later costs `late_weight` a second.
    late_weight: cost of one second of lateness, weighted by urgency.
    window: hard (start, end) for the arrival, e.g. a booked appointment; None if open.
    pinned_to: a technician the dispatcher pinned this job to (hard).
    started_by: a technician already travelling to it: it stays first on his route (hard).
    demand: load the job takes from its technician's `capacity` (e.g. parts, volume).
    position: with `pinned_to`, its 0-based place on that technician's route (a started job
        counts as place 0) — a dispatcher's "move" or a locked route (hard).
    assigned_to: the technician the current plan gives it to; moving it elsewhere costs
        `SolveParams.stability_penalty`, so technicians are not bounced around.
    avoid_techs: technicians who should preferably not get it (soft): giving it to one of
        them costs `SolveParams.rework_penalty`, e.g. a rework going to whoever did the
        original repair.
    outside_techs: technicians whose home area the job lies outside (soft): giving it to
        one of them costs `SolveParams.area_penalty`, so residents get the technician who
        knows their building.
    barred_techs: technicians who may not take it (hard): outside the home area of one
        whom the company keeps inside it.
    crew: the ticket this job is one member of, when the ticket needs several technicians
        on site together (a fire alarm confirmed by two people); None for a one-person job.
        A ticket of N people is N jobs sharing `crew`, each with its own `skill`: the first
        has the ticket's id (``"T17"``) and `crew` equal to it, the others that id with
        ``#2``, ``#3``... (``"T17#2"``; see `optimizer.crews.member_id`, `ticket_of`).
        All members are planned or none, on distinct technicians.
    crew_tolerance: most seconds between the service starts of two members of the crew.
    """

    id: str
    location: int
    skill: str
    service: int
    urgency: str = "routine"
    due: int | None = None
    late_weight: int = 1
    window: tuple[int, int] | None = None
    pinned_to: str | None = None
    started_by: str | None = None
    demand: int = 0
    position: int | None = None
    assigned_to: str | None = None
    avoid_techs: tuple[str, ...] = ()
    outside_techs: tuple[str, ...] = ()
    barred_techs: tuple[str, ...] = ()
    crew: str | None = None
    crew_tolerance: int = 600


@dataclass(frozen=True)
class Snapshot:
    """Technicians, jobs and the travel-time matrix (seconds) between their locations.

    Attributes
    ----------
    techs, jobs: who plans and what to place.
    travel: integer travel seconds between locations (time windows and shifts use it).
    warm_start: the previous plan's routes, technician id -> ordered job ids.
    cost: integer arc costs, same shape as `travel`, minimised instead of travel seconds
        (e.g. scaled distance); None minimises travel seconds.
    """

    techs: tuple[Tech, ...]
    jobs: tuple[Job, ...]
    travel: np.ndarray
    warm_start: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cost: np.ndarray | None = None
