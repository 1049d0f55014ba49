"""Rate limits: at most N submissions in any one second per session, and guesses per client address.

:class:`RateLimit` is a session's (a sliding window over its last N times). :class:`AddressLimit` is the process's,
shared by every session: a class code or a short link that opens nothing costs its address a token, so guessing
codes is as slow from a hundred sessions (or a new session per guess) as from one.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict, deque
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


class AddressLimit:
    """Failed look-ups (class codes, short links, teacher keys) per client address: a token bucket each.

    An address starts with ``burst`` tokens and earns ``per_second`` back, up to ``burst``; a miss spends one, and
    an address with less than one token left is refused any look-up (hit or miss) until it has earned one back.
    A look-up that finds something costs nothing, so a class of 40 behind one school address joins at once, and
    a few typos each cost one token. With the defaults a guesser gets 20 tries, then one every 2 s: about 43,000
    a day against 2³⁰ codes.

    The table is bounded: at most ``max_addresses``, the least recently seen dropped first (an ``OrderedDict``
    as an LRU under one lock, since every session's thread uses it). A global that only grows would let a client
    with many addresses (IPv6 gives one a whole /64) grow the server's memory without end; dropping the oldest
    address only forgets its spent tokens, which a client that owns ``max_addresses`` addresses has many times
    over anyway. Per process: behind N replicas a guesser gets N times the rate, still as slow as above each.
    """

    def __init__(
        self,
        burst: float = 20,
        per_second: float = 0.5,
        max_addresses: int = 10_000,
        clock: Callable[[], float] | None = None,
    ):
        self.burst, self.per_second, self.max_addresses = float(burst), float(per_second), max_addresses
        self.clock = clock or time.monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> AddressLimit:
        """The defaults, or ``RNNLAB_GUESS_BURST`` and ``RNNLAB_GUESS_RATE`` (guesses earned back a second) where
        set to positive numbers: a school whose classes share one address and type many codes wrong may want more;
        a test wants a rate it can outrun."""
        kwargs = {}
        for name, arg in (("RNNLAB_GUESS_BURST", "burst"), ("RNNLAB_GUESS_RATE", "per_second")):
            try:
                value = float(os.environ.get(name, "nan"))
            except ValueError:
                continue
            if math.isfinite(value) and value > 0:
                kwargs[arg] = value
        return cls(**kwargs)

    def _tokens(self, address: str, now: float) -> float:
        tokens, at = self._buckets.get(address, (self.burst, now))
        return min(self.burst, tokens + max(0.0, now - at) * self.per_second)

    def wait(self, address: str) -> float:
        """0 if ``address`` may look a code up now, else the seconds until it may (nothing is spent)."""
        with self._lock:
            tokens = self._tokens(address, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def miss(self, address: str) -> None:
        """A look-up from ``address`` found nothing: spend one of its tokens."""
        with self._lock:
            now = self.clock()
            self._buckets[address] = (max(0.0, self._tokens(address, now) - 1), now)
            self._buckets.move_to_end(address)
            while len(self._buckets) > self.max_addresses:
                self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)


def client_address(headers, ip_address: str | None) -> str:
    """The address a request came from, as the rate limit counts it.

    Streamlit gives ``ip_address`` None for a connection from this machine. Our nginx (``deploy/``) runs on this
    machine and appends the client's address to ``X-Forwarded-For``, so then the last entry is the client: the
    ones before it are whatever the client sent, and a client could send any. A connection from elsewhere is not
    our proxy, so its header is not trusted: its own address counts. Without either (a local run, the tests) all
    sessions share one address, ``"local"``.
    """
    if not isinstance(ip_address, str):  # None; or, under a test harness, whatever stands in for a client
        try:
            forwarded = headers.get("X-Forwarded-For") if headers is not None else None
        except Exception:  # noqa: BLE001 - headers that cannot be read are no headers
            forwarded = None
        last = forwarded.rsplit(",", 1)[-1].strip()[:64] if isinstance(forwarded, str) else ""
        return last or "local"
    return ip_address[:64]


def seconds_text(wait: float) -> int:
    """Whole seconds to show for a wait (at least 1)."""
    return max(1, math.ceil(wait))
