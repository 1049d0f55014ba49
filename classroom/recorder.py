"""One session's way to the class store, which may be away.

Answers go into a short queue and are sent in order. When the store is unavailable, the queue keeps them and
the recorder waits :data:`BACKOFF` seconds before trying again, at the next submission; then everything queued
is sent. A class that has ended drops its queued answers. The queue is bounded: a session that answers through
a long outage keeps its newest :data:`MAX_PENDING` answers.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from classroom.store import Answer, ClassGone, ClassStore, StoreUnavailable

BACKOFF = 5.0
MAX_PENDING = 50


class Recorder:
    """Per session. ``status`` after each call: ``"recorded"`` (nothing waiting), ``"waiting"`` (the store is
    away; answers queued) or ``"class_gone"`` (the class expired; its answers were dropped). ``clock`` returns
    the time in seconds (default :func:`time.monotonic`); a test passes a clock it sets."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.pending: deque[tuple[int, Answer]] = deque(maxlen=MAX_PENDING)
        self.retry_at = 0.0
        self.status = "recorded"

    def submit(self, store: ClassStore, class_id: int, answer: Answer) -> str:
        self.pending.append((class_id, answer))
        return self.flush(store)

    def flush(self, store: ClassStore) -> str:
        if self.pending and self.clock() < self.retry_at:
            self.status = "waiting"
            return self.status
        gone = False
        while self.pending:
            class_id, answer = self.pending[0]
            try:
                store.record(class_id, answer)
            except ClassGone:
                gone = True
                self.pending = deque(((c, a) for c, a in self.pending if c != class_id), maxlen=MAX_PENDING)
                continue
            except StoreUnavailable:
                self.retry_at = self.clock() + BACKOFF
                self.status = "waiting"
                return self.status
            self.pending.popleft()
        self.status = "class_gone" if gone else "recorded"
        return self.status
