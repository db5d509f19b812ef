"""One re-plan of a region: snapshot, solve (in full or locally), store, alerts.

Part of the engine (`engine.planning`): the re-planner's background thread and `replan_now`
both call `plan_once`. It keeps, per region, the last snapshot solved and its plan, so a new
emergency is inserted into the current plan at once and a large region re-plans locally.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from datetime import datetime, timedelta
from multiprocessing import get_context
from typing import Any

from sqlalchemy import func, select

from dispatcher.context import PlanningContext
from dispatcher.enums import Urgency
from dispatcher.events import service as events
from dispatcher.planning import apply as plans
from dispatcher.planning import diversion, incremental, shipping
from dispatcher.planning import snapshot as snapshots
from dispatcher.planning.models import PlanVersion
from dispatcher.sites.models import DEFAULT_REGION
from dispatcher.tickets import service as tickets
from optimizer import Plan, Unassigned
from optimizer.insert import insert_job
from optimizer.model import stop_when
from optimizer.regions import solve_filled, solve_regions

log = logging.getLogger(__name__)


class PlanningService:
    """Plans the engine's regions with the engine's settings, SLA policy and travel model."""

    def __init__(self, engine: PlanningContext) -> None:
        self._engine = engine
        self.local_budget_ms = engine.settings.local_replan_budget_ms
        # A large region's full solve improves its parts until the budget is spent; a number
        # of passes instead makes it independent of the machine (the simulator's
        # deterministic runs).
        self.region_passes: int | None = None
        # Per region, the last snapshot solved and its plan: new emergencies are inserted here.
        self._latest: dict[str, tuple[snapshots.Built, Plan]] = {}
        self._stored: dict[str, int] = {}  # per region, the last version stored here
        self._rows: dict[str, plans.Stored] = {}  # and what it holds (its latest one stored)
        self._full_at: dict[str, datetime] = {}  # per region, the instant of its last full solve
        # Per region, tickets placed by quick insertion since the last solve: a guess the solve
        # may undo without the stability penalty a planned assignment carries.
        self._quick: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.executor: Executor | None = None  # where solves run; None: in this thread
        # Set by `interrupt` (new work came): the search in flight stops once it has run
        # `interrupt_after_ms`, its plan is stored, and the next solve takes the new work in.
        self.interrupt_after_ms = engine.settings.interrupt_after_ms
        self._stop: Any = threading.Event()

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
        self._stop.clear()  # what comes from now on is not in this snapshot: it interrupts
        with self._lock:
            previous = self._latest.get(region)
        with e.sessions() as s:
            built = snapshots.build_with_points(s, now=now, settings=e.settings,
                                                policy=e.policy, travel=e.travel,
                                                region=region,
                                                previous=previous[0] if previous else None)
        on_hold = built.held
        with self._lock:
            quick = self._quick.pop(region, set())
        built = _unstick(built, quick)
        snapped = time.perf_counter()
        plan = self._solve(built, region, began)
        solved = time.perf_counter()
        stored = plan
        if on_hold:
            stored = dataclasses.replace(plan, unassigned=plan.unassigned + tuple(
                Unassigned(str(ticket_id), reason) for ticket_id, reason in on_hold.items()))
        # Stored before it becomes the plan quick insertions go into: one made meanwhile goes
        # into the previous plan and is stored on top of the previous version (the next
        # re-plan takes its ticket in), never mixed into this one. The store is not locked:
        # holding the lock for it made quick insertions wait up to 180 ms.
        version = self._store(stored, now, trigger, region)
        with self._lock:
            self._latest[region] = (built, plan)
            # A quick insertion may have stored a later version meanwhile.
            self._stored[region] = max(version.version, self._stored.get(region, 0))
        log.info("region %s planned (%s) in %.0f ms: snapshot %.0f, solve %.0f, store %.0f",
                 region, trigger, (time.perf_counter() - began) * 1000,
                 (snapped - began) * 1000, (solved - snapped) * 1000,
                 (time.perf_counter() - solved) * 1000)
        return version, built, stored

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
            plan = self._call(incremental.replan_locally, latest[0], latest[1], built, params,
                              self.local_budget_ms)
            if plan is not None:
                return plan
        self._full_at[region] = built.now
        if len(built.snapshot.techs) >= settings.local_replan_from:
            # One routing model of a whole city does not even insert the new tickets within
            # a second; by parts it does (every ticket inserted first, then parts improved).
            spent = int((time.perf_counter() - began) * 1000)
            left = max(params.time_budget_ms // 5, params.time_budget_ms - spent)
            return self._call(solve_regions, built.snapshot,
                              dataclasses.replace(params, time_budget_ms=left),
                              warm=built.snapshot.warm_start or None, passes=self.region_passes)
        # New work inserted into the previous routes (or, with none, our construction) before
        # the search; what the search still leaves out but fits is inserted after it.
        spent = int((time.perf_counter() - began) * 1000)
        left = max(params.time_budget_ms // 5, params.time_budget_ms - spent)
        return self._call(solve_filled, built.snapshot, dataclasses.replace(
            params, time_budget_ms=left, budget_includes_build=True))

    def _call(self, fn: Callable[..., Plan], *args: Any, **kwargs: Any) -> Plan:
        """Run a solve here, or in the solver process when one is set (`use_solver_process`):
        an OR-Tools solve holds the GIL, which would stall the quick insertions meanwhile.
        Either way `interrupt` ends its search early."""
        if self.executor is None:
            return _interruptible(fn, self.interrupt_after_ms, self._stop, *args, **kwargs)
        try:
            return self.executor.submit(_interruptible, fn, self.interrupt_after_ms, None,
                                        *args, **kwargs).result()
        except BrokenExecutor:
            log.warning("the solver process died; starting another and solving again")
            self.use_solver_process()
            return self.executor.submit(_interruptible, fn, self.interrupt_after_ms, None,
                                        *args, **kwargs).result()
        finally:
            shipping.release()  # the call's arrays have been read (or never will be)

    def interrupt(self) -> None:
        """New work came: the search in flight (if any) ends once it has run
        `interrupt_after_ms`, so that the next solve, which takes the work in, starts."""
        self._stop.set()

    def use_solver_process(self) -> None:
        """Solve in a child process from now on (the planner process does: its quick
        insertions and its event follower then never wait for a search)."""
        context = get_context("spawn")
        shipping.ship_large_arrays()
        self._stop = context.Event()
        self.executor = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                            initializer=_solver_started,
                                            initargs=(self._stop, os.getpid()))

    def close(self) -> None:
        """Stop the solver process, if any."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def _store(self, plan: Plan, now: datetime, trigger: str, region: str,
               before: Plan | None = None) -> PlanVersion:
        """Store `plan` as the region's new version; given the plan it changed (`before`, the
        latest version's), only what differs is written."""
        with self._engine.command_session() as s:
            if before is None:
                version = plans.store(s, plan=plan, now=now, trigger=trigger, region=region)
            else:
                rows = self._rows.get(region)
                version = plans.store_changes(s, plan=plan, before=before, now=now,
                                              trigger=trigger, region=region,
                                              latest=rows if rows and rows.version ==
                                              self._stored.get(region) else None)
            stored = plans.Stored.of(version)
            # A stored event, so live views can replay plan versions (the engine does not
            # re-plan on plan.*).
            events.record(s, type="plan.updated", at=now, payload={
                "version": version.version, "trigger": trigger, "region": region})
        rows = self._rows.get(region)  # not under `_lock`: a quick insertion holds it here
        if rows is None or stored.version > rows.version:
            self._rows[region] = stored  # (a race leaves an older one: then it is read back)
        return version

    def place_new(self, events: list[dict[str, Any]], only_if_latest: bool = False) -> None:
        """The tickets created among `events`, placed by `provisional` region by region; a
        failure is logged (the full re-plan the events ask for places them anyway). Then
        the search in flight is interrupted: the next solve takes them in."""
        created: dict[str, list[int]] = {}
        for event in events:
            if event["type"] == "ticket.created":
                payload = event["payload"]
                created.setdefault(payload.get("region", DEFAULT_REGION), []).append(
                    payload["ticket_id"])
        for region, ids in created.items():
            try:
                self.provisional(ids, region, only_if_latest)
            except Exception:
                log.exception("quick insertion of tickets %s failed", ids)
        if created:
            self.interrupt()

    def provisional(self, ticket_ids: list[int], region: str,
                    only_if_latest: bool = False) -> bool:
        """Cheapest feasible insertion of new tickets (emergencies first) into the region's
        current plan, stored as one plan version; the re-plan their events trigger follows.
        False when the region has no plan to insert into yet, or (`only_if_latest`: several
        workers plan) when the region's latest version is not this service's."""
        e = self._engine
        began = time.perf_counter()
        with self._lock:
            locked = time.perf_counter()
            latest = self._latest.get(region)
            if latest is None:
                return False
            built, plan = latest
            with e.sessions() as s:
                # Is the plan inserted into the region's latest version? Not when another
                # worker planned since, nor in the instant between a store and `_latest`.
                newest = s.scalar(
                    select(func.max(PlanVersion.version)).where(PlanVersion.region == region))
                current = self._stored.get(region) == newest
                if only_if_latest and not current:
                    log.debug("not placing %s: version %s is not ours (%s)", ticket_ids,
                              newest, self._stored.get(region))
                    return False
                # A crew is placed whole, and a linked visit after its first one, by the
                # re-plan that follows, not by insertion.
                new = [t for t in (tickets.get(s, ticket_id=i) for i in ticket_ids)
                       if t.crew_size == 1 and t.follows_id is None]
                if not new:
                    return True
                new.sort(key=lambda t: (t.urgency is not Urgency.emergency, t.id))
                loaded = time.perf_counter()
                known = len(built.snapshot.jobs)
                built = snapshots.with_tickets(built, new, policy=e.policy, travel=e.travel,
                                               margin_pct=e.settings.emergency_arrive_margin_pct)
                for k, ticket in enumerate(new):  # each into the plan with those before it
                    upto = dataclasses.replace(built.snapshot,
                                               jobs=built.snapshot.jobs[:known + k + 1])
                    plan = insert_job(upto, plan, str(ticket.id), e.params).plan
            inserted = time.perf_counter()
            self._latest[region] = (built, plan)
            self._quick.setdefault(region, set()).update(str(t.id) for t in new)
            more = f" +{len(new) - 1}" if len(new) > 1 else ""  # the trigger holds 64 characters
            version = self._store(plan, latest[0].now,
                                  f"provisional: {new[0].urgency.value} {new[0].id}{more}",
                                  region, before=latest[1] if current else None)
            self._stored[region] = version.version
        log.debug("placed %s in %.0f ms: lock %.0f, load %.0f, insert %.0f, store %.0f", ticket_ids,
                  (time.perf_counter() - began) * 1000, (locked - began) * 1000,
                  (loaded - locked) * 1000,
                  (inserted - loaded) * 1000, (time.perf_counter() - inserted) * 1000)
        return True


