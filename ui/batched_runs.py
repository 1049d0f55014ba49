"""The counting RNN's training runs of every session, trained together by one thread of the server.

A class told "now try a few learning rates" sends forty different settings at once, and each needs a training run
of up to a few thousand iterations. :class:`rnn_core.lockstep.Lockstep` trains any number of independent runs on
the same data with one evaluation per iteration, and what each run gets is bit for bit what it gets alone; one
evaluation of forty pairs costs a few times one pair's (bench/bench_race.py). So a session does not train its own
runs: it hands them to the process's trainer and waits for them. The trainer (one thread, started when a run
arrives and ended after a quiet spell) steps every data set's runs in turn, and between two steps the runs that
arrived join the ones going (as inference servers batch requests continuously):

* a lone student's run starts at once and costs what it did;
* a run gets its results after its own iterations: a 500-iteration run that joins a 5,000-iteration one does
  not wait for the longer to end;
* a run whose optimizer raises fails its own session only (the Lockstep gives that group the exception), and a
  data set that cannot be evaluated fails the sessions that asked for it, not the trainer.

Each session's script runs in its own thread (Streamlit), and numpy's calls on arrays this small hold the GIL: one
thread training every run costs the server no more than forty threads each training one, and far less work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import numpy as np
import streamlit as st

from rnn_core import lockstep

QUIET_SECONDS = 30.0  # the trainer's thread ends after this long without a run (the next run starts another)


class _Request:
    __slots__ = ("key", "X", "targets", "group", "event", "result", "error")

    def __init__(self, key: Hashable, X: np.ndarray, targets: np.ndarray, group: lockstep.Group):
        self.key, self.X, self.targets, self.group = key, X, targets, group
        self.event, self.result, self.error = threading.Event(), None, None

    def finish(self, outcome) -> None:
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.result = outcome
        self.event.set()


class Batches:
    """One trainer thread for the runs of every session, by data set (a key that names it).

    ``make`` builds the stepper of one data set (:class:`rnn_core.lockstep.Lockstep`; tests slow it down)."""

    def __init__(self, make: Callable = lockstep.Lockstep, quiet_seconds: float = QUIET_SECONDS):
        self._make, self._quiet = make, quiet_seconds
        self._ready = threading.Condition()
        self._arrived: list[_Request] = []
        self._thread: threading.Thread | None = None
        self.groups = 0  # runs asked for, and the most groups ever stepped together (for tests and benches)
        self.most_together = 0

    def run(self, key: Hashable, X: np.ndarray, targets: np.ndarray, group: lockstep.Group) -> dict:
        """``lockstep.run`` of ``group`` on (``X``, ``targets``), which ``key`` names, trained with whatever other
        sessions ask for at the same time."""
        request = _Request(key, X, targets, group)
        with self._ready:
            if self._thread is None:
                trainer = threading.Thread(target=self._train, name="rnn-lab-trainer", daemon=True)
                trainer.start()  # if it cannot start, this session gets the error and nothing waits for it
                self._thread = trainer
            self._arrived.append(request)
            self.groups += 1
            self._ready.notify()
        request.event.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def _train(self) -> None:
        stepping: dict[Hashable, tuple] = {}  # key -> (Lockstep, {group id: request})
        taken: list[_Request] = []  # every request this thread took, for the case it fails itself
        try:
            self._loop(stepping, taken)
        except BaseException as error:  # a fault of the trainer itself: no session may wait forever
            with self._ready:
                self._thread = None
                taken += self._arrived
                self._arrived = []
            for request in taken:
                if not request.event.is_set():
                    request.finish(error)

    def _loop(self, stepping: dict, taken: list) -> None:
        while True:
            with self._ready:
                if not self._arrived and not stepping:
                    self._ready.wait(self._quiet)
                    if not self._arrived:
                        self._thread = None  # a run that arrives now starts a new thread
                        return
                arrived, self._arrived = self._arrived, []
            if arrived:
                taken[:] = [request for request in taken if not request.event.is_set()] + arrived
            for request in arrived:
                try:
                    if request.key not in stepping:
                        stepping[request.key] = (self._make(request.X, request.targets), {})
                    together, waiting = stepping[request.key]
                    waiting[together.add(request.group)] = request
                except Exception as error:  # e.g. data that cannot be evaluated: this session's error
                    request.finish(error)
            for key in list(stepping):
                together, waiting = stepping[key]
                self.most_together = max(self.most_together, len(waiting))
                try:
                    finished = together.step()
                except Exception as error:  # the data set's fault: every run on it fails, the trainer goes on
                    for request in waiting.values():
                        request.finish(error)
                    del stepping[key]
                    continue
                for g, outcome in finished.items():
                    waiting.pop(g).finish(outcome)
                if together.idle:
                    del stepping[key]


@st.cache_resource(show_spinner=False)
def batches() -> Batches:
    """The process's trainer, shared by every session."""
    return Batches()


def counting_data(name: str, n: int, length: int, seed: int) -> tuple:
    """The key of a counting-RNN data set as the lessons name it: the book's set whatever the generator's
    settings, a generated set by them (``counting.make_dataset(n, length, seed)``)."""
    return ("counting", "book") if name == "book" else ("counting", name, n, length, seed)


def engine(key: Hashable) -> Callable:
    """A function with :func:`rnn_core.lockstep.run`'s signature whose runs are trained with the other sessions'
    on the same data, ``key`` naming that data (:func:`counting_data`)."""
    shared = batches()

    def run(X, targets, start, steppers, n_iter, until_below=None):
        return shared.run(key, X, targets, lockstep.Group(start, steppers, n_iter, until_below))

    return run
