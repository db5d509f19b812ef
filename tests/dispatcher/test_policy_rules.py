"""SLA policy rules that mutation testing found unchecked (issue 18): each expectation is
written by hand from the default policy file, not computed by the code under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dispatcher.enums import Category, Urgency
from dispatcher.sla.policy import PolicyError, load_policy

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