_SOLVER_STOP: Any = None  # in the solver process: the planner's interrupt
SOLVER_NICENESS = 10


def _solver_started(stop: Any, parent: int) -> None:
    """The solver process's start: keep the planner's interrupt (an Event shared only so), run
    at a lower priority, and end when the planner (process `parent`) is gone, even before
    this ran (killed, it cannot stop its pool: orphaned solver processes piled up)."""
    global _SOLVER_STOP
    _SOLVER_STOP = stop
    # Searches yield the CPU to the API and to quick insertions: on two cores, solves run
    # back to back took GPS fixes' p99 from 42 ms to 100-400 ms.
    os.nice(SOLVER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _interruptible(fn: Callable[..., Plan], after_ms: int, stop: Any, *args: Any,
                   **kwargs: Any) -> Plan:
    """`fn(*args, **kwargs)`, its searches stopped early once `stop` is set (the solver
    process's own when None) and they have run `after_ms`."""
    stop = stop if stop is not None else _SOLVER_STOP
    if stop is None:
        return fn(*args, **kwargs)
    ends = time.perf_counter() + after_ms / 1000
    with stop_when(lambda: stop.is_set() and time.perf_counter() >= ends):
        return fn(*args, **kwargs)


def _unstick(built: snapshots.Built, quick: set[str]) -> snapshots.Built:
    """`built` with the quick insertions' assignments free to move at no stability cost."""
    if not quick:
        return built
    jobs = tuple(dataclasses.replace(j, assigned_to=None) if j.id in quick else j
                 for j in built.snapshot.jobs)
    return dataclasses.replace(built, snapshot=dataclasses.replace(built.snapshot, jobs=jobs))
