"""Field work below the API: the check-in geometry, image sniffing, and stale plans meeting
a resident who was not home, a moved ticket and a finished one."""

from __future__ import annotations

import pytest

from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.errors import Conflict
from dispatcher.fieldwork.geo import judge
from dispatcher.fieldwork.schemas import NotHome
from dispatcher.photos.service import sniff
from dispatcher.planning import apply as plans
from dispatcher.planning import snapshot as snapshots
from dispatcher.tickets.schemas import StatusChange
from optimizer import solve
from tests.builders import north, tech, ticket

TICKET = (31.2250, 121.5350)
SQUARE = [[121.530, 31.220], [121.540, 31.220], [121.540, 31.230], [121.530, 31.230]]


@pytest.mark.parametrize("fix, outline, inside, inside_site", [
    ((31.2251, 121.5350), None, True, None),  # 11 m away
    ((31.2280, 121.5350), None, False, None),  # 330 m away, no site outline
    ((31.2280, 121.5350), SQUARE, True, True),  # 330 m away but in the compound
    ((31.2400, 121.5350), SQUARE, False, False),  # 1.7 km away, outside it
])
def test_a_check_in_is_near_the_ticket_or_inside_its_site(
        fix: tuple[float, float], outline: list[list[float]] | None, inside: bool,
        inside_site: bool | None) -> None:
    verdict = judge(ticket=TICKET, fix=fix, radius_m=150, outline=outline)
    assert (verdict.inside, verdict.inside_site) == (inside, inside_site)


def test_distance_is_metres_from_the_ticket_point() -> None:
    verdict = judge(ticket=TICKET, fix=(31.2340, 121.5350), radius_m=150, outline=SQUARE)
    assert verdict.distance_m == pytest.approx(998, abs=5)  # 0.009° of latitude


@pytest.mark.parametrize("data, kind", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"GIF89a", None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
    (b"", None),
])
def test_images_are_known_by_their_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_a_plan_solved_before_a_not_home_does_not_put_the_ticket_back(engine: Engine) -> None:
    """The solver may be running when the resident turns out not to be home; the plan it
    stores afterwards must leave the held ticket unassigned (regression: the e2e test saw it
    assigned again)."""
    li = engine.create_technician(tech("Li"))
    made = engine.create_ticket(ticket(at=north(0.5)))
    engine.replan_now()
    assert engine.get_ticket(made.id).assignment.technician_id == li.id
    now = engine.clock.now()
    with engine.sessions() as s:  # the snapshot a re-plan took before the visit
        built = snapshots.build_with_points(s, now=now, settings=engine.settings,
                                            policy=engine.policy, travel=engine.travel)
    stale = solve(built.snapshot, engine.params)
    engine.field.not_home(made.id, NotHome(note="nobody"))
    with engine.sessions() as s:
        version = plans.store(s, plan=stale, now=now, trigger="stale", region="default")
        s.commit()
    after = engine.get_ticket(made.id)
    assert after.status is Status.new and after.assignment.technician_id is None
    assert after.assignment.unassigned_reason == "held by technician (resident_request)"
    assert all(stop["ticket_id"] != made.id for r in version.routes for stop in r["stops"])


def test_a_stale_plan_lists_no_stop_on_two_routes_nor_one_already_done(engine: Engine) -> None:
    """While a plan was solved, the dispatcher moved a ticket to Wang, who set off to it, and
    Li finished another: the stored plan shows neither on Li's route (the console would show
    the first on two routes and the plan metrics counted it as churn), and moves nothing."""
    li = engine.create_technician(tech("Li", at=north(0.4)))
    wang = engine.create_technician(tech("Wang", at=north(3.0)))
    moved = engine.create_ticket(ticket(at=north(0.5)))
    finished = engine.create_ticket(ticket(at=north(0.6)))
    engine.replan_now()
    assert {engine.get_ticket(t.id).assignment.technician_id for t in (moved, finished)} \
        == {li.id}
    now = engine.clock.now()
    with engine.sessions() as s:  # the snapshot a re-plan took before the moves
        built = snapshots.build_with_points(s, now=now, settings=engine.settings,
                                            policy=engine.policy, travel=engine.travel)
    stale = solve(built.snapshot, engine.params)
    assert {s.job_id for r in stale.routes if r.tech_id == str(li.id) for s in r.stops} \
        == {str(moved.id), str(finished.id)}
    engine.pin(moved.id, wang.id, by="disp")
    engine.replan_now()
    for status in (Status.accepted, Status.en_route):
        engine.report_status(moved.id, StatusChange(status=status))
    for status in (Status.accepted, Status.en_route, Status.on_site, Status.completed):
        engine.report_status(finished.id, StatusChange(status=status))
    with engine.sessions() as s:
        version = plans.store(s, plan=stale, now=now, trigger="stale", region="default")
        s.commit()
    listed = {stop["ticket_id"]: r["technician_id"] for r in version.routes
              for stop in r["stops"]}
    assert listed.get(moved.id, wang.id) == wang.id
    assert finished.id not in listed
    after = engine.get_ticket(moved.id)
    assert after.status is Status.en_route and after.assignment.technician_id == wang.id


def _his(engine: Engine) -> tuple[int, int]:
    """Li (at the origin) with one ticket 500 m north, assigned to him by a plan."""
    li = engine.create_technician(tech("Li"))
    made = engine.create_ticket(ticket(at=north(0.5)))
    engine.replan_now()
    assert engine.get_ticket(made.id).status is Status.assigned
    return li.id, made.id


def _where(engine: Engine, technician_id: int) -> tuple[float, float]:
    p = engine.get_technician(technician_id).position
    return p.lat, p.lon


def test_a_progress_report_with_a_position_is_his_gps_fix(engine: Engine) -> None:
    li, made = _his(engine)
    home = _where(engine, li)
    engine.report_status(made, StatusChange(status=Status.accepted))
    assert _where(engine, li) == home  # no position sent: he has not moved
    here = north(0.2)
    engine.report_status(made, StatusChange(status=Status.en_route, lat=here[0], lon=here[1]))
    assert _where(engine, li) == here


def test_on_site_by_status_is_judged_at_the_position_sent(engine: Engine) -> None:
    li, made = _his(engine)
    for status in (Status.accepted, Status.en_route):
        engine.report_status(made, StatusChange(status=status))
    here = north(0.51)
    on_site = engine.report_status(made, StatusChange(status=Status.on_site, lat=here[0],
                                                      lon=here[1]))
    assert (on_site.checkin_lat, on_site.checkin_lon) == here
    assert _where(engine, li) == here


def test_on_site_without_a_position_puts_him_at_the_ticket(engine: Engine) -> None:
    li, made = _his(engine)
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(made, StatusChange(status=status))
    assert _where(engine, li) == north(0.5)
    done = engine.report_status(made, StatusChange(status=Status.completed))
    assert done.resolution_notes == "" and done.fixed_first_time is True


def test_only_a_technician_s_own_progress_can_be_reported(engine: Engine) -> None:
    _, made = _his(engine)
    with pytest.raises(Conflict) as caught:
        engine.report_status(made, StatusChange(status=Status.closed))
    assert str(caught.value) == ("status closed cannot be reported; use one of accepted, "
                                 "completed, en_route, on_site")
    assert caught.value.field == "status"
