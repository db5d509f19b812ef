"""SLA deadlines per urgency and category, and company policy files laid over the default."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dispatcher.enums import Category, ComplaintTopic, Skill, Urgency
from dispatcher.sla.policy import PolicyError, load_policy

REPORTED = datetime(2026, 11, 25, 1, 0).astimezone()
MIN = timedelta(minutes=1)


def deadlines(urgency: Urgency, category: Category, window=None, path: Path | None = None):
    return load_policy(path).deadlines(urgency=urgency, category=category,
                                       reported_at=REPORTED, window=window)


def test_emergency_respond_15_arrive_30_resolve_120() -> None:
    d = deadlines(Urgency.emergency, Category.water)
    assert (d.respond_by, d.arrive_by, d.resolve_by) == (
        REPORTED + 15 * MIN, REPORTED + 30 * MIN, REPORTED + 120 * MIN)


def test_fire_alarm_on_site_in_10_minutes() -> None:
    d = deadlines(Urgency.emergency, Category.fire)
    assert d.arrive_by == REPORTED + 10 * MIN
    assert d.resolve_by == REPORTED + 120 * MIN


def test_routine_resolved_in_24_hours_without_arrival_deadline() -> None:
    d = deadlines(Urgency.routine, Category.electric)
    assert d.resolve_by == REPORTED + 24 * 60 * MIN
    assert d.arrive_by is None and d.respond_by is None


def test_sanitation_complaint_on_site_30_resolved_4h() -> None:
    d = deadlines(Urgency.routine, Category.sanitation)
    assert (d.arrive_by, d.resolve_by) == (REPORTED + 30 * MIN, REPORTED + 240 * MIN)


def test_scheduled_must_arrive_by_window_end() -> None:
    window = (REPORTED + 120 * MIN, REPORTED + 240 * MIN)
    d = deadlines(Urgency.scheduled, Category.hvac, window=window)
    assert d.arrive_by == window[1]


def test_emergency_weighs_far_more_than_routine() -> None:
    policy = load_policy()
    emergency = policy.level(Urgency.emergency, Category.water).late_weight
    routine = policy.level(Urgency.routine, Category.general).late_weight
    assert emergency >= 50 * routine


def test_category_defaults() -> None:
    policy = load_policy()
    assert policy.defaults(Category.water).skill is Skill.plumber
    assert policy.defaults(Category.lock).skill is Skill.locksmith
    assert policy.defaults(Category.elevator).service_min == 90


def test_policy_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[urgency.emergency]\narrive_min = 20\n\n[category.lock]\nservice_min = 15\n")
    d = deadlines(Urgency.emergency, Category.water, path=path)
    assert d.arrive_by == REPORTED + 20 * MIN
    assert d.respond_by == REPORTED + 15 * MIN  # untouched key keeps the default
    assert load_policy(path).defaults(Category.lock).service_min == 15
    # The default fire rule still applies on top of the company's emergency level.
    assert deadlines(Urgency.emergency, Category.fire, path=path).arrive_by == REPORTED + 10 * MIN


def test_policy_file_can_replace_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[rule]]\nurgency = "emergency"\ncategory = "gas"\narrive_min = 20\n')
    assert deadlines(Urgency.emergency, Category.gas, path=path).arrive_by == REPORTED + 20 * MIN
    assert deadlines(Urgency.emergency, Category.fire, path=path).arrive_by == REPORTED + 30 * MIN


def test_a_complaints_topic_lays_its_own_minutes_over_the_default(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[complaint.parking]\nacknowledge_min = 10\n")
    levels = load_policy(path).complaints
    assert (levels[ComplaintTopic.parking].acknowledge_min,
            levels[ComplaintTopic.parking].close_min) == (10, 1440)
    assert (levels[ComplaintTopic.sanitation].explain_min,
            levels[ComplaintTopic.sanitation].close_min) == (30, 240)  # the packaged rule


@pytest.mark.parametrize("body, named", [
    ("[urgency.emergency]\narrive_min = -5\n", "urgency.emergency.arrive_min"),
    ("[urgency.routine]\nresolve_hours = 3\n", "resolve_hours"),
    ('[category.water]\nskill = "diver"\n', "category.water.skill"),
    ('[[rule]]\ncategory = "plumbing"\n', "rule[0].category"),
    ("[urgency.emergency\n", "policy.toml"),
    ("[complaint.weather]\nclose_min = 60\n", "complaint.weather: not a topic"),
    ("[complaint.noise]\nexplain_min = 2000\n", "complaint.noise: acknowledge_min <= explain_min"),
    ("[complaint.default]\nclose_min = 0\n", "complaint.facility.close_min must be a positive"),
    ("[complaint.parking]\nreply_min = 5\n", "complaint.parking: unknown key"),
])
def test_bad_policy_file_names_the_key(tmp_path: Path, body: str, named: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(body)
    with pytest.raises(PolicyError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_policy(path)
