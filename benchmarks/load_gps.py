"""GPS fixes from concurrent clients against a real `dispatch serve` process.

Run ``python -m benchmarks.load_gps [--backend embedded|redis|both] [--techs 100 1000]
[--clients 32] [--seconds 10] [--rate 1500] [--baseline REV]``. For each backend (embedded:
SQLite, one process; redis: PostgreSQL + Redis + one `dispatch worker`) and each fleet size it
starts the server, adds the technicians (on call), sends each his first fix, then measures with
`--clients` concurrent asyncio clients, each on a keep-alive connection, spread over `--procs`
processes (`--client raw`, the default, or `httpx`: see `gps_clients`): GET /healthz (the
serving stack's own ceiling, a baseline measured in the same run), then
POST /technicians/{id}/position as fast as answered, and with `--rate` paced at that many fixes
a second (the latency at a given load rather than at saturation). `--baseline REV` also runs
the GPS phase against the code of git revision REV (a temporary worktree): before and after on
the same machine, in the same run. `--replanning OPEN` adds a phase with OPEN open tickets
and two new ones a second, so that re-plans run back to back while the fixes come. After the
server stops it counts the stored fixes against
those accepted (nothing may be lost at shutdown). It prints fixes/s, p50, p99, the server
process's CPU per request (less sensitive than rates to other work on the machine) and the
load average.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from benchmarks import UNLIMITED_RATES
from benchmarks.gps_clients import HOME, Job, drive

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("DISPATCH_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
USER, PASSWORD = "bench", "bench-password"


@dataclass(frozen=True)
class Phase:
    """One measured phase: what was sent and how it went."""

    backend: str
    techs: int
    what: str
    sent: int
    errors: int
    seconds: float
    ms: np.ndarray
    cpu_s: float  # the server process's CPU time (user + system) during the phase

    def line(self) -> str:
        rate = (self.sent - self.errors) / self.seconds
        per = self.cpu_s / max(1, self.sent) * 1e6
        return (f"{self.backend:<9} {self.techs:>5}  {self.what:<28} {rate:>8.0f}/s "
                f"{np.percentile(self.ms, 50):>7.1f} {np.percentile(self.ms, 99):>8.1f} "
                f"{self.ms.max():>8.1f} {self.errors:>7} {per:>8.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.load_gps", description=__doc__)
    parser.add_argument("--backend", choices=("embedded", "redis", "both"), default="both")
    parser.add_argument("--techs", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: lean HTTP/1.1 loops (the server is measured); httpx: "
                             "~1.7 ms of client CPU a request, the clients saturate first")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--baseline", metavar="REV", help="also measure git revision REV")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="also a GPS phase paced at this many fixes/s in all (latency at "
                             "a given load rather than at saturation); 0: none")
    parser.add_argument("--replanning", type=int, default=0, metavar="OPEN",
                        help="also a GPS phase while re-plans run back to back: OPEN open "
                             "tickets, then two new ones a second during the phase (paced at "
                             "--rate when given); 0: none")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"GPS load: {args.clients} concurrent {args.client} clients in {args.procs} processes, "
          f"{args.seconds:g} s a phase; load average {_load()} (1, 5, 15 min); "
          f"{os.cpu_count()} CPUs")
    print(f"{'backend':<9} {'techs':>5}  {'what':<28} {'rate':>10} {'p50 ms':>7} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>7} {'server CPU µs/req':>8}")
    backends = ("embedded", "redis") if args.backend == "both" else (args.backend,)
    for backend in backends:
        for techs in args.techs:
            _measure(backend, techs, args, ROOT, "")
            if args.baseline:
                with _checkout(args.baseline) as root:
                    _measure(backend, techs, args, root, f" ({args.baseline})")
    print(f"load average after: {_load()}")
    return 0


def _measure(backend: str, techs: int, args: argparse.Namespace, root: Path,
             label: str) -> None:
    """Start a server of `root`'s code, set up `techs` technicians, run the phases, report."""
    try:
        with _environment(backend) as (env, count_fixes):
            with _server(env, root) as (base, proc):
                token = _token(base)
                ids = asyncio.run(_setup(base, token, techs))
                if not label:
                    print(f"  server {proc.pid}: {_stack(proc.pid)}")
                    print(Phase(backend, techs, "GET /healthz", *_run(
                        base, token, ids, args, "health", proc.pid)).line())
                phase = _drained(Phase(backend, techs, "POST position" + label, *_run(
                    base, token, ids, args, "gps", proc.pid)), count_fixes, len(ids), proc.pid)
                print(phase.line())
                if args.rate:
                    paced = _drained(Phase(
                        backend, techs, f"POST position @{args.rate:g}/s" + label,
                        *_run(base, token, ids, args, "gps", proc.pid, args.rate)),
                        count_fixes, phase.sent - phase.errors + len(ids), proc.pid)
                    print(paced.line())
                    phase = _sum(phase, paced)
                if args.replanning:
                    busy, plans = _while_replanning(base, token, ids, args, proc.pid,
                                                    env["DISPATCH_DATABASE_URL"])
                    print(busy.line() + f"  ({plans} full re-plans stored in "
                                        f"{args.seconds:g} s)")
                    phase = _sum(phase, busy)
            stored = count_fixes()
            accepted = phase.sent - phase.errors + len(ids)  # and the first fix of each
            print(f"  stored after shutdown: {stored} of {accepted} accepted fixes "
                  f"({accepted - stored} lost)")
    except (OSError, RuntimeError, httpx.HTTPError) as exc:
        print(f"{backend:<9} {techs:>5}  unavailable: {exc}")


