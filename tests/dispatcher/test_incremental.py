"""Local re-plans: what changed between two snapshots, and the plan brought up to date."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np

from dispatcher.planning.incremental import changes, replan_locally
from dispatcher.planning.snapshot import Built
from optimizer import Job, Snapshot, SolveParams, Tech, solve

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
PARAMS = SolveParams(time_budget_ms=200)


def _built(now: datetime, techs: list[tuple[str, tuple[float, float], int]],
           jobs: list[tuple[str, tuple[float, float], str | None]],
           busy: dict[str, int] | None = None) -> Built:
    """Technicians (id, place, shift end from T0 in s), jobs (id, place, started_by) on a
    line: travel is 100 s per unit of distance. `busy`: technicians on site until then
    (seconds from T0)."""
    busy = busy or {}
    coords = [p for _, p, _ in techs] + [p for _, p, _ in jobs]
    xs = np.array([c[0] for c in coords])
    travel = (np.abs(xs[:, None] - xs[None, :]) * 100).astype(np.int64)
    shift = int((now - T0).total_seconds())
    snap = Snapshot(
        techs=tuple(Tech(i, frozenset({"general"}), k, shift_end=end - shift,
                         available_at=max(0, busy[i] - shift) if i in busy else 0,
                         current_job=f"w-{i}" if i in busy else None)
                    for k, (i, _, end) in enumerate(techs)),
        jobs=tuple(Job(i, len(techs) + k, "general", 600, started_by=by)
                   for k, (i, _, by) in enumerate(jobs)),
        travel=travel)
    return Built(snap, now, tuple(coords))


TEAM = [(f"t{k}", (10.0 * k, 0.0), 8 * 3600) for k in range(8)]
JOBS = [(f"j{k}", (10.0 * k + 1, 0.0), None) for k in range(8)]


def test_nothing_changed_but_the_clock() -> None:
    """Five minutes later with the same people and tickets: nothing to re-plan."""
    before = _built(T0, TEAM, JOBS)
    plan = solve(before.snapshot, PARAMS)
    after = _built(T0 + timedelta(minutes=5), TEAM, JOBS)
    change = changes(before, plan, after)
    assert change.techs == () and change.jobs == () and change.site is None


def test_a_new_ticket_a_gps_fix_and_a_start_are_found() -> None:
    """t3 moved, j2 was started by its technician, j9 is new, j5 was completed."""
    before = _built(T0, TEAM, JOBS)
    plan = solve(before.snapshot, PARAMS)
    owner = {s.job_id: r.tech_id for r in plan.routes for s in r.stops}
    team = [(i, (p[0] + 3, 0.0) if i == "t3" else p, e) for i, p, e in TEAM]
    jobs = [(i, p, owner["j2"] if i == "j2" else None) for i, p, _ in JOBS if i != "j5"]
    jobs.append(("j9", (55.0, 0.0), None))
    after = _built(T0 + timedelta(minutes=1), team, jobs)
    change = changes(before, plan, after)
    assert change.jobs == ("j2", "j9")
    assert set(change.techs) == {"t3", owner["j2"], owner["j5"]}
    new = replan_locally(before, plan, after, PARAMS, budget_ms=200)
    assert new is not None
    routed = [s.job_id for r in new.routes for s in r.stops]
    assert sorted(routed + [u.job_id for u in new.unassigned]) == sorted(
        j for j, _, _ in jobs)
    started = next(r for r in new.routes if r.tech_id == owner["j2"])
    assert started.stops[0].job_id == "j2"


def test_every_route_is_retimed_from_the_new_instant() -> None:
    """t0 is on site until T0 + 10 min; two minutes later (a new ticket far from him) his
    untouched route starts 8 minutes from the new instant, not 10."""
    before = _built(T0, TEAM, JOBS, busy={"t0": 600})
    plan = solve(before.snapshot, PARAMS)
    after = _built(T0 + timedelta(minutes=2), TEAM, [*JOBS, ("j9", (75.0, 0.0), None)],
                   busy={"t0": 600})
    assert "t0" not in changes(before, plan, after).techs
    new = replan_locally(before, plan, after, PARAMS, budget_ms=200)
    assert new is not None
    route = new.route_of("t0")
    first = next(s for s in route.stops if not s.in_progress)
    assert first.arrival == 480 + first.travel


def test_a_ticket_moved_to_a_route_position_is_put_there() -> None:
    """A dispatcher's move (pin at a fixed position) re-planned locally: the ticket is at
    that place on that route, as the full model would put it."""
    before = _built(T0, TEAM, JOBS)
    plan = solve(before.snapshot, PARAMS)
    after = _built(T0, TEAM, JOBS)
    moved = dataclasses.replace(after.snapshot.jobs[7], pinned_to="t0", position=0)
    after = dataclasses.replace(after, snapshot=dataclasses.replace(
        after.snapshot, jobs=(*after.snapshot.jobs[:7], moved)))
    new = replan_locally(before, plan, after, PARAMS, budget_ms=200)
    assert new is not None
    assert [s.job_id for s in new.route_of("t0").stops][0] == "j7"
    placed = [s.job_id for r in new.routes for s in r.stops] + [u.job_id for u in new.unassigned]
    assert sorted(placed) == sorted(j for j, _, _ in JOBS)


def test_a_driver_s_gps_fix_only_retimes_his_route() -> None:
    """t2 drives to the ticket he started; a fix 2 units further on is not a change to
    re-plan, but his route is timed from where he is now."""
    before = _built(T0, TEAM, [(i, p, "t2" if i == "j2" else None) for i, p, _ in JOBS])
    plan = solve(before.snapshot, PARAMS)
    team = [(i, (p[0] + 0.5, 0.0) if i == "t2" else p, e) for i, p, e in TEAM]
    after = _built(T0, team, [(i, p, "t2" if i == "j2" else None) for i, p, _ in JOBS])
    assert changes(before, plan, after).techs == ()
    new = replan_locally(before, plan, after, PARAMS, budget_ms=200)
    assert new is not None
    first = new.route_of("t2").stops[0]
    assert (first.job_id, first.travel) == ("j2", 50)
