"""The Lockstep's whole-array updates (rnn_core.lockstep's _Rule kinds) give, bit for bit, what each run's update
on Python floats gives (the *_closure functions, the engine's reference before it was vectorised), and so what
counting.fit gives.

Three layers, each against the one below: the element-wise helpers against the scalar functions they stand for
(C's pow for every square, never numpy's array squaring; the branches of clipping and of the norm); each rule
against its closure over any sequence of gradients, extreme ones included; and the whole engine, groups of runs
of every kind joining at random steps, against counting.fit, run by run, divergence and all. Bits are compared
with their signs (-0.0 is not 0.0 here).
"""

from __future__ import annotations

import contextlib
import math
import pickle
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_batched_runs import failing_stepper
from test_fit_many import assert_bits, assert_same

from rnn_core import counting, lockstep, optim, race

BOOK = counting.book_dataset()


def same_bits(a, b) -> bool:
    """Equal to the bit, signs of zeros and nan payloads included."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


# Floats of every size and sign, and the values where branches turn: zeros of both signs, huge (whose square
# overflows), subnormal.
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e154, 1.4e154, -1.4e154, 1.7976931348623157e308]),
)


# --- the element-wise helpers against the scalar functions -------------------------------------------------------


def test_numpy_squares_an_array_otherwise_than_a_scalar():
    """Why _squares exists: for some values C's pow (a numpy scalar's g**2, Python's float **) and the correctly
    rounded g * g (an array's **2 and np.power(arr, 2.0)) differ in the last bit."""
    assert all(g**2 != g * g for g in POW_IS_NOT_PRODUCT)
    g = np.random.default_rng(0).uniform(-10, 10, 20_000)
    scalar = np.array([x**2 for x in g.tolist()])
    assert not same_bits(g**2, scalar) and not same_bits(np.power(g, 2.0), scalar)
    assert same_bits(lockstep._squares(g), scalar)
    assert same_bits([np.float64(x) ** 2 for x in g], scalar)  # what optim's numpy scalars compute


@given(st.lists(FLOATS, min_size=1, max_size=40))
def test_squares_are_the_scalar_squares(values):
    expected = [lockstep._square(v) for v in values]  # inf where Python's pow raises OverflowError
    assert same_bits(lockstep._squares(np.array(values)), expected)
    assert same_bits(lockstep._squares(np.array(values).reshape(-1, 1)), np.reshape(expected, (-1, 1)))


@given(st.lists(st.tuples(FLOATS, FLOATS), min_size=1, max_size=20))
def test_norms_are_the_optimizers_own(rows):
    """Each row's norm as fit's clipping takes it: optim.global_norm on the gradient dict (U and W as numpy
    scalars), the scalar closures' helper too."""
    G = np.array(rows, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fits = [float(optim.global_norm({"U": np.float64(u), "W": np.float64(w)})) for u, w in rows]
        assert same_bits(lockstep._global_norms(G), fits)
        assert same_bits(lockstep._global_norms(G), [lockstep._global_norm(*row) for row in rows])


THRESHOLDS = st.one_of(FLOATS, st.sampled_from([0.0, -0.0, -1.0, math.inf, math.nan]))


@given(st.lists(st.tuples(FLOATS, FLOATS, THRESHOLDS), min_size=1, max_size=20), st.booleans())
def test_clipped_values_are_the_scalar_ones_ties_and_zero_thresholds_included(rows, tie):
    if tie:  # a gradient exactly at its threshold, or at minus it: the branches fall to np.clip
        rows = [(c, -c, c) if math.isfinite(c) else (gU, gW, c) for gU, gW, c in rows]
    G = np.array([row[:2] for row in rows], dtype=np.float64)
    c = np.array([row[2] for row in rows], dtype=np.float64).reshape(-1, 1)
    expected = [[lockstep._clip_value(g, threshold) for g in (gU, gW)] for gU, gW, threshold in rows]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        assert same_bits(lockstep._clip_values(G, c), expected)


ENTRIES = st.one_of(
    FLOATS,
    st.floats(-1e4, 1e4, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 1e-300, 1e300, -1e300, 1.7e308]),
)


@given(
    st.lists(st.tuples(FLOATS, FLOATS, ENTRIES, ENTRIES, ENTRIES, st.sampled_from([0.0, 1.0, 10.0, 1e6])), min_size=1)
)
def test_saddle_free_steps_are_the_scalar_ones_in_every_branch(rows):
    """The eigen-solver's branches: equal diagonals, b = 0, a zero or overflowing trace, either sign of curvature,
    no damping; and a == c with b == 0 (the third rt branch), drawn whenever the entries coincide."""
    rows += [(gU, gW, a, 0.0, a, d) for gU, gW, a, _b, _c, d in rows]  # the same with a == c and b == 0
    g_u, g_w, a, b, c, damping = (np.array(column, dtype=np.float64) for column in zip(*rows, strict=True))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        got = lockstep._saddle_free_steps(g_u, g_w, a, b, c, damping)
        expected = [lockstep.optim.saddle_free_step(*row) for row in rows]
    assert same_bits(np.stack(got, axis=1), expected)


@given(
    st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.one_of(st.floats(-5, 5), st.sampled_from([0.0, -0.0, 1e40]))), min_size=1
    )
)
def test_hessian_entries_are_the_scalar_ones(points):
    """Each run's Hessian entries by its own dot product are counting.hessian_entries', overflow included."""
    for X, targets in (BOOK, counting.make_dataset(7, 3, 1)):
        hessians = lockstep.Lockstep(X, targets).hessian_of
        U, W = (np.array(column, dtype=np.float64) for column in zip(*points, strict=True))
        with np.errstate(over="ignore", invalid="ignore"):
            got = np.stack(lockstep._hessian_entries(hessians.polynomials, U, W), axis=1)
        assert same_bits(got, [hessians(u, w) for u, w in points])


