"""Fair loads: each technician's share of the day's on-site work, for the optimizer's fairness
term (`SolveParams.fairness_weight`): what is open plus what everyone on shift did today,
over those on shift, less what he did himself."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.tickets.models import Ticket
from optimizer import Job, Tech


def with_fair_shares(session: Session, techs: Sequence[Tech], jobs: Sequence[Job],
                     now: datetime, tz: ZoneInfo) -> list[Tech]:
    """`techs`, each with `fair_work`: the seconds of service he may still take on today
    before the fairness term counts. Work done today is each completed ticket's time on site
    (from the work's start, or the arrival, clipped to local midnight); the job in hand counts
    as done to its planned end. One query."""
    if not techs:
        return list(techs)
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz)
    ids = [int(t.id) for t in techs]
    done: dict[int, float] = defaultdict(float)
    rows = session.execute(select(
        Ticket.technician_id, Ticket.work_started_at, Ticket.on_site_at, Ticket.completed_at,
    ).where(Ticket.technician_id.in_(ids), Ticket.completed_at >= midnight))
    for tech_id, started, arrived, completed in rows:
        began = max(started or arrived or completed, midnight)
        done[tech_id] += max(0.0, (completed - began).total_seconds())
    for t in techs:
        if t.current_job is not None:
            done[int(t.id)] += t.available_at
    share = (sum(done[i] for i in ids) + sum(j.service for j in jobs)) / len(techs)
    return [dataclasses.replace(t, fair_work=max(0, int(share - done[int(t.id)])))
            for t in techs]
