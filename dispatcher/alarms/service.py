"""Device verbs and the alarm intake. They flush; the caller's unit of work commits."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatcher.alarms import signing
from dispatcher.alarms.models import Alarm, AlarmEvent, Device, DeviceKind, Outcome
from dispatcher.alarms.schemas import AlarmReport, DeviceCreate
from dispatcher.assets.models import Asset
from dispatcher.crews import service as crews
from dispatcher.enums import Category, Status, Urgency
from dispatcher.errors import Conflict, Invalid, NotFound, Unauthenticated
from dispatcher.events import service as events
from dispatcher.messages import say
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import duplicates
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate

CATEGORY = {DeviceKind.elevator_alarm: Category.elevator, DeviceKind.fire_panel: Category.fire,
            DeviceKind.water_pressure: Category.water, DeviceKind.power: Category.electric}
# Nobody has set off yet: a clearance now cancels the ticket.
NOT_STARTED = (Status.new, Status.assigned, Status.accepted)
OPEN = (*NOT_STARTED, Status.en_route, Status.on_site)


def add(session: Session, *, data: DeviceCreate, now: datetime) -> Device:
    """A new device with a fresh 256-bit key."""
    if session.get(Asset, data.asset_id) is None:
        raise Invalid(f"asset {data.asset_id} not found", field="asset_id")
    device = Device(name=data.name, kind=data.kind, asset_id=data.asset_id,
                    key=secrets.token_hex(32), created_at=now)
    session.add(device)
    session.flush()
    return device


def list_(session: Session) -> list[Device]:
    """Every device, revoked ones included, oldest first."""
    return list(session.scalars(select(Device).order_by(Device.id)))


def revoke(session: Session, *, device_id: int, now: datetime) -> Device:
    """The device's key stops working (a stolen or replaced device)."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"device {device_id} not found", field="device_id")
    device.revoked_at = device.revoked_at or now
    return device


def authenticate(session: Session, *, device_id: int, timestamp: int, signature: str,
                 body: bytes, now: datetime, max_skew_s: int) -> Device:
    """The device whose key signed `body` at `timestamp`: 401 for an unknown or revoked device,
    a wrong signature or a timestamp too far from now (a replay after the skew allowed)."""
    device = session.get(Device, device_id)
    if device is None or device.revoked_at is not None:
        raise Unauthenticated(f"device {device_id} is unknown or revoked", field="X-Device-Id")
    if not signing.valid(device.key, timestamp, body, signature):
        raise Unauthenticated("signature does not match: X-Signature must be sha256= and the "
                              "hex HMAC-SHA256 of '<X-Timestamp>.<body>' with the device's key",
                              field="X-Signature")
    skew = round(now.timestamp()) - timestamp
    if abs(skew) > max_skew_s:
        raise Unauthenticated(f"X-Timestamp is {abs(skew)} s from the server's clock (at most "
                              f"{max_skew_s} s allowed): a delayed or replayed alarm is refused",
                              field="X-Timestamp")
    return device


def receive(session: Session, *, device: Device, report: AlarmReport, timestamp: int,
            signature: str, now: datetime, policy: SlaPolicy) -> Alarm:
    """Act on an authenticated alarm: a raise opens an emergency ticket on the asset, or joins
    the device's open one; a clearance cancels it if nobody has set off yet (the reason kept
    on the ticket). A second delivery of the same signed request is a 409."""
    alarm = Alarm(device_id=device.id, event=report.event, code=report.code,
                  message=report.message, sent_at=datetime.fromtimestamp(timestamp, UTC),
                  received_at=now, signature=signature, outcome=Outcome.noted)
    replayed = Conflict("this alarm was already received (the same signed request): a replay "
                        "is refused", field="X-Signature")
    if session.scalar(select(Alarm.id).where(Alarm.device_id == device.id,
                                             Alarm.signature == signature)) is not None:
        raise replayed
    session.add(alarm)
    try:  # first: a replay racing the original is refused before any ticket changes (the
        session.flush()  # unit of work rolls back)
    except IntegrityError:
        raise replayed from None
    ticket = open_ticket(session, device_id=device.id)
    if report.event is AlarmEvent.raised:
        if ticket is None:
            ticket = _open(session, device=device, report=report, now=now, policy=policy)
            alarm.outcome = Outcome.opened
        else:
            alarm.outcome = Outcome.merged
    elif ticket is not None and ticket.status in NOT_STARTED \
            and not crews.under_way(session, ticket):
        duplicates.cancel(session, ticket_id=ticket.id, now=now)
        ticket.resolution_notes = say("alarm_cleared", device=device.name, code=report.code,
                                      at=now.isoformat())
        alarm.outcome = Outcome.cancelled
    alarm.ticket_id = ticket.id if ticket is not None else None
    session.flush()
    events.record(session, type=f"alarm.{alarm.outcome.value}", at=now,
                  payload={"alarm_id": alarm.id, "device_id": device.id,
                           "ticket_id": alarm.ticket_id})
    return alarm


def open_ticket(session: Session, *, device_id: int) -> Ticket | None:
    """The device's ticket still open (raised by one of its alarms, not done or cancelled)."""
    query = (select(Ticket).join(Alarm, Alarm.ticket_id == Ticket.id)
             .where(Alarm.device_id == device_id, Ticket.status.in_(OPEN))
             .order_by(Ticket.id.desc()).limit(1))
    return session.scalars(query).first()


def _open(session: Session, *, device: Device, report: AlarmReport, now: datetime,
          policy: SlaPolicy) -> Ticket:
    asset = session.get(Asset, device.asset_id)
    assert asset is not None  # a foreign key
    text = f"{device.name}: alarm {report.code}" + (f" {report.message}" if report.message
                                                    else "")
    data = TicketCreate(urgency=Urgency.emergency, category=CATEGORY[device.kind],
                        lat=asset.lat, lon=asset.lon, site_id=asset.site_id,
                        building=asset.building, unit=asset.unit, description=text[:4000],
                        asset_id=asset.id)
    return tickets.create(session, data=data, now=now, policy=policy)
