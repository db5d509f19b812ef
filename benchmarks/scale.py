"""Dispatch at scale: build, first plan, quality per budget, re-plan latency per event.

Run ``python -m benchmarks.scale [--cases 50x500,200x2000,1000x10000] [--events 100]
[--seed 1] [--json PATH]``. Each case is a synthetic city (`benchmarks.city`); the baseline
is the current path measured in the same run: one cold OR-Tools model over the whole city,
and for re-plans a warm-started full solve with the default 1 s budget (50x500 only: at
200x2,000 one such solve stalls for tens of seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np

from benchmarks.city import City, city, new_job, next_event
from optimizer import Plan, SolveParams, solve
from optimizer.construct import construct_plan
from optimizer.insert import insert_job
from optimizer.model import build_model
from optimizer.regions import solve_regions
from optimizer.replan import replan

PARAMS = SolveParams()
BASELINE_EVENTS = 10
FULL_MODEL_MAX_JOBS = 2000  # beyond, the whole-city model is not even built
REPLAN_BUDGET_MS = {500: 100, 2000: 400}  # by jobs; larger cities use the last


@dataclasses.dataclass(frozen=True)
class Row:
    """One figure: ours, the baseline's, in a unit."""

    case: str
    metric: str
    ours: float | None
    baseline: float | None = None
    unit: str = "ms"


def budget_for(n_jobs: int) -> int:
    """Re-plan search budget for a city of this many jobs."""
    fits = [b for jobs, b in sorted(REPLAN_BUDGET_MS.items()) if n_jobs <= jobs]
    return fits[0] if fits else max(REPLAN_BUDGET_MS.values())


def timed(fn, *args, **kwargs):
    """(result, milliseconds)."""
    began = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - began) * 1000.0


def cold(snapshot, budget_ms: int, **extra) -> Plan | None:
    """The current path: one OR-Tools model, its own first-solution strategy."""
    plan = solve(snapshot, SolveParams(time_budget_ms=budget_ms, **extra))
    return plan if plan.status != "infeasible" and plan.objective.dropped < len(
        snapshot.jobs) else None


def total(plan: Plan | None) -> float | None:
    """The plan's objective, None without a plan."""
    return None if plan is None else float(plan.objective.total)


def first_plans(case: str, c: City, pool: Executor) -> tuple[list[Row], Plan]:
    """Model build, first feasible plan, quality after 1 s and 5 s; ours vs cold OR-Tools."""
    s = c.snapshot
    small = len(s.jobs) <= FULL_MODEL_MAX_JOBS
    build = timed(build_model, s, PARAMS)[1] if small else None
    if small:
        ours, first_ms = timed(construct_plan, s, PARAMS)
    else:  # region by region, in parallel: no search (a budget of 1 ms)
        ours, first_ms = timed(solve_regions, s, SolveParams(time_budget_ms=1), pool)
    base, base_ms = timed(cold, s, 10_000, solution_limit=1) if small else (None, None)
    found = "" if base or not small else " (cold: none in 10 s)"
    rows = [Row(case, "model build (whole city)", build),
            Row(case, "first feasible plan" + found, first_ms, base_ms if base else None),
            Row(case, "first plan objective", total(ours), total(base), "obj")]
    for seconds in (1, 5):
        mine, ms = timed(solve_regions, s, SolveParams(time_budget_ms=seconds * 1000), pool)
        theirs = cold(s, seconds * 1000) if small else None
        rows.append(Row(case, f"objective after {seconds} s", total(mine), total(theirs), "obj"))
        rows.append(Row(case, f"wall of the {seconds} s solve", ms, None))
    return rows, mine


def events(case: str, c: City, plan: Plan, n: int, seed: int, pool: Executor | None
           ) -> tuple[list[Row], Plan, object]:
    """Re-plan latency per event type (and provisional insertion of each new ticket).

    With a `pool`, each re-plan also improves a random other neighbourhood on the second
    core (`replan(background=...)`)."""
    rng = np.random.default_rng(seed)
    elsewhere = np.random.default_rng(seed + 99)
    snapshot, budget = c.snapshot, budget_for(len(c.snapshot.jobs))
    lat: dict[str, list[float]] = {"ticket": [], "gps": [], "completion": [], "insert": []}
    baseline: list[float] = []
    cpu_ms: list[float] = []  # CPU of this process: what a re-plan costs on an idle core
    for k in range(n):
        event = next_event(rng, c, snapshot, plan, k)
        if event.kind == "ticket":
            lat["insert"].append(timed(insert_job, event.snapshot, plan, event.job_id, PARAMS)[1])
        if k < BASELINE_EVENTS and len(snapshot.jobs) <= 500:
            warm = dataclasses.replace(event.snapshot, warm_start=_routes(plan))
            baseline.append(timed(solve, warm, PARAMS)[1])
        background = int(elsewhere.integers(len(c.snapshot.techs))) if pool else None
        cpu = time.process_time()
        plan, ms = timed(replan, event.snapshot, plan, PARAMS, event.touched, event.site,
                         budget_ms=budget, pool=pool, background=background)
        cpu_ms.append((time.process_time() - cpu) * 1000.0)
        lat[event.kind].append(ms)
        snapshot = event.snapshot
    every = lat["ticket"] + lat["gps"] + lat["completion"]
    base = _pct(baseline)
    rows = [Row(case, f"re-plan p50 (all, budget {budget} ms)", _pct(every)[0], base[0]),
            Row(case, "re-plan p99 (all)", _pct(every)[1], base[1])]
    rows.append(Row(case, "re-plan CPU p50/p99 (this process)", *_pct(cpu_ms), "ms/ms"))
    for kind in ("ticket", "gps", "completion"):
        p50, p99 = _pct(lat[kind])
        rows += [Row(case, f"re-plan p50/p99 {kind} (n={len(lat[kind])})", p50, p99, "ms/ms")]
    rows += [Row(case, "provisional insert p50/p99, new tickets", *_pct(lat["insert"]), "ms/ms")]
    return rows, plan, snapshot


