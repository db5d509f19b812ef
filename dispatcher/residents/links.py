"""Unit links: issue, sign, check, revoke. The token is `<id>.<signature>`, the signature an
HMAC-SHA256 of the link's id and salt under the server's secret key, so a token cannot be
forged or moved to another unit, and changing `DISPATCH_SECRET_KEY` voids every printed code.
Functions flush; the caller commits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.errors import Gone, NotFound, Unauthenticated
from dispatcher.events import service as events
from dispatcher.residents.models import UnitLink

SIG_CHARS = 32  # 192 bits of the signature, base64url
USED_EVERY = timedelta(hours=1)  # how fresh `last_used_at` is kept


def sign(link: UnitLink, key: bytes) -> str:
    """The token of `link`."""
    mac = hmac.new(key, f"unit-link:{link.id}:{link.salt}".encode(), hashlib.sha256).digest()
    return f"{link.id}.{base64.urlsafe_b64encode(mac).decode()[:SIG_CHARS]}"


def check(session: Session, *, token: str, key: bytes, now: datetime) -> UnitLink:
    """The live link a token opens: `Unauthorized` if it is not one of ours, `Gone` if it was
    revoked."""
    ident, _, _sig = token.partition(".")
    link = session.get(UnitLink, int(ident)) if ident.isdigit() and len(ident) < 12 else None
    if link is None or not hmac.compare_digest(sign(link, key), token):
        raise Unauthenticated("this link is not valid: scan the QR code on your notice again",
                           field="X-Unit-Key")
    if link.revoked_at is not None:
        raise Gone("this link was withdrawn by the property office: ask them for a new code",
                   field="X-Unit-Key")
    if link.last_used_at is None or now - link.last_used_at >= USED_EVERY:
        link.last_used_at = now  # a write per hour at most, not one per request
    return link


def issue(session: Session, *, site_id: str, building: str, unit: str, lat: float, lon: float,
          by: str, now: datetime) -> UnitLink:
    """The unit's live link, made if it has none (a sheet printed again shows the same
    codes)."""
    link = live_of(session, site_id=site_id, building=building, unit=unit)
    if link is not None:
        return link
    link = UnitLink(site_id=site_id, building=building, unit=unit, lat=lat, lon=lon,
                    salt=secrets.token_hex(8), created_at=now, created_by=by)
    session.add(link)
    session.flush()
    events.record(session, type="unit_link.issued", at=now, payload={
        "link_id": link.id, "site_id": site_id, "building": building, "unit": unit, "by": by})
    return link


def live_of(session: Session, *, site_id: str, building: str, unit: str) -> UnitLink | None:
    return session.scalars(select(UnitLink).where(
        UnitLink.site_id == site_id, UnitLink.building == building, UnitLink.unit == unit,
        UnitLink.revoked_at.is_(None))).first()


def revoke(session: Session, *, link_id: int, by: str, now: datetime) -> UnitLink:
    """Stop a link; the next sheet for its unit issues a new one."""
    link = session.get(UnitLink, link_id)
    if link is None:
        raise NotFound(f"unit link {link_id} not found", field="link_id")
    if link.revoked_at is None:
        link.revoked_at = now
        session.flush()
        events.record(session, type="unit_link.revoked", at=now, payload={
            "link_id": link.id, "site_id": link.site_id, "building": link.building,
            "unit": link.unit, "by": by})
    return link


def list_(session: Session, *, site_id: str | None = None,
          building: str | None = None) -> list[UnitLink]:
    query = select(UnitLink).order_by(UnitLink.site_id, UnitLink.building, UnitLink.unit,
                                      UnitLink.id)
    if site_id is not None:
        query = query.where(UnitLink.site_id == site_id)
    if building is not None:
        query = query.where(UnitLink.building == building)
    return list(session.scalars(query))
