"""Replay a district's day against `dispatch serve` and `dispatch worker`s (PostgreSQL, Redis).

Run ``python -m benchmarks.load [--rate 40] [--workers 2] [--seed 1]``. It starts the server and
the workers as real processes on a fresh PostgreSQL schema and a Redis stream of their own,
replays the `district` scenario's tickets with GPS fixes and status reports in between (as fast
as `--rate` events a second), listens to the live stream, and prints: events a second
sustained, the time from each ticket being accepted to the first published plan that places it
(median, p99), and how many events were lost or duplicated on the way (stored vs on the stream,
tickets vs plan).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import redis
from sqlalchemy import create_engine, text

from benchmarks import UNLIMITED_RATES
from dispatcher.events.redis_stream import RedisStreamBus
from dispatcher.simulation.builtin import district
from dispatcher.simulation.stream import day_tickets
from dispatcher.sla.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("DISPATCH_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BENCH_USER, BENCH_PASSWORD = "bench", "bench-password"
STATUS_NEXT = {"assigned": "accepted", "accepted": "en_route", "en_route": "on_site",
               "on_site": "completed"}


@dataclass
class Record:
    """What the client saw: when each ticket was accepted, when each plan version arrived."""

    ticket_posted: dict[int, float] = field(default_factory=dict)  # ticket id -> wall time
    plan_seen: dict[int, float] = field(default_factory=dict)  # plan version -> wall time
    posted: int = 0
    refused: int = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.load", description=__doc__)
    parser.add_argument("--rate", type=float, default=40.0, help="events a second to send")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tickets", type=int, default=0, help="replay only the first N")
    parser.add_argument("--budget-ms", type=int, default=500, help="each re-plan's budget")
    args = parser.parse_args(argv)
    schema, stream = f"load_{uuid.uuid4().hex[:8]}", f"load:{uuid.uuid4().hex[:8]}"
    db_url = f"{PG}?options=-csearch_path%3D{schema}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    env = {**os.environ, **UNLIMITED_RATES, "PYTHONPATH": str(ROOT),
           "DISPATCH_DATABASE_URL": db_url, "DISPATCH_REDIS_URL": REDIS,
           "DISPATCH_REDIS_STREAM": stream,
           "DISPATCH_SOLVE_BUDGET_MS": str(args.budget_ms)}
    try:
        with ExitStack() as stack:
            base = _start(stack, env, args.workers)
            stop = threading.Event()
            record, seconds = _replay(base, args, stop)
            _settle(stream, seconds)
            stop.set()
        _report(record, seconds, db_url, stream)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        client = redis.Redis.from_url(REDIS)
        client.delete(stream, *client.scan_iter(f"{stream}:*", count=1000))
    return 0


def _start(stack: ExitStack, env: dict[str, str], workers: int) -> str:
    """The server, then the workers, as real processes; returns the server's base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # An account to drive the API with; refused harmlessly if a reused database has it.
    subprocess.run([sys.executable, "-m", "api.cli", "users", "add", BENCH_USER, "--role",
                    "dispatcher", "--password", BENCH_PASSWORD], env=env, cwd=ROOT,
                   capture_output=True, check=False)
    procs = [_spawn(["serve", "--port", str(port)], env)]
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/healthz", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    procs += [_spawn(["worker", "--consumer", f"w{i + 1}"], env) for i in range(workers)]
    for proc in procs:
        stack.callback(_stop, proc)
    return base


