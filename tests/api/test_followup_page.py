"""The resident's follow-up page, rendered by headless Chromium against a live server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from api.app import create_app
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill
from dispatcher.followups.schemas import FollowUpAnswer
from tests import builders
from tests.dispatcher.closed_loop_helpers import complete


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, Engine]]:
    """The app on a free port, around the test's engine."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine=engine), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine
    server.should_exit = True
    thread.join(10)


def _dom(url: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--virtual-time-budget=10000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    return done.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_page_shows_the_repair_then_says_the_link_is_spent(
        served: tuple[str, Engine]) -> None:
    """In Chinese and English the page names the ticket and its unit; once answered, the
    same link shows the "already used" message."""
    base, engine = served
    engine.create_technician(builders.tech("Wang", (Skill.electrician,)))
    ticket = engine.create_ticket(builders.ticket(category=Category.electric, building="3号楼",
                                                  unit="1202"))
    complete(engine, ticket.id)
    link = engine.issue_followup_link(ticket.id)
    zh = _dom(f"{base}{link.url}?lang=zh")
    assert f"维修单 #{ticket.id}" in zh and "3号楼 · 1202" in zh and "问题解决了吗" in zh
    en = _dom(f"{base}{link.url}?lang=en")
    assert f"Ticket #{ticket.id}" in en and "Is the problem fixed?" in en
    engine.answer_followup_link(link.token, FollowUpAnswer(rating=5, fixed=True))
    assert "已使用或已过期" in _dom(f"{base}{link.url}?lang=zh")