@contextmanager
def _environment(backend: str) -> Iterator[tuple[dict[str, str], object]]:
    """The server's environment for a fresh database, and how to count its stored fixes."""
    if backend == "embedded":
        with tempfile.TemporaryDirectory(prefix="gps-load-") as tmp:
            url = f"sqlite:///{tmp}/dispatch.db"
            yield {"DISPATCH_DATABASE_URL": url}, lambda: _count(url)
        return
    schema, stream = f"gps_{uuid.uuid4().hex[:8]}", f"gpsload:{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    try:
        yield ({"DISPATCH_DATABASE_URL": url, "DISPATCH_REDIS_URL": REDIS,
                "DISPATCH_REDIS_STREAM": stream, "WORKERS": "1"}, lambda: _count(url))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        import redis  # only this backend needs it

        client = redis.Redis.from_url(REDIS)
        client.delete(stream, *client.scan_iter(f"{stream}:*", count=1000))


def _count(url: str) -> int:
    db = create_engine(url)
    with db.connect() as conn:
        found = conn.scalar(text("SELECT count(*) FROM events "
                                 "WHERE type = 'technician.position'"))
    db.dispose()
    return int(found or 0)


@contextmanager
def _server(env: dict[str, str], root: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`dispatch serve` (and the workers a Redis setup needs) of `root`'s code."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    full = {**os.environ, **UNLIMITED_RATES, **env, "PYTHONPATH": str(root),
            "DISPATCH_SOLVE_BUDGET_MS": "500"}
    subprocess.run([sys.executable, "-m", "api.cli", "users", "add", USER, "--role",
                    "dispatcher", "--password", PASSWORD], env=full, cwd=root,
                   capture_output=True, check=False)
    procs = [_spawn(["serve", "--port", str(port)], full, root)]
    procs += [_spawn(["worker"], full, root) for _ in range(int(env.get("WORKERS", 0)))]
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, procs[0])
        yield base, procs[0]
    finally:
        for proc in procs:  # SIGTERM: a graceful stop, which writes the buffered fixes
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _spawn(args: list[str], env: dict[str, str], root: Path) -> subprocess.Popen:
    """A `dispatch` process; its log goes to `$DISPATCH_BENCH_LOG` if set (else nowhere)."""
    log = os.environ.get("DISPATCH_BENCH_LOG")
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen([sys.executable, "-m", "api.cli", *args], env=env, cwd=root,
                            stdout=out, stderr=out)