# --- each rule against its closure, over any gradients -----------------------------------------------------------

LEARNING_RATES = st.one_of(st.floats(1e-9, 1e3), st.sampled_from([0.0, 1e-300, 1e300, 5e-4, 1.0]))


def stepper_settings() -> st.SearchStrategy:
    """(runner, settings) for race.stepper, extreme ones included (rates that diverge, zero thresholds, tiny and
    huge Rprop steps, no damping)."""
    return st.one_of(
        st.tuples(st.just("sgd"), st.fixed_dictionaries({"lr": LEARNING_RATES})),
        st.tuples(
            st.just("clip"),
            st.fixed_dictionaries(
                {
                    "lr": LEARNING_RATES,
                    "threshold": st.one_of(st.floats(0, 1e4), st.sampled_from([0.0, 1e-300, 1e300])),
                    "by": st.sampled_from(race.CLIP_KINDS),
                }
            ),
        ),
        st.tuples(st.just("momentum"), st.fixed_dictionaries({"lr": LEARNING_RATES, "mu": st.floats(0, 1.0)})),
        st.tuples(st.just("rmsprop"), st.fixed_dictionaries({"lr": LEARNING_RATES, "decay": st.floats(0, 1.0)})),
        st.tuples(st.just("adam"), st.fixed_dictionaries({"lr": LEARNING_RATES})),
        st.tuples(
            st.just("rprop"),
            st.fixed_dictionaries(
                {
                    "step0": st.one_of(st.floats(1e-9, 10.0), st.sampled_from([1e-300, 1e-6, 60.0, 1e300])),
                    "variant": st.sampled_from(race.optim.RPROP_VARIANTS),
                }
            ),
        ),
        st.tuples(st.just("newton"), st.fixed_dictionaries({"damping": st.one_of(st.floats(0, 1e6), st.just(0.0))})),
    )


# Values whose square by C's pow is not the correctly rounded g * g (1 in about 1,200 is so): a rule that squared
# with numpy's array arithmetic would record other bits for them.
POW_IS_NOT_PRODUCT = [-2.8239505176090614, 4.309727835887987, 0.0001008437510181732, 0.0008793288260617559]
GRADIENTS = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-320, 1e200, -1e200, 1.5e154, *POW_IS_NOT_PRODUCT]),
)


