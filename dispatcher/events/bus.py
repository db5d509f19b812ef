"""The event bus interface and its in-process backend (Redis Streams come later)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], None]


class EventBus(Protocol):
    """Publish stored events to whoever listens (the planner, live views)."""

    def publish(self, event: dict[str, Any]) -> None: ...

    def subscribe(self, handler: Handler) -> None: ...


class InProcessBus:
    """Calls every subscriber in the publishing thread; handlers must be quick and not raise."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: Handler) -> None:
        with self._lock:
            self._handlers.append(handler)

    def publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            handler(event)
