"""The alarm desk (`engine.alarms`): devices issued and revoked, signed alarms taken in, each
as one unit of work of the engine, so a new ticket reaches the planner like any other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.alarms import service
from dispatcher.alarms.schemas import (
    AlarmReport,
    AlarmResult,
    DeviceCreate,
    DeviceIssued,
    DeviceRead,
)
from dispatcher.context import Context
from dispatcher.tickets.models import Ticket


class AlarmDesk:
    """What devices and the `dispatch devices` command ask of the engine."""

    def __init__(self, engine: Context) -> None:
        self._engine = engine

    def add_device(self, data: DeviceCreate) -> DeviceIssued:
        """A new device and its key (shown this once)."""
        def run(s: Session, now: datetime) -> DeviceIssued:
            device = service.add(s, data=data, now=now)
            return DeviceIssued.model_validate(device)
        return self._engine.command(run)

    def devices(self) -> list[DeviceRead]:
        with self._engine.sessions() as s:
            return [DeviceRead.model_validate(d) for d in service.list_(s)]

    def revoke(self, device_id: int) -> DeviceRead:
        return self._engine.command(lambda s, now: DeviceRead.model_validate(
            service.revoke(s, device_id=device_id, now=now)))

    def receive(self, *, device_id: int, timestamp: int, signature: str, body: bytes,
                report: AlarmReport) -> AlarmResult:
        """A device's signed alarm: checked (401: unknown device, bad signature, stale
        timestamp; 409: replay), then acted on."""
        engine = self._engine

        def run(s: Session, now: datetime) -> AlarmResult:
            device = service.authenticate(
                s, device_id=device_id, timestamp=timestamp, signature=signature, body=body,
                now=now, max_skew_s=engine.settings.alarm_max_skew_s)
            alarm = service.receive(s, device=device, report=report, timestamp=timestamp,
                                    signature=signature, now=now, policy=engine.policy)
            ticket = s.get(Ticket, alarm.ticket_id) if alarm.ticket_id is not None else None
            return AlarmResult(alarm_id=alarm.id, outcome=alarm.outcome,
                               ticket_id=alarm.ticket_id,
                               ticket_status=ticket.status if ticket is not None else None)
        return engine.command(run)
