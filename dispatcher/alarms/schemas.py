"""Device and alarm input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.alarms.models import AlarmEvent, DeviceKind, Outcome
from dispatcher.enums import Status
from dispatcher.schemas import DbId, Strict


class DeviceCreate(Strict):
    """A device that will report alarms on an asset."""

    name: str = Field(min_length=1, max_length=128)
    kind: DeviceKind
    asset_id: DbId


class DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: DeviceKind
    asset_id: int
    created_at: datetime
    revoked_at: datetime | None


class DeviceIssued(DeviceRead):
    """A new device with its key: shown once, to be put on the device."""

    key: str


class AlarmReport(Strict):
    """What a device reports: an alarm raised, or the same alarm cleared."""

    event: AlarmEvent
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:-]+$",
                      description="the device's own fault code, e.g. E12")
    message: str = Field("", max_length=500, description="the device's text, if any")


class AlarmResult(BaseModel):
    """What the alarm did, and the ticket it is on (none: a clearance with no ticket open)."""

    alarm_id: int
    outcome: Outcome
    ticket_id: int | None
    ticket_status: Status | None
