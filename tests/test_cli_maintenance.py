"""`dispatch maintenance import plans.toml`: stores plans, or says which key on which line."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests import builders


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database with two elevators."""
    url = f"sqlite:///{tmp_path}/plans.db"
    engine = Engine(Settings(database_url=url))
    for name in ("1号梯", "2号梯"):
        engine.create_asset(AssetCreate(kind=AssetKind.elevator, name=name, site_id="lvjing",
                                        lat=builders.ORIGIN[0], lon=builders.ORIGIN[1]))
    engine.sessions.kw["bind"].dispose()
    return url


def test_import_creates_the_plans(url: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text('[[plan]]\nasset_kind = "elevator"\nfirst_due = 2026-12-01\n', "utf-8")
    assert main(["maintenance", "import", str(plans), "--database-url", url]) == 0
    assert "2 plan(s) created, 0 updated" in capsys.readouterr().out
    engine = Engine(Settings(database_url=url))
    assert [p.cadence_days for p in engine.list_plans()] == [15, 15]
    engine.sessions.kw["bind"].dispose()


def test_a_bad_file_names_the_line_and_key_and_stores_nothing(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text('[[plan]]\nasset_id = 1\n\n[[plan]]\nasset_id = 2\ntolerance_days = "2"\n',
                     "utf-8")
    assert main(["maintenance", "import", str(plans), "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert f"{plans}:6: plan[1].tolerance_days must be a positive integer" in err
    engine = Engine(Settings(database_url=url))
    assert engine.list_plans() == []
    engine.sessions.kw["bind"].dispose()


def test_an_unknown_asset_and_a_missing_file_are_clear(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text('[[plan]]\nasset_id = 1\n\n[[plan]]\nasset_id = 9\n', "utf-8")
    assert main(["maintenance", "import", str(plans), "--database-url", url]) == 2
    assert "asset_id: line 4: asset_id 9 not found" in capsys.readouterr().err
    engine = Engine(Settings(database_url=url))
    assert engine.list_plans() == []  # all or nothing
    engine.sessions.kw["bind"].dispose()
    assert main(["maintenance", "import", str(tmp_path / "nope.toml"),
                 "--database-url", url]) == 2
    assert "cannot read" in capsys.readouterr().err
