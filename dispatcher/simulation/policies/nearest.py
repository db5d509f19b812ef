"""Today's practice: the nearest qualified free technician; otherwise a queue, emergencies first.

A scheduled ticket reaches the board `LEAD` before its window opens, as a dispatcher sends
someone shortly before the appointment rather than when it was booked. A crew ticket (a fire
alarm: fire + general) is one such decision per member: each goes to the nearest free
technician with that member's skill, or queues for the next one free, as firms do it today.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from dispatcher.enums import Skill, Urgency
from dispatcher.simulation.stream import SimTicket
from dispatcher.simulation.world import Order, SimTech, World

LEAD = timedelta(minutes=30)


class NearestPolicy:
    """Nearest free technician at arrival; a technician who finishes takes the next queued."""

    name = "nearest"

    def __init__(self) -> None:
        self.replan_ms: list[float] = []
        self.churn = 0
        self.board: list[int] = []  # arrived since the last decision, in arrival order
        # (not emergency, released, id, member): a crew ticket queues each member apart
        self.queue: list[tuple[bool, datetime, int, int]] = []
        self.held: dict[int, datetime] = {}  # scheduled, not yet released

    def bind(self, world: World) -> None:
        self.world = world

    def notify(self, kind: str, ticket: SimTicket | None, tech: SimTech | None) -> None:
        if kind != "report":
            return
        release = ticket.window[0] - LEAD if ticket.window is not None else ticket.reported_at
        if release > self.world.now:
            self.held[ticket.id] = release
            self.world.wake(release)
        else:
            self.board.append(ticket.id)

    def decide(self) -> list[Order]:
        began = time.perf_counter()
        now = self.world.now
        for tid, release in sorted(self.held.items(), key=lambda kv: (kv[1], kv[0])):
            if release <= now:
                del self.held[tid]
                self.board.append(tid)
        free = self.world.idle_techs()
        orders = self._arrivals(free) + self._from_queue(free)
        self.replan_ms.append((time.perf_counter() - began) * 1000)
        return orders

    def _open(self, tid: int, member: int) -> bool:
        return member in self.world.needs(tid)

    def _arrivals(self, free: list[SimTech]) -> list[Order]:
        orders = []
        for tid in self.board:
            ticket = self.world.tickets[tid]
            for member in self.world.needs(tid):
                skill = self.world.crews[tid][member - 1]
                tech = self.nearest(ticket, free, skill)
                if tech is None:
                    release = max(ticket.reported_at, ticket.window[0] - LEAD if ticket.window
                                  else ticket.reported_at)
                    self.queue.append((ticket.urgency is not Urgency.emergency, release, tid,
                                       member))
                else:
                    free.remove(tech)
                    orders.append(Order(tech.id, tid, member))
        self.board = []
        return orders

    def _from_queue(self, free: list[SimTech]) -> list[Order]:
        orders = []
        self.queue = sorted(q for q in self.queue if self._open(q[2], q[3]))
        for tech in list(free):
            entry = next((q for q in self.queue
                          if self.world.crews[q[2]][q[3] - 1] in tech.spec.skills), None)
            if entry is not None:
                self.queue.remove(entry)
                free.remove(tech)
                orders.append(Order(tech.id, entry[2], entry[3]))
        return orders

    def nearest(self, ticket: SimTicket, free: list[SimTech],
                skill: Skill | None = None) -> SimTech | None:
        """The technician in `free` with `skill` (the ticket's own by default) and the
        shortest estimated drive."""
        skill = skill or ticket.skill
        qualified = [t for t in free if skill in t.spec.skills]
        if not qualified:
            return None
        return min(qualified, key=lambda t: (self.world.seconds(t.position, ticket.point), t.id))

    def close(self) -> None:
        pass

