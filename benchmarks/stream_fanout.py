"""The live stream under load: many open `GET /stream` on one `dispatch serve` process.

Run ``python -m benchmarks.stream_fanout [--connections 1000] [--events 30] [--rate 2]``. It
starts `dispatch serve` as a real process on a fresh SQLite database (``--redis``: with the
Redis stream as well), opens the connections with asyncio + httpx, leaves them idle for a
while, then posts events through the API as a dispatcher and times each one's arrival on every
connection. Consoles (the default audience) see every GPS fix posted; ``--audience
technicians`` opens each stream narrowed to one technician and times the plan versions that
``POST /plan/replan`` publishes (each technician receives his own route). It prints the
connect time, the server's CPU while the streams are idle, the delivery latency over every
(event, connection) and until the last connection has each event (p50, p99), what never
arrived, and the load average, which says how busy the machine was.
``--server-root`` serves another checkout's code (e.g. a baseline) with the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import redis

from benchmarks import UNLIMITED_RATES

ROOT = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
USER, PASSWORD = "bench", "bench-password"
API = "/api/v1"


@dataclass
class Record:
    """What the client saw: when each event was posted, and when each connection got it."""

    posted: dict[float, float] = field(default_factory=dict)  # event key -> perf_counter
    answered: list[float] = field(default_factory=list)  # how long each POST took
    arrived: list[list[tuple[float, float]]] = field(default_factory=list)  # per connection
    opened: int = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.stream_fanout", description=__doc__)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="events posted a second")
    parser.add_argument("--technicians", type=int, default=20)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds left idle")
    parser.add_argument("--audience", choices=("console", "technicians"), default="console")
    parser.add_argument("--redis", action="store_true", help="serve with DISPATCH_REDIS_URL")
    parser.add_argument("--server-root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with _server(args) as (base, pid):
        auth = _login(base)
        techs = _technicians(base, auth, args.technicians)
        record, figures = asyncio.run(_measure(base, auth, techs, pid, args))
    _report(args, record, figures, load_before, os.getloadavg())
    return 0


@contextmanager
def _server(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    """`dispatch serve` on a free port and a fresh database; yields its URL and pid."""
    with tempfile.TemporaryDirectory() as tmp:
        stream = f"bench:{uuid.uuid4().hex[:8]}"
        env = {**os.environ, **UNLIMITED_RATES, "PYTHONPATH": str(args.server_root),
               "DISPATCH_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "DISPATCH_SOLVE_BUDGET_MS": "200"}
        if args.redis:
            env |= {"DISPATCH_REDIS_URL": REDIS, "DISPATCH_REDIS_STREAM": stream}
        subprocess.run([sys.executable, "-m", "api.cli", "users", "add", USER, "--role",
                        "dispatcher", "--password", PASSWORD], env=env, cwd=args.server_root,
                       capture_output=True, check=True)
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
                                env=env, cwd=args.server_root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base)
            yield base, proc.pid
        finally:
            _stop(proc)
            if args.redis:
                redis.Redis.from_url(REDIS).delete(stream)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str) -> None:
    for _ in range(300):
        try:
            httpx.get(base + "/healthz", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _login(base: str) -> dict[str, str]:
    answer = httpx.post(base + API + "/auth/login", timeout=30,
                        json={"username": USER, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _technicians(base: str, auth: dict[str, str], count: int) -> list[int]:
    """On-call technicians around one compound (their GPS fixes are the events posted)."""
    with httpx.Client(base_url=base + API, headers=auth, timeout=30) as http:
        return [http.post("/technicians", json={
            "name": f"T{i}", "skills": ["general"], "shift": {"start": "00:00", "end": "00:00"},
            "home": {"lat": 31.22 + i * 1e-3, "lon": 121.53}}).raise_for_status().json()["id"]
            for i in range(count)]


async def _measure(base: str, auth: dict[str, str], techs: list[int], pid: int,
                   args: argparse.Namespace) -> tuple[Record, dict[str, float]]:
    """Open the streams, leave them idle, post the events, wait for them to arrive."""
    record = Record(arrived=[[] for _ in range(args.connections)])
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(60, read=None)
    async with httpx.AsyncClient(base_url=base + API, headers=auth, limits=limits,
                                 timeout=timeout) as client:
        began = time.perf_counter()
        readers = [asyncio.create_task(_read(client, record, i, _params(args, techs, i)))
                   for i in range(args.connections)]
        while record.opened < args.connections:
            await asyncio.sleep(0.05)
        figures = {"connect_s": time.perf_counter() - began}
        figures["idle_cpu_pct"] = await _cpu_while(pid, args.idle)
        await _post(client, record, techs, args)
        await _settle(record, args.connections * args.events, timeout_s=15)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return record, figures


def _params(args: argparse.Namespace, techs: list[int], i: int) -> dict[str, int]:
    return {"technician_id": techs[i % len(techs)]} if args.audience == "technicians" else {}


async def _read(client: httpx.AsyncClient, record: Record, i: int,
                params: dict[str, int]) -> None:
    """One connection: note when each awaited event arrives (a GPS fix's latitude, or a plan
    version, is its key)."""
    async with client.stream("GET", "/stream", params=params) as response:
        response.raise_for_status()
        lines = response.aiter_lines()
        await anext(lines)
        record.opened += 1
        async for line in lines:
            if line.startswith("data: "):
                now, event = time.perf_counter(), json.loads(line[6:])
                key = _key(event)
                if key is not None:
                    record.arrived[i].append((key, now))


def _key(event: dict) -> float | None:
    if event["type"] == "technician.position":
        return event["payload"]["lat"]
    if event["type"] == "plan.updated":
        return float(event["payload"]["version"])
    return None


async def _post(client: httpx.AsyncClient, record: Record, techs: list[int],
                args: argparse.Namespace) -> None:
    """The events, at `--rate` a second: GPS fixes, or re-plans for technicians' streams."""
    for n in range(args.events):
        started = time.perf_counter()
        if args.audience == "technicians":
            answer = await client.post("/plan/replan", json={})
            record.posted[float(answer.raise_for_status().json()["version"])] = started
        else:
            lat = 31.3 + n * 1e-4
            record.posted[lat] = started
            (await client.post(f"/technicians/{techs[n % len(techs)]}/position",
                               json={"lat": lat, "lon": 121.5})).raise_for_status()
        record.answered.append(time.perf_counter() - started)
        await asyncio.sleep(max(0.0, started + 1 / args.rate - time.perf_counter()))


