"""Solve synthetic city snapshots and print build time, first solution, quality per budget.

Run ``python -m benchmarks.snapshot_solve`` (defaults: cases 8x30 and 50x500, budgets 1 s
and 5 s, seed 1), or ``--techs 50 --jobs 500`` for one case.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from optimizer import Job, Plan, Snapshot, SolveParams, Tech, solve
from optimizer.model import build_model

SKILLS = ("electrician", "plumber", "locksmith", "elevator", "fire", "hvac", "cleaning")
JOB_SKILLS = ("general",) + SKILLS
JOB_SKILL_SHARE = (0.30, 0.15, 0.15, 0.10, 0.05, 0.05, 0.10, 0.10)
HOUR = 3600
SQUARE_KM = 10.0
SECONDS_PER_KM = 1.3 / 20.0 * HOUR  # road factor 1.3 at 20 km/h


def synthetic_snapshot(n_techs: int, n_jobs: int, seed: int) -> Snapshot:
    """A reproducible city snapshot: techs uniform, jobs half clustered, 8-hour shifts.

    At 50x500 this asks about a third more work than the team can do in its shifts
    (~460 h of service plus ~65 h of driving for 400 shift hours), so plans are dominated
    by overtime and drop penalties; `benchmarks.city` scales service times to a load.

    Parameters
    ----------
    n_techs, n_jobs : sizes.
    seed : seed of every random draw.
    """
    rng = np.random.default_rng(seed)
    points = np.vstack([_uniform(rng, n_techs), _mixed(rng, n_jobs)])
    km = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    travel = np.rint(km * SECONDS_PER_KM).astype(np.int64)
    techs = tuple(_tech(rng, v) for v in range(n_techs))
    jobs = tuple(_job(rng, j, n_techs + j) for j in range(n_jobs))
    return Snapshot(techs, jobs, travel)


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0, SQUARE_KM, (n, 2))


def _mixed(rng: np.random.Generator, n: int) -> np.ndarray:
    """Half the points around five neighbourhoods (sigma 700 m), half uniform."""
    centres = rng.uniform(1, SQUARE_KM - 1, (5, 2))
    clustered = centres[rng.integers(0, 5, n // 2)] + rng.normal(0, 0.7, (n // 2, 2))
    points = np.vstack([np.clip(clustered, 0, SQUARE_KM), _uniform(rng, n - n // 2)])
    return rng.permutation(points)


def _tech(rng: np.random.Generator, v: int) -> Tech:
    """2-3 skills, "general" for 80 %; a fifth are finishing a job (up to an hour)."""
    extra = rng.choice(SKILLS, size=int(rng.integers(1, 3)), replace=False).tolist()
    skills = frozenset(extra + (["general"] if rng.random() < 0.8 else [SKILLS[v % 7]]))
    busy = rng.random() < 0.2
    available = int(rng.integers(5, 60)) * 60 if busy else 0
    return Tech(f"tech{v}", skills, v, available, 8 * HOUR, f"current{v}" if busy else None)


def _job(rng: np.random.Generator, j: int, location: int) -> Job:
    """10 % emergency (due 30 min), 60 % routine (due 24 h), 30 % scheduled 2-hour window."""
    skill = str(rng.choice(JOB_SKILLS, p=JOB_SKILL_SHARE))
    service = int(rng.integers(20, 91)) * 60
    kind = rng.random()
    if kind < 0.1:
        return Job(f"job{j}", location, skill, service, "emergency", 1800, 100)
    if kind < 0.7:
        return Job(f"job{j}", location, skill, service, "routine", 24 * HOUR, 1)
    start = int(rng.integers(0, 7)) * HOUR
    return Job(f"job{j}", location, skill, service, "scheduled", start + 2 * HOUR, 10,
               window=(start, start + 2 * HOUR))


def with_emergency(snapshot: Snapshot, plan: Plan, seed: int) -> Snapshot:
    """The snapshot plus one general emergency at a random existing site, warm-started."""
    rng = np.random.default_rng(seed + 1000)
    site = int(rng.integers(len(snapshot.techs), snapshot.travel.shape[0]))
    job = Job("new-emergency", site, "general", 45 * 60, "emergency", 1800, 100)
    routes = {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress)
              for r in plan.routes}
    return Snapshot(snapshot.techs, (*snapshot.jobs, job), snapshot.travel, routes)


HEADER = (f"{'case':>7} {'run':<14} {'budget':>6} {'wall ms':>8} {'objective':>11} "
          f"{'cost':>8} {'assigned':>8} {'unassigned':>10} {'lateness':>9} {'late s':>7} "
          f"{'overtime':>8} {'status':<9}")


def row(case: str, run: str, budget: str, plan: Plan) -> str:
    """One table line; `cost` is the objective without drop penalties."""
    o = plan.objective
    cost = o.travel + o.lateness + SolveParams().overtime_weight * o.overtime
    assigned = len(plan.assignment()) - sum(1 for r in plan.routes for s in r.stops
                                            if s.in_progress)
    return (f"{case:>7} {run:<14} {budget:>6} {plan.solve_ms:8.0f} {o.total:11d} {cost:8d} "
            f"{assigned:8d} {len(plan.unassigned):10d} {o.lateness:9d} {o.late_seconds:7d} "
            f"{o.overtime:8d} {plan.status:<9}")


def run_case(n_techs: int, n_jobs: int, budgets: list[float], seed: int) -> list[str]:
    """Build time, first solution, each budget, then warm vs cold after a new emergency."""
    case = f"{n_techs}x{n_jobs}"
    snapshot = synthetic_snapshot(n_techs, n_jobs, seed)
    began = time.perf_counter()
    build_model(snapshot, SolveParams())
    lines = [f"{case:>7} {'model build':<14} {'':>6} {(time.perf_counter() - began) * 1e3:8.0f}"]
    first = solve(snapshot, SolveParams(time_budget_ms=60_000, solution_limit=1))
    lines.append(row(case, "first solution", "-", first))
    plans = [solve(snapshot, SolveParams(time_budget_ms=int(b * 1000))) for b in budgets]
    lines += [row(case, "cold", f"{b:g}s", p) for b, p in zip(budgets, plans, strict=True)]
    grown = with_emergency(snapshot, plans[-1], seed)
    quick = SolveParams(time_budget_ms=int(budgets[0] * 1000))
    lines.append(row(case, "+1 emerg warm", f"{budgets[0]:g}s", solve(grown, quick)))
    cold = dataclasses.replace(grown, warm_start={})
    lines.append(row(case, "+1 emerg cold", f"{budgets[0]:g}s", solve(cold, quick)))
    return lines


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--techs", type=int, help="one case of this many technicians")
    parser.add_argument("--jobs", type=int, help="one case of this many jobs")
    parser.add_argument("--cases", nargs="+", default=["8x30", "50x500"], help="TECHSxJOBS")
    parser.add_argument("--seconds", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cases = [f"{args.techs or 50}x{args.jobs or 500}"] if args.techs or args.jobs else args.cases
    print(HEADER)
    for case in cases:
        n_techs, n_jobs = (int(x) for x in case.split("x"))
        for line in run_case(n_techs, n_jobs, args.seconds, args.seed):
            print(line, flush=True)


if __name__ == "__main__":
    main()
