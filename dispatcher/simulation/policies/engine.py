"""Our dispatcher, driven through its real code path: an `Engine` on a temporary SQLite database.

Tickets, status reports and GPS fixes go in through the engine's commands, exactly as the API
and the technician app send them; `replan_now()` runs the same snapshot, solve and plan store
as the server's worker; technicians follow the stored plan's first stop.

A crew ticket's partner (a plan stop with `"member": k`) sets off, checks in and waits as
himself, through the app's verbs with a technician's credentials; the world starts the work
when the last member is there, and the ticket's own technician completes it.

A technician the planner turns round for an emergency (`ticket.diverted`) stops where he
is and takes the plan's new first stop; such moves are counted as diversions, not churn. One
it calls away from routine work (`ticket.interrupted`) leaves it unfinished and does the same.

When to re-plan, in simulated time: after every decision point whose events changed the world
(a ticket, a status, a shift edge). Events within one 200 ms debounce window share one re-plan,
as in the server. A GPS fix alone re-plans at most every `GPS_REPLAN`: it only moves a
technician who is already driving to a locked first stop, so it shifts ETAs by seconds, and
with a fix every 30 s per driver a district would otherwise re-plan several times a simulated
second for nothing a dispatcher would notice. A departure's own status reports (accepted,
en route) are folded into the next re-plan: no decision reads the plan before then.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dispatcher.auth.models import Role
from dispatcher.auth.tokens import Principal
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.fieldwork.schemas import CheckIn, Completion, Progress
from dispatcher.simulation.stream import SimTicket
from dispatcher.simulation.world import Fate, Order, Phase, SimTech, World, shift_intervals
from dispatcher.technicians.schemas import Position, PositionUpdate, Shift, TechnicianCreate

GPS_REPLAN = timedelta(seconds=120)

# Deterministic search: local search to a local optimum (greedy descent stops by itself);
# the time limit is only a safety cap, so neither ruin and recreate nor polishing by parts
# (which search until it) runs. Every other setting is the engine's own.
DETERMINISTIC = {"metaheuristic": "GREEDY_DESCENT", "time_budget_ms": 20_000,
                 "solution_limit": None, "ruin_recreate": False, "polish": False}


class EnginePolicy:
    """Re-plans with the real engine and sends idle technicians to their first planned stop."""

    name = "engine"

    def __init__(self, *, deterministic: bool = True, second_visit_share: float = 0.0,
                 seed: int = 0, **settings: Any) -> None:
        # False keeps the server's search (guided local search for its time budget): the
        # latency a server would show, at the price of runs that differ. `settings` are
        # engine settings to change (e.g. `local_replan_from=0`: plan a compound as a city).
        # `second_visit_share` of the jobs are completed "needs another visit" (drawn from
        # `seed`), as a technician would in the app.
        self.search = DETERMINISTIC if deterministic else {}
        self.second_visit_share = second_visit_share
        self._rng = random.Random(seed)
        self.settings = settings
        self.replan_ms: list[float] = []
        self.churn = 0
        self._moved: set[int] = set()
        self._dirty: list[str] = []
        self._gps = False
        self._look = True
        self._last_replan: datetime | None = None
        self._plan_routes: dict[int, list[dict[str, Any]]] = {}
        self.tech_ids: dict[int, int] = {}  # world technician -> engine technician
        self.ticket_ids: dict[int, int] = {}  # world ticket -> engine ticket
        self._world_ticket: dict[int, int] = {}
        self._world_tech: dict[int, int] = {}  # engine technician -> world technician
        self._turned: list[int] = []  # engine technicians the planner turned round
        self._called: list[int] = []  # engine technicians it called away from work

    def bind(self, world: World) -> None:
        self.world = world
        sc = world.scenario
        self._dir = tempfile.mkdtemp(prefix="dispatch-sim-")
        settings = Settings(database_url=f"sqlite:///{self._dir}/engine.db",
                            timezone=sc.timezone, speed_kmh=sc.travel.speed_kmh,
                            circuity=sc.travel.circuity, debounce_ms=0,
                            max_overtime_min=sc.max_overtime_min, **self.settings)
        self.engine = Engine(settings, clock=world.clock, travel=world.travel)
        self.engine.params = replace(self.engine.params, **self.search)
        if self.search:  # local re-plans too search to a local optimum, under the same cap,
            self.engine.planning.local_budget_ms = self.search["time_budget_ms"]
            self.engine.planning.region_passes = 1  # and a city's full solve does one pass
        self.engine.bus.subscribe(self._heard)
        for tech in world.techs:
            start, end = tech.spec.shift
            lat, lon = tech.spec.home
            read = self.engine.create_technician(TechnicianCreate(
                name=tech.spec.name, skills=list(tech.spec.skills),
                shift=Shift(start=start, end=end), home=Position(lat=lat, lon=lon)))
            self.tech_ids[tech.id] = read.id
            self._world_tech[read.id] = tech.id

    def _heard(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "technician.position":
            self._gps = True
            return
        if kind == "ticket.diverted":  # he turns round where he is, as his app tells him
            self._turned.append(event["payload"]["technician_id"])
        if kind == "ticket.interrupted":  # he leaves the work for the emergency
            self._called.append(event["payload"]["technician_id"])
        if kind.startswith(("ticket.", "technician.", "override.")):
            self._dirty.append(kind)

    # -- the world tells us what happened --------------------------------------------------------
    def notify(self, kind: str, ticket: SimTicket | None, tech: SimTech | None) -> None:
        self._look = self._look or kind != "gps"
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(ticket, tech)

    def _on_report(self, ticket: SimTicket, _: Any) -> None:
        read = self.engine.create_ticket(ticket.create())
        self.ticket_ids[ticket.id] = read.id
        self._world_ticket[read.id] = ticket.id

    def _on_cancel(self, ticket: SimTicket, _: Any) -> None:
        if self.world.outcomes[ticket.id].fate is Fate.cancelled:
            self.engine.cancel_ticket(self.ticket_ids[ticket.id])

    def _on_set_off(self, ticket: SimTicket, tech: SimTech) -> None:
        self._depart(Order(tech.id, ticket.id, tech.member))

    def _depart(self, order: Order) -> None:
        # The app's buttons: set off (accepting an assigned ticket on the way), check in,
        # complete; the same commands a technician's phone sends.
        tid = self.ticket_ids[order.ticket]
        read = self.engine.get_ticket(tid)
        status = read.crew[order.member - 1].status if order.member > 1 else read.status
        if status is not Status.en_route:
            self.engine.field.start(tid, Progress(at=self.world.now),
                                    by=self.principal(order.tech, order.member))

    def principal(self, tech_id: int, member: int) -> Principal | None:
        """Who a technician's app acts as: a crew partner as himself, else the ticket's own."""
        if member == 1:
            return None
        eid = self.tech_ids[tech_id]
        return Principal(0, f"sim-technician-{eid}", Role.technician, eid)

    def _on_reach(self, ticket: SimTicket, tech: SimTech) -> None:
        lat, lon = tech.position
        self.engine.field.check_in(self.ticket_ids[ticket.id],
                                   CheckIn(lat=lat, lon=lon, at=self.world.now),
                                   by=self.principal(tech.id, tech.member))

    def _on_done(self, ticket: SimTicket, tech: SimTech) -> None:
        fixed = not (self.second_visit_share and self._rng.random() < self.second_visit_share)
        self.engine.field.complete(self.ticket_ids[ticket.id],
                                   Completion(at=self.world.now, fixed=fixed))

    def _on_gps(self, ticket: SimTicket, tech: SimTech) -> None:
        self._fix(tech)

    def _on_shift(self, _: Any, tech: SimTech) -> None:
        # The app reports a position when a technician clocks in or out; the team changed.
        self._fix(tech)
        self._dirty.append("technician.shift")

    def _fix(self, tech: SimTech) -> None:
        lat, lon = tech.position
        self.engine.update_position(self.tech_ids[tech.id],
                                    PositionUpdate(lat=lat, lon=lon, at=self.world.now))

    # -- decisions -------------------------------------------------------------------------------
    def decide(self) -> list[Order]:
        now = self.world.now
        gps_due = self._gps and (self._last_replan is None
                                 or now - self._last_replan >= GPS_REPLAN)
        if not (self._look or self._dirty or gps_due):
            return []  # only GPS fixes since the last look: no one is newly idle, same plan
        self._look = False
        # A technician finishing in overtime sets off to the next stop his app shows (the
        # latest plan) at once: off shift, he is not among the idle ones sent after the re-plan.
        overtime = [t for t in self.world.techs
                    if t.phase is Phase.idle and not self.world.on_shift(t)
                    and self._shift_ended(t, now)]
        orders = self._orders(overtime)
        for order in orders:  # reported now, so that the re-plan sees them under way
            self._depart(order)
        if self._dirty or gps_due:
            self._replan(now)
        return orders + self._orders(self.world.idle_techs())

    def _shift_ended(self, tech: SimTech, now: datetime) -> bool:
        """In overtime rather than before his shift (the plan may already count on him)."""
        return any(end <= now for _, end in shift_intervals(tech.spec, self.world.scenario))

    def _orders(self, techs: list[SimTech]) -> list[Order]:
        orders = []
        for tech in techs:
            stop = self._first_stop(tech)
            if stop is not None:
                orders.append(Order(tech.id, *stop))
        return orders

    def _replan(self, now: datetime) -> None:
        trigger = self._dirty[0] if self._dirty else "technician.position"
        began = time.perf_counter()
        version = self.engine.replan_now(trigger)
        self.replan_ms.append((time.perf_counter() - began) * 1000)
        self._dirty, self._gps, self._last_replan = [], False, now
        self._plan_routes = {r["technician_id"]: r["stops"] for r in version.routes}
        for eid in self._turned:
            self.world.divert(self._world_tech[eid])
        for eid in self._called:
            self.world.interrupt(self._world_tech[eid])
        self._turned, self._called = [], []
        self._count_churn()

    def _first_stop(self, tech: SimTech) -> tuple[int, int] | None:
        """The world ticket this technician should set off to now, per the latest plan, and
        the member of its crew he goes as."""
        eid = self.tech_ids[tech.id]
        stops = [s for s in self._plan_routes.get(eid, []) if not s["in_progress"]]
        if not stops:
            return None
        tid, member = self._world_ticket[stops[0]["ticket_id"]], stops[0].get("member", 1)
        read = self.engine.get_ticket(stops[0]["ticket_id"])
        seat = read.crew[member - 1] if member > 1 else None
        status, holder = (seat.status, seat.technician_id) if seat is not None else (
            read.status, read.assignment.technician_id)
        if status not in (Status.assigned, Status.accepted) or holder != eid \
                or member not in self.world.needs(tid):
            return None
        ticket = self.world.tickets[tid]
        if ticket.window is not None:
            leave = ticket.window[0] - timedelta(seconds=self.world.seconds(tech.position,
                                                                            ticket.point))
            if leave > self.world.now:  # too early for the appointment: leave later
                self.world.wake(leave)
                return None
        return tid, member

    def _count_churn(self) -> None:
        """Tickets the plan moved away from a technician who had already set off to them."""
        for eid, stops in self._plan_routes.items():
            for stop in stops:
                wid = self._world_ticket[stop["ticket_id"]]
                outcome = self.world.outcomes[wid]
                partner = outcome.partners.get(stop.get("member", 1))
                if partner is not None and partner.on_site_at is None:
                    under_way = partner.tech  # a partner on his way
                elif outcome.fate is Fate.en_route and "member" not in stop:
                    under_way = outcome.tech
                else:
                    continue
                if self.tech_ids[under_way] != eid:
                    self._moved.add(wid)
        self.churn = len(self._moved)

    def close(self) -> None:
        self.engine.stop()
        self.engine.sessions.kw["bind"].dispose()
        shutil.rmtree(self._dir, ignore_errors=True)
