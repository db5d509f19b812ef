"""Asymmetric VRPTW instances of a city's size and kind, in VRPLIB format, with references.

Run ``python -m benchmarks.vrplib_city [--out benchmarks/data/city] [--sizes 200,300,400,500]
[--seed 1] [--reference-seconds 60]``. Each instance takes the sites of a synthetic city
(`benchmarks.city`: neighbourhoods and scattered addresses, 50 technicians per 100 km2) with a
depot at the first technician's home, and makes the road times asymmetric as a city's are:
driving towards the centre is slower than away from it (up to 30 %, the morning's inbound
traffic), and one pair of sites in ten has a one-way street on the way, a detour of 20-60 %
in one direction. Times are integer seconds; a working day of 10 hours; service 10-40 min;
two customers in five have a 2-hour appointment window; demands 1-5 on vans of 50.

With `--reference-seconds S` (PyVRP from the ``bench`` extra), PyVRP solves each instance
for S seconds and its routes and total driving time go into a ``.sol`` file beside it, the
best known that `benchmarks.solomon --data` compares every solver with.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.city import city
from benchmarks.peers.instance import Instance, check, write_vrplib

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "benchmarks" / "data" / "city"
DAY_S = 10 * 3600
INBOUND_SLOWER = 0.30  # driving straight towards the centre takes this much longer
ONE_WAY_SHARE = 0.10  # pairs of sites with a one-way detour in one direction
CAPACITY = 50


def make(n: int, seed: int) -> Instance:
    """An instance of `n` customers (node 0 the depot), reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    c = city(max(10, n // 10), n, seed, spare=0)
    nodes = [c.snapshot.techs[0].location, *(job.location for job in c.snapshot.jobs)]
    base = c.snapshot.travel[np.ix_(nodes, nodes)].astype(float)
    matrix = _asymmetric(base, rng)
    service = np.concatenate([[0], rng.integers(10, 41, n) * 60])
    ready = np.zeros(n + 1, dtype=np.int64)
    due = np.full(n + 1, DAY_S, dtype=np.int64)
    back = matrix[1:, 0] + service[1:]
    due[1:] = DAY_S - back  # the last start that still gets the van home in time
    windowed = np.flatnonzero(rng.random(n) < 0.4) + 1
    for k in windowed:
        earliest = matrix[0, k]
        start = int(rng.integers(earliest, max(earliest + 1, due[k] - 2 * 3600)))
        ready[k], due[k] = start, min(int(due[k]), start + 2 * 3600)
    demand = np.concatenate([[0], rng.integers(1, 6, n)])
    vehicles = max(int(np.ceil(demand.sum() / CAPACITY * 1.5)), n // 6)
    return Instance(name=f"city-asym-n{n}-s{seed}", vehicles=vehicles, capacity=CAPACITY,
                    xy=np.zeros((n + 1, 2)), demand=demand, ready=ready, due=due,
                    service=service.astype(np.int64), matrix=matrix)


def _asymmetric(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer seconds from symmetric ones: slower inbound, one-way detours."""
    home = base[:, 0]  # nearness to the depot stands for nearness to the centre
    inward = np.clip((home[:, None] - home[None, :]) / np.maximum(base, 1.0), 0.0, 1.0)
    times = base * (1.0 + INBOUND_SLOWER * inward)
    detour = rng.random(base.shape) < ONE_WAY_SHARE
    detour &= ~detour.T  # one direction only
    times = np.where(detour, times * rng.uniform(1.2, 1.6, base.shape), times)
    np.fill_diagonal(times, 0.0)
    return np.ceil(times).astype(np.int64)


def main(argv: list[str] | None = None) -> None:
    """Write the instances (and the references when asked), printing one line each."""
    ns = _arguments().parse_args(argv)
    out = Path(ns.out)
    out.mkdir(parents=True, exist_ok=True)
    for n in (int(x) for x in ns.sizes.split(",")):
        instance = make(n, ns.seed)
        path = out / f"{instance.name}.txt"
        write_vrplib(instance, path, comment="benchmarks.vrplib_city; times in seconds")
        line = f"{path.name}: {n} customers, {instance.vehicles} vans"
        if ns.reference_seconds:
            import vrplib

            from benchmarks.peers.pyvrp_peer import solve_pyvrp

            routes = solve_pyvrp(instance, ns.reference_seconds)
            verdict = check(instance, routes)
            if not verdict.feasible:
                raise SystemExit(f"{path.name}: PyVRP's plan is infeasible: {verdict.problems}")
            vrplib.write_solution(str(path.with_suffix(".sol")), routes,
                                  {"Cost": int(round(verdict.distance))})
            line += (f"; PyVRP {ns.reference_seconds:g} s: {verdict.distance:.0f} s of driving"
                     f" on {verdict.routes} routes")
        print(line, flush=True)


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vrplib_city",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--sizes", default="200,300,400,500")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference-seconds", type=float, default=0.0,
                        help="PyVRP's time per instance for the .sol reference (0: none)")
    return parser


if __name__ == "__main__":
    main()
