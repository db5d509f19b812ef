"""The live demo: a seeded compound and team, tickets arriving, technicians following the plan."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from dispatcher.auth.models import Role
from dispatcher.auth.schemas import UserCreate
from dispatcher.engine import Engine
from dispatcher.maintenance.schemas import PlanCreate
from dispatcher.simulation.alarms import AlarmFeed
from dispatcher.simulation.compound import equipment, sunshine_garden, team
from dispatcher.simulation.field import FieldTeam
from dispatcher.simulation.residents import Residents
from dispatcher.simulation.tickets import TicketStream
from dispatcher.sites.schemas import SiteCreate
from dispatcher.tickets.schemas import TicketCreate

log = logging.getLogger(__name__)

# Demo accounts: the technicians log in with their surname (e.g. wang) and TECH_PASSWORD.
STAFF_ACCOUNTS = (("dispatcher", "dispatcher123", Role.dispatcher),
                  ("admin", "admin123", Role.admin))
TECH_PASSWORD = "tech123"
OUTAGE_EVERY_H = 4.0  # simulated hours between building power cuts, on average


class Demo:
    """Drives an engine with simulated activity until stopped."""

    def __init__(self, engine: Engine, *, seed: int = 7, tickets_per_hour: float = 8.0,
                 opening_tickets: int = 6, humans: set[str] | None = None) -> None:
        self.engine = engine
        self.humans = humans or set()  # usernames whose technicians people drive, not the sim
        self.accounts: list[tuple[str, str, str]] = []  # (username, password, who)
        self.compound = sunshine_garden(seed)
        self.stream = TicketStream(self.compound, seed=seed, tz=engine.settings.tz)
        self.field = FieldTeam(engine, seed=seed + 1)
        self.alarms = AlarmFeed(engine, seed=seed + 2)
        self.residents = Residents(engine, self.compound.site_id, seed=seed + 3)
        self.per_hour = tickets_per_hour
        self.opening = opening_tickets
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seed(self) -> None:
        """Create the site, the team and its accounts (unless a simulated history already holds
        them), the equipment and its plans, and a few tickets already waiting when the day
        starts."""
        gate = self.compound.gate
        # Stored with its outline: the console draws it, and check-ins are judged against it.
        self.engine.upsert_site(SiteCreate(
            id=self.compound.site_id, name=self.compound.name, lat=gate[0], lon=gate[1],
            outline=[(lon, lat) for lon, lat in self.compound.outline.exterior.coords[:-1]]))
        usernames = {u.username for u in self.engine.accounts.list_()}
        for username, password, role in STAFF_ACCOUNTS:
            if username not in usernames:
                self.engine.accounts.create(UserCreate(username=username, password=password,
                                                       role=role))
            self.accounts.append((username, password, role.value))
        existing = {t.name: t for t in self.engine.list_technicians()}
        for tech in team(self.compound):
            created = existing.get(tech.name) or self.engine.create_technician(tech)
            username = tech.name.split()[-1].lower()
            if username not in usernames:
                self.engine.accounts.create(UserCreate(
                    username=username, password=TECH_PASSWORD, role=Role.technician,
                    technician_id=created.id))
            self.accounts.append((username, TECH_PASSWORD, f"technician {created.id} {tech.name}"))
            if username in self.humans:
                self.field.people.add(created.id)
        unknown = self.humans - {name for name, _, _ in self.accounts}
        if unknown:
            raise ValueError(f"--humans: no demo technician named {', '.join(sorted(unknown))}")
        self.seed_equipment()
        self.alarms.install(self.compound.site_id)
        now = self.engine.clock.now()
        for _ in range(self.opening):
            self.engine.create_ticket(self.stream.draw(now))

    def seed_equipment(self) -> None:
        """The compound's assets and a maintenance plan each (kind defaults), first visits
        spread over the coming weeks so that some fall due today (unless already there)."""
        if self.engine.list_assets(site_id=self.compound.site_id):
            return
        now = self.engine.clock.now()
        for k, asset in enumerate(equipment(self.compound)):
            created = self.engine.create_asset(asset)
            due = now + timedelta(days=k % 12, hours=2)
            self.engine.create_plan(PlanCreate(asset_id=created.id, first_due=due))
        self.engine.generate_maintenance()

    def resident_url(self) -> str:
        """The path of one home's link to the resident's app (as its QR code holds it)."""
        building = self.compound.buildings[0]
        key = self.residents.key(building.name, "101", (building.lat, building.lon))
        return f"/r/#k={key}"

    def credentials(self) -> str:
        """The demo's logins, to print at start."""
        lines = ["Logins (username / password):"]
        for username, password, who in self.accounts:
            driven = " (yours: not simulated)" if username in self.humans else ""
            lines.append(f"  {username:<11} / {password:<14} {who}{driven}")
        return "\n".join(lines)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        clock = self.engine.clock
        next_at = clock.now()
        # Now and then a building loses power and its residents all report it.
        outage_at = next_at + timedelta(hours=self.stream.rng.uniform(0.3, 1))
        reports: list[TicketCreate] = []
        while not self._stop.is_set():
            now = clock.now()
            try:
                while next_at <= now:
                    drawn = self.stream.draw(next_at)
                    if not self.residents.report(drawn):  # the app, or the front desk
                        self.engine.create_ticket(drawn)
                    next_at += timedelta(seconds=self.stream.gap_seconds(self.per_hour))
                if outage_at <= now:
                    reports += self.stream.outage(outage_at)
                    outage_at += timedelta(hours=self.stream.rng.uniform(2, 2 * OUTAGE_EVERY_H))
                while reports and reports[0].reported_at and reports[0].reported_at <= now:
                    self.engine.create_ticket(reports.pop(0))
                self.alarms.step(now)
                self.residents.step(now)
                self.field.step()
            except Exception:  # keep the demo alive; the log says what went wrong
                log.exception("demo step failed")
            time.sleep(0.5)
