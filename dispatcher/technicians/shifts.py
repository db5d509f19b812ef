"""Daily shifts given in local time, turned into concrete UTC intervals around an instant."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def current_shift(
    start: time, end: time, now: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """The shift interval containing `now`, or None when off shift.

    A shift whose end is not after its start runs past midnight (22:00-06:00); start == end
    means on call around the clock.
    """
    local = now.astimezone(tz)
    length = _length(start, end)
    for day in (local.date(), local.date() - timedelta(days=1)):
        begins = datetime.combine(day, start, tzinfo=tz)
        ends = begins + length
        if begins <= local < ends:
            return (begins.astimezone(UTC), ends.astimezone(UTC))
    return None


def next_shift(
    start: time, end: time, now: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The first shift interval that begins after `now` (today's or tomorrow's)."""
    local = now.astimezone(tz)
    length = _length(start, end)
    for day in (local.date(), local.date() + timedelta(days=1)):
        begins = datetime.combine(day, start, tzinfo=tz)
        if begins > local:
            return (begins.astimezone(UTC), (begins + length).astimezone(UTC))
    begins = datetime.combine(local.date() + timedelta(days=2), start, tzinfo=tz)
    return (begins.astimezone(UTC), (begins + length).astimezone(UTC))


def _length(start: time, end: time) -> timedelta:
    s = timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
    e = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
    return e - s if e > s else e - s + timedelta(days=1)