def _login(base: str) -> dict[str, str]:
    """The bearer header of the benchmark's account."""
    answer = httpx.post(base + "/api/v1/auth/login", timeout=30,
                        json={"username": BENCH_USER, "password": BENCH_PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "api.cli", *args], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _replay(base: str, args: argparse.Namespace,
            stop: threading.Event) -> tuple[Record, float]:
    """Sites, technicians (on call, two regions), then the day's events at `--rate`."""
    scenario = district()
    tickets = day_tickets(scenario, seed=args.seed, policy=load_policy())
    tickets = tickets[: args.tickets] if args.tickets else tickets
    record = Record()
    auth = _login(base)
    listener = threading.Thread(target=_listen, args=(base, auth, record, stop), daemon=True)
    listener.start()
    rng = random.Random(args.seed)
    with httpx.Client(base_url=base + "/api/v1", timeout=30, headers=auth) as http:
        techs = _setup(http, scenario)
        started = time.monotonic()
        for n, ticket in enumerate(tickets):
            _paced(started, record.posted, args.rate)
            body = json.loads(ticket.create().model_dump_json(exclude={"reported_at"}))
            answer = http.post("/tickets", json=body)
            _count(record, answer)
            if answer.status_code == 201:
                record.ticket_posted[answer.json()["id"]] = time.time()
            for _ in range(4):  # GPS fixes between two tickets, as a fleet sends them
                _paced(started, record.posted, args.rate)
                tech_id, (lat, lon) = rng.choice(techs)
                fix = {"lat": lat + rng.uniform(-0.002, 0.002),
                       "lon": lon + rng.uniform(-0.002, 0.002)}
                _count(record, http.post(f"/technicians/{tech_id}/position", json=fix))
            if n % 5 == 4:
                _advance(http, record, started, args.rate)
        seconds = time.monotonic() - started
    return record, seconds


def _setup(http: httpx.Client, scenario: Any) -> list[tuple[int, tuple[float, float]]]:
    mid = np.median([s.gate[1] for s in scenario.sites])
    regions = {s.site_id: ("west" if s.gate[1] < mid else "east") for s in scenario.sites}
    for s in scenario.sites:
        http.put("/sites", json={"id": s.site_id, "name": s.name, "region": regions[s.site_id],
                                 "lat": s.gate[0], "lon": s.gate[1]}).raise_for_status()
    techs = []
    for t in scenario.technicians:
        site = t.name.split("-")[0]
        body = {"name": t.name, "skills": [k.value for k in t.skills], "region": regions[site],
                "shift": {"start": "00:00", "end": "00:00"},  # on call: any hour replays
                "home": {"lat": t.home[0], "lon": t.home[1]}}
        answer = http.post("/technicians", json=body)
        answer.raise_for_status()
        techs.append((answer.json()["id"], t.home))
    return techs


def _advance(http: httpx.Client, record: Record, started: float, rate: float) -> None:
    """Technicians report progress on a few of their tickets, one status step each."""
    busy = http.get("/tickets", params={"status": list(STATUS_NEXT)}).json()
    for ticket in busy[:3]:
        _paced(started, record.posted, rate)
        _count(record, http.post(f"/tickets/{ticket['id']}/status",
                                 json={"status": STATUS_NEXT[ticket["status"]]}))


def _count(record: Record, answer: httpx.Response) -> None:
    record.posted += 1
    if answer.status_code >= 400:
        record.refused += 1  # e.g. a status that a newer plan made impossible


def _paced(started: float, sent: int, rate: float) -> None:
    wait = started + sent / rate - time.monotonic()
    if wait > 0:
        time.sleep(wait)


def _listen(base: str, auth: dict[str, str], record: Record, stop: threading.Event) -> None:
    """Note when each plan version reaches a live client."""
    try:
        with httpx.Client(timeout=httpx.Timeout(5, read=None), headers=auth) as http, \
                http.stream("GET", base + "/api/v1/stream") as response:
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event["type"] == "plan.updated":
                        record.plan_seen.setdefault(event["payload"]["version"], time.time())
    except httpx.HTTPError:
        return  # the server went away at the end of the run


def _settle(stream: str, seconds: float) -> None:
    """Wait until the workers have acked everything (the consumer group is drained)."""
    bus = RedisStreamBus(REDIS, stream=stream)
    deadline = time.monotonic() + max(60.0, seconds)
    while time.monotonic() < deadline:
        groups = bus.redis.xinfo_groups(stream)
        if groups and groups[0]["pending"] == 0 and groups[0]["lag"] == 0:
            time.sleep(2)
            return
        time.sleep(0.5)


def _report(record: Record, seconds: float, db_url: str, stream: str) -> None:
    db = create_engine(db_url)
    with db.connect() as conn:
        plans = conn.execute(text("SELECT version, routes, unassigned FROM plans ORDER BY version"))
        first_plan: dict[int, int] = {}
        for version, routes, unassigned in plans:
            placed = [s["ticket_id"] for r in routes for s in r["stops"]]
            placed += [u["ticket_id"] for u in unassigned]
            for ticket_id in placed:
                first_plan.setdefault(ticket_id, version)
        stored = [row[0] for row in conn.execute(text("SELECT id FROM events ORDER BY id"))]
        tickets = {row[0] for row in conn.execute(text("SELECT id FROM tickets"))}
    db.dispose()
    on_stream = [e.event["id"] for e in RedisStreamBus(REDIS, stream=stream).entries()]
    latencies = [record.plan_seen[first_plan[t]] - posted
                 for t, posted in record.ticket_posted.items()
                 if t in first_plan and first_plan[t] in record.plan_seen]
    lost = len(set(stored) - set(on_stream)) + len(set(record.ticket_posted) - tickets)
    unplanned = len(set(record.ticket_posted) - set(first_plan))
    duplicated = len(on_stream) - len(set(on_stream))
    ms = np.array(latencies) * 1000
    print(f"events sent        {record.posted} in {seconds:.1f} s = "
          f"{record.posted / seconds:.1f} events/s ({record.refused} refused with a 4xx)")
    print(f"events stored      {len(stored)} (incl. plans and alerts), on the stream "
          f"{len(on_stream)}")
    print(f"tickets            {len(record.ticket_posted)} accepted, {len(first_plan)} placed "
          f"by a plan, {unplanned} never planned")
    if len(ms):
        print(f"ticket -> plan     median {np.median(ms):.0f} ms, p99 "
              f"{np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms ({len(ms)} tickets)")
    print(f"lost events        {lost}")
    print(f"duplicated events  {duplicated}")


if __name__ == "__main__":
    raise SystemExit(main())
