"""Scenario files: the built-ins round-trip through their file form; errors name the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatcher.simulation.builtin import builtin
from dispatcher.simulation.dump import scenario_data
from dispatcher.simulation.scenario import ScenarioError, load_scenario
from dispatcher.simulation.stream import day_tickets
from dispatcher.sla.policy import load_policy


@pytest.mark.parametrize("name", ["small", "district", "city"])
def test_a_builtin_written_out_reads_back_the_same(tmp_path: Path, name: str) -> None:
    """`--dump` then `--scenario FILE` plays exactly the same day."""
    original = builtin(name)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(scenario_data(original)), "utf-8")
    again = load_scenario(path)
    assert len(again.sites) == len(original.sites)
    assert again.technicians == original.technicians
    policy = load_policy()
    assert day_tickets(again, seed=4, policy=policy) == day_tickets(original, seed=4, policy=policy)


def test_builtin_sizes_match_the_issue() -> None:
    """small ~80, district ~600, city ~3,000 tickets a day; 8, 40 and 200 technicians."""
    for name, techs, tickets in (("small", 8, 80), ("district", 40, 600), ("city", 200, 3000)):
        sc = builtin(name)
        n = len(day_tickets(sc, seed=1, policy=load_policy()))
        assert len(sc.technicians) == techs
        assert 0.85 * tickets <= n <= 1.15 * tickets


def test_a_toml_file_with_a_replayed_stream(tmp_path: Path) -> None:
    """A hand-written TOML scenario replaying two tickets from a JSONL log."""
    (tmp_path / "log.jsonl").write_text(
        '{"reported_at": "2026-11-25T09:00:00+08:00", "urgency": "emergency", '
        '"category": "water", "lat": 31.225, "lon": 121.535, "actual_service_min": 50}\n'
        '{"reported_at": "2026-11-25T08:30:00+08:00", "urgency": "scheduled", '
        '"category": "hvac", "lat": 31.226, "lon": 121.536, '
        '"window": ["2026-11-25T10:00:00+08:00", "2026-11-25T12:00:00+08:00"]}\n', "utf-8")
    (tmp_path / "site.toml").write_text('''
name = "two"
[[site]]
id = "s"
[[site.building]]
name = "1"
at = [31.225, 121.535]
[[technician]]
name = "Li"
skills = ["plumber", "hvac"]
shift = ["08:00", "17:00"]
base_site = "s"
[tickets]
replay = "log.jsonl"
''', "utf-8")
    sc = load_scenario(tmp_path / "site.toml")
    tickets = day_tickets(sc, seed=1, policy=load_policy())
    assert [t.urgency.value for t in tickets] == ["scheduled", "emergency"]  # by report time
    assert tickets[1].actual_service_s == 50 * 60
    assert sc.technicians[0].home == (31.225, 121.535)


@pytest.mark.parametrize(("data", "names"), [
    ({"site": [], "technician": []}, "at least one site"),
    ({"site": [{"id": "s", "building": [{"name": "1", "at": [91, 0]}]}],
      "technician": []}, "site[0].building[0].at"),
    ({"site": [{"id": "s", "building": [{"name": "1", "at": [31, 121]}]}],
      "technician": [{"name": "x", "skills": ["juggler"], "shift": ["08:00", "17:00"],
                      "home": [31, 121]}]}, "technician[0].skills"),
    ({"site": [{"id": "s", "building": [{"name": "1", "at": [31, 121]}]}],
      "technician": [{"name": "x", "skills": ["general"], "shift": ["08:00", "17:00"],
                      "home": [31, 121]}], "tickets": {"booked_ahead": 2}},
     "tickets.booked_ahead"),
])
def test_errors_name_the_key(tmp_path: Path, data: dict, names: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ScenarioError, match=names.replace("[", r"\[").replace("]", r"\]")):
        load_scenario(path)
