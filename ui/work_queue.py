"""Long computations, one at a time per server process, in a short shared queue that every student can see.

A request whose cost grows with its settings (the optimizer race at its longest, training an LSTM at a lag that
was not shipped) would otherwise run in the student's own script thread: forty students asking at once would run
forty of them side by side and every page on the server would wait. Here such a request becomes a *job*, and one
worker thread per process runs the jobs in turn:

- identical requests share one job (a class asking for the same lag trains it once) and its result, kept for the
  next :data:`KEEP_RESULTS` jobs;
- a session waits for one job at a time: asking for another (a slider moved again) withdraws its previous one,
  which is dropped if no one else waits for it;
- at most :data:`CAPACITY` jobs wait; beyond that a request is refused with a message, and the student tries later;
- a waiting student sees their place in line (or the running job's progress) and can cancel. A queued job that
  nobody waits for any more is dropped; a running one stops at its next progress report (training reports every
  few updates; a race has no reports and finishes, its result kept for whoever asks next).

The worker is a thread, not a process: the jobs are numpy code that shares the server's models and caches, and
one job at a time bounds what they can take from the other students to one core's worth of the process's time.

:func:`computed` is what a page calls: it returns the result when it is there, and otherwise draws the waiting
box (which polls, and reruns the page when the job is done) and returns None. :func:`on_demand` puts a button
before it: a move of a slider that makes the computation long offers it (what it is, about how long it takes) and
asks for nothing; the student's click queues it. A class moving a slider through long settings then costs the
server nothing until someone wants one of them.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ui.i18n import t
from ui.numbers import num

CAPACITY = 8  # jobs waiting (the running one not counted)
KEEP_RESULTS = 16  # finished jobs whose results are kept, most recent first
POLL_SECONDS = 1.0  # how often a waiting box asks how its job is doing
GONE_AFTER = 20.0  # a session whose box has not asked for this long has left (closed the tab, moved on)


class Busy(Exception):
    """The queue is full: the request was not taken."""


class Cancelled(Exception):
    """Raised inside a job, at a progress report, when nobody waits for it any more."""


@dataclass(eq=False)
class Job:
    """One computation: ``run(job)`` returns its result and may call :meth:`report` as it goes."""

    key: Hashable
    run: Callable[[Job], Any]
    owners: set[str] = field(default_factory=set)
    state: str = "queued"  # "queued", "running", "done", "failed", "cancelled"
    fraction: float | None = None  # of the work done, when the job reports it
    values: dict = field(default_factory=dict)  # what the job last reported, for the page to word
    result: Any = None
    error: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    started: float | None = None  # time.monotonic() when it started running
    wanted: Callable[[], bool] = lambda: True  # whether anyone still waits (set by the queue)

    def report(self, fraction: float, **values) -> None:
        """Progress from inside the job; raises :class:`Cancelled` if nobody waits for it any more."""
        self.fraction, self.values = min(1.0, max(0.0, fraction)), values
        if self.stop.is_set() or not self.wanted():
            raise Cancelled


class WorkQueue:
    """The process's queue and its worker thread (started at the first request)."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        keep: int = KEEP_RESULTS,
        gone_after: float = GONE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.capacity, self.keep, self.gone_after, self.clock = capacity, keep, gone_after, clock
        self._seen: dict[str, float] = {}  # session -> when it last asked (a request, or its box's poll)
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._running: Job | None = None
        self._done: OrderedDict[Hashable, Job] = OrderedDict()
        self._asked: dict[str, Hashable] = {}  # session -> the key it waits for
        self._worker: threading.Thread | None = None

    # --- what sessions do -------------------------------------------------------------------------------------
    def request(self, session: str, key: Hashable, run: Callable[[Job], Any]) -> Job:
        """The job for ``key``, finished or on its way; ``session`` now waits for it (and for nothing else).

        Raises :class:`Busy` when the queue is full and no job for ``key`` exists."""
        with self._cond:
            self._seen[session] = self.clock()
            done = self._done.get(key)
            if done is not None:
                self._done.move_to_end(key)
                self._withdraw(session)
                return done
            if self._asked.get(session) != key:
                self._withdraw(session)
            job = self._find(key)
            if job is None:
                if len(self._waiting) >= self.capacity:
                    raise Busy
                job = Job(key, run)
                job.wanted = lambda job=job: self._wanted(job)
                self._waiting.append(job)
                self._ensure_worker()
                self._cond.notify()
            job.owners.add(session)
            self._asked[session] = key
            return job

    def cancel(self, session: str, key: Hashable | None = None) -> None:
        """``session`` no longer waits for its job (which goes if nobody else waits for it); with ``key``, only if
        that is the job it waits for (it may have asked for another since, on another page)."""
        with self._cond:
            if key is None or self._asked.get(session) == key:
                self._withdraw(session)

    def touch(self, session: str) -> None:
        """``session`` is still there (its waiting box polled)."""
        with self._cond:
            self._seen[session] = self.clock()

    def place(self, job: Job) -> int:
        """0 while ``job`` runs; else its place among the jobs before it, the running one counted (1 = next)."""
        with self._cond:
            if job is self._running or job.state != "queued":
                return 0
            ahead = next((i for i, waiting in enumerate(self._waiting) if waiting is job), len(self._waiting))
            return ahead + (1 if self._running is not None else 0)

    def result(self, key: Hashable):
        """The result of the finished job for ``key``, or None (never ran, not finished, or no longer kept)."""
        with self._cond:
            done = self._done.get(key)
            return None if done is None else done.result

    def waiting(self) -> int:
        """Jobs waiting, the running one not counted."""
        with self._cond:
            return len(self._waiting)

    # --- inside ------------------------------------------------------------------------------------------------
    def _find(self, key: Hashable) -> Job | None:
        if self._running is not None and self._running.key == key and not self._running.stop.is_set():
            return self._running
        return next((job for job in self._waiting if job.key == key), None)

    def _wanted(self, job: Job) -> bool:
        """Whether a session that has not left waits for ``job``: a tab closed without Cancel stops asking."""
        with self._cond:
            now = self.clock()
            return any(now - self._seen.get(session, -math.inf) <= self.gone_after for session in job.owners)

    def _forget_gone(self) -> None:
        """Drop the sessions that left, and the waiting jobs only they waited for (called with the lock held)."""
        now = self.clock()
        gone = [session for session, seen in self._seen.items() if now - seen > self.gone_after]
        for session in gone:
            self._withdraw(session)
            del self._seen[session]

    def _withdraw(self, session: str) -> None:
        key = self._asked.pop(session, None)
        if key is None:
            return
        job = self._find(key)
        if job is None:
            return
        job.owners.discard(session)
        if job.owners:
            return
        if job is self._running:
            job.stop.set()  # stops at its next report
        else:
            self._waiting.remove(job)
            job.state = "cancelled"

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="rnn-lab-work-queue", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                self._forget_gone()
                while not self._waiting:
                    self._cond.wait(timeout=self.gone_after)
                    self._forget_gone()
                job = self._running = self._waiting.popleft()
                job.state, job.started = "running", time.monotonic()
            try:
                result, state, error = job.run(job), "done", ""
            except Cancelled:
                result, state, error = None, "cancelled", ""
            except Exception as err:  # noqa: BLE001 - a failed job is reported to whoever waits, the worker goes on
                result, state, error = None, "failed", f"{type(err).__name__}: {str(err)[:200]}"
            with self._cond:
                job.result, job.error, job.state = result, error, state
                self._running = None
                for session in job.owners:
                    if self._asked.get(session) == job.key:
                        del self._asked[session]
                job.owners.clear()
                if state == "done":
                    self._done[job.key] = job
                    while len(self._done) > self.keep:
                        self._done.popitem(last=False)


