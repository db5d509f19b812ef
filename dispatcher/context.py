"""The narrow contexts the engine's parts run in: what each uses of the engine, and no more.

`Engine` satisfies both; the planner process, the worker and tests can hand a part anything
else that does. Parts import these protocols, never `dispatcher.engine`, so no import circle
runs back up to the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from dispatcher.clock import Clock
from dispatcher.config import Settings
from dispatcher.sla.policy import SlaPolicy
from dispatcher.travel import TravelTimes
from optimizer import SolveParams

T = TypeVar("T")


class Context(Protocol):
    """Sessions, the clock, the settings, the SLA policy and units of work."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    policy: SlaPolicy

    def command(self, fn: Callable[[Session, datetime], T]) -> T:
        """Run `fn(session, now)` as one unit of work; its events publish after commit."""
        ...


class PlanningContext(Context, Protocol):
    """What a re-plan needs besides: the travel model, the solver settings, a unit of work
    whose events publish after commit, and the SLA monitor."""

    travel: TravelTimes
    params: SolveParams

    def command_session(self) -> AbstractContextManager[Session]:
        """One transaction whose recorded events publish after it commits."""
        ...

    def check_alerts(self) -> object:
        """Evaluate the SLA monitor now."""
        ...
