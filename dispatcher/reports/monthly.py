"""The monthly report: headline KPIs, daily trends, weekly table, per-technician table, as one
HTML file with inline CSS and inline SVG charts (no scripts, no network: it can be mailed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape

from dispatcher.engine import Engine
from dispatcher.errors import Invalid
from dispatcher.kpis.periods import Period, next_start
from dispatcher.kpis.schemas import GroupBy, KpiQuery, KpiReport
from dispatcher.reports.svg import bar_chart, line_chart

Value = float | int | None

# (field, Chinese, English, format): what the headline shows, in order.
HEADLINE = [
    ("tickets", "工单数", "Tickets reported", "n"),
    ("completed", "完工数", "Completed (repairs)", "n"),
    ("respond_compliance", "接单及时率", "Respond on time", "%"),
    ("arrive_compliance", "到场及时率", "On site on time", "%"),
    ("resolve_compliance", "完工及时率", "Resolved on time", "%"),
    ("closed_loop_rate", "闭环率", "Closed loop (followed up)", "%"),
    ("first_time_fix_rate", "一次修复率", "First-time fix", "%"),
    ("rework_rate", "返修率", "Rework rate", "%"),
    ("cycle_time_avg_min", "平均处理时长", "Cycle time, average (min)", "min"),
    ("cycle_time_p90_min", "处理时长 P90", "Cycle time, p90 (min)", "min"),
    ("rating_avg", "回访平均评分", "Follow-up rating (1-5)", "r"),
    ("recurring_faults", "重复故障", "Recurring faults", "n"),
    ("maintenance_on_time_rate", "预防性维保按时率", "Preventive maintenance on time", "%"),
    ("utilisation", "人员利用率", "Technician utilisation", "%"),
    ("travel_km", "行驶里程 (km)", "Travel (GPS km)", "km"),
]
TECH_COLUMNS = ["tickets", "completed", "first_time_fix_rate", "rework_tickets", "rating_avg",
                "resolve_compliance", "on_site_hours", "utilisation", "travel_km"]
WEEK_COLUMNS = ["tickets", "completed", "arrive_compliance", "resolve_compliance",
                "closed_loop_rate", "first_time_fix_rate", "cycle_time_avg_min", "rating_avg",
                "maintenance_on_time_rate", "utilisation"]
FORMATS = {name: fmt for name, _, _, fmt in HEADLINE} | {
    "rework_tickets": "n", "on_site_hours": "h"}
TITLES = {name: f"{zh}<br>{en}" for name, zh, en, _ in HEADLINE} | {
    "rework_tickets": "返修单<br>Rework tickets", "on_site_hours": "在现场小时<br>On site (h)"}
CSS = """body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;
color:#222;max-width:1000px}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;
border-bottom:1px solid #ccc}table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:right}th:first-child,
td:first-child,.headline td{text-align:left}td:first-child{white-space:nowrap}
th{font-size:.8em;font-weight:normal;
background:#f4f5f7}.headline td:nth-child(3){font-weight:bold;font-size:1.1em;text-align:right}
.note{color:#666;font-size:.85em}svg{display:block;margin:1em 0}"""


def parse_month(text: str) -> date:
    """`2026-11` -> 1 Nov 2026; `Invalid` naming `month` otherwise."""
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise Invalid(f"month must look like 2026-11, not {text!r}", field="month") from None


def build(engine: Engine, *, month: date, site: str | None = None) -> str:
    """The report of the calendar month starting on `month`, for one site or all."""
    first, last = month, next_start(month, Period.month) - timedelta(days=1)
    ask = {"start": first, "end": last, "site": site}
    days = engine.kpis(KpiQuery(period=Period.day, **ask))
    weeks = engine.kpis(KpiQuery(period=Period.week, **ask))
    people = engine.kpis(KpiQuery(group_by=GroupBy.technician, **ask))
    return render(days, weeks, people, month=month, site=site)


def render(days: KpiReport, weeks: KpiReport, people: KpiReport, *, month: date,
           site: str | None) -> str:
    """The HTML page from the three reports of the month."""
    where = escape(site) if site else "全部项目 all sites"
    sections = [
        f"<h1>月度运维报告 Monthly operations report — {month:%Y-%m} — {where}</h1>",
        f'<p class="note">{days.start} – {days.end}; computed from stored tickets, '
        f"follow-ups, maintenance and GPS as of {days.as_of:%Y-%m-%d %H:%M} UTC.</p>",
        "<h2>核心指标 Headline</h2>", _headline(days.total),
        "<h2>趋势 Daily trends</h2>", _trends(days),
        "<h2>按周 By week</h2>", _table(weeks, WEEK_COLUMNS, "周 week"),
        "<h2>按师傅 By technician</h2>",
        bar_chart("利用率 Utilisation", [r.label for r in people.rows],
                  [r.kpis["utilisation"] for r in people.rows], percent=True),
        _table(people, TECH_COLUMNS, "师傅 technician"),
        f'<p class="note">{_DEFINITIONS}</p>',
    ]
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>Monthly report {month:%Y-%m}</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>")


def fmt(value: Value, kind: str) -> str:
    """A KPI as a person reads it: 93.2%, 118 min, 4.02, 12."""
    if value is None:
        return "–"
    if kind == "%":
        return f"{value * 100:.1f}%"
    if kind in ("min", "km", "h"):
        return f"{value:,.1f}"
    if kind == "r":
        return f"{value:.2f}"
    return f"{value:,}"


def _headline(total: dict[str, Value]) -> str:
    rows = "".join(f"<tr><td>{zh}</td><td>{en}</td><td>{fmt(total[name], kind)}</td></tr>"
                   for name, zh, en, kind in HEADLINE)
    return f'<table class="headline"><tbody>{rows}</tbody></table>'


def _trends(days: KpiReport) -> str:
    labels = [r.key for r in days.rows]

    def series(name: str) -> list[Value]:
        return [r.kpis[name] for r in days.rows]

    return "".join([
        line_chart("SLA 及时率 compliance", labels, {
            "接单 respond": series("respond_compliance"),
            "到场 arrive": series("arrive_compliance"),
            "完工 resolve": series("resolve_compliance")}, percent=True),
        line_chart("闭环与一次修复 Closed loop, first-time fix", labels, {
            "闭环 closed loop": series("closed_loop_rate"),
            "一次修复 first-time fix": series("first_time_fix_rate"),
            "利用率 utilisation": series("utilisation")}, percent=True),
        line_chart("工单与处理时长 Tickets, cycle time (min)", labels, {
            "工单 tickets": series("tickets"), "完工 completed": series("completed"),
            "平均时长 avg cycle min": series("cycle_time_avg_min")}),
    ])


def _table(report: KpiReport, columns: list[str], first: str) -> str:
    head = f"<th>{escape(first)}</th>" + "".join(f"<th>{TITLES.get(c, escape(c))}</th>"
                                                  for c in columns)
    body = "".join(
        "<tr>" + f"<td>{escape(r.label)}</td>"
        + "".join(f"<td>{fmt(r.kpis[c], FORMATS.get(c, 'r'))}</td>" for c in columns) + "</tr>"
        for r in report.rows)
    total = "".join(f"<td>{fmt(report.total[c], FORMATS.get(c, 'r'))}</td>" for c in columns)
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}"
            f"<tr><th>合计 total</th>{total}</tr></tbody></table>")


_DEFINITIONS = (
    "Definitions: a ticket counts in the period it was reported. A milestone (respond: accepted "
    "by respond_by; arrive: on site by arrive_by; resolve: completed by resolve_by) is missed if "
    "reached late or not reached with its deadline passed; not yet due counts nowhere. Closed "
    "loop = closed (follow-up answered or expired) / completed repairs. First-time fix = "
    "completed repairs no later ticket redoes. Rework rate = rework tickets / completed. "
    "p90 = nearest rank. Preventive maintenance counts in the period of its due date, on time "
    "when done inside its window. Utilisation = on-site time / shift time. Travel = distance "
    "between successive GPS fixes (straight line).")
