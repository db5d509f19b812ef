"""The travel matrix of a snapshot, with room to grow: quick insertions add a ticket's row
and column without copying the whole matrix, and a re-plan reuses the last one's times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dispatcher.travel import TravelTimes


class Room:
    """A travel matrix with spare rows and columns: quick insertions grow the snapshot's
    matrix into it instead of copying it (at 200 / 2,000, 35 MB: 20-40 ms a ticket).

    Snapshots made from one another share it; only the one that filled it last may grow it
    in place (`filled`), any other copies (two growths from one snapshot never overwrite
    each other's rows)."""

    SPARE = 0.1  # a tenth more points, at least 64, before the next copy

    def __reduce__(self) -> tuple[Any, ...]:
        return _no_room, ()  # a snapshot sent to the solver process goes without its room

    def __init__(self, n: int) -> None:
        size = n + max(64, int(n * self.SPARE))
        self.buffer = np.empty((size, size), dtype=np.int64)
        self.filled = n

    @property
    def matrix(self) -> np.ndarray:
        """The filled corner."""
        return self.buffer[:self.filled, :self.filled]

    def grown(self, matrix: np.ndarray, m: int) -> np.ndarray | None:
        """The buffer's m x m corner if `matrix` is its filled corner and m fits, else None."""
        if matrix.shape[0] != self.filled or m > self.buffer.shape[0] \
                or not _corner(matrix, self.buffer):
            return None
        self.filled = m
        return self.matrix


def _no_room() -> None:
    return None


def _corner(matrix: np.ndarray, buffer: np.ndarray) -> bool:
    """Whether `matrix` is a view of `buffer`'s top-left corner."""
    return matrix.base is buffer \
        and matrix.__array_interface__["data"][0] == buffer.__array_interface__["data"][0]


def travel_room(travel: TravelTimes, coords: list[tuple[float, float]],
                previous: tuple[Sequence[tuple[float, float]], np.ndarray] | None) -> Room:
    """Travel seconds between `coords`, in a room for new tickets: copied from `previous`
    between points it had (most of them: tickets stay put, a few technicians move), computed
    for the rest. `previous` is an earlier snapshot's coordinates and travel matrix. At
    200 / 2,000 the whole matrix took 450 ms of every re-plan."""
    room = Room(len(coords))
    matrix = room.matrix
    if not coords:
        return room
    points = np.array(coords)
    index = {c: i for i, c in enumerate(previous[0])} if previous is not None else {}
    old = np.array([index.get(c, -1) for c in coords])
    known, new = np.flatnonzero(old >= 0), np.flatnonzero(old < 0)
    if previous is None or len(known) < len(coords) // 2:
        matrix[:] = travel.matrix(points)
        return room
    matrix[np.ix_(known, known)] = previous[1][np.ix_(old[known], old[known])]
    if len(new):
        matrix[new, :] = travel.between(points[new], points)
        matrix[np.ix_(known, new)] = travel.between(points[known], points[new])
    return room