def emergencies(case: str, c: City, snapshot, plan: Plan, n: int, seed: int) -> list[Row]:
    """Provisional insertion of `n` emergencies into the same plan: latency and success."""
    rng = np.random.default_rng(seed + 7)
    ms, placed = [], 0
    for k in range(n):
        job = new_job(rng, f"sos{k}", int(rng.choice(c.spare)), c.mean_service, "emergency")
        grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, job))
        found, took = timed(insert_job, grown, plan, job.id, PARAMS)
        ms.append(took)
        placed += found.tech_id is not None
    p50, p99 = _pct(ms)
    return [Row(case, f"emergency insert p50/p99 (n={n}, placed {placed})", p50, p99, "ms/ms")]


def gap(case: str, snapshot, plans: dict[str, Plan], pool: Executor) -> list[Row]:
    """Plans of one snapshot against a fresh 10 s solve of it."""
    fresh = solve_regions(dataclasses.replace(snapshot, warm_start={}),
                          SolveParams(time_budget_ms=10_000), pool)
    rows = []
    for when, plan in plans.items():
        pct = 100.0 * (plan.objective.total - fresh.objective.total) / fresh.objective.total
        rows += [Row(case, f"{when}: objective vs fresh 10 s", total(plan), total(fresh), "obj"),
                 Row(case, f"{when}: gap to fresh 10 s", pct, None, "%")]
    return rows


def _routes(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress)
            for r in plan.routes}


def _pct(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def run_case(n_techs: int, n_jobs: int, n_events: int, seed: int, pool: Executor
             ) -> Iterator[Row]:
    """Every figure of one case, yielded as soon as it is measured."""
    case = f"{n_techs}x{n_jobs}"
    c = city(n_techs, n_jobs, seed, spare=max(100, n_events))
    yield Row(case, "load average (1 min) at start", os.getloadavg()[0], None, "procs")
    rows, plan = first_plans(case, c, pool)
    yield from rows
    yield from gap(case, c.snapshot, {"5 s plan, before events": plan}, pool)
    found, plan, snapshot = events(case, c, plan, n_events, seed, pool)
    yield from found
    yield from emergencies(case, c, snapshot, plan, 200, seed)
    settled = solve_regions(snapshot, SolveParams(time_budget_ms=2000), pool,
                            warm=_routes(plan))
    yield from gap(case, snapshot, {f"after {n_events} events": plan,
                                    "then 2 s of warm LNS": settled}, pool)
    yield Row(case, "load average (1 min) at end", os.getloadavg()[0], None, "procs")


def show(row: Row) -> str:
    """One table line, with ours / baseline as a ratio when both are there."""
    def fmt(x):
        return "-" if x is None else f"{x:,.1f}" if abs(x) < 1e4 else f"{x:,.0f}"
    ratio = (f"{row.ours / row.baseline:.2f}" if row.ours is not None and row.baseline
             and row.unit in ("ms", "obj") else "")
    return (f"{row.case:>10} {row.metric:<48} {fmt(row.ours):>14} {fmt(row.baseline):>14} "
            f"{ratio:>6} {row.unit}")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the cases, print the table (and write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="50x500,200x2000,1000x10000")
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args(argv)
    print(f"{'case':>10} {'metric':<48} {'ours':>14} {'baseline':>14} {'ratio':>6} unit")
    rows: list[Row] = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        for case in args.cases.split(","):
            n_techs, n_jobs = (int(x) for x in case.split("x"))
            for row in run_case(n_techs, n_jobs, args.events, args.seed, pool):
                rows.append(row)
                print(show(row), flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump([dataclasses.asdict(r) for r in rows], out, indent=1)


if __name__ == "__main__":
    main()
