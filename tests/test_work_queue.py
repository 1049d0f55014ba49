"""The server's work queue (ui/work_queue.py): long computations one at a time, shared, bounded, cancellable; and
the two pages that use it (a long optimizer race; training an LSTM at a lag that was not shipped)."""

from __future__ import annotations

import threading
import time

import pytest
from apptest_helpers import assert_clean, by_key, open_app

from lessons.optimizers import params as optimizer_params
from lessons.optimizers import readings as optimizer_readings
from ui.i18n import catalog
from ui.numbers import num
from ui.work_queue import Busy, Cancelled, WorkQueue, work_queue


class Gate:
    """A job that runs until the test opens its gate, reporting as it waits; counts how many run at once."""

    def __init__(self):
        self.open = threading.Event()
        self.started = threading.Event()
        self.lock = threading.Lock()
        self.running = self.most = 0

    def job(self, value):
        def run(job):
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            self.started.set()
            try:
                while not self.open.wait(0.01):
                    job.report(0.5, step=1)
                return value
            finally:
                with self.lock:
                    self.running -= 1

        return run


def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_jobs_run_one_at_a_time_in_order_and_places_count_down():
    queue, gate = WorkQueue(), Gate()
    first = queue.request("s1", "a", gate.job(1))
    gate.started.wait(5)
    second = queue.request("s2", "b", gate.job(2))
    third = queue.request("s3", "c", gate.job(3))
    assert (queue.place(first), queue.place(second), queue.place(third)) == (0, 1, 2)
    assert first.state == "running" and second.state == third.state == "queued"
    gate.open.set()
    wait_until(lambda: third.state == "done")
    assert gate.most == 1  # never two at once
    assert [queue.result(k) for k in "abc"] == [1, 2, 3]


def test_identical_requests_share_one_job_and_its_result():
    queue, gate = WorkQueue(), Gate()
    calls = []
    job = queue.request("s1", "same", lambda j: calls.append(1) or gate.job(7)(j))
    assert queue.request("s2", "same", gate.job(8)) is job
    gate.open.set()
    wait_until(lambda: job.state == "done")
    again = queue.request("s3", "same", gate.job(9))  # finished: the kept result, no new job
    assert again is job and again.result == 7 and calls == [1]


def test_a_session_waits_for_one_job_and_a_job_nobody_waits_for_goes():
    queue, gate = WorkQueue(), Gate()
    queue.request("other", "busy", gate.job(0))
    gate.started.wait(5)
    old = queue.request("s1", "old", gate.job(1))
    new = queue.request("s1", "new", gate.job(2))  # the slider moved again: the old request is withdrawn
    assert old.state == "cancelled" and queue.place(new) == 1
    shared = queue.request("s2", "new", gate.job(2))
    queue.cancel("s1")
    assert shared is new and new.state == "queued"  # s2 still waits for it
    queue.cancel("s2")
    assert new.state == "cancelled" and queue.waiting() == 0
    gate.open.set()


def test_a_running_job_nobody_waits_for_stops_at_its_next_report():
    queue, gate = WorkQueue(), Gate()
    job = queue.request("s1", "long", gate.job(1))
    gate.started.wait(5)
    queue.cancel("s1")
    wait_until(lambda: job.state == "cancelled")
    assert queue.result("long") is None and gate.running == 0
    with pytest.raises(Cancelled):
        job.report(1.0)


def test_a_full_queue_refuses_and_a_failed_job_says_why():
    queue, gate = WorkQueue(capacity=2), Gate()
    queue.request("s0", "running", gate.job(0))
    gate.started.wait(5)
    queue.request("s1", "one", gate.job(1))
    queue.request("s2", "two", gate.job(2))
    with pytest.raises(Busy):
        queue.request("s3", "three", gate.job(3))
    assert queue.request("s4", "two", gate.job(2)).key == "two"  # joining a waiting job takes no room
    gate.open.set()
    wait_until(lambda: queue.result("two") == 2)

    def broken(job):
        raise ValueError("x" * 1000)

    failed = queue.request("s5", "broken", broken)
    wait_until(lambda: failed.state == "failed")
    assert failed.error.startswith("ValueError: xxx") and len(failed.error) < 250
    ok = queue.request("s6", "after", lambda job: "fine")  # the worker carries on
    wait_until(lambda: ok.state == "done")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_tab_closed_without_cancel_stops_asking_and_its_jobs_go():
    clock, gate = Clock(), Gate()
    queue = WorkQueue(gone_after=20.0, clock=clock)
    running = queue.request("left", "running", gate.job(0))
    gate.started.wait(5)
    queue.request("left-too", "queued-for-nobody", gate.job(1))
    kept = queue.request("here", "queued-for-someone", gate.job(2))
    clock.now = 15.0
    queue.touch("here")  # its box polls; the other two sessions have gone quiet
    clock.now = 30.0
    wait_until(lambda: running.state == "cancelled")  # stopped at its next report: nobody waits
    wait_until(lambda: kept.state == "running")  # the next job anyone waits for; the other was dropped
    assert queue.result("queued-for-nobody") is None and queue.waiting() == 0
    gate.open.set()
    wait_until(lambda: kept.state == "done")


