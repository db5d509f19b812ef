"""`SolveParams.budget_includes_build`: the search gets what the model build left of the budget."""

from __future__ import annotations

import time

import pytest

from optimizer import Job, Snapshot, SolveParams, Tech, model, solve
from tests.optimizer.conftest import line_travel


def snapshot() -> Snapshot:
    jobs = tuple(Job(f"j{i}", i + 1, "plumber", 600) for i in range(4))
    return Snapshot((Tech("p", frozenset({"plumber"}), 0),), jobs, line_travel([0, 1, 2, 3, 4]))


@pytest.mark.parametrize(("included", "at_most", "at_least"),
                         [(False, 1000, 1000), (True, 800, 200)])
def test_a_slow_build_shortens_the_search(monkeypatch: pytest.MonkeyPatch, included: bool,
                                          at_most: int, at_least: int) -> None:
    slow_build, search = model.build_model, model._search
    limits: list[int] = []

    def build(*args, **kwargs):
        time.sleep(0.25)
        return slow_build(*args, **kwargs)

    def record(built, snap):
        limits.append(built.search.time_limit.ToMilliseconds())
        return search(built, snap)

    monkeypatch.setattr(model, "build_model", build)
    monkeypatch.setattr(model, "_search", record)
    plan = solve(snapshot(), SolveParams(time_budget_ms=1000, solution_limit=1,
                                         budget_includes_build=included))
    assert not plan.unassigned
    assert at_least <= limits[0] <= at_most


def test_the_search_keeps_a_fifth_of_an_overrun_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_build, search = model.build_model, model._search
    limits: list[int] = []
    monkeypatch.setattr(model, "build_model",
                        lambda *a, **k: (time.sleep(0.3), slow_build(*a, **k))[1])
    monkeypatch.setattr(model, "_search",
                        lambda built, snap: (limits.append(
                            built.search.time_limit.ToMilliseconds()), search(built, snap))[1])
    solve(snapshot(), SolveParams(time_budget_ms=200, solution_limit=1,
                                  budget_includes_build=True))
    assert limits == [40]
