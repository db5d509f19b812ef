"""Large arrays reach the solver process through shared memory, and nothing is left behind."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.reduction import ForkingPickler

import numpy as np

from dispatcher.planning import shipping
from dispatcher.planning.room import Room


def _checksum(a: np.ndarray, small: np.ndarray) -> tuple[int, tuple[int, ...], int]:
    return int(a.sum(dtype=np.int64)), a.shape, int(small.sum())


def _segments() -> set[str]:
    """Shared-memory segments of the machine (`SharedMemory` names start with psm_)."""
    return {n for n in os.listdir("/dev/shm") if n.startswith("psm_")}


def test_a_large_array_crosses_by_shared_memory_and_its_segment_is_unlinked() -> None:
    shipping.ship_large_arrays()
    big = np.arange(3 * shipping.BIG // 8, dtype=np.int64).reshape(-1, 3)[:, :2]  # a view
    small = np.arange(10)
    assert pickle.loads(ForkingPickler.dumps(small)).tolist() == small.tolist()
    before = _segments()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        try:
            got = pool.submit(_checksum, big, small).result()
            assert shipping.pending() == 1  # the big one only
            assert len(_segments() - before) == 1
        finally:
            shipping.release()
    assert got == (int(big.sum()), big.shape, 45)
    assert shipping.pending() == 0 and _segments() == before


def test_a_room_is_not_sent_along() -> None:
    room = Room(100)
    assert pickle.loads(pickle.dumps(room)) is None
    assert room.buffer.shape[0] >= 164 and room.matrix.shape == (100, 100)
