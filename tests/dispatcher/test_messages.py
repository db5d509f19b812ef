"""Texts the server writes for people read in Chinese when the reader asks for it.

Every producer of such a text (the optimizer's unassigned reasons, the planner's holds, the
alert monitor) is run here and its text must be one of `messages.TEMPLATES`: a new or
reworded text without a translation fails. The Chinese expectations are written by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from dispatcher import messages
from dispatcher.alerts.monitor import AlertPolicy, ticket_findings
from dispatcher.enums import Category, Status, Urgency
from dispatcher.messages import TEMPLATES, parse, say, translate
from optimizer import Job, Snapshot, SolveParams, Tech
from optimizer.eligibility import CAPACITY_REASON, NO_SOLUTION_REASON, eligibilities
from tests.optimizer.test_insert import _full_day, _with_emergency

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _optimizer_reasons() -> list[str]:
    """One snapshot per reason the eligibility checks give, and the two constants."""
    travel = np.array([[0, 600], [600, 0]])
    li = Tech("li", frozenset({"plumber"}), 0, shift_end=3600)
    wu = Tech("wu", frozenset({"elevator"}), 0, shift_end=3600)
    jobs = (Job("skill", 1, "hvac", 60), Job("ghost", 1, "plumber", 60, pinned_to="zhao"),
            Job("pin", 1, "elevator", 60, pinned_to="li"),
            Job("window", 1, "plumber", 60, window=(0, 300)),
            Job("shift", 1, "plumber", 5 * 3600))
    found = eligibilities(Snapshot(techs=(li, wu), jobs=jobs, travel=travel), SolveParams())
    made_way = _with_emergency(*_full_day())[1].plan.unassigned[0].reason
    return [e.reason for e in found] + [CAPACITY_REASON, NO_SOLUTION_REASON, made_way]


def _ticket(**given: object) -> SimpleNamespace:
    fields = {"id": 7, "status": Status.assigned, "urgency": Urgency.emergency,
              "category": Category.water, "reported_at": NOW - timedelta(minutes=40),
              "window_start": None, "unassigned_reason": None, "respond_by": None,
              "accepted_at": None, "arrive_by": None, "on_site_at": None, "planned_eta": None,
              "resolve_by": None, "completed_at": None, "planned_end": None}
    return SimpleNamespace(**{**fields, **given})


def _alert_texts() -> list[str]:
    cases = [
        _ticket(respond_by=NOW - timedelta(minutes=1), arrive_by=NOW - timedelta(minutes=1)),
        _ticket(arrive_by=NOW + timedelta(minutes=30), planned_eta=NOW + timedelta(minutes=42)),
        _ticket(resolve_by=NOW + timedelta(minutes=5)),
        _ticket(status=Status.new, unassigned_reason=CAPACITY_REASON),
        _ticket(status=Status.new, urgency=Urgency.routine),
    ]
    return [f.message for t in cases
            for f in ticket_findings(t, NOW, AlertPolicy()).values()]  # type: ignore[arg-type]


def test_every_text_the_server_writes_has_a_template() -> None:
    texts = _optimizer_reasons() + _alert_texts()
    assert len(texts) == 13
    for text in texts:
        assert parse(text) is not None, text
        key, _ = parse(text)  # type: ignore[misc]
        english = re.sub(r"\{\w+\}", " ", messages._BY_KEY[key].en).split()
        chinese = translate(text, "zh") or ""
        assert re.search("[\u4e00-\u9fff]", chinese) and not any(
            re.search(rf"\b{re.escape(w)}\b", chinese) for w in english if len(w) > 3), text


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_each_template_gives_back_its_key_and_parameters(template: messages.Template) -> None:
    names = re.findall(r"\{(\w+)\}", template.en)
    params = {name: f"P{k}" for k, name in enumerate(names)}
    assert parse(say(template.key, **params)) == (template.key, params)


@pytest.mark.parametrize("text, chinese", [
    ("no technician on shift has skill 'elevator'", "当班师傅中无人具备“电梯工”技能"),
    ("window opens 2026-12-07T02:00:03.494638+00:00: planned nearer the time",
     "预约时段 12月7日 10:00 开始，临近时再排"),  # Shanghai time
    ("ticket 7 unassigned for 15 min: held by desk (parts)",
     "工单 7 已 15 分钟未派工：已由 desk 暂缓（配件）"),
    ("ticket 7 (emergency water): predicted to miss: arrive (planned 12 min late)",
     "工单 7（紧急·水）预计超时：到场（计划晚 12 分钟）"),
    ("technician 2 (吴海洋): no GPS fix for 60 min (since his last fix, 09:12)",
     "师傅 2（吴海洋）已 60 分钟没有定位（自上次定位起，09:12）"),
    ("made way for emergency 33 (the next re-plan places it)",
     "已为紧急工单 33 让路（下次重排时安排）"),
    ("cancelled: 5号楼火警控制器 cleared alarm F03 at 2026-12-07T02:00:03+00:00 before anyone "
     "set off", "已取消：5号楼火警控制器 于 12月7日 10:00 解除报警 F03，当时尚无人出发"),
    ("same fault as ticket 4? electric in building 3号楼, 12 m away, reported 3 min before",
     "可能与工单 4 为同一故障：3号楼，电类，相距 12 米，早 3 分钟报修"),
    ("done with ticket 4, which this report was merged into", "已随合并的工单 4 一并完成"),
    ("found at inspection #9: 供水出口压力: reading 0.82 MPa outside the normal 0.25–0.6 MPa",
     "巡检 #9 发现：供水出口压力：读数 0.82 MPa，超出正常范围 0.25–0.6 MPa"),
    ("found at inspection #9: 管路阀门无渗漏: abnormal. Note: 阀门滴水",
     "巡检 #9 发现：管路阀门无渗漏：异常。备注：阀门滴水"),
    ("Preventive maintenance (elevator): 1号梯, due 2026-12-08 ± 2 d (plan #3)",
     "预防性维保（电梯）：1号梯，2026-12-08 到期 ± 2 天（计划 #3）"),
    ("a text no template made", "a text no template made"),
])
def test_chinese_reads_as_written_by_hand(text: str, chinese: str) -> None:
    token = messages.company_tz.set(ZoneInfo("Asia/Shanghai"))
    try:
        assert translate(text, "zh") == chinese
        assert translate(text, "en") == text
    finally:
        messages.company_tz.reset(token)


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh", "zh"), ("en-US,zh;q=0.5", "en"), ("", "en"),
    (None, "en")])
def test_the_first_language_asked_for_wins(header: str | None, lang: str) -> None:
    assert messages.pick(header) == lang
