"""Pre-empting work for an emergency: the one case a started trip, or started work, may change.

A technician on his way to routine or scheduled work is often the only help that can still
reach an emergency in time when everyone free is too far and everyone else is at work on
site; one at work on a routine job (no appointment, no arrival deadline) or at a booked
appointment (the resident was seen on time; the arrival stays recorded) can be called away
from it, as a property manager would. After a plan is stored, each emergency the plan brings
late is matched with the technician (qualified, route not locked by a dispatcher, not pinned
there, not himself busy with an emergency) whose pre-emption saves it the most lateness, if
that saves at least the configured minutes; when several save as much, a turn-around is
preferred to a call-away, and routine work to an appointment. His ticket goes back to the
pool, the emergency is pinned first on his route (by `planner`, reason `emergency`: the
re-plan cannot send him back to what he left, and the console shows why he moved) and the
region is re-planned.

A crew emergency (a fire alarm confirmed by two) counts as late when its last member is: each
member still to come who makes it late is matched so, and pinned to his place of the crew
(`member`), when together they bring the crew's last arrival sooner by the same margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dispatcher.enums import Status
from dispatcher.errors import DomainError
from dispatcher.events import service as events
from dispatcher.overrides import service as overrides
from dispatcher.overrides.models import Reason
from dispatcher.planning.snapshot import Built
from dispatcher.tickets import service as tickets
from optimizer import Job, Plan, Snapshot, Tech
from optimizer.crews import member_of, ticket_of

UNSERVED_S = 4 * 3600  # an emergency left off every route counts as this late


@dataclass(frozen=True)
class Diversion:
    """Technician `technician_id` leaves ticket `ticket_id` for emergency `emergency_id`:
    on his way to it (`interrupt` False, he turns round) or at work on it (he is called away).
    For a crew emergency, `member` is the place he takes (1: the ticket's own)."""

    ticket_id: int
    technician_id: int
    emergency_id: int
    gain_s: int  # lateness the pre-emption saves the emergency, per the estimates
    interrupt: bool = False
    member: int = 1


def find(built: Built, plan: Plan, *, min_gain_s: int, interrupt: bool = True,
         appointments: bool = True) -> list[Diversion]:
    """The pre-emptions worth making after `plan` of `built`, most urgent emergency first;
    `interrupt` False considers only technicians on their way, `appointments` False none at a
    booked appointment."""
    snap = built.snapshot
    placed = plan.assignment()
    techs = {t.id: t for t in snap.techs}
    # Per technician: the ticket he would leave and how much it costs to leave it (0: a trip,
    # 1: routine work, 2: a booked appointment), the tie-break between equal gains. A crew
    # member is neither turned round nor called away (his partners count on him).
    crew = {j.id for j in snap.jobs if j.crew is not None or ticket_of(j.id) != j.id}
    candidates = {j.started_by: (j.id, 0) for j in snap.jobs if j.started_by is not None
                  and j.pinned_to is None and j.urgency != "emergency" and j.id not in crew}
    if interrupt:
        candidates.update({tech_id: (ticket_id, 2 if appointment else 1)
                           for tech_id, (ticket_id, appointment) in built.interruptible.items()
                           if appointments or not appointment})
    ready = _ready(plan, techs)
    used: set[str] = set()
    out = []
    for due, members in _emergencies(snap.jobs):
        # Each member's arrival now (None: left out), and the best technician to pre-empt.
        now = {j.id: ready.get(j.id) if j.id in crew else
               (placed[j.id][1].start if j.id in placed else None) for j in members}
        late = UNSERVED_S if None in now.values() else max(0, max(now.values()) - due)
        taken: set[str] = set()
        best = {}
        for j in members:
            if j.started_by is not None or j.pinned_to is not None:
                continue
            pick = _best(j, candidates, techs, snap, used | taken)
            if pick is not None:
                best[j.id] = pick
                taken.add(pick[3])
        drive = {i: -pick[2] for i, pick in best.items()}
        # Each member's soonest arrival, as planned or by a pre-emption.
        soonest = [min(x for x in (now[i], drive.get(i)) if x is not None)
                   for i in now if now[i] is not None or i in drive]
        if len(soonest) < len(now):
            continue  # some member can be reached neither as planned nor by a pre-emption
        target = max(max(soonest), due)
        divert = [i for i, x in now.items() if i in best and (x is None or x > target)]
        after = max(drive[i] if i in divert else now[i] or 0 for i in now)
        gain = late - max(0, after - due)
        if not divert or gain < max(min_gain_s, 1):
            continue
        for i in divert:
            tech_id = best[i][3]
            used.add(tech_id)
            ticket_id, cost = candidates[tech_id]
            out.append(Diversion(int(ticket_id), int(tech_id), int(ticket_of(i)), gain,
                                 cost > 0, member_of(i)))
    return out


def _emergencies(jobs: tuple[Job, ...]) -> list[tuple[int, list[Job]]]:
    """Each emergency still to reach with its deadline, most urgent first: a one-person job
    not started nor pinned; a crew's members still to arrive, if one of them is free to move."""
    visits: dict[str, list[Job]] = {}
    for j in jobs:
        if j.urgency == "emergency" and j.due is not None:
            visits.setdefault(ticket_of(j.id), []).append(j)
    found = [(min(j.due or 0 for j in members), members) for members in visits.values()
             if any(j.started_by is None and j.pinned_to is None for j in members)]
    return sorted(found, key=lambda v: v[0])


def _best(job: Job, candidates: dict[str, tuple[str, int]], techs: dict[str, Tech],
          snap: Snapshot, used: set[str]) -> tuple[int, int, int, str] | None:
    """The technician whose pre-emption brings `job` soonest (an appointment or work on site
    left only when it brings it sooner): (-late, -cost, -drive, technician) or None."""
    best = None
    for tech_id, (_, cost) in candidates.items():
        tech = techs.get(tech_id)
        if tech is None or tech_id in used or tech.locked or job.skill not in tech.skills:
            continue
        drive = int(snap.travel[tech.location, job.location])
        rank = (-max(0, drive - (job.due or 0)), -cost, -drive, tech_id)
        if best is None or rank > best:
            best = rank
    return best


def _ready(plan: Plan, techs: dict[str, Tech]) -> dict[str, int]:
    """Job id -> the soonest its technician can be there as routed: the previous stop's end
    (or his start) plus the drive. A crew member planned to wait for his partners leaves
    later than that; this is when he could be there."""
    out = {}
    for r in plan.routes:
        tech = techs.get(r.tech_id)
        end = tech.available_at if tech is not None else 0
        for stop in r.stops:
            out[stop.job_id] = end + stop.travel
            end = stop.end
    return out


def apply(session: Session, diversion: Diversion, *, now: datetime, tz: ZoneInfo) -> bool:
    """Put the ticket back in the pool if its technician is still on his way to it (or still
    at work on it) and pin the emergency first on his route; records `ticket.diverted` (or
    `ticket.interrupted`). False (nothing done) if the world moved on since the plan."""
    ticket = tickets.get(session, ticket_id=diversion.ticket_id)
    was = Status.on_site if diversion.interrupt else Status.en_route
    if ticket.status is not was or ticket.technician_id != diversion.technician_id:
        return False
    try:
        overrides.pin(session, ticket_id=diversion.emergency_id,
                      technician_id=diversion.technician_id, by="planner",
                      reason=Reason.emergency, now=now, tz=tz, position=0,
                      member=diversion.member)
    except DomainError:  # the emergency was started, or his route locked, meanwhile
        return False
    tickets.move(ticket, Status.new, now)
    ticket.technician_id = None
    ticket.planned_eta = ticket.planned_start = ticket.planned_end = None
    ticket.predicted_late_s = None
    why = "called away" if diversion.interrupt else "turned round"
    ticket.unassigned_reason = f"technician {why} for emergency {diversion.emergency_id}"
    payload = {"ticket_id": ticket.id, "technician_id": diversion.technician_id,
               "emergency_id": diversion.emergency_id,
               "gain_minutes": round(diversion.gain_s / 60, 1), "region": ticket.region}
    if diversion.member > 1:
        payload["member"] = diversion.member  # he goes as this partner of the crew
    began = ticket.work_started_at or ticket.on_site_at
    if diversion.interrupt and began is not None:
        payload["worked_minutes"] = round(max(0.0, (now - began).total_seconds()) / 60, 1)
    kind = "ticket.interrupted" if diversion.interrupt else "ticket.diverted"
    events.record(session, type=kind, at=now, payload=payload)
    return True
