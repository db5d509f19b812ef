"""The dispatcher's override commands: pin, move, hold, lock a route, clear.

`Engine` mixes `OverrideCommands` in (as it does `ClosedLoopCommands`): each command stores the
override in one unit of work, lets the plan follow (here, or by the planner) and answers with
the re-planned assignment of the tickets it touched, and what the dispatcher must know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from dispatcher.clock import Clock
from dispatcher.config import Settings
from dispatcher.overrides import service as overrides
from dispatcher.overrides.models import Override, Reason
from dispatcher.overrides.schemas import OverrideEffect, OverrideRead
from dispatcher.tickets.schemas import Assignment, TicketRead

T = TypeVar("T")


class OverrideCommands:
    """Engine commands for a dispatcher's overrides."""

    settings: Settings
    clock: Clock
    sessions: Callable[[], Session]
    _run: Callable[[Callable[[Session, datetime], T]], T]
    current_plan: Callable[..., Any]
    get_ticket: Callable[[int], TicketRead]
    _plan_after: Callable[[int], int | None]

    def pin(self, ticket_id: int, technician_id: int, *, by: str, reason: str = "other",
            position: int | None = None, member: int = 1) -> OverrideEffect:
        """Pin a ticket (a crew's place `member`) to a technician (at a position of his route:
        a move); refused with the reason if he cannot take it. The answer carries the
        re-planned assignment."""
        return self._override(lambda s, now: overrides.pin(
            s, ticket_id=ticket_id, technician_id=technician_id, by=by, reason=Reason(reason),
            now=now, tz=self.settings.tz, position=position, member=member))

    def hold(self, ticket_id: int, *, by: str, reason: str = "other") -> OverrideEffect:
        """Keep a ticket off every route until the hold is cleared."""
        return self._override(lambda s, now: overrides.hold(
            s, ticket_id=ticket_id, by=by, reason=Reason(reason), now=now))

    def lock_route(self, technician_id: int, *, minutes: int, by: str,
                   reason: str = "other") -> OverrideEffect:
        """Freeze a technician's route as the current plan has it, for `minutes`."""
        plan = self.current_plan()
        route = next((r for r in (plan.routes if plan else [])
                      if r["technician_id"] == technician_id), {"stops": []})
        # A crew partner's stop is not his to lock: the ticket is its first technician's.
        sequence = [st["ticket_id"] for st in route["stops"]
                    if not st["in_progress"] and "member" not in st]
        return self._override(lambda s, now: overrides.lock(
            s, technician_id=technician_id, sequence=sequence, minutes=minutes, by=by,
            reason=Reason(reason), now=now))

    def clear_override(self, ticket_id: int, *, by: str) -> OverrideEffect:
        """Clear a ticket's pin, move or hold."""
        return self._override(lambda s, now: overrides.clear_ticket(
            s, ticket_id=ticket_id, by=by, now=now))

    def unpin(self, ticket_id: int, *, by: str) -> OverrideEffect:
        return self.clear_override(ticket_id, by=by)

    def clear_lock(self, technician_id: int, *, by: str) -> OverrideEffect:
        return self._override(lambda s, now: overrides.clear_lock(
            s, technician_id=technician_id, by=by, now=now))

    def list_overrides(self) -> list[OverrideRead]:
        with self.sessions() as s:
            return [OverrideRead.model_validate(o)
                    for o in overrides.list_live(s, now=self.clock.now())]

    def _override(self, fn: Callable[[Session, datetime], Override]) -> OverrideEffect:
        """Store the override, let the plan follow, and answer with what it did."""
        before = self.current_plan()
        row = OverrideRead.model_validate(self._run(fn))
        version = self._plan_after(before.version if before else 0)
        ids = [row.ticket_id] if row.ticket_id is not None else list(row.sequence or [])
        assignments = {t.id: t.assignment for t in (self.get_ticket(i) for i in ids)}
        warnings = [w for i, a in assignments.items() for w in _warnings(i, a)]
        return OverrideEffect(override=row, plan_version=version, assignments=assignments,
                              warnings=warnings)


def _warnings(ticket_id: int, a: Assignment) -> list[str]:
    """What a dispatcher must know about one overridden ticket's place in the new plan."""
    if a.plan_version is None:
        return [f"ticket {ticket_id}: no plan yet reflects the override"]
    if a.technician_id is None:
        return [f"ticket {ticket_id} is unassigned: {a.unassigned_reason}"]
    if a.predicted_late_minutes:
        return [f"ticket {ticket_id} is predicted {a.predicted_late_minutes:g} min late "
                "(SLA breach)"]
    return []
