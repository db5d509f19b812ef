"""A simulated day under each dispatch policy: SLA breaches, lateness, travel, churn, latency.

    python -m benchmarks.simulate --scenario district --policies nearest,engine,vroom,hindsight \\
        --seed 1 --json var/district.json --png var/district.png

`--scenario` is a built-in (small, district, city) or a scenario file (.json/.toml, see
dispatcher/simulation/README.md). Every policy plays the same seeded day; the table compares
them. Re-plan latencies are wall-clock and depend on the machine and its load; every other
figure is a pure function of the scenario and the seed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dispatcher.simulation.builtin import builtin
from dispatcher.simulation.dump import scenario_data
from dispatcher.simulation.report import Report
from dispatcher.simulation.run import EXTRA_POLICIES, POLICIES, compare
from dispatcher.simulation.scenario import Scenario, ScenarioError, load_scenario

COLUMNS = [
    ("tickets", "tickets", "{}"), ("done", "completed", "{}"), ("open", "open", "{}"),
    ("breaches", "breaches_total", "{}"), ("emerg", None, "{}"), ("routine", None, "{}"),
    ("sched", None, "{}"), ("late min", "lateness_min_total", "{:.0f}"),
    ("late p95", "lateness_min_p95", "{:.1f}"), ("emerg<30'", "emergency_on_time_pct", "{:.1f}%"),
    ("km/ticket", "travel_km_per_ticket", "{:.3f}"), ("util", "utilisation_pct", "{:.0f}%"),
    ("work sd", "work_spread_min", "{:.0f}"),
    ("churn", "churn", "{}"), ("divert", "diversions", "{}"),
    ("interrupt", "interruptions", "{}"), ("replans", "replans", "{}"),
    ("p50 ms", "replan_ms_p50", "{:.0f}"),
    ("p99 ms", "replan_ms_p99", "{:.0f}"),
]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        scenario = _scenario(args.scenario)
    except ScenarioError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    if args.merge:
        return _merge([Path(p) for p in args.merge], args.png)
    if args.hours is not None:
        scenario = scenario.with_hours(args.hours)
    if args.dump:
        Path(args.dump).write_text(json.dumps(scenario_data(scenario), indent=1,
                                              ensure_ascii=False), "utf-8")
        print(f"scenario written to {args.dump}")
        return 0
    names = [p.strip() for p in args.policies.split(",") if p.strip()]
    unknown = set(names) - set(POLICIES + EXTRA_POLICIES)
    if unknown:
        print(f"simulate: unknown policies {sorted(unknown)}; choose from "
              f"{POLICIES + EXTRA_POLICIES}", file=sys.stderr)
        return 2
    try:
        engine_settings = _engine_settings(args.set or [])
    except ValueError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    search = "server (time-budgeted)" if args.server_search else "deterministic"
    if engine_settings:
        search += f", settings {engine_settings}"
    print(f"scenario {scenario.name}: {len(scenario.sites)} sites, "
          f"{len(scenario.technicians)} technicians, {scenario.hours:g} h of arrivals, "
          f"seed {args.seed}, engine search {search}; load {_load()}", flush=True)
    reports = compare(scenario, names, seed=args.seed, deterministic=not args.server_search,
                      engine_settings=engine_settings,
                      log=lambda m: print(m, file=sys.stderr, flush=True),
                      done=lambda so_far: args.json and _write_json(
                          Path(args.json), scenario, args.seed, so_far))
    print(table(reports))
    print(ratios(reports))
    print(crew_lines(reports))
    print(notes(reports))
    if args.json:
        print(f"reports written to {args.json}")
    if args.png:
        from benchmarks.simulate_plot import plot
        plot(Path(args.png), scenario.name, reports)
        print(f"figure written to {args.png}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.simulate",
                                description=__doc__.split("\n")[0])
    p.add_argument("--scenario", default="district", help="small, district, city or a FILE")
    p.add_argument("--policies", default=",".join(POLICIES))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hours", type=float, help="cut the day to this many hours of arrivals")
    p.add_argument("--json", help="write the reports here")
    p.add_argument("--png", help="write the comparison figure here")
    p.add_argument("--dump", help="write the scenario as a JSON scenario file and stop")
    p.add_argument("--merge", nargs="+", metavar="JSON",
                   help="print (and --png) the reports of earlier runs' JSON files together")
    p.add_argument("--server-search", action="store_true",
                   help="engine: the server's time-budgeted search (its latency; runs differ)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="engine: a setting to change (as DISPATCH_KEY), e.g. fairness_weight=60")
    return p


def _engine_settings(pairs: list[str]) -> dict[str, int | float | str]:
    """`KEY=VALUE` pairs as engine settings, each key one of `Settings`' fields."""
    from dispatcher.config import Settings
    out: dict[str, int | float | str] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in Settings.model_fields:
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE with KEY a setting, e.g. "
                             "fairness_weight=60")
        value: int | float | str = raw
        for kind in (int, float):
            try:
                value = kind(raw)
                break
            except ValueError:
                continue
        out[key] = value
    return out


