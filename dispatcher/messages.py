"""Texts the server writes for people (unassigned reasons, alert messages) in the reader's
language.

Each text is made from one English template of `TEMPLATES` (its key) and its parameters, and
stored as written: logs, the CLI and older rows keep reading it. `translate` finds the
template and the parameters back in a stored text and renders the reader's language, with
vocabulary (urgencies, categories, skills, milestones) translated, timestamps in the
company's time zone and nested reasons translated too. A text no template makes is shown as
it is (`tests/dispatcher/test_messages.py` runs every producer against the table).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

LANGUAGES = ("en", "zh")
language: ContextVar[str] = ContextVar("language", default="en")  # set per request (API)
company_tz: ContextVar[ZoneInfo | None] = ContextVar("company_tz", default=None)

_WORDS = {
    "urgency": {"emergency": "紧急", "routine": "常规", "scheduled": "预约"},
    "category": {"water": "水", "electric": "电", "gas": "燃气", "fire": "消防",
                 "elevator": "电梯", "lock": "门锁", "hvac": "空调", "sanitation": "保洁",
                 "general": "综合"},
    "skill": {"electrician": "电工", "plumber": "水暖工", "locksmith": "锁匠",
              "elevator": "电梯工", "fire": "消防", "hvac": "空调工", "cleaning": "保洁",
              "general": "综合维修"},
    "milestone": {"respond": "接单", "arrive": "到场", "resolve": "修复"},
    "kind": {"elevator": "电梯", "street_light": "路灯", "stairwell_light": "楼道灯",
             "fire_system": "消防系统", "water_tank": "水箱", "pump_room": "泵房",
             "fitness_equipment": "健身器材", "gate": "门禁道闸", "riser_pipe": "立管",
             "other": "其他设备"},
    "held": {"resident_request": "住户要求", "technician_familiar": "师傅熟悉情况",
             "parts": "配件", "other": "其他", "emergency": "系统紧急调派"},
    "since": {"since his shift began": "自上班起", "since he was added": "自添加起",
              "since his last fix": "自上次定位起"},
}


@dataclass(frozen=True)
class Template:
    """One text: its key, the English the server writes, and the Chinese it reads as."""

    key: str
    en: str
    zh: str


TEMPLATES = (
    Template("capacity", "qualified technicians are fully booked (capacity)",
             "有资质的师傅已排满（运力不足）"),
    Template("no_solution", "the solver found no plan within the time budget",
             "求解器在时限内未找到方案"),
    Template("no_skill", "no technician on shift has skill '{skill}'",
             "当班师傅中无人具备“{skill}”技能"),
    Template("no_area", "outside the home areas of every technician with skill '{skill}'",
             "不在任何具备“{skill}”技能师傅的责任片区内"),
    Template("crew", "its crew cannot be on site together: too few qualified technicians have "
             "the time at once", "多人作业无法同时到场：有空的合格师傅不够"),
    Template("crew_short", "crew ticket {crew}: needs {n} technicians with skills {skills} on "
             "site together; {can} qualified",
             "多人工单 {crew}：需要 {n} 名师傅（{skills}）同时到场，合格的只有 {can} 名"),
    Template("crew_windows", "crew ticket {crew}: its members' appointment windows are too far "
             "apart to be on site together",
             "多人工单 {crew}：成员的预约时段相距太远，无法同时到场"),
    Template("pin_off", "pinned to {who}, who is not on shift", "已指定给 {who}，但其不在班"),
    Template("pin_skill", "pinned to {who}, who lacks skill '{skill}'",
             "已指定给 {who}，但其不具备“{skill}”技能"),
    Template("window", "appointment window {start}-{end} cannot be reached by any qualified "
             "technician (earliest arrival {earliest})",
             "有资质的师傅都赶不上预约时段 {start}至{end}（最早到达 {earliest}）"),
    Template("shift", "no qualified technician can reach and finish it before shift end + "
             "maximum overtime", "没有师傅能在下班（含最长加班）前赶到并完成"),
    Template("made_way_later", "made way for {urgency} {job} (the next re-plan places it)",
             "已为{urgency}工单 {job} 让路（下次重排时安排）"),
    Template("made_way", "made way for {urgency} {job}", "已为{urgency}工单 {job} 让路"),
    Template("held", "held by {who} ({held})", "已由 {who} 暂缓（{held}）"),
    Template("window_later", "window opens {at}: planned nearer the time",
             "预约时段 {at} 开始，临近时再排"),
    Template("follows_open", "waits for ticket {id} to be completed",
             "等待工单 {id} 完工后再排"),
    Template("follows_later", "follows ticket {id}: not before {at}, planned nearer the time",
             "接续工单 {id}：{at} 之后才可上门，临近时再排"),
    Template("breached", "ticket {id} ({urgency} {category}): deadline missed: {names}",
             "工单 {id}（{urgency}·{category}）已超时：{names}"),
    Template("predicted", "ticket {id} ({urgency} {category}): predicted to miss: {names}",
             "工单 {id}（{urgency}·{category}）预计超时：{names}"),
    Template("at_risk", "ticket {id} ({urgency} {category}): at risk: {names}",
             "工单 {id}（{urgency}·{category}）临近超时：{names}"),
    Template("late_by", "{milestone} (planned {minutes} min late)",
             "{milestone}（计划晚 {minutes} 分钟）"),
    Template("left", "{milestone} ({minutes} min left)", "{milestone}（剩 {minutes} 分钟）"),
    Template("unassigned_why", "ticket {id} unassigned for {minutes} min: {reason}",
             "工单 {id} 已 {minutes} 分钟未派工：{reason}"),
    Template("unassigned", "ticket {id} unassigned for {minutes} min",
             "工单 {id} 已 {minutes} 分钟未派工"),
    Template("unplaced", "ticket {id} emergency no plan can place for {minutes} min: {reason}",
             "紧急工单 {id} 已 {minutes} 分钟无法排入任何路线：{reason}"),
    Template("stale_gps", "technician {id} ({name}): no GPS fix for {minutes} min ({since}, "
             "{clock})", "师傅 {id}（{name}）已 {minutes} 分钟没有定位（{since}，{clock}）"),
    Template("lockout", "account '{user}' locked for {minutes} min after repeated wrong "
             "passwords (the last from {address})",
             "账号“{user}”因多次密码错误被锁定 {minutes} 分钟（最后一次来自 {address}）"),
    Template("recurring", "recurring fault: {n} {category} faults at {place} (tickets {ids}); "
             "a root-cause ticket is proposed",
             "重复故障：{place} 发生 {n} 次{category}故障（工单 {ids}），建议立根因工单"),
    Template("checkin_far", "ticket {id}: check-in {distance} m from the ticket location "
             "(allowed {radius} m)",
             "工单 {id}：签到位置距工单地点 {distance} 米（允许 {radius} 米）"),
    Template("duplicate_asset", "same asset as ticket {id}, reported {minutes} min before",
             "与工单 {id} 同一设备，早 {minutes} 分钟报修"),
    Template("duplicate_place", "same fault as ticket {id}? {category} in building {building}, "
             "{distance} m away, reported {minutes} min before",
             "可能与工单 {id} 为同一故障：{building}，{category}类，相距 {distance} 米，"
             "早 {minutes} 分钟报修"),
    Template("merged_done", "done with ticket {id}, which this report was merged into",
             "已随合并的工单 {id} 一并完成"),
    Template("preventive", "Preventive maintenance ({kind}): {asset}, due {day} ± {days} d "
             "(plan #{id})", "预防性维保（{kind}）：{asset}，{day} 到期 ± {days} 天（计划 #{id}）"),
    Template("inspection_fault_note", "found at inspection #{id}: {item}: {reason}. Note: {note}",
             "巡检 #{id} 发现：{item}：{reason}。备注：{note}"),
    Template("inspection_fault", "found at inspection #{id}: {item}: {reason}",
             "巡检 #{id} 发现：{item}：{reason}"),
    Template("inspection_abnormal", "abnormal", "异常"),
    Template("inspection_reading", "reading {value} outside the normal {range}",
             "读数 {value}，超出正常范围 {range}"),
    Template("alarm_cleared", "cancelled: {device} cleared alarm {code} at {at} before anyone "
             "set off", "已取消：{device} 于 {at} 解除报警 {code}，当时尚无人出发"),
)


def say(key: str, **params: object) -> str:
    """The English text of template `key` with `params` (what the server stores)."""
    return _BY_KEY[key].en.format(**params)


def _at(value: str) -> str:
    """An ISO timestamp in the company's time zone, as a date and a time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    tz = company_tz.get()
    local = moment.astimezone(tz) if tz is not None else moment
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _names(value: str) -> str:
    return "、".join(_translate(part.strip()) for part in value.split(","))


