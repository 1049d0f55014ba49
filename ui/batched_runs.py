"""The counting RNN's training runs of every session, gathered into one lockstep while the server is busy.

A class told "now try a few learning rates" sends forty different settings at once, and each needs a training run
of several hundred iterations. :func:`rnn_core.lockstep.run_groups` trains any number of independent runs on the
same data with one evaluation per iteration, and what each run gets is bit for bit what it gets alone; one
evaluation of forty pairs costs a few times one pair's (bench/bench_race.py). So the runs the sessions ask for
while one batch is training wait for it to end and then train together, as a database commits the transactions
that queued behind a commit ("group commit"):

* a session that asks when no batch of its data is training trains its runs at once, alone: nothing waits for a
  batch that may never fill, so a lone student's move costs what it did;
* the sessions that ask while a batch trains queue up; when the batch ends, the first of them trains everything
  queued by then, in its own thread, and the others wake with their results;
* a run whose optimizer raises fails its own group only (``run_groups`` gives that group the exception), so only
  the session that asked for it sees the error.

Each session's script runs in its own thread (Streamlit), and numpy's small-array calls hold the GIL: one batch
trains at a time per data set, which is also all the server could do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import numpy as np
import streamlit as st

from rnn_core import lockstep


class _Request:
    __slots__ = ("group", "event", "done", "result", "error")

    def __init__(self, group: lockstep.Group):
        self.group, self.event = group, threading.Event()
        self.done, self.result, self.error = False, None, None

    def outcome(self) -> dict:
        if self.error is not None:
            raise self.error
        return self.result


class Batches:
    """Training runs gathered per data set (a key that names it) while a batch of that data set trains."""

    def __init__(self, train: Callable = lockstep.run_groups):
        self._train = train
        self._lock = threading.Lock()
        self._queued: dict[Hashable, list[_Request]] = {}
        self._training: set[Hashable] = set()  # data sets with a batch training (or a leader handed it)
        self.batches = 0  # batches trained and groups in them, for tests and benches
        self.groups = 0

    def run(self, key: Hashable, X: np.ndarray, targets: np.ndarray, group: lockstep.Group) -> dict:
        """``lockstep.run`` of ``group`` on (``X``, ``targets``), which ``key`` names, with whatever other
        sessions ask for on the same data while it would wait."""
        request = _Request(group)
        with self._lock:
            self._queued.setdefault(key, []).append(request)
            lead = key not in self._training
            self._training.add(key)
        if not lead:
            request.event.wait()  # set with the result, or to hand this thread the next batch
        if not request.done:
            self._train_queued(key, X, targets)
        return request.outcome()

    def _train_queued(self, key: Hashable, X: np.ndarray, targets: np.ndarray) -> None:
        with self._lock:
            batch = self._queued.pop(key)
        try:
            results = self._train(X, targets, [request.group for request in batch])
        except Exception as error:  # the data's own fault (every group of it would fail alone too)
            results = [error] * len(batch)
        try:
            for request, result in zip(batch, results, strict=True):
                if isinstance(result, Exception):
                    request.error = result
                else:
                    request.result = result
        finally:
            with self._lock:
                self.batches, self.groups = self.batches + 1, self.groups + len(batch)
                for request in batch:
                    request.done = True
                    request.event.set()
                waiting = self._queued.get(key)
                if waiting:
                    waiting[0].event.set()  # not done: that thread trains the next batch
                else:
                    self._training.discard(key)


@st.cache_resource(show_spinner=False)
def batches() -> Batches:
    """The process's batches, shared by every session."""
    return Batches()


def counting_data(name: str, n: int, length: int, seed: int) -> tuple:
    """The key of a counting-RNN data set as the lessons name it: the book's set whatever the generator's
    settings, a generated set by them (``counting.make_dataset(n, length, seed)``)."""
    return ("counting", "book") if name == "book" else ("counting", name, n, length, seed)


def engine(key: Hashable) -> Callable:
    """A function with :func:`rnn_core.lockstep.run`'s signature whose runs join the other sessions' on the same
    data, ``key`` naming that data (e.g. the ``repr`` of the lesson's data settings)."""
    shared = batches()

    def run(X, targets, start, steppers, n_iter, until_below=None):
        return shared.run(key, X, targets, lockstep.Group(start, steppers, n_iter, until_below))

    return run
