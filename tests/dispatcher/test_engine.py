"""The engine end to end on real databases (SQLite and PostgreSQL): commands, plans, scenarios."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, TechState, Urgency
from dispatcher.errors import Conflict, Invalid, NotFound
from dispatcher.fieldwork.schemas import NotHome
from dispatcher.technicians.schemas import PositionUpdate
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import StatusChange
from tests.builders import ORIGIN, north, tech, ticket


def route_of(engine: Engine, tech_id: int) -> list[int]:
    plan = engine.current_plan()
    assert plan is not None
    return next((
        [s["ticket_id"] for s in r["stops"]] for r in plan.routes
        if r["technician_id"] == tech_id), [])


def test_ticket_is_stored_planned_and_explained(engine: Engine) -> None:
    """A new ticket gets a technician, an ETA after the travel time, and its deadlines."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,)))
    created = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(2)))
    assert created.status is Status.new and created.arrive_by is not None
    engine.replan_now()
    read = engine.get_ticket(created.id)
    assert read.status is Status.assigned
    assert read.assignment.technician_id == wang.id
    travel = engine.travel.seconds(ORIGIN, north(2))
    assert read.assignment.eta == engine.clock.now() + timedelta(seconds=travel)
    assert read.assignment.predicted_late_minutes == 0
    assert read.respond_by == read.reported_at + timedelta(minutes=15)


def test_accepted_data_survives_a_restart(engine: Engine, database_url: str,
                                          clock: ManualClock) -> None:
    """Everything a command accepted is committed before it returns."""
    created = engine.create_ticket(ticket())
    other = Engine(Settings(database_url=database_url), clock=clock)
    assert other.get_ticket(created.id).description == created.description


def test_status_flow_stamps_times_and_moves_the_technician(engine: Engine,
                                                           clock: ManualClock) -> None:
    li = engine.create_technician(tech("Li", (Skill.electrician,)))
    t = engine.create_ticket(ticket(category=Category.electric, at=north(1)))
    engine.replan_now()
    for status, state in [(Status.accepted, TechState.idle), (Status.en_route, TechState.en_route),
                          (Status.on_site, TechState.on_site),
                          (Status.completed, TechState.idle)]:
        clock.advance(timedelta(minutes=3))
        read = engine.report_status(t.id, StatusChange(status=status))
        assert read.status is status
        assert getattr(read, f"{status.value}_at") == clock.now()
        assert engine.get_technician(li.id).state is state
    position = engine.get_technician(li.id).position
    assert (position.lat, position.lon) == pytest.approx(north(1))


def test_impossible_transitions_are_refused_with_the_reason(engine: Engine) -> None:
    engine.create_technician(tech())
    t = engine.create_ticket(ticket())
    with pytest.raises(Conflict, match="cannot go from new to on_site"):
        engine.report_status(t.id, StatusChange(status=Status.on_site))
    with pytest.raises(Conflict, match="cannot be reported"):
        engine.report_status(t.id, StatusChange(status=Status.closed))
    engine.cancel_ticket(t.id)
    with pytest.raises(Conflict, match="final status"):
        engine.cancel_ticket(t.id)
    with pytest.raises(NotFound):
        engine.cancel_ticket(999)


def test_cancelled_ticket_leaves_the_plan(engine: Engine) -> None:
    wang = engine.create_technician(tech())
    t = engine.create_ticket(ticket())
    engine.replan_now()
    assert route_of(engine, wang.id) == [t.id]
    engine.cancel_ticket(t.id)
    engine.replan_now()
    assert route_of(engine, wang.id) == []


def test_a_pin_overrides_the_solvers_choice(engine: Engine) -> None:
    near = engine.create_technician(tech("Near", at=north(0.2)))
    far = engine.create_technician(tech("Far", at=north(6)))
    t = engine.create_ticket(ticket(at=north(0)))
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == near.id
    engine.pin(t.id, far.id, by="desk", reason="technician_familiar")
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == far.id
    engine.unpin(t.id, by="desk")
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == near.id


def test_a_pin_to_an_unskilled_or_off_shift_technician_is_refused(engine: Engine) -> None:
    cleaner = engine.create_technician(tech("Zhao", (Skill.cleaning,)))
    night = engine.create_technician(tech("Night", (Skill.electrician,), shift=(22, 6)))
    t = engine.create_ticket(ticket(category=Category.electric))
    with pytest.raises(Invalid, match="lacks the skill electrician"):
        engine.pin(t.id, cleaner.id, by="desk", reason="other")
    with pytest.raises(Invalid, match="off shift"):
        engine.pin(t.id, night.id, by="desk", reason="other")
    with pytest.raises(NotFound):
        engine.unpin(t.id, by="desk")


