"""A technician's route as his app shows it: the plan's order, each stop with its ticket."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.crews.models import CrewMember
from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.fieldwork.schemas import RouteRead, RouteStop
from dispatcher.planning import view as plan_view
from dispatcher.sites import service as sites
from dispatcher.technicians import service as technicians
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket


def of_technician(session: Session, *, technician_id: int,
                  map_apps: Sequence[str] = ()) -> RouteRead:
    """His open tickets in his region's latest planned order; those the plan has not placed
    yet (just given to him) follow by planned start. Each stop links to the `map_apps`."""
    tech = technicians.get(session, technician_id=technician_id)
    plan = plan_view.latest(session, region=tech.region)
    mine = {t.id: t for t in tickets.list_(session, statuses=OPEN_STATUSES,
                                           technician_id=technician_id)}
    seats = _seats(session, technician_id)
    mine.update({t.id: t for t in tickets.list_(session, statuses=OPEN_STATUSES, ids=seats)})
    planned = next((r["stops"] for r in (plan.routes if plan else [])
                    if r["technician_id"] == technician_id), [])
    named = sites.names(session, {t.site_id for t in mine.values() if t.site_id})
    stops: list[RouteStop] = []
    for stop in planned:
        ticket = mine.pop(stop["ticket_id"], None)
        if ticket is not None:
            stops.append(RouteStop.of(len(stops), ticket, stop["in_progress"], map_apps, named,
                                      seats.get(ticket.id)))
    rest = sorted(mine.values(), key=lambda t: (t.planned_start is None, t.planned_start, t.id))
    stops += [RouteStop.of(len(stops) + i, t, _on_site(t, seats.get(t.id)), map_apps, named,
                           seats.get(t.id)) for i, t in enumerate(rest)]
    return RouteRead(technician_id=technician_id, plan_version=plan.version if plan else None,
                     computed_at=plan.computed_at if plan else None, stops=stops)


def _seats(session: Session, technician_id: int) -> dict[int, CrewMember]:
    """The crew places he holds on tickets that are not his own (a partner's), by ticket."""
    return {m.ticket_id: m for m in session.scalars(select(CrewMember).where(
        CrewMember.technician_id == technician_id))}


def _on_site(ticket: Ticket, seat: CrewMember | None) -> bool:
    return (seat.status if seat is not None else ticket.status) is Status.on_site
