"""The engines that train the counting RNN for the lessons must give, bit for bit, what fit gives alone.

fit (rnn_core.counting) is the loop the lessons show, and the definition (forward, cost, BPTT, the overflow
checks, the update). Two engines stand in for it: fit_many (rnn_core.race) runs any optimizers in lockstep with
one fused evaluation (rnn_core.lockstep.Evaluator); race.race and race.run_lane, what the pages call, run the
race's runners through rnn_core.lockstep.run, their updates on Python floats. Every field of every Trajectory is
compared to the bit (values and signs of zeros, so far stronger than 1e-12 relative), for runs that go on and for
runs that stop at each kind of overflow, at the same iteration for the same reason; the race's state series are
compared with fit's recorded states. Hypothesis draws the settings from the optimizers page's own Param specs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import value_of

from lessons.counting.params import P as COUNTING
from lessons.optimizers.params import RUNNER_PARAMS
from lessons.optimizers.params import P as PAGE
from rnn_core import counting, lockstep, optim, race

OPTIMIZERS = {
    "sgd": optim.sgd(5e-4),
    "sgd_fast": optim.sgd(0.05),
    "clip_norm": optim.chain(optim.clip_by_global_norm(50.0), optim.sgd(5e-4)),
    "clip_value": optim.chain(optim.clip_by_value(10.0), optim.sgd(1e-3)),
    "momentum": optim.momentum(2e-5, 0.9),
    "nesterov": optim.momentum(1e-4, 0.9, nesterov=True),
    "rmsprop": optim.rmsprop(0.05),
    "adam": optim.adam(0.1),
    "rprop-": optim.rprop(0.001),
    "rprop+": optim.rprop(0.01, variant="rprop+"),
    "irprop-": optim.rprop(0.1, variant="irprop-", step_min=1e-6, step_max=50.0),
    "newton": optim.newton(10.0),
    "newton_undamped": optim.newton(0.0),
    "huge_step": optim.sgd(1e300),
}
DATASETS = {
    "book": counting.book_dataset(),
    "one_bit": counting.make_dataset(1, 1, 0),
    "long": counting.make_dataset(30, 25, 3),
    "wide": counting.make_dataset(500, 50, 4),
}
# Updates per run. On the wide set (sums over 500 sequences, past numpy's pairwise-summation blocks) every run
# that stops does so within 3 updates, and a fit there costs 5 times one on the book's data: 60 updates keep runs
# that stop beside runs that go on, at a third of the time.
ITERATIONS = {"book": 200, "one_bit": 200, "long": 200, "wide": 60}


def assert_bits(a, b, label: str) -> None:
    """Equal to the bit: arrays (values and signs of zeros), numbers, and dicts/tuples of them (optimizer states)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), label
        for key in a:
            assert_bits(a[key], b[key], f"{label}[{key}]")
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), label
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_bits(x, y, f"{label}[{n}]")
    elif a is None or isinstance(a, (str, bool, int)) and not isinstance(a, np.integer):
        assert a == b and type(a) is type(b), label
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, label
        np.testing.assert_array_equal(a, b, err_msg=label)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=f"{label} signs")


def assert_same(alone: counting.Trajectory, together: counting.Trajectory, label: str) -> None:
    for field in dataclasses.fields(counting.Trajectory):
        assert_bits(getattr(alone, field.name), getattr(together, field.name), f"{label} {field.name}")


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize("start", [(-2.0, 0.0), (-1.5, 2.0), (3.0, 3.0), (1.0, 1.0), (1.0, 1e40)])
def test_fit_many_is_fit_for_each_optimizer(data, start):
    X, targets = DATASETS[data]
    together = race.fit_many(X, targets, start, OPTIMIZERS, ITERATIONS[data])
    assert list(together) == list(OPTIMIZERS)
    for name, optimizer in OPTIMIZERS.items():
        alone = counting.fit(X, targets, start, optimizer, ITERATIONS[data])
        assert_same(alone, together[name], f"{data} {start} {name}")


def test_the_race_mixes_runs_that_stop_early_with_runs_that_go_on():
    X, targets = counting.book_dataset()
    runs = race.fit_many(X, targets, (-2.0, 0.0), OPTIMIZERS, 500)
    assert runs["sgd"].diverged_at == 38 and runs["sgd"].reason == "state"  # the book's explosion
    assert runs["huge_step"].diverged_at == 1  # its first step already throws it out of float64's reach
    assert runs["newton"].diverged_at is None and len(runs["newton"].updates) == 500


# One run that stops at each kind of overflow, each for an optimizer that can meet it.
EVERY_REASON = {
    "state": ((-2.0, 0.0), optim.sgd(5e-4)),  # the book's explosion
    "cost": ((1e200, 0.5), optim.sgd(5e-4)),  # finite states, an output too large to square
    "gradient": ((1e-300, 1e40), optim.sgd(5e-4)),  # a small output, but W^T overflows on the way back
    "hessian": ((1e150, 2.0), optim.newton(1.0)),  # the curvature overflows before the cost does
    "parameters": ((3.0, 3.0), optim.sgd(1e300)),  # the first step throws the weights out of float64
}


