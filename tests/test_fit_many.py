"""fit_many trains several optimizers in lockstep; each trajectory must be bit for bit what fit gives alone."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core import counting, optim

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
DATASETS = {"book": counting.book_dataset(), "one_bit": counting.make_dataset(1, 1, 0),
            "long": counting.make_dataset(30, 25, 3), "wide": counting.make_dataset(500, 50, 4)}


def assert_same(alone: counting.Trajectory, together: counting.Trajectory, label: str) -> None:
    for field in ("params", "costs", "grads", "updates"):
        a, b = getattr(alone, field), getattr(together, field)
        assert a.shape == b.shape, (label, field)
        np.testing.assert_array_equal(a, b, err_msg=f"{label} {field}")
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=f"{label} {field} signs")
    assert (alone.diverged_at, alone.reason, alone.detail) == (together.diverged_at, together.reason, together.detail)
    assert len(alone.states) == len(together.states), label


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize("start", [(-2.0, 0.0), (-1.5, 2.0), (3.0, 3.0), (1.0, 1.0), (1.0, 1e40)])
def test_fit_many_is_fit_for_each_optimizer(data, start):
    X, targets = DATASETS[data]
    together = counting.fit_many(X, targets, start, OPTIMIZERS, 200)
    assert list(together) == list(OPTIMIZERS)
    for name, optimizer in OPTIMIZERS.items():
        assert_same(counting.fit(X, targets, start, optimizer, 200), together[name], f"{data} {start} {name}")


def test_the_race_mixes_runs_that_stop_early_with_runs_that_go_on():
    X, targets = counting.book_dataset()
    runs = counting.fit_many(X, targets, (-2.0, 0.0), OPTIMIZERS, 500)
    assert runs["sgd"].diverged_at == 38 and runs["sgd"].reason == "state"  # the book's explosion
    assert runs["huge_step"].diverged_at == 1  # its first step already throws it out of float64's reach
    assert runs["newton"].diverged_at is None and len(runs["newton"].updates) == 500


def test_evaluate_batch_gives_each_pair_the_single_evaluation():
    rng = np.random.default_rng(11)
    for trial in range(40):
        X, targets = counting.make_dataset(int(rng.integers(1, 60)), int(rng.integers(1, 30)), seed=trial)
        XT = np.ascontiguousarray(X.T)
        U, W = rng.normal(scale=2.0, size=(2, 7)) * (10.0 if trial % 5 == 0 else 1.0)  # some overflow
        with np.errstate(over="ignore", invalid="ignore"):
            ST, c, gU, gW = counting._evaluate_batch(XT, targets, U, W)
            for k in range(len(U)):
                S = counting.forward(X, U[k], W[k])
                np.testing.assert_array_equal(ST[:, k], S.T)
                expected = [counting.cost(S, targets), *counting.backward(X, S, targets, W[k])]
                np.testing.assert_array_equal([c[k], gU[k], gW[k]], expected)


def test_fit_many_of_nothing_is_empty():
    assert counting.fit_many(*counting.book_dataset(), (0.0, 0.0), {}, 10) == {}
