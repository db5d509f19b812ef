"""Turning a technician around for an emergency: the one case a started trip may change.

A technician on his way to routine or scheduled work is the only help that can still reach
an emergency in time when everyone free is too far and everyone else is at work on site.
After a plan is stored, each emergency the plan brings late is matched with the technician
en route (qualified, not pinned or locked by a dispatcher, not himself heading to an
emergency) whose turn-around saves it the most lateness, if that saves at least the
configured minutes; his ticket goes back to the pool and the region is re-planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.enums import Status
from dispatcher.events import service as events
from dispatcher.planning.snapshot import Built
from dispatcher.tickets import service as tickets
from optimizer import Plan

UNSERVED_S = 4 * 3600  # an emergency left off every route counts as this late


@dataclass(frozen=True)
class Diversion:
    """Technician `technician_id` leaves ticket `ticket_id` for emergency `emergency_id`."""

    ticket_id: int
    technician_id: int
    emergency_id: int
    gain_s: int  # lateness the turn-around saves the emergency, per the estimates


def find(built: Built, plan: Plan, *, min_gain_s: int) -> list[Diversion]:
    """The turn-arounds worth making after `plan` of `built`, most urgent emergency first."""
    snap = built.snapshot
    placed = plan.assignment()
    techs = {t.id: t for t in snap.techs}
    heading = {j.started_by: j for j in snap.jobs if j.started_by is not None}
    emergencies = sorted((j for j in snap.jobs if j.urgency == "emergency"
                          and j.started_by is None and j.pinned_to is None
                          and j.due is not None), key=lambda j: j.due)
    used: set[str] = set()
    out = []
    for e in emergencies:
        stop = placed.get(e.id)
        late = max(0, stop[1].start - e.due) if stop is not None else UNSERVED_S
        best: tuple[int, int, str] | None = None
        for tech_id, job in heading.items():
            tech = techs.get(tech_id)
            if tech is None or tech_id in used or tech.locked or job.pinned_to is not None \
                    or job.urgency == "emergency" or e.skill not in tech.skills:
                continue
            drive = int(snap.travel[tech.location, e.location])
            gain = late - max(0, drive - e.due)
            if gain >= max(min_gain_s, 1) and (best is None or (gain, -drive) > best[:2]):
                best = (gain, -drive, tech_id)
        if best is not None:
            used.add(best[2])
            out.append(Diversion(int(heading[best[2]].id), int(best[2]), int(e.id), best[0]))
    return out


def apply(session: Session, diversion: Diversion, *, now: datetime) -> bool:
    """Put the ticket back in the pool if its technician is still on his way to it; records
    `ticket.diverted`. False (nothing done) if the world moved on since the plan."""
    ticket = tickets.get(session, ticket_id=diversion.ticket_id)
    if ticket.status is not Status.en_route or ticket.technician_id != diversion.technician_id:
        return False
    tickets.move(ticket, Status.new, now)
    ticket.technician_id = None
    ticket.planned_eta = ticket.planned_start = ticket.planned_end = None
    ticket.predicted_late_s = None
    ticket.unassigned_reason = f"technician turned round for emergency {diversion.emergency_id}"
    events.record(session, type="ticket.diverted", at=now, payload={
        "ticket_id": ticket.id, "technician_id": diversion.technician_id,
        "emergency_id": diversion.emergency_id, "gain_minutes": round(diversion.gain_s / 60, 1),
        "region": ticket.region})
    return True