_PARAMS: dict[str, Callable[[str], str]] = {
    **{name: (lambda v, words=words: words.get(v, v)) for name, words in _WORDS.items()},
    "at": _at, "reason": lambda v: _translate(v), "names": _names,
}


@cache
def _pattern(en: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", en)
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(rx + r"\Z", re.DOTALL)


def parse(text: str) -> tuple[str, dict[str, str]] | None:
    """(key, parameters) of the template that made `text`, or None."""
    for template in TEMPLATES:
        found = _pattern(template.en).match(text)
        if found:
            return template.key, found.groupdict()
    return None


def _translate(text: str) -> str:
    if text in _WORDS["milestone"]:
        return _WORDS["milestone"][text]
    found = parse(text)
    if found is None:
        return text
    key, params = found
    return _BY_KEY[key].zh.format(**{k: _PARAMS.get(k, str)(v) for k, v in params.items()})


def translate(text: str | None, lang: str | None = None) -> str | None:
    """`text` in `lang` (default: the request's language); unchanged in English."""
    if text is None or (lang or language.get()) != "zh":
        return text
    return _translate(text)


def pick(accept_language: str | None) -> str:
    """The language of an `Accept-Language` header: zh when Chinese comes first, else en."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


_BY_KEY = {t.key: t for t in TEMPLATES}

# A field the server wrote for people: JSON answers carry it in the request's language.
Said = Annotated[str, PlainSerializer(lambda v: translate(v), return_type=str, when_used="json")]
MaybeSaid = Annotated[str | None, PlainSerializer(lambda v: translate(v), return_type=str | None,
                                                  when_used="json")]
