"""KPI reports: resolve the range, load the rows once, compute the total and each group."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dispatcher.errors import Invalid
from dispatcher.kpis import load
from dispatcher.kpis.compute import Kpis, Scope, compute
from dispatcher.kpis.periods import Period, buckets, period_start
from dispatcher.kpis.rows import History
from dispatcher.kpis.schemas import MAX_DAYS, GroupBy, KpiQuery, KpiReport, KpiRow


def report(session: Session, *, query: KpiQuery, now: datetime, tz: ZoneInfo) -> KpiReport:
    """The KPIs of the query's range as known at `now`: a total, and one row per group."""
    first, last = resolve_range(query, now.astimezone(tz).date())
    lo, hi = _midnight(first, tz), _midnight(last + timedelta(days=1), tz)
    rows = load.history(session, start=lo, end=hi)
    scope = Scope(site=query.site, technician=query.technician,
                  urgency=query.urgency.value if query.urgency else None,
                  category=query.category.value if query.category else None)

    def kpis(start: datetime, end: datetime, within: Scope) -> Kpis:
        return compute(rows, start=start, end=end, now=now, tz=tz, scope=within)

    groups = _groups(query, rows, scope, first, last, lo, hi, tz)
    out = KpiReport(
        period=query.period, start=first, end=last, group_by=query.group_by,
        filters={"site": query.site, "technician": query.technician,
                 "urgency": scope.urgency, "category": scope.category},
        as_of=now, total=kpis(lo, hi, scope).as_dict(),
        rows=[KpiRow(key=key, label=label, start=a, end=b, kpis=kpis(a, b, s).as_dict())
              for key, label, a, b, s in groups])
    if query.group_by is GroupBy.technician:
        _loads_against_mean(out)
    return out


def _loads_against_mean(rep: KpiReport) -> None:
    """Each technician's on-site hours over the mean of the rows (1 = an even share; the
    fairness setting aims at it). None for a technician without hours, or no hours at all."""
    hours = [r.kpis.get("on_site_hours") for r in rep.rows]
    known = [h for h in hours if h is not None]
    mean = sum(known) / len(known) if known else 0.0
    for row, h in zip(rep.rows, hours, strict=True):
        row.kpis["load_vs_mean"] = round(h / mean, 4) if h is not None and mean > 0 else None
    rep.total["load_vs_mean"] = None  # a column of the CSV; the whole is its own mean


def resolve_range(query: KpiQuery, today: date) -> tuple[date, date]:
    """The first and last local day; `Invalid` naming the field when they make no sense."""
    last = query.end or today
    first = query.start or _default_start(last, query.period)
    if first > last:
        raise Invalid(f"from ({first}) is after to ({last})", field="from")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"the range is longer than {MAX_DAYS} days; narrow from/to", field="to")
    return first, last


def _default_start(last: date, period: Period) -> date:
    if period is Period.week:
        return period_start(last - timedelta(weeks=11), period)
    if period is Period.month:
        year, month = divmod(last.year * 12 + last.month - 1 - 11, 12)
        return date(year, month + 1, 1)
    return last - timedelta(days=29)


Group = tuple[str, str, datetime, datetime, Scope]


def _groups(query: KpiQuery, rows: History, scope: Scope, first: date, last: date,
            lo: datetime, hi: datetime, tz: ZoneInfo) -> list[Group]:
    """(key, label, start, end, scope) of each row of the report."""
    if query.group_by is GroupBy.period:
        return [(b.label, b.label, max(b.start, lo), min(b.end, hi), scope)
                for b in buckets(first, last, query.period, tz)]
    field = query.group_by.value
    return [(str(value), label, lo, hi, replace(scope, **{field: value}))
            for value, label in _values(query.group_by, rows, scope)
            if getattr(scope, field) in (None, value)]


def _values(group_by: GroupBy, rows: History, scope: Scope) -> list[tuple[str | int, str]]:
    """The groups there are: every technician, or each site, urgency or category seen among
    the tickets in scope."""
    if group_by is GroupBy.technician:
        return [(t.id, t.name) for t in rows.technicians]
    if group_by is GroupBy.site:
        return [(s, s) for s in sorted({t.site_id for t in rows.tickets if t.site_id}
                                       | set(rows.site_regions))]
    return [(v, v) for v in sorted({getattr(t, group_by.value) for t in rows.tickets
                                    if scope.has_ticket(t)})]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def to_csv(rep: KpiReport) -> str:
    """One line per group and a last line `total`; rates as fractions, blanks for None."""
    names = list(rep.total)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group_by", "key", "label", "start", "end", *names])
    for row in rep.rows:
        writer.writerow([rep.group_by.value, row.key, row.label, row.start.isoformat(),
                         row.end.isoformat(), *(_cell(row.kpis[n]) for n in names)])
    writer.writerow([rep.group_by.value, "total", "total", "", "",
                     *(_cell(rep.total[n]) for n in names)])
    return out.getvalue()


def _cell(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
