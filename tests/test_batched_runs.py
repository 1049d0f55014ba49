"""Training runs of many sessions in one lockstep (rnn_core.lockstep.Lockstep, run_groups; ui.batched_runs' trainer
thread): each session gets, bit for bit, what its runs give alone, whenever they joined the runs already going
(and so what counting.fit gives: tests/test_fit_many.py proves lockstep.run against it, and the lessons' own calls
are checked against fit here); runs asked at once are stepped together; a short run does not wait for a long one;
one session's failing run fails no one else's."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import value_of
from test_fit_many import assert_bits, assert_same, datasets, page_entries

from lessons.optimizers.params import P as PAGE
from rnn_core import counting, lockstep, race
from ui import batched_runs

BOOK = counting.book_dataset()


def steppers_of(entries: dict) -> dict:
    return {runner: race.stepper(runner, **settings) for runner, settings in entries.items()}


def assert_runs_equal(alone: dict, together: dict, label: str) -> None:
    assert list(alone) == list(together), label
    for name in alone:
        assert_same(alone[name][0], together[name][0], f"{label} {name}")
        assert_bits(alone[name][1], together[name][1], f"{label} {name} series")


# A group: some of the page's runners with their settings, a start (on the page's grid, or where runs overflow),
# its own number of updates and, for some, a goal that stops the group where one of its runs reaches it.
GROUPS = st.fixed_dictionaries(
    {
        "entries": page_entries().flatmap(
            lambda entries: st.lists(st.sampled_from(sorted(entries)), min_size=1, max_size=4, unique=True).map(
                lambda names: {name: entries[name] for name in names}
            )
        ),
        "start": st.one_of(
            st.tuples(value_of(PAGE["u0"]), value_of(PAGE["w0"])), st.sampled_from([(1e200, 0.5), (1.0, 1e40)])
        ),
        "n_iter": st.integers(-2, 80),  # a negative count runs nothing, as fit's range(n_iter + 1)
        "goal": st.one_of(st.none(), st.sampled_from([1.0, 0.1, 1e-6])),
    }
)


@settings(max_examples=60, deadline=None)
@given(data=datasets(), groups=st.lists(GROUPS, min_size=1, max_size=6))
def test_each_group_of_a_batch_gets_what_it_gets_alone(data, groups):
    X, targets = data
    alone = [lockstep.run(X, targets, g["start"], steppers_of(g["entries"]), g["n_iter"], g["goal"]) for g in groups]
    together = lockstep.run_groups(
        X,
        targets,
        [lockstep.Group(g["start"], steppers_of(g["entries"]), g["n_iter"], g["goal"]) for g in groups],
    )
    for k, (a, b) in enumerate(zip(alone, together, strict=True)):
        assert_runs_equal(a, b, f"group {k} of {groups}")


def test_a_group_with_a_goal_stops_alone_and_the_others_go_on():
    X, targets = BOOK
    entries = {"adam": {"lr": 0.1}, "rprop": {"step0": 0.001, "variant": "rprop-"}}
    with_goal, without = lockstep.run_groups(
        X,
        targets,
        [
            lockstep.Group((-1.5, 2.0), steppers_of(entries), 500, until_below=1.0),
            lockstep.Group((-1.5, 2.0), steppers_of(entries), 500),
        ],
    )
    stopped_at = {len(run.params) for run, _ in with_goal.values()}
    assert len(stopped_at) == 1 and stopped_at.pop() < 501  # the goal group stopped together, early
    assert all(len(run.params) == 501 for run, _ in without.values())  # the other went the whole way
    assert_runs_equal(lockstep.run(*BOOK, (-1.5, 2.0), steppers_of(entries), 500), without, "no goal")


def failing_stepper(after: int):
    """A stepper whose update raises at its ``after``-th call (a setting the optimizer cannot handle)."""
    calls = [0]

    def step(gU, gW, U, W, hessian_of):
        calls[0] += 1
        if calls[0] > after:
            raise ZeroDivisionError("a setting this optimizer cannot take")
        return (0.0 * gU, 0.0 * gW), ()

    return step, ()


def test_a_group_whose_update_raises_gets_the_error_and_fails_no_other():
    X, targets = BOOK
    good = {"sgd": {"lr": 5e-4}, "momentum": {"lr": 2e-5, "mu": 0.9}}
    results = lockstep.run_groups(
        X,
        targets,
        [
            lockstep.Group((-1.5, 2.0), steppers_of(good), 100),
            lockstep.Group((-1.5, 2.0), {"bad": failing_stepper(7), **steppers_of(good)}, 100),
            lockstep.Group((0.5, 0.5), steppers_of(good), 60),
        ],
    )
    assert isinstance(results[1], ZeroDivisionError)
    assert_runs_equal(lockstep.run(X, targets, (-1.5, 2.0), steppers_of(good), 100), results[0], "before")
    assert_runs_equal(lockstep.run(X, targets, (0.5, 0.5), steppers_of(good), 60), results[2], "after")
    with pytest.raises(ZeroDivisionError):
        lockstep.run(X, targets, (-1.5, 2.0), {"bad": failing_stepper(3)}, 10)


class SlowLockstep(lockstep.Lockstep):
    """A Lockstep whose every step takes at least ``pause`` seconds: a busy server's, so that runs overlap."""

    pause = 0.002

    def step(self):
        time.sleep(self.pause)
        return super().step()


