"""The optimizer's output: routes with timed stops, unassigned jobs with reasons, the objective."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    """One visit: arrival, start and end of service (seconds from the snapshot instant).

    A crew member (`Job.crew`) may arrive later than the previous end plus travel: he
    leaves later so as to meet his partners within the crew's tolerance.
    """

    job_id: str
    arrival: int
    start: int
    end: int
    late: int  # seconds the arrival is past the job's soft `due` (0 if on time or no due)
    travel: int  # seconds travelled from the previous stop (or the route's start)
    in_progress: bool = False  # the job the technician is on site at now


@dataclass(frozen=True)
class Route:
    """A technician's ordered stops."""

    tech_id: str
    stops: tuple[Stop, ...]
    end: int  # when the last service ends (or `available_at` with no stops)
    overtime: int  # seconds past the technician's shift end


@dataclass(frozen=True)
class Unassigned:
    """A job left off every route, with a reason a dispatcher can read."""

    job_id: str
    reason: str


@dataclass(frozen=True)
class Objective:
    """The objective broken down: travel seconds, weighted lateness, overtime, drops."""

    travel: int
    lateness: int  # sum of late seconds times each job's late_weight
    late_seconds: int  # unweighted sum of late seconds
    overtime: int
    dropped: int
    total: int  # the solver's objective value


@dataclass(frozen=True)
class Plan:
    """A solved snapshot."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: Objective
    solve_ms: float
    status: str  # e.g. "optimal", "feasible", "timeout", "empty"
    warm_started: bool = False

    def route_of(self, tech_id: str) -> Route | None:
        """The route of one technician, or None if he has none in this plan."""
        return next((r for r in self.routes if r.tech_id == tech_id), None)

    def sequences(self) -> dict[str, tuple[str, ...]]:
        """Technician id -> job ids of his route, the job in progress left out (it is not a
        node of a model): the routes to warm-start or compare another solve with."""
        return {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress)
                for r in self.routes}

    def assignment(self) -> dict[str, tuple[str, Stop]]:
        """Job id -> (technician id, stop) for every assigned job."""
        return {s.job_id: (r.tech_id, s) for r in self.routes for s in r.stops}
