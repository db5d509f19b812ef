"""A hand-built history for the KPI tests: 8 reactive tickets, 2 preventive ones, follow-ups,
one rework, one recurring fault, GPS tracks. Every expected figure is worked out by hand in
the tests that use it.

Shanghai local times; the range is Mon 2 - Wed 4 November 2026, "now" is Wed 4 Nov 12:00.
Technicians 1 (Wang) and 2 (Li) work 08:00-17:00 every day.

| id | kind | reported | deadlines (respond/arrive/resolve) | accepted/on site/completed | tech |
|----|------|----------|-------------------------|----------------------------|------|
| 1 | routine electric | 2 Nov 09:00 | 09:30 / 11:00 / 10:30 | 09:10 / 09:40 / 10:40 | 1 |
| 2 | emergency water | 2 Nov 10:00 | 10:15 / 10:30 / 12:00 | 10:05 / 10:40 / 11:40 | 2 |
| 3 | routine water | 2 Nov 11:00 | 11:30 / 13:00 / 3 Nov 11:00 | 11:20 / 12:00 / 13:00 | 1 |
| 4 | routine general | 2 Nov 13:00 | 13:30 / 15:00 / 3 Nov 13:00 | never taken | - |
| 5 | routine lock | 2 Nov 14:00 | cancelled 14:20 | | - |
| 6 | water, redoes 3 | 3 Nov 09:00 | 09:30 / 11:00 / 4 Nov 09:00 | 09:40 / 10:00 / 11:00 | 2 |
| 7 | emergency electric | 3 Nov 10:00 | 10:15 / 10:30 / 12:00 | 10:10 / 10:25 / 12:30 | 1 |
| 8 | routine hvac | 4 Nov 10:00 | 10:30 / 12:30 / 5 Nov 10:00 | 10:20 / - / - | 2 |
| 101 | elevator PM | 26 Oct | window 2 Nov 00:00-4 Nov 00:00, due 3 Nov | 14:00-15:00 | 2 |
| 102 | fire PM | 27 Oct | window 3 Nov 08:00-16:00, due 12:00 | 16:00-16:40 | 1 |

Follow-ups: 1 answered 5 (fixed), 3 answered 2 (not fixed: ticket 6 redoes it), 7 answered 4,
2 and 6 pending. Closed: 1, 3, 7. One recurring fault (water, site sg) opened 3 Nov 09:00.
GPS: Wang 0 -> 1 -> 1 -> 2 km north on 2 Nov (2 km), Li 0 -> 0.5 km north on 3 Nov; a fix of
Wang's on 1 Nov lies outside the range.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatcher.assets.models import Asset, AssetKind
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.events.models import Event
from dispatcher.followups.models import FollowUp
from dispatcher.kpis.rows import (
    FollowUpRow,
    GpsFix,
    History,
    RecurringRow,
    TechnicianRow,
    TicketRow,
)
from dispatcher.maintenance.models import MaintenancePlan
from dispatcher.recurring.models import RecurringFault
from dispatcher.sites.schemas import SiteCreate
from dispatcher.technicians.schemas import Position, Shift, TechnicianCreate
from dispatcher.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
SITE = "sg"
ORIGIN = (31.225, 121.535)
KM_LAT = 1 / 111.2


def at(day: int, hh: int, mm: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=TZ)


NOW = at(4, 12)
START, END = at(2, 0), at(5, 0)


def north(km: float) -> tuple[float, float]:
    return (ORIGIN[0] + km * KM_LAT, ORIGIN[1])


def _t(id: int, urgency: str, category: str, reported: datetime, due: tuple, done: tuple,
       tech: int | None, **extra: object) -> TicketRow:
    respond, arrive, resolve = due
    accepted, on_site, completed = done
    return TicketRow(id=id, urgency=urgency, category=category, reported_at=reported,
                     site_id=SITE, technician_id=tech, respond_by=respond, arrive_by=arrive,
                     resolve_by=resolve, accepted_at=accepted, on_site_at=on_site,
                     completed_at=completed, **extra)


TICKETS = (
    _t(1, "routine", "electric", at(2, 9), (at(2, 9, 30), at(2, 11), at(2, 10, 30)),
       (at(2, 9, 10), at(2, 9, 40), at(2, 10, 40)), 1, closed_at=at(2, 12)),
    _t(2, "emergency", "water", at(2, 10), (at(2, 10, 15), at(2, 10, 30), at(2, 12)),
       (at(2, 10, 5), at(2, 10, 40), at(2, 11, 40)), 2),
    _t(3, "routine", "water", at(2, 11), (at(2, 11, 30), at(2, 13), at(3, 11)),
       (at(2, 11, 20), at(2, 12), at(2, 13)), 1, closed_at=at(2, 15)),
    _t(4, "routine", "general", at(2, 13), (at(2, 13, 30), at(2, 15), at(3, 13)),
       (None, None, None), None),
    _t(5, "routine", "lock", at(2, 14), (at(2, 14, 30), at(2, 16), at(3, 14)),
       (None, None, None), None, cancelled_at=at(2, 14, 20)),
    _t(6, "routine", "water", at(3, 9), (at(3, 9, 30), at(3, 11), at(4, 9)),
       (at(3, 9, 40), at(3, 10), at(3, 11)), 2, rework_of=3),
    _t(7, "emergency", "electric", at(3, 10), (at(3, 10, 15), at(3, 10, 30), at(3, 12)),
       (at(3, 10, 10), at(3, 10, 25), at(3, 12, 30)), 1, closed_at=at(3, 14)),
    _t(8, "routine", "hvac", at(4, 10), (at(4, 10, 30), at(4, 12, 30), at(5, 10)),
       (at(4, 10, 20), None, None), 2),
    _t(101, "scheduled", "elevator", at(26, 9, month=10), (None, at(4, 0), None),
       (at(2, 13), at(2, 14), at(2, 15)), 2, closed_at=at(2, 15), window_start=at(2, 0),
       window_end=at(4, 0), maintenance_plan_id=1, maintenance_due=at(3, 0)),
    _t(102, "scheduled", "fire", at(27, 9, month=10), (None, at(3, 16), None),
       (at(3, 15), at(3, 16), at(3, 16, 40)), 1, closed_at=at(3, 16, 40),
       window_start=at(3, 8), window_end=at(3, 16), maintenance_plan_id=2,
       maintenance_due=at(3, 12)),
)

TECHNICIANS = (
    TechnicianRow(1, "王师傅 Wang", time(8), time(17)),
    TechnicianRow(2, "李师傅 Li", time(8), time(17)),
)

FOLLOW_UPS = (
    FollowUpRow(1, "answered", 5, True),
    FollowUpRow(2, "pending"),
    FollowUpRow(3, "answered", 2, False),
    FollowUpRow(6, "pending"),
    FollowUpRow(7, "answered", 4, True),
)

RECURRING = (RecurringRow(at(3, 9), "water", SITE),)


def _fixes() -> tuple[GpsFix, ...]:
    wang = [(at(1, 16), 3.0), (at(2, 9, 15), 0.0), (at(2, 9, 40), 1.0), (at(2, 10, 50), 1.0),
            (at(2, 11, 30), 2.0)]
    li = [(at(3, 9, 45), 0.0), (at(3, 10), 0.5)]
    return tuple(GpsFix(tech, when, *north(km))
                 for tech, track in ((1, wang), (2, li)) for when, km in track)


FIXES = _fixes()

HISTORY = History(tickets=TICKETS, technicians=TECHNICIANS, follow_ups=FOLLOW_UPS,
                  recurring=RECURRING, fixes=FIXES, reworked=frozenset({3}),
                  site_regions={SITE: "default"})


def store(engine: Engine) -> None:
    """Write the history into the engine's database: the same rows, as stored state.

    Technicians go through the engine (so their `technician.created` events exist, on 1 Nov);
    the rest is inserted with its chosen timestamps, as the life cycle would have left it.
    """
    engine.clock.set(at(1, 8))
    engine.upsert_site(SiteCreate(id=SITE, name="阳光花园", lat=ORIGIN[0], lon=ORIGIN[1]))
    for t in TECHNICIANS:
        engine.create_technician(TechnicianCreate(
            name=t.name, skills=["general"], shift=Shift(start=t.shift_start, end=t.shift_end),
            home=Position(lat=ORIGIN[0], lon=ORIGIN[1])))
    with engine.sessions() as s:
        for plan_id, kind in ((1, AssetKind.elevator), (2, AssetKind.fire_system)):
            s.add(Asset(id=plan_id, kind=kind, name=kind.value, site_id=SITE, lat=ORIGIN[0],
                        lon=ORIGIN[1], created_at=at(1, 8)))
            s.add(MaintenancePlan(id=plan_id, asset_id=plan_id, kind=kind.value,
                                  category=kind.value if plan_id == 1 else "fire",
                                  service_minutes=60, cadence_days=15, tolerance_days=1,
                                  next_due=at(18, 0), active=True))
        s.flush()
        for row in TICKETS:
            s.add(_stored_ticket(row))
            s.flush()
        for f in FOLLOW_UPS:
            done = next(t.completed_at for t in TICKETS if t.id == f.ticket_id)
            s.add(FollowUp(ticket_id=f.ticket_id, created_at=done,
                           due_at=done + timedelta(hours=24), expires_at=done + timedelta(hours=72),
                           state=f.state, rating=f.rating, fixed=f.fixed,
                           answered_at=done + timedelta(hours=1) if f.rating else None))
        for r in RECURRING:
            s.add(RecurringFault(scope="unit", category=r.category, site_id=r.site_id,
                                 ticket_ids=[3, 6], count=2, first_at=at(2, 11),
                                 last_at=at(3, 9), state="open", opened_at=r.opened_at))
        for fix in FIXES:
            s.add(Event(type="technician.position", at=fix.at, published_at=fix.at, payload={
                "technician_id": fix.technician_id, "lat": fix.lat, "lon": fix.lon,
                "at": fix.at.isoformat(), "applied": True, "region": "default"}))
        s.commit()
    engine.clock.set(NOW)


def _stored_ticket(row: TicketRow) -> Ticket:
    fields = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    status = (Status.cancelled if row.cancelled_at else Status.closed if row.closed_at
              else Status.completed if row.completed_at else Status.accepted if row.accepted_at
              else Status.new)
    return Ticket(**fields, skill="general", lat=ORIGIN[0], lon=ORIGIN[1], region="default",
                  service_minutes=60, status=status)