def _wait_up(base: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"dispatch serve exited with {proc.returncode}")
        try:
            httpx.get(base + "/healthz", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("dispatch serve did not come up")


def _stack(pid: int) -> str:
    """Whether the server runs on uvloop and httptools (their libraries are mapped)."""
    maps = Path(f"/proc/{pid}/maps").read_text() if Path(f"/proc/{pid}/maps").exists() else ""
    return ", ".join(f"{lib} {'yes' if lib in maps else 'no'}" for lib in ("uvloop", "httptools"))


def _token(base: str) -> str:
    answer = httpx.post(base + "/api/v1/auth/login", timeout=30,
                        json={"username": USER, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["access_token"]


async def _setup(base: str, token: str, techs: int) -> list[int]:
    """`techs` technicians on call (any hour), each with a first fix at home."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"skills": ["general"], "shift": {"start": "00:00", "end": "00:00"},
            "home": {"lat": HOME[0], "lon": HOME[1]}}
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base + "/api/v1", headers=headers,
                                 timeout=60) as http:
        async def add(n: int) -> int:
            async with gate:
                made = await http.post("/technicians", json={**body, "name": f"T{n}"})
                made.raise_for_status()
                tech_id = made.json()["id"]
                fix = await http.post(f"/technicians/{tech_id}/position",
                                      json={"lat": HOME[0], "lon": HOME[1]})
                fix.raise_for_status()
                return tech_id
        ids = await asyncio.gather(*(add(n) for n in range(techs)))
        await _settled(http)
    return list(ids)


async def _settled(http: httpx.AsyncClient, quiet_s: float = 3.0) -> None:
    """Wait until the re-plans the set-up asked for are done: no new plan for `quiet_s`."""
    version, since = None, time.monotonic()
    while time.monotonic() - since < quiet_s:
        await asyncio.sleep(0.5)
        now = (await http.get("/plan")).json().get("version")
        if now != version:
            version, since = now, time.monotonic()


def _while_replanning(base: str, token: str, ids: list[int], args: argparse.Namespace,
                      pid: int, db_url: str) -> tuple[Phase, int]:
    """The GPS phase again, while a thread posts two tickets a second onto `--replanning`
    open ones (each one placed at once and re-planned): the phase, and how many full
    re-plans were stored during it."""
    headers = {"Authorization": f"Bearer {token}"}
    http = httpx.Client(base_url=base + "/api/v1", headers=headers, timeout=60)
    rng = random.Random(args.seed)

    def ticket() -> dict[str, object]:
        return {"urgency": rng.choice(("routine", "routine", "emergency")),
                "category": "general", "description": "load",
                "lat": HOME[0] + rng.uniform(-0.03, 0.03),
                "lon": HOME[1] + rng.uniform(-0.03, 0.03)}
    for _ in range(args.replanning):
        http.post("/tickets", json=ticket()).raise_for_status()
    asyncio.run(_settled_sync(base, headers))
    db = create_engine(db_url)
    with db.connect() as conn:
        before = conn.scalar(text("SELECT coalesce(max(version), 0) FROM plans"))
    stop = threading.Event()

    def post() -> None:
        while not stop.wait(0.5):
            http.post("/tickets", json=ticket())
    poster = threading.Thread(target=post, daemon=True)
    poster.start()
    try:
        what = "POST position, re-planning" + (f" @{args.rate:g}/s" if args.rate else "")
        phase = Phase("", len(ids), what, *_run(base, token, ids, args, "gps", pid, args.rate))
    finally:
        stop.set()
        poster.join(10)
    with db.connect() as conn:
        plans = conn.scalar(text("SELECT count(*) FROM plans WHERE version > :v AND "
                                 "trigger NOT LIKE 'provisional%'"), {"v": before})
    db.dispose()
    http.close()
    backend = "redis" if "postgresql" in db_url else "embedded"
    return dataclasses.replace(phase, backend=backend), int(plans or 0)


async def _settled_sync(base: str, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base + "/api/v1", headers=headers,
                                 timeout=60) as http:
        await _settled(http)


def _drained(phase: Phase, count_fixes: Callable[[], int], before: int, pid: int,
             limit_s: float = 60.0) -> Phase:
    """`phase` once the server has written every fix it accepted (the next phase starts
    without the last one's backlog), with the CPU of that writing counted in the phase."""
    accepted = before + phase.sent - phase.errors
    cpu, start = _cpu_s(pid), time.monotonic()
    while count_fixes() < accepted and time.monotonic() - start < limit_s:
        time.sleep(0.1)
    waited = time.monotonic() - start
    if waited > 0.5:
        print(f"  (the server wrote the phase's last fixes {waited:.1f} s after it)")
    return replace(phase, cpu_s=phase.cpu_s + _cpu_s(pid) - cpu)


def _sum(a: Phase, b: Phase) -> Phase:
    """Two phases' requests together (for counting what was accepted)."""
    return Phase(a.backend, a.techs, a.what, a.sent + b.sent, a.errors + b.errors,
                 a.seconds + b.seconds, np.concatenate([a.ms, b.ms]), a.cpu_s + b.cpu_s)


def _run(base: str, token: str, ids: list[int], args: argparse.Namespace, kind: str,
         pid: int, rate: float = 0.0) -> tuple[int, int, float, np.ndarray, float]:
    """One phase over `--procs` client processes, flat out or paced at `rate` requests/s in
    all: (sent, errors, seconds, latencies ms, server CPU seconds)."""
    start = time.time() + 1.0
    share = [args.clients // args.procs + (i < args.clients % args.procs)
             for i in range(args.procs)]
    interval = args.clients / rate if rate else 0.0
    jobs = [Job(base, token, ids, n, args.seconds, start, kind, args.client, args.seed + i,
                interval) for i, n in enumerate(share) if n]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        pending = pool.map_async(drive, jobs)
        time.sleep(max(0.0, start - time.time()))
        cpu = _cpu_s(pid)
        results = pending.get()
        cpu = _cpu_s(pid) - cpu
    ms = np.concatenate([np.array(r[1]) for r in results])
    return len(ms), sum(r[0] for r in results), args.seconds, ms, cpu


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _checkout(rev: str) -> Iterator[Path]:
    """A temporary worktree of revision `rev`, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="gps-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), rev], cwd=ROOT,
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT,
                       check=False)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
