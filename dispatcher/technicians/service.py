"""Technician verbs. They flush; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from dispatcher.db import UtcDateTime
from dispatcher.enums import Skill, Status, TechState
from dispatcher.errors import Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.sites import service as sites
from dispatcher.technicians.models import Technician
from dispatcher.technicians.schemas import (
    HomeArea,
    Position,
    Shift,
    TechnicianCreate,
    TechnicianRead,
)
from dispatcher.technicians.shifts import current_shift
from dispatcher.tickets import service as tickets


def create(session: Session, *, data: TechnicianCreate, now: datetime) -> Technician:
    """Store a technician; he starts at his home base."""
    tech = Technician(
        name=data.name, skills=[s.value for s in data.skills], shift_start=data.shift.start,
        shift_end=data.shift.end, home_lat=data.home.lat, home_lon=data.home.lon, active=True,
        region=data.region, created_at=now,
        home_area=None if data.home_area is None else data.home_area.model_dump(),
    )
    if data.home_area is not None:
        _known_sites(session, data.home_area)
    session.add(tech)
    session.flush()
    events.record(session, type="technician.created", at=now,
                  payload={"technician_id": tech.id, "region": tech.region})
    return tech


def set_home_area(session: Session, *, technician_id: int, area: HomeArea | None,
                  now: datetime) -> Technician:
    """Give a technician his home area (None: the whole region again); the planner follows."""
    tech = get(session, technician_id=technician_id)
    if area is not None:
        _known_sites(session, area)
    tech.home_area = None if area is None else area.model_dump()
    events.record(session, type="technician.home_area", at=now,
                  payload={"technician_id": tech.id, "region": tech.region,
                           "home_area": tech.home_area})
    return tech


def _known_sites(session: Session, area: HomeArea) -> None:
    known = {s.id for s in sites.list_(session)}
    unknown = [s for s in area.sites if s not in known]
    if unknown:
        raise Invalid(f"unknown site(s) {', '.join(unknown)}", field="home_area.sites")


def get(session: Session, *, technician_id: int) -> Technician:
    """The technician, or `NotFound`."""
    tech = session.get(Technician, technician_id)
    if tech is None:
        raise NotFound(f"technician {technician_id} not found", field="technician_id")
    return tech


def list_(session: Session, *, region: str | None = None) -> list[Technician]:
    """Every active technician (of one region, if given)."""
    query = select(Technician).where(Technician.active.is_(True)).order_by(Technician.id)
    if region is not None:
        query = query.where(Technician.region == region)
    return list(session.scalars(query))


def update_position(
    session: Session, *, technician_id: int, lat: float, lon: float, at: datetime, now: datetime
) -> Technician:
    """Record a GPS fix; a fix older than the one already stored is recorded but not applied."""
    tech = get(session, technician_id=technician_id)
    fresh = tech.position_at is None or at >= tech.position_at
    if fresh:
        tech.lat, tech.lon, tech.position_at = lat, lon, at
    events.record(session, type="technician.position", at=now, payload={
        "technician_id": tech.id, "region": tech.region, "lat": lat, "lon": lon,
        "at": at.isoformat(), "applied": fresh})
    return tech


@dataclass(frozen=True)
class Located:
    """A technician's region and stored position (all None before his first fix)."""

    region: str
    lat: float | None
    lon: float | None
    at: datetime | None


def located(session: Session, *, technician_ids: Iterable[int]) -> dict[int, Located]:
    """Region and stored position of each of these technicians that exists (one query)."""
    query = select(Technician.id, Technician.region, Technician.lat, Technician.lon,
                   Technician.position_at).where(Technician.id.in_(set(technician_ids)))
    return {row.id: Located(row.region, row.lat, row.lon, row.position_at)
            for row in session.execute(query)}


_at = bindparam("b_at", type_=UtcDateTime())
# Newest wins in the database too: a fix taken before the stored one changes nothing, whichever
# process or batch writes it.
_MOVE = (update(Technician.__table__)
         .where(Technician.__table__.c.id == bindparam("b_id"),
                or_(Technician.__table__.c.position_at.is_(None),
                    Technician.__table__.c.position_at <= _at))
         .values(lat=bindparam("b_lat"), lon=bindparam("b_lon"), position_at=_at))


def move_many(session: Session, *,
              moves: Iterable[tuple[int, float, float, datetime]]) -> None:
    """Set the position of many technicians in one statement: (id, lat, lon, taken at)."""
    params = [{"b_id": i, "b_lat": lat, "b_lon": lon, "b_at": at} for i, lat, lon, at in moves]
    if params:
        session.execute(_MOVE, params)


def on_shift(tech: Technician, now: datetime, tz: ZoneInfo) -> bool:
    """Whether `now` falls inside the technician's shift."""
    return current_shift(tech.shift_start, tech.shift_end, now, tz) is not None


def record_shift_edges(session: Session, *, now: datetime, tz: ZoneInfo) -> list[dict]:
    """Record `technician.shift_started` / `shift_ended` for each shift edge since the last look.

    The stored state is changed with a compare-and-set, so when several processes run the clock
    only one of them records a given edge. The first look at a technician records no edge.
    """
    recorded = []
    for tech in list_(session):
        seen, current = tech.on_shift, on_shift(tech, now, tz)
        if seen is current:
            continue
        was = Technician.on_shift.is_(None) if seen is None else Technician.on_shift == seen
        changed = session.execute(update(Technician).where(Technician.id == tech.id, was)
                                  .values(on_shift=current)
                                  .execution_options(synchronize_session=False))
        if changed.rowcount != 1 or seen is None:
            continue  # another process saw the edge first, or this is the first look
        payload = {"technician_id": tech.id, "region": tech.region}
        kind = "technician.shift_started" if current else "technician.shift_ended"
        events.record(session, type=kind, at=now, payload=payload)
        recorded.append({"type": kind, **payload})
    return recorded


def read(session: Session, tech: Technician, *, now: datetime, tz: ZoneInfo) -> TechnicianRead:
    """The technician with his derived state: off, idle, en route or on site."""
    hand = tickets.in_hand(session, technician_id=tech.id)
    shift = on_shift(tech, now, tz)
    if hand is not None:
        state = TechState.on_site if hand.status is Status.on_site else TechState.en_route
    else:
        state = TechState.idle if shift else TechState.off
    lat, lon = tech.position
    return TechnicianRead(
        id=tech.id, name=tech.name, skills=[Skill(s) for s in tech.skills], region=tech.region,
        shift=Shift(start=tech.shift_start, end=tech.shift_end),
        home=Position(lat=tech.home_lat, lon=tech.home_lon), position=Position(lat=lat, lon=lon),
        position_at=tech.position_at, state=state, on_shift=shift,
        ticket_id=hand.id if hand else None,
        home_area=None if tech.home_area is None else HomeArea.model_validate(tech.home_area),
    )
