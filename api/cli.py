"""The `dispatch` command: `serve` an empty engine, run the live `demo`, add `users`, simulate
`history`, write the monthly `report`, import `maintenance` plans, issue alarm `devices` keys."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import ValidationError

from api import cli_devices
from api.app import Companion, create_app
from api.metrics import JsonFormatter
from dispatcher.audit.schemas import AuditQuery
from dispatcher.auth.models import Role
from dispatcher.auth.schemas import UserCreate
from dispatcher.clock import ScaledClock
from dispatcher.config import Settings
from dispatcher.engine import REPLAN_ON, Engine
from dispatcher.errors import DomainError
from dispatcher.events.bus import InProcessBus
from dispatcher.events.redis_stream import RedisStreamBus
from dispatcher.maintenance.plans_file import PlanFileError
from dispatcher.planning.process import PlannerSupervisor, orphan_watch, run_planner
from dispatcher.planning.worker import PlannerWorker
from dispatcher.reports import monthly
from dispatcher.simulation import history
from dispatcher.simulation.demo import Demo
from dispatcher.sla.policy import PolicyError

GRACE_S = 5  # seconds a stopping server waits for open requests before cancelling them


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="dispatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the API on an empty database")
    demo = commands.add_parser("demo", help="start the API with a simulated compound and team")
    for sub in (serve, demo):
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8000)
        sub.add_argument("--access-log", action="store_true",
                         help="log every request (off by default: a line per GPS fix cost "
                              "~30 %% of the server's CPU per fix)")
    demo.add_argument("--speed", type=float, default=10.0,
                      help="simulated seconds per real second (default 10)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--tickets-per-hour", type=float, default=8.0)
    demo.add_argument("--db", default="var/demo.db", help="SQLite file, recreated at start")
    demo.add_argument("--humans", default="",
                      help="comma-separated demo usernames (e.g. wang,li) the simulation leaves "
                           "to people using the technician app")
    users = commands.add_parser("users", help="accounts: add one, or list them")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password", required=True)
    add.add_argument("--technician", type=int, help="technician id (technician accounts)")
    user_commands.add_parser("list", help="list the accounts")
    demo.add_argument("--history-days", type=int, default=0,
                      help="start with this many simulated days of history (cached in var/)")
    simulate = commands.add_parser(
        "history", help="simulate days of the demo compound into a database (for the KPIs)")
    simulate.add_argument("--days", type=int, default=30)
    simulate.add_argument("--end", type=date.fromisoformat,
                         help="last simulated day (default: yesterday, local time)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--solve-budget-ms", type=int,
                         help="safety cap of each re-plan's search (default 20000)")
    trail = commands.add_parser("audit", help="the audit trail: changes made by people")
    trail.add_argument("--actor", help="an account name")
    trail.add_argument("--subject", help="e.g. ticket:12, or ticket")
    trail.add_argument("--action", help="a part of the action, e.g. cancel")
    trail.add_argument("--since", type=datetime.fromisoformat, help="ISO time, e.g. 2026-12-01")
    trail.add_argument("--limit", type=int, default=50)
    trail.add_argument("--json", action="store_true", help="one JSON object per line")
    report = commands.add_parser("report", help="write the monthly KPI report (HTML)")
    report.add_argument("--month", required=True, help="e.g. 2026-11")
    report.add_argument("--site", help="one site id (default: all sites)")
    report.add_argument("--out", default=None, help="file to write (default report-MONTH.html)")
    for sub in (simulate, report):
        sub.add_argument("--database-url", help="default: DISPATCH_DATABASE_URL")
    maintenance = commands.add_parser("maintenance", help="preventive maintenance plans")
    actions = maintenance.add_subparsers(dest="action", required=True)
    plans = actions.add_parser("import", help="create or update plans from a TOML plans file")
    plans.add_argument("file", type=Path, help="e.g. plans.toml (see README)")
    plans.add_argument("--database-url", help="default: DISPATCH_DATABASE_URL")
    planner = commands.add_parser(
        "planner", help="the embedded default's planner process (`serve` and `demo` start it)")
    planner.add_argument("--database-url", help="default: DISPATCH_DATABASE_URL")
    planner.add_argument("--clock-start", type=datetime.fromisoformat,
                         help="the demo's simulated start (with --clock-speed, --clock-anchor)")
    planner.add_argument("--clock-speed", type=float, default=1.0)
    planner.add_argument("--clock-anchor", type=float, help="wall-clock epoch of the start")
    worker = commands.add_parser(
        "worker", help="consume the Redis event stream and re-plan (needs DISPATCH_REDIS_URL)")
    worker.add_argument("--consumer", help="consumer name in the planner group (default: random)")
    cli_devices.register(commands)
    args = parser.parse_args(argv)
    _logging(json_lines=args.command in SERVICES)
    try:
        return {"serve": _serve, "demo": _demo, "worker": _worker, "planner": _planner,
                "history": _history,
                "report": _report, "maintenance": _maintenance,
                "users": _users, "audit": _audit, "devices": cli_devices.run}[args.command](args)
    except DomainError as exc:
        print(f"dispatch: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    except PlanFileError as exc:
        print(f"dispatch: {exc}", file=sys.stderr)
        return 2
    except (ValidationError, PolicyError, ValueError) as exc:
        print(f"dispatch: configuration error: {exc}", file=sys.stderr)
        return 2


# Long-running processes log JSON lines (with the request id); commands a person runs, text.
SERVICES = ("serve", "demo", "worker", "planner")


def _logging(*, json_lines: bool) -> None:
    """INFO lines; `DISPATCH_LOG_DEBUG=dispatcher.planning,...` puts those loggers at DEBUG
    (e.g. each quick insertion's time, part by part)."""
    if not json_lines:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    for name in filter(None, os.environ.get("DISPATCH_LOG_DEBUG", "").split(",")):
        logging.getLogger(name.strip()).setLevel(logging.DEBUG)


def _serve(args: argparse.Namespace) -> int:
    settings = Settings()
    engine = _api_engine(settings)
    _run_api(engine, args, _planner_args(settings))
    return 0


def _api_engine(settings: Settings, **kwargs: Any) -> Engine:
    """The API process's engine: it never solves (an OR-Tools solve would hold the GIL for
    its whole length); its planner is a process of its own, or `dispatch worker`s with Redis."""
    return Engine(settings, plans_here=False, **kwargs)


def _planner_args(settings: Settings, clock: ScaledClock | None = None) -> list[str] | None:
    """How to start the planner process, or None when `dispatch worker`s plan (Redis)."""
    if settings.redis_url:
        return None
    args = ["--database-url", settings.database_url]
    if clock is not None:
        args += ["--clock-start", clock.start.isoformat(), "--clock-speed", str(clock.speed),
                 "--clock-anchor", repr(clock.anchor)]
    return args


def _run_api(engine: Engine, args: argparse.Namespace, planner: list[str] | None,
             *companions: Companion) -> None:
    """Serve the API, with its planner process supervised beside it in the embedded default;
    `companions` (the demo's simulation) start and stop with the app."""
    if planner is not None:
        companions = (PlannerSupervisor(planner), *companions)
    # Open live streams (GET /stream) would otherwise hold a graceful shutdown forever. No
    # access log unless asked: at 1,500 GPS fixes a second it took the server's CPU per fix
    # from 295 to 401-472 µs (benchmarks.load_gps, 100 technicians, embedded).
    uvicorn.run(create_app(engine=engine, companions=companions), host=args.host,
                port=args.port, timeout_graceful_shutdown=GRACE_S,
                access_log=args.access_log)


def _placements_first() -> None:
    """A planner's quick insertions wait on the database a score of times each, and after
    each for the GIL, which the thread building the next snapshot gives up only every 5 ms
    by default (1 ms: placed p99 at 200 / 2,000 458 -> 358 ms, one noisy run each). Its
    solver process runs at a lower priority (`SOLVER_NICENESS`)."""
    sys.setswitchinterval(0.001)


def _planner(args: argparse.Namespace) -> int:
    settings = _settings(args)
    clock = (ScaledClock(args.clock_start, args.clock_speed, args.clock_anchor)
             if args.clock_start is not None else None)
    engine = Engine(settings, clock=clock, bus=InProcessBus(), plans_here=True, listen=False)
    engine.planning.use_solver_process()
    _placements_first()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    orphan_watch(stop)
    run_planner(engine, stop, kinds=REPLAN_ON)
    return 0


def _users(args: argparse.Namespace) -> int:
    engine = Engine(Settings())
    try:
        if args.users_command == "list":
            for user in engine.accounts.list_():
                tech = f" technician {user.technician_id}" if user.technician_id else ""
                print(f"{user.id}\t{user.username}\t{user.role.value}{tech}")
            return 0
        try:
            data = UserCreate(username=args.name, password=args.password, role=Role(args.role),
                              technician_id=args.technician)
        except ValidationError as exc:
            reasons = "; ".join(_readable(e) for e in exc.errors())
            print(f"dispatch users add: {reasons}", file=sys.stderr)
            return 1
        try:
            user = engine.accounts.create(data)
        except DomainError as exc:
            print(f"dispatch users add: {exc.message}", file=sys.stderr)
            return 1
        print(f"added {user.role.value} {user.username!r} (id {user.id})")
        return 0
    finally:
        engine.stop()


def _audit(args: argparse.Namespace) -> int:
    """Print the audit trail, newest first (read-only, like the API)."""
    engine = Engine(Settings())
    try:
        since = args.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=engine.settings.tz)
        entries = engine.audit(AuditQuery(actor=args.actor, subject=args.subject,
                                          action=args.action, since=since, limit=args.limit))
        for e in entries:
            print(e.model_dump_json() if args.json else
                  f"{e.at.isoformat(timespec='seconds')}\t{e.actor} ({e.role}, {e.address})"
                  f"\t{e.action}\t{e.subject}")
        return 0
    finally:
        engine.stop()