def ask_at_once(batches: batched_runs.Batches, asks: list[tuple], delays: list[float] | None = None) -> list:
    """Each (key, X, targets, group) asked by its own thread, all released together (each after its delay);
    returns their outcomes in order, and the order in which they finished."""
    outcomes, order = [None] * len(asks), []
    gate = threading.Barrier(len(asks))

    def ask(k):
        gate.wait()
        time.sleep(delays[k] if delays else 0.0)
        try:
            outcomes[k] = batches.run(*asks[k])
        except Exception as error:  # the outcome under test
            outcomes[k] = error
        order.append(k)

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(asks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a session never got its runs"
    return outcomes, order


def clip_group(lr: float, n_iter: int = 300) -> lockstep.Group:
    return lockstep.Group((-1.5, 2.0), {"clip": race.stepper("clip", lr=lr, threshold=5.0)}, n_iter)


@settings(max_examples=40, deadline=None)
@given(data=datasets(), groups=st.lists(GROUPS, min_size=1, max_size=5), joins=st.lists(st.integers(0, 90), max_size=5))
def test_a_group_that_joins_runs_already_going_gets_what_it_gets_alone(data, groups, joins):
    """Each group joins the Lockstep after its own number of steps (the runs of other sessions already going),
    starts at its first iteration, and gets what run gives it alone."""
    X, targets = data
    together = lockstep.Lockstep(X, targets)
    joins = sorted((joins + [0] * len(groups))[: len(groups)])
    ids, results, steps = {}, {}, 0
    while len(ids) < len(groups) or not together.idle:
        for k, g in enumerate(groups):
            if k not in ids and joins[k] <= steps:
                ids[k] = together.add(lockstep.Group(g["start"], steppers_of(g["entries"]), g["n_iter"], g["goal"]))
        results.update(together.step())
        steps += 1
    for k, g in enumerate(groups):
        alone = lockstep.run(X, targets, g["start"], steppers_of(g["entries"]), g["n_iter"], g["goal"])
        assert_runs_equal(alone, results[ids[k]], f"group {k} joined at step {joins[k]}: {g}")


def test_sessions_that_ask_at_once_are_trained_together_and_each_gets_its_own_runs():
    X, targets = BOOK
    batches = batched_runs.Batches(SlowLockstep)
    lrs = [1e-4 * (k + 1) for k in range(24)]
    outcomes, _order = ask_at_once(batches, [(("book",), X, targets, clip_group(lr)) for lr in lrs])
    for lr, outcome in zip(lrs, outcomes, strict=True):
        alone = lockstep.run(X, targets, (-1.5, 2.0), {"clip": race.stepper("clip", lr=lr, threshold=5.0)}, 300)
        assert_runs_equal(alone, outcome, f"lr {lr}")
    assert batches.groups == len(lrs)
    assert batches.most_together >= len(lrs) // 2  # one trainer stepped (nearly) all of them together


def test_a_short_run_that_joins_a_long_one_does_not_wait_for_it():
    X, targets = BOOK
    batches = batched_runs.Batches(SlowLockstep)  # at least 2 ms a step: the long run takes 1.6 s or more
    long, short = clip_group(1e-4, 800), clip_group(2e-4, 50)
    outcomes, order = ask_at_once(batches, [(("book",), X, targets, long), (("book",), X, targets, short)], [0, 0.2])
    assert order == [1, 0]  # the short one, asked after, came back first
    assert batches.most_together == 2
    assert_runs_equal(lockstep.run(X, targets, short.start, short_steppers(2e-4), 50), outcomes[1], "short")


def short_steppers(lr: float) -> dict:
    return {"clip": race.stepper("clip", lr=lr, threshold=5.0)}


def test_a_lone_session_trains_at_once_and_data_sets_do_not_mix():
    other = counting.make_dataset(20, 7, 3)
    batches = batched_runs.Batches()
    group = lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 50)
    alone = batches.run(("book",), *BOOK, group)
    assert (batches.groups, batches.most_together) == (1, 1)
    assert_runs_equal(lockstep.run(*BOOK, (-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 50), alone, "book")
    # Two data sets asked at once: each trains on its own data (a key names the data).
    outcomes, _order = ask_at_once(
        batched_runs.Batches(SlowLockstep),
        [
            (("book",), *BOOK, lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 50)),
            (("other",), *other, lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 50)),
        ],
    )
    assert_runs_equal(alone, outcomes[0], "book at once")
    assert_runs_equal(lockstep.run(*other, (-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 50), outcomes[1], "other")


def sessions_with_one_failing(count: int, bad: int) -> list[tuple]:
    """``count`` sessions' asks of plain descent at their own rates, session ``bad``'s optimizer raising."""
    return [
        (("book",), *BOOK, lockstep.Group((-1.5, 2.0), {"bad": failing_stepper(5)}, 80))
        if k == bad
        else (("book",), *BOOK, lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4 * (k + 1)}}), 80))
        for k in range(count)
    ]