@st.cache_resource(show_spinner=False)
def work_queue() -> WorkQueue:
    """The process's one queue, shared by every session."""
    return WorkQueue()


def ready(key: Hashable):
    """The result of this process's finished job for ``key``, or None: asks for nothing."""
    return work_queue().result(key)


def _session() -> str:
    return st.session_state.setdefault("_work.session", secrets.token_hex(8))


def _cancelled() -> set:
    return st.session_state.setdefault("_work.cancelled", set())


def computed(key: Hashable, run: Callable[[Job], Any], what: str, progress: Callable[[Job], str] | None = None):
    """The result of ``run`` for ``key`` if it is ready; else None, with the waiting box drawn in its place.

    ``what`` says in the student's language what is being computed; ``progress(job)`` words a running job's
    last report. A job this session cancelled is not asked for again until the student asks (a button)."""
    if key in _cancelled():
        st.info(t("work.cancelled", what=what), icon=":material/cancel:")
        st.button(t("work.again"), key=f"work_again_{abs(hash(key))}", on_click=_cancelled().discard, args=(key,))
        return None
    queue = work_queue()
    try:
        job = queue.request(_session(), key, run)
    except Busy:
        st.warning(t("work.busy", what=what, waiting=queue.waiting()), icon=":material/hourglass_top:")
        st.button(t("work.again"), key=f"work_retry_{abs(hash(key))}")
        return None
    if job.state == "done":
        return job.result
    if job.state == "failed":
        st.error(t("work.failed", what=what, error=job.error), icon=":material/error:")
        return None
    _waiting_box(job, what, progress)
    return None


