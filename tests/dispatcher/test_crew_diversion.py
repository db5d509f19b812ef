"""Pre-empting work for a crew emergency: a fire alarm needs a fire-system technician and a
general one on site within 10 minutes; when the only ones near are at routine work, the
planner calls away the member the crew waits for, and pins him to his own place of it."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.events.models import Event
from dispatcher.tickets.schemas import StatusChange
from tests.builders import ORIGIN, north, tech, ticket


def at_routine_work(engine: Engine, clock: ManualClock, name: str,
                    skills: tuple[Skill, ...]) -> tuple[int, int]:
    """`name` has been at work for 10 minutes on an hour's routine electrical job at the
    origin. Returns (him, the ticket in hand)."""
    worker = engine.create_technician(tech(name, skills))
    job = engine.create_ticket(ticket(Urgency.routine, Category.electric, at=ORIGIN,
                                      service_minutes=60))
    engine.pin(job.id, worker.id, by="disp")
    engine.replan_now()
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(job.id, StatusChange(status=status))
    engine.unpin(job.id, by="disp")
    clock.advance(timedelta(minutes=10))
    return worker.id, job.id


def interrupted(engine: Engine) -> list[dict]:
    with engine.sessions() as s:
        return [e.payload for e in s.query(Event).filter(Event.type == "ticket.interrupted")]


def fire_alarm(engine: Engine) -> int:
    """A fire alarm 1 km north, re-planned; returns its id."""
    alarm = engine.create_ticket(ticket(Urgency.emergency, Category.fire, at=north(1)))
    engine.replan_now()
    return alarm.id


def test_the_fire_technician_the_crew_waits_for_is_called_away(
        engine: Engine, clock: ManualClock) -> None:
    """Fang (fire) is at routine work 1 km from the alarm, the only other fire technician 12 km
    away (47 min): Fang leaves it as the crew's own technician; Gao, free nearby, is his
    partner; the crew is predicted on time."""
    fang, job = at_routine_work(engine, clock, "Fang", (Skill.fire, Skill.electrician))
    gao = engine.create_technician(tech("Gao", (Skill.general,), at=north(0.5))).id
    engine.create_technician(tech("Yuan", (Skill.fire,), at=north(12)))
    alarm = fire_alarm(engine)
    read = engine.get_ticket(alarm)
    assert [m.technician_id for m in read.crew] == [fang, gao]
    assert read.assignment.predicted_late_minutes == 0
    [event] = interrupted(engine)
    assert (event["ticket_id"], event["technician_id"], event["emergency_id"]) \
        == (job, fang, alarm)
    assert "member" not in event
    [pin] = [o for o in engine.list_overrides() if o.ticket_id == alarm]
    assert (pin.technician_id, pin.position, pin.member, pin.created_by) \
        == (fang, 0, None, "planner")
    assert engine.get_ticket(job).status in (Status.new, Status.assigned)


def test_the_partner_the_crew_waits_for_is_called_away_to_his_place(
        engine: Engine, clock: ManualClock) -> None:
    """Gao (general) is at routine work near the alarm, the only other general technician is
    12 km away: Gao is called away as member 2 and pinned to that place, not to the ticket's
    own (which stays Fang's)."""
    gao, job = at_routine_work(engine, clock, "Gao", (Skill.general, Skill.electrician))
    fang = engine.create_technician(tech("Fang", (Skill.fire,), at=north(0.5))).id
    engine.create_technician(tech("Gu", (Skill.general,), at=north(12)))
    alarm = fire_alarm(engine)
    read = engine.get_ticket(alarm)
    assert [m.technician_id for m in read.crew] == [fang, gao]
    assert read.assignment.predicted_late_minutes == 0
    [event] = interrupted(engine)
    assert (event["technician_id"], event["emergency_id"], event["member"]) == (gao, alarm, 2)
    [pin] = [o for o in engine.list_overrides() if o.ticket_id == alarm]
    assert (pin.technician_id, pin.member, pin.position) == (gao, 2, 0)
    # The next re-plan keeps him there (the pin holds), and the lead's place is still free.
    engine.replan_now()
    assert [m.technician_id for m in engine.get_ticket(alarm).crew] == [fang, gao]
    assert engine.get_ticket(job).status in (Status.new, Status.assigned)


def test_no_call_away_when_the_crew_makes_it_anyway(engine: Engine,
                                                     clock: ManualClock) -> None:
    """A free fire technician and a free general one are both near: nobody's work is left."""
    at_routine_work(engine, clock, "Fang", (Skill.fire, Skill.electrician))
    engine.create_technician(tech("Yuan", (Skill.fire,), at=north(1.3)))
    engine.create_technician(tech("Gao", (Skill.general,), at=north(0.5)))
    alarm = fire_alarm(engine)
    assert engine.get_ticket(alarm).assignment.predicted_late_minutes == 0
    assert interrupted(engine) == []