def assert_only_the_failing_one_failed(outcomes: list, bad: int) -> None:
    assert isinstance(outcomes[bad], ZeroDivisionError)
    for k, outcome in enumerate(outcomes):
        if k != bad:
            expected = lockstep.run(*BOOK, (-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4 * (k + 1)}}), 80)
            assert_runs_equal(expected, outcome, f"session {k}")


def test_one_sessions_failing_run_reaches_that_session_only():
    outcomes, _order = ask_at_once(batched_runs.Batches(SlowLockstep), sessions_with_one_failing(8, 3))
    assert_only_the_failing_one_failed(outcomes, 3)


def test_data_that_cannot_be_trained_fails_its_sessions_and_the_trainer_goes_on():
    class Broken(lockstep.Lockstep):
        def step(self):
            raise MemoryError("the data could not be evaluated")

    made = []

    def make(X, targets):
        made.append(1)
        return (Broken if len(made) == 1 else lockstep.Lockstep)(X, targets)

    batches = batched_runs.Batches(make)
    group = lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 30)
    with pytest.raises(MemoryError):
        batches.run(("book",), *BOOK, group)
    again = batches.run(("book",), *BOOK, lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 30))
    assert_runs_equal(lockstep.run(*BOOK, (-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 30), again, "after")
    with pytest.raises(ValueError):  # data the Lockstep cannot even take: that session's error
        batches.run(("bad",), np.zeros((3, 2)), np.zeros(4), group)


def test_the_trainer_thread_ends_when_quiet_and_a_new_run_starts_another():
    batches = batched_runs.Batches(quiet_seconds=0.05)
    group = lambda: lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 20)  # noqa: E731
    first = batches.run(("book",), *BOOK, group())
    trainer = batches._thread
    assert trainer is not None  # it waits for more work for quiet_seconds, far longer than this line takes
    trainer.join(timeout=5)
    assert not trainer.is_alive() and batches._thread is None
    assert_runs_equal(first, batches.run(("book",), *BOOK, group()), "a second trainer")
    assert batches._thread is not trainer  # the second run was trained by a thread of its own


def test_a_negative_count_of_updates_runs_nothing_and_never_holds_the_trainer():
    batches = batched_runs.Batches()
    result = batches.run(("book",), *BOOK, lockstep.Group((1.0, 1.0), steppers_of({"sgd": {"lr": 1e-6}}), -1))
    expected = counting.fit(*BOOK, (1.0, 1.0), race.make_optimizer("sgd", lr=1e-6), -1)
    assert_same(without_states(expected), result["sgd"][0], "no update")
    assert len(result["sgd"][0].params) == 0


