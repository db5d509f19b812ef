"""A checklist item and the judgement of an answer to it.

An item is a yes/no check (normal or abnormal) or a reading with a normal range and a unit;
either may require a photo. An abnormal check or a reading outside its range is a fault found.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from dispatcher.schemas import Strict

KEY_PATTERN = r"^[a-z0-9_]{1,64}$"
MAX_ITEMS = 50


class ItemKind(StrEnum):
    check = "check"      # normal / abnormal
    reading = "reading"  # a number with a normal range


class ChecklistItem(Strict):
    """One thing to look at on the round."""

    key: str = Field(pattern=KEY_PATTERN, description="stable id of the item within the plan")
    label: str = Field(min_length=1, max_length=200, description="what to check, as shown")
    labels: dict[Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")],
                 Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict, description="the label by language, e.g. {\"en\": \"...\"}")
    kind: ItemKind = ItemKind.check
    unit: str | None = Field(None, min_length=1, max_length=16)
    min: float | None = Field(None, description="lowest normal reading")
    max: float | None = Field(None, description="highest normal reading")
    photo: bool = Field(False, description="a photo is required with the answer")

    @model_validator(mode="after")
    def _range(self) -> ChecklistItem:
        if self.kind is ItemKind.check:
            if self.min is not None or self.max is not None or self.unit is not None:
                raise ValueError(f"item {self.key!r}: a check has no unit, min or max; "
                                 "use kind 'reading' for a number")
        elif self.min is None and self.max is None:
            raise ValueError(f"item {self.key!r}: a reading needs min, max or both")
        elif self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"item {self.key!r}: min ({self.min}) is above max ({self.max})")
        return self


Checklist = Annotated[list[ChecklistItem], Field(max_length=MAX_ITEMS)]


def unique_keys(items: list[ChecklistItem]) -> list[ChecklistItem]:
    """The items, if no key repeats (an answer names its item by key)."""
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise ValueError(f"checklist key {item.key!r} appears twice")
        seen.add(item.key)
    return items


def abnormal(item: ChecklistItem, *, ok: bool | None, value: float | None) -> bool:
    """Whether an answer is a fault found: an abnormal check, or a reading out of range."""
    if item.kind is ItemKind.check:
        return ok is False
    assert value is not None, "a reading's answer carries its value"
    return (item.min is not None and value < item.min) or \
        (item.max is not None and value > item.max)


def normal_range(item: ChecklistItem) -> str:
    """The item's range as a person reads it: "0.3–0.6 MPa", "≤ 40 °C", "≥ 5"."""
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and item.max is not None:
        return f"{item.min:g}–{item.max:g}{unit}"
    if item.min is not None:
        return f"≥ {item.min:g}{unit}"
    return f"≤ {item.max:g}{unit}"
