"""The `dispatch` command as a user runs it: a real process, a real port, real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from api.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                timeout=5) as response:
        return json.loads(response.read())


def login(base: str, username: str, password: str) -> str:
    """POST /auth/login; the access token."""
    request = urllib.request.Request(
        base + "/api/v1/auth/login", method="POST",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["access_token"]


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env={**os.environ, **env},
                          cwd=cwd, capture_output=True, text=True, timeout=60)


@contextmanager
def dispatch(*args: str, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """Run `dispatch ARGS --port P` until /healthz answers; yield the base URL; stop it."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args, "--port", str(port)],
                            env={**os.environ, **env}, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine starts slowly
        while True:
            try:
                get(base + "/healthz")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read()) from None
                if time.monotonic() > deadline:
                    raise AssertionError(f"dispatch {args[0]} did not answer in 60 s") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_starts_on_an_empty_database(tmp_path: Path) -> None:
    env = {"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    added = cli("users", "add", "boss", "--role", "admin", "--password", "boss-pw-1",
                env=env, cwd=tmp_path)
    assert added.returncode == 0 and "added admin 'boss'" in added.stdout, added.stderr
    with dispatch("serve", env=env, cwd=tmp_path) as base:
        token = login(base, "boss", "boss-pw-1")
        assert get(base + "/api/v1/tickets", token) == []
        assert get(base + "/api/v1/technicians", token) == []
    assert (tmp_path / "serve.db").exists()


def test_demo_runs_a_live_compound(tmp_path: Path) -> None:
    """Eight technicians, tickets arriving, plans computed, technicians moving and finishing."""
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "DISPATCH_SOLVE_BUDGET_MS": "300"}
    with dispatch("demo", "--speed", "120", "--db", str(tmp_path / "demo.db"),
                  env=env, cwd=tmp_path) as base:
        token = login(base, "dispatcher", "dispatcher123")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            tickets = get(base + "/api/v1/tickets", token)
            if any(t["status"] == "completed" for t in tickets):
                break
            time.sleep(0.5)
        techs = get(base + "/api/v1/technicians", token)
        plan = get(base + "/api/v1/plan", token)
        wang = login(base, "wang", "tech123")
        assert [t["name"] for t in get(base + "/api/v1/technicians", wang)] == ["王师傅 Wang"]
        sites = get(base + "/api/v1/sites", token)
    assert [(s["id"], len(s["outline"])) for s in sites] == [("sunshine-garden", 5)]
    assert len(techs) == 8
    assert {t["urgency"] for t in tickets} >= {"routine"}
    assert plan["version"] >= 2 and plan["routes"]
    assert any(t["status"] == "completed" for t in tickets)
    assert any(t["position_at"] for t in techs)


def test_bad_configuration_is_a_message_not_a_traceback(capsys, monkeypatch) -> None:
    monkeypatch.setenv("DISPATCH_SPEED_KMH", "-3")
    assert main(["serve", "--port", "1"]) == 2
    assert "speed_kmh" in capsys.readouterr().err
    monkeypatch.delenv("DISPATCH_SPEED_KMH")
    assert main(["demo", "--speed", "0", "--db", "/tmp/never.db"]) == 2
    assert "--speed must be positive" in capsys.readouterr().err


def test_users_add_explains_each_refusal(tmp_path: Path, capsys, monkeypatch) -> None:
    """Unknown role, a technician account without (or with an unknown) technician, a taken name."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", f"sqlite:///{tmp_path}/users.db")
    assert main(["users", "add", "amy", "--role", "dispatcher", "--password", "amy-pw-1"]) == 0
    assert "added dispatcher 'amy'" in capsys.readouterr().out
    assert main(["users", "add", "amy", "--role", "admin", "--password", "other-pw"]) == 1
    assert "username 'amy' is taken" in capsys.readouterr().err
    assert main(["users", "add", "bo", "--role", "technician", "--password", "bo-pw-12"]) == 1
    assert "technician_id is required" in capsys.readouterr().err
    assert main(["users", "add", "bo", "--role", "technician", "--password", "bo-pw-12",
                 "--technician", "42"]) == 1
    assert "technician 42 not found" in capsys.readouterr().err
    assert main(["users", "add", "cy", "--role", "admin", "--password", "short"]) == 1
    assert "--password" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["users", "add", "dee", "--role", "boss", "--password", "dee-pw-12"])
    assert stopped.value.code == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.split() == ["1", "amy", "dispatcher"]


@pytest.mark.parametrize("flag", [False, True])
def test_requests_are_logged_only_when_asked(tmp_path: Path, flag: bool) -> None:
    """No access log by default (a line per GPS fix cost ~30 % of the server's CPU per fix);
    `--access-log` turns it on."""
    env = {"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/log.db",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    port = free_port()
    args = ["serve", "--port", str(port)] + (["--access-log"] if flag else [])
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args], env={**os.environ, **env},
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert ('"GET /healthz HTTP/1.1" 200' in out) is flag, out
