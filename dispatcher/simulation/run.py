"""Run policies on the same seeded day and score each one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from dispatcher.simulation.report import Report, build_report
from dispatcher.simulation.scenario import Scenario
from dispatcher.simulation.stream import SimTicket, day_tickets
from dispatcher.simulation.world import World
from dispatcher.sla.policy import SlaPolicy, load_policy

POLICIES = ("nearest", "engine", "vroom", "hindsight")
EXTRA_POLICIES = ("hindsight-travel",)  # on request only: a second full-day offline solve


class Unavailable(RuntimeError):
    """A policy cannot run here (e.g. its optional dependency is missing); the message says why."""


def make_policy(name: str, *, deterministic: bool = True,
                engine_settings: dict[str, Any] | None = None) -> object:
    """A fresh policy by name (the engine with `engine_settings` changed); `Unavailable` if it
    cannot run in this environment."""
    if name == "nearest":
        from dispatcher.simulation.policies.nearest import NearestPolicy
        return NearestPolicy()
    if name == "engine":
        from dispatcher.simulation.policies.engine import EnginePolicy
        return EnginePolicy(deterministic=deterministic, **(engine_settings or {}))
    if name == "vroom":
        from dispatcher.simulation.policies.vroom import VroomPolicy
        return VroomPolicy()
    if name in ("hindsight", "hindsight-travel"):
        from dispatcher.simulation.policies.hindsight import HindsightPolicy
        return HindsightPolicy(waiting=name == "hindsight")
    raise ValueError(f"unknown policy {name!r}; choose from "
                     f"{', '.join(POLICIES + EXTRA_POLICIES)}")


def simulate(scenario: Scenario, policy: object, *, seed: int,
             tickets: list[SimTicket] | None = None, sla: SlaPolicy | None = None,
             log: Callable[[str], None] | None = None) -> Report:
    """One policy through the day; returns its report."""
    tickets = tickets if tickets is not None else day_tickets(
        scenario, seed=seed, policy=sla or load_policy())
    world = World(scenario, tickets, seed=seed)
    began = time.perf_counter()
    world.run(policy, log)
    return build_report(world, policy, wall_s=time.perf_counter() - began,
                        note=getattr(policy, "note", ""))


def compare(scenario: Scenario, names: Iterable[str], *, seed: int,
            log: Callable[[str], None] = lambda _: None,
            deterministic: bool = True, engine_settings: dict[str, Any] | None = None,
            done: Callable[[list[Report]], object] = lambda _: None) -> list[Report]:
    """Every named policy on the same day; unavailable ones are skipped with a message.

    `done` hears the reports so far after each policy (e.g. to save them as they come).
    """
    tickets = day_tickets(scenario, seed=seed, policy=load_policy())
    reports = []
    for name in names:
        try:
            policy = make_policy(name, deterministic=deterministic,
                                 engine_settings=engine_settings)
        except Unavailable as exc:
            log(f"{name}: skipped: {exc}")
            continue
        log(f"{name}: running {len(tickets)} tickets ...")
        reports.append(simulate(scenario, policy, seed=seed, tickets=tickets, log=log))
        log(f"{name}: done in {reports[-1].wall_s:.0f} s")
        done(reports)
    return reports
