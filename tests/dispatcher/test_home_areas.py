"""Home areas: a technician's sites and zones. Work outside costs the planner
`area_penalty_min` (so the one who knows the building goes), or is barred for one kept inside
his area; emergencies cross areas."""

from __future__ import annotations

import pytest

from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Urgency
from dispatcher.errors import Invalid
from dispatcher.messages import translate
from dispatcher.sites.schemas import SiteCreate
from dispatcher.technicians.schemas import HomeArea, Position
from tests.builders import ORIGIN, north, tech, ticket


def zone(south_km: float, north_km: float) -> list[Position]:
    """A band across the compound between two distances north of the origin."""
    (a, _), (b, _) = north(south_km), north(north_km)
    return [Position(lat=a, lon=ORIGIN[1] - 0.02), Position(lat=a, lon=ORIGIN[1] + 0.02),
            Position(lat=b, lon=ORIGIN[1] + 0.02), Position(lat=b, lon=ORIGIN[1] - 0.02)]


def two_plumbers(engine: Engine, *, strict: bool = False) -> tuple[int, int]:
    """Wang at the origin looks after the north (1-3 km); Li, 2 km north, after the south
    (0-1 km), where the work is."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,), at=ORIGIN)).id
    li = engine.create_technician(tech("Li", (Skill.plumber,), at=north(2))).id
    engine.set_home_area(wang, HomeArea(polygons=[zone(1, 3)], strict=strict))
    engine.set_home_area(li, HomeArea(polygons=[zone(-0.5, 1)]))
    return wang, li


def test_the_technician_who_knows_the_building_goes(engine: Engine) -> None:
    """Li drives 1.7 km instead of Wang's 0.3 (about 5 minutes more): under the 20-minute
    penalty Wang pays for leaving his area."""
    wang, li = two_plumbers(engine)
    leak = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(0.3)))
    engine.replan_now()
    assert engine.get_ticket(leak.id).assignment.technician_id == li
    engine.set_home_area(wang, None)
    engine.set_home_area(li, None)
    engine.replan_now()
    assert engine.get_ticket(leak.id).assignment.technician_id == wang  # areas cleared


def test_a_strict_area_bars_routine_work_but_not_an_emergency(engine: Engine) -> None:
    wang = engine.create_technician(tech("Wang", (Skill.plumber,), at=ORIGIN)).id
    engine.set_home_area(wang, HomeArea(polygons=[zone(1, 3)], strict=True))
    leak = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(0.3)))
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(0.4)))
    engine.replan_now()
    read = engine.get_ticket(leak.id).assignment
    assert read.technician_id is None
    assert read.unassigned_reason == \
        "outside the home areas of every technician with skill 'plumber'"
    assert translate(read.unassigned_reason, "zh") == "不在任何具备“水暖工”技能师傅的责任片区内"
    assert engine.get_ticket(burst.id).assignment.technician_id == wang


def test_an_area_of_sites_counts_the_tickets_of_those_sites(engine: Engine) -> None:
    engine.upsert_site(SiteCreate(id="south", name="南区", lat=north(0.3)[0], lon=ORIGIN[1]))
    wang, li = (engine.create_technician(tech(n, (Skill.plumber,), at=at)).id
                for n, at in (("Wang", ORIGIN), ("Li", north(2))))
    engine.set_home_area(li, HomeArea(sites=["south"]))
    engine.set_home_area(wang, HomeArea(polygons=[zone(1, 3)]))
    leak = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(0.3),
                                       site_id="south"))
    engine.replan_now()
    assert engine.get_ticket(leak.id).assignment.technician_id == li
    assert engine.get_technician(li).home_area == HomeArea(sites=["south"])


def test_an_unknown_site_is_refused_naming_the_field(engine: Engine) -> None:
    wang = engine.create_technician(tech("Wang", (Skill.plumber,))).id
    with pytest.raises(Invalid) as caught:
        engine.set_home_area(wang, HomeArea(sites=["atlantis"]))
    assert caught.value.field == "home_area.sites" and "atlantis" in str(caught.value)
