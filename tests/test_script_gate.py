"""ui.script_gate: at most `width` script runs at once, admitted in arrival order, those back from waiting first; no
run waits forever; and the server's scripts, the trainer's waits, the chart store and the class store use it."""

import threading
import time

import numpy as np
import pytest
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from classroom.store import ClassStore
from ui import batched_runs, lru, script_gate, streamlit_shims


def wait_until(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


class Runs:
    """Threads that enter a gate, record what they see, and leave when told."""

    def __init__(self, gate: script_gate.ScriptGate):
        self.gate = gate
        self.lock = threading.Lock()
        self.inside, self.most, self.order = 0, 0, []
        self.release: dict[str, threading.Event] = {}
        self.threads: list[threading.Thread] = []

    def start(self, name: str, body=None) -> None:
        self.release[name] = threading.Event()

        def run():
            with self.gate.admitted():
                with self.lock:
                    self.inside += 1
                    self.most = max(self.most, self.inside)
                    self.order.append(name)
                if body is not None:
                    body()
                self.release[name].wait(10)
                with self.lock:
                    self.inside -= 1

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def waiting(self) -> int:
        return len(self.gate._waiting)

    def finish(self) -> None:
        for event in self.release.values():
            event.set()
        for thread in self.threads:
            thread.join(10)
            assert not thread.is_alive()


def test_at_most_width_inside_and_in_arrival_order():
    runs = Runs(script_gate.ScriptGate(2))
    runs.start("a")
    runs.start("b")
    wait_until(lambda: runs.order == ["a", "b"])
    for name in "cdef":  # each queued before the next starts: their arrival order is known
        runs.start(name)
        queued = len(runs.threads) - 2
        wait_until(lambda: runs.waiting() == queued)
    assert runs.inside == 2
    for name in "abcdef":
        runs.release[name].set()
        time.sleep(0.01)
    runs.finish()
    assert runs.order == list("abcdef")
    assert runs.most == 2
    assert runs.gate._free == 2  # every place given back


def test_a_run_inside_enters_again_without_a_second_place():
    gate = script_gate.ScriptGate(1, patience=0.5)
    with gate.admitted():
        with gate.admitted():  # a fragment called by its page's run: same thread, one place
            assert gate._free == 0
        assert gate._free == 0
    assert gate._free == 1
    assert gate.waited_out == 0


def test_aside_lets_another_run_and_comes_back_before_new_runs():
    gate = script_gate.ScriptGate(1)
    runs = Runs(gate)
    outside = threading.Event()

    def waits_outside():
        with gate.aside():  # the trainer's answer, say
            outside.wait(10)

    runs.start("a", waits_outside)  # tickets by arrival: a 0, b 1, c 2
    wait_until(lambda: runs.order == ["a"])
    runs.start("b")  # gets a's place while a waits outside
    wait_until(lambda: runs.order == ["a", "b"])
    runs.start("c")
    wait_until(lambda: runs.waiting() == 1)
    outside.set()  # a comes back: it queues, and goes before c
    wait_until(lambda: runs.waiting() == 2)
    runs.release["b"].set()
    wait_until(lambda: runs.inside == 1 and runs.waiting() == 1)
    assert gate._waiting[0][0] == 2  # c still waits: the place went to a
    runs.finish()
    assert runs.order == ["a", "b", "c"]
    assert gate._free == 1


def test_runs_back_from_aside_go_in_by_arrival_not_by_when_they_came_back():
    """Forty races sent to the trainer come back at about the same time: the student who moved first is answered
    first, instead of every run drawing a little in turn and all answers coming at the end of the wave."""
    gate = script_gate.ScriptGate(1)
    runs = Runs(gate)
    answers = {"a": threading.Event(), "b": threading.Event()}
    back = []

    def waits_for(name):
        def body():
            with gate.aside():
                answers[name].wait(10)
            back.append(name)  # in the gate again

        return body

    runs.start("a", waits_for("a"))
    wait_until(lambda: runs.order == ["a"])
    runs.start("b", waits_for("b"))
    wait_until(lambda: runs.order == ["a", "b"])
    runs.start("c")  # holds the place while both wait outside
    wait_until(lambda: runs.order == ["a", "b", "c"])
    answers["b"].set()  # b's answer comes first
    wait_until(lambda: runs.waiting() == 1)
    answers["a"].set()
    wait_until(lambda: runs.waiting() == 2)
    runs.release["c"].set()
    wait_until(lambda: back == ["a"])  # a arrived first: it goes first
    assert runs.waiting() == 1
    runs.finish()
    assert back == ["a", "b"]


def test_a_run_stopped_by_a_newer_move_keeps_its_place_in_the_queue():
    gate = script_gate.ScriptGate(1)
    runs = Runs(gate)
    first_in, go_on = threading.Event(), threading.Event()

    def student():  # a run stopped at its first element by the student's next move, then the run that follows
        with gate.admitted():
            first_in.set()
            go_on.wait(10)
        gate.stopped_for_rerun()
        with gate.admitted():
            with runs.lock:
                runs.order.append("rerun")

    thread = threading.Thread(target=student, daemon=True)
    thread.start()
    first_in.wait(5)
    for name in ("first", "second"):  # both arrived while the student's first run was going
        runs.start(name)
        queued = len(runs.threads)
        wait_until(lambda: runs.waiting() == queued)
    go_on.set()  # the place goes to "first"; the student's rerun queues with its old ticket, ahead of "second"
    wait_until(lambda: runs.order == ["first"] and runs.waiting() == 2)
    runs.release["first"].set()
    thread.join(5)
    runs.finish()
    assert runs.order == ["first", "rerun", "second"]


def test_streamlit_marks_a_run_stopped_for_a_rerun():
    gate = script_gate.ScriptGate(1)
    outcomes = iter([(None, False, object(), True, None), (None, True, None, False, None)])
    run = streamlit_shims.gated(lambda *args: next(outcomes), gate)
    run()
    assert gate._thread.again  # the next run of this thread goes first
    with gate.admitted():
        assert not gate._thread.again
    run()
    assert not gate._thread.again


def test_aside_outside_the_gate_does_nothing():
    gate = script_gate.ScriptGate(1)
    with gate.aside():  # a thread that is no script run (the trainer, the class recorder)
        assert gate._free == 1
    assert gate._free == 1


def test_a_stuck_run_delays_the_next_by_its_patience_only(caplog):
    gate = script_gate.ScriptGate(1, patience=0.2)
    stuck = threading.Event()

    def hold():
        with gate.admitted():
            stuck.wait(10)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    wait_until(lambda: gate._free == 0)
    started = time.monotonic()
    with gate.admitted():  # in without a place, after the patience
        waited = time.monotonic() - started
    assert 0.2 <= waited < 2
    assert gate.waited_out == 1
    assert "went in without one" in caplog.text  # the operator is told
    stuck.set()
    holder.join(5)
    assert gate._free == 1  # the run that went in without a place gave none back


def test_width_from_the_environment(monkeypatch):
    for raw, width in (("3", 3), ("0", 0), ("", script_gate.USUAL_WIDTH), ("two", script_gate.USUAL_WIDTH)):
        monkeypatch.setenv(script_gate.WIDTH_ENV, raw)
        assert script_gate.width_from_env() == width
    with pytest.raises(ValueError):
        script_gate.ScriptGate(0)


def test_streamlit_runs_every_script_inside_the_gate(monkeypatch):
    gate = script_gate.ScriptGate(1)
    monkeypatch.setattr(
        script_runner,
        "exec_func_with_error_handling",
        streamlit_shims.gated(script_runner.exec_func_with_error_handling.original, gate),
    )
    monkeypatch.setattr(script_gate, "GATE", gate)

    def script():
        import streamlit as st

        from ui import script_gate as sg

        st.markdown(str(sg.GATE._free))

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert at.markdown[0].value == "0"  # the place was taken while the script ran
    assert gate._free == 1  # and given back after it


def test_the_apps_shim_is_installed_once():
    assert script_gate.GATE is not None  # the tests run with the default gate
    installed = script_runner.exec_func_with_error_handling
    assert installed.original.__module__ == "streamlit.runtime.scriptrunner.exec_code"
    streamlit_shims.apply()
    assert script_runner.exec_func_with_error_handling is installed


def waits_aside_while(block) -> bool:
    """Whether a run inside a one-place gate let another run in while ``block`` waited (seen before the first run
    left the gate), and the place was given back after."""
    gate = script_gate.ScriptGate(1, patience=30)  # longer than any block waits: no run goes in without a place
    got_in = threading.Event()
    during = []

    def other():
        with gate.admitted():
            got_in.set()

    def run():
        with gate.admitted():
            threading.Thread(target=other, daemon=True).start()
            block(got_in)
            during.append(got_in.is_set())

    original = script_gate.GATE
    script_gate.GATE = gate
    try:
        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        runner.join(20)
        assert not runner.is_alive()
        assert got_in.wait(35)
    finally:
        script_gate.GATE = original
    wait_until(lambda: gate._free == 1)
    return during == [True]


def test_a_run_waiting_for_a_chart_another_session_makes_steps_aside():
    store = lru.SharedLRU(4)
    making = threading.Event()
    finish = threading.Event()

    def slow():
        making.set()
        finish.wait(10)
        return "chart"

    maker = threading.Thread(target=lambda: store.get_or_make("k", slow), daemon=True)
    maker.start()
    making.wait(5)

    def block(got_in):
        threading.Timer(0.3, finish.set).start()
        assert store.get_or_make("k", lambda: "again") == "chart"
        got_in.wait(2)

    assert waits_aside_while(block)


def test_a_run_waiting_for_the_trainer_steps_aside():
    from rnn_core import counting, lockstep, race

    X, targets = counting.book_dataset()
    group = lockstep.Group((-1.5, 2.0), {"adam": race.stepper("adam", lr=0.1)}, 300)
    results, waited = [], []

    class SlowLockstep(lockstep.Lockstep):  # a step waits until the other run got in: proof it ran meanwhile
        got_in: threading.Event

        def step(self):
            if not waited:  # the first step only
                waited.append(self.got_in.wait(2))
            return super().step()

    def block(got_in):
        SlowLockstep.got_in = got_in
        results.append(batched_runs.Batches(SlowLockstep).run("book", X, targets, group))

    assert waits_aside_while(block)
    alone = lockstep.run(X, targets, group.start, group.steppers, group.n_iter)
    np.testing.assert_array_equal(results[0]["adam"][0].costs, alone["adam"][0].costs)


def test_a_run_waiting_on_the_class_database_steps_aside(tmp_path):
    store = ClassStore(f"sqlite:///{tmp_path / 'c.db'}", waiting=script_gate.aside)
    store.ensure_schema()

    def block(got_in):
        original = store._ensure_schema

        def slow_schema():  # the database answers once the other run got in (or after 2 s)
            got_in.wait(2)
            original()

        store._schema_ready = False
        store._ensure_schema = slow_schema
        made = store.create_class()
        assert store.find_class(made.info.code) is not None

    try:
        assert waits_aside_while(block)
    finally:
        store.dispose()


def test_a_run_waiting_for_a_cached_value_another_session_computes_steps_aside():
    """The first view of a class: one session computes a cached value (and steps aside while the trainer works),
    the others call the same cached function. Those waiting on it must not hold the places the first one needs to
    finish: with one place, it finishes at once, not after the gate's patience."""
    import streamlit as st

    computing, trainer = threading.Event(), threading.Event()

    @st.cache_resource(show_spinner=False)
    def cached(key: str) -> str:
        computing.set()
        with script_gate.aside():  # the trainer's answer, say
            trainer.wait(10)
        return "value of " + key

    gate = script_gate.ScriptGate(1, patience=30)
    answers = []

    def first():
        with gate.admitted():
            answers.append(cached("x"))

    def second():
        computing.wait(5)
        with gate.admitted():  # gets the place the first gave away, then waits on the same value
            answers.append(cached("x"))

    original = script_gate.GATE
    script_gate.GATE = gate
    try:
        threads = [threading.Thread(target=f, daemon=True) for f in (first, second)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        threading.Timer(1.0, trainer.set).start()
        for thread in threads:
            thread.join(40)
        took = time.monotonic() - started
    finally:
        script_gate.GATE = original
        cached.clear()
    assert answers == ["value of x"] * 2
    assert took < 5, took  # not the gate's patience
    assert gate.waited_out == 0
