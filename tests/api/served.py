"""A real `dispatch serve` process on the embedded default (SQLite in a temporary directory),
with an admin and a technician account: what Schemathesis and the login flood run against."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DISPATCH = Path(sys.executable).with_name("dispatch")
PASSWORD = "fuzz-password-1"
TECHNICIAN = {"name": "Fuzz Tech", "skills": ["plumber", "electrician", "general"],
              "shift": {"start": "00:00:00", "end": "23:59:00"},
              "home": {"lat": 31.2, "lon": 121.5}}


@dataclass(frozen=True)
class Served:
    """The server's base URL and the bearer tokens of its two accounts."""

    url: str
    admin_token: str
    technician_token: str
    technician_id: int


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env.update(DISPATCH_DATABASE_URL=f"sqlite:///{workdir / 'dispatch.db'}",
               DISPATCH_PHOTO_DIR=str(workdir / "photos"), **extra)
    return env


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dispatch serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("dispatch serve did not answer /healthz")


def _login(url: str, username: str) -> str:
    answer = httpx.post(f"{url}/api/v1/auth/login",
                        json={"username": username, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def _accounts(url: str) -> tuple[str, str, int]:
    admin = _login(url, "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    tech = httpx.post(f"{url}/api/v1/technicians", json=TECHNICIAN, headers=headers, timeout=30)
    tech.raise_for_status()
    tech_id = tech.json()["id"]
    user = httpx.post(f"{url}/api/v1/users", headers=headers, timeout=30,
                      json={"username": "fuzztech", "password": PASSWORD,
                            "role": "technician", "technician_id": tech_id})
    user.raise_for_status()
    return admin, _login(url, "fuzztech"), tech_id


@contextmanager
def served(workdir: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Start `dispatch serve` on a free port over a fresh database; stop it on exit."""
    environment = _env(workdir, env or {})
    subprocess.run([str(DISPATCH), "users", "add", "admin", "--role", "admin",
                    "--password", PASSWORD], env=environment, check=True, cwd=workdir,
                   capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen([str(DISPATCH), "serve", "--port", str(port)], env=environment,
                               cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(url, process)
        admin, technician, tech_id = _accounts(url)
        yield Served(url, admin, technician, tech_id)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
