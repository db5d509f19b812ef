"""Weeks of history for the demo compound, made by running the simulator day after day.

Each day is the discrete-event `World` of the `small`-style day (the demo compound and team,
tickets 07:00-21:00, four hours to drain) driven by the real `Engine` (the `engine` policy) on
one database that persists across days. Between days (at 06:00 local) the clock ticks the
engine (follow-ups expire, maintenance plans generate their tickets), simulated residents
answer yesterday's follow-ups, and whatever is still open (leftovers, preventive visits,
rework) is carried into the next day's world. Nothing is inserted as a figure: every KPI read
from the database afterwards is what the engine did with the simulated days.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.auth.models import Role
from dispatcher.auth.tokens import Principal
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.fieldwork.schemas import CheckIn, Completion
from dispatcher.followups.models import FollowUpState
from dispatcher.followups.schemas import FollowUpAnswer, PhoneAnswer
from dispatcher.maintenance.schemas import PlanCreate
from dispatcher.simulation.builtin import SERVICE_MIN, small
from dispatcher.simulation.compound import sunshine_garden, team
from dispatcher.simulation.policies.engine import EnginePolicy
from dispatcher.simulation.scenario import Scenario, TechSpec
from dispatcher.simulation.stream import SimTicket, day_tickets
from dispatcher.simulation.world import Fate, World
from dispatcher.sites.schemas import SiteCreate
from dispatcher.technicians.schemas import Position, Shift, TechnicianCreate

MORNING = 6  # local hour between two simulated days: ticks, follow-up answers
DESK = Principal(0, "sim-dispatcher", Role.dispatcher, None)  # closes what the day left open
# Jobs a technician completes as "needs another visit" (a part to order, a second trade):
# the property-service bids this engine serves ask for a first-time-fix rate of >= 95 %.
SECOND_VISIT_SHARE = 0.03


@dataclass(frozen=True)
class Residents:
    """How simulated residents answer follow-ups (the rest let them expire)."""

    answer_share: float = 0.85
    link_share: float = 0.6  # the rest answer the front desk's phone call
    not_fixed_share: float = 0.04
    late_penalty_share: float = 0.5  # a late repair costs a star this often

    def answer(self, rng: random.Random, late: bool) -> FollowUpAnswer | None:
        """A drawn answer, or None for a resident who does not answer."""
        if rng.random() >= self.answer_share:
            return None
        fixed = rng.random() >= self.not_fixed_share
        stars = (rng.choices([5, 4, 3, 2, 1], [55, 30, 10, 4, 1])[0] if fixed
                 else rng.choice([1, 2, 2, 3]))
        if late and rng.random() < self.late_penalty_share:
            stars = max(1, stars - 1)
        return FollowUpAnswer(rating=stars, fixed=fixed)


@dataclass
class HistoryStats:
    """What a history run did, for the log and the README."""

    days: int = 0
    tickets: int = 0
    carried: int = 0
    answered: int = 0
    not_fixed: int = 0
    replans: int = 0
    seconds: float = 0.0
    per_day_s: list[float] = field(default_factory=list)
    asked: set[int] = field(default_factory=set)  # follow-ups whose resident has decided


def demo_scenario(day: date, hours: float | None = None) -> Scenario:
    """The `small` day on the demo compound with the demo's own team (names and shifts);
    `hours` cuts the arrivals short (tests)."""
    base = small() if hours is None else small().with_hours(hours, drain_hours=2)
    compound = sunshine_garden()
    techs = tuple(TechSpec(t.name, tuple(t.skills), (t.shift.start, t.shift.end),
                           (t.home.lat, t.home.lon)) for t in team(compound))
    return replace(base, day=day, technicians=techs)


def generate(engine: Engine, *, first: date, days: int, seed: int = 1,
             residents: Residents | None = None, solve_budget_ms: int | None = None,
             hours: float | None = None, second_visit_share: float = SECOND_VISIT_SHARE,
             log: Callable[[str], None] = lambda _: None) -> HistoryStats:
    """Simulate `days` days from `first` into the engine's database; returns what it did.
    `second_visit_share` of the jobs are completed in the app as "needs another visit"."""
    residents = residents or Residents()
    rng = random.Random(seed)
    stats = HistoryStats()
    began = time.perf_counter()
    scenario = demo_scenario(first)
    _seed_compound(engine, scenario, first)
    tech_ids: dict[str, int] = {}
    listener = Listener(engine)
    for n in range(days):
        day = first + timedelta(days=n)
        scenario = demo_scenario(day, hours)
        _morning(engine, scenario, rng, residents, stats)
        t0 = time.perf_counter()
        policy = HistoryPolicy(engine, tech_ids, listener, solve_budget_ms=solve_budget_ms,
                               second_visit_share=second_visit_share, seed=seed * 1000 + n)
        tickets = day_tickets(scenario, seed=seed * 1000 + n, policy=engine.policy)
        carried = policy.carry(engine, scenario, start_id=len(tickets) + 1)
        world = World(scenario, tickets + carried, seed=seed * 1000 + n, sla=engine.policy)
        engine.clock.set(scenario.begins)
        world.run(policy)
        _finish_in_hand(engine, world, policy)
        stats.days += 1
        stats.tickets += len(tickets)
        stats.carried += len(carried)
        stats.replans += len(policy.replan_ms)
        stats.per_day_s.append(time.perf_counter() - t0)
        log(f"history: {day} simulated: {len(tickets)} new, {len(carried)} carried, "
            f"{len(policy.replan_ms)} re-plans, {stats.per_day_s[-1]:.0f} s")
    _morning(engine, demo_scenario(first + timedelta(days=days)), rng, residents, stats)
    stats.seconds = time.perf_counter() - began
    return stats


def _seed_compound(engine: Engine, scenario: Scenario, first: date) -> None:
    """The site, its assets and their maintenance plans, first due over the first weeks."""
    site = scenario.sites[0]
    lat, lon = site.gate
    engine.clock.set(scenario.begins - timedelta(days=1))
    engine.upsert_site(SiteCreate(id=site.site_id, name=site.name, lat=lat, lon=lon,
                                  outline=list(site.outline) or None))
    if engine.list_plans(site_id=site.site_id):
        return
    assets = [(AssetKind.elevator, f"{b.name} 电梯 elevator", b) for b in site.buildings
              if b.floors > 6]
    assets += [(AssetKind.pump_room, "水泵房 pump room", site.buildings[0]),
               (AssetKind.street_light, "路灯 street lights", site.buildings[1]),
               (AssetKind.fire_system, "消防系统 fire system", site.buildings[2]),
               (AssetKind.stairwell_light, "楼道灯 stairwell lights", site.buildings[3])]
    for k, (kind, name, building) in enumerate(assets):
        asset = engine.create_asset(AssetCreate(kind=kind, name=name, site_id=site.site_id,
                                                building=building.name, lat=building.lat,
                                                lon=building.lon))
        due = scenario.begins + timedelta(days=2 + k % 14, hours=2)
        engine.create_plan(PlanCreate(asset_id=asset.id, first_due=due))


def _morning(engine: Engine, scenario: Scenario, rng: random.Random, residents: Residents,
             stats: HistoryStats) -> None:
    """Between two days: the clock ticks (follow-ups expire, maintenance tickets fall due),
    then the residents asked since yesterday answer, or decide not to (once each)."""
    morning = scenario.begins.replace(hour=MORNING)
    if engine.clock.now() < morning:
        engine.clock.set(morning)
    engine.tick()
    for followup in engine.list_followups(FollowUpState.pending):
        if followup.id in stats.asked:
            continue
        stats.asked.add(followup.id)
        ticket = engine.get_ticket(followup.ticket_id)
        late = bool(ticket.resolve_by and ticket.completed_at
                    and ticket.completed_at > ticket.resolve_by)
        answer = residents.answer(rng, late)
        if answer is None:
            continue  # left to expire by policy
        if rng.random() < residents.link_share:
            link = engine.issue_followup_link(ticket.id)
            engine.answer_followup_link(link.token, answer)
        else:
            engine.answer_followup_phone(ticket.id, PhoneAnswer(
                rating=answer.rating, fixed=answer.fixed, by="前台 front desk"))
        stats.answered += 1
        stats.not_fixed += not answer.fixed


def _finish_in_hand(engine: Engine, world: World, policy: HistoryPolicy) -> None:
    """Work still under way when the simulated day ends is finished at its end: its members
    check in (a crew's partners as themselves) and it is completed, by the dispatcher when a
    crew was not all sent (the crew rule would refuse it)."""
    for wid, outcome in world.outcomes.items():
        tid = policy.ticket_ids.get(wid)
        started = outcome.fate in (Fate.en_route, Fate.on_site) or (
            outcome.fate is Fate.open and outcome.partners)
        if tid is None or not started:
            continue
        ticket = engine.get_ticket(tid)
        here = CheckIn(lat=ticket.lat, lon=ticket.lon, at=world.now)
        if ticket.status is not Status.on_site:
            if ticket.assignment.technician_id is None:
                continue  # a crew whose own place nobody holds: it stays open
            engine.field.check_in(tid, here)  # he gets there as the day closes
        for k, member in outcome.partners.items():
            if member.on_site_at is None:
                engine.field.check_in(tid, here, by=policy.principal(member.tech, k))
        whole = not world.needs(wid)
        engine.field.complete(tid, Completion(at=world.now), by=None if whole else DESK)


class Listener:
    """One subscription to the engine's bus for the whole run (a bus cannot unsubscribe),
    forwarding events to the day's policy."""

    def __init__(self, engine: Engine) -> None:
        self.target: Callable[[dict[str, Any]], None] = lambda _: None
        engine.bus.subscribe(lambda event: self.target(event))


class HistoryPolicy(EnginePolicy):
    """The engine policy on a shared, persistent engine instead of a temporary one per day."""

    def __init__(self, engine: Engine, tech_ids: dict[str, int], listener: Listener, *,
                 solve_budget_ms: int | None = None, second_visit_share: float = 0.0,
                 seed: int = 0) -> None:
        super().__init__(deterministic=True, second_visit_share=second_visit_share, seed=seed)
        if solve_budget_ms is not None:
            self.search = {**self.search, "time_budget_ms": solve_budget_ms}
        self.engine = engine
        self._names = tech_ids
        self._listener = listener
        self._carried: dict[int, int] = {}  # world ticket -> engine ticket already stored

    def carry(self, engine: Engine, scenario: Scenario, *, start_id: int) -> list[SimTicket]:
        """Open tickets of earlier days (leftovers, preventive visits, rework) as world
        tickets reported when the day begins; they are not created again."""
        out = []
        for n, t in enumerate(engine.list_tickets([Status.new, Status.assigned,
                                                   Status.accepted])):
            wid = start_id + n
            self._carried[wid] = t.id
            window = (t.window.start, t.window.end) if t.window else None
            service_s = 60 * SERVICE_MIN.get(t.category, t.service_minutes)
            out.append(SimTicket(
                id=wid, reported_at=scenario.begins, urgency=t.urgency, category=t.category,
                skill=t.skill, lat=t.lat, lon=t.lon, site_id=t.site_id, building=t.building,
                service_min=t.service_minutes, actual_service_s=service_s, window=window,
                cancel_at=None, arrive_by=t.arrive_by, resolve_by=t.resolve_by))
        return out

    def bind(self, world: World) -> None:
        self.world = world
        # The engine keeps time with the day's world, as the per-day engine policy's does.
        self.engine.clock = world.clock
        self.engine.params = replace(self.engine.params, **self.search)
        self._listener.target = self._heard
        for tech in world.techs:
            if tech.spec.name not in self._names:
                self._names[tech.spec.name] = self._create_technician(tech.spec)
            self.tech_ids[tech.id] = self._names[tech.spec.name]
            self._world_tech[self.tech_ids[tech.id]] = tech.id

    def _create_technician(self, spec: TechSpec) -> int:
        existing = {t.name: t.id for t in self.engine.list_technicians()}
        if spec.name in existing:
            return existing[spec.name]
        lat, lon = spec.home
        return self.engine.create_technician(TechnicianCreate(
            name=spec.name, skills=list(spec.skills),
            shift=Shift(start=spec.shift[0], end=spec.shift[1]),
            home=Position(lat=lat, lon=lon))).id

    def _on_report(self, ticket: SimTicket, _: Any) -> None:
        stored = self._carried.get(ticket.id)
        if stored is None:
            super()._on_report(ticket, _)
            return
        self.ticket_ids[ticket.id] = stored
        self._world_ticket[stored] = ticket.id
        self._dirty.append("ticket.carried")

    def _first_stop(self, tech: Any) -> int | None:
        # A stop the world does not know (e.g. made between two events) waits for its day.
        stops = [s for s in self._plan_routes.get(self.tech_ids[tech.id], [])
                 if not s["in_progress"]]
        if stops and stops[0]["ticket_id"] not in self._world_ticket:
            return None
        return super()._first_stop(tech)

    def _count_churn(self) -> None:
        self._plan_routes = {eid: [s for s in stops if s["ticket_id"] in self._world_ticket]
                             for eid, stops in self._plan_routes.items()}
        super()._count_churn()

    def close(self) -> None:
        """The engine outlives the day; only stop listening to it."""
        self._listener.target = lambda _: None


def history_engine(database_url: str, first: date, settings: Settings | None = None) -> Engine:
    """An engine on `database_url` with a manual clock at the first simulated morning."""
    scenario = demo_scenario(first)
    base = settings or Settings()
    settings = base.model_copy(update={
        "database_url": database_url, "debounce_ms": 0,
        "speed_kmh": scenario.travel.speed_kmh, "circuity": scenario.travel.circuity,
        "max_overtime_min": scenario.max_overtime_min})
    clock = ManualClock(datetime.combine(first - timedelta(days=1), scenario.start,
                                         tzinfo=scenario.tz))
    return Engine(settings, clock=clock, travel=scenario.travel.model())


