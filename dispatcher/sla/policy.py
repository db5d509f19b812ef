"""The SLA policy: deadlines and lateness weights per urgency and category, read from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from dispatcher.enums import Category, ComplaintTopic, Skill, Urgency

_LEVEL_KEYS = ("respond_min", "arrive_min", "resolve_min", "late_weight", "crew_tolerance_min")
MAX_CREW = 6  # technicians one ticket may need
DEFAULT_CREW_TOLERANCE_MIN = 5
_COMPLAINT_KEYS = ("acknowledge_min", "explain_min", "close_min")


class PolicyError(ValueError):
    """The policy file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Level:
    """Service levels for one (urgency, category): minutes from report, None if not set."""

    respond_min: int | None = None
    arrive_min: int | None = None
    resolve_min: int | None = None
    late_weight: int | None = None  # None in a rule: keep the urgency's weight
    # Technicians the work needs together, by skill (fire alarm confirmation: a fire-system
    # technician and a general one); None or one skill: one person.
    crew: tuple[Skill, ...] | None = None
    crew_tolerance_min: int | None = None  # most minutes between the crew's arrivals

    @property
    def crew_tolerance_s(self) -> int:
        return 60 * (self.crew_tolerance_min or DEFAULT_CREW_TOLERANCE_MIN)


@dataclass(frozen=True)
class Deadlines:
    """A ticket's computed deadlines (aware UTC datetimes, or None when the policy sets none)."""

    respond_by: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None


@dataclass(frozen=True)
class CategoryDefaults:
    """What a category needs unless the ticket says otherwise."""

    skill: Skill
    service_min: int


@dataclass(frozen=True)
class ComplaintLevel:
    """A complaint's three milestones, minutes from when it was made."""

    acknowledge_min: int
    explain_min: int
    close_min: int


@dataclass(frozen=True)
class SlaPolicy:
    """Service levels by urgency, category rules that refine them, and category defaults;
    complaint levels by topic."""

    levels: dict[Urgency, Level]
    rules: tuple[tuple[Urgency | None, Category, Level], ...]
    categories: dict[Category, CategoryDefaults]
    complaints: dict[ComplaintTopic, ComplaintLevel] = field(default_factory=dict)

    def level(self, urgency: Urgency, category: Category) -> Level:
        """The urgency's level with every matching category rule applied on top."""
        base = self.levels[urgency]
        for rule_urgency, rule_category, rule in self.rules:
            if rule_category == category and rule_urgency in (None, urgency):
                base = _overlay(base, rule)
        return base

    def deadlines(
        self,
        *,
        urgency: Urgency,
        category: Category,
        reported_at: datetime,
        window: tuple[datetime, datetime] | None = None,
    ) -> Deadlines:
        """Deadlines counted from the report; a scheduled ticket must arrive inside its window."""
        lv = self.level(urgency, category)

        def after(minutes: int | None) -> datetime | None:
            return None if minutes is None else reported_at + timedelta(minutes=minutes)

        arrive_by = after(lv.arrive_min)
        if urgency is Urgency.scheduled and window is not None:
            arrive_by = window[1]
        return Deadlines(after(lv.respond_min), arrive_by, after(lv.resolve_min))

    def defaults(self, category: Category) -> CategoryDefaults:
        """The default skill and service minutes of a category."""
        return self.categories[category]