@given(
    runner_settings=stepper_settings(),
    n=st.integers(1, 5),
    steps=st.lists(st.lists(st.tuples(GRADIENTS, GRADIENTS), min_size=5, max_size=5), min_size=1, max_size=12),
)
def test_each_rule_is_its_closure_on_any_gradients(runner_settings, n, steps):
    """n runs of one kind (the same settings, their own gradients) through the rule, and each through its own
    closure: the same updates and the same recorded state entries, to the bit."""
    runner, entry = runner_settings
    stepper = race.stepper(runner, **entry)
    assert stepper.rule is not None  # every setting of the race's runners takes its rule
    rule = stepper.rule()
    rule.add([stepper.settings] * n, np.full(n, len(steps), dtype=np.int64))
    closures = [stepper.closure() for _ in range(n)]
    hessian_of = lockstep.Lockstep(*BOOK).hessian_of
    UW = np.array([[0.5 + 0.25 * k, -1.0 + 0.5 * k] for k in range(n)])  # where Newton's Hessian is finite
    records = [[] for _ in range(n)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, gradients in enumerate(steps):
            G = np.array(gradients[:n], dtype=np.float64)
            D, overflowed, errors = rule.update(G, UW, np.full(n, i, dtype=np.int64), hessian_of)
            assert not errors and (overflowed is None or not overflowed.any())
            for k, (step, _names) in enumerate(closures):
                (dU, dW), record = step(*G[k].tolist(), *UW[k].tolist(), hessian_of)
                assert same_bits(D[k], [dU, dW]), (runner, entry, i, k)
                records[k].append(record)
    for k, (_step, names) in enumerate(closures):
        expected = lockstep._Closures()
        expected.add([(None, names)], np.zeros(1, dtype=np.int64))
        expected.records[0] = records[k]
        assert_bits(expected.series(0, len(steps)), rule.series(k, len(steps)), f"{runner} {entry} run {k}")


def test_settings_a_rule_does_not_take_run_their_closures_and_raise_as_they_did():
    """Outside the range where a rule's arithmetic provably cannot raise, the closure runs: its errors (which
    numpy would not raise) fail that run's group, as before the rules."""
    assert lockstep.adam_stepper(0.1, b1=1.0).rule is None  # 1 - b1**t is 0
    assert lockstep.rmsprop_stepper(0.1, decay=1.5).rule is None  # s goes negative: math.sqrt raises
    assert lockstep.rmsprop_stepper(0.1, decay=0.9, eps=0.0).rule is None  # 0 / 0 at a zero gradient
    assert lockstep.rprop_stepper(0.1, "rprop+", "low", None).rule is None  # a bound that is not a number
    with pytest.raises(ZeroDivisionError):
        lockstep.run(*BOOK, (-1.5, 2.0), {"adam": lockstep.adam_stepper(0.1, b1=1.0)}, 5)
    with pytest.raises(ValueError, match="math domain error"):
        lockstep.run(*BOOK, (-1.5, 2.0), {"rmsprop": lockstep.rmsprop_stepper(1e-3, decay=1.5)}, 5)


# --- the whole engine against counting.fit -----------------------------------------------------------------------

STARTS = st.one_of(
    st.tuples(st.floats(-3, 3), st.floats(-3, 3)),
    st.sampled_from([(-1.5, 2.0), (-2.0, 0.0), (1.0, 1.0), (1e200, 0.5), (1e-300, 1e40), (1e150, 2.0), (-0.0, 1.0)]),
)
GROUPS = st.fixed_dictionaries(
    {
        "runs": st.lists(stepper_settings(), min_size=1, max_size=7),
        "start": STARTS,
        "n_iter": st.integers(-1, 60),
        "goal": st.sampled_from([None, None, 1.0, 100.0, 0.1]),
        "join": st.integers(0, 25),
        "failing": st.booleans(),
    }
)


@contextlib.contextmanager
def rules_from(few: int):
    """Every rule taken from ``few`` runs of its kind going together (each rule class says its own number)."""
    rules = [lockstep._Rule, *(rule for rule in vars(lockstep).values() if isinstance(rule, type))]
    with contextlib.ExitStack() as stack:
        for rule in rules:
            if issubclass(rule, lockstep._Rule) and "few" in vars(rule):
                stack.enter_context(mock.patch.object(rule, "few", few))
        yield


def failing(group: dict) -> bool:
    """Whether the group has a run whose update raises (only groups without a goal: that run's cost would count)."""
    return group["failing"] and group["goal"] is None


def expected_runs(X, targets, group) -> dict:
    """What counting.fit gives each run of the group alone, cut where the group's goal is first reached (as
    Lockstep does: the first iteration at which one of its runs' evaluated cost is at most the goal)."""
    optimizers = {
        f"{k} {runner}": race.make_optimizer(runner, **entry) for k, (runner, entry) in enumerate(group["runs"])
    }
    n_iter = group["n_iter"]
    runs = {name: counting.fit(X, targets, group["start"], opt, n_iter) for name, opt in optimizers.items()}
    if group["goal"] is not None:
        reached = [race.first_below(run.costs, group["goal"]) for run in runs.values()]
        first = min((i for i in reached if i is not None), default=None)
        if first is not None and first < n_iter:
            runs = {name: counting.fit(X, targets, group["start"], opt, first) for name, opt in optimizers.items()}
    return {name: race.lane_of(name.split()[1], run) for name, run in runs.items()}


@settings(max_examples=80, deadline=None)
@given(
    data=st.sampled_from(["book", "generated"]),
    groups=st.lists(GROUPS, min_size=1, max_size=5),
    few=st.sampled_from([1, 2, 4, 50]),
)
def test_groups_of_every_kind_joining_at_any_step_are_fit_run_by_run(data, groups, few):
    """Groups of runs of every kind and setting, each joining the Lockstep at its own step, some with a goal, some
    with a run whose update raises: every run of a group that does not raise is counting.fit's run alone, to the
    bit (divergence iteration, reason and detail included), and a group that raises gets its error. ``few`` moves
    the number of runs from which a kind takes its rule (all rules at 1, all closures at 50)."""
    X, targets = BOOK if data == "book" else counting.make_dataset(13, 6, 2)
    together = lockstep.Lockstep(X, targets)
    ids, results, clock = {}, {}, 0
    with rules_from(few):
        while len(ids) < len(groups) or not together.idle:
            for k, g in enumerate(groups):
                if k not in ids and g["join"] <= clock:
                    steppers = {f"{j} {r}": race.stepper(r, **e) for j, (r, e) in enumerate(g["runs"])}
                    if failing(g):
                        steppers["bad"] = failing_stepper(g["join"] % 4)
                    ids[k] = together.add(lockstep.Group(g["start"], steppers, g["n_iter"], g["goal"]))
            results.update(together.step())
            clock += 1
    for k, g in enumerate(groups):
        got, after = results[ids[k]], g["join"] % 4
        if isinstance(got, Exception):
            assert failing(g) and isinstance(got, ZeroDivisionError)
            continue
        if failing(g):  # it had no update in which to raise: too few iterations, or its start overflows
            assert g["n_iter"] <= after or got.pop("bad")[0].diverged_at == 0
            got.pop("bad", None)
        expected = expected_runs(X, targets, g)
        assert list(got) == list(expected)
        for name, lane in expected.items():
            run, series = got[name]
            assert_same(lane.run, run, f"group {k} {name} {g}")
            assert_bits(lane.series, series, f"group {k} {name} series")


def test_a_class_of_races_trained_together_is_fit_run_by_run():
    """Twelve students' whole races (each runner at a student's own settings, Rprop's three variants and both
    clippings among them), in two waves, every rule taken from four runs: the first wave's Rprop runs are too few
    for their rules and run their closures, the second's join the closures with rules, and every run, long ones
    settling where fit's residuals are rounding noise and ones that diverge, is fit's alone."""
    rng = np.random.default_rng(7)
    X, targets = BOOK
    races = []
    for k in range(12):
        races.append(
            {
                "sgd": {"lr": float(rng.choice([5e-4, 2e-3, 0.03]))},
                "clip": {"lr": 5e-4, "threshold": float(rng.choice([0.0, 5.0, 50.0])), "by": race.CLIP_KINDS[k % 2]},
                "momentum": {"lr": float(rng.uniform(1e-5, 5e-5)), "mu": 0.9},
                "rmsprop": {"lr": float(rng.uniform(0.01, 0.1)), "decay": 0.9},
                "adam": {"lr": float(rng.uniform(0.05, 0.2))},
                "rprop": {"step0": float(rng.choice([1e-3, 0.1])), "variant": race.optim.RPROP_VARIANTS[k % 3]},
                "newton": {"damping": float(rng.choice([0.0, 10.0]))},
            }
        )
    together = lockstep.Lockstep(X, targets)
    ids, results = {}, {}
    with rules_from(4):
        for clock in range(400):
            for k, entries in enumerate(races):
                if k not in ids and clock == (0 if k < 6 else 7):
                    steppers = {r: race.stepper(r, **e) for r, e in entries.items()}
                    ids[k] = together.add(lockstep.Group((-1.5, 2.0), steppers, 250))
            results.update(together.step())
    assert set(together.rules) == {lockstep._Closures, *lockstep._RPROP_RULES.values()} | {
        lockstep._SGD,
        lockstep._ClipNorm,
        lockstep._ClipValue,
        lockstep._Momentum,
        lockstep._RMSProp,
        lockstep._Adam,
        lockstep._Newton,
    }
    for k, entries in enumerate(races):
        for runner, entry in entries.items():
            expected = race.lane_of(
                runner, counting.fit(X, targets, (-1.5, 2.0), race.make_optimizer(runner, **entry), 250)
            )
            run, series = results[ids[k]][runner]
            assert_same(expected.run, run, f"student {k} {runner} {entry}")
            assert_bits(expected.series, series, f"student {k} {runner} series")


@pytest.mark.parametrize("start", [(1e-300, 1e20), (1e-250, 1e25)])
def test_newtons_array_rule_ends_a_run_whose_hessian_overflows_as_fit_does(start):
    """Newton's runs on the array rule, placed after another kind's runs (their rows are not the first), one from a
    start where the Hessian overflows: it ends where fit's does (reason "hessian"), with the same records, while
    the other runs go on."""
    X, targets = BOOK
    entries = {"momentum": {"lr": 1e-9, "mu": 0.9}, "newton": {"damping": 10.0}}
    together, sizes, update = lockstep.Lockstep(X, targets), [], lockstep._Newton.update

    def counted(rule, G, *args):
        sizes.append(len(G))
        return update(rule, G, *args)

    with rules_from(1), mock.patch.object(lockstep._Newton, "update", counted):
        ids = [
            together.add(lockstep.Group(where, {r: race.stepper(r, **e) for r, e in entries.items()}, 40))
            for where in ((-1.5, 2.0), start)
        ]
        results = {}
        while not together.idle:
            results.update(together.step())
    assert sizes[0] == 2 and set(sizes[1:]) == {1}  # both on the array rule; the overflowing one ended at once
    for g, where in zip(ids, ((-1.5, 2.0), start), strict=True):
        for runner, entry in entries.items():
            expected = race.lane_of(runner, counting.fit(X, targets, where, race.make_optimizer(runner, **entry), 40))
            run, series = results[g][runner]
            assert_same(expected.run, run, f"{where} {runner}")
            assert_bits(expected.series, series, f"{where} {runner} series")
    assert results[ids[1]]["newton"][0].reason == "hessian"


@given(runner_settings=stepper_settings())
def test_a_stepper_pickles_as_the_settings_it_was_made_from(runner_settings):
    """What a trainer in another process gets (rnn_core.lockstep_process): the same rule and settings, and so
    counting.fit's run."""
    runner, entry = runner_settings
    made = race.stepper(runner, **entry)
    sent = pickle.loads(pickle.dumps(made))
    assert (sent.rule, sent.settings) == (made.rule, made.settings)
    assert pickle.loads(pickle.dumps(sent)).settings == made.settings  # and again
    expected = race.lane_of(runner, counting.fit(*BOOK, (-1.5, 2.0), race.make_optimizer(runner, **entry), 20))
    run, series = lockstep.run(*BOOK, (-1.5, 2.0), {runner: sent}, 20)[runner]
    assert_same(expected.run, run, runner)
    assert_bits(expected.series, series, runner)
