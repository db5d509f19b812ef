"""The day's tickets, generated from a seed or replayed from a JSONL log, with their actual times.

Every policy sees the same tickets and the same actual service times (common random numbers),
so differences between policies come from their decisions, not from luck.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.simulation.scenario import Scenario, ScenarioError
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets.schemas import TicketCreate, Window


@dataclass(frozen=True)
class SimTicket:
    """A ticket of the simulated day: what is reported, and what will really happen."""

    id: int
    reported_at: datetime
    urgency: Urgency
    category: Category
    skill: Skill
    lat: float
    lon: float
    site_id: str | None
    building: str | None
    service_min: int  # the estimate the dispatcher is told
    actual_service_s: int  # how long the work really takes
    window: tuple[datetime, datetime] | None
    cancel_at: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    def create(self) -> TicketCreate:
        """The ticket as the front desk reports it to the engine."""
        window = None if self.window is None else Window(start=self.window[0],
                                                         end=self.window[1])
        return TicketCreate(urgency=self.urgency, category=self.category, skill=self.skill,
                            lat=self.lat, lon=self.lon, site_id=self.site_id,
                            building=self.building, service_minutes=self.service_min,
                            reported_at=self.reported_at, window=window)


def day_tickets(scenario: Scenario, *, seed: int, policy: SlaPolicy) -> list[SimTicket]:
    """The tickets of the day, by report time (ids in that order)."""
    raw = (_replay(scenario, seed) if scenario.stream.replay is not None
           else _generate(scenario, seed))
    raw.sort(key=lambda r: (r["reported_at"], r["seq"]))
    return [_ticket(i + 1, r, scenario, policy) for i, r in enumerate(raw)]


def _generate(scenario: Scenario, seed: int) -> list[dict[str, Any]]:
    spec = scenario.stream
    out: list[dict[str, Any]] = []
    for k, urgency in enumerate(Urgency):
        rng = random.Random(seed * 7919 + k)
        at, rate = scenario.begins, spec.per_hour[urgency]
        while rate > 0:
            at += timedelta(seconds=round(rng.expovariate(rate / 3600)))
            if at >= scenario.arrivals_end:
                break
            out.append(_draw(scenario, urgency, at, rng, seq=len(out)))
    return out


def _draw(scenario: Scenario, urgency: Urgency, at: datetime, rng: random.Random,
          seq: int) -> dict[str, Any]:
    spec = scenario.stream
    cats = spec.categories[urgency]
    category = rng.choices(list(cats), list(cats.values()))[0]
    site = rng.choice(scenario.sites)
    building = rng.choice(site.buildings)
    reported, window = at, None
    if urgency is Urgency.scheduled:
        reported, window = _booking(scenario, at, rng)
    cancel = None
    if urgency is not Urgency.emergency and rng.random() < spec.cancel_share:
        cancel = reported + timedelta(minutes=rng.uniform(10, 60))
    return {"seq": seq, "reported_at": reported, "urgency": urgency, "category": category,
            "lat": building.lat, "lon": building.lon, "site_id": site.site_id,
            "building": building.name, "window": window, "cancel_at": cancel,
            "spread": rng.uniform(-1, 1)}


def _booking(scenario: Scenario, at: datetime, rng: random.Random
             ) -> tuple[datetime, tuple[datetime, datetime]]:
    """Booked ahead (known at the start, any window of the day) or same day, 2-6 h ahead."""
    hours = scenario.stream.window_hours
    last = scenario.arrivals_end - timedelta(hours=hours)
    if rng.random() < scenario.stream.booked_ahead:
        reported = scenario.begins
        start = scenario.begins + timedelta(hours=rng.randint(1, max(1, int(scenario.hours)
                                                                     - hours)))
    else:
        reported = at
        local = at.astimezone(scenario.tz).replace(minute=0, second=0, microsecond=0)
        start = local + timedelta(hours=rng.randint(2, 6))
    start = min(start, max(last, reported + timedelta(hours=1)))
    return reported, (start, start + timedelta(hours=hours))


def _ticket(tid: int, r: dict[str, Any], scenario: Scenario, policy: SlaPolicy) -> SimTicket:
    spec = scenario.stream
    category = r["category"]
    defaults = policy.defaults(category)
    estimate = r.get("service_min") or spec.service_min.get(category, defaults.service_min)
    actual = r.get("actual_service_s") or round(
        estimate * 60 * (1 + spec.service_spread * r["spread"]))
    deadlines = policy.deadlines(urgency=r["urgency"], category=category,
                                 reported_at=r["reported_at"], window=r["window"])
    return SimTicket(
        id=tid, reported_at=r["reported_at"], urgency=r["urgency"], category=category,
        skill=r.get("skill") or defaults.skill, lat=r["lat"], lon=r["lon"],
        site_id=r.get("site_id"), building=r.get("building"), service_min=int(estimate),
        actual_service_s=int(actual), window=r["window"], cancel_at=r["cancel_at"],
        arrive_by=deadlines.arrive_by, resolve_by=deadlines.resolve_by)


def _replay(scenario: Scenario, seed: int) -> list[dict[str, Any]]:
    """Tickets from a JSONL log: one object a line (see the README for the fields)."""
    path = scenario.stream.replay
    assert path is not None
    rng = random.Random(seed)
    out = []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise ScenarioError(f"tickets.replay: {exc}") from None
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                out.append(_replayed(json.loads(line), len(out), rng))
            except (KeyError, ValueError, TypeError) as exc:
                raise ScenarioError(f"{path}:{n}: {exc!r}") from None
    return out


def _replayed(d: dict[str, Any], seq: int, rng: random.Random) -> dict[str, Any]:
    when = datetime.fromisoformat
    window = d.get("window")
    actual = d.get("actual_service_min")
    return {"seq": seq, "reported_at": _aware(when(d["reported_at"])),
            "urgency": Urgency(d["urgency"]), "category": Category(d["category"]),
            "skill": Skill(d["skill"]) if d.get("skill") else None,
            "lat": float(d["lat"]), "lon": float(d["lon"]), "site_id": d.get("site_id"),
            "building": d.get("building"), "service_min": d.get("service_min"),
            "actual_service_s": None if actual is None else round(float(actual) * 60),
            "window": None if not window else (_aware(when(window[0])), _aware(when(window[1]))),
            "cancel_at": _aware(when(d["cancel_at"])) if d.get("cancel_at") else None,
            "spread": rng.uniform(-1, 1)}


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone")
    return value

