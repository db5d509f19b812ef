"""Crew tickets: who a ticket needs, each partner's progress, and when the work may be done.

A crew ticket's first technician is the ticket's own (`Ticket.technician_id`, `status`); the
others are `CrewMember` rows the planner fills. Each partner sees the ticket on his route and
says accepted, on his way and on site for himself; the work is done when every member is on
site and one of them completes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from dispatcher.enums import Skill, Status
from dispatcher.errors import Conflict, Invalid
from dispatcher.events import service as events
from dispatcher.sla.policy import MAX_CREW, SlaPolicy
from dispatcher.technicians.models import Technician
from dispatcher.tickets.models import Ticket

from .models import CrewMember

# How a partner goes on: the planner gives the place (new <-> assigned), he does the rest.
_NEXT = {Status.accepted: (Status.assigned,),
         Status.en_route: (Status.assigned, Status.accepted),
         Status.on_site: (Status.assigned, Status.accepted, Status.en_route)}
_STAMP = {Status.accepted: "accepted_at", Status.en_route: "en_route_at",
          Status.on_site: "on_site_at"}


def team(policy: SlaPolicy, ticket: Ticket, asked: Sequence[Skill] | None) -> list[Skill]:
    """The skills of the technicians a new ticket needs, its own first: those `asked`, or
    the SLA policy's crew for its urgency and category, or just its own skill."""
    skills = list(asked) if asked else list(
        policy.level(ticket.urgency, ticket.category).crew or ())
    if len(skills) > MAX_CREW:
        raise Invalid(f"a crew has at most {MAX_CREW} technicians", field="crew")
    if ticket.skill in skills:
        skills.remove(ticket.skill)
    elif skills and asked:
        raise Invalid(f"crew {[s.value for s in asked]} does not include the ticket's skill "
                      f"{ticket.skill.value}", field="crew")
    elif skills:  # the ticket's skill was chosen by hand: it replaces the policy's first
        skills.pop(0)
    return [ticket.skill, *skills]


def add(session: Session, ticket: Ticket, skills: Sequence[Skill]) -> None:
    """Make `ticket` a crew of `skills` (its own first); one skill leaves it a one-person job."""
    ticket.crew_size = len(skills)
    for k, skill in enumerate(skills[1:], start=2):
        session.add(CrewMember(ticket_id=ticket.id, member=k, skill=skill, status=Status.new))


def partners(session: Session, ticket_ids: Iterable[int]) -> dict[int, list[CrewMember]]:
    """Each crew ticket's partners (members 2..N), in order."""
    ids = list(ticket_ids)
    found: dict[int, list[CrewMember]] = {i: [] for i in ids}
    if not ids:
        return found
    query = select(CrewMember).where(CrewMember.ticket_id.in_(ids)).order_by(
        CrewMember.ticket_id, CrewMember.member)
    for row in session.scalars(query):
        found[row.ticket_id].append(row)
    return found


def partner(session: Session, *, ticket_id: int, technician_id: int | None) -> CrewMember | None:
    """The crew place of `technician_id` on ticket `ticket_id`, if he is one of its partners."""
    if technician_id is None:
        return None
    return session.scalar(select(CrewMember).where(CrewMember.ticket_id == ticket_id,
                                                   CrewMember.technician_id == technician_id))


def tickets_of(session: Session, *, technician_id: int) -> list[int]:
    """Tickets on which `technician_id` holds a partner's place."""
    return list(session.scalars(select(CrewMember.ticket_id).where(
        CrewMember.technician_id == technician_id)))


def people(session: Session, ticket: Ticket) -> list[int]:
    """Every technician holding a place on a crew ticket (its own first); [] for one-person
    work. Its events name them all, so each member's app hears of the others' steps."""
    if (ticket.crew_size or 1) <= 1:
        return []
    rows = partners(session, [ticket.id])[ticket.id]
    ids = [ticket.technician_id, *(m.technician_id for m in rows)]
    return [i for i in ids if i is not None]


def advance(session: Session, ticket: Ticket, member: CrewMember, target: Status,
            at: datetime) -> None:
    """A partner's own progress: accepted, on his way, on site (set off first if need be)."""
    if member.status is target or (target is Status.accepted
                                   and member.status in (Status.en_route, Status.on_site)):
        return  # said twice (a retried request): nothing more to do
    if ticket.status not in (Status.new, Status.assigned, Status.accepted, Status.en_route,
                             Status.on_site):
        raise Conflict(f"ticket {ticket.id} is {ticket.status.value}", field="status")
    if member.status not in _NEXT[target]:
        raise Conflict(f"crew member {member.member} of ticket {ticket.id} cannot go from "
                       f"{member.status.value} to {target.value}", field="status")
    member.status = target
    setattr(member, _STAMP[target], getattr(member, _STAMP[target]) or at)
    events.record(session, type=f"ticket.crew_{target.value}", at=at, payload={
        "ticket_id": ticket.id, "technician_id": member.technician_id, "member": member.member,
        "region": ticket.region, "crew": people(session, ticket)})


def under_way(session: Session, ticket: Ticket) -> bool:
    """Whether one of a crew ticket's partners has set off or arrived."""
    return (ticket.crew_size or 1) > 1 and any(
        m.status in (Status.en_route, Status.on_site)
        for m in partners(session, [ticket.id])[ticket.id])


def release(ticket: Ticket) -> None:
    """Free every partner of a crew ticket that goes back to the pool (not home, unassigned
    by a dispatcher, left out of the plan): the crew is planned again, whole."""
    if (ticket.crew_size or 1) <= 1:
        return
    session = object_session(ticket)
    if session is None:
        return
    for seat in partners(session, [ticket.id])[ticket.id]:
        seat.technician_id, seat.status = None, Status.new
        seat.accepted_at = seat.en_route_at = seat.on_site_at = None
        seat.planned_eta = seat.planned_start = seat.planned_end = None


def require_all_on_site(session: Session, ticket: Ticket) -> None:
    """Refuse to complete a crew's work before every member has checked in on site."""
    if (ticket.crew_size or 1) <= 1:
        return
    missing = [1] if ticket.status is not Status.on_site else []
    missing += [m.member for m in partners(session, [ticket.id])[ticket.id]
                if m.status is not Status.on_site]
    if missing:
        raise Conflict(f"ticket {ticket.id} needs its whole crew on site before it is done; "
                       f"not checked in yet: member(s) {missing}", field="crew")


@dataclass(frozen=True)
class Seat:
    """One member of a crew as people see it."""

    member: int
    skill: Skill
    technician_id: int | None
    name: str | None
    status: Status
    on_site_at: datetime | None
    eta: datetime | None


def seats(ticket: Ticket) -> list[Seat]:
    """Every member of a crew ticket, its own technician first; [] for one-person work."""
    if (ticket.crew_size or 1) <= 1:
        return []
    session = object_session(ticket)
    if session is None:
        return []
    rows = partners(session, [ticket.id])[ticket.id]
    people = {t.id: t.name for t in session.scalars(select(Technician).where(
        Technician.id.in_({ticket.technician_id, *(m.technician_id for m in rows)} - {None})))}
    lead = Seat(1, ticket.skill, ticket.technician_id, people.get(ticket.technician_id or -1),
                ticket.status, ticket.on_site_at, ticket.planned_eta)
    return [lead, *(Seat(m.member, m.skill, m.technician_id,
                         people.get(m.technician_id or -1), m.status, m.on_site_at,
                         m.planned_eta) for m in rows)]
