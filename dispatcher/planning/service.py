"""One re-plan of a region: snapshot, solve (in full or locally), store, alerts.

Part of the engine (`engine.planning`): the re-planner's background thread and `replan_now`
both call `plan_once`. It keeps, per region, the last snapshot solved and its plan, so a new
emergency is inserted into the current plan at once and a large region re-plans locally.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dispatcher.events import service as events
from dispatcher.planning import apply as plans
from dispatcher.planning import diversion, incremental
from dispatcher.planning import snapshot as snapshots
from dispatcher.planning.models import PlanVersion
from dispatcher.sites.models import DEFAULT_REGION
from dispatcher.tickets import service as tickets
from optimizer import Plan, Unassigned, solve
from optimizer.construct import seeded
from optimizer.insert import insert_job
from optimizer.regions import solve_regions

if TYPE_CHECKING:
    from dispatcher.engine import Engine


class PlanningService:
    """Plans the engine's regions with the engine's settings, SLA policy and travel model."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.local_budget_ms = engine.settings.local_replan_budget_ms
        # A large region's full solve improves its parts until the budget is spent; a number
        # of passes instead makes it independent of the machine (the simulator's
        # deterministic runs).
        self.region_passes: int | None = None
        # Per region, the last snapshot solved and its plan: new emergencies are inserted here.
        self._latest: dict[str, tuple[snapshots.Built, Plan]] = {}
        self._full_at: dict[str, datetime] = {}  # per region, the instant of its last full solve
        self._lock = threading.Lock()

    def plan_once(self, trigger: str, region: str = DEFAULT_REGION) -> PlanVersion:
        """Build the region's snapshot as of now, solve it, store the plan, check alerts; then
        turn technicians round (or call them away from work on site) for emergencies it brings
        late (see `diversion`), re-planning after each."""
        version, built, plan = self._plan(trigger, region)
        settings = self._engine.settings
        gain = int(settings.emergency_divert_gain_min * 60)
        while gain > 0:
            turns = diversion.find(built, plan, min_gain_s=gain,
                                   interrupt=settings.emergency_interrupt,
                                   appointments=settings.emergency_interrupt_appointments)
            done = [d for d in turns if self._engine.command(
                lambda s, now, d=d: diversion.apply(s, d, now=now, tz=settings.tz))]
            if not done:
                break
            why = ", ".join(f"{d.technician_id} for {d.emergency_id}" for d in done)
            version, built, plan = self._plan(f"diverted: {why}", region)
        self._engine.check_alerts()
        return version

    def _plan(self, trigger: str, region: str) -> tuple[PlanVersion, snapshots.Built, Plan]:
        e = self._engine
        began = time.perf_counter()
        now = e.clock.now()
        with e.sessions() as s:
            built = snapshots.build_with_points(s, now=now, settings=e.settings,
                                                policy=e.policy, travel=e.travel,
                                                region=region)
            on_hold = snapshots.held(s, now=now, region=region)
        plan = self._solve(built, region, began)
        with self._lock:
            self._latest[region] = (built, plan)
        if on_hold:
            plan = dataclasses.replace(plan, unassigned=plan.unassigned + tuple(
                Unassigned(str(ticket_id), reason) for ticket_id, reason in on_hold.items()))
        return self._store(plan, now, trigger, region), built, plan

    def _solve(self, built: snapshots.Built, region: str, began: float) -> Plan:
        """A large region re-plans what changed since its last solve locally, and in full
        (by parts) every `full_replan_every_min`; a small one is solved in full by one model.
        A full solve ends `solve_budget_ms` after `began` (the snapshot, the construction
        and the model build count), whatever the size of the region."""
        settings, params = self._engine.settings, self._engine.params
        with self._lock:
            latest = self._latest.get(region)
        last_full = self._full_at.get(region)
        every = timedelta(minutes=settings.full_replan_every_min)
        if latest is not None and last_full is not None and built.now - last_full < every \
                and len(built.snapshot.techs) >= settings.local_replan_from:
            plan = incremental.replan_locally(latest[0], latest[1], built, params,
                                              self.local_budget_ms)
            if plan is not None:
                return plan
        self._full_at[region] = built.now
        if len(built.snapshot.techs) >= settings.local_replan_from:
            # One routing model of a whole city does not even insert the new tickets within
            # a second; by parts it does (every ticket inserted first, then parts improved).
            spent = int((time.perf_counter() - began) * 1000)
            left = max(params.time_budget_ms // 5, params.time_budget_ms - spent)
            return solve_regions(built.snapshot, dataclasses.replace(params, time_budget_ms=left),
                                 warm=built.snapshot.warm_start or None,
                                 passes=self.region_passes)
        # Without a previous plan (the first, or after a restart) start from our construction.
        start = seeded(built.snapshot, params)
        spent = int((time.perf_counter() - began) * 1000)
        left = max(params.time_budget_ms // 5, params.time_budget_ms - spent)
        return solve(start, dataclasses.replace(params, time_budget_ms=left,
                                                budget_includes_build=True))

    def _store(self, plan: Plan, now: datetime, trigger: str, region: str) -> PlanVersion:
        with self._engine.command_session() as s:
            version = plans.store(s, plan=plan, now=now, trigger=trigger, region=region)
            # A stored event, so live views can replay plan versions (the engine does not
            # re-plan on plan.*).
            events.record(s, type="plan.updated", at=now, payload={
                "version": version.version, "trigger": trigger, "region": region})
        return version

    def provisional(self, ticket_id: int, region: str) -> None:
        """Cheapest feasible insertion of a new ticket into the region's current plan, stored
        as a plan version of its own; the re-plan the ticket's event triggers follows."""
        e = self._engine
        with self._lock:
            latest = self._latest.get(region)
            if latest is None:
                return
            built, plan = latest
            with e.sessions() as s:
                ticket = tickets.get(s, ticket_id=ticket_id)
                extended = snapshots.with_ticket(
                    built, ticket, policy=e.policy, travel=e.travel,
                    margin_pct=e.settings.emergency_arrive_margin_pct)
            placed = insert_job(extended.snapshot, plan, str(ticket_id), e.params)
            self._latest[region] = (extended, placed.plan)
            self._store(placed.plan, built.now, f"provisional: emergency {ticket_id}", region)
