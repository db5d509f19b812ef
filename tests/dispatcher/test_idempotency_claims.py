"""The key's row commits with the change it guards, so a second claim of a key rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dispatcher.engine import Engine
from dispatcher.events.models import Event
from dispatcher.idempotency import service as idempotency
from dispatcher.idempotency.models import IdempotencyKey
from dispatcher.technicians.schemas import PositionUpdate
from tests.builders import north, tech


def claim(engine: Engine, key: str = "k") -> idempotency.Claim:
    return idempotency.Claim(key=key, method="POST", path="/p", body_hash="h",
                             at=engine.clock.now())


def positions(engine: Engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Event)
                        .where(Event.type == "technician.position"))


def test_the_key_commits_with_the_change_and_a_twin_rolls_back(engine: Engine) -> None:
    idempotency.guard(engine.sessions)
    li = engine.create_technician(tech())
    fix = PositionUpdate(lat=north(1)[0], lon=north(1)[1])
    with idempotency.guarding(claim(engine)) as first:
        engine.update_position(li.id, fix)
    assert first.written
    with engine.sessions() as s:
        row = s.get(IdempotencyKey, "k")
        assert row is not None and row.status_code is None  # the answer comes after
    with idempotency.guarding(claim(engine)) as twin, pytest.raises(IntegrityError):
        engine.update_position(li.id, fix)
    assert not twin.written
    assert positions(engine) == 1


def test_only_the_first_change_of_a_request_carries_the_key(engine: Engine) -> None:
    idempotency.guard(engine.sessions)
    with idempotency.guarding(claim(engine)) as c:
        engine.create_technician(tech())
        engine.create_technician(tech(name="Li"))  # same request, later commit: no new row
    assert c.written
    assert len(engine.list_technicians()) == 2


def test_body_hash_ignores_key_order_and_spacing() -> None:
    assert idempotency.body_hash(b'{"a": 1, "b": 2}') == idempotency.body_hash(b'{"b":2,"a":1}')
    assert idempotency.body_hash(b'{"a": 1}') != idempotency.body_hash(b'{"a": 2}')
    assert idempotency.body_hash(b"") == idempotency.body_hash(b"")