def _readable(error: Any) -> str:
    """One pydantic error as `field: message`, with the CLI's option names."""
    names = {"technician_id": "--technician", "username": "NAME", "password": "--password"}
    where = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{names.get(where, where)}: {message}" if where else message


def _worker(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.redis_url:
        raise ValueError("dispatch worker needs DISPATCH_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    engine = Engine(settings)
    assert isinstance(engine.bus, RedisStreamBus)
    engine.planning.use_solver_process()  # its stream reader places tickets meanwhile
    _placements_first()
    worker = PlannerWorker(engine, engine.bus, consumer=args.consumer,
                           debounce_ms=settings.debounce_ms,
                           claim_idle_ms=settings.worker_claim_idle_ms)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    engine.relay.start()  # alerts and plan events this worker records reach the stream too
    engine.start_alert_clock()
    try:
        worker.run(stop)
    finally:
        engine.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.speed <= 0:
        raise ValueError("--speed must be positive")
    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{db}")
    # Tokens expire by the demo's fast clock: stretch their life to the same real time.
    settings = settings.model_copy(update={
        "token_ttl_min": int(settings.token_ttl_min * max(args.speed, 1.0))})
    start = datetime.combine(datetime.now(settings.tz).date(), time(8, 0), tzinfo=settings.tz)
    if args.history_days > 0:
        _demo_history(db, start.date(), args.history_days, args.seed)
    clock = ScaledClock(start, args.speed)
    engine = _api_engine(settings, clock=clock)
    humans = {name.strip() for name in args.humans.split(",") if name.strip()}
    demo = Demo(engine, seed=args.seed, tickets_per_hour=args.tickets_per_hour, humans=humans)
    demo.seed()
    base = f"http://{args.host}:{args.port}"
    print(f"Demo: {base}/console/  technician app: {base}/app/  API docs: {base}/docs  "
          f"(simulated day from 08:00, x{args.speed:g})", flush=True)
    print(demo.credentials(), flush=True)
    print(f"Resident app of {demo.compound.buildings[0].name} 101 (its QR code): "
          f"{base}{demo.resident_url()}", flush=True)
    _run_api(engine, args, _planner_args(settings, clock), demo)
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(database_url=args.database_url) if args.database_url else Settings()


def _history(args: argparse.Namespace) -> int:
    """Simulate `--days` days ending `--end` into the database, and say how long it took."""
    if args.days < 1:
        raise ValueError("--days must be at least 1")
    settings = _settings(args)
    last = args.end or datetime.now(settings.tz).date() - timedelta(days=1)
    first = last - timedelta(days=args.days - 1)
    engine = history.history_engine(settings.database_url, first, settings)
    try:
        stats = history.generate(engine, first=first, days=args.days, seed=args.seed,
                                 solve_budget_ms=args.solve_budget_ms,
                                 log=lambda m: print(m, flush=True))
    finally:
        engine.stop()
        engine.sessions.kw["bind"].dispose()
    print(f"{stats.days} days ({first} – {last}): {stats.tickets} tickets reported, "
          f"{stats.answered} follow-ups answered ({stats.not_fixed} not fixed), "
          f"{stats.replans} re-plans, {stats.seconds:.0f} s")
    return 0


def _demo_history(db: Path, today: date, days: int, seed: int) -> None:
    """The demo database starts as a copy of `days` simulated days before today (made once,
    kept next to it, since simulating takes about half a minute a day)."""
    first = today - timedelta(days=days)
    cache = db.with_name(f"history-{first}-{days}d-seed{seed}.db")
    if not cache.exists():
        print(f"Simulating {days} days of history into {cache} (about {days // 2 + 1} min, "
              "once) ...", flush=True)
        partial = cache.with_name(cache.name + ".partial")
        partial.unlink(missing_ok=True)
        engine = history.history_engine(f"sqlite:///{partial}", first, Settings())
        try:
            history.generate(engine, first=first, days=days, seed=seed,
                             log=lambda m: print(m, flush=True))
        finally:
            engine.sessions.kw["bind"].dispose()
        _sqlite_copy(partial, cache)
        partial.unlink()
    _sqlite_copy(cache, db)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy an SQLite database consistently (its WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _maintenance(args: argparse.Namespace) -> int:
    """`maintenance import FILE`: all the file's plans are stored, or none on an error."""
    try:
        text = args.file.read_text("utf-8")
    except OSError as exc:
        raise PlanFileError(f"{args.file}: cannot read: {exc.strerror}") from exc
    engine = Engine(_settings(args))
    try:
        result = engine.import_plans(text, where=str(args.file))
    finally:
        engine.sessions.kw["bind"].dispose()
    print(f"{args.file}: {len(result.created)} plan(s) created, {len(result.updated)} updated")
    return 0


def _report(args: argparse.Namespace) -> int:
    """Write the monthly report of `--month` (one site or all) as a self-contained HTML file."""
    month = monthly.parse_month(args.month)
    out = Path(args.out or f"report-{month:%Y-%m}.html")
    engine = Engine(_settings(args))
    try:
        out.write_text(monthly.build(engine, month=month, site=args.site), "utf-8")
    finally:
        engine.sessions.kw["bind"].dispose()
    print(f"report written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
