"""A login flood against a real `dispatch serve`: N concurrent wrong-password logins while
another client reads GET /api/v1/auth/me in a loop; prints the reader's latency percentiles
and the flood's answers (issue 18: the login path must not take the CPU from the others).

    python -m benchmarks.login_flood --logins 100
    python -m benchmarks.login_flood --logins 100 --no-address-limit   # 100 distinct clients
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.api.served import served


async def _reader(url: str, token: str, stop: asyncio.Event) -> list[tuple[float, float]]:
    took: list[tuple[float, float]] = []  # (when it started, how long it took)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        while not stop.is_set():
            start = time.perf_counter()
            answer = await client.get(f"{url}/api/v1/auth/me", timeout=30)
            took.append((start, time.perf_counter() - start))
            answer.raise_for_status()
            await asyncio.sleep(0.01)
    return took


def _percentiles(took: list[float]) -> str:
    """p50, p99 (nearest rank) and max in ms."""
    ranked = sorted(took)
    def rank(p: float) -> float:
        return ranked[min(len(ranked) - 1, max(0, math.ceil(p * len(ranked)) - 1))] * 1000
    return (f"{len(ranked)} requests, p50 {rank(0.5):.1f} ms, p99 {rank(0.99):.1f} ms, "
            f"max {ranked[-1] * 1000:.1f} ms")


async def _flood(url: str, logins: int) -> tuple[Counter[int], float]:
    limits = httpx.Limits(max_connections=logins)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        start = time.perf_counter()
        answers = await asyncio.gather(*(client.post(
            f"{url}/api/v1/auth/login", json={"username": f"user{i % 10}" if i % 2 else "admin",
                                              "password": "wrong-password"})
            for i in range(logins)))
        return Counter(a.status_code for a in answers), time.perf_counter() - start


async def _measure(url: str, token: str, logins: int) -> None:
    stop = asyncio.Event()
    reader = asyncio.create_task(_reader(url, token, stop))
    await asyncio.sleep(2.0)  # the reader's calm baseline
    began = time.perf_counter()
    statuses, seconds = await _flood(url, logins)
    stop.set()
    took = await reader
    print(f"{logins} concurrent wrong-password logins answered in {seconds:.2f} s: "
          f"{dict(sorted(statuses.items()))}")
    print("GET /auth/me before:", _percentiles([t for at, t in took if at + t < began]))
    print("GET /auth/me during:", _percentiles([t for at, t in took if at + t >= began]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=100)
    parser.add_argument("--no-address-limit", action="store_true",
                        help="lift the per-address and per-account limits (a distributed "
                             "flood): only the concurrent-checks gate is left")
    args = parser.parse_args()
    env = ({"DISPATCH_LOGIN_PER_ADDRESS_PER_MIN": "100000",
            "DISPATCH_LOGIN_FAILURES_PER_MIN": "10000", "DISPATCH_LOGIN_QUEUE": "10000"}
           if args.no_address_limit else {})
    with tempfile.TemporaryDirectory() as workdir, served(Path(workdir), env) as server:
        asyncio.run(_measure(server.url, server.admin_token, args.logins))


if __name__ == "__main__":
    main()