def test_results_kept_are_bounded():
    queue = WorkQueue(keep=3)
    jobs = [queue.request(f"s{i}", i, lambda job, i=i: i) for i in range(5)]
    wait_until(lambda: jobs[-1].state == "done")
    assert [queue.result(i) for i in range(5)] == [None, None, 2, 3, 4]


# --- the pages --------------------------------------------------------------------------------------------------
LONG_RACE = {"data": "generated", "n": "500", "len": "50", "iters": "2000"}


def long_race_args(iters: int) -> tuple:
    v = {p.name: p.default for p in optimizer_params.PARAMS} | {"data": "generated", "n": 500, "len": 50}
    args = optimizer_readings.race_args(v | {"iters": iters})
    assert optimizer_readings.race_work(args) > optimizer_params.RACE_INLINE_WORK
    return args


def offered(at, en) -> bool:
    """Whether the page offers a long computation (and has not asked for it)."""
    return any(i.value.endswith(en["work.offer"].split("{seconds}")[1]) for i in at.info)


def test_a_long_race_is_offered_runs_when_asked_and_appears_when_done():
    en = catalog("en")
    at = open_app("optimizers", params=LONG_RACE)
    assert_clean(at)
    args = long_race_args(2000)
    standings = f"| {en['optimizers.optimizer']} |"  # the race's table
    # The move (here, the link) costs nothing: the race is offered, with what it is and about how long it takes.
    what = en["optimizers.race_job"].split("{")[0]
    offer = next(i.value for i in at.info if i.value.startswith(what))
    seconds = optimizer_readings.race_work(args) * optimizer_params.RACE_SECONDS_PER_UNIT
    assert f"about {num(seconds, 2)} s" in offer
    assert offered(at, en) and en["work.why"] not in [c.value for c in at.caption]
    assert work_queue().waiting() == 0 and work_queue()._find(optimizer_readings._race_job_key(args)) is None
    assert not any(m.value.startswith(standings) for m in at.markdown)
    assert en["optimizers.step_waits"] in [i.value for i in at.info]
    at.run()  # a rerun asks for nothing either
    assert work_queue()._find(optimizer_readings._race_job_key(args)) is None
    by_key(at, "button", "work_run_race").click().run()
    assert_clean(at)
    assert not offered(at, en)
    assert en["work.why"] in [c.value for c in at.caption]  # the waiting box, not the race
    wait_until(lambda: optimizer_readings.race_lanes(args, wait=False) is not None, 120)
    at.run()
    assert_clean(at)
    assert en["work.why"] not in [c.value for c in at.caption]
    assert en["optimizers.step_waits"] not in [i.value for i in at.info]
    assert any(m.value.startswith(standings) for m in at.markdown)
    lanes = optimizer_readings.race_lanes(args, wait=False)
    assert set(lanes) == set(args[3][i][0] for i in range(len(args[3])))
    assert all(len(lane.run.params) >= 1 for lane in lanes.values())
    # Another student arriving at the same race gets it at once: no offer, no queue.
    again = open_app("optimizers", params=LONG_RACE)
    assert_clean(again)
    assert not offered(again, en) and any(m.value.startswith(standings) for m in again.markdown)


def held_worker() -> Gate:
    """Another session's job that holds the queue's worker until the test opens it: what is asked meanwhile stays
    queued, so a test sees it cancelled rather than finished."""
    gate = Gate()
    work_queue().request("test-holder", ("test-holder", time.monotonic()), gate.job(None))
    gate.started.wait(10)
    return gate


