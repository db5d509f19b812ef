"""How soon a new ticket shows a technician: `dispatch serve` with its planner process
(embedded, SQLite) or with `dispatch worker`s (PostgreSQL + Redis), on a district-sized day.

Run ``python -m benchmarks.placement [--backend embedded|redis|both] [--techs 40]
[--open 600] [--tickets 30] [--rate 2]``. It starts the real processes, adds `--techs`
technicians and `--open` open tickets through the API, waits for the plan to settle, then
posts `--tickets` more at `--rate` a second and prints, per backend: the POST's latency, the
time until `GET /tickets/{id}` shows a technician or the reason it has none (its quick
insertion: an overloaded district leaves routine work unassigned), and the time until a
full re-plan (a plan version not made by quick insertion) includes it; p50 and p99 of each,
with the load average of the machine beside them. Figures are measured, never assumed; the
targets of issue 16 are POST p99 <= 50 ms, placed p99 <= 150 ms, full re-plan p99 <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from benchmarks.gps_clients import Job, drive
from benchmarks.servers import client_of, load_average, start

CENTRE = (31.2200, 121.5300)
ALL_DAY = {"start": "00:00", "end": "23:59"}
SKILLS = (["plumber", "general"], ["electrician", "general"], ["general", "hvac"])
CATEGORIES = ("water", "electric", "general")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.placement", description=__doc__)
    parser.add_argument("--backend", choices=("embedded", "redis", "both"), default="both")
    parser.add_argument("--techs", type=int, default=40)
    parser.add_argument("--open", type=int, default=600)
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--storm", type=int, default=0,
                        help="instead: post this many tickets in 10 s from 16 threads, then "
                             "time until each is placed or unassigned with a reason")
    parser.add_argument("--gps", type=float, default=0.0, metavar="RATE",
                        help="with --storm: GPS fixes at RATE a second in all meanwhile")
    parser.add_argument("--log", type=Path, default=None,
                        help="keep the processes' logs in this folder")
    args = parser.parse_args(argv)
    if args.storm:
        return _storms(args)
    backends = ("embedded", "redis") if args.backend == "both" else (args.backend,)
    heads = ("POST p50", "POST p99", "placed p50", "placed p99", "full p50", "full p99")
    print(f"{'backend':9}" + "".join(f"{h:>11}" for h in heads) + "  load")
    for backend in backends:
        with ExitStack() as stack:
            base, db_url = start(stack, backend, args.workers, args.log)
            figures = _measure(base, db_url, args)
        print(f"{backend:9}" + "".join(f"{v:>11.0f}" for v in figures) + f"  {load_average()}")
    print("(milliseconds; 'placed' = until GET /tickets/{id} shows a technician or why none; "
          "'full' = until"
          " a full re-plan includes it)")
    return 0


def _storms(args: argparse.Namespace) -> int:
    backends = ("embedded", "redis") if args.backend == "both" else (args.backend,)
    for backend in backends:
        with ExitStack() as stack:
            base, _ = start(stack, backend, args.workers, args.log)
            print(f"{backend}: {_storm(base, args)}  {load_average()}")
    return 0


def _storm(base: str, args: argparse.Namespace) -> str:
    """Post `args.storm` tickets over 10 s; how many were refused, stored, and how long after
    the last one until every ticket was on a route or unassigned with a reason."""
    rng = random.Random(args.seed)
    client = client_of(base)
    team = _team(client, rng, args.techs)
    _settle(client)
    gps = _gps(base, client, team, args.gps, seconds=20.0) if args.gps else None
    bodies = [_ticket(rng) for _ in range(args.storm)]
    codes: list[int] = []
    ids: list[int] = []
    began = time.perf_counter()
    # One client with 16 keep-alive connections, as 16 front desks' browsers would hold: a
    # fresh httpx client per ticket cost this (same-machine) client 80 % of a core.
    desks = httpx.Client(base_url=client.base_url, headers=client.headers, timeout=60,
                         limits=httpx.Limits(max_connections=16))

    def post(k: int) -> None:
        time.sleep(max(0.0, began + 10.0 * k / len(bodies) - time.perf_counter()))
        answer = desks.post("tickets", json=bodies[k])
        codes.append(answer.status_code)
        if answer.status_code == 201:
            ids.append(answer.json()["id"])
    with desks, ThreadPoolExecutor(16) as pool:
        list(pool.map(post, range(len(bodies))))
    last = time.perf_counter()
    settled = None
    while time.perf_counter() - last < 60:
        plan = client.get("/plan").json()
        placed = {s["ticket_id"] for r in plan["routes"] for s in r["stops"]}
        reasons = {u["ticket_id"]: u["reason"] for u in plan["unassigned"]}
        if set(ids) <= placed | set(reasons) and all(reasons.values()):
            settled = time.perf_counter() - last
            break
        time.sleep(0.25)
    every = client.get("/tickets").json()
    stored = len({t["id"] for t in every})
    urgent = {t["id"] for t in every if t["urgency"] == "emergency"}
    plan = client.get("/plan").json()
    left = {u["ticket_id"]: u["reason"] for u in plan["unassigned"]}
    why = sorted({r for i, r in left.items()})
    doubt = _displaceable(client, every, plan, set(left) & urgent)
    fixes = ""
    if gps is not None:
        errors, ms = gps.get()
        fixes = (f"; GPS meanwhile {len(ms) / 20:.0f}/s p50 {np.percentile(ms, 50):.0f} ms "
                 f"p99 {np.percentile(ms, 99):.0f} ms, {errors} errors")
    return (f"{len(codes)} posted, {sum(c >= 500 for c in codes)} 5xx, "
            f"{sum(400 <= c < 500 for c in codes)} 4xx, {stored} stored ({len(set(ids))} ids), "
            f"settled {'never' if settled is None else f'{settled:.1f} s'} after the last, "
            f"unassigned {len(left)} ({len(set(left) & urgent)} emergencies, {doubt} of them "
            f"while a qualified technician had routine work planned) {why[:3]}{fixes}")


def _displaceable(client: httpx.Client, tickets: list[dict], plan: dict, left: set[int]) -> int:
    """How many of the emergencies `left` out of `plan` have a technician with their skill
    whose route holds routine work not yet started, which they could have displaced: the
    storm's target is that no emergency is unassigned while a qualified technician has the
    time for it (0 here is necessary for that, a route's end aside)."""
    by_id = {t["id"]: t for t in tickets}
    skills = {t["id"]: set(t["skills"]) for t in client.get("/technicians").json()}
    routine = {r["technician_id"] for r in plan["routes"] for stop in r["stops"]
               if not stop["in_progress"] and by_id[stop["ticket_id"]]["urgency"] != "emergency"}
    return sum(any(by_id[e]["skill"] in skills[tech] for tech in routine) for e in left)


class _Fixes:
    """GPS fixes sent by a client process in the background; `get` waits for its figures."""

    def __init__(self, pool: Any, pending: Any) -> None:
        self._pool, self._pending = pool, pending

    def get(self) -> tuple[int, np.ndarray]:
        errors, ms = self._pending.get()
        self._pool.close()
        return errors, np.array(ms or [float("nan")])


def _gps(base: str, client: httpx.Client, team: list[int], rate: float,
         seconds: float) -> _Fixes:
    """`rate` fixes a second in all for `seconds`, from 32 connections in one client process
    (benchmarks.gps_clients), starting now."""
    token = client.headers["Authorization"].split()[1]
    job = Job(base, token, team, 32, seconds, time.time() + 0.5, "gps", "raw", 1, 32 / rate)
    pool = multiprocessing.get_context("spawn").Pool(1)
    fixes = _Fixes(pool, pool.apply_async(drive, (job,)))
    time.sleep(0.5)
    return fixes


def _team(client: httpx.Client, rng: random.Random, n: int) -> list[int]:
    """`n` technicians on shift all day, spread over the district, skills in turn; their ids."""
    ids = []
    for k in range(n):
        answer = client.post("/technicians", json={
            "name": f"T{k}", "skills": SKILLS[k % len(SKILLS)], "shift": ALL_DAY,
            "home": {"lat": CENTRE[0] + rng.uniform(-0.03, 0.03),
                     "lon": CENTRE[1] + rng.uniform(-0.03, 0.03)}})
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    return ids


def _ticket(rng: random.Random) -> dict[str, object]:
    return {"urgency": rng.choice(("routine", "routine", "routine", "emergency")),
            "category": rng.choice(CATEGORIES), "description": "bench",
            "lat": CENTRE[0] + rng.uniform(-0.03, 0.03),
            "lon": CENTRE[1] + rng.uniform(-0.03, 0.03)}


def _measure(base: str, db_url: str, args: argparse.Namespace) -> list[float]:
    """[POST p50, p99, placed p50, p99, full p50, p99] in milliseconds."""
    rng = random.Random(args.seed)
    client = client_of(base)
    _team(client, rng, args.techs)
    for _ in range(args.open):
        client.post("/tickets", json=_ticket(rng)).raise_for_status()
    _settle(client)
    versions = _Versions(db_url)
    posts, placed, refused, urgent = [], [], [], []
    sent_at: dict[int, float] = {}
    threads = []
    try:
        for _ in range(args.tickets):
            sent = time.perf_counter()
            body = _ticket(rng)
            answer = client.post("/tickets", json=body)
            posts.append(time.perf_counter() - sent)
            urgent += [answer.json()["id"]] if body["urgency"] == "emergency" else []
            sent_at[answer.json()["id"]] = sent
            thread = threading.Thread(target=_watch, args=(client, answer.json()["id"], sent,
                                                           placed, refused))
            thread.start()
            threads.append(thread)
            time.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - sent)))
        for thread in threads:
            thread.join(60)
        if refused:
            sos = sum(i in urgent for i, _ in refused)
            print(f"  {len(refused)} of {args.tickets} new tickets unassigned at first "
                  f"({sos} of {len(urgent)} emergencies), e.g. {refused[0][1]!r}")
        full = [seen - sent_at[i] for i, seen in versions.wait_for(set(sent_at), 30).items()]
    finally:
        versions.stop()
    out = []
    for values in (posts, placed, full):
        ms = np.array(values or [float("nan")]) * 1000
        out += [float(np.percentile(ms, 50)), float(np.percentile(ms, 99))]
    return out


