"""fit_many trains several optimizers in lockstep; each trajectory must be bit for bit what fit gives alone.

fit (rnn_core.counting) is the loop the lessons show (forward, cost, BPTT, the overflow checks, the update);
fit_many (rnn_core.race), with its fused evaluation, is the engine of the optimizer race. Every field of every
Trajectory is compared, for runs that go on and for runs that stop at each kind of overflow.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnn_core import counting, optim, race

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


def test_evaluate_batch_gives_each_pair_the_single_evaluation():
    rng = np.random.default_rng(11)
    for trial in range(40):
        X, targets = counting.make_dataset(int(rng.integers(1, 60)), int(rng.integers(1, 30)), seed=trial)
        XT = np.ascontiguousarray(X.T)
        U, W = rng.normal(scale=2.0, size=(2, 7)) * (10.0 if trial % 5 == 0 else 1.0)  # some overflow
        with np.errstate(over="ignore", invalid="ignore"):
            ST, c, gU, gW = race._evaluate_batch(XT, targets, U, W)
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