def test_a_gps_update_next_to_a_ticket_gives_it_to_that_technician(engine: Engine) -> None:
    a = engine.create_technician(tech("A", at=north(5)))
    b = engine.create_technician(tech("B", at=north(3)))
    t = engine.create_ticket(ticket(at=north(0)))
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == b.id
    lat, lon = north(0.1)
    engine.update_position(a.id, PositionUpdate(lat=lat, lon=lon))
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == a.id


def test_an_older_gps_fix_does_not_overwrite_a_newer_one(engine: Engine,
                                                         clock: ManualClock) -> None:
    a = engine.create_technician(tech("A"))
    engine.update_position(a.id, PositionUpdate(lat=31.3, lon=121.5))
    old = clock.now() - timedelta(minutes=5)
    engine.update_position(a.id, PositionUpdate(lat=31.0, lon=121.0, at=old))
    assert engine.get_technician(a.id).position.lat == 31.3


def test_a_far_emergency_beats_a_nearby_routine_ticket(engine: Engine) -> None:
    plumber = engine.create_technician(tech("Li", (Skill.plumber,)))
    routine = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(0.1)))
    emergency = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(4)))
    engine.replan_now()
    assert route_of(engine, plumber.id) == [emergency.id, routine.id]


def test_a_scheduled_ticket_is_served_inside_its_window(engine: Engine,
                                                        clock: ManualClock) -> None:
    engine.create_technician(tech())
    window = (clock.now() + timedelta(hours=2), clock.now() + timedelta(hours=4))
    t = engine.create_ticket(ticket(Urgency.scheduled, window=window, at=north(1)))
    engine.replan_now()
    eta = engine.get_ticket(t.id).assignment.eta
    assert window[0] <= eta <= window[1]


def test_a_ticket_nobody_can_do_is_unassigned_with_the_reason(engine: Engine) -> None:
    engine.create_technician(tech("Wang", (Skill.general,)))
    t = engine.create_ticket(ticket(Urgency.emergency, Category.elevator))
    engine.replan_now()
    read = engine.get_ticket(t.id)
    assert read.status is Status.new and read.assignment.technician_id is None
    assert "elevator" in read.assignment.unassigned_reason
    plan = engine.current_plan()
    assert plan.unassigned == [{"ticket_id": t.id, "reason": read.assignment.unassigned_reason}]


def test_a_technician_on_site_starts_his_next_stop_after_the_work(engine: Engine,
                                                                 clock: ManualClock) -> None:
    wang = engine.create_technician(tech())
    first = engine.create_ticket(ticket(service_minutes=60))
    engine.replan_now()
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(first.id, StatusChange(status=status))
    on_site_at = clock.now()
    clock.advance(timedelta(minutes=20))
    second = engine.create_ticket(ticket(at=north(0)))
    engine.replan_now()
    assert route_of(engine, wang.id) == [first.id, second.id]
    assert engine.get_ticket(second.id).assignment.eta >= on_site_at + timedelta(minutes=60)


def test_a_stale_plan_never_moves_an_accepted_ticket(engine: Engine) -> None:
    a = engine.create_technician(tech("A", at=north(0.1)))
    b = engine.create_technician(tech("B", at=north(5)))
    t = engine.create_ticket(ticket())
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == a.id
    engine.report_status(t.id, StatusChange(status=Status.accepted))
    # B drives past the ticket: the plan keeps it with A, who has accepted it.
    engine.update_position(b.id, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    engine.replan_now()
    assert engine.get_ticket(t.id).assignment.technician_id == a.id


def test_a_burst_of_events_coalesces_into_few_solves(database_url: str,
                                                     clock: ManualClock) -> None:
    settings = Settings(database_url=database_url, solve_budget_ms=100, debounce_ms=200)
    engine = Engine(settings, clock=clock)
    engine.start()
    try:
        engine.create_technician(tech())
        for i in range(25):
            engine.create_ticket(ticket(at=north(i / 10)))
        assert engine.replanner.wait_idle(timeout=30)
        assert engine.replanner.requests == 26
        assert 1 <= engine.replanner.solves <= 3
        plan = engine.current_plan()
        placed = sum(len(r["stops"]) for r in plan.routes) + len(plan.unassigned)
        assert placed == 25
    finally:
        engine.stop()


def test_each_region_is_planned_on_its_own(engine: Engine) -> None:
    """A technician of the north region never gets a south ticket, however close he is."""
    from dispatcher.sites.schemas import SiteCreate

    for site_id, region, km in (("n1", "north", 5), ("s1", "south", 0)):
        lat, lon = north(km)
        engine.upsert_site(SiteCreate(id=site_id, name=site_id, region=region, lat=lat, lon=lon))
    near = engine.create_technician(tech("Near", at=north(0), region="north"))
    far = engine.create_technician(tech("Far", at=north(9), region="south"))
    south_ticket = engine.create_ticket(ticket(at=north(0), site_id="s1"))
    north_ticket = engine.create_ticket(ticket(at=north(5), site_id="n1"))
    assert (south_ticket.region, north_ticket.region) == ("south", "north")
    plan = engine.replan_now()
    assert set(plan.regions) == {"default", "north", "south"}
    assert engine.get_ticket(south_ticket.id).assignment.technician_id == far.id
    assert engine.get_ticket(north_ticket.id).assignment.technician_id == near.id
    assert [r["technician_id"] for r in engine.current_plan("north").routes] == [near.id]
    unknown = engine.create_ticket(ticket(site_id="nowhere"))
    assert unknown.region == "default"


def test_an_emergency_is_placed_at_once_before_the_full_replan(engine: Engine) -> None:
    """The cheapest feasible insertion into the current plan is stored before any re-plan."""
    near = engine.create_technician(tech("Near", (Skill.plumber,), at=north(0)))
    engine.create_technician(tech("Far", (Skill.plumber,), at=north(6)))
    routine = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(5.8)))
    before = engine.replan_now().version
    emergency = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(0.3)))
    assert emergency.assignment.technician_id == near.id  # no replan_now in between
    assert emergency.assignment.eta is not None
    plan = engine.current_plan()
    assert plan.version == before + 1 and plan.trigger == f"provisional: emergency {emergency.id}"
    placed = {s["ticket_id"] for r in plan.routes for s in r["stops"]}
    assert {routine.id, emergency.id} <= placed


