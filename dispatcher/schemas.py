"""Shared schema pieces: positions and aware timestamps."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)


def _timestamp_text(value: object) -> object:
    # Lax pydantic reads a number (or "0.5") as seconds since 1970; the schema says RFC 3339.
    if isinstance(value, datetime) or (isinstance(value, str)
                                       and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        return value
    raise ValueError("must be an RFC 3339 timestamp string, e.g. 2026-11-25T09:00:00+08:00")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must include a time zone, e.g. 2026-11-25T09:00:00+08:00")
    return value


AwareDatetime = Annotated[datetime, BeforeValidator(_timestamp_text), AfterValidator(_aware)]
Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS84 latitude, degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS84 longitude, degrees")]


# JSON Schema's `time` format is RFC 3339's, which needs a zone; a shift's time has none.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value: object) -> object:
    if isinstance(value, time) or (isinstance(value, str) and re.fullmatch(TIME_PATTERN, value)):
        return value
    raise ValueError("must be a local time HH:MM or HH:MM:SS, without a zone")


LocalTime = Annotated[time, BeforeValidator(_local_time), WithJsonSchema(
    {"type": "string", "pattern": TIME_PATTERN, "description": "local time, HH:MM[:SS]"})]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _date_text(value: object) -> object:
    # Lax pydantic reads "0" as a day counted from 1970; the schema says YYYY-MM-DD.
    if isinstance(value, date) or (isinstance(value, str) and re.fullmatch(DATE_PATTERN, value)):
        return value
    raise ValueError("must be a day YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_date_text)]

# Row ids are INTEGER columns: PostgreSQL's is 32-bit, so a larger id can name no row.
MAX_ID = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_ID, description="a stored row's id")]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """An update's field that may be left out but not set to null (its column is NOT NULL):
    typed without None, so an explicit null is a 422 naming it instead of a database error."""
    return Field(None, json_schema_extra=_no_default, **constraints)


def _is(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Whether `annotation` is one of `kinds`, alone or in a union (with None)."""
    if annotation in kinds:
        return True
    return any(_is(arg, kinds) for arg in get_args(annotation) if arg is not type(None))


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields of `model` typed as a boolean, and those typed as a number."""
    fields = model.model_fields.items()
    flags = tuple(name for name, f in fields if _is(f.annotation, (bool,)))
    numbers = tuple(name for name, f in fields
                    if name not in flags and _is(f.annotation, (int, float)))
    return flags, numbers


class Strict(BaseModel):
    """Input models refuse unknown fields so a typo is an error, not silently ignored, and
    take booleans and numbers only as JSON ones (lax pydantic reads false as 0 and 0 as false;
    the schema says neither)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_booleans_and_numbers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            flags, numbers = _fields(cls)
            for name in flags:
                if data.get(name) is not None and not isinstance(data[name], bool):
                    raise ValueError(f"{name} must be true or false")
            for name in numbers:
                if isinstance(data.get(name), bool):
                    raise ValueError(f"{name} must be a number, not true or false")
        return data
