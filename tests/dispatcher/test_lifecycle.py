"""The ticket lifecycle: which status may follow which, and the time each move stamps.

The expectations are written out by hand from the closed loop a property company runs
(report → dispatch → accept → travel → on site → done → closed by the follow-up), not read
from `lifecycle`'s own tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product
from types import SimpleNamespace

import pytest

from dispatcher.enums import Status as S
from dispatcher.errors import Conflict
from dispatcher.tickets import lifecycle
from dispatcher.tickets.service import move

ALLOWED = {
    (S.new, S.assigned), (S.new, S.cancelled),  # the planner routes it, or it is withdrawn
    (S.assigned, S.new), (S.assigned, S.accepted), (S.assigned, S.cancelled),
    (S.accepted, S.en_route), (S.accepted, S.new), (S.accepted, S.cancelled),
    (S.en_route, S.on_site), (S.en_route, S.new), (S.en_route, S.cancelled),
    (S.on_site, S.completed), (S.on_site, S.new),  # resident not home: rebooked
    (S.completed, S.closed),  # by the follow-up
    # a report of a fault already reported joins that ticket's job before anyone sets off,
    (S.new, S.merged), (S.assigned, S.merged), (S.accepted, S.merged),
    # and is done with it, or back on its own when that ticket is cancelled
    (S.merged, S.completed), (S.merged, S.new),
}


@pytest.mark.parametrize("current, target", list(product(S, S)))
def test_a_move_is_allowed_exactly_when_the_loop_has_it(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        lifecycle.check(current, target)
    else:
        with pytest.raises(Conflict) as caught:
            lifecycle.check(current, target)
        assert caught.value.field == "status"


def test_a_refusal_names_the_statuses_that_may_follow() -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.check(S.assigned, S.completed)
    assert str(caught.value) == ("ticket cannot go from assigned to completed; "
                                 "allowed next: accepted, cancelled, merged, new")


@pytest.mark.parametrize("final", [S.closed, S.cancelled])
def test_a_final_status_says_so(final: S) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.check(final, S.new)
    assert str(caught.value) == (f"ticket cannot go from {final} to new; "
                                 "allowed next: none (final status)")


def test_a_technician_reports_only_his_own_progress() -> None:
    """Assigning, closing and cancelling belong to the planner, the follow-up and the desk."""
    assert {S.accepted, S.en_route, S.on_site, S.completed} == lifecycle.REPORTED


STAMPS = {S.assigned: "assigned_at", S.accepted: "accepted_at", S.en_route: "en_route_at",
          S.on_site: "on_site_at", S.completed: "completed_at", S.closed: "closed_at",
          S.cancelled: "cancelled_at"}
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _ticket(status: S) -> SimpleNamespace:
    return SimpleNamespace(status=status, work_started_at=None, crew_size=1,
                           **{field: None for field in STAMPS.values()})


@pytest.mark.parametrize("current, target", sorted(ALLOWED))
def test_each_move_stamps_its_own_time_and_no_other(current: S, target: S) -> None:
    ticket = _ticket(current)
    move(ticket, target, T0)  # type: ignore[arg-type]
    assert ticket.status is target
    stamped = {f for f in STAMPS.values() if getattr(ticket, f) is not None}
    assert stamped == ({STAMPS[target]} if target in STAMPS else set())
    if target is S.on_site:
        assert ticket.on_site_at == ticket.work_started_at == T0


def test_the_first_arrival_stays_the_arrival() -> None:
    """Called away and back: the SLA counts the first time on site; the stint in progress
    starts anew."""
    ticket = _ticket(S.en_route)
    move(ticket, S.on_site, T0)  # type: ignore[arg-type]
    move(ticket, S.new, T0 + timedelta(minutes=20))  # type: ignore[arg-type]
    ticket.status = S.en_route  # assigned, accepted and set off again
    later = T0 + timedelta(hours=1)
    move(ticket, S.on_site, later)  # type: ignore[arg-type]
    assert ticket.on_site_at == T0
    assert ticket.work_started_at == later