@pytest.mark.parametrize("reason", counting.DIVERGENCE_REASONS)
def test_fit_many_is_fit_for_runs_that_stop_at_each_overflow(reason):
    X, targets = counting.book_dataset()
    start, optimizer = EVERY_REASON[reason]
    alone = counting.fit(X, targets, start, optimizer, 50)
    assert alone.reason == reason
    others = {"sgd": optim.sgd(5e-4), "newton": optim.newton(10.0)}  # runs that go on beside it
    together = race.fit_many(X, targets, start, {**others, reason: optimizer}, 50)
    assert_same(alone, together[reason], reason)
    for name, other in others.items():
        assert_same(counting.fit(X, targets, start, other, 50), together[name], f"{reason} beside {name}")


def test_the_evaluator_gives_each_pair_the_single_evaluation():
    rng = np.random.default_rng(11)
    for trial in range(40):
        X, targets = counting.make_dataset(int(rng.integers(1, 60)), int(rng.integers(1, 30)), seed=trial)
        evaluate = lockstep.Evaluator(X, targets)
        for K in (7, 1, 3):  # its buffers are made again when the number of pairs changes
            U, W = rng.normal(scale=2.0, size=(2, K)) * (10.0 if trial % 5 == 0 else 1.0)  # some overflow
            with np.errstate(over="ignore", invalid="ignore"):
                c, gU, gW = evaluate(U, W)
                ST = evaluate.ST
                for k in range(len(U)):
                    S = counting.forward(X, U[k], W[k])
                    np.testing.assert_array_equal(ST[:, k], S.T)
                    expected = [counting.cost(S, targets), *counting.backward(X, S, targets, W[k])]
                    np.testing.assert_array_equal([c[k], gU[k], gW[k]], expected)


@pytest.mark.parametrize("n_iter", [0, 1, 2])
def test_fit_many_is_fit_for_the_shortest_runs(n_iter):
    """No update (the start evaluated only), one and two: the ends of the loop, where an off-by-one would show."""
    X, targets = counting.book_dataset()
    for start in [(-2.0, 0.0), (3.0, 3.0), (1e200, 0.5)]:
        together = race.fit_many(X, targets, start, OPTIMIZERS, n_iter)
        for name, optimizer in OPTIMIZERS.items():
            assert_same(counting.fit(X, targets, start, optimizer, n_iter), together[name], f"{start} {name}")


def test_fit_many_is_fit_from_random_starts_on_random_data():
    """Starts of every size (from 1e-3 to 1e3, either sign) on data sets of every shape, with every optimizer."""
    rng = np.random.default_rng(19)
    for trial in range(12):
        X, targets = counting.make_dataset(int(rng.integers(1, 40)), int(rng.integers(1, 20)), seed=trial)
        start = tuple(float(x) for x in rng.choice([-1.0, 1.0], 2) * 10.0 ** rng.uniform(-3, 3, 2))
        together = race.fit_many(X, targets, start, OPTIMIZERS, 25)
        for name, optimizer in OPTIMIZERS.items():
            assert_same(counting.fit(X, targets, start, optimizer, 25), together[name], f"{trial} {start} {name}")


def test_fit_many_of_nothing_is_empty():
    assert race.fit_many(*counting.book_dataset(), (0.0, 0.0), {}, 10) == {}


# --- the race's engine (race.race, race.run_lane: rnn_core.lockstep.run) against fit ---------------------------


def assert_lane_is_fit(lane: race.Lane, expected: counting.Trajectory, label: str) -> None:
    """The lane is, to the bit, race.lane_of of fit's run: every field of the run (its states kept as arrays
    instead), and the series fit's recorded states turned into arrays."""
    defined = race.lane_of(lane.runner, expected)
    assert lane.runner == defined.runner
    assert_same(defined.run, lane.run, label)
    assert_bits(defined.series, lane.series, f"{label} series")


