"""Hand-built days: one compound on a line of buildings, technicians placed where a test needs."""

from __future__ import annotations

from datetime import date, time, timedelta

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.simulation.scenario import (
    DEFAULT_CATEGORIES,
    Building,
    Scenario,
    Site,
    StreamSpec,
    TechSpec,
    TravelSpec,
)
from dispatcher.simulation.stream import SimTicket
from dispatcher.sla.policy import load_policy

ORIGIN = (31.225, 121.535)
KM_LAT = 1 / 111.2


def east(km: float) -> tuple[float, float]:
    """A point `km` east of the origin (on the same latitude)."""
    return (ORIGIN[0], round(ORIGIN[1] + km * KM_LAT / 0.855, 6))


def line_scenario(techs: list[tuple[str, tuple[Skill, ...], float]], *, hours: float = 4,
                  drain: float = 4) -> Scenario:
    """Buildings every 500 m east of the origin; technicians (name, skills, km east) 08-20."""
    buildings = tuple(Building(f"B{k}", *east(k * 0.5)) for k in range(11))
    site = Site("line", "Line", (), buildings, ORIGIN)
    team = tuple(TechSpec(name, skills, (time(8), time(20)), east(km))
                 for name, skills, km in techs)
    stream = StreamSpec(per_hour={u: 0.0 for u in Urgency}, categories=DEFAULT_CATEGORIES,
                        travel_spread=0.0, service_spread=0.0, cancel_share=0.0)
    return Scenario("line", date(2026, 11, 25), "Asia/Shanghai", time(8), hours, drain,
                    (site,), team, TravelSpec(), stream)


def make_ticket(sc: Scenario, tid: int, minute: float, km: float, *,
                urgency: Urgency = Urgency.routine, category: Category = Category.general,
                service_min: int = 30) -> SimTicket:
    """A ticket reported `minute` minutes into the day at the building `km` east."""
    reported = sc.begins + timedelta(minutes=minute)
    d = load_policy().deadlines(urgency=urgency, category=category, reported_at=reported)
    lat, lon = east(km)
    return SimTicket(tid, reported, urgency, category, load_policy().defaults(category).skill,
                     lat, lon, "line", None, service_min, service_min * 60, None, None,
                     d.arrive_by, d.resolve_by)
