"""The closed loop's commands and the hooks the engine calls on creation, completion and tick.

Report → dispatch → fix → follow-up: a completed repair gets a follow-up that closes it (or
reopens it as rework); a preventive visit closes at once and moves its plan on; each new fault
is checked for being a rework or a recurring fault; the clock expires follow-ups and generates
maintenance tickets. `Engine` mixes `ClosedLoopCommands` in so that every caller (API, CLI,
simulator) goes through one unit of work per command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from dispatcher.assets import service as assets
from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate, AssetRead, AssetUpdate
from dispatcher.clock import Clock
from dispatcher.config import Settings
from dispatcher.followups import service as followups
from dispatcher.followups.models import Channel, FollowUp, FollowUpState
from dispatcher.followups.schemas import (
    FollowUpAnswer,
    FollowUpLink,
    FollowUpPublic,
    FollowUpRead,
    PhoneAnswer,
)
from dispatcher.maintenance import service as maintenance
from dispatcher.maintenance.plans_file import parse
from dispatcher.maintenance.schemas import ImportResult, PlanCreate, PlanRead, PlanUpdate
from dispatcher.recurring import service as recurring
from dispatcher.recurring.models import RecurringState
from dispatcher.recurring.schemas import RecurringRead
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import duplicates, rework
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketRead

T = TypeVar("T")  # pragma: no mutate (typing only: no run-time behaviour to change)
FOLLOWUP_PATH = "/followup/"  # the resident's page; the API is under /api/v1/followup/


def thresholds(settings: Settings) -> recurring.Thresholds:
    """The recurring-fault thresholds the settings give."""
    return recurring.Thresholds(
        window=timedelta(days=settings.recurring_window_days),
        asset=settings.recurring_asset_threshold, unit=settings.recurring_unit_threshold,
        building=settings.recurring_building_threshold)


def after_create(session: Session, *, ticket: Ticket, now: datetime, settings: Settings) -> None:
    """A new fault: a rework of a recent repair at its unit? A fault already reported? A
    recurring fault?"""
    rework.link_repeat(session, ticket=ticket, now=now,
                       window=timedelta(days=settings.rework_window_days))
    duplicates.propose(session, ticket=ticket,
                       window=timedelta(minutes=settings.duplicate_window_min),
                       distance_m=settings.duplicate_distance_m)
    recurring.detect(session, ticket=ticket, now=now, thresholds=thresholds(settings))


def after_completion(session: Session, *, ticket: Ticket, now: datetime,
                     settings: Settings) -> None:
    """A preventive visit closes and moves its plan on; a repair waits for its follow-up, and
    so does each report merged into it."""
    if ticket.preventive:
        maintenance.complete(session, ticket=ticket)
        tickets.close(session, ticket=ticket, now=now, why="preventive maintenance done")
        return
    for done in (ticket, *duplicates.complete_with(session, job=ticket, now=now)):
        followups.open_for(session, ticket=done, now=now,
                           due=timedelta(hours=settings.followup_due_hours),
                           expire=timedelta(hours=settings.followup_expire_hours))


def answer_followup(session: Session, *, followup: FollowUp, data: FollowUpAnswer,
                    channel: Channel, by: str | None, now: datetime, settings: Settings,
                    policy: SlaPolicy) -> FollowUp:
    """The resident's answer closes the ticket; "not fixed" reopens the job as its rework
    (one linked ticket: an open rework already there is reused)."""
    followups.check_pending(followup, now)
    redo_id = None
    if not data.fixed:
        original = tickets.get(session, ticket_id=followup.ticket_id)
        redo, created = rework.reopen(session, original=original, comment=data.comment,
                                      now=now, policy=policy)
        if created:
            after_create(session, ticket=redo, now=now, settings=settings)
        redo_id = redo.id
    return followups.answer(session, followup=followup, data=data, channel=channel, by=by,
                            now=now, rework_ticket_id=redo_id)


def on_tick(session: Session, *, now: datetime, settings: Settings, policy: SlaPolicy) -> None:
    """What the clock changes: follow-ups expire, maintenance tickets fall due."""
    followups.expire_due(session, now=now)
    maintenance.generate(session, now=now, policy=policy,
                         horizon=timedelta(days=settings.maintenance_horizon_days))


class ClosedLoopCommands:
    """Engine commands for follow-ups, assets, maintenance plans and recurring faults."""

    settings: Settings
    policy: SlaPolicy
    sessions: Callable[[], Session]
    _run: Callable[[Callable[[Session, datetime], T]], T]
    clock: Clock

    # -- duplicates -----------------------------------------------------------------------------
    def merge_ticket(self, ticket_id: int, into: int) -> TicketRead:
        """The same fault as ticket `into`: this report joins its job and leaves the routes."""
        return self._run(lambda s, now: TicketRead.of(
            duplicates.merge(s, ticket_id=ticket_id, into=into, now=now)))

    def merge_proposed(self, into: int) -> list[TicketRead]:
        """Every report proposed as a duplicate of `into` joins its job (the storm, at once)."""
        def run(s: Session, now: datetime) -> list[TicketRead]:
            tickets.get(s, ticket_id=into)
            return [TicketRead.of(t) for t in duplicates.merge_proposed(s, into=into, now=now)]
        return self._run(run)

    def dismiss_duplicate(self, ticket_id: int) -> TicketRead:
        """Not the same fault: the proposal is dropped."""
        return self._run(lambda s, now: TicketRead.of(
            duplicates.dismiss(s, ticket_id=ticket_id, now=now)))

    # -- follow-ups -----------------------------------------------------------------------------
    def issue_followup_link(self, ticket_id: int) -> FollowUpLink:
        """A new one-time link for a ticket's pending follow-up (earlier links stop working)."""
        def run(s: Session, now: datetime) -> FollowUpLink:
            followup, token = followups.issue_link(s, ticket_id=ticket_id, now=now)
            return FollowUpLink(followup_id=followup.id, ticket_id=ticket_id, token=token,
                                url=f"{FOLLOWUP_PATH}{token}", expires_at=followup.expires_at)
        return self._run(run)

    def followup_by_token(self, token: str) -> FollowUpPublic:
        """What the resident's link is about; 404 unknown, 410 used or expired."""
        def run(s: Session, now: datetime) -> FollowUpPublic:
            followup = followups.by_token(s, token=token, now=now)
            t = tickets.get(s, ticket_id=followup.ticket_id)
            return FollowUpPublic(ticket_id=t.id, category=t.category, building=t.building,
                                  unit=t.unit, description=t.description,
                                  completed_at=t.completed_at, expires_at=followup.expires_at,
                                  state=followup.state)
        return self._run(run)

    def answer_followup_link(self, token: str, data: FollowUpAnswer) -> FollowUpRead:
        """The resident answers through the link; it is spent."""
        def run(s: Session, now: datetime) -> FollowUpRead:
            followup = followups.by_token(s, token=token, now=now)
            return FollowUpRead.of(answer_followup(
                s, followup=followup, data=data, channel=Channel.link, by=None, now=now,
                settings=self.settings, policy=self.policy), now)
        return self._run(run)

    def answer_followup_phone(self, ticket_id: int, data: PhoneAnswer) -> FollowUpRead:
        """The front desk records a phone follow-up."""
        def run(s: Session, now: datetime) -> FollowUpRead:
            followup = followups.of_ticket(s, ticket_id=ticket_id)
            return FollowUpRead.of(answer_followup(
                s, followup=followup, data=data, channel=Channel.phone, by=data.by, now=now,
                settings=self.settings, policy=self.policy), now)
        return self._run(run)

    def list_followups(self, state: FollowUpState | None = None) -> list[FollowUpRead]:
        """Earliest due first, so the overdue ones lead."""
        with self.sessions() as s:
            now = self._now()
            return [FollowUpRead.of(f, now) for f in followups.list_(s, state=state)]

    def get_followup(self, ticket_id: int) -> FollowUpRead:
        with self.sessions() as s:
            return FollowUpRead.of(followups.of_ticket(s, ticket_id=ticket_id), self._now())

    # -- assets ---------------------------------------------------------------------------------
    def create_asset(self, data: AssetCreate) -> AssetRead:
        return self._run(lambda s, now: AssetRead.model_validate(
            assets.create(s, data=data, now=now)))

    def get_asset(self, asset_id: int) -> AssetRead:
        with self.sessions() as s:
            return AssetRead.model_validate(assets.get(s, asset_id=asset_id))

    def list_assets(self, site_id: str | None = None,
                    kind: AssetKind | None = None) -> list[AssetRead]:
        with self.sessions() as s:
            return [AssetRead.model_validate(a)
                    for a in assets.list_(s, site_id=site_id, kind=kind)]

    def update_asset(self, asset_id: int, data: AssetUpdate) -> AssetRead:
        return self._run(lambda s, now: AssetRead.model_validate(
            assets.update(s, asset_id=asset_id, data=data)))

    def delete_asset(self, asset_id: int) -> None:
        self._run(lambda s, now: assets.delete(s, asset_id=asset_id))

    # -- maintenance plans ----------------------------------------------------------------------
    def create_plan(self, data: PlanCreate) -> PlanRead:
        return self._run(lambda s, now: PlanRead.model_validate(
            maintenance.create(s, data=data, now=now)))

    def get_plan(self, plan_id: int) -> PlanRead:
        with self.sessions() as s:
            return PlanRead.model_validate(maintenance.get(s, plan_id=plan_id))

    def list_plans(self, asset_id: int | None = None,
                   site_id: str | None = None) -> list[PlanRead]:
        with self.sessions() as s:
            return [PlanRead.model_validate(p)
                    for p in maintenance.list_(s, asset_id=asset_id, site_id=site_id)]

    def update_plan(self, plan_id: int, data: PlanUpdate) -> PlanRead:
        return self._run(lambda s, now: PlanRead.model_validate(
            maintenance.update(s, plan_id=plan_id, data=data)))

    def delete_plan(self, plan_id: int) -> None:
        self._run(lambda s, now: maintenance.delete(s, plan_id=plan_id))

    def import_plans(self, text: str, *, where: str = "plans.toml") -> ImportResult:
        """Create or update plans from a plans file (all of it, or nothing on an error)."""
        kinds, specs = parse(text, where=where, tz=self.settings.tz)
        return self._run(lambda s, now: maintenance.import_(s, kinds=kinds, specs=specs,
                                                            now=now))

    def generate_maintenance(self) -> list[int]:
        """Generate the maintenance tickets that are due now (the tick does this too)."""
        return self._run(lambda s, now: [t.id for t in maintenance.generate(
            s, now=now, policy=self.policy,
            horizon=timedelta(days=self.settings.maintenance_horizon_days))])

    # -- recurring faults -----------------------------------------------------------------------
    def list_recurring(self, state: RecurringState | None = None) -> list[RecurringRead]:
        with self.sessions() as s:
            return [RecurringRead.model_validate(r) for r in recurring.list_(s, state=state)]

    def accept_recurring(self, recurring_id: int, *, by: str) -> RecurringRead:
        """Accept a proposal: the root-cause ticket is created and the alert closes."""
        return self._run(lambda s, now: RecurringRead.model_validate(recurring.accept(
            s, recurring_id=recurring_id, by=by, now=now, policy=self.policy)))

    def dismiss_recurring(self, recurring_id: int, *, by: str) -> RecurringRead:
        return self._run(lambda s, now: RecurringRead.model_validate(
            recurring.dismiss(s, recurring_id=recurring_id, by=by, now=now)))

    def _now(self) -> datetime:
        return self.clock.now()
