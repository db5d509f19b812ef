"""Open tickets the planner keeps off the routes for now, and the reason a person reads:
held by a dispatcher, an appointment beyond the look-ahead, a linked visit still waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dispatcher.enums import Status
from dispatcher.messages import say
from dispatcher.overrides import service as overrides
from dispatcher.planning.links import LOOKAHEAD, After


def held_off(open_tickets: Sequence[Any], live: overrides.Live, now: datetime,
             afters: dict[int, After]) -> dict[int, str]:
    """Open tickets kept off the routes, with the reason to show for each: held by a
    dispatcher, an appointment window that opens after the look-ahead, or a linked visit
    whose first visit is not done (or was done too recently)."""
    ours = {t.id: t for t in open_tickets}
    off = {ticket_id: say("held", who=o.created_by, held=o.reason.value)
           for ticket_id, o in live.held.items() if ticket_id in ours}
    for t in ours.values():
        if t.id in off:
            continue
        if t.window_start is not None and later(t, now):
            off[t.id] = say("window_later", at=t.window_start.isoformat())
        elif (after := afters.get(t.id)) is not None and after.held:
            off[t.id] = (say("follows_open", id=t.follows_id) if after.release is None else
                         say("follows_later", id=t.follows_id, at=after.release.isoformat()))
    return off


def later(ticket: Any, now: datetime) -> bool:
    """Not started and its window opens after the look-ahead."""
    return (ticket.window_start is not None and ticket.window_start > now + LOOKAHEAD
            and ticket.status in (Status.new, Status.assigned))