def test_a_slider_moved_through_long_races_queues_none_of_them():
    en = catalog("en")
    holder = held_worker()
    try:
        at = open_app("optimizers", params={**LONG_RACE, "iters": "2100"})
        by_key(at, "button", "work_run_race").click().run()  # asked for one
        first = work_queue()._find(optimizer_readings._race_job_key(long_race_args(2100)))
        assert first is not None and first.state == "queued"
        for iters in (2200, 2300, 2400):
            by_key(at, "number_input", "optimizers.iters").set_value(iters).run()
            assert_clean(at)
            assert offered(at, en), iters
            assert work_queue()._find(optimizer_readings._race_job_key(long_race_args(iters))) is None
        # Moving on withdrew the one it asked for: nobody else waited for it, so it is dropped unrun.
        assert first.state == "cancelled"
        by_key(at, "button", "work_run_race").click().run()
        last = optimizer_readings._race_job_key(long_race_args(2400))
        assert work_queue()._find(last) is not None
    finally:
        holder.open.set()
    wait_until(lambda: optimizer_readings.race_lanes(long_race_args(2400), wait=False) is not None, 120)


def test_moving_to_a_short_race_withdraws_the_long_one_asked_for_and_an_answer_asks_nothing_again():
    en = catalog("en")
    holder = held_worker()
    try:
        at = open_app("optimizers", params={**LONG_RACE, "iters": "2050"})
        by_key(at, "button", "work_run_race").click().run()
        job = work_queue()._find(optimizer_readings._race_job_key(long_race_args(2050)))
        assert job is not None and job.state == "queued"
        by_key(at, "number_input", "optimizers.iters").set_value(100).run()  # a race computed at once
        assert_clean(at)
        assert not offered(at, en)
        assert job.state == "cancelled"  # not left to run for a student who moved on
        by_key(at, "number_input", "optimizers.iters").set_value(2050).run()  # back: offered again, not resumed
        assert offered(at, en)
        assert work_queue()._find(optimizer_readings._race_job_key(long_race_args(2050))) is None
        by_key(at, "button", "work_run_race").click().run()
    finally:
        holder.open.set()
    key = optimizer_readings._race_job_key(long_race_args(2050))
    wait_until(lambda: work_queue().result(key) is not None, 120)
    at.run()
    assert not offered(at, en)
    assert "race" not in at.session_state["_work.asked"]  # answered: nothing stays asked for
    with work_queue()._cond:  # the queue keeps only a few results: once this one is gone, the offer comes back
        del work_queue()._done[key]
    at.run()
    assert_clean(at)
    assert offered(at, en)
    assert work_queue()._find(key) is None  # and nothing was queued without a click


def test_cancelling_one_key_leaves_a_job_asked_for_since():
    queue, gate = WorkQueue(), Gate()
    queue.request("other", "hold", gate.job(0))
    gate.started.wait(5)
    first = queue.request("s", "a", gate.job(1))
    second = queue.request("s", "b", gate.job(2))  # the session asked for another since (another page)
    assert first.state == "cancelled" and second.state == "queued"
    queue.cancel("s", "a")  # moving on from "a" must not withdraw "b"
    assert second.state == "queued"
    queue.cancel("s", "b")
    assert second.state == "cancelled"
    gate.open.set()


def test_a_student_cancels_a_long_race_and_can_ask_again():
    en = catalog("en")
    params = {**LONG_RACE, "iters": "1900"}
    at = open_app("optimizers", params=params)
    assert_clean(at)
    by_key(at, "button", "work_run_race").click().run()
    assert en["work.why"] in [c.value for c in at.caption]
    by_key(at, "button", "work_cancel").click().run()
    assert_clean(at)
    what = en["optimizers.race_job"].split("{")[0]
    assert any(i.value.startswith(what) and i.value.endswith(": cancelled.") for i in at.info)
    assert en["work.why"] not in [c.value for c in at.caption]
    at.run()  # cancelled stays cancelled: nothing is asked for again by itself
    assert any(i.value.endswith(": cancelled.") for i in at.info)
    next(b for b in at.button if b.label == en["work.again"]).click().run()
    assert_clean(at)
    assert not any(i.value.endswith(": cancelled.") for i in at.info)
    v = {p.name: p.default for p in optimizer_params.PARAMS} | {"data": "generated", "n": 500, "len": 50}
    args = optimizer_readings.race_args(v | {"iters": 1900})
    wait_until(lambda: optimizer_readings.race_lanes(args, wait=False) is not None, 120)
    at.run()
    assert_clean(at)
    assert en["work.why"] not in [c.value for c in at.caption]
    assert en["optimizers.step_waits"] not in [i.value for i in at.info]
