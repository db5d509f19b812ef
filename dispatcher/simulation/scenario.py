"""A simulated day: sites, technicians, the travel model and the ticket stream, from JSON or TOML.

The file format is described in `dispatcher/simulation/README.md`; `load_scenario` checks it and
names the key of the first error.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.travel import GeodesicTravelTimes, MatrixTravelTimes, TravelTimes


class ScenarioError(ValueError):
    """The scenario file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Building:
    name: str
    lat: float
    lon: float
    floors: int = 6


@dataclass(frozen=True)
class Site:
    """A compound: its outline (lon, lat pairs), its buildings and the gate technicians use."""

    site_id: str
    name: str
    outline: tuple[tuple[float, float], ...]
    buildings: tuple[Building, ...]
    gate: tuple[float, float]


@dataclass(frozen=True)
class TechSpec:
    """A technician: skills, a daily shift in local time, the base he starts the day from."""

    name: str
    skills: tuple[Skill, ...]
    shift: tuple[time, time]
    home: tuple[float, float]


@dataclass(frozen=True)
class TravelSpec:
    """Geodesic distance x circuity over a speed, or an explicit matrix between named points."""

    speed_kmh: float = 20.0
    circuity: float = 1.3
    points: tuple[tuple[float, float], ...] | None = None  # matrix model: (lat, lon) per row
    seconds: tuple[tuple[int, ...], ...] | None = None
    metres: tuple[tuple[float, ...], ...] | None = None

    @property
    def is_matrix(self) -> bool:
        return self.seconds is not None

    def model(self) -> TravelTimes:
        if self.is_matrix:
            return MatrixTravelTimes(np.array(self.points), np.array(self.seconds),
                                     None if self.metres is None else np.array(self.metres))
        return GeodesicTravelTimes(self.speed_kmh, self.circuity)


@dataclass(frozen=True)
class StreamSpec:
    """How tickets are generated (or the JSONL file they are replayed from).

    per_hour: arrivals per hour by urgency during the day's `hours` (a Poisson stream each).
    categories: relative weights of categories within each urgency.
    service_min: estimated minutes on site per category (default: the SLA policy's).
    service_spread, travel_spread: actual = estimate x U(1 - spread, 1 + spread).
    booked_ahead: share of scheduled tickets booked on an earlier day (known at the start,
        windows anywhere in the day); the rest are booked during the day, 2-6 h ahead.
    window_hours: length of an appointment window.
    cancel_share: share of tickets the resident cancels 10-60 min after reporting (if no one
        has set off yet).
    """

    per_hour: dict[Urgency, float]
    categories: dict[Urgency, dict[Category, float]]
    service_min: dict[Category, int] = field(default_factory=dict)
    service_spread: float = 0.2
    travel_spread: float = 0.2
    booked_ahead: float = 0.5
    window_hours: int = 2
    cancel_share: float = 0.03
    replay: Path | None = None


@dataclass(frozen=True)
class Scenario:
    """One simulated day."""

    name: str
    day: date
    timezone: str
    start: time  # local time the day (and ticket arrivals) begin
    hours: float  # tickets arrive for this long
    drain_hours: float  # the day runs on this much longer for work in hand
    sites: tuple[Site, ...]
    technicians: tuple[TechSpec, ...]
    travel: TravelSpec
    stream: StreamSpec
    max_overtime_min: int = 120

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def begins(self) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=self.tz)

    @property
    def arrivals_end(self) -> datetime:
        return self.begins + timedelta(hours=self.hours)

    @property
    def ends(self) -> datetime:
        return self.arrivals_end + timedelta(hours=self.drain_hours)

    def with_hours(self, hours: float, drain_hours: float | None = None) -> Scenario:
        """The same day cut to `hours` of arrivals (for quick runs and tests)."""
        from dataclasses import replace
        drain = self.drain_hours if drain_hours is None else drain_hours
        return replace(self, hours=hours, drain_hours=drain)