def _merge(paths: list[Path], png: str | None) -> int:
    """One table from runs split across processes (same scenario and seed)."""
    reports = []
    for path in paths:
        data = json.loads(path.read_text("utf-8"))
        print(f"{path}: scenario {data['scenario']}, seed {data['seed']}, load {data['load']}")
        for report in data["policies"].values():
            report["timeline"] = [tuple(x) for x in report["timeline"]]
            reports.append(Report(**report))
    print(table(reports))
    print(ratios(reports))
    print(crew_lines(reports))
    if png:
        from benchmarks.simulate_plot import plot
        plot(Path(png), data["scenario"], reports)
        print(f"figure written to {png}")
    return 0


def _scenario(name: str) -> Scenario:
    if name in ("small", "district", "city"):
        return builtin(name)
    return load_scenario(Path(name))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def table(reports: list[Report]) -> str:
    """The reports side by side, one row per policy."""
    rows = [["policy", *[c[0] for c in COLUMNS]]]
    for r in reports:
        row = [r.policy]
        for label, key, fmt in COLUMNS:
            if key is None:
                urgency = {"emerg": "emergency", "routine": "routine", "sched": "scheduled"}[label]
                value = sum(r.breaches[urgency].values())
            else:
                value = getattr(r, key)
            row.append(fmt.format(value))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
             for row in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def ratios(reports: list[Report]) -> str:
    """The engine against each other policy: breaches and travel per ticket."""
    by = {r.policy: r for r in reports}
    engine = by.get("engine")
    if engine is None:
        return ""
    out = []
    for name, other in by.items():
        if name == "engine":
            continue
        breaches = _change(engine.breaches_total, other.breaches_total)
        travel = _change(engine.travel_km_per_ticket, other.travel_km_per_ticket)
        late = _change(engine.lateness_min_total, other.lateness_min_total)
        out.append(f"engine vs {name}: breaches {breaches}, lateness {late}, "
                   f"travel/ticket {travel}")
    return "\n".join(out)


def crew_lines(reports: list[Report]) -> str:
    """Per policy, its tickets that need a crew on site together (fire alarms: two)."""
    return "\n".join(
        f"{r.policy}: crew tickets {r.crews}, every member on site by the arrive deadline "
        f"{r.crews_on_time}, first to last arrival {r.crew_gap_min:.1f} min on average"
        for r in reports if r.crews)


def notes(reports: list[Report]) -> str:
    """What a policy says about its own figures (e.g. a bound that stopped at its cap)."""
    return "\n".join(f"{r.policy}: {r.note}" for r in reports if r.note)


def _change(ours: float, theirs: float) -> str:
    if theirs == 0:
        return f"{ours:g} vs 0"
    return f"{100 * (ours - theirs) / theirs:+.1f}%"


def _write_json(path: Path, scenario: Scenario, seed: int, reports: list[Report]) -> None:
    data = {"scenario": scenario.name, "seed": seed, "load": _load(),
            "policies": {r.policy: r.as_dict() for r in reports}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), "utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