def test_a_trainer_that_cannot_start_fails_its_session_and_the_next_one_starts_it(monkeypatch):
    batches = batched_runs.Batches()
    real_start = threading.Thread.start

    def refused(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    group = lambda: lockstep.Group((-1.5, 2.0), steppers_of({"sgd": {"lr": 5e-4}}), 10)  # noqa: E731
    with pytest.raises(RuntimeError):
        batches.run(("book",), *BOOK, group())
    assert batches._thread is None  # no thread that never ran stands in the way
    monkeypatch.setattr(threading.Thread, "start", real_start)
    expected = counting.fit(*BOOK, (-1.5, 2.0), race.make_optimizer("sgd", lr=5e-4), 10)
    assert_same(without_states(expected), batches.run(("book",), *BOOK, group())["sgd"][0], "after the refusal")


def test_the_lessons_train_through_the_shared_batches(monkeypatch):
    """The race's lanes and the counting lesson's training run go through ui.batched_runs (if they stopped,
    forty students' moves would train forty times again), and get fit's runs."""
    from lessons.counting import readings as counting_readings
    from lessons.optimizers import readings

    shared = batched_runs.Batches()
    monkeypatch.setattr(batched_runs, "batches", lambda: shared)
    data = readings.data_args({"data": "generated", "n": 13, "len": 6, "seed": 5})
    entries = (("adam", (("lr", 0.0437),)), ("sgd", (("lr", 3.3e-4),)))
    lanes = readings._racing.__wrapped__(data, (-1.25, 1.75), 77, entries)
    assert shared.groups == 1
    X, targets = readings.dataset(data)
    for runner, settings_ in entries:
        expected = counting.fit(X, targets, (-1.25, 1.75), race.make_optimizer(runner, **dict(settings_)), 77)
        assert_same(without_states(expected), lanes[runner].run, runner)
    run = counting_readings._training.__wrapped__("book", 50, 10, 1, (-1.5, 2.0), 4.1e-4, 61)
    assert shared.groups == 2
    expected = counting.fit(*BOOK, (-1.5, 2.0), race.make_optimizer("sgd", lr=4.1e-4), 61)
    assert_same(without_states(expected), without_states(run), "counting")


def without_states(run: counting.Trajectory) -> counting.Trajectory:
    return dataclasses.replace(run, states=())


def test_an_empty_batch_and_empty_groups_give_empty_results():
    assert lockstep.run_groups(*BOOK, []) == []
    assert lockstep.run_groups(*BOOK, [lockstep.Group((0.0, 0.0), {}, 10)]) == [{}]


# --- the trainer in a child process (ui.batched_runs.ProcessBatches, rnn_core.lockstep_process) ------------------


@pytest.fixture
def child_batches():
    shared = batched_runs.ProcessBatches(restart_seconds=0.2)
    yield shared
    shared.close()


def test_a_class_trained_in_the_child_process_gets_its_runs_bit_for_bit(child_batches):
    X, targets = BOOK
    entries = {
        "momentum": {"lr": 2e-5, "mu": 0.9},
        "rprop": {"step0": 0.001, "variant": "rprop+"},
        "newton": {"damping": 10.0},
    }
    asks = [
        (("book",), X, targets, lockstep.Group((-1.5 + 0.05 * k, 2.0), steppers_of(entries), 150 + 10 * k, None))
        for k in range(16)
    ]
    outcomes, _order = ask_at_once(child_batches, asks)
    assert child_batches.sent == len(asks) and child_batches.local.groups == 0  # every group went to the child
    for k, (_key, X_, targets_, group) in enumerate(asks):
        assert_runs_equal(
            lockstep.run(X_, targets_, group.start, steppers_of(entries), group.n_iter), outcomes[k], f"{k}"
        )
    # A data set the Lockstep cannot take fails that session only, from the child.
    with pytest.raises(ValueError):
        child_batches.run(("bad",), np.zeros((3, 2)), np.zeros(4), asks[0][3])
    assert_runs_equal(outcomes[0], child_batches.run(*asks[0]), "after a failed request")


def test_what_does_not_pickle_trains_in_the_server_and_fails_alone(child_batches):
    outcomes, _order = ask_at_once(child_batches, sessions_with_one_failing(4, 1))  # the failing one is a closure
    assert_only_the_failing_one_failed(outcomes, 1)
    assert child_batches.local.groups == 1 and child_batches.sent == 3


def test_a_killed_trainer_process_loses_no_run_and_is_started_again(child_batches):
    X, targets = BOOK
    child_batches.run(("book",), X, targets, clip_group(1e-4, 10))  # the child is up
    first = child_batches._child
    outcomes = [None] * 3

    def ask(k):
        outcomes[k] = child_batches.run(("book",), X, targets, clip_group(1e-4 * (k + 1), 20_000))

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(child_batches._waiting) < 3:  # all three in the child (each takes it most of a second)
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.kill()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a session waited for a dead trainer"
    assert child_batches.local.groups == 3  # the child's runs were handed back and trained here
    for k in range(3):  # from the start: the same runs
        steppers = {"clip": race.stepper("clip", lr=1e-4 * (k + 1), threshold=5.0)}
        assert_runs_equal(lockstep.run(X, targets, (-1.5, 2.0), steppers, 20_000), outcomes[k], f"orphan {k}")
    deadline = time.monotonic() + 10
    while first.returncode is None:  # reaped by the trainer (read without poll(), which would reap it here)
        assert time.monotonic() < deadline, "the dead child was not reaped"
        time.sleep(0.01)
    time.sleep(0.3)  # past restart_seconds: the next run starts a new child
    sent = child_batches.sent
    again = child_batches.run(("book",), X, targets, clip_group(2e-4, 50))
    assert child_batches.sent == sent + 1 and child_batches._child is not first
    assert_runs_equal(lockstep.run(X, targets, (-1.5, 2.0), short_steppers(2e-4), 50), again, "new child")


def test_the_app_trains_in_a_child_process_unless_told_not_to(monkeypatch):
    batched_runs.batches.clear()
    assert isinstance(batched_runs.batches(), batched_runs.ProcessBatches)
    batched_runs.batches.clear()
    monkeypatch.setenv("RNNLAB_TRAINER", "thread")
    assert type(batched_runs.batches()) is batched_runs.Batches
    batched_runs.batches.clear()


def test_a_trainer_process_that_cannot_start_trains_in_the_server(monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(batched_runs.subprocess, "Popen", refused)
    shared = batched_runs.ProcessBatches(restart_seconds=60)
    result = shared.run(("book",), *BOOK, clip_group(2e-4, 50))
    assert (shared.sent, shared.local.groups) == (0, 1) and shared._conn is None
    assert_runs_equal(lockstep.run(*BOOK, (-1.5, 2.0), short_steppers(2e-4), 50), result, "in the server")
    shared.run(("book",), *BOOK, clip_group(3e-4, 50))  # not tried again before restart_seconds
    assert (shared.sent, shared.local.groups) == (0, 2)


class OwnedLock:
    """A lock that knows which thread holds it."""

    def __init__(self):
        self._lock, self.owner = threading.Lock(), None

    def __enter__(self):
        self._lock.acquire()
        self.owner = threading.get_ident()
        return self

    def __exit__(self, *exc):
        self.owner = None
        self._lock.release()

    def locked(self):
        return self._lock.locked()


def test_a_session_writes_to_the_child_without_the_lock_its_results_need(child_batches):
    """The child writes results while the server writes it work: a session that held the lock the result reader
    needs while it wrote deadlocked both processes once both writes were larger than the socket's buffer."""
    X, targets = BOOK
    child_batches._lock = OwnedLock()
    writes = []
    child_batches.run(("book",), X, targets, clip_group(1e-4, 10))  # the child is up
    conn = child_batches._conn

    class Watched:
        def __getattr__(self, name):
            attr = getattr(conn, name)
            if name in ("send", "send_bytes"):

                def write(*args):
                    writes.append(child_batches._lock.owner == threading.get_ident())
                    return attr(*args)

                return write
            return attr

    child_batches._conn = Watched()
    outcome = child_batches.run(("book",), X, targets, clip_group(2e-4, 30))
    assert writes == [False]  # written, and not under the lock
    steppers = {"clip": race.stepper("clip", lr=2e-4, threshold=5.0)}
    assert_runs_equal(lockstep.run(X, targets, (-1.5, 2.0), steppers, 30), outcome, "watched")


def test_closing_the_trainer_ends_its_child(child_batches):
    X, targets = BOOK
    child_batches.run(("book",), X, targets, clip_group(1e-4, 10))
    child = child_batches._child
    child_batches.close()
    assert child.returncode is not None  # ended and reaped, not left running
    assert child_batches._conn is None and child_batches._child is None
