"""The trainer's :class:`~rnn_core.lockstep.Lockstep` in a process of its own (``python -m rnn_core.lockstep_process
FD``).

Why a process: the server is one Python process, and only one of its threads runs Python at a time (the GIL), so a
trainer thread and forty script threads share one core while the machine has two. In a child process, the training
runs of a class move on the second core while the server's threads draw the pages on the first; the server's thread
that waits for them holds no lock while it waits.

The protocol, over the connection on file descriptor FD (:class:`multiprocessing.connection.Connection`, pickled
tuples; the server is the only peer):

* the server sends ``("add", request, body)``, ``body`` being ``(key, X, targets, group)`` pickled (once, outside
  the server's locks): train ``group`` (a :class:`~rnn_core.lockstep.Group` whose steppers pickle) on the data
  ``key`` names, with whatever else is going on that data;
* the child answers ``("done", request, outcome)`` when the group ends: its ``{name: (trajectory, series)}``, or
  the exception that ended it (an optimizer that raised, data that cannot be evaluated).

Between two steps the child takes every request that arrived, so runs join the ones going exactly as in the
server's own trainer (:mod:`ui.batched_runs`). It ends when the server closes the connection (or dies).
Pure: numpy and the standard library, no Streamlit (the child starts in a fraction of a second).
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Hashable
from multiprocessing.connection import Connection

from rnn_core import lockstep


def serve(conn: Connection) -> None:
    """Train what ``conn`` sends until it closes (see the module's docstring)."""
    stepping: dict[Hashable, tuple] = {}  # key -> (Lockstep, {group id: request id})
    while True:
        try:
            # Block while idle; between steps, only take what has already arrived.
            while not stepping or conn.poll(0):
                _take(conn.recv(), stepping, conn)
        except (EOFError, OSError):
            return
        for key in list(stepping):
            together, waiting = stepping[key]
            try:
                finished = together.step()
            except Exception as error:  # the data set's fault: every run on it fails, the trainer goes on
                for request in waiting.values():
                    _send(conn, request, error)
                del stepping[key]
                continue
            for g, outcome in finished.items():
                _send(conn, waiting.pop(g), outcome)
            if together.idle:
                del stepping[key]


def _take(message: tuple, stepping: dict, conn: Connection) -> None:
    _kind, request, body = message
    try:
        key, X, targets, group = pickle.loads(body)  # pickled once by the server, outside its locks
        if key not in stepping:
            stepping[key] = (lockstep.Lockstep(X, targets), {})
        together, waiting = stepping[key]
        waiting[together.add(group)] = request
    except Exception as error:  # e.g. data the Lockstep cannot take: that request's error
        _send(conn, request, error)


def _send(conn: Connection, request: int, outcome) -> None:
    try:
        conn.send(("done", request, outcome))
    except Exception as error:  # an outcome that does not pickle (an exception's arguments): say what it was
        conn.send(("done", request, RuntimeError(f"{type(outcome).__name__}: {outcome} ({error})"[:500])))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