async def _settle(record: Record, expected: int, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while _delivered(record) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)


def _delivered(record: Record) -> int:
    return sum(1 for got in record.arrived for key, _ in got if key in record.posted)


async def _cpu_while(pid: int, seconds: float) -> float:
    """The server's CPU use (% of one core) over `seconds` of waiting."""
    before, began = _cpu_s(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    return 100 * (_cpu_s(pid) - before) / (time.perf_counter() - began)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(args: argparse.Namespace, record: Record, figures: dict[str, float],
            load_before: tuple[float, ...], load_after: tuple[float, ...]) -> None:
    latencies, last = _latencies(record)
    expected = args.connections * len(record.posted)
    backend = "SQLite + Redis stream" if args.redis else "SQLite (embedded)"
    print(f"stream fan-out: {args.connections} connections ({args.audience}), {backend}, "
          f"{len(record.posted)} events at {args.rate:g}/s")
    print(f"  connect (all open)       {figures['connect_s']:.2f} s")
    print(f"  server CPU while idle    {figures['idle_cpu_pct']:.1f} % of a core "
          f"over {args.idle:g} s")
    print(f"  deliveries               {len(latencies)} of {expected} "
          f"({expected - len(latencies)} missing)")
    for name, values in (("POST answered", record.answered),
                         ("POST to each connection", latencies),
                         ("POST to the last one", last)):
        if values:
            p50, p99, top = np.percentile(values, [50, 99, 100]) * 1000
            print(f"  {name:<24} p50 {p50:.0f} ms  p99 {p99:.0f} ms  max {top:.0f} ms")
    print(f"  load average (1/5/15 min) before {_load(load_before)}, after {_load(load_after)}"
          f" on {os.cpu_count()} CPUs")


def _latencies(record: Record) -> tuple[list[float], list[float]]:
    """Every (event, connection) delay, and per event the delay of its last connection."""
    per_event: dict[float, list[float]] = {}
    for got in record.arrived:
        for key, at in got:
            if key in record.posted:
                per_event.setdefault(key, []).append(at - record.posted[key])
    flat = [d for delays in per_event.values() for d in delays]
    return flat, [max(delays) for delays in per_event.values()]


def _load(load: tuple[float, ...]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    sys.exit(main())
