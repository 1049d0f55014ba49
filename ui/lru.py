"""A small store shared by every session of the process: at most ``size`` entries, the least recently used
dropped first. Each session's script runs in its own thread, so every access takes the store's lock."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ui import script_gate


class SharedLRU:
    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}  # a lock per key being made (see get_or_make)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under ``key``, made by ``make()`` and kept if there is none. Sessions that miss the same key at
        once wait for the first one's ``make`` instead of each making it (forty students opening a lesson at once
        would otherwise build each of its charts forty times); other keys are made meanwhile. ``make`` may itself
        use other keys. A None value is not kept."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        if not making.acquire(blocking=False):  # another session is making it: let a third run meanwhile
            with script_gate.aside():
                making.acquire()
        try:
            value = self.get(key)
            if value is None:
                try:
                    value = make()
                    if value is not None:
                        self.put(key, value)
                finally:
                    with self._lock:
                        if self._making.get(key) is making:
                            del self._making[key]
        finally:
            making.release()
        return value

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value under ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key`` as the most recently used, dropping the oldest past ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