# Every kind of update the race runs: each runner, both clippings, the three Rprop variants.
KINDS = {
    "sgd": ("sgd", {"lr": 5e-4}),
    "sgd_fast": ("sgd", {"lr": 0.05}),
    "clip_norm": ("clip", {"lr": 5e-4, "threshold": 50.0, "by": "norm"}),
    "clip_zero": ("clip", {"lr": 5e-4, "threshold": 0.0, "by": "norm"}),  # the page's slider reaches 0
    "clip_value": ("clip", {"lr": 1e-3, "threshold": 10.0, "by": "value"}),
    "clip_value_zero": ("clip", {"lr": 1e-3, "threshold": 0.0, "by": "value"}),
    "momentum": ("momentum", {"lr": 2e-5, "mu": 0.9}),
    "rmsprop": ("rmsprop", {"lr": 0.05, "decay": 0.9}),
    "adam": ("adam", {"lr": 0.1}),
    "rprop-": ("rprop", {"step0": 0.001, "variant": "rprop-"}),
    "rprop+": ("rprop", {"step0": 0.01, "variant": "rprop+"}),
    "irprop-": ("rprop", {"step0": 0.1, "variant": "irprop-"}),
    "newton": ("newton", {"damping": 10.0}),
    "newton_undamped": ("newton", {"damping": 0.0}),
}


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize("start", [(-2.0, 0.0), (-1.5, 2.0), (3.0, 3.0), (1.0, 1.0), (0.5, -0.7), (1.0, 1e40)])
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_race_engine_is_fit_for_every_kind_of_update(kind, data, start):
    runner, entry = KINDS[kind]
    X, targets = DATASETS[data]
    lane = race.run_lane(X, targets, start, runner, ITERATIONS[data], **entry)
    expected = counting.fit(X, targets, start, race.make_optimizer(runner, **entry), ITERATIONS[data])
    assert_lane_is_fit(lane, expected, f"{kind} {data} {start}")


# One run of the race's engine that stops at each kind of overflow.
RACE_REASONS = {
    "state": ((-2.0, 0.0), "sgd", {"lr": 5e-4}),
    "cost": ((1e200, 0.5), "adam", {"lr": 0.1}),
    "gradient": ((1e-300, 1e40), "momentum", {"lr": 2e-5, "mu": 0.9}),
    "hessian": ((1e150, 2.0), "newton", {"damping": 1.0}),
    "parameters": ((3.0, 3.0), "clip", {"lr": 1e300, "threshold": 1e300, "by": "value"}),
}


@pytest.mark.parametrize("reason", counting.DIVERGENCE_REASONS)
def test_the_race_engine_stops_where_fit_stops_for_each_reason(reason):
    X, targets = counting.book_dataset()
    start, runner, entry = RACE_REASONS[reason]
    others = {r: e for r, e in (KINDS["rmsprop"], KINDS["rprop-"]) if r != runner}  # runs that go on beside it
    lanes = race.race(X, targets, start, {**others, runner: entry}, 50)
    expected = counting.fit(X, targets, start, race.make_optimizer(runner, **entry), 50)
    assert expected.reason == reason
    assert_lane_is_fit(lanes[runner], expected, reason)
    for other, entry_ in others.items():
        assert_lane_is_fit(
            lanes[other], counting.fit(X, targets, start, race.make_optimizer(other, **entry_), 50), other
        )


def test_the_race_engine_at_the_pages_defaults_is_fit():
    """The optimizers page's default race, 500 updates each: long runs, some settling at the optimum where fit's
    residuals are rounding noise, one diverging (the book's explosion)."""
    X, targets = counting.book_dataset()
    entries = {r: {s: PAGE[name].default for s, name in names.items()} for r, names in RUNNER_PARAMS.items()}
    lanes = race.race(X, targets, (PAGE["u0"].default, PAGE["w0"].default), entries, 500)
    assert any(lane.run.diverged_at is not None for lane in lanes.values())
    assert any(lane.run.diverged_at is None for lane in lanes.values())
    for runner, entry in entries.items():
        expected = counting.fit(
            X, targets, (PAGE["u0"].default, PAGE["w0"].default), race.make_optimizer(runner, **entry), 500
        )
        assert_lane_is_fit(lanes[runner], expected, runner)


def page_entries() -> st.SearchStrategy:
    """Every runner's settings, each drawn from the page's own Param (its range and step grid)."""
    return st.fixed_dictionaries(
        {
            r: st.fixed_dictionaries({s: value_of(PAGE[name]) for s, name in names.items()})
            for r, names in RUNNER_PARAMS.items()
        }
    )


def datasets() -> st.SearchStrategy:
    generated = st.builds(
        counting.make_dataset,
        st.integers(1, 60),
        value_of(COUNTING["len"]).filter(lambda n: n <= 25),
        value_of(COUNTING["seed"]),
    )
    return st.one_of(st.just(counting.book_dataset()), generated)


# Starts on the page's grid, plus ones no slider reaches where each kind of overflow waits.
STARTS = st.one_of(
    st.tuples(value_of(PAGE["u0"]), value_of(PAGE["w0"])),
    st.sampled_from([(1e200, 0.5), (1e-300, 1e40), (1e150, 2.0), (0.0, 0.0), (-0.0, 1.0), (1.0, 1.0)]),
)


@given(entries=page_entries(), data=datasets(), start=STARTS, n_iter=st.integers(0, 120))
def test_the_race_engine_is_fit_at_any_setting_of_the_page(entries, data, start, n_iter):
    X, targets = data
    lanes = race.race(X, targets, start, entries, n_iter)
    assert list(lanes) == list(entries)
    for runner, entry in entries.items():
        expected = counting.fit(X, targets, start, race.make_optimizer(runner, **entry), n_iter)
        assert_lane_is_fit(lanes[runner], expected, f"{runner} {entry} {start} {n_iter}")
