"""Schemathesis against a real `dispatch serve` (embedded default, SQLite): every check, the
coverage, fuzzing and stateful phases, a fixed seed; zero failures with an admin's token and
with a technician's (whose forbidden operations must answer the declared 403)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.served import Served, served

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 8  # per operation and phase: the whole test stays within ~3 minutes on 2 cores
SEED = 18


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Served:
    # Thousands of changes a minute from one account: the write limits would answer most of
    # them 429 (declared, so no failure, but nothing behind it would be tested).
    high = {"DISPATCH_WRITES_PER_MIN": "10000000", "DISPATCH_WRITES_PER_ADDRESS_PER_MIN":
            "10000000", "DISPATCH_GPS_PER_S": "100000"}
    with served(tmp_path_factory.mktemp("fuzz"), high) as running:
        yield running


def _run(server: Served, token: str, report: Path) -> tuple[int, str]:
    # GET /stream never ends (Server-Sent Events): a request/response fuzzer cannot judge
    # it; tests/api/test_stream*.py do.
    args = [str(ST), "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
            "-H", f"Authorization: Bearer {token}", "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful", "-n", str(EXAMPLES),
            "--seed", str(SEED), "--workers", "1", "--generation-database", "none",
            "--exclude-path", "/api/v1/stream", "--request-timeout", "20", "--no-color",
            "--report", "junit", "--report-junit-path", str(report)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def _summary(output: str) -> str:
    found = re.search(r"(\d+) generated.*", output)
    return found.group(0) if found else "no summary"


@pytest.mark.parametrize("who", ["admin", "technician"])
def test_schemathesis_finds_nothing(server: Served, who: str, tmp_path: Path) -> None:
    """Every response is declared and matches its schema, valid input is taken, invalid
    input refused, a forbidden operation answers its declared 403."""
    token = server.admin_token if who == "admin" else server.technician_token
    code, output = _run(server, token, tmp_path / "junit.xml")
    print(f"schemathesis ({who}): {_summary(output)}")
    assert code == 0, output[-20000:]
