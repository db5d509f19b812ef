"""Each KPI as a pure function of plain rows (see `rows.py`); `compute.py` puts them together.

Conventions (also in the README):
- A milestone (respond: accepted_at <= respond_by; arrive: on_site_at <= arrive_by; resolve:
  completed_at <= resolve_by) is *met* if reached by its deadline, *missed* if reached after it
  or not reached while its deadline has passed; a milestone not reached and not yet due, or
  without a deadline, counts nowhere. Cancelled tickets count nowhere.
- p90 is the nearest-rank percentile: the smallest value with at least 90 % of values <= it.
- Travel is the great-circle distance between successive GPS fixes of a technician (sphere of
  radius 6371.0088 km), both fixes inside the range: what the phone saw, not road kilometres.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatcher.kpis.rows import FollowUpRow, GpsFix, TechnicianRow, TicketRow

MILESTONES = {
    "respond": ("accepted_at", "respond_by"),
    "arrive": ("on_site_at", "arrive_by"),
    "resolve": ("completed_at", "resolve_by"),
}
EARTH_KM = 6371.0088


def milestone_met(ticket: TicketRow, milestone: str, now: datetime) -> bool | None:
    """True met, False missed, None not counted (no deadline, or not reached and not yet due)."""
    reached_field, deadline_field = MILESTONES[milestone]
    deadline = getattr(ticket, deadline_field)
    reached = getattr(ticket, reached_field)
    if deadline is None or ticket.cancelled_at is not None:
        return None
    if reached is not None:
        return reached <= deadline
    return False if deadline < now else None


def sla_counts(tickets: Iterable[TicketRow], milestone: str, now: datetime) -> tuple[int, int]:
    """(met, missed) for one milestone."""
    outcomes = [milestone_met(t, milestone, now) for t in tickets]
    return (sum(o is True for o in outcomes), sum(o is False for o in outcomes))


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide (a rate of nothing is no rate)."""
    return part / whole if whole else None


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def cycle_minutes(tickets: Iterable[TicketRow]) -> list[float]:
    """Minutes from report to completion of each completed ticket."""
    return [(t.completed_at - t.reported_at).total_seconds() / 60
            for t in tickets if t.completed_at is not None]


def first_time_fixed(completed: Sequence[TicketRow], reworked: frozenset[int]) -> int:
    """Completed tickets no later ticket had to redo."""
    return sum(t.id not in reworked for t in completed)


def ratings(follow_ups: Iterable[FollowUpRow], ticket_ids: set[int]) -> list[int]:
    """Ratings of the answered follow-ups of these tickets."""
    return [f.rating for f in follow_ups
            if f.ticket_id in ticket_ids and f.state == "answered" and f.rating is not None]


def maintenance_on_time(ticket: TicketRow, now: datetime) -> bool | None:
    """A preventive visit inside its window: True; outside, or window passed undone: False."""
    start, end = ticket.window_start, ticket.window_end
    if end is None or ticket.cancelled_at is not None:
        return None
    if ticket.completed_at is None:
        return False if end < now else None
    began = ticket.on_site_at or ticket.completed_at
    return ticket.completed_at <= end and (start is None or began >= start)


def overlap_s(a: datetime, b: datetime, lo: datetime, hi: datetime) -> float:
    """Seconds [a, b) and [lo, hi) share."""
    return max(0.0, (min(b, hi) - max(a, lo)).total_seconds())


def on_site_seconds(tickets: Iterable[TicketRow], technician_id: int, lo: datetime,
                    hi: datetime, now: datetime) -> float:
    """Time the technician spent on site (his last stint's start to completion, or to now)
    inside [lo, hi); a stint before a call-away is not counted twice with the emergency's."""
    return sum(overlap_s(t.work_started_at or t.on_site_at, t.completed_at or now, lo, hi)
               for t in tickets if t.technician_id == technician_id and t.on_site_at is not None
               and t.cancelled_at is None)


def shift_seconds(tech: TechnicianRow, lo: datetime, hi: datetime, tz: ZoneInfo) -> float:
    """Time inside the technician's daily shifts within [lo, hi), from when he joined."""
    if tech.since is not None:
        lo = max(lo, tech.since)
    if hi <= lo:
        return 0.0
    length = shift_length(tech.shift_start, tech.shift_end)
    day, last = lo.astimezone(tz).date() - timedelta(days=1), hi.astimezone(tz).date()
    total = 0.0
    while day <= last:
        begins = datetime.combine(day, tech.shift_start, tzinfo=tz)
        total += overlap_s(begins, begins + length, lo, hi)
        day += timedelta(days=1)
    return total


def shift_length(start: time, end: time) -> timedelta:
    """A daily shift's length; an end not after the start runs past midnight (equal: 24 h)."""
    span = datetime.combine(datetime.min, end) - datetime.combine(datetime.min, start)
    return span if span > timedelta(0) else span + timedelta(days=1)


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def travel_km(fixes: Iterable[GpsFix], lo: datetime, hi: datetime) -> dict[int, float]:
    """Per technician, the distance between his successive GPS fixes inside [lo, hi)."""
    tracks: dict[int, list[GpsFix]] = defaultdict(list)
    for fix in fixes:
        if lo <= fix.at < hi:
            tracks[fix.technician_id].append(fix)
    out = {}
    for tech_id, track in tracks.items():
        track.sort(key=lambda f: f.at)
        out[tech_id] = sum(great_circle_km((a.lat, a.lon), (b.lat, b.lon))
                           for a, b in zip(track, track[1:], strict=False))
    return out
