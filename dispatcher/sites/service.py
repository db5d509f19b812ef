"""Site verbs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.sites.models import DEFAULT_REGION, Site
from dispatcher.sites.schemas import SiteCreate


def upsert(session: Session, *, data: SiteCreate) -> Site:
    """Create or replace a site (its region applies to tickets reported from now on)."""
    site = session.get(Site, data.id) or Site(id=data.id)
    site.name, site.region, site.lat, site.lon = data.name, data.region, data.lat, data.lon
    site.outline = [list(p) for p in data.outline] if data.outline else None
    session.add(site)
    session.flush()
    return site


def list_(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.id)))


def names(session: Session, site_ids: set[str]) -> dict[str, str]:
    """The compounds' names (what people read), by id."""
    if not site_ids:
        return {}
    return dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())


def region_of(session: Session, site_id: str | None) -> str:
    """The region that plans a site; tickets without a known site go to the default region."""
    site = session.get(Site, site_id) if site_id else None
    return site.region if site is not None else DEFAULT_REGION
