"""VROOM re-solving at every event: hard windows, priorities by urgency (the `bench` extra).

VROOM has no soft deadlines: an SLA deadline becomes a hard window ending at it while it can
still be met, and no window once it has passed; a job that fits nowhere is left unassigned,
as VROOM does. Technicians already driving or on site are modelled as starting where their
ticket is, when its work should end, so nothing is moved once a technician has set off.

VROOM has no synchronised visits either (a job is served by one vehicle), so it plans a crew
ticket's own technician only; its partners are sent the way firms do it today: each the
nearest free technician with the member's skill as soon as the ticket's own has set off, ahead
of VROOM's next stops (it re-solves around him at the next event), or the first one free
after. Their arrivals are not planned together; the report's crew line shows what that costs.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from dispatcher.enums import Skill, Urgency
from dispatcher.simulation.run import Unavailable
from dispatcher.simulation.stream import SimTicket
from dispatcher.simulation.world import Fate, Order, Phase, SimTech, World
from dispatcher.technicians.shifts import current_shift

PRIORITY = {Urgency.emergency: 100, Urgency.scheduled: 50, Urgency.routine: 10}
SKILL_ID = {s: i + 1 for i, s in enumerate(Skill)}
REPLAN_ON = ("report", "cancel", "reach", "done", "shift", "set_off")


class VroomPolicy:
    """Re-solves with pyvroom after every event batch; idle technicians take their first job."""

    name = "vroom"

    def __init__(self, exploration_level: int = 5) -> None:
        try:
            import vroom
        except ImportError as exc:
            raise Unavailable(f"pyvroom is not installed ({exc}); install the bench extra"
                              ) from None
        self.vroom = vroom
        self.level = exploration_level
        self.replan_ms: list[float] = []
        self.churn = 0
        self.routes: dict[int, list[int]] = {}
        self._dirty = True

    def bind(self, world: World) -> None:
        self.world = world

    def notify(self, kind: str, ticket: SimTicket | None, tech: SimTech | None) -> None:
        self._dirty = self._dirty or kind in REPLAN_ON

    def decide(self) -> list[Order]:
        if self._dirty:
            began = time.perf_counter()
            self.routes = self._solve()
            self.replan_ms.append((time.perf_counter() - began) * 1000)
            self._dirty = False
        free = self.world.idle_techs()
        crews = [i for i, skills in self.world.crews.items() if len(skills) > 1
                 and self.world.outcomes[i].fate is not Fate.open]  # their own has set off
        orders = self._partners(crews, free)
        for tech in list(free):
            route = self.routes.get(tech.id, [])
            if route and self._ready(tech, self.world.tickets[route[0]]):
                free.remove(tech)
                orders.append(Order(tech.id, route.pop(0)))
        return orders + self._partners([o.ticket for o in orders if o.member == 1], free)

    def _partners(self, tickets: list[int], free: list[SimTech]) -> list[Order]:
        """The nearest free qualified technician for each member still to send of these
        tickets' crews (those sent are taken from `free`)."""
        orders = []
        for tid in tickets:
            ticket = self.world.tickets[tid]
            for member in [k for k in self.world.needs(tid) if k > 1]:
                skill = self.world.crews[tid][member - 1]
                qualified = [t for t in free if skill in t.spec.skills]
                if qualified:
                    tech = min(qualified, key=lambda t: (
                        self.world.seconds(t.position, ticket.point), t.id))
                    free.remove(tech)
                    orders.append(Order(tech.id, tid, member))
        return orders

    def _ready(self, tech: SimTech, ticket: SimTicket) -> bool:
        if self.world.outcomes[ticket.id].fate is not Fate.open:
            return False
        if ticket.window is None:
            return True
        leave = ticket.window[0] - timedelta(seconds=self.world.seconds(tech.position,
                                                                        ticket.point))
        if leave > self.world.now:
            self.world.wake(leave)
            return False
        return True

    def close(self) -> None:
        pass

    # -- the VROOM problem -------------------------------------------------------------------------
    def _solve(self) -> dict[int, list[int]]:
        w, now = self.world, self.world.now
        vehicles = [(t, *self._start(t, now)) for t in w.techs if w.on_shift(t)]
        jobs = [w.tickets[i] for i, o in w.outcomes.items() if o.fate is Fate.open and o.reported]
        if not vehicles or not jobs:
            return {}
        points = [p for _, p, _ in vehicles] + [j.point for j in jobs]
        matrix = w.travel.matrix(np.array(points)).astype(int)
        problem = self.vroom.Input()
        problem.set_durations_matrix("car", matrix.tolist())
        cap = w.scenario.max_overtime_min * 60
        for k, (tech, _, ready) in enumerate(vehicles):
            end = int((current_shift(*tech.spec.shift, now, w.scenario.tz)[1] - now)
                      .total_seconds()) + cap
            problem.add_vehicle(self.vroom.Vehicle(
                tech.id + 1, start=k, skills={SKILL_ID[s] for s in tech.spec.skills},
                time_window=self.vroom.TimeWindow(ready, max(ready, end))))
        for n, job in enumerate(jobs):
            problem.add_job(self.vroom.Job(
                job.id, location=len(vehicles) + n, default_service=job.service_min * 60,
                skills={SKILL_ID[job.skill]}, priority=PRIORITY[job.urgency],
                time_windows=_windows(self.vroom, job, now)))
        routes = problem.solve(exploration_level=self.level, nb_threads=1).routes
        steps = routes[routes["type"] == "job"]
        return {int(v) - 1: [int(i) for i in g["id"]]
                for v, g in steps.groupby("vehicle_id", sort=True)}

    def _start(self, tech: SimTech, now: datetime) -> tuple[tuple[float, float], int]:
        """Where and when (seconds from now) the technician is next free, by the estimates."""
        if tech.phase is Phase.idle:
            return tech.position, 0
        ticket = self.world.tickets[tech.ticket]
        outcome = self.world.outcomes[tech.ticket]
        if tech.phase is Phase.driving:
            eta = tech.trip.left_at + timedelta(
                seconds=self.world.seconds(tech.trip.origin, ticket.point))
            if ticket.window is not None:
                eta = max(eta, ticket.window[0])
        else:  # a crew's work starts when its last member is there: now at the earliest
            eta = outcome.work_from or self.world.now
        free = eta + timedelta(minutes=ticket.service_min)
        return ticket.point, max(0, int((free - now).total_seconds()))


def _windows(vroom: Any, job: SimTicket, now: datetime) -> list[Any]:
    """The appointment window, else [now, deadline] while the deadline can still be met."""
    def rel(at: datetime) -> int:
        return int((at - now).total_seconds())

    if job.window is not None and rel(job.window[1]) >= 0:
        return [vroom.TimeWindow(max(0, rel(job.window[0])), rel(job.window[1]))]
    dues = [rel(job.arrive_by)] if job.arrive_by is not None else []
    if job.resolve_by is not None:
        dues.append(rel(job.resolve_by) - job.service_min * 60)
    due = min(dues, default=-1)
    return [vroom.TimeWindow(0, due)] if due >= 0 else []
