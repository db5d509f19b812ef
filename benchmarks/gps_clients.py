"""The concurrent clients of `benchmarks.load_gps`: asyncio loops, each on a keep-alive connection.

Two kinds. `httpx` is what an application would use; it costs ~1.7 ms of client CPU a request
here, so on a 2-core machine its clients saturate before one server process does. `raw` writes
HTTP/1.1 requests itself and reads status, headers and body (~0.1 ms): the server is measured.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

HOME = (31.225, 121.535)
JITTER = 0.002  # degrees (~200 m) around his home: a few fixes move him far enough to re-plan


@dataclass(frozen=True)
class Job:
    """What one client process does: `clients` loops against `base` until `seconds` after
    `start` (wall clock, so that every process starts together)."""

    base: str
    token: str
    ids: list[int]
    clients: int
    seconds: float
    start: float
    kind: str  # "health" or "gps"
    client: str  # "raw" or "httpx"
    seed: int
    interval: float = 0.0  # seconds between one client's requests; 0: each as soon as answered


def drive(job: Job) -> tuple[int, list[float]]:
    """Run one client process's loops; (errors, latencies in ms)."""
    try:
        import uvloop  # the clients' own overhead is smaller on it

        return uvloop.run(_clients(job))
    except ImportError:
        return asyncio.run(_clients(job))


async def _clients(job: Job) -> tuple[int, list[float]]:
    rng = random.Random(job.seed)
    loop = _raw if job.client == "raw" else _httpx
    await asyncio.sleep(max(0.0, job.start - time.time()))
    end = time.perf_counter() + job.seconds
    found = await asyncio.gather(*(loop(job, end, rng) for _ in range(job.clients)))
    return sum(e for e, _ in found), [ms for _, got in found for ms in got]


def _request(job: Job, rng: random.Random) -> tuple[str, str, bytes]:
    """The next request: (method, path, JSON body)."""
    if job.kind == "health":
        return "GET", "/healthz", b""
    fix = {"lat": HOME[0] + rng.uniform(-JITTER, JITTER),
           "lon": HOME[1] + rng.uniform(-JITTER, JITTER)}
    return "POST", f"/api/v1/technicians/{rng.choice(job.ids)}/position", json.dumps(
        fix).encode()


async def _slot(job: Job, due: float) -> tuple[float, float]:
    """Wait for the request due at `due` (paced) and return (its start, the next one's due).

    Paced, latency counts from when the request was due, so a server that falls behind is
    charged for the wait it caused (no coordinated omission)."""
    now = time.perf_counter()
    if not job.interval:
        return now, now
    if due - now > 0:
        await asyncio.sleep(due - now)
    return due, due + job.interval


def _on(slot: tuple[float, float], end: float) -> bool:
    """Whether the phase still runs: the request is due, and sent, before its end (a server
    that fell behind is not owed the backlog after the phase)."""
    return slot[0] < end and time.perf_counter() < end


async def _httpx(job: Job, end: float, rng: random.Random) -> tuple[int, list[float]]:
    errors, got = 0, []
    headers = {"Authorization": f"Bearer {job.token}", "Content-Type": "application/json"}
    due = time.perf_counter() + rng.uniform(0, job.interval)
    async with httpx.AsyncClient(base_url=job.base, timeout=30, headers=headers) as http:
        while _on(slot := await _slot(job, due), end):
            began, due = slot
            method, path, body = _request(job, rng)
            answer = await http.request(method, path, content=body or None)
            got.append((time.perf_counter() - began) * 1000)
            errors += answer.status_code >= 300
    return errors, got


async def _raw(job: Job, end: float, rng: random.Random) -> tuple[int, list[float]]:
    errors, got = 0, []
    url = urlsplit(job.base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    head = (f"Host: {url.netloc}\r\nAuthorization: Bearer {job.token}\r\n"
            "Content-Type: application/json\r\n")
    due = time.perf_counter() + rng.uniform(0, job.interval)
    try:
        while _on(slot := await _slot(job, due), end):
            began, due = slot
            method, path, body = _request(job, rng)
            writer.write(f"{method} {path} HTTP/1.1\r\n{head}Content-Length: {len(body)}"
                         f"\r\n\r\n".encode() + body)
            status = await _answer(reader)
            got.append((time.perf_counter() - began) * 1000)
            errors += status >= 300
    finally:
        writer.close()
    return errors, got


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response (status line, headers, Content-Length body); its status."""
    lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in lines[1:]
                   if line.lower().startswith(b"content-length:")), 0)
    if length:
        await reader.readexactly(length)
    return int(lines[0].split()[1])