class _Versions:
    """Watches the plans table (every 20 ms, straight from the database, so the API is not
    loaded by it) and notes when each ticket first shows in a full re-plan (a version not
    made by quick insertion), on a route or left out with its reason."""

    def __init__(self, db_url: str) -> None:
        self._db = create_engine(db_url)
        with self._db.connect() as conn:
            self._last = conn.execute(text("SELECT max(version) FROM plans")).scalar() or 0
        self.first: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with self._db.connect() as conn:
                rows = conn.execute(text("SELECT version, trigger, routes, unassigned FROM plans"
                                         " WHERE version > :v ORDER BY version"),
                                    {"v": self._last}).all()
            seen = time.perf_counter()
            for version, trigger, routes, unassigned in rows:
                self._last = version
                if trigger.startswith("provisional"):
                    continue
                routes = routes if isinstance(routes, list) else json.loads(routes)
                for route in routes:
                    for stop in route["stops"]:
                        self.first.setdefault(stop["ticket_id"], seen)
                # Left out with its reason is included too (as for "placed"): the full re-plan
                # decided on it. Counting routes only timed a ticket no route had room for
                # until some later search made room (6-10 s at 200 / 2,000).
                out = unassigned if isinstance(unassigned, list) else json.loads(unassigned)
                for entry in out:
                    self.first.setdefault(entry["ticket_id"], seen)

    def wait_for(self, ids: set[int], timeout_s: float) -> dict[int, float]:
        """When each of `ids` first showed in a full re-plan (those that did within the time)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not ids <= set(self.first):
            time.sleep(0.1)
        return {i: self.first[i] for i in ids if i in self.first}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._db.dispose()


def _settle(client: httpx.Client, quiet_s: float = 3.0, limit_s: float = 300.0) -> None:
    """Wait until a full re-plan (not a quick insertion) speaks of every open ticket and no
    new plan version has appeared for `quiet_s`: the set-up's backlog is planned."""
    last, since, began = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - began < limit_s:
        plan = client.get("/plan").json()
        if plan["version"] != last:
            last, since = plan["version"], time.monotonic()
        elif time.monotonic() - since >= quiet_s and not plan["trigger"].startswith(
                "provisional") and _all_planned(client, plan):
            return
        time.sleep(0.25)
    raise RuntimeError(f"the plan did not settle within {limit_s:g} s")


