"""Sites (compounds) and their regions."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import EngineDep, StaffUser
from dispatcher.sites.schemas import SiteCreate, SiteRead

router = APIRouter(prefix="/sites", tags=["sites"])


@router.put("")
def upsert_site(body: SiteCreate, engine: EngineDep, _: StaffUser) -> SiteRead:
    """Create or replace a site; tickets reported there are planned with its region."""
    return engine.upsert_site(body)


@router.get("")
def list_sites(engine: EngineDep) -> list[SiteRead]:
    return engine.list_sites()
