"""A seeded residential compound: a site polygon with buildings inside it, its equipment, and a
team."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time

from shapely.geometry import Point, Polygon

from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.enums import Skill
from dispatcher.technicians.schemas import Position, Shift, TechnicianCreate


@dataclass(frozen=True)
class Building:
    name: str
    lat: float
    lon: float
    floors: int


@dataclass(frozen=True)
class Compound:
    """A site: its id, name, outline (lon, lat polygon) and buildings."""

    site_id: str
    name: str
    outline: Polygon
    buildings: tuple[Building, ...]
    gate: tuple[float, float]


# Sunshine Garden (阳光花园), an invented compound of ~1.2 x 0.9 km in Pudong, Shanghai.
_OUTLINE = [(121.5290, 31.2210), (121.5415, 31.2215), (121.5420, 31.2290),
            (121.5350, 31.2300), (121.5285, 31.2285)]


def sunshine_garden(seed: int = 7, n_buildings: int = 16) -> Compound:
    """The demo compound: buildings placed at random inside the outline, reproducibly."""
    outline = Polygon(_OUTLINE)
    rng = random.Random(seed)
    minx, miny, maxx, maxy = outline.bounds
    buildings: list[Building] = []
    while len(buildings) < n_buildings:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if outline.buffer(-0.0004).contains(Point(lon, lat)):
            name = f"{len(buildings) + 1}号楼"
            floors = rng.choice([6, 11, 18, 32])
            buildings.append(Building(name, round(lat, 6), round(lon, 6), floors))
    return Compound("sunshine-garden", "阳光花园 Sunshine Garden", outline, tuple(buildings),
                    gate=(31.2212, 121.5350))


_TEAM = [
    ("王师傅 Wang", [Skill.electrician, Skill.general], time(8), time(17)),
    ("李师傅 Li", [Skill.plumber, Skill.general], time(8), time(17)),
    ("张师傅 Zhang", [Skill.electrician, Skill.hvac], time(8), time(17)),
    ("刘师傅 Liu", [Skill.plumber, Skill.locksmith], time(9), time(18)),
    ("陈师傅 Chen", [Skill.elevator, Skill.fire, Skill.general], time(8), time(17)),
    ("杨师傅 Yang", [Skill.fire, Skill.electrician], time(12), time(21)),
    ("赵阿姨 Zhao", [Skill.cleaning, Skill.general], time(7), time(16)),
    ("周师傅 Zhou", [Skill.plumber, Skill.electrician, Skill.locksmith], time(0), time(0)),
]


def team(compound: Compound) -> list[TechnicianCreate]:
    """Eight technicians with mixed skills and shifts, based at the compound's gate."""
    lat, lon = compound.gate
    return [TechnicianCreate(name=name, skills=skills, shift=Shift(start=start, end=end),
                             home=Position(lat=lat, lon=lon))
            for name, skills, start, end in _TEAM]


def equipment(compound: Compound) -> list[AssetCreate]:
    """The compound's maintained equipment: an elevator per building above 6 floors (two
    above 18), stairwell lights per building, street lights, the fire system, the water tank,
    the pump room and the gym."""
    site = compound.site_id
    found = []
    for b in compound.buildings:
        at = {"site_id": site, "building": b.name, "lat": b.lat, "lon": b.lon}
        lifts = 2 if b.floors > 18 else 1 if b.floors > 6 else 0
        found += [AssetCreate(kind=AssetKind.elevator, name=f"{b.name} {n + 1}号梯", **at)
                  for n in range(lifts)]
        found.append(AssetCreate(kind=AssetKind.stairwell_light, name=f"{b.name} 楼道灯", **at))
    lat, lon = compound.gate
    first = compound.buildings[0]
    for name, kind, (plat, plon) in (
            ("东区路灯 street lights east", AssetKind.street_light, (lat, lon + 0.004)),
            ("西区路灯 street lights west", AssetKind.street_light, (lat + 0.003, lon - 0.004)),
            ("消防系统 fire system", AssetKind.fire_system, (lat, lon)),
            ("生活水箱 water tank", AssetKind.water_tank, (first.lat, first.lon)),
            ("水泵房 pump room", AssetKind.pump_room, (lat + 0.0005, lon + 0.0005)),
            ("会所健身房 gym", AssetKind.fitness_equipment, (lat + 0.004, lon))):
        found.append(AssetCreate(kind=kind, name=name, site_id=site, lat=plat, lon=plon))
    return found
