"""What the day cost under one policy: SLA breaches, lateness, travel, churn, re-plan latency."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from dispatcher.enums import Urgency
from dispatcher.simulation.stream import SimTicket
from dispatcher.simulation.world import Fate, Outcome, World, shift_intervals

EMERGENCY_ON_SITE = timedelta(minutes=30)
TIMELINE_STEP = timedelta(minutes=10)
MILESTONES = ("arrive", "resolve")
LATENCY_FIELDS = ("replan_ms_p50", "replan_ms_p99", "replan_ms_max", "wall_s")


@dataclass
class Report:
    """One policy's day. Times in minutes, distances in km; latencies are wall-clock."""

    policy: str
    tickets: int
    completed: int
    cancelled: int
    open: int
    breaches_total: int
    breaches: dict[str, dict[str, int]]
    lateness_min_total: float
    lateness_min_p95: float
    emergencies: int
    emergency_on_time_pct: float
    travel_km: float
    travel_km_per_ticket: float
    utilisation_pct: float
    churn: int
    replans: int
    replan_ms_p50: float
    replan_ms_p99: float
    replan_ms_max: float
    wall_s: float = 0.0
    diversions: int = 0  # trips cut short for an emergency (allowed churn)
    interruptions: int = 0  # work on site left for an emergency
    crews: int = 0  # tickets needing several technicians on site together (not cancelled)
    crews_on_time: int = 0  # of those, every member on site by the arrive deadline
    crew_gap_min: float = 0.0  # mean minutes from the first member's arrival to the last's
    # How evenly the day's work fell: standard deviation, over the technicians, of the
    # minutes each worked on site (and the mean it spreads around).
    work_spread_min: float = 0.0
    work_mean_min: float = 0.0
    note: str = ""
    timeline: list[tuple[int, int]] = field(default_factory=list)

    def as_dict(self, *, latency: bool = True) -> dict[str, Any]:
        """JSON-ready; without the wall-clock fields when `latency` is False (for comparing)."""
        data = asdict(self)
        if not latency:
            for key in LATENCY_FIELDS:
                data.pop(key)
        return data


def build_report(world: World, policy: Any, *, wall_s: float = 0.0, note: str = "") -> Report:
    """Score the finished day of `world` under `policy`."""
    end = world.scenario.ends
    pairs = [(t, world.outcomes[t.id]) for t in world.tickets.values()]
    live = [(t, o) for t, o in pairs if o.fate is not Fate.cancelled]
    breaches = {u.value: {m: 0 for m in MILESTONES} for u in Urgency}
    lateness = []
    for t, o in live:
        late = _late(t, o, end)
        for milestone, minutes in late.items():
            breaches[t.urgency.value][milestone] += minutes > 0
        if t.arrive_by is not None or t.resolve_by is not None:
            lateness.append(max(late.values(), default=0.0))
    completed = sum(o.fate is Fate.completed for _, o in pairs)
    emergencies = [(t, o) for t, o in live if t.urgency is Urgency.emergency]
    on_time = sum(o.on_site_at is not None and o.on_site_at - t.reported_at <= EMERGENCY_ON_SITE
                  for t, o in emergencies)
    ms = np.array(policy.replan_ms or [0.0])
    km = world.metres / 1000
    crews, crews_on_time, gaps = _crews(world, live)
    worked = [t.worked_s / 60 for t in world.techs]
    return Report(
        policy=policy.name, tickets=len(pairs), completed=completed,
        cancelled=len(pairs) - len(live), open=len(live) - completed,
        breaches_total=sum(sum(m.values()) for m in breaches.values()), breaches=breaches,
        lateness_min_total=round(sum(lateness), 1),
        lateness_min_p95=round(float(np.percentile(lateness, 95)) if lateness else 0.0, 1),
        emergencies=len(emergencies),
        emergency_on_time_pct=round(100 * on_time / len(emergencies), 1) if emergencies
        else 100.0,
        travel_km=round(km, 2), travel_km_per_ticket=round(km / max(completed, 1), 3),
        utilisation_pct=round(_utilisation(world), 1), churn=policy.churn,
        replans=len(policy.replan_ms), replan_ms_p50=round(float(np.percentile(ms, 50)), 1),
        replan_ms_p99=round(float(np.percentile(ms, 99)), 1), replan_ms_max=round(ms.max(), 1),
        wall_s=round(wall_s, 1), diversions=world.diversions,
        interruptions=world.interruptions, crews=crews, crews_on_time=crews_on_time,
        crew_gap_min=round(float(np.mean(gaps)), 1) if gaps else 0.0, note=note,
        work_spread_min=round(float(np.std(worked)), 1) if worked else 0.0,
        work_mean_min=round(float(np.mean(worked)), 1) if worked else 0.0,
        timeline=_timeline(world, pairs),
    )


def _late(t: SimTicket, o: Outcome, end: datetime) -> dict[str, float]:
    """Minutes late per milestone; a milestone not reached by the end counts up to the end."""
    out = {}
    for name, deadline, reached in (("arrive", t.arrive_by, o.on_site_at),
                                    ("resolve", t.resolve_by, o.completed_at)):
        if deadline is not None and deadline < end:
            out[name] = max(0.0, ((reached or end) - deadline).total_seconds() / 60)
    return out


def _crews(world: World, live: list[tuple[SimTicket, Outcome]]
           ) -> tuple[int, int, list[float]]:
    """Crew tickets: how many, how many had every member on site by the arrive deadline (or
    at all, without one), and for each whose crew all arrived the minutes first to last."""
    count, on_time, gaps = 0, 0, []
    for t, _ in live:
        if len(world.crews[t.id]) < 2:
            continue
        count += 1
        arrivals = world.arrivals(t.id)
        if None in arrivals:
            continue
        first, last = min(arrivals), max(arrivals)
        on_time += t.arrive_by is None or last <= t.arrive_by
        gaps.append((last - first).total_seconds() / 60)
    return count, on_time, gaps


def _utilisation(world: World) -> float:
    """Driving and working time over time on shift, all technicians together (%)."""
    on_shift = sum((b - a).total_seconds() for tech in world.techs
                   for a, b in shift_intervals(tech.spec, world.scenario))
    return 100 * sum(t.busy_s for t in world.techs) / max(on_shift, 1.0)


def _timeline(world: World, pairs: list[tuple[SimTicket, Outcome]]) -> list[tuple[int, int]]:
    """(minutes since the start, tickets reported and not yet finished) every ten minutes."""
    begins, out = world.scenario.begins, []
    at = begins
    while at <= world.scenario.ends:
        n = sum(t.reported_at <= at and not _closed_by(o, at) for t, o in pairs)
        out.append((int((at - begins).total_seconds() // 60), n))
        at += TIMELINE_STEP
    return out


def _closed_by(o: Outcome, at: datetime) -> bool:
    done = o.completed_at or o.cancelled_at
    return done is not None and done <= at
