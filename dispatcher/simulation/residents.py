"""Simulated residents for the demo: some report through the resident's app (their unit's
link, as a QR code would give it), rate the repair in the app an hour or so after it is done,
and now and then complain. They act only through `engine.residents`, as the app does."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from dispatcher.complaints.schemas import ComplaintCreate
from dispatcher.engine import Engine
from dispatcher.enums import ComplaintTopic, Urgency
from dispatcher.followups.schemas import FollowUpAnswer
from dispatcher.residents.schemas import LinkIssue, ResidentReport
from dispatcher.tickets.schemas import TicketCreate

APP_SHARE = 0.5  # of non-emergency reports made in the resident's app, not at the desk
COMPLAINT_EVERY_H = 3.0
COMPLAINTS = (
    (ComplaintTopic.sanitation, "楼道垃圾没有及时清运"),
    (ComplaintTopic.noise, "楼上晚上十点后还在装修"),
    (ComplaintTopic.facility, "单元门禁坏了三天还没修好"),
    (ComplaintTopic.parking, "消防通道被车辆占用"),
)


class Residents:
    """The compound's residents who use the app."""

    def __init__(self, engine: Engine, site_id: str, *, seed: int) -> None:
        self.engine = engine
        self.site_id = site_id
        self.rng = random.Random(seed)
        self.keys: dict[tuple[str, str], str] = {}  # (building, unit) -> the link's token
        self.reported: dict[int, tuple[str, datetime | None]] = {}  # ticket -> (key, rate at)
        self.next_complaint: datetime | None = None

    def key(self, building: str, unit: str, at: tuple[float, float]) -> str:
        """The unit's link, issued as the office would print it."""
        if (building, unit) not in self.keys:
            (link,) = self.engine.residents.issue(LinkIssue(
                site_id=self.site_id, building=building, units=[unit], lat=at[0], lon=at[1]),
                by="demo", base_url="")
            self.keys[(building, unit)] = link.url.split("#k=")[1]
        return self.keys[(building, unit)]

    def report(self, ticket: TicketCreate) -> bool:
        """Report `ticket` in the app (True), or leave it to the desk (False)."""
        if ticket.urgency is Urgency.emergency or not ticket.building or not ticket.unit or \
                self.rng.random() >= APP_SHARE:
            return False
        key = self.key(ticket.building, ticket.unit, (ticket.lat, ticket.lon))
        made = self.engine.residents.report(key, ResidentReport(
            category=ticket.category, description=ticket.description or "报修",
            window=ticket.window))
        self.reported[made.id] = (key, None)
        return True

    def step(self, now: datetime) -> None:
        """Rate what is done, an hour or so later; complain now and then."""
        if self.next_complaint is None:
            self.next_complaint = now + timedelta(hours=self.rng.uniform(0.2, 1.0))
        if now >= self.next_complaint and self.keys:
            topic, text = self.rng.choice(COMPLAINTS)
            key = self.rng.choice(sorted(self.keys.values()))
            self.engine.residents.complain(key, ComplaintCreate(topic=topic, text=text))
            self.next_complaint = now + timedelta(
                hours=self.rng.uniform(0.5, 2 * COMPLAINT_EVERY_H))
        for ticket_id, (key, rate_at) in list(self.reported.items()):
            seen = self.engine.residents.ticket(key, ticket_id)
            if seen.followup != "pending":
                if seen.progress.value in ("closed", "cancelled"):
                    del self.reported[ticket_id]
                continue
            if rate_at is None:
                later = timedelta(minutes=self.rng.uniform(20, 120))
                self.reported[ticket_id] = (key, (seen.completed_at or now) + later)
            elif now >= rate_at:
                fixed = self.rng.random() < 0.95
                self.engine.residents.rate(key, ticket_id, FollowUpAnswer(
                    rating=self.rng.choice((4, 5, 5)) if fixed else 2, fixed=fixed))
                del self.reported[ticket_id]
