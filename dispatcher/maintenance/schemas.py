"""Maintenance plan input and output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dispatcher.enums import Category
from dispatcher.inspections.checklist import Checklist, ChecklistItem, unique_keys
from dispatcher.schemas import AwareDatetime, DbId, Strict, omittable

Items = Annotated[Checklist, AfterValidator(unique_keys)]


class PlanCreate(Strict):
    """A plan for one asset; unset fields come from the defaults of its kind."""

    asset_id: DbId
    kind: str | None = Field(None, min_length=1, max_length=64,
                             description="defaults to the asset's kind")
    category: Category | None = None
    cadence_days: int | None = Field(None, ge=1, le=3650)
    tolerance_days: int | None = Field(None, ge=1, le=365)
    service_minutes: int | None = Field(None, ge=1, le=24 * 60)
    first_due: AwareDatetime | None = Field(None, description="defaults to one cadence from now")
    description: str = Field("", max_length=4000)
    active: bool = True
    checklist: Items | None = Field(
        None, description="an inspection round's items; defaults to the kind's checklist")


class PlanUpdate(Strict):
    """Fields to change; the others keep their values."""

    cadence_days: int = omittable(ge=1, le=3650)
    tolerance_days: int = omittable(ge=1, le=365)
    service_minutes: int = omittable(ge=1, le=24 * 60)
    next_due: AwareDatetime = omittable()
    description: str = omittable(max_length=4000)
    active: bool = omittable()
    checklist: Items = omittable()


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    asset_id: DbId
    kind: str
    category: Category
    service_minutes: int
    cadence_days: int
    tolerance_days: int
    next_due: datetime
    last_done: datetime | None
    active: bool
    description: str
    checklist: list[ChecklistItem]


class ImportResult(BaseModel):
    """What an import did."""

    created: list[int]
    updated: list[int]
