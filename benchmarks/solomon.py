"""VRPTW benchmark: our engine against a textbook OR-Tools model, PyVRP and VROOM.

Run ``python -m benchmarks.solomon --seconds 5 [--instances C1,R101] [--data DIR]
[--solvers engine,ortools,pyvrp,vroom] [--json PATH]``. Every solver gets the same budget and
one thread, in this process; every solution is re-checked independently and its cost
compared with the best known. `--data` is a folder of Solomon files (the default: the 56
instances, with ``bks_distance_only.csv``, column ``distance_unrounded``, unrounded Euclidean
distance) or of VRPLIB files with an explicit, possibly asymmetric matrix (e.g. the EURO
Meets NeurIPS 2022 instances, or ``benchmarks/data/city``), each with a ``.sol`` beside it
whose ``Cost`` is the best known total travel time. PyVRP and VROOM come from the ``bench``
extra and are skipped, with a message, when missing. Beside our engine's gap, ``first%`` is
the gap of the first solution its search started from (found outside the timed budget).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.peers.instance import Instance, check, read_instance, read_solution_cost

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "benchmarks" / "data" / "solomon"  # sources: its README.md
FAMILIES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
SOLVERS = ("engine", "ortools", "pyvrp", "vroom")
# Ours on two processes (two differently-tuned searches, the best kept): not one thread,
# so not in the default comparison; ask for it with --solvers engine,engine2,...
OURS = ("engine", "engine2")
# The Python package each solver needs beyond our own dependencies.
PACKAGES = {"pyvrp": "pyvrp", "vroom": "vroom"}

Solver = Callable[[Instance, float], list[list[int]]]


@dataclass(frozen=True)
class Result:
    """One solver on one instance, judged by the independent checker."""

    instance: str
    solver: str
    distance: float
    routes: int
    gap_pct: float | None  # None when infeasible
    feasible: bool
    seconds: float
    # Ours only: the gap of the first solution the search started from (None: not asked).
    first_gap_pct: float | None = None


def data_dir(given: str | None = None) -> Path:
    """`given`, else ``$DISPATCH_BENCH_DATA``, else the copy in ``benchmarks/data/solomon``."""
    return Path(given or os.environ.get("DISPATCH_BENCH_DATA") or DEFAULT_DATA)


def family(name: str) -> str:
    """``RC105`` -> ``RC1``."""
    found = re.match(r"([A-Za-z]+)(\d)", name)
    return (found.group(1) + found.group(2)).upper() if found else name.upper()


def instance_files(folder: Path, wanted: Iterable[str] | None = None) -> list[Path]:
    """Instance files of `folder` (stems matched case-insensitively) by family or name."""
    files = sorted(p for p in [*folder.glob("*.txt"), *folder.glob("*.vrp")]
                   if p.stem.upper() != "README")
    if not wanted:
        return files
    keys = {w.strip().upper() for w in wanted if w.strip()}
    chosen = [p for p in files if p.stem.upper() in keys or family(p.stem) in keys]
    unknown = keys - {p.stem.upper() for p in files} - {family(p.stem) for p in files}
    if unknown:
        raise SystemExit(f"unknown instances or families: {', '.join(sorted(unknown))}")
    return chosen


def best_known(folder: Path) -> dict[str, float]:
    """Upper-cased instance name -> best-known cost: the distance-only (unrounded) distance
    of ``bks_distance_only.csv``, and the ``Cost`` of each VRPLIB ``.sol`` file."""
    found = {p.stem.upper(): read_solution_cost(p) for p in folder.glob("*.sol")}
    table = folder / "bks_distance_only.csv"
    if table.is_file():
        with table.open(newline="") as f:
            found.update({row["instance"].upper(): float(row["distance_unrounded"])
                          for row in csv.DictReader(f)})
    return found


def available(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """(solvers that can run, messages about those that cannot)."""
    ready, missing = [], []
    for name in names:
        package = PACKAGES.get(name)
        if name not in SOLVERS + OURS:
            raise SystemExit(f"unknown solver {name!r}; choose from "
                             f"{', '.join(SOLVERS + OURS[1:])}")
        if package and importlib.util.find_spec(package) is None:
            missing.append(f"{name}: package '{package}' missing (pip install -e '.[bench]'); "
                           "skipped")
        else:
            ready.append(name)
    return ready, missing


def solver(name: str) -> Solver:
    """The solve function of a solver name (peers imported only when used)."""
    if name == "engine":
        from benchmarks.peers.engine import solve_engine
        return solve_engine
    if name == "engine2":
        from benchmarks.peers.engine import solve_engine_2cores
        return solve_engine_2cores
    if name == "ortools":
        from benchmarks.peers.textbook import solve_textbook
        return solve_textbook
    if name == "pyvrp":
        from benchmarks.peers.pyvrp_peer import solve_pyvrp
        return solve_pyvrp
    from benchmarks.peers.vroom_peer import solve_vroom
    return solve_vroom


def run_one(instance: Instance, name: str, seconds: float, bks: float | None) -> Result:
    """Solve one instance with one solver and judge the routes."""
    began = time.perf_counter()
    routes = solver(name)(instance, seconds)
    spent = time.perf_counter() - began
    verdict = check(instance, routes)
    first = _gap(check(instance, _first(instance)), bks) if name in OURS else None
    gap = _gap(verdict, bks)
    return Result(instance.name, name, round(verdict.distance, 2), verdict.routes,
                  gap, verdict.feasible, round(spent, 2), first)


def _first(instance: Instance) -> list[list[int]]:
    from benchmarks.peers.engine import first_solution
    return first_solution(instance)


def _gap(verdict, bks: float | None) -> float | None:
    if not verdict.feasible or bks is None:
        return None
    return round(100.0 * (verdict.distance - bks) / bks, 3)


def run(files: list[Path], names: list[str], seconds: float, bks: dict[str, float],
        out=sys.stdout) -> list[Result]:
    """Every solver on every instance, printing one line per instance as it goes."""
    results = []
    print(_header(names), file=out, flush=True)
    for path in files:
        instance = read_instance(path)
        row = [run_one(instance, n, seconds, bks.get(path.stem.upper())) for n in names]
        results.extend(row)
        print(_line(instance.name, row), file=out, flush=True)
    return results


def _header(names: list[str]) -> str:
    return f"{'instance':<9}" + "".join(
        f" | {n:>8} {'dist':>9} {'rt':>3} {'gap%':>6}" + (f" {'first%':>7}" if n in OURS else "")
        for n in names)


def _line(name: str, row: list[Result]) -> str:
    cells = "".join(
        f" | {'ok' if r.feasible else 'INFEAS':>8} {r.distance:>9.2f} {r.routes:>3} "
        f"{_pct(r.gap_pct):>6}" + (f" {_pct(r.first_gap_pct):>7}" if r.solver in OURS else "")
        for r in row)
    return f"{name:<9}{cells}"


@dataclass(frozen=True)
class Stats:
    """Gap statistics of one solver over one group of instances."""

    mean: float | None
    worst: float | None
    feasible: int
    total: int


def stats(results: list[Result]) -> Stats:
    """Mean and worst gap over the feasible results; counts of feasible and all."""
    gaps = [r.gap_pct for r in results if r.feasible and r.gap_pct is not None]
    return Stats(statistics.fmean(gaps) if gaps else None, max(gaps) if gaps else None,
                 sum(r.feasible for r in results), len(results))


def summary(results: list[Result], names: list[str]) -> str:
    """Per family and overall: mean / worst gap and feasible count of every solver, and
    the ratio of our mean gap to each peer's."""
    groups = [f for f in FAMILIES if any(family(r.instance) == f for r in results)]
    lines = [f"{'family':<8}" + "".join(f" | {n:>8} mean  worst  feas" for n in names)]
    for group in [*groups, "all"]:
        cells = []
        for n in names:
            chosen = [r for r in results if r.solver == n
                      and (group == "all" or family(r.instance) == group)]
            s = stats(chosen)
            cells.append(f" | {_pct(s.mean):>13} {_pct(s.worst):>6} {s.feasible:>2}/{s.total:<2}")
        lines.append(f"{group:<8}" + "".join(cells))
    lines.extend(_ratios(results, names))
    return "\n".join(lines)


