"""Access tokens are judged by the engine's clock, never by the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatcher.auth.models import Role, User
from dispatcher.auth.tokens import issue, user_id
from dispatcher.errors import Unauthenticated

SECRET = "s" * 32


def user() -> User:
    return User(id=7, username="li", role=Role.technician, technician_id=3)


@pytest.mark.parametrize("days", [-400, 0, 400])
def test_a_token_is_valid_for_its_ttl_on_the_engines_clock_whatever_the_wall_says(
        days: int) -> None:
    # The demo's scaled clock runs ahead of the wall; tests' manual clocks stand anywhere.
    now = datetime.now(UTC) + timedelta(days=days)
    token, expires = issue(user(), secret=SECRET, now=now, ttl=timedelta(hours=12))
    assert user_id(token, secret=SECRET, now=now) == 7
    assert user_id(token, secret=SECRET, now=expires - timedelta(seconds=1)) == 7
    with pytest.raises(Unauthenticated, match="expired"):
        user_id(token, secret=SECRET, now=expires)


def test_a_token_signed_with_another_key_is_refused() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    forged, _ = issue(user(), secret="x" * 32, now=now, ttl=timedelta(hours=12))
    with pytest.raises(Unauthenticated, match="invalid"):
        user_id(forged, secret=SECRET, now=now)