def _asked() -> dict:
    return st.session_state.setdefault("_work.asked", {})


def on_demand(
    key: Hashable,
    run: Callable[[Job], Any],
    what: str,
    offer: str,
    *,
    button: str | None = None,
    icon: str = ":material/hourglass_empty:",
    progress: Callable[[Job], str] | None = None,
    slot: str = "",
):
    """:func:`computed`, once the student asks: the result if this process has it (someone ran it), else, until
    the student clicks the offer's button (``button``, "Run it" by default), None with the ``offer`` drawn (what
    the computation is and what it costs: :func:`offer_text`); after the click, the waiting box. ``slot`` names the
    place on the page (one offer each; its button's key is ``work_run_<slot>``). Moving on to other settings
    withdraws what the student asked for."""
    done = ready(key)
    if done is not None:
        if _asked().get(slot) == key:  # answered: once the queue no longer keeps it, the offer comes back
            del _asked()[slot]
        return done
    asked = _asked().get(slot)
    if asked != key:
        settled(slot)
        st.info(offer, icon=icon)
        st.button(
            button or t("work.run"),
            key=f"work_run_{slot}",
            on_click=_ask,
            args=(slot, key),
            type="primary",
            icon=":material/play_arrow:",
        )
        return None
    return computed(key, run, what, progress)


def settled(slot: str) -> None:
    """The student moved on from what it asked for in ``slot`` (to another long setting, or to one the page computes
    at once): it no longer waits for it, and the job goes if nobody else does. Pages call it where ``slot``'s
    setting needs no queue; :func:`on_demand` calls it itself."""
    asked = _asked().pop(slot, None)
    if asked is not None:
        work_queue().cancel(_session(), asked)


def offer_text(what: str, seconds: float) -> str:
    """The offer of a computation whose cost a page can estimate: what it is, and about how long it takes."""
    return t("work.offer", what=what, seconds=num(seconds, 2))


def _ask(slot: str, key: Hashable) -> None:
    _asked()[slot] = key
    _cancelled().discard(key)


def _cancel(key: Hashable) -> None:
    _cancelled().add(key)
    work_queue().cancel(_session())


@st.fragment(run_every=POLL_SECONDS)
def _waiting_box(job: Job, what: str, progress: Callable[[Job], str] | None) -> None:
    """Where the result will be: the place in line or the progress, and Cancel. Reruns the page when done."""
    if job.state in ("done", "failed") or (job.state == "cancelled" and job.key not in _cancelled()):
        st.rerun(scope="app")
    with st.container(border=True, key="work-queue-waiting"):
        work_queue().touch(_session())
        place = work_queue().place(job)
        if job.state == "running" or place == 0:
            st.markdown(t("work.running", what=what))
            if job.fraction is not None:
                st.progress(job.fraction, text=progress(job) if progress and job.values else None)
            elif job.started is not None:  # a job that does not report: how long it has run
                st.caption(t("work.elapsed", seconds=f"{time.monotonic() - job.started:.0f}"))
        else:
            st.markdown(t("work.queued", what=what, place=place))
        st.caption(t("work.why"))
        st.button(t("work.cancel"), key="work_cancel", on_click=_cancel, args=(job.key,), icon=":material/close:")
