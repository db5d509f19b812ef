"""A seeded stream of tickets of all three classes, at buildings of a compound."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dispatcher.enums import Category, Urgency
from dispatcher.simulation.compound import Compound
from dispatcher.tickets.schemas import TicketCreate, Window

# (category, description) by urgency, from what residents actually report.
_KINDS = {
    Urgency.emergency: [
        (Category.water, "水管爆裂，漏水严重 burst pipe, water everywhere"),
        (Category.electric, "整层停电 power failure on the whole floor"),
        (Category.gas, "闻到燃气味 smell of gas in the kitchen"),
        (Category.fire, "火灾报警器响 fire alarm sounding"),
        (Category.elevator, "电梯困人 passengers trapped in the lift"),
    ],
    Urgency.routine: [
        (Category.electric, "楼道灯不亮 stairwell light out"),
        (Category.general, "门禁损坏 entrance door closer broken"),
        (Category.lock, "入户门锁坏 front door lock jammed"),
        (Category.sanitation, "垃圾未清运 rubbish not collected"),
        (Category.water, "水龙头滴水 dripping tap"),
        (Category.hvac, "空调不制冷 air conditioner not cooling"),
    ],
    Urgency.scheduled: [
        (Category.hvac, "空调清洗预约 air-conditioner cleaning"),
        (Category.general, "入户检查 home inspection"),
        (Category.water, "热水器维修 water heater repair"),
        (Category.electric, "插座更换 socket replacement"),
    ],
}
_SHARE = [(Urgency.emergency, 0.12), (Urgency.routine, 0.63), (Urgency.scheduled, 0.25)]


class TicketStream:
    """Draws tickets: urgency by share, a building at random, windows for scheduled ones."""

    def __init__(self, compound: Compound, *, seed: int, tz: ZoneInfo) -> None:
        self.compound = compound
        self.rng = random.Random(seed)
        self.tz = tz

    def draw(self, now: datetime) -> TicketCreate:
        """One ticket reported at `now`."""
        urgency = self.rng.choices([u for u, _ in _SHARE], [w for _, w in _SHARE])[0]
        category, text = self.rng.choice(_KINDS[urgency])
        building = self.rng.choice(self.compound.buildings)
        unit = f"{self.rng.randint(1, building.floors)}{self.rng.randint(1, 4):02d}"
        window = self._window(now) if urgency is Urgency.scheduled else None
        return TicketCreate(
            urgency=urgency, category=category, lat=building.lat, lon=building.lon,
            site_id=self.compound.site_id, building=building.name, unit=unit,
            description=text, reported_at=now, window=window,
        )

    def outage(self, now: datetime, reports: int = 6) -> list[TicketCreate]:
        """A building's power cut as residents report it: `reports` emergencies from different
        floors over the next ten minutes (the console proposes all but the first as its
        duplicates)."""
        building = self.rng.choice(self.compound.buildings)
        floors = self.rng.sample(range(1, building.floors + 1), min(reports, building.floors))
        offsets = sorted(self.rng.uniform(0, 600) for _ in floors)
        return [TicketCreate(
            urgency=Urgency.emergency, category=Category.electric, lat=building.lat,
            lon=building.lon, site_id=self.compound.site_id, building=building.name,
            unit=f"{floor}{self.rng.randint(1, 4):02d}", description="整栋停电 the building has "
            "no power", reported_at=now + timedelta(seconds=offset))
            for floor, offset in zip(floors, offsets, strict=True)]

    def _window(self, now: datetime) -> Window:
        """A two-hour appointment starting on a whole hour, one to six hours ahead."""
        local = now.astimezone(self.tz).replace(minute=0, second=0, microsecond=0)
        start = local + timedelta(hours=self.rng.randint(2, 6))
        return Window(start=start, end=start + timedelta(hours=2))

    def gap_seconds(self, per_hour: float) -> float:
        """Seconds to the next arrival of a Poisson stream of `per_hour` tickets an hour."""
        return self.rng.expovariate(per_hour / 3600)
