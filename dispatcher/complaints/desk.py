"""The complaint desk (`engine.complaints`): the service desk's side of a complaint, each
step one unit of work of the engine (its event reaches the resident's live stream)."""

from __future__ import annotations

from dispatcher.complaints import service
from dispatcher.complaints.models import ComplaintState
from dispatcher.complaints.schemas import ComplaintRead, DeskStep
from dispatcher.context import Context


class ComplaintDesk:
    """What the console asks of complaints."""

    def __init__(self, engine: Context) -> None:
        self._engine = engine

    def list(self, state: ComplaintState | None = None) -> list[ComplaintRead]:
        """Newest first, each with the milestones now overdue."""
        now = self._engine.clock.now()
        with self._engine.sessions() as s:
            return [service.read(c, now) for c in service.list_(s, state=state)]

    def acknowledge(self, complaint_id: int, step: DeskStep) -> ComplaintRead:
        return self._engine.command(lambda s, now: service.read(service.acknowledge(
            s, complaint_id=complaint_id, by=step.by, now=now), now))

    def explain(self, complaint_id: int, step: DeskStep) -> ComplaintRead:
        return self._engine.command(lambda s, now: service.read(service.explain(
            s, complaint_id=complaint_id, by=step.by, text=step.text, now=now), now))

    def close(self, complaint_id: int, step: DeskStep) -> ComplaintRead:
        return self._engine.command(lambda s, now: service.read(service.close(
            s, complaint_id=complaint_id, by=step.by, text=step.text, now=now), now))
