"""The live demo: a seeded compound and team, tickets arriving, technicians following the plan."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from dispatcher.engine import Engine
from dispatcher.maintenance.schemas import PlanCreate
from dispatcher.simulation.compound import equipment, sunshine_garden, team
from dispatcher.simulation.field import FieldTeam
from dispatcher.simulation.tickets import TicketStream

log = logging.getLogger(__name__)


class Demo:
    """Drives an engine with simulated activity until stopped."""

    def __init__(self, engine: Engine, *, seed: int = 7, tickets_per_hour: float = 8.0,
                 opening_tickets: int = 6) -> None:
        self.engine = engine
        self.compound = sunshine_garden(seed)
        self.stream = TicketStream(self.compound, seed=seed, tz=engine.settings.tz)
        self.field = FieldTeam(engine, seed=seed + 1)
        self.per_hour = tickets_per_hour
        self.opening = opening_tickets
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seed(self) -> None:
        """Create the team (unless a history already holds it) and a few tickets already
        waiting when the day starts."""
        if not self.engine.list_technicians():
            for tech in team(self.compound):
                self.engine.create_technician(tech)
        self.seed_equipment()
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
        while not self._stop.is_set():
            now = clock.now()
            try:
                while next_at <= now:
                    self.engine.create_ticket(self.stream.draw(next_at))
                    next_at += timedelta(seconds=self.stream.gap_seconds(self.per_hour))
                self.field.step()
            except Exception:  # keep the demo alive; the log says what went wrong
                log.exception("demo step failed")
            time.sleep(0.5)
