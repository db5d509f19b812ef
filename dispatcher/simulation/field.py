"""Simulated technicians who follow the plan: accept, drive, check in, work, complete.

They act only through the engine's field commands (`engine.field`, `engine.inspections`), the
same ones the PWA's buttons call: start, check in at the ticket, answer an inspection round's
checklist (now and then finding a fault), complete. A crew ticket's partner does his own steps
as himself (a technician's credentials) and waits on site; the work is timed from the last
member's arrival, and completed once by whichever member's step comes first then.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatcher.auth.models import Role
from dispatcher.auth.tokens import Principal
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.fieldwork.schemas import CheckIn, Completion, Progress
from dispatcher.inspections.checklist import ChecklistItem, ItemKind
from dispatcher.inspections.schemas import Answer
from dispatcher.technicians.schemas import PositionUpdate, TechnicianRead
from dispatcher.tickets.schemas import TicketRead

GPS_EVERY = timedelta(seconds=30)
FAULT_SHARE = 0.06  # of checklist answers that find something wrong


@dataclass
class Trip:
    """A drive under way: from where, since when, how long it will take."""

    origin: tuple[float, float]
    target: tuple[float, float]
    left_at: datetime
    seconds: float
    last_fix: datetime


class FieldTeam:
    """Moves every technician one step; actual times drawn within ±20 % of the estimates.

    A crew ticket's partners (members 2..N) act through a technician's credentials, as their
    own phones would; the work starts when the last member is on site."""

    def __init__(self, engine: Engine, *, seed: int) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.trips: dict[int, Trip] = {}
        self.work: dict[int, float] = {}  # ticket id -> actual service seconds
        self.people: set[int] = set()  # technicians driven by people in the app: left alone

    def step(self) -> None:
        """One step of everyone: drive on, check in, work or complete, or set off."""
        now = self.engine.clock.now()
        plan = self.engine.current_plan()
        firsts = {r["technician_id"]: [s for s in r["stops"] if not s["in_progress"]]
                  for r in (plan.routes if plan else [])}
        open_tickets = {t.id: t for t in self.engine.list_tickets(
            [Status.assigned, Status.accepted, Status.en_route, Status.on_site])}
        seats = _partners_under_way(open_tickets.values())
        finished: set[int] = set()  # completed in this step (the tickets read are older)
        for tech in self.engine.list_technicians():
            if tech.id in self.people:
                continue
            ticket, status, by = _in_hand(tech, open_tickets, seats)
            if ticket is not None and status is Status.en_route:
                self._drive(tech, ticket, now, by)
            elif ticket is not None and status is Status.on_site:
                if ticket.id not in finished and self._work(ticket, now, by):
                    finished.add(ticket.id)
            elif tech.on_shift and firsts.get(tech.id):
                stop = firsts[tech.id][0]
                self._depart(tech, open_tickets.get(stop["ticket_id"]), stop.get("member", 1),
                             now)

    def _depart(self, tech: TechnicianRead, ticket: TicketRead | None, member: int,
                now: datetime) -> None:
        if ticket is None or _holder(ticket, member) != tech.id:
            return
        origin = (tech.position.lat, tech.position.lon)
        seconds = self.engine.travel.seconds(origin, (ticket.lat, ticket.lon))
        if ticket.window is not None and now + timedelta(seconds=seconds) < ticket.window.start:
            return  # too early for the appointment: leave later
        by = _partner(tech.id) if member > 1 else None
        self.engine.field.start(ticket.id, Progress(), by=by)  # accepts an assigned one first
        actual = seconds * self.rng.uniform(0.8, 1.2)
        self.trips[tech.id] = Trip(origin, (ticket.lat, ticket.lon), now, actual, now)

    def _drive(self, tech: TechnicianRead, ticket: TicketRead, now: datetime,
               by: Principal | None) -> None:
        trip = self.trips.get(tech.id)
        if trip is None:  # e.g. after a restart: drive from where he is
            origin = (tech.position.lat, tech.position.lon)
            seconds = self.engine.travel.seconds(origin, (ticket.lat, ticket.lon))
            trip = self.trips[tech.id] = Trip(origin, (ticket.lat, ticket.lon), now, seconds, now)
        done = min(1.0, (now - trip.left_at).total_seconds() / max(trip.seconds, 1.0))
        if done >= 1.0:
            del self.trips[tech.id]
            self.engine.field.check_in(ticket.id, CheckIn(lat=ticket.lat, lon=ticket.lon),
                                       by=by)
        elif now - trip.last_fix >= GPS_EVERY:
            lat = trip.origin[0] + (trip.target[0] - trip.origin[0]) * done
            lon = trip.origin[1] + (trip.target[1] - trip.origin[1]) * done
            self.engine.update_position(tech.id, PositionUpdate(lat=lat, lon=lon, at=now))
            trip.last_fix = now

    def _work(self, ticket: TicketRead, now: datetime, by: Principal | None) -> bool:
        """Complete the work once its time has passed since the whole crew was on site (the
        one technician of one-person work); whether it was completed now."""
        began = _work_began(ticket)
        if began is None:
            return False  # a partner is still on his way: wait for him
        seconds = self.work.setdefault(
            ticket.id, ticket.service_minutes * 60 * self.rng.uniform(0.8, 1.2))
        if now < began + timedelta(seconds=seconds):
            return False
        if ticket.preventive:
            self._inspect(ticket)
        self.engine.field.complete(ticket.id, Completion(notes="done (simulated)"), by=by)
        self.work.pop(ticket.id, None)
        return True

    def _inspect(self, ticket: TicketRead) -> None:
        """Answer the round's open items: mostly normal, a few abnormal (a repair opens)."""
        round_ = self.engine.inspections.read(ticket.id)
        for item in round_.items:
            if item.answer is None:
                self.engine.inspections.answer(ticket.id, self._answer(item),
                                               photo=_PHOTO if item.photo else None)

    def _answer(self, item: ChecklistItem) -> Answer:
        fault = self.rng.random() < FAULT_SHARE
        if item.kind is ItemKind.check:
            return Answer(key=item.key, ok=not fault,
                          note="found on the simulated round" if fault else "")
        low = item.min if item.min is not None else 0.0
        high = item.max if item.max is not None else low * 2 + 1
        value = self.rng.uniform(low, high)
        if fault:  # past the side the range has
            value = high + abs(high) * 0.3 + 0.1 if item.max is not None else \
                low - abs(low) * 0.3 - 0.1
        return Answer(key=item.key, value=round(value, 2))


