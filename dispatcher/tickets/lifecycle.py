"""Which status may follow which, and which timestamp records it."""

from __future__ import annotations

from dispatcher.enums import Status
from dispatcher.errors import Conflict

# The planner moves tickets between new and assigned; people move them on from there. Back to
# new from accepted, en_route or on_site: the resident was not home, the ticket is rebooked.
# A report of a fault already reported is merged into that ticket before anyone sets off.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.new: frozenset({Status.assigned, Status.cancelled, Status.merged}),
    Status.assigned: frozenset({Status.new, Status.accepted, Status.cancelled, Status.merged}),
    Status.accepted: frozenset({Status.en_route, Status.new, Status.cancelled, Status.merged}),
    Status.en_route: frozenset({Status.on_site, Status.new, Status.cancelled}),
    Status.on_site: frozenset({Status.completed, Status.new}),
    Status.completed: frozenset({Status.closed}),
    Status.closed: frozenset(),
    Status.cancelled: frozenset(),
    # Merged into another ticket's job: done with it, or back on its own if that one is
    # cancelled (or the merge was a mistake).
    Status.merged: frozenset({Status.completed, Status.new}),
}

# Transitions a technician (or a client acting for him) may ask for through the status API.
REPORTED = frozenset({Status.accepted, Status.en_route, Status.on_site, Status.completed})

TIMESTAMP_FIELD = {
    Status.assigned: "assigned_at",
    Status.accepted: "accepted_at",
    Status.en_route: "en_route_at",
    Status.on_site: "on_site_at",
    Status.completed: "completed_at",
    Status.closed: "closed_at",
    Status.cancelled: "cancelled_at",
}


# Stamps that keep the first time: a technician called away from work and back later arrived,
# for the SLA, the first time. The stint in progress is stamped apart (`work_started_at`).
KEEP_FIRST = frozenset({Status.on_site})


def check(current: Status, target: Status) -> None:
    """Raise `Conflict` naming the allowed next statuses if `current -> target` is impossible."""
    allowed = TRANSITIONS[current]
    if target not in allowed:
        nexts = ", ".join(sorted(s.value for s in allowed)) or "none (final status)"
        raise Conflict(
            f"ticket cannot go from {current.value} to {target.value}; allowed next: {nexts}",
            field="status",
        )
