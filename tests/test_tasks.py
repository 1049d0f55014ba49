"""Long-lag task generators, the readout's gradients, and the training loop (short runs only)."""

import numpy as np
import pytest

from rnn_core import lstm, tasks
from rnn_core.gradcheck import numerical_gradient, relative_error


def test_first_symbol_batch_shows_the_label_once_with_the_marker():
    X, labels = tasks.first_symbol_batch(64, 7, np.random.default_rng(0))
    K = tasks.N_SYMBOLS
    assert X.shape == (64, 8, K + 1) and labels.shape == (64,)
    assert np.array_equal(np.argmax(X[:, 0, :K], axis=1), labels)
    assert np.all(X[:, :, :K].sum(axis=2) == 1.0)  # one symbol per step
    assert np.all(X[:, 0, K] == 1.0) and np.all(X[:, 1:, K] == 0.0)  # the marker only on the first step
    assert set(np.unique(labels)) == set(range(K))


@pytest.mark.parametrize("T", [4, 11, 100])
def test_adding_batch_marks_two_values_in_the_first_half(T):
    X, targets = tasks.adding_batch(500, T, np.random.default_rng(1))
    values, markers = X[:, :, 0], X[:, :, 1]
    assert X.shape == (500, T, 2) and targets.shape == (500,)
    assert np.all(np.abs(values) <= 1.0)
    assert np.all(markers.sum(axis=1) == 2.0) and np.all(markers[:, T // 2 :] == 0.0)
    assert np.all(np.argmax(markers, axis=1) < 10)  # the first mark is among the first 10 steps
    assert np.allclose(targets, 0.5 + (values * markers).sum(axis=1) / 4.0, rtol=0, atol=1e-15)
    assert np.all((targets >= 0.0) & (targets <= 1.0))


def test_make_batch_rejects_unknown_tasks_and_short_adding_sequences():
    with pytest.raises(ValueError, match="task"):
        tasks.make_batch("copy", 4, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="T >= 4"):
        tasks.adding_batch(4, 3, np.random.default_rng(0))


@pytest.mark.parametrize("task", tasks.TASKS)
def test_readout_loss_gradients_match_finite_differences(task):
    rng = np.random.default_rng(2)
    _, K = tasks._sizes(task)
    h_last = rng.normal(size=(6, 5))
    params = {"W_y": rng.normal(size=(5, K)), "b_y": rng.normal(size=K)}
    targets = rng.integers(0, K, size=6) if task == "first_symbol" else rng.uniform(size=6)
    _, dh, grads, _ = tasks.readout_loss(task, h_last, params, targets)

    def loss(p):
        return tasks.readout_loss(task, p["h"], {"W_y": p["W_y"], "b_y": p["b_y"]}, targets)[0]

    numeric = numerical_gradient(loss, {**params, "h": h_last})
    assert relative_error(dh, numeric["h"]) <= 1e-6
    for name in params:
        assert relative_error(grads[name], numeric[name]) <= 1e-6, name


def _constant_model(task: str, lag: int, value: float) -> tasks.TrainResult:
    """A model whose readout ignores its input: zero LSTM and readout weights, bias ``value``."""
    D, K = tasks._sizes(task)
    params = {k: np.zeros_like(v) for k, v in lstm.init_params(D, 4, np.random.default_rng(0)).items()}
    params.update(W_y=np.zeros((4, K)), b_y=np.full(K, value))
    return tasks.TrainResult("lstm", task, lag, 4, 0, params, np.zeros(0), np.zeros(0), 0.0, "done")


def test_always_answering_one_half_solves_about_15_percent_of_the_adding_problem():
    # P(|X1 + X2| / 4 < 0.04) for X1, X2 ~ U[-1, 1]: the triangular density of the sum gives 0.1536
    rate = tasks.success_rate(_constant_model("adding", 20, 0.5), n_sequences=4000)
    assert 0.13 < rate < 0.18


def test_short_lstm_training_learns_the_first_symbol_at_a_short_lag():
    result = tasks.train_lstm("first_symbol", lag=5, hidden=8, n_steps=150, seed=0)
    assert result.stopped == "done" and len(result.losses) == 150
    assert result.losses[:10].mean() > 1.2  # ln 4 ≈ 1.39: guessing among 4 symbols
    assert result.losses[-10:].mean() < 0.3 * result.losses[:10].mean()
    assert tasks.success_rate(result, n_sequences=300) > 0.9


def test_short_lstm_training_reduces_the_adding_loss():
    result = tasks.train_lstm("adding", lag=10, hidden=8, n_steps=150, seed=0)
    assert result.losses[-20:].mean() < 0.5 * result.losses[:20].mean()


def test_training_is_deterministic_given_a_seed():
    runs = [tasks.train_lstm("first_symbol", 4, hidden=4, n_steps=15, seed=s) for s in (3, 3, 4)]
    assert np.array_equal(runs[0].losses, runs[1].losses)
    assert all(np.array_equal(runs[0].params[k], runs[1].params[k]) for k in runs[0].params)
    assert not np.array_equal(runs[0].losses, runs[2].losses)
    rnn_runs = [tasks.train_rnn("first_symbol", 4, hidden=4, n_steps=15, seed=3) for _ in range(2)]
    assert np.array_equal(rnn_runs[0].losses, rnn_runs[1].losses)


def test_rnn_counterpart_learns_the_first_symbol_at_a_short_lag():
    result = tasks.train_rnn("first_symbol", lag=2, hidden=8, n_steps=150, seed=0)
    assert result.model == "rnn" and set(result.params) == {"W_xh", "W_hh", "b", "W_y", "b_y"}
    assert result.losses[-10:].mean() < 0.3 * result.losses[:10].mean()


def test_lstm_bridges_a_lag_of_20_that_the_tanh_rnn_does_not_learn_in_as_many_steps():
    lstm_run = tasks.train_lstm("first_symbol", 20, n_steps=400, seed=0, stop_at_solved=0.95)
    assert lstm_run.stopped == "solved"
    assert tasks.success_rate(lstm_run, n_sequences=500) > 0.95
    rnn_run = tasks.train_rnn("first_symbol", 20, n_steps=400, seed=0)
    assert tasks.success_rate(rnn_run, n_sequences=500) < 0.6


def test_time_budget_and_stop_at_solved_end_the_run_early():
    timed = tasks.train_lstm("first_symbol", 4, hidden=4, n_steps=50, seed=0, time_budget_s=0.0)
    assert timed.stopped == "time" and len(timed.losses) == 1
    solved = tasks.train_lstm("first_symbol", 3, hidden=8, n_steps=400, seed=0, stop_at_solved=0.95)
    assert solved.stopped == "solved" and len(solved.losses) < 400
    assert solved.solved[-tasks.SOLVED_WINDOW :].mean() >= 0.95


def test_progress_is_reported_up_to_the_last_step():
    calls = []
    tasks.train_lstm("first_symbol", 3, hidden=4, n_steps=30, seed=0, progress=lambda *a: calls.append(a))
    steps = [c[0] for c in calls]
    assert steps == sorted(steps) and steps[-1] == 30 and all(c[1] == 30 for c in calls)


def test_non_finite_batch_stops_the_run_and_is_reported(monkeypatch):
    real = tasks.make_batch

    def poisoned(task, n, lag, rng):
        X, targets = real(task, n, lag, rng)
        X[0, 1, 0] = np.nan
        return X, targets

    monkeypatch.setattr(tasks, "make_batch", poisoned)
    result = tasks.train_lstm("first_symbol", 3, hidden=4, n_steps=10, seed=0)
    assert result.stopped == "diverged" and result.diverged_at == 0 and len(result.losses) == 0
    assert all(np.all(np.isfinite(v)) for v in result.params.values())
