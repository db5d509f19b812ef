"""The device and alarm tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class DeviceKind(StrEnum):
    elevator_alarm = "elevator_alarm"  # an elevator's fault alarm device
    fire_panel = "fire_panel"  # the fire alarm control panel
    water_pressure = "water_pressure"  # a pressure alarm on the water supply or sprinklers
    power = "power"  # a power-failure monitor in the switch room


class AlarmEvent(StrEnum):
    raised = "raised"
    cleared = "cleared"


class Outcome(StrEnum):
    """What an alarm did: opened a ticket, joined the device's open one, cancelled it, or
    nothing (a clearance after someone set off, or with no ticket open)."""

    opened = "opened"
    merged = "merged"
    cancelled = "cancelled"
    noted = "noted"


class Device(Base):
    """A device that may report alarms on one asset, with its signing key."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[DeviceKind] = mapped_column(Enum(DeviceKind, native_enum=False, length=24))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    # The HMAC key: the server must hold it to check a signature (like the token signing key).
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Alarm(Base):
    """One signed alarm as received; its signature is unique per device, so a replay is
    refused."""

    __tablename__ = "alarms"
    __table_args__ = (UniqueConstraint("device_id", "signature", name="uq_alarms_signature"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    event: Mapped[AlarmEvent] = mapped_column(Enum(AlarmEvent, native_enum=False, length=16))
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signature: Mapped[str] = mapped_column(String(71))
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
