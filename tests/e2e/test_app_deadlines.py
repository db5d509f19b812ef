"""The technician app's countdowns at phone size: a deadline days ahead reads as a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import Live, shot, sign_in


def test_an_appointment_days_ahead_shows_its_days_not_hours(phone: Any, live: Live) -> None:
    """Not "到场剩余 577 小时": a window that ends more than a day ahead shows its dates."""
    start = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0,
                                                              microsecond=0)
    end = start + timedelta(hours=50)
    window = {"start": start.isoformat(), "end": end.isoformat()}
    ticket = live.ticket(building="5号楼", unit="801", urgency="scheduled",
                         category="general", description="空调保养", window=window)
    live.pin(ticket, live.ids["wang"])
    page = phone().new_page()
    sign_in(page, "wang")
    badge = page.locator(f".stop[data-ticket='{ticket}'] .countdown")
    badge.wait_for()
    end = end.astimezone()  # the phone's time zone is the machine's here
    assert badge.inner_text().startswith("预约 ")
    assert badge.inner_text().endswith(f"–{end.month}月{end.day}日 {end:%H:%M}")
    assert "小时" not in badge.inner_text()
    shot(page, "a5-appointment-days-ahead-zh")