def test_shift_edges_are_events_recorded_once_and_replan(engine: Engine, database_url: str,
                                                         clock: ManualClock) -> None:
    from sqlalchemy import select

    from dispatcher.events.models import Event
    from dispatcher.planning.models import PlanVersion

    def edges() -> list[tuple[str, int]]:
        with engine.sessions() as s:
            rows = s.scalars(select(Event).where(Event.type.like("technician.shift_%"))
                             .order_by(Event.id))
            return [(e.type, e.payload["technician_id"]) for e in rows]

    day = engine.create_technician(tech("Day", shift=(8, 17)))
    late = engine.create_technician(tech("Late", shift=(10, 19)))
    engine.tick()  # 09:00, the first look: no edge seen yet
    assert edges() == []
    clock.advance(timedelta(hours=1, minutes=1))  # 10:01: Late comes on
    other = Engine(engine.settings, clock=clock)  # a second process running the clock
    try:
        engine.tick()
        other.tick()
        assert edges() == [("technician.shift_started", late.id)]
        clock.advance(timedelta(hours=7))  # 17:01: Day goes off
        other.tick()
        engine.tick()
    finally:
        other.stop()
        other.sessions.kw["bind"].dispose()
    assert edges() == [("technician.shift_started", late.id),
                       ("technician.shift_ended", day.id)]
    # An edge re-plans on its own: no other event comes.
    engine.start()
    clock.advance(timedelta(hours=2))  # 19:01: Late goes off
    engine.tick()

    def last_trigger() -> str:
        with engine.sessions() as s:
            return s.scalar(select(PlanVersion.trigger).order_by(PlanVersion.version.desc())
                            .limit(1)) or ""

    deadline = time.monotonic() + 10
    while "technician.shift_ended" not in last_trigger() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "technician.shift_ended" in last_trigger()


def test_a_quick_insertion_writes_only_what_it_changed(engine: Engine) -> None:
    """The version a quick insertion stores equals the whole plan stored afresh, yet only the
    route that took the ticket is rewritten: tickets on other routes keep their version."""
    from dispatcher.planning import apply as plans

    for km in (0, 3, 6):
        engine.create_technician(tech(f"T{km}", (Skill.general,), at=north(km)))
    old = [engine.create_ticket(ticket(Urgency.routine, at=north(km))).id
           for km in (0.2, 0.4, 3.1, 3.3, 6.2, 6.4)]
    full = engine.replan_now().version
    new = engine.create_ticket(ticket(Urgency.emergency, at=north(3.2)))
    quick = engine.current_plan()
    assert quick.trigger.startswith("provisional") and quick.version == full + 1
    taker = new.assignment.technician_id
    rewritten = {i for r in quick.routes if r["technician_id"] == taker for s in r["stops"]
                 for i in [s["ticket_id"]]}
    assert new.id in rewritten
    versions = {i: engine.get_ticket(i).assignment.plan_version for i in old}
    assert all(versions[i] == (quick.version if i in rewritten else full) for i in old)
    assert any(v == full for v in versions.values())
    _, plan = engine.planning._latest["default"]
    with engine.command_session() as s:  # the same plan stored whole, for comparison
        whole = plans.store(s, plan=plan, now=engine.planning._latest["default"][0].now,
                            trigger="whole", region="default")
        by_tech = {r["technician_id"]: r for r in whole.routes}
        assert sorted(quick.routes, key=lambda r: r["technician_id"]) == [
            by_tech[t] for t in sorted(by_tech)]
        assert sorted(quick.unassigned, key=str) == sorted(whole.unassigned, key=str)
        s.rollback()


