"""SLA policy rules that mutation testing found unchecked (issue 18): each expectation is
written by hand from the default policy file, not computed by the code under test."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from dispatcher.enums import Category, Urgency
from dispatcher.sla import policy as policy_module
from dispatcher.sla.policy import Level, PolicyError, _overlay, _parse, load_policy

REPORTED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WINDOW = (REPORTED + timedelta(hours=2), REPORTED + timedelta(hours=4))


def test_a_routine_ticket_with_a_window_gets_no_arrive_deadline() -> None:
    """Only a scheduled ticket's arrival is bound to its window: routine has no arrive_min."""
    d = load_policy().deadlines(urgency=Urgency.routine, category=Category.electric,
                                reported_at=REPORTED, window=WINDOW)
    assert d.arrive_by is None
    assert d.resolve_by == REPORTED + timedelta(minutes=1440)


def test_a_scheduled_ticket_must_arrive_by_its_window_end() -> None:
    d = load_policy().deadlines(urgency=Urgency.scheduled, category=Category.electric,
                                reported_at=REPORTED, window=WINDOW)
    assert d.arrive_by == REPORTED + timedelta(hours=4)


def _company(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "company_policy.toml"
    path.write_text(text)
    return path


def test_an_error_in_a_company_file_names_that_file(tmp_path: Path) -> None:
    path = _company(tmp_path, "[category.water]\nservice_min = 0\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: category.water.service_min")
    assert "default_policy.toml" not in str(caught.value)


@pytest.mark.parametrize("minutes", [0, -5, 2.5, "45", True])
def test_service_minutes_must_be_a_positive_integer(tmp_path: Path, minutes: object) -> None:
    value = f'"{minutes}"' if isinstance(minutes, str) else str(minutes).lower()
    path = _company(tmp_path, f"[category.water]\nservice_min = {value}\n")
    with pytest.raises(PolicyError, match="service_min must be a positive integer"):
        load_policy(path)


def test_one_service_minute_is_allowed(tmp_path: Path) -> None:
    policy = load_policy(_company(tmp_path, "[category.water]\nservice_min = 1\n"))
    assert policy.defaults(Category.water).service_min == 1


@pytest.mark.parametrize("key", ["respond_min", "arrive_min", "resolve_min", "late_weight"])
def test_a_zero_deadline_or_weight_is_refused(tmp_path: Path, key: str) -> None:
    path = _company(tmp_path, f"[urgency.routine]\n{key} = 0\n")
    with pytest.raises(PolicyError, match=f"urgency.routine.{key} must be a positive integer"):
        load_policy(path)


def test_one_minute_deadlines_are_allowed(tmp_path: Path) -> None:
    policy = load_policy(_company(tmp_path, "[urgency.routine]\nrespond_min = 1\n"))
    d = policy.deadlines(urgency=Urgency.routine, category=Category.electric,
                         reported_at=REPORTED, window=None)
    assert d.respond_by == REPORTED + timedelta(minutes=1)


def test_a_rule_for_one_urgency_leaves_the_others_alone() -> None:
    """The fire rule (emergency: on site in 10 min) does not give routine fire work an arrive
    deadline; emergency fire work gets 10 min, not the urgency's 30."""
    policy = load_policy()
    routine = policy.deadlines(urgency=Urgency.routine, category=Category.fire,
                               reported_at=REPORTED, window=None)
    emergency = policy.deadlines(urgency=Urgency.emergency, category=Category.fire,
                                 reported_at=REPORTED, window=None)
    assert routine.arrive_by is None
    assert emergency.arrive_by == REPORTED + timedelta(minutes=10)


def test_a_level_cannot_be_changed_once_loaded() -> None:
    level = load_policy().level(Urgency.emergency, Category.water)
    with pytest.raises(AttributeError):
        level.arrive_min = 1  # type: ignore[misc]


def test_nothing_of_a_loaded_policy_can_be_changed_in_place() -> None:
    """One policy serves every request: a deadline, a category's defaults or the policy's
    tables reassigned by one caller would change them for all."""
    policy = load_policy()
    deadlines = policy.deadlines(urgency=Urgency.routine, category=Category.water,
                                 reported_at=REPORTED)
    for thing, field in ((deadlines, "resolve_by"), (policy.defaults(Category.water),
                                                       "service_min"), (policy, "rules")):
        with pytest.raises(AttributeError):
            setattr(thing, field, None)


def test_a_rule_without_a_weight_keeps_the_urgency_weight() -> None:
    """A rule that sets only a deadline leaves every other value of the level as it was."""
    base = Level(respond_min=15, arrive_min=30, resolve_min=120, late_weight=50)
    assert _overlay(base, Level(arrive_min=10)) == Level(15, 10, 120, 50)


def _bundled(broken: bool) -> dict[str, Any]:
    """The default file's tables (a fresh copy), optionally with a category left out."""
    text = resources.files("dispatcher.sla").joinpath("default_policy.toml").read_text("utf-8")
    data = tomllib.loads(text)
    if broken:
        del data["category"]["elevator"]
    return data


def test_an_urgency_without_a_weight_weighs_one() -> None:
    """An urgency whose table sets no late_weight counts each late minute once."""
    data = _bundled(False)
    del data["urgency"]["routine"]["late_weight"]
    policy = _parse(data, "p.toml")
    assert policy.level(Urgency.routine, Category.water).late_weight == 1


def test_a_missing_category_is_named_with_the_file() -> None:
    with pytest.raises(PolicyError) as caught:
        _parse(_bundled(True), "p.toml")
    assert str(caught.value) == "p.toml: category.elevator is missing"


def test_an_error_in_the_bundled_file_names_it(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """A broken default file (a bad install) is reported as default_policy.toml."""
    (tmp_path / "default_policy.toml").write_text("[urgency.routine]\nsoon = 1\n")
    monkeypatch.setattr(policy_module.resources, "files", lambda package: tmp_path)
    with pytest.raises(PolicyError) as caught:
        load_policy()
    assert str(caught.value) == "default_policy.toml: urgency.routine: unknown key(s) ['soon']"


@pytest.mark.parametrize("text, message", [
    ("[urgency.routine]\nrespond_min = 0\n",
     "{path}: urgency.routine.respond_min must be a positive integer, got 0"),
    ("[urgency.routine]\nsoon = 5\n", "{path}: urgency.routine: unknown key(s) ['soon']"),
    ("[category.water]\nskill = \"diver\"\n",
     "{path}: category.water.skill: 'diver' is not one of "),
    ("[[rule]]\nurgency = \"urgent\"\ncategory = \"water\"\n",
     "{path}: rule[0].urgency: 'urgent' is not one of "),
    ("[[rule]]\ncategory = \"water\"\nrespond = 5\n", "{path}: rule[0]: unknown key(s) "),
    ("[[rule]]\ncategory = \"pool\"\n", "{path}: rule[0].category: 'pool' is not one of "),
    ("[category.water\n", "{path}: "),
])
def test_each_policy_error_starts_with_the_file_and_key(tmp_path: Path, text: str,
                                                        message: str) -> None:
    path = _company(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(message.format(path=path)), str(caught.value)
