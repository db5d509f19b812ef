"""Small builders for technicians and tickets around one compound in Shanghai."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.technicians.schemas import Position, Shift, TechnicianCreate
from dispatcher.tickets.schemas import TicketCreate, Window

ORIGIN = (31.225, 121.535)
KM_LAT = 1 / 111.2  # degrees of latitude in one kilometre


def north(km: float, east_km: float = 0.0) -> tuple[float, float]:
    """A point `km` north (and `east_km` east) of the compound's origin."""
    return (ORIGIN[0] + km * KM_LAT, ORIGIN[1] + east_km * KM_LAT / 0.855)


def tech(name: str = "Wang", skills: tuple[Skill, ...] = (Skill.general,),
         at: tuple[float, float] = ORIGIN, shift: tuple[int, int] = (8, 17),
         region: str = "default") -> TechnicianCreate:
    """A technician on a day shift (local time), based at `at`."""
    return TechnicianCreate(name=name, skills=list(skills),
                            shift=Shift(start=time(shift[0]), end=time(shift[1])),
                            home=Position(lat=at[0], lon=at[1]), region=region)


def ticket(urgency: Urgency = Urgency.routine, category: Category = Category.general,
           at: tuple[float, float] = ORIGIN, window: tuple[datetime, datetime] | None = None,
           **extra: Any) -> TicketCreate:
    """A ticket at `at`; `window` for scheduled ones."""
    w = Window(start=window[0], end=window[1]) if window else None
    return TicketCreate(urgency=urgency, category=category, lat=at[0], lon=at[1], window=w,
                        **extra)


def ticket_json(**overrides: Any) -> dict[str, Any]:
    """A valid POST /tickets body, with fields replaced by `overrides`."""
    body: dict[str, Any] = {"urgency": "routine", "category": "electric", "lat": ORIGIN[0],
                            "lon": ORIGIN[1], "building": "3号楼", "unit": "1202"}
    body.update(overrides)
    return body


def tech_json(**overrides: Any) -> dict[str, Any]:
    """A valid POST /technicians body."""
    body: dict[str, Any] = {"name": "Li", "skills": ["electrician", "general"],
                            "shift": {"start": "08:00", "end": "17:00"},
                            "home": {"lat": ORIGIN[0], "lon": ORIGIN[1]}}
    body.update(overrides)
    return body