def test_a_snapshot_reuses_the_travel_times_it_already_had(engine: Engine) -> None:
    """Built on the previous snapshot (a technician moved, a ticket came, one was done), the
    travel matrix is the one computed afresh, point for point."""
    import numpy as np

    from dispatcher.planning import snapshot as snapshots

    techs = [engine.create_technician(tech(f"T{k}", (Skill.general,), at=north(k)))
             for k in range(3)]
    done = [engine.create_ticket(ticket(Urgency.routine, at=north(k + 0.5))).id
            for k in range(4)]

    def build(previous: snapshots.Built | None = None) -> snapshots.Built:
        with engine.sessions() as s:
            return snapshots.build_with_points(
                s, now=engine.clock.now(), settings=engine.settings, policy=engine.policy,
                travel=engine.travel, previous=previous)
    first = build()
    engine.update_position(techs[1].id, PositionUpdate(lat=north(7)[0], lon=north(7)[1]))
    engine.create_ticket(ticket(Urgency.emergency, at=north(2.2)))
    engine.cancel_ticket(done[0])
    again, fresh = build(first), build()
    assert again.coords == fresh.coords and again.coords != first.coords
    assert np.array_equal(again.snapshot.travel, fresh.snapshot.travel)


def test_new_tickets_grow_the_travel_matrix_in_place_without_overwriting(engine: Engine
                                                                        ) -> None:
    """Quick insertions grow the snapshot's matrix in its spare room; two growths from one
    snapshot (a stale branch) each get their own, right travel times."""
    import numpy as np

    from dispatcher.planning import snapshot as snapshots

    engine.create_technician(tech("T", (Skill.general,), at=north(0)))
    engine.create_ticket(ticket(Urgency.routine, at=north(1)))
    with engine.sessions() as s:
        built = snapshots.build_with_points(s, now=engine.clock.now(), settings=engine.settings,
                                            policy=engine.policy, travel=engine.travel)
        a = s.get(Ticket, engine.create_ticket(ticket(Urgency.routine, at=north(5))).id)
        b = s.get(Ticket, engine.create_ticket(ticket(Urgency.routine, at=north(9))).id)
        grow = dict(policy=engine.policy, travel=engine.travel)
        first = snapshots.with_tickets(built, [a], **grow)
        second = snapshots.with_tickets(first, [b], **grow)
        branch = snapshots.with_tickets(built, [b], **grow)  # from the older snapshot again
    assert second.room is first.room is built.room  # grown in place, twice
    assert branch.room is not built.room  # the room was filled past it: copied
    for grown in (first, second, branch):
        fresh = engine.travel.matrix(np.array(grown.coords))
        assert np.array_equal(grown.snapshot.travel, fresh)
    assert built.snapshot.travel.shape[0] + 1 == first.snapshot.travel.shape[0]


def test_a_plan_stored_after_its_ticket_went_back_to_the_desk_leaves_it_there(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite reads the open tickets before its write transaction begins: a ticket sent back
    to the desk (resident not home) in between is still 'assigned' in what the store read.
    The store leaves it as it now is rather than fail the whole re-plan (new -> new)."""
    from dispatcher.planning import apply as plans
    from optimizer import Plan, Unassigned
    from optimizer.plan import Objective

    engine.create_technician(tech("Wang", (Skill.general,), at=north(0)))
    tid = engine.create_ticket(ticket(Urgency.routine, at=north(0.5))).id
    engine.replan_now()
    assert engine.get_ticket(tid).status is Status.assigned
    with engine.command_session() as s:
        stale = plans._locked(s, (Ticket.id == tid,))  # read while it is still assigned
    engine.field.not_home(tid, NotHome(note="不在家"))
    monkeypatch.setattr(plans, "_locked", lambda session, where: stale)
    dropped = Plan(routes=(), unassigned=(Unassigned(str(tid), "held"),),
                   objective=Objective(0, 0, 0, 0, 0, 0), solve_ms=0.0, status="optimal")
    with engine.command_session() as s:
        plans.store(s, plan=dropped, now=engine.clock.now(), trigger="test")
        s.commit()
    after = engine.get_ticket(tid)
    assert after.status is Status.new and after.assignment.technician_id is None
