"""The engine policy drives the real dispatcher through a simulated day without breaking rules."""

from __future__ import annotations

from collections import Counter

import pytest

from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.simulation.builtin import builtin
from dispatcher.simulation.policies.engine import EnginePolicy
from dispatcher.simulation.stream import day_tickets
from dispatcher.simulation.world import Fate, World
from dispatcher.sla.policy import load_policy


class Checked(EnginePolicy):
    """Pins every fifth routine ticket to a qualified technician on shift (not the nearest one
    on purpose: the last qualified in the team list); before closing, reads the engine's own
    database so the test can compare it with the world."""

    def __init__(self, **settings) -> None:
        super().__init__(**settings)
        self.pinned: dict[int, int] = {}
        self.final: dict[int, Status] = {}

    def _on_report(self, ticket, tech) -> None:
        super()._on_report(ticket, tech)
        if ticket.id % 5 or ticket.urgency.value != "routine":
            return
        able = [t for t in self.world.techs
                if ticket.skill in t.spec.skills and self.world.on_shift(t)]
        if able:
            self.engine.pin(self.ticket_ids[ticket.id], self.tech_ids[able[-1].id], by="test",
                            reason="other")
            self.pinned[ticket.id] = able[-1].id

    def close(self) -> None:
        by_engine_id = {e: w for w, e in self.ticket_ids.items()}
        self.final = {by_engine_id[t.id]: t.status for t in self.engine.list_tickets()}
        super().close()


@pytest.mark.parametrize("local_replan_from", [60, 0], ids=["compound", "as-a-city"])
def test_skills_pins_and_every_ticket_accounted_for(local_replan_from: int) -> None:
    """Three hours of the small compound: nobody works a ticket without its skill, pinned
    tickets go to their technician, and the engine's database agrees with the world about
    every ticket (completed, cancelled or still open): none is lost. Also planned the way a
    city is (local re-plans, full solves by parts)."""
    sc = builtin("small").with_hours(3, drain_hours=2)
    tickets = day_tickets(sc, seed=3, policy=load_policy())
    world = World(sc, tickets, seed=3)
    policy = Checked(local_replan_from=local_replan_from)
    world.run(policy)
    assert policy.pinned, "the day should have had pinned tickets"
    for tid, outcome in world.outcomes.items():
        ticket = world.tickets[tid]
        if outcome.tech is not None:
            assert ticket.skill in world.techs[outcome.tech].spec.skills
        if tid in policy.pinned and outcome.tech is not None:
            assert outcome.tech == policy.pinned[tid], f"pinned ticket {tid} went elsewhere"
    assert set(policy.final) == set(world.tickets)
    for tid, outcome in world.outcomes.items():
        status = policy.final[tid]
        if outcome.fate is Fate.completed:
            assert status is Status.completed
        elif outcome.fate is Fate.cancelled:
            assert status is Status.cancelled
        else:
            assert status in OPEN_STATUSES
    fates = Counter(o.fate for o in world.outcomes.values())
    assert fates[Fate.completed] > len(tickets) / 2
    assert policy.churn == 0
