"""Asset verbs. They flush; the caller's unit of work commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.assets.models import Asset, AssetKind
from dispatcher.assets.schemas import AssetCreate, AssetUpdate
from dispatcher.errors import Conflict, NotFound
from dispatcher.maintenance.models import MaintenancePlan
from dispatcher.tickets.models import Ticket


def create(session: Session, *, data: AssetCreate, now: datetime) -> Asset:
    """Store a new asset."""
    asset = Asset(**data.model_dump(), created_at=now)
    session.add(asset)
    session.flush()
    return asset


def get(session: Session, *, asset_id: int) -> Asset:
    """The asset, or `NotFound`."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(f"asset {asset_id} not found", field="asset_id")
    return asset


def list_(session: Session, *, site_id: str | None = None,
          kind: AssetKind | None = None) -> list[Asset]:
    """Assets by id, optionally of one site and one kind."""
    query = select(Asset).order_by(Asset.id)
    if site_id is not None:
        query = query.where(Asset.site_id == site_id)
    if kind is not None:
        query = query.where(Asset.kind == kind)
    return list(session.scalars(query))


def update(session: Session, *, asset_id: int, data: AssetUpdate) -> Asset:
    """Change the given fields of an asset."""
    asset = get(session, asset_id=asset_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(asset, key, value)
    session.flush()
    return asset


def delete(session: Session, *, asset_id: int) -> None:
    """Remove an asset no ticket or maintenance plan refers to (history must stay whole)."""
    asset = get(session, asset_id=asset_id)
    for table, what in ((Ticket, "ticket"), (MaintenancePlan, "maintenance plan")):
        used = session.scalar(select(func.count()).where(table.asset_id == asset_id))
        if used:
            raise Conflict(f"asset {asset_id} has {used} {what}(s); it cannot be deleted",
                           field="asset_id")
    session.delete(asset)
    session.flush()
