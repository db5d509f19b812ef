"""Calendar periods in the company's time zone: days, ISO weeks (from Monday), months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Period(StrEnum):
    day = "day"
    week = "week"
    month = "month"


@dataclass(frozen=True)
class Bucket:
    """One period: its label (2026-11-02, 2026-W45, 2026-11) and its [start, end) in UTC."""

    label: str
    start: datetime
    end: datetime


def period_start(day: date, period: Period) -> date:
    """The first day of the period holding `day`."""
    if period is Period.week:
        return day - timedelta(days=day.weekday())
    if period is Period.month:
        return day.replace(day=1)
    return day


def next_start(day: date, period: Period) -> date:
    """The first day of the period after the one starting on `day`."""
    if period is Period.week:
        return day + timedelta(days=7)
    if period is Period.month:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def label(day: date, period: Period) -> str:
    if period is Period.week:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.month:
        return f"{day:%Y-%m}"
    return day.isoformat()


def buckets(first: date, last: date, period: Period, tz: ZoneInfo) -> list[Bucket]:
    """Whole periods covering the local days `first`..`last` (inclusive)."""
    out = []
    day = period_start(first, period)
    while day <= last:
        after = next_start(day, period)
        out.append(Bucket(label(day, period), _midnight(day, tz), _midnight(after, tz)))
        day = after
    return out


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)