def _partner(technician_id: int) -> Principal:
    """A crew partner's credentials: the field verbs act for the member he is."""
    return Principal(0, f"sim-technician-{technician_id}", Role.technician, technician_id)


def _holder(ticket: TicketRead, member: int) -> int | None:
    """The technician the plan gave member `member`'s place (1: the ticket's own)."""
    if member == 1:
        return ticket.assignment.technician_id
    seat = next((s for s in ticket.crew if s.member == member), None)
    ready = seat is not None and seat.status in (Status.assigned, Status.accepted)
    return seat.technician_id if ready else None


def _partners_under_way(tickets: Iterable[TicketRead]) -> dict[int, tuple[TicketRead, Status]]:
    """Technician -> the crew ticket he holds a partner's place on, with his own progress,
    while he drives there or is on site (his technician record knows only his own tickets)."""
    return {seat.technician_id: (t, seat.status) for t in tickets for seat in t.crew[1:]
            if seat.technician_id is not None
            and seat.status in (Status.en_route, Status.on_site)}


def _in_hand(tech: TechnicianRead, open_tickets: dict[int, TicketRead],
             seats: dict[int, tuple[TicketRead, Status]]
             ) -> tuple[TicketRead | None, Status | None, Principal | None]:
    """The ticket he is driving to or on site at, his own progress on it, and who he acts as
    (None: the ticket's own technician)."""
    if tech.id in seats:
        ticket, status = seats[tech.id]
        return ticket, status, _partner(tech.id)
    hand = open_tickets.get(tech.ticket_id) if tech.ticket_id else None
    return hand, hand.status if hand else None, None


def _work_began(ticket: TicketRead) -> datetime | None:
    """When the work began: the last member's arrival (his own for one-person work), or None
    while a member is not on site."""
    began = ticket.work_started_at or ticket.on_site_at
    partners = ticket.crew[1:]
    if began is None or any(s.status is not Status.on_site or s.on_site_at is None
                            for s in partners):
        return None
    return max([began, *(s.on_site_at for s in partners if s.on_site_at is not None)])


def _png() -> bytes:
    """A small grey PNG: the simulated technician's photo of an item."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xa0" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


_PHOTO = _png()
