"""Large arrays to the solver process through shared memory instead of its pipe.

A solve in the solver process receives its snapshot pickled by the executor's feeder thread.
At 200 technicians / 2,000 tickets the travel matrix is 35 MB: pickling it held the planner's
GIL for about 60 ms (twice for a local re-plan, which sends the previous snapshot too), and a
quick insertion in the planner waited that long. Arrays of `BIG` bytes or more are copied
into a shared-memory segment instead (numpy copies without the GIL) and only the segment's
name crosses the pipe; the solver process copies the array out, and the planner unlinks the
segments of a call once it has returned (`release`).
"""

from __future__ import annotations

import contextlib
import threading
from multiprocessing.reduction import ForkingPickler
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np

BIG = 1 << 20  # bytes

_made: list[SharedMemory] = []  # segments made for calls not yet returned
_guard = threading.Lock()


def ship_large_arrays() -> None:
    """From now on, arrays of `BIG` bytes or more that this process sends through
    multiprocessing (the solver executor's calls) travel through shared memory."""
    ForkingPickler.register(np.ndarray, _reduce)


def release() -> None:
    """Unlink the segments made so far: their calls have returned (or failed)."""
    with _guard:
        made, _made[:] = list(_made), []
    for shm in made:
        shm.close()
        with contextlib.suppress(FileNotFoundError):  # already gone
            shm.unlink()


def pending() -> int:
    """Segments not yet released (tests)."""
    return len(_made)


def _reduce(array: np.ndarray) -> tuple[Any, ...]:
    if array.nbytes < BIG:
        return array.__reduce__()
    shm = SharedMemory(create=True, size=array.nbytes)
    np.ndarray(array.shape, array.dtype, buffer=shm.buf)[...] = array
    with _guard:
        _made.append(shm)
    return _attach, (shm.name, array.shape, array.dtype.str)


def _attach(name: str, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """In the solver process: the array, copied out of its segment (which the planner
    unlinks; a spawned process shares the planner's resource tracker, so attaching
    registers nothing new)."""
    shm = SharedMemory(name=name)
    try:
        return np.array(np.ndarray(shape, np.dtype(dtype), buffer=shm.buf))
    finally:
        shm.close()
