"""A turnstile for the server's script runs: at most ``width`` sessions (one, usually) run their script at once, the
others wait their turn in the order they arrived.

Why: every session's script is a thread of the one server process, and they share one interpreter lock. Forty
students moving a slider at the same moment started forty threads that each ran a fortieth of the time: all forty
answers came at the end of the wave, and the switching between forty threads cost the server a quarter more CPU
per move (`python3 bench/classroom.py`, py-spy; see the README's "Speed" section). One at a time, the first
answers arrive after one move's time, and the last one comes sooner because less is wasted.

A run that waits on work done outside its thread (the trainer's runs, a chart or cached value another session is
computing, the class database) steps aside (:meth:`ScriptGate.aside`) so that another script runs meanwhile; it
comes back ahead of the sessions that arrived after it. No session waits forever: after ``patience`` seconds a
run goes in anyway, so a stuck run (a database that does not answer) slows the class but never stops it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

WIDTH_ENV = "RNNLAB_SCRIPT_GATE"  # how many scripts run at once; 0: no gate
# One place. Against two, in alternating rounds of forty sessions (the README's A/B): lstm's p95 wait per move 1.4
# against 2.3 s, gradients' 1.2 against 1.4, opens 0.5-0.7 s sooner. Two running scripts kept the server's event
# loop, which sends every answer, off the interpreter lock until the wave was over. A wait nobody stepped aside for
# holds the class up for ``patience`` at most, and is logged.
USUAL_WIDTH = 1
PATIENCE_SECONDS = 10.0
_LOGGER = logging.getLogger(__name__)


class ScriptGate:
    """``width`` places, handed over by arrival: each run takes a ticket when it first asks, and keeps it while it
    steps aside and when its student's newer move restarts it, so the earliest of the waiting runs goes in next.
    (Handed over by the time each asked again, runs that step aside would take turns stage by stage and all end
    together at the end of a wave, as forty threads did.)"""

    def __init__(self, width: int, patience: float = PATIENCE_SECONDS):
        if width < 1:
            raise ValueError("a gate needs at least one place")
        self.width, self.patience = width, patience
        self._lock = threading.Lock()
        self._free = width
        self._tickets = itertools.count()
        self._waiting: list[tuple[int, threading.Event]] = []  # a heap by ticket (tickets are unique)
        self._thread = threading.local()  # per thread: its ticket, inside the gate, holding a place
        self.waited_out = 0  # runs that went in after ``patience`` without a place (for tests and benches)

    def _take(self, ticket: int) -> bool:
        """Wait for a place (True), or for ``patience`` (False: go in without one)."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = (ticket, threading.Event())
            heapq.heappush(self._waiting, turn)
        if turn[1].wait(self.patience):
            return True
        with self._lock:
            if turn[1].is_set():  # handed over between the timeout and this lock
                return True
            self._waiting.remove(turn)
            heapq.heapify(self._waiting)
            self.waited_out += 1
        # Every place has been held this long: a run waits on something it did not step aside for. Said in the
        # server's log, where an operator sees it; the class goes on.
        _LOGGER.warning(
            "a script run waited %.0f s for one of %d places and went in without one", self.patience, self.width
        )
        return False

    def _give(self) -> None:
        """Hand the place to the earliest run waiting, or free it."""
        with self._lock:
            if self._waiting:
                heapq.heappop(self._waiting)[1].set()
            else:
                self._free += 1

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Run the body in a place of its own (a run already inside, such as a fragment called by the page, keeps its
        own place). A run that follows one stopped for a rerun (:meth:`stopped_for_rerun`) keeps its ticket."""
        here = self._thread
        if getattr(here, "inside", False):
            yield
            return
        if not getattr(here, "again", False):
            here.ticket = next(self._tickets)
        here.again = False
        here.inside, here.holds = True, self._take(here.ticket)
        try:
            yield
        finally:
            here.inside = False
            if here.holds:
                here.holds = False
                self._give()

    def stopped_for_rerun(self) -> None:
        """This thread's run was stopped because its student moved again: the run that follows keeps its ticket
        instead of queueing behind those who arrived meanwhile."""
        self._thread.again = True

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Give this run's place to another while the body waits on something outside this thread; take a place
        again after it, by its ticket (ahead of every run that arrived after it)."""
        here = self._thread
        if not getattr(here, "holds", False):
            yield
            return
        here.holds = False
        self._give()
        try:
            yield
        finally:
            here.holds = self._take(here.ticket)


def width_from_env() -> int:
    """``RNNLAB_SCRIPT_GATE``: a whole number of places, 0 for none; anything else gives the default."""
    raw = os.environ.get(WIDTH_ENV, "").strip()
    return int(raw) if raw.isdigit() else USUAL_WIDTH


# The process's one gate (a lock, not state: it holds no session's data), None with RNNLAB_SCRIPT_GATE=0.
GATE: ScriptGate | None = ScriptGate(width) if (width := width_from_env()) else None


@contextmanager
def aside() -> Iterator[None]:
    """:meth:`ScriptGate.aside` of the process's gate (nothing without one)."""
    if GATE is None:
        yield
    else:
        with GATE.aside():
            yield
