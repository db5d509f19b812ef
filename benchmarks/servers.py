"""The real processes a live-path benchmark measures: `dispatch serve` with its planner
(embedded, SQLite) or with `dispatch worker`s (PostgreSQL + Redis), each on a fresh database,
and a signed-in client of its API. Split from `placement` so that module holds only what it
measures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from sqlalchemy import create_engine, text

from benchmarks import UNLIMITED_RATES

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("DISPATCH_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def load_average() -> str:
    """The machine's load average, to print beside a figure."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(stack: ExitStack, backend: str, workers: int,
           logs: Path | None = None) -> tuple[str, str]:
    """Start the processes of `backend` on a fresh database; the API's base URL and the
    database's."""
    env = {**os.environ, **UNLIMITED_RATES, "PYTHONPATH": str(ROOT),
           "DISPATCH_SOLVE_BUDGET_MS": "1000"}
    env.pop("DISPATCH_REDIS_URL", None)
    if backend == "embedded":  # with `--log`, the database stays beside the logs
        folder = (logs if logs is not None else
                  Path(stack.enter_context(TemporaryDirectory(prefix="placement-"))))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "d.db").unlink(missing_ok=True)
        env["DISPATCH_DATABASE_URL"] = f"sqlite:///{folder}/d.db"
    else:
        schema = f"place_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        stack.callback(_drop, admin, schema)
        env.update(DISPATCH_DATABASE_URL=f"{PG}?options=-csearch_path%3D{schema}",
                   DISPATCH_REDIS_URL=REDIS,
                   DISPATCH_REDIS_STREAM=f"place:{uuid.uuid4().hex[:8]}")
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "users", "add", "bench", "--role", "admin", "--password",
                    "bench-password"], env=env, check=True, cwd=ROOT, capture_output=True)
    port = _port()

    def out(name: str) -> dict[str, object]:
        if logs is None:
            return {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        logs.mkdir(parents=True, exist_ok=True)
        sink = stack.enter_context(open(logs / f"{backend}-{name}.log", "w"))  # noqa: SIM115 (closed by the stack)
        return {"stdout": sink, "stderr": subprocess.STDOUT}
    procs = [subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              **out("serve"))]  # type: ignore[call-overload]
    if backend == "redis":
        procs += [subprocess.Popen([*cli, "worker"], env=env, cwd=ROOT,  # type: ignore[call-overload]
                                   **out(f"worker{k}")) for k in range(workers)]
    stack.callback(_stop, procs)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, env["DISPATCH_DATABASE_URL"]
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("dispatch serve did not start")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def _drop(admin: object, schema: str) -> None:
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def client_of(base: str) -> httpx.Client:
    """A client of the API signed in as the benchmark's admin."""
    token = httpx.post(f"{base}/api/v1/auth/login", json={
        "username": "bench", "password": "bench-password"}).json()["access_token"]
    return httpx.Client(base_url=f"{base}/api/v1", timeout=60,
                        headers={"Authorization": f"Bearer {token}"})
