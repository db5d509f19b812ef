"""The plan as readers see it: the latest version of every region, merged into one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.planning.models import PlanVersion


@dataclass(frozen=True)
class PlanView:
    """Same fields as a `PlanVersion`; `version` is the newest, `regions` each region's."""

    version: int
    computed_at: datetime
    solve_ms: float
    status: str
    trigger: str
    routes: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    objective: dict[str, float]
    regions: dict[str, int] = field(default_factory=dict)


def latest(session: Session, *, region: str | None = None) -> PlanView | None:
    """The newest plan of `region`, or of every region merged; None before the first plan."""
    newest = select(func.max(PlanVersion.version)).group_by(PlanVersion.region)
    if region is not None:
        newest = newest.where(PlanVersion.region == region)
    rows = list(session.scalars(select(PlanVersion).where(PlanVersion.version.in_(newest))
                                .order_by(PlanVersion.region)))
    return merge(rows) if rows else None


def merge(rows: list[PlanVersion]) -> PlanView:
    """One view of several regions' plans: routes and unassigned side by side, sums of costs."""
    last = max(rows, key=lambda r: r.version)
    objective: dict[str, float] = {}
    for row in rows:
        for key, value in row.objective.items():
            objective[key] = objective.get(key, 0) + value
    return PlanView(
        version=last.version, computed_at=last.computed_at,
        solve_ms=max(r.solve_ms for r in rows), status=last.status, trigger=last.trigger,
        routes=[route for r in rows for route in r.routes],
        unassigned=[u for r in rows for u in r.unassigned], objective=objective,
        regions={r.region: r.version for r in rows})
