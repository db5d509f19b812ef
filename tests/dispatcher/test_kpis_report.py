"""The monthly report on the hand-built history: the headline figures worked out by hand, the
charts inline, and `dispatch report` writing the file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from api.cli import main
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.reports import monthly
from tests.kpi_history import NOW, store


def headline(html: str) -> dict[str, str]:
    """English label -> value of the headline table."""
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    return dict(rows)


def test_monthly_report_headline_numbers(engine: Engine) -> None:
    store(engine)
    html = monthly.build(engine, month=date(2026, 11, 1))
    h = headline(html)
    assert h["Tickets reported"] == "7"
    assert h["Completed (repairs)"] == "5"
    assert h["Respond on time"] == "71.4%"  # 5 of 7
    assert h["On site on time"] == "66.7%"  # 4 of 6
    assert h["Resolved on time"] == "50.0%"  # 3 of 6
    assert h["Closed loop (followed up)"] == "60.0%"
    assert h["First-time fix"] == "80.0%"
    assert h["Rework rate"] == "20.0%"
    assert h["Cycle time, average (min)"] == "118.0"
    assert h["Cycle time, p90 (min)"] == "150.0"
    assert h["Follow-up rating (1-5)"] == "3.67"
    assert h["Recurring faults"] == "1"
    assert h["Preventive maintenance on time"] == "50.0%"
    # Shifts from 1 Nov 08:00 (when the technicians were created) to now: 2 x (9+9+9+4) h
    assert h["Technician utilisation"] == "12.5%"  # 7.75 / 62
    assert h["Travel (GPS km)"] == "5.5"  # Wang's 1 Nov fix 3 km north now counts: 3 + 2 + 0.5
    assert html.count("<svg") == 4  # three trends and the technicians' bars
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "王师傅 Wang" in html and "2026-W45" in html


def test_dispatch_report_writes_the_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/history.db"
    engine = Engine(Settings(database_url=url), clock=ManualClock(NOW))
    store(engine)
    engine.sessions.kw["bind"].dispose()
    out = tmp_path / "report.html"
    assert main(["report", "--month", "2026-11", "--database-url", url, "--out",
                 str(out)]) == 0
    h = headline(out.read_text("utf-8"))
    # Read as of the wall clock (after November's deadlines): ticket-independent of "now"
    assert (h["First-time fix"], h["Closed loop (followed up)"]) == ("80.0%", "60.0%")
    assert h["Cycle time, average (min)"] == "118.0"
    assert main(["report", "--month", "November", "--database-url", url]) == 2
    assert "month" in capsys.readouterr().err
