"""Assets: the equipment faults and maintenance plans are about."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import EngineDep, Id
from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate, AssetRead, AssetUpdate

router = APIRouter(prefix="/assets", tags=["assets"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_asset(body: AssetCreate, engine: EngineDep) -> AssetRead:
    return engine.create_asset(body)


@router.get("")
def list_assets(engine: EngineDep, site_id: str | None = None,
                kind: AssetKind | None = None) -> list[AssetRead]:
    return engine.list_assets(site_id, kind)


@router.get("/{asset_id}")
def get_asset(asset_id: Id, engine: EngineDep) -> AssetRead:
    return engine.get_asset(asset_id)


@router.patch("/{asset_id}")
def update_asset(asset_id: Id, body: AssetUpdate, engine: EngineDep) -> AssetRead:
    return engine.update_asset(asset_id, body)


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_asset(asset_id: Id, engine: EngineDep) -> Response:
    """Refused (409) while tickets or maintenance plans refer to the asset."""
    engine.delete_asset(asset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
