"""Operations KPIs: JSON for the console, CSV for a spreadsheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import EngineDep, QueryId
from dispatcher.enums import Category, Urgency
from dispatcher.kpis import service as kpis
from dispatcher.kpis.periods import Period
from dispatcher.kpis.schemas import GroupBy, KpiQuery, KpiReport
from dispatcher.schemas import IsoDate

router = APIRouter(tags=["kpis"])


def kpi_query(
    period: Period = Period.day,
    start: Annotated[IsoDate | None, Query(alias="from", description="first local day")] = None,
    end: Annotated[IsoDate | None,
                   Query(alias="to", description="last local day, included")] = None,
    site: str | None = None,
    technician: QueryId = None,
    urgency: Urgency | None = None,
    category: Category | None = None,
    group_by: GroupBy = GroupBy.period,
) -> KpiQuery:
    """The query parameters; a bad one is a 422 naming it."""
    return KpiQuery(period=period, start=start, end=end, site=site, technician=technician,
                    urgency=urgency, category=category, group_by=group_by)


KpiQueryDep = Annotated[KpiQuery, Depends(kpi_query)]


@router.get("/kpis")
def get_kpis(query: KpiQueryDep, engine: EngineDep) -> KpiReport:
    """SLA compliance, closed loop, first-time fix, cycle time, ratings, maintenance on time,
    utilisation and travel: the whole range (`total`) and one row per group."""
    return engine.kpis(query)


@router.get("/kpis.csv", response_class=Response)
def get_kpis_csv(query: KpiQueryDep, engine: EngineDep) -> Response:
    """The same report as CSV: one line per group, then `total`."""
    report = engine.kpis(query)
    name = f"kpis-{report.group_by.value}-{report.start}-{report.end}.csv"
    return Response(kpis.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
