"""Travel matrices against geopy, and shifts in local time including night and on-call."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pytest
from geopy.distance import geodesic

from dispatcher.technicians.shifts import current_shift
from dispatcher.travel import GeodesicTravelTimes, MatrixTravelTimes
from tests.conftest import SHANGHAI


def test_matrix_matches_geopy_within_a_tenth_of_a_percent() -> None:
    rng = np.random.default_rng(3)
    pts = np.c_[31.2 + rng.uniform(-0.4, 0.4, 30), 121.4 + rng.uniform(-0.4, 0.4, 30)]
    metres = GeodesicTravelTimes(circuity=1.0).distance_m(pts)
    for i, j in [(0, 1), (2, 17), (5, 29), (10, 11)]:
        assert metres[i, j] == pytest.approx(geodesic(pts[i], pts[j]).meters, rel=1e-3)
    assert np.allclose(metres, metres.T) and np.all(np.diag(metres) == 0)


def test_seconds_are_distance_times_circuity_over_speed() -> None:
    a, b = (31.0, 121.0), (31.0 + 1 / 111.2, 121.0)  # ~1 km apart
    km = geodesic(a, b).km
    travel = GeodesicTravelTimes(speed_kmh=20, circuity=1.3)
    expected = km * 1.3 / 20 * 3600
    assert travel.matrix(np.array([a, b]))[0, 1] == pytest.approx(expected, abs=1)
    assert travel.seconds(a, b) == pytest.approx(expected, abs=1)
    assert GeodesicTravelTimes(speed_kmh=40).matrix(np.array([a, b]))[0, 1] == pytest.approx(
        expected / 2, abs=1)


def test_explicit_matrix_is_looked_up_by_location() -> None:
    coords = np.array([[31.0, 121.0], [31.1, 121.1], [31.2, 121.2]])
    seconds = np.array([[0, 100, 200], [110, 0, 300], [210, 310, 0]])
    travel = MatrixTravelTimes(coords, seconds)
    assert travel.matrix(coords[[2, 0]]).tolist() == [[0, 210], [200, 0]]
    with pytest.raises(ValueError, match="not a location"):
        travel.matrix(np.array([[0.0, 0.0]]))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=SHANGHAI)


def test_day_shift() -> None:
    assert current_shift(time(8), time(17), at(9), SHANGHAI) == (at(8), at(17))
    assert current_shift(time(8), time(17), at(17), SHANGHAI) is None
    assert current_shift(time(8), time(17), at(7, 59), SHANGHAI) is None


def test_night_shift_runs_past_midnight() -> None:
    start, end = current_shift(time(22), time(6), at(2), SHANGHAI)
    assert start == datetime(2026, 11, 24, 22, tzinfo=SHANGHAI) and end == at(6)
    assert current_shift(time(22), time(6), at(12), SHANGHAI) is None


def test_equal_start_and_end_is_on_call_round_the_clock() -> None:
    for hour in (0, 7, 13, 23):
        assert current_shift(time(0), time(0), at(hour), SHANGHAI) is not None
