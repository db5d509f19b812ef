"""Who may do what: staff everything, a technician only his own route, tickets and position."""

from __future__ import annotations

from dispatcher.auth.tokens import Principal
from dispatcher.errors import Forbidden


def require_staff(who: Principal) -> None:
    """Only a dispatcher or an admin."""
    if not who.staff:
        raise Forbidden(f"{who.role.value} {who.username!r} may not do this; "
                        "it needs a dispatcher or admin account")


def require_technician(who: Principal, technician_id: int) -> None:
    """Staff, or the technician himself."""
    if not who.staff and who.technician_id != technician_id:
        raise Forbidden(f"{who.username!r} may only act for technician {who.technician_id}, "
                        f"not {technician_id}", field="technician_id")


def require_ticket(who: Principal, *, ticket_id: int, owner: int | None) -> None:
    """Staff, or the technician the ticket is assigned to (`owner`)."""
    if not who.staff and (owner is None or owner != who.technician_id):
        raise Forbidden(f"ticket {ticket_id} is not assigned to {who.username!r}",
                        field="ticket_id")


def own_technician(who: Principal) -> int:
    """The technician id a technician account acts for (staff have none here)."""
    if who.technician_id is None:
        raise Forbidden(f"{who.username!r} is not a technician account; use "
                        "GET /technicians/{id}/route", field="technician_id")
    return who.technician_id
