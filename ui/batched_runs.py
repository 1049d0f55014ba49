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
thread training every run costs the server no more than forty threads each training one, and far less work. The
trainer itself runs in a child process (:class:`ProcessBatches`, :mod:`rnn_core.lockstep_process`): the server is
one process whose threads take turns on one core, so training there took a third of that core from the pages
under a class's load (py-spy), and the machine has a second core. The server's thread that waits for the child
holds no lock; a run the child cannot take (it died, or its steppers do not pickle) is trained here.
"""

from __future__ import annotations

import math
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Hashable
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import streamlit as st

from rnn_core import lockstep
from ui import script_gate

QUIET_SECONDS = 30.0  # the trainer's thread ends after this long without a run (the next run starts another)
RESTART_SECONDS = 10.0  # a trainer process that died is started again after this long (runs train here meanwhile)
ROOT = Path(__file__).resolve().parents[1]  # where `python -m rnn_core.lockstep_process` finds the package


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
        with script_gate.aside():  # another session's script runs meanwhile
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


class ProcessBatches:
    """:class:`Batches` with its Lockstep in a child process (:mod:`rnn_core.lockstep_process`), on the machine's
    other core: the same runs, bit for bit (the same code on the same numbers), while this process's threads keep
    drawing pages.

    The child starts at the first run and is started again after it died, at most once every
    :data:`RESTART_SECONDS`. Whatever the child cannot take is trained by this process's own trainer (``local``):
    a group whose steppers do not pickle, every run while the child is down, and the runs it held when it died
    (they start again here). A session sees its runs either way."""

    def __init__(self, local: Batches | None = None, restart_seconds: float = RESTART_SECONDS):
        self.local = local or Batches()
        self._restart = restart_seconds
        self._lock = threading.Lock()  # the connection, the waiting requests and the child
        # Writes to the child, one message at a time. Not ``_lock``: a write waits while the child, which reads
        # between its steps, is itself waiting to write a result, and the thread that reads the results needs
        # ``_lock`` for each one (holding ``_lock`` while writing deadlocked the two processes).
        self._send_lock = threading.Lock()
        self._conn: Connection | None = None
        self._child: subprocess.Popen | None = None
        self._waiting: dict[int, _Request] = {}
        self._count = 0
        self._down_since = -math.inf  # when the child last failed to start or died
        self.groups = self.sent = 0  # runs asked for, and how many the child took

    def run(self, key: Hashable, X: np.ndarray, targets: np.ndarray, group: lockstep.Group) -> dict:
        try:  # pickled once, outside the locks; what does not pickle (a closure) trains here
            body = pickle.dumps((key, X, targets, group), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - any failure to pickle means this group is trained here
            return self.local.run(key, X, targets, group)
        request = _Request(key, X, targets, group)
        with self._lock:
            self.groups += 1
            conn = self._connection()
            if conn is not None:
                number, self._count = self._count, self._count + 1
                self._waiting[number] = request  # from now on, the child's end hands it back if it dies
        if conn is None:
            return self.local.run(key, X, targets, group)
        try:
            with self._send_lock:
                conn.send_bytes(pickle.dumps(("add", number, body), protocol=pickle.HIGHEST_PROTOCOL))
            self.sent += 1
        except OSError:  # the child is gone: its receiver hands its runs back
            pass
        with script_gate.aside():  # another session's script runs meanwhile
            request.event.wait()
        if request.error is _CHILD_DIED:  # trained here instead, from the start
            return self.local.run(key, X, targets, group)
        if request.error is not None:
            raise request.error
        return request.result

    def _connection(self) -> Connection | None:
        """The child's connection, started if there is none (with the lock held); None while it cannot run."""
        if self._conn is not None:
            return self._conn
        if time.monotonic() - self._down_since < self._restart:
            return None
        ours, theirs = socket.socketpair()
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "rnn_core.lockstep_process", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, ValueError):  # no process to be had (resources, a platform without pass_fds)
            ours.close()
            self._down_since = time.monotonic()
            return None
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        self._conn, self._child = conn, child
        threading.Thread(target=self._receive, args=(conn, child), name="rnn-lab-trainer-child", daemon=True).start()
        return conn

    def _receive(self, conn: Connection, child: subprocess.Popen) -> None:
        """Hand each finished group to its session; when the child dies, hand back the runs it held."""
        try:
            while True:
                _kind, number, outcome = conn.recv()
                with self._lock:
                    request = self._waiting.pop(number, None)
                if request is not None:
                    request.finish(outcome)
        except Exception:  # noqa: BLE001 - EOF, a broken pipe, a reply that cannot be read: the child is gone
            pass
        with self._lock:
            if self._conn is conn:
                self._conn, self._child, self._down_since = None, None, time.monotonic()
            orphans, self._waiting = self._waiting, {}
        conn.close()
        for request in orphans.values():
            request.finish(_CHILD_DIED)
        try:
            child.kill()
            child.wait(timeout=10)
        except Exception:  # noqa: BLE001 - already reaped, or it will be by the interpreter
            pass

    def close(self, timeout: float = 10.0) -> None:
        """End the child and wait until its receiver has handed back what it held (tests; a server ends it by
        exiting: the child reads the end of its connection). Closing our end from here would not wake the receiver
        blocked reading it, so the child is killed and the receiver sees it end."""
        with self._lock:
            child = self._child
        if child is None:
            return
        child.kill()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._child is not child:
                    return
            time.sleep(0.01)


_CHILD_DIED = ChildProcessError("the trainer process ended")


def _use_child() -> bool:
    """A child process unless ``RNNLAB_TRAINER=thread``, on POSIX systems (the child inherits its end of a socket
    pair by its file descriptor, which Windows cannot pass)."""
    return os.name == "posix" and os.environ.get("RNNLAB_TRAINER", "process") != "thread"


@st.cache_resource(show_spinner=False)
def batches() -> Batches | ProcessBatches:
    """The process's trainer, shared by every session: a child process (``RNNLAB_TRAINER=thread`` keeps it in this
    process)."""
    return ProcessBatches() if _use_child() else Batches()


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