# -- loading ----------------------------------------------------------------------------------
def load_scenario(path: Path) -> Scenario:
    """Read a scenario from a `.json` or `.toml` file."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    return parse_scenario(data, where=str(path), base=path.parent)


def parse_scenario(data: dict[str, Any], *, where: str = "scenario",
                   base: Path | None = None) -> Scenario:
    """A `Scenario` from parsed JSON/TOML data; `ScenarioError` names the first bad key."""
    p = _Reader(where)
    sites = tuple(_site(p, raw, f"site[{i}]") for i, raw in enumerate(p.list(data, "site")))
    gates = {s.site_id: s.gate for s in sites}
    techs = tuple(_tech(p, raw, f"technician[{i}]", gates)
                  for i, raw in enumerate(p.list(data, "technician")))
    if not sites or not techs:
        raise ScenarioError(f"{where}: needs at least one site and one technician")
    return Scenario(
        name=str(data.get("name", Path(where).stem)),
        day=p.get(data, "date", date.fromisoformat, "2026-11-25"),
        timezone=p.get(data, "timezone", _zone, "Asia/Shanghai"),
        start=p.get(data, "start", time.fromisoformat, "07:00"),
        hours=p.get(data, "hours", _positive, 14),
        drain_hours=p.get(data, "drain_hours", _non_negative, 4),
        sites=sites, technicians=techs,
        travel=_travel(p, data.get("travel", {}), "travel"),
        stream=_stream(p, data.get("tickets", {}), "tickets", base),
        max_overtime_min=p.get(data, "max_overtime_min", int, 120),
    )


class _Reader:
    """Reads keys with a converter, turning any failure into a `ScenarioError` naming the key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def get(self, data: dict[str, Any], key: str, conv: Any, default: Any = None,
            at: str = "") -> Any:
        name = f"{at}.{key}" if at else key
        value = data.get(key, default)
        if value is None:
            raise ScenarioError(f"{self.where}: {name} is required")
        try:
            return conv(value)
        except (TypeError, ValueError, KeyError) as exc:
            raise ScenarioError(f"{self.where}: {name}: {exc or 'invalid'} ({value!r})") from None

    def list(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise ScenarioError(f"{self.where}: {key} must be a list")
        return value


def _positive(value: Any) -> float:
    if float(value) <= 0:
        raise ValueError("must be positive")
    return float(value)


def _non_negative(value: Any) -> float:
    if float(value) < 0:
        raise ValueError("must be >= 0")
    return float(value)


def _share(value: Any) -> float:
    if not 0 <= float(value) <= 1:
        raise ValueError("must be between 0 and 1")
    return float(value)


def _zone(value: Any) -> str:
    ZoneInfo(str(value))
    return str(value)


def _point(value: Any) -> tuple[float, float]:
    lat, lon = (float(v) for v in value)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("not a (lat, lon) point")
    return (lat, lon)


def _site(p: _Reader, raw: dict[str, Any], at: str) -> Site:
    buildings = tuple(
        Building(p.get(b, "name", str, at=f"{at}.building[{i}]"),
                 *p.get(b, "at", _point, at=f"{at}.building[{i}]"),
                 floors=p.get(b, "floors", int, 6, at=f"{at}.building[{i}]"))
        for i, b in enumerate(p.list(raw, "building")))
    if not buildings:
        raise ScenarioError(f"{p.where}: {at}.building needs at least one building")
    outline = p.get(raw, "outline", lambda v: tuple((float(x), float(y)) for x, y in v), [],
                    at=at)
    return Site(p.get(raw, "id", str, at=at), str(raw.get("name", raw.get("id"))), outline,
                buildings, p.get(raw, "gate", _point, [buildings[0].lat, buildings[0].lon], at=at))


def _tech(p: _Reader, raw: dict[str, Any], at: str,
          gates: dict[str, tuple[float, float]]) -> TechSpec:
    if "home" not in raw and "base_site" in raw:
        raw = {**raw, "home": gates.get(raw["base_site"])}
    return TechSpec(
        name=p.get(raw, "name", str, at=at),
        skills=p.get(raw, "skills", lambda v: tuple(Skill(s) for s in v), at=at),
        shift=p.get(raw, "shift", lambda v: tuple(time.fromisoformat(s) for s in v), at=at),
        home=p.get(raw, "home", _point, at=at),
    )


def _travel(p: _Reader, raw: dict[str, Any], at: str) -> TravelSpec:
    model = raw.get("model", "geodesic")
    if model == "geodesic":
        return TravelSpec(p.get(raw, "speed_kmh", _positive, 20.0, at=at),
                          p.get(raw, "circuity", float, 1.3, at=at))
    if model != "matrix":
        raise ScenarioError(f"{p.where}: {at}.model must be 'geodesic' or 'matrix'")
    points = p.get(raw, "points", lambda v: tuple(_point(x) for x in v), at=at)
    seconds = p.get(raw, "seconds", lambda v: tuple(tuple(int(x) for x in r) for r in v), at=at)
    metres = raw.get("metres")
    spec = TravelSpec(points=points, seconds=seconds,
                      metres=None if metres is None else tuple(tuple(map(float, r))
                                                               for r in metres))
    try:
        spec.model()
    except ValueError as exc:
        raise ScenarioError(f"{p.where}: {at}: {exc}") from None
    return spec


DEFAULT_CATEGORIES = {
    Urgency.emergency: {Category.water: 3, Category.electric: 3, Category.gas: 1,
                        Category.fire: 1, Category.elevator: 2},
    Urgency.routine: {Category.electric: 3, Category.general: 3, Category.lock: 1,
                      Category.sanitation: 2, Category.water: 3, Category.hvac: 1},
    Urgency.scheduled: {Category.hvac: 2, Category.general: 2, Category.water: 1,
                        Category.electric: 1},
}


def _stream(p: _Reader, raw: dict[str, Any], at: str, base: Path | None) -> StreamSpec:
    replay = raw.get("replay")
    per_hour = p.get(raw, "per_hour", lambda v: {Urgency(k): _non_negative(x)
                                                 for k, x in v.items()}, {}, at=at)
    cats = p.get(raw, "categories", lambda v: {
        Urgency(u): {Category(c): _positive(w) for c, w in ws.items()} for u, ws in v.items()},
        {}, at=at)
    return StreamSpec(
        per_hour={u: per_hour.get(u, 0.0) for u in Urgency},
        categories={u: cats.get(u, DEFAULT_CATEGORIES[u]) for u in Urgency},
        service_min=p.get(raw, "service_min", lambda v: {Category(k): int(x)
                                                         for k, x in v.items()}, {}, at=at),
        service_spread=p.get(raw, "service_spread", _share, 0.2, at=at),
        travel_spread=p.get(raw, "travel_spread", _share, 0.2, at=at),
        booked_ahead=p.get(raw, "booked_ahead", _share, 0.5, at=at),
        window_hours=p.get(raw, "window_hours", int, 2, at=at),
        cancel_share=p.get(raw, "cancel_share", _share, 0.03, at=at),
        replay=None if replay is None else (base or Path(".")) / str(replay),
    )