def _overlay(base: Level, rule: Level) -> Level:
    return Level(
        respond_min=rule.respond_min if rule.respond_min is not None else base.respond_min,
        arrive_min=rule.arrive_min if rule.arrive_min is not None else base.arrive_min,
        resolve_min=rule.resolve_min if rule.resolve_min is not None else base.resolve_min,
        late_weight=rule.late_weight if rule.late_weight is not None else base.late_weight,
        crew=rule.crew if rule.crew is not None else base.crew,
        crew_tolerance_min=rule.crew_tolerance_min if rule.crew_tolerance_min is not None
        else base.crew_tolerance_min,
    )


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The default policy, with the tables of the file at `path` (if any) laid over it."""
    default = resources.files("dispatcher.sla").joinpath("default_policy.toml").read_text("utf-8")
    data = tomllib.loads(default)
    if path is not None:
        try:
            custom = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{path}: {exc}") from exc
        for table in ("urgency", "category", "complaint"):
            for key, value in custom.get(table, {}).items():
                data.setdefault(table, {}).setdefault(key, {}).update(value)
        if "rule" in custom:
            data["rule"] = custom["rule"]
    return _parse(data, str(path or "default_policy.toml"))


def _parse(data: dict[str, Any], where: str) -> SlaPolicy:
    levels = {}
    for u in Urgency:
        lv = _level(data.get("urgency", {}).get(u.value, {}), f"{where}: urgency.{u}")
        levels[u] = _overlay(Level(late_weight=1), lv)
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        at = f"{where}: rule[{i}]"
        urgency = _enum(Urgency, raw.get("urgency"), f"{at}.urgency") if "urgency" in raw else None
        category = _enum(Category, raw.get("category"), f"{at}.category")
        rules.append((urgency, category, _level(raw, at, extra=("urgency", "category"))))
    categories = {}
    for c in Category:
        raw = data.get("category", {}).get(c.value)
        if raw is None:
            raise PolicyError(f"{where}: category.{c} is missing")
        minutes = raw.get("service_min")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise PolicyError(f"{where}: category.{c}.service_min must be a positive integer")
        skill = _enum(Skill, raw.get("skill"), f"{where}: category.{c}.skill")
        categories[c] = CategoryDefaults(skill, minutes)
    return SlaPolicy(levels, tuple(rules), categories, _complaints(data.get("complaint", {}),
                                                                   where))


def _complaints(raw: dict[str, Any], where: str) -> dict[ComplaintTopic, ComplaintLevel]:
    """Each topic's levels: `complaint.default` with the topic's own table laid over it."""
    unknown = set(raw) - {"default"} - {t.value for t in ComplaintTopic}
    if unknown:
        raise PolicyError(f"{where}: complaint.{sorted(unknown)[0]}: not a topic; use default "
                          f"or one of {[t.value for t in ComplaintTopic]}")
    levels = {}
    for topic in ComplaintTopic:
        merged = {**raw.get("default", {}), **raw.get(topic.value, {})}
        at = f"{where}: complaint.{topic.value}"
        extra = set(merged) - set(_COMPLAINT_KEYS)
        if extra:
            raise PolicyError(f"{at}: unknown key(s) {sorted(extra)}")
        for key in _COMPLAINT_KEYS:
            value = merged.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise PolicyError(f"{at}.{key} must be a positive integer, got {value!r}")
        if not merged["acknowledge_min"] <= merged["explain_min"] <= merged["close_min"]:
            raise PolicyError(f"{at}: acknowledge_min <= explain_min <= close_min, got "
                              f"{merged['acknowledge_min']}, {merged['explain_min']}, "
                              f"{merged['close_min']}")
        levels[topic] = ComplaintLevel(**{k: merged[k] for k in _COMPLAINT_KEYS})
    return levels


def _level(raw: dict[str, Any], at: str, extra: tuple[str, ...] = ()) -> Level:
    unknown = set(raw) - set(_LEVEL_KEYS) - {"crew"} - set(extra)
    if unknown:
        raise PolicyError(f"{at}: unknown key(s) {sorted(unknown)}")
    for key in _LEVEL_KEYS:
        value = raw.get(key)
        positive = isinstance(value, int) and not isinstance(value, bool) and value > 0
        if value is not None and not positive:
            raise PolicyError(f"{at}.{key} must be a positive integer, got {value!r}")
    return Level(raw.get("respond_min"), raw.get("arrive_min"), raw.get("resolve_min"),
                 raw.get("late_weight"), _crew(raw.get("crew"), f"{at}.crew"),
                 raw.get("crew_tolerance_min"))


def _crew(raw: Any, at: str) -> tuple[Skill, ...] | None:
    """A crew's skills, one per technician: a list of 1 to `MAX_CREW` skills."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CREW:
        raise PolicyError(f"{at} must be a list of 1 to {MAX_CREW} skills, got {raw!r}")
    return tuple(_enum(Skill, value, f"{at}[{i}]") for i, value in enumerate(raw))


def _enum(kind: type, value: Any, at: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise PolicyError(f"{at}: {value!r} is not one of {[m.value for m in kind]}") from None
