"""Read a maintenance plans file (TOML) into plan requests; errors name the key and line.

```toml
[kind.elevator]            # optional: this file's defaults for a kind
tolerance_days = 3

[[plan]]
asset_id = 12              # one asset, or every asset of a kind (optionally of one site):
# asset_kind = "elevator"
# site_id = "lvjing"
first_due = 2026-12-01     # a date (09:00 local) or a datetime with its offset
cadence_days = 15          # optional, as are kind, category, tolerance_days, service_min,
                           # description, active and checklist
checklist = [              # an inspection round's items (see dispatcher.inspections.checklist)
  { key = "pressure", label = "出水压力", kind = "reading", unit = "MPa", min = 0.3, max = 0.6 },
  { key = "leaks", label = "无渗漏", photo = true },
]
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from dispatcher.assets.models import AssetKind
from dispatcher.enums import Category
from dispatcher.inspections.checklist import Checklist, ChecklistItem, unique_keys

_KIND_KEYS = {"cadence_days", "tolerance_days", "service_min", "category"}
_KIND_OPTIONAL = {"checklist"}
_PLAN_KEYS = _KIND_KEYS | _KIND_OPTIONAL | {"asset_id", "asset_kind", "site_id", "kind",
                                            "first_due", "description", "active"}
_PLAN_HEADER = re.compile(r"^\s*\[\[\s*plan\s*\]\]")
VISIT_TIME = time(9, 0)  # a due date without a time falls due at 09:00 local


class PlanFileError(ValueError):
    """The plans file is malformed; the message names the file, line and key."""


@dataclass(frozen=True)
class KindDefaults:
    """Cadence, tolerance, service minutes and category of a kind of plan."""

    cadence_days: int
    tolerance_days: int
    service_min: int
    category: Category
    checklist: tuple[ChecklistItem, ...] = ()


@dataclass(frozen=True)
class PlanSpec:
    """One `[[plan]]` entry: which assets, and the values it sets."""

    line: int
    asset_id: int | None
    asset_kind: AssetKind | None
    site_id: str | None
    values: dict[str, Any] = field(default_factory=dict)


def default_kinds() -> dict[str, KindDefaults]:
    """The packaged defaults (dispatcher/maintenance/default_plans.toml)."""
    text = resources.files("dispatcher.maintenance").joinpath("default_plans.toml").read_text(
        "utf-8")
    return _kinds(tomllib.loads(text).get("kind", {}), "default_plans.toml", text)


def parse(text: str, *, where: str, tz: ZoneInfo) -> tuple[dict[str, KindDefaults], list[PlanSpec]]:
    """The file's kind defaults (over the packaged ones) and its plan entries."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanFileError(f"{where}: {exc}") from exc
    unknown = set(data) - {"kind", "plan"}
    if unknown:
        raise PlanFileError(f"{where}: unknown table(s) {sorted(unknown)}; use [kind.<name>] "
                            "and [[plan]]")
    kinds = default_kinds()
    kinds.update(_kinds(data.get("kind", {}), where, text, base=kinds))
    plans = data.get("plan", [])
    if not isinstance(plans, list):
        raise PlanFileError(f"{where}: plan must be an array of tables ([[plan]])")
    headers = [n for n, line in enumerate(text.splitlines(), 1) if _PLAN_HEADER.match(line)]
    specs = [_plan(raw, i, where, headers[i] if i < len(headers) else 0, text, tz)
             for i, raw in enumerate(plans)]
    return kinds, specs


