"""What a KPI request asks for and what it answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from dispatcher.enums import Category, Urgency
from dispatcher.kpis.periods import Period


class GroupBy(StrEnum):
    period = "period"
    technician = "technician"
    site = "site"
    urgency = "urgency"
    category = "category"


MAX_DAYS = 731  # two years of days is the most one request computes


class KpiQuery(BaseModel):
    """A range of local days (both ends included), filters, and how to split the rows."""

    period: Period = Period.day
    start: date | None = Field(None, description="first local day (default: 30 days, 12 weeks "
                                                 "or 12 months before `end`)")
    end: date | None = Field(None, description="last local day, included (default: today)")
    site: str | None = None
    technician: int | None = None
    urgency: Urgency | None = None
    category: Category | None = None
    group_by: GroupBy = GroupBy.period


class KpiRow(BaseModel):
    """The KPIs of one group (a period, a technician, a site, ...)."""

    key: str
    label: str
    start: datetime
    end: datetime
    kpis: dict[str, float | int | None]


class KpiReport(BaseModel):
    """The answer: the whole range's KPIs, then one row per group."""

    period: Period
    start: date
    end: date
    group_by: GroupBy
    filters: dict[str, str | int | None]
    as_of: datetime
    total: dict[str, float | int | None]
    rows: list[KpiRow]
