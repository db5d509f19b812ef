"""The resident desk (`engine.residents`): each resident request opens its link first (signed,
not revoked) and is one unit of work of the engine, so a report reaches the planner and the
live stream like one from the front desk. The office issues and revokes the links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from dispatcher.complaints import service as complaints
from dispatcher.complaints.schemas import ComplaintCreate, ComplaintRead
from dispatcher.context import Context
from dispatcher.errors import Invalid
from dispatcher.followups.schemas import FollowUpAnswer
from dispatcher.residents import links, service
from dispatcher.residents.models import UnitLink
from dispatcher.residents.schemas import (
    LinkIssue,
    LinkRead,
    ResidentReport,
    ResidentTicket,
    UnitRead,
)
from dispatcher.sites.models import Site

T = TypeVar("T")
PURPOSE = "unit-links"


class ResidentDesk:
    """What the resident's app and the office's QR sheets ask of the engine."""

    def __init__(self, engine: Context, key: Callable[[], bytes]) -> None:
        self._engine = engine
        self._key = key
        self._cached: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._cached is None:
            self._cached = self._key()
        return self._cached

    # -- the resident, by his link ---------------------------------------------------------
    def unit(self, token: str) -> UnitRead:
        def run(s: Session, link: UnitLink, _: datetime) -> UnitRead:
            site = s.get(Site, link.site_id)
            return UnitRead(site_id=link.site_id, site_name=site.name if site else link.site_id,
                            building=link.building, unit=link.unit)
        return self._as(token, run)

    def link_id(self, token: str) -> int:
        """The id of the live link `token` opens (the rate limit's key)."""
        return self._as(token, lambda s, link, now: link.id)

    def tickets(self, token: str) -> list[ResidentTicket]:
        settings = self._engine.settings
        return self._as(token, lambda s, link, now: [
            service.read(s, t, settings) for t in service.of_unit(s, link)])

    def ticket(self, token: str, ticket_id: int) -> ResidentTicket:
        settings = self._engine.settings
        return self._as(token, lambda s, link, now: service.read(
            s, service.one(s, link, ticket_id), settings))

    def report(self, token: str, data: ResidentReport) -> ResidentTicket:
        """A repair reported from the app."""
        e = self._engine
        return self._as(token, lambda s, link, now: service.read(s, service.report(
            s, link, data, now=now, settings=e.settings, policy=e.policy), e.settings))

    def add_photo(self, token: str, ticket_id: int, data: bytes) -> ResidentTicket:
        e = self._engine

        def run(s: Session, link: UnitLink, now: datetime) -> ResidentTicket:
            service.add_photo(s, link, ticket_id, data, now=now, settings=e.settings)
            return service.read(s, service.one(s, link, ticket_id), e.settings)
        return self._as(token, run)

    def rate(self, token: str, ticket_id: int, data: FollowUpAnswer) -> ResidentTicket:
        e = self._engine

        def run(s: Session, link: UnitLink, now: datetime) -> ResidentTicket:
            ticket = service.rate(s, link, ticket_id, data, now=now, settings=e.settings,
                                  policy=e.policy)
            return service.read(s, ticket, e.settings)
        return self._as(token, run)

    def reopen(self, token: str, ticket_id: int, comment: str) -> ResidentTicket:
        """The fault is back: the linked rework ticket."""
        e = self._engine
        return self._as(token, lambda s, link, now: service.read(s, service.reopen(
            s, link, ticket_id, comment, now=now, settings=e.settings, policy=e.policy),
            e.settings))

    def complain(self, token: str, data: ComplaintCreate) -> ComplaintRead:
        """A complaint from the home, with its topic's deadlines."""
        policy = self._engine.policy
        return self._as(token, lambda s, link, now: complaints.read(complaints.file(
            s, site_id=link.site_id, building=link.building, unit=link.unit, data=data,
            now=now, policy=policy), now))

    def complaints(self, token: str) -> list[ComplaintRead]:
        return self._as(token, lambda s, link, now: [complaints.read(c, now) for c in
                                                     complaints.list_(
            s, site_id=link.site_id, building=link.building, unit=link.unit)])

    def _as(self, token: str, step: Callable[[Session, UnitLink, datetime], T]) -> T:
        key = self.key
        return self._engine.command(lambda s, now: step(
            s, links.check(s, token=token, key=key, now=now), now))

    # -- the office ------------------------------------------------------------------------
    def issue(self, data: LinkIssue, *, by: str, base_url: str) -> list[LinkRead]:
        """Links for the given units of a building (existing live ones kept)."""
        key = self.key  # read (or made) before the transaction: SQLite has one writer

        def run(s: Session, now: datetime) -> list[LinkRead]:
            site = s.get(Site, data.site_id)
            if site is None:
                raise Invalid(f"site {data.site_id!r} not found", field="site_id")
            lat = data.lat if data.lat is not None else site.lat
            lon = data.lon if data.lon is not None else site.lon
            made = [links.issue(s, site_id=site.id, building=data.building, unit=unit,
                                lat=lat, lon=lon, by=by, now=now) for unit in data.units]
            return [_read(link, base_url, key) for link in made]
        return self._engine.command(run)

    def links(self, *, site_id: str | None, building: str | None,
              base_url: str) -> list[LinkRead]:
        key = self.key
        with self._engine.sessions() as s:
            return [_read(link, base_url, key)
                    for link in links.list_(s, site_id=site_id, building=building)]

    def revoke(self, link_id: int, *, by: str, base_url: str) -> LinkRead:
        key = self.key
        return self._engine.command(lambda s, now: _read(
            links.revoke(s, link_id=link_id, by=by, now=now), base_url, key))


def _read(link: UnitLink, base_url: str, key: bytes) -> LinkRead:
    token = links.sign(link, key)
    return LinkRead(id=link.id, site_id=link.site_id, building=link.building, unit=link.unit,
                    url=f"{base_url}/r/#k={token}", created_at=link.created_at,
                    revoked_at=link.revoked_at, last_used_at=link.last_used_at)
