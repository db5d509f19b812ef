"""The inspection desk (`engine.inspections`): a round's checklist read and answered, each
answer one unit of work of the engine, so a repair it opens reaches the planner at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.auth.tokens import Principal
from dispatcher.context import Context
from dispatcher.inspections import service
from dispatcher.inspections.schemas import Answer, InspectionRead


class InspectionDesk:
    """What the technician app and the console ask of an inspection round."""

    def __init__(self, engine: Context) -> None:
        self._engine = engine

    def read(self, ticket_id: int, *, by: Principal | None = None) -> InspectionRead:
        """The round: items with their answers, what is left, the repairs raised."""
        with self._engine.sessions() as s:
            return service.read(s, ticket_id=ticket_id, who=by)

    def answer(self, ticket_id: int, data: Answer, *, photo: bytes | None = None,
               by: Principal | None = None) -> InspectionRead:
        """Answer one item on site (with its photo); an abnormal answer opens a repair."""
        engine = self._engine

        def run(s: Session, now: datetime) -> InspectionRead:
            service.answer(s, ticket_id=ticket_id, who=by, data=data, photo=photo, now=now,
                           directory=engine.settings.photo_dir,
                           max_bytes=engine.settings.photo_max_bytes,
                           settings=engine.settings, policy=engine.policy)
            return service.read(s, ticket_id=ticket_id, who=by)
        return engine.command(run)
