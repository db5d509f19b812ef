"""Several differently-configured searches of one snapshot in parallel processes; the best
plan wins. A way to use more than one core, since one OR-Tools search uses one thread.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from optimizer.model import solve
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.snapshot import Snapshot


def solve_portfolio(snapshot: Snapshot, variants: Sequence[SolveParams]) -> Plan:
    """Solve `snapshot` once per settings in `variants`, each in its own process.

    Parameters
    ----------
    snapshot : technicians, jobs, travel matrix and an optional warm start.
    variants : one `SolveParams` per process (e.g. different metaheuristics); with one,
        it is solved in this process.

    Returns
    -------
    Plan
        The plan that drops the fewest jobs, then has the lowest objective.

    Notes
    -----
    Uses ``fork`` where the platform has it (no re-import, so the budget is not eaten by
    start-up); do not call it from a process that holds OR-Tools objects mid-search.
    """
    if not variants:
        raise ValueError("solve_portfolio needs at least one SolveParams")
    if len(variants) == 1:
        return solve(snapshot, variants[0])
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=len(variants), mp_context=context) as pool:
        plans = list(pool.map(solve, [snapshot] * len(variants), variants))
    return min(plans, key=_rank)


def _rank(plan: Plan) -> tuple[int, int]:
    return plan.objective.dropped, plan.objective.total