def _all_planned(client: httpx.Client, plan: dict[str, Any]) -> bool:
    spoken = {s["ticket_id"] for r in plan["routes"] for s in r["stops"]}
    spoken |= {u["ticket_id"] for u in plan["unassigned"]}
    return {t["id"] for t in client.get("/tickets").json()} <= spoken


def _watch(signed_in: httpx.Client, ticket_id: int, sent: float, placed: list[float],
           refused: list[tuple[int, str]]) -> None:
    """Poll the ticket until it shows a technician, or a reason it has none (an overloaded
    district leaves routine work unassigned; that answer counts as its place, `refused`)."""
    client = httpx.Client(base_url=signed_in.base_url, headers=signed_in.headers, timeout=60)
    deadline = sent + 30
    while time.perf_counter() < deadline:
        seen = client.get(f"/tickets/{ticket_id}").json()["assignment"]
        if seen["technician_id"] or seen["unassigned_reason"]:
            placed.append(time.perf_counter() - sent)
            if not seen["technician_id"]:
                refused.append((ticket_id, seen["unassigned_reason"]))
            if placed[-1] > 1.0:  # to find it in the servers' logs (`--log`)
                print(f"  ticket {ticket_id} placed {placed[-1]:.2f} s after its POST "
                      f"(seen at {time.strftime('%H:%M:%S')})", flush=True)
            return
        time.sleep(0.005)


if __name__ == "__main__":
    raise SystemExit(main())
