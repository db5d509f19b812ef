"""The built-in scenarios: `small` (the demo compound), `district` and `city` (grids of compounds).

Generated from a fixed seed, so each is the same day every time; `--dump` in the benchmark
writes one out as a JSON scenario file to start your own from.
"""

from __future__ import annotations

import math
import random
from datetime import date, time

from shapely.geometry import Point, Polygon

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.simulation.compound import _OUTLINE, sunshine_garden
from dispatcher.simulation.scenario import (
    DEFAULT_CATEGORIES,
    Building,
    Scenario,
    ScenarioError,
    Site,
    StreamSpec,
    TechSpec,
    TravelSpec,
)

S = Skill
CENTRE = (31.2250, 121.5350)  # Pudong, Shanghai
KM_LAT = 1 / 111.2
KM_LON = 1 / (111.32 * math.cos(math.radians(CENTRE[0])))

# Minutes on site as measured in the field, shorter than the SLA policy's planning defaults.
SERVICE_MIN = {Category.water: 40, Category.electric: 30, Category.gas: 40, Category.fire: 30,
               Category.elevator: 45, Category.lock: 20, Category.hvac: 45,
               Category.sanitation: 20, Category.general: 20}

# One compound's crew: four skill sets; shifts alternate between neighbouring compounds so that
# every skill is on duty somewhere in the district from 07:00 to 21:00.
CREW = [
    ("electric", (S.electrician, S.general, S.elevator)),
    ("plumbing", (S.plumber, S.locksmith, S.general)),
    ("systems", (S.electrician, S.hvac, S.fire)),
    ("facility", (S.plumber, S.cleaning, S.fire, S.elevator)),
]
SHIFTS = [
    ((time(7), time(16)), (time(8), time(17)), (time(12), time(21)), (time(12), time(21))),
    ((time(12), time(21)), (time(12), time(21)), (time(7), time(16)), (time(7), time(16))),
]

SMALL_TEAM = [
    ("王师傅 Wang", (S.electrician, S.general), (7, 16)),
    ("李师傅 Li", (S.plumber, S.general), (8, 17)),
    ("张师傅 Zhang", (S.electrician, S.hvac, S.elevator), (8, 17)),
    ("刘师傅 Liu", (S.plumber, S.locksmith, S.general, S.hvac), (12, 21)),
    ("陈师傅 Chen", (S.elevator, S.fire, S.general), (7, 16)),
    ("杨师傅 Yang", (S.fire, S.electrician, S.elevator, S.general), (12, 21)),
    ("赵阿姨 Zhao", (S.cleaning, S.general), (7, 16)),
    ("周师傅 Zhou", (S.plumber, S.electrician, S.locksmith, S.cleaning), (12, 21)),
]


def builtin(name: str) -> Scenario:
    """`small`, `district` or `city`."""
    makers = {"small": small, "district": district, "city": city}
    if name not in makers:
        raise ScenarioError(f"unknown scenario {name!r}; built-ins are {sorted(makers)}")
    return makers[name]()


def small() -> Scenario:
    """The demo compound, eight technicians, about 80 tickets from 07:00 to 21:00."""
    c = sunshine_garden()
    site = Site(c.site_id, c.name, tuple(_OUTLINE),
                tuple(Building(b.name, b.lat, b.lon, b.floors) for b in c.buildings), c.gate)
    techs = tuple(TechSpec(name, skills, (time(a), time(b)), c.gate)
                  for name, skills, (a, b) in SMALL_TEAM)
    return _scenario("small", (site,), techs, per_hour=80 / 14)


def district() -> Scenario:
    """Ten compounds on a 4 x 3 km grid, four technicians each, about 600 tickets a day."""
    sites = _grid(10, cols=4, spacing_km=1.4, seed=11)
    return _scenario("district", sites, _crews(sites), per_hour=600 / 14)


def city() -> Scenario:
    """Fifty compounds on a 10 x 7 km grid, four technicians each, about 3,000 tickets a day."""
    sites = _grid(50, cols=10, spacing_km=1.3, seed=13)
    return _scenario("city", sites, _crews(sites), per_hour=3000 / 14)


def _scenario(name: str, sites: tuple[Site, ...], techs: tuple[TechSpec, ...],
              per_hour: float) -> Scenario:
    shares = {Urgency.emergency: 0.10, Urgency.routine: 0.65, Urgency.scheduled: 0.25}
    stream = StreamSpec(per_hour={u: round(per_hour * s, 3) for u, s in shares.items()},
                        categories=DEFAULT_CATEGORIES, service_min=SERVICE_MIN)
    return Scenario(name=name, day=date(2026, 11, 25), timezone="Asia/Shanghai",
                    start=time(7), hours=14, drain_hours=4, sites=sites, technicians=techs,
                    travel=TravelSpec(), stream=stream)


def _crews(sites: tuple[Site, ...]) -> tuple[TechSpec, ...]:
    techs = []
    for i, site in enumerate(sites):
        for (role, skills), shift in zip(CREW, SHIFTS[i % 2], strict=True):
            techs.append(TechSpec(f"{site.site_id}-{role}", skills, shift, site.gate))
    return tuple(techs)


def _grid(n: int, *, cols: int, spacing_km: float, seed: int) -> tuple[Site, ...]:
    rng = random.Random(seed)
    rows = math.ceil(n / cols)
    sites = []
    for k in range(n):
        r, c = divmod(k, cols)
        north = (r - (rows - 1) / 2) * spacing_km + rng.uniform(-0.2, 0.2)
        east = (c - (cols - 1) / 2) * spacing_km + rng.uniform(-0.2, 0.2)
        sites.append(_compound(f"c{k + 1:02d}", north, east, rng))
    return tuple(sites)


def _compound(site_id: str, north_km: float, east_km: float, rng: random.Random) -> Site:
    """A compound of 0.5-0.8 km a side with 8-16 buildings inside its outline."""
    lat0, lon0 = CENTRE[0] + north_km * KM_LAT, CENTRE[1] + east_km * KM_LON
    half = rng.uniform(0.25, 0.4)
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    outline = tuple((round(lon0 + sx * half * KM_LON * rng.uniform(0.85, 1.0), 6),
                     round(lat0 + sy * half * KM_LAT * rng.uniform(0.85, 1.0), 6))
                    for sx, sy in corners)
    poly = Polygon(outline).buffer(-0.0003)
    minx, miny, maxx, maxy = poly.bounds
    buildings: list[Building] = []
    target = rng.randint(8, 16)
    while len(buildings) < target:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if poly.contains(Point(lon, lat)):
            buildings.append(Building(f"{len(buildings) + 1}号楼", round(lat, 6), round(lon, 6),
                                      rng.choice([6, 11, 18, 32])))
    gate = (round(lat0 - half * KM_LAT * 0.9, 6), round(lon0, 6))
    return Site(site_id, f"Compound {site_id}", outline, tuple(buildings), gate)
