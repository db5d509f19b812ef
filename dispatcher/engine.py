"""The dispatcher's commands: each is one unit of work, then its events go on the bus.

`api/`, the CLI and the simulator all drive the engine through this class, so they share one
code path: validate, store the change with its event rows, commit, publish, re-plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from dispatcher import closed_loop
from dispatcher.alarms.desk import AlarmDesk
from dispatcher.alerts import monitor
from dispatcher.alerts import service as alerts
from dispatcher.alerts.models import AlertKind, AlertState
from dispatcher.alerts.monitor import AlertPolicy
from dispatcher.alerts.schemas import AlertRead
from dispatcher.audit import service as audit
from dispatcher.audit.schemas import AuditQuery, AuditRead
from dispatcher.auth.accounts import Accounts
from dispatcher.auth.schemas import UserCreate, UserRead
from dispatcher.auth.tokens import Principal
from dispatcher.clock import Clock, SystemClock
from dispatcher.complaints.desk import ComplaintDesk
from dispatcher.config import Settings
from dispatcher.db import create_schema, make_engine, make_sessionmaker
from dispatcher.enums import Status
from dispatcher.events import service as events
from dispatcher.events.bus import EventBus, InProcessBus
from dispatcher.events.outbox import OutboxRelay, publish_pending
from dispatcher.events.redis_stream import RedisStreamBus
from dispatcher.fieldwork.desk import FieldDesk
from dispatcher.gps.ingest import GpsIngest
from dispatcher.idempotency import service as idempotency
from dispatcher.inspections.desk import InspectionDesk
from dispatcher.kpis import service as kpis
from dispatcher.kpis.schemas import KpiQuery, KpiReport
from dispatcher.messages import say
from dispatcher.overrides import service as overrides
from dispatcher.overrides.commands import OverrideCommands
from dispatcher.planning import snapshot as snapshots
from dispatcher.planning import view as plan_view
from dispatcher.planning.replanner import ALL_REGIONS, Replanner, Ticker
from dispatcher.planning.service import PlanningService
from dispatcher.planning.view import PlanView
from dispatcher.residents.desk import PURPOSE as UNIT_LINKS
from dispatcher.residents.desk import ResidentDesk
from dispatcher.sites import service as sites
from dispatcher.sites.schemas import SiteCreate, SiteRead
from dispatcher.sla.policy import SlaPolicy, load_policy
from dispatcher.technicians import service as technicians
from dispatcher.technicians.schemas import (
    HomeArea,
    PositionUpdate,
    TechnicianCreate,
    TechnicianRead,
)
from dispatcher.tickets import duplicates
from dispatcher.tickets import service as tickets
from dispatcher.tickets.schemas import (
    StatusChange,
    TicketCreate,
    TicketPreview,
    TicketRead,
)
from dispatcher.travel import GeodesicTravelTimes, TravelTimes
from optimizer import SolveParams

T = TypeVar("T")
# A GPS fix alone does not re-plan: the GPS ingest asks with one `gps.moved` per region and
# batch, when a fix matters (see `dispatcher.gps.rule`).
REPLAN_ON = ("ticket.", "technician.created", "technician.shift_", "technician.home_area",
             "override.", "plan.requested", "gps.moved")


class Engine(closed_loop.ClosedLoopCommands, OverrideCommands):
    """Owns the database, the clock, the SLA policy, the travel model and the re-planner."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None,
        sessions: sessionmaker[Session] | None = None, bus: EventBus | None = None,
        policy: SlaPolicy | None = None, travel: TravelTimes | None = None,
        plans_here: bool | None = None, listen: bool = True,
    ) -> None:
        """`plans_here`: this process re-plans (default: unless a durable stream is used, where
        `dispatch worker`s plan). False for `dispatch serve`, whose planner is a process of its
        own. `listen`: re-plan on the events this process publishes (False in the planner
        process, which follows the events table instead)."""
        self.settings = settings
        self.clock = clock or SystemClock()
        if sessions is None:
            db = make_engine(settings.database_url)
            create_schema(db)
            sessions = make_sessionmaker(db)
        self.sessions = sessions
        self.bus = bus or _default_bus(settings)
        # With a durable stream (Redis) the events reach it through the outbox relay and the
        # planner workers plan; with the in-process bus this process does both.
        self.durable = bool(getattr(self.bus, "durable", False))
        self.listen = listen
        self.plans_here = not self.durable if plans_here is None else plans_here
        self.relay = OutboxRelay(
            lambda: publish_pending(self.sessions, self.bus, self.clock.now()))
        self.policy = policy or load_policy(settings.sla_policy_path)
        self.travel = travel or GeodesicTravelTimes(settings.speed_kmh, settings.circuity)
        self.params = solve_params(settings)
        self.planning = PlanningService(self)
        self.replanner = Replanner(self.planning.plan_once, self.regions,
                                   settings.debounce_ms / 1000)
        self.alert_policy = AlertPolicy(
            at_risk_margin=timedelta(minutes=settings.alert_at_risk_margin_min),
            unassigned_after=timedelta(minutes=settings.alert_unassigned_after_min),
            stale_gps_after=timedelta(minutes=settings.alert_stale_gps_min),
            escalate_after=timedelta(minutes=settings.alert_escalate_after_min))
        self._ticker = Ticker(self.tick, settings.alert_check_interval_s)
        self.accounts = Accounts(self)
        self.field = FieldDesk(self)
        self.alarms = AlarmDesk(self)
        self.inspections = InspectionDesk(self)
        self.complaints = ComplaintDesk(self)
        self.residents = ResidentDesk(self, lambda: self.accounts.derived_key(UNIT_LINKS))
        self.gps = GpsIngest(sessions=self.sessions, clock=self.clock, settings=settings,
                             bus=self.bus, nudge=self.relay.nudge,
                             principal=self.accounts.principal)
        if self.plans_here and listen:
            self.bus.subscribe(self._on_event)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background threads: GPS writer; outbox relay, or re-planning and the
        alert clock."""
        self.gps.start()
        if self.durable:
            self.relay.start()
        if self.plans_here:
            self.replanner.start()
            self._ticker.start()

    def start_alert_clock(self) -> None:
        """Evaluate alerts on a clock in this process (planner workers do)."""
        self._ticker.start()

    def stop(self) -> None:
        self.gps.stop()  # first: its last batch's events still reach the re-planner or relay
        self._ticker.stop()
        self.replanner.stop()
        self.relay.stop()
        self.planning.close()

    @contextmanager
    def command_session(self) -> Iterator[Session]:
        """One transaction; the events it recorded are published after it commits."""
        session = self.sessions()
        try:
            yield session
            recorded = events.recorded(session)
            if not self.durable:  # delivered in-process right after the commit
                now = self.clock.now()
                for event in recorded:
                    event.published_at = now
            session.commit()
            published = [e.as_dict() for e in recorded]
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if self.durable:
            self.relay.nudge()
            return
        for event in published:
            self.bus.publish(event)

    def _run(self, fn: Callable[[Session, datetime], T]) -> T:
        with self.command_session() as session:
            return fn(session, self.clock.now())

    def create_user(self, data: UserCreate) -> UserRead:
        """Add an account (see `accounts`); kept here for set-up scripts and tests."""
        return self.accounts.create(data)

    def command(self, fn: Callable[[Session, datetime], T]) -> T:
        """Run `fn(session, now)` as one unit of work; its events are published after commit
        (for the engine's parts: `accounts`, `field`)."""
        return self._run(fn)

    def _on_event(self, event: dict[str, Any]) -> None:
        # Changes to the world re-plan; our own output (plans, alerts) must not.
        if event["type"].startswith(REPLAN_ON):
            self.replanner.request(event["type"], event["payload"].get("region", ALL_REGIONS))

    def hear(self, batch: list[dict[str, Any]]) -> None:
        """Events stored by other processes (the planner process follows the table): new
        tickets are placed at once by cheapest insertion, then a re-plan is asked for."""
        self.planning.place_new(batch)
        for event in batch:
            self._on_event(event)

    # -- tickets --------------------------------------------------------------------------------
    def create_ticket(self, data: TicketCreate) -> TicketRead:
        """Accept a new ticket; it is stored before this returns. It is put at its cheapest
        place in the current plan at once (here, or by the planner process), before the full
        re-plan improves on it."""
        def run(s: Session, now: datetime) -> TicketRead:
            ticket = tickets.create(s, data=data, now=now, policy=self.policy)
            closed_loop.after_create(s, ticket=ticket, now=now, settings=self.settings)
            return TicketRead.of(ticket)
        created = self._run(run)
        if self.plans_here and self.listen and self.planning.provisional([created.id],
                                                                        created.region):
            return self.get_ticket(created.id)
        return created

    def preview_ticket(self, data: TicketCreate) -> TicketPreview:
        """The deadlines a ticket reported now would get (the intake form shows them)."""
        return tickets.preview(data=data, now=self.clock.now(), policy=self.policy)

    def get_ticket(self, ticket_id: int) -> TicketRead:
        with self.sessions() as s:
            return TicketRead.of(tickets.get(s, ticket_id=ticket_id))

    def list_tickets(self, statuses: list[Status] | None = None, *,
                     technician_id: int | None = None) -> list[TicketRead]:
        with self.sessions() as s:
            return [TicketRead.of(t) for t in tickets.list_(s, statuses=statuses,
                                                            technician_id=technician_id)]

    def cancel_ticket(self, ticket_id: int) -> TicketRead:
        """Withdrawn before anyone started work; reports merged into it stand on their own."""
        return self._run(lambda s, now: TicketRead.of(
            duplicates.cancel(s, ticket_id=ticket_id, now=now)))

    def report_status(self, ticket_id: int, change: StatusChange, *,
                      by: Principal | None = None) -> TicketRead:
        """A technician's progress, through the same commands as the app's buttons
        (`field.report`); a position sent with it updates his GPS fix too."""
        return self.field.report(ticket_id, change, by=by)

    # -- technicians ----------------------------------------------------------------------------
    def create_technician(self, data: TechnicianCreate) -> TechnicianRead:
        return self._run(lambda s, now: self._read_tech(
            s, technicians.create(s, data=data, now=now), now))

    def set_home_area(self, technician_id: int, area: HomeArea | None) -> TechnicianRead:
        """Give a technician his home area (None clears it); the planner follows."""
        return self._run(lambda s, now: self._read_tech(s, technicians.set_home_area(
            s, technician_id=technician_id, area=area, now=now), now))

    def get_technician(self, technician_id: int) -> TechnicianRead:
        with self.sessions() as s:
            tech = technicians.get(s, technician_id=technician_id)
            read = self._read_tech(s, tech, self.clock.now())
        return self.gps.overlay([read])[0]  # his live position, before the track has it

    def list_technicians(self) -> list[TechnicianRead]:
        now = self.clock.now()
        with self.sessions() as s:
            reads = [self._read_tech(s, t, now) for t in technicians.list_(s)]
        return self.gps.overlay(reads)

    def update_position(self, technician_id: int, fix: PositionUpdate) -> TechnicianRead:
        """A GPS fix stored before this returns (the HTTP route buffers: `gps.accept`)."""
        return self._run(lambda s, now: self._read_tech(
            s, self.gps.write_through(s, technician_id, fix, now), now))

    def _read_tech(self, s: Session, tech: Any, now: datetime) -> TechnicianRead:
        return technicians.read(s, tech, now=now, tz=self.settings.tz)

    # -- sites ----------------------------------------------------------------------------------
    def upsert_site(self, data: SiteCreate) -> SiteRead:
        return self._run(lambda s, now: SiteRead.model_validate(sites.upsert(s, data=data)))

    def list_sites(self) -> list[SiteRead]:
        with self.sessions() as s:
            return [SiteRead.model_validate(site) for site in sites.list_(s)]

    def _plan_after(self, version: int, timeout_s: float = 10.0) -> int | None:
        """Re-plan here, or wait for a planner worker to store a newer plan version."""
        if self.plans_here:
            return self.replan_now("override").version
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            latest = self.current_plan()
            if latest is not None and latest.version > version:
                return latest.version
            time.sleep(0.05)
        return None

    # -- planning -------------------------------------------------------------------------------
    def current_plan(self, region: str | None = None) -> PlanView | None:
        """The latest plan of a region, or of all regions merged; None before the first."""
        with self.sessions() as s:
            return plan_view.latest(s, region=region)

    def regions(self) -> list[str]:
        """Regions with technicians or open tickets; each is planned on its own."""
        with self.sessions() as s:
            return snapshots.regions(s)

    def replan(self, trigger: str = "manual") -> PlanView | None:
        """Re-plan every region now: in this thread where this process plans, else by asking
        the planner (a `plan.requested` event) and waiting for its next plan version."""
        if self.plans_here:
            return self.replan_now(trigger)
        before = self.current_plan()
        self._run(lambda s, now: events.record(s, type="plan.requested", at=now,
                                               payload={"trigger": trigger}))
        self._plan_after(before.version if before else 0)
        return self.current_plan()

    def replan_now(self, trigger: str = "manual", region: str | None = None) -> PlanView:
        """Solve now in this thread (one region, or all) and store the plans."""
        for name in [region] if region is not None else self.regions():
            self.replanner.replan_now(trigger, name)
        view = self.current_plan()
        assert view is not None
        return view

    # -- alerts ---------------------------------------------------------------------------------
    def tick(self) -> None:
        """What the clock alone changes: expired route locks and shift edges (a re-plan
        follows each), forgotten idempotency keys, expired follow-ups and maintenance tickets
        falling due, alerts."""
        self._run(lambda s, now: overrides.expire(s, now=now))
        self._run(lambda s, now: technicians.record_shift_edges(s, now=now, tz=self.settings.tz))
        ttl = timedelta(hours=self.settings.idempotency_ttl_hours)
        self._run(lambda s, now: idempotency.purge(s, before=now - ttl))
        self._run(lambda s, now: closed_loop.on_tick(s, now=now, settings=self.settings,
                                                     policy=self.policy))
        self.check_alerts()

    def check_alerts(self) -> list[AlertRead]:
        """Evaluate the SLA monitor now: open, update, escalate and resolve alerts."""
        return self._run(lambda s, now: [AlertRead.model_validate(a) for a in monitor.evaluate(
            s, now=now, tz=self.settings.tz, policy=self.alert_policy)])

    def list_alerts(self, state: AlertState | None = None) -> list[AlertRead]:
        with self.sessions() as s:
            return [AlertRead.model_validate(a) for a in alerts.list_(s, state=state)]

    def acknowledge_alert(self, alert_id: int, *, by: str) -> AlertRead:
        return self._run(lambda s, now: AlertRead.model_validate(
            alerts.acknowledge(s, alert_id=alert_id, by=by, now=now)))

    def record_audit(self, entry: dict[str, Any]) -> AuditRead:
        """Append a change made by a person (`api.audit` fills who, what, before, after)."""
        with self.sessions() as s, s.begin():
            return AuditRead.model_validate(audit.record(s, at=self.clock.now(), **entry))

    def audit(self, query: AuditQuery) -> list[AuditRead]:
        """The audit trail, newest first, narrowed by `query`."""
        with self.sessions() as s:
            return [AuditRead.model_validate(e) for e in audit.list_(s, query=query)]

    def report_lockout(self, username: str, *, address: str, minutes: float) -> AlertRead:
        """Raise the `login_lockout` alert: an account locked after repeated wrong passwords
        (one open alert, refreshed, until a dispatcher or admin acknowledges it)."""
        message = say("lockout", user=username, minutes=f"{minutes:g}", address=address)
        return self._run(lambda s, now: AlertRead.model_validate(alerts.raise_(
            s, kind=AlertKind.login_lockout, ticket_id=None, technician_id=None,
            message=message, now=now)))

    # -- KPIs -----------------------------------------------------------------------------------
    def kpis(self, query: KpiQuery) -> KpiReport:
        """Operations KPIs of a range of days, computed from stored state as of now."""
        with self.sessions() as s:
            return kpis.report(s, query=query, now=self.clock.now(), tz=self.settings.tz)


def _default_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisStreamBus(settings.redis_url, stream=settings.redis_stream)
    return InProcessBus()



def solve_params(settings: Settings) -> SolveParams:
    """The live engine's solver settings: the library's defaults (the search the benchmarks
    measure), with the budget and the dispatch terms a company configures."""
    return SolveParams(time_budget_ms=settings.solve_budget_ms,
                       max_overtime=settings.max_overtime_min * 60,
                       flow_weight=settings.flow_weight,
                       stability_penalty=settings.stability_penalty_min * 60,
                       rework_penalty=settings.rework_penalty_min * 60,
                       fairness_weight=settings.fairness_weight,
                       area_penalty=settings.area_penalty_min * 60,
                       due_margin=settings.due_margin_min * 60)