def _kinds(raw: dict[str, Any], where: str, text: str,
           base: dict[str, KindDefaults] | None = None) -> dict[str, KindDefaults]:
    kinds = {}
    for name, values in raw.items():
        at = f"{where}:{_line(text, f'[kind.{name}]')}: kind.{name}"
        unknown = set(values) - _KIND_KEYS - _KIND_OPTIONAL
        if unknown:
            raise PlanFileError(f"{at}: unknown key(s) {sorted(unknown)}")
        known = (base or {}).get(name)
        merged = {**(known.__dict__ if known else {}), **values}
        missing = _KIND_KEYS - set(merged)
        if missing:
            raise PlanFileError(f"{at}: missing {sorted(missing)} (no default for this kind)")
        kinds[name] = KindDefaults(
            _positive(merged["cadence_days"], f"{at}.cadence_days"),
            _positive(merged["tolerance_days"], f"{at}.tolerance_days"),
            _positive(merged["service_min"], f"{at}.service_min"),
            _enum(Category, merged["category"], f"{at}.category"),
            tuple(_checklist(values["checklist"], f"{at}.checklist")) if "checklist" in values
            else known.checklist if known else ())
    return kinds


def _plan(raw: dict[str, Any], i: int, where: str, header: int, text: str,
          tz: ZoneInfo) -> PlanSpec:
    def at(key: str) -> str:
        return f"{where}:{_line(text, key, after=header) or header}: plan[{i}].{key}"

    unknown = set(raw) - _PLAN_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise PlanFileError(f"{at(key)}: unknown key; allowed: {sorted(_PLAN_KEYS)}")
    if ("asset_id" in raw) == ("asset_kind" in raw):
        raise PlanFileError(f"{where}:{header}: plan[{i}]: give exactly one of asset_id "
                            "or asset_kind")
    values: dict[str, Any] = {}
    for key in ("cadence_days", "tolerance_days", "service_min"):
        if key in raw:
            values[key] = _positive(raw[key], at(key))
    if "category" in raw:
        values["category"] = _enum(Category, raw["category"], at("category"))
    if "first_due" in raw:
        values["first_due"] = _due(raw["first_due"], at("first_due"), tz)
    for key, kind in (("kind", str), ("description", str), ("active", bool)):
        if key in raw:
            if not isinstance(raw[key], kind):
                raise PlanFileError(f"{at(key)} must be a {kind.__name__}")
            values[key] = raw[key]
    if "checklist" in raw:
        values["checklist"] = _checklist(raw["checklist"], at("checklist"))
    asset_id = _positive(raw["asset_id"], at("asset_id")) if "asset_id" in raw else None
    asset_kind = (_enum(AssetKind, raw["asset_kind"], at("asset_kind"))
                  if "asset_kind" in raw else None)
    site_id = raw.get("site_id")
    if site_id is not None and not isinstance(site_id, str):
        raise PlanFileError(f"{at('site_id')} must be a string")
    return PlanSpec(header, asset_id, asset_kind, site_id, values)


def _line(text: str, needle: str, after: int = 0) -> int:
    """1-based line of the first line after `after` starting with `needle` (0 if none)."""
    for n, line in enumerate(text.splitlines(), 1):
        if n > after and line.strip().startswith(needle):
            return n
    return 0


_ITEMS = TypeAdapter(Checklist)


def _checklist(value: Any, at: str) -> list[ChecklistItem]:
    """A checklist from the file: an array of tables, each an item."""
    try:
        return unique_keys(_ITEMS.validate_python(value))
    except ValidationError as exc:
        first = exc.errors()[0]
        index, *path = first["loc"] or ("",)
        where = f"{at}[{index}]" + "".join(f".{p}" for p in path)
        raise PlanFileError(f"{where}: {first['msg']}") from None
    except ValueError as exc:
        raise PlanFileError(f"{at}: {exc}") from None


def _positive(value: Any, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PlanFileError(f"{at} must be a positive integer, got {value!r}")
    return value


def _enum(kind: type, value: Any, at: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise PlanFileError(f"{at}: {value!r} is not one of {[m.value for m in kind]}") from None


def _due(value: Any, at: str, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PlanFileError(f"{at}: a datetime needs its offset, e.g. 2026-12-01T09:00+08:00")
        return value
    if isinstance(value, date):
        return datetime.combine(value, VISIT_TIME, tzinfo=tz)
    raise PlanFileError(f"{at} must be a date (2026-12-01) or a datetime, got {value!r}")
