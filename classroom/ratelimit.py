"""At most N submissions in any one second, per session (a sliding window over the last N times)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """Allows ``per_second`` events in any window of one second; the caller keeps one per session.

    ``clock`` returns the time in seconds (default :func:`time.monotonic`); a test passes a clock it sets.
    """

    def __init__(self, per_second: int = 2, clock: Callable[[], float] | None = None):
        self.clock = clock or time.monotonic
        self.recent: deque[float] = deque(maxlen=per_second)

    def allow(self) -> bool:
        """Count an event now, if the window has room; False (and nothing counted) if it has not."""
        now = self.clock()
        if len(self.recent) == self.recent.maxlen and now - self.recent[0] < 1.0:
            return False
        self.recent.append(now)
        return True