def _ratios(results: list[Result], names: list[str]) -> list[str]:
    means = {n: stats([r for r in results if r.solver == n]).mean for n in names}
    lines = []
    for ours in (n for n in names if n in OURS and means[n] is not None):
        for peer in (n for n in names if n not in OURS and means[n]):
            lines.append(f"ratio of {ours}'s mean gap to {peer}'s: "
                         f"{means[ours] / means[peer]:.2f} "
                         f"({means[ours]:.2f} % / {means[peer]:.2f} %)")
    return lines


def _pct(value: float | None) -> str:
    # A gap of -0.001 % is the BKS rounded to two decimals, not a better solution.
    return "-" if value is None else f"{0.0 if abs(value) < 0.005 else value:.2f}"


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the solvers, print the table and summary, write the JSON."""
    ns = _arguments().parse_args(argv)
    folder = data_dir(ns.data)
    if not folder.is_dir():
        raise SystemExit(f"no instances at {folder} (set --data or DISPATCH_BENCH_DATA)")
    names, missing = available(n.strip() for n in ns.solvers.split(",") if n.strip())
    for message in missing:
        print(message)
    files = instance_files(folder, ns.instances.split(",") if ns.instances else None)
    results = run(files, names, ns.seconds, best_known(folder))
    print()
    print(summary(results, names))
    if ns.json:
        Path(ns.json).write_text(json.dumps([asdict(r) for r in results], indent=1))


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.solomon",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="budget per solve")
    parser.add_argument("--instances", help="families and names, e.g. C1,R101 (default all)")
    parser.add_argument("--data", help="folder of Solomon instances and "
                        "bks_distance_only.csv, or of VRPLIB instances with .sol files")
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated")
    parser.add_argument("--json", help="write one object per (instance, solver) here")
    return parser


if __name__ == "__main__":
    main()
