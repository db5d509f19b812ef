"""The resident's follow-up page, rendered by headless Chromium against a live server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill
from dispatcher.followups.schemas import FollowUpAnswer
from tests import builders
from tests.dispatcher.closed_loop_helpers import complete
from tests.live import CHROMIUM, need_browser, serving


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, Engine]]:
    """The app on a free port, around the test's engine."""
    with serving(engine) as url:
        yield url, engine


def _dom(url: str) -> str:
    need_browser()
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
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
