"""The counting RNN's exact Hessian, Newton's method through ``fit``, and fit against a loop without its checks."""

from __future__ import annotations

import numpy as np
import pytest

from lessons.counting.params import BOOK
from rnn_core import counting, optim
from rnn_core.gradcheck import relative_error


@pytest.fixture(scope="module")
def book():
    return counting.book_dataset()


def gradient(X, targets, U, W) -> np.ndarray:
    return np.array(counting.backward(X, counting.forward(X, U, W), targets, W))


def finite_difference_hessian(X, targets, U, W, eps=1e-5) -> np.ndarray:
    """Column j: centred difference of the BPTT gradient along parameter j."""
    point = np.array([U, W])
    columns = []
    for j in range(2):
        shift = np.zeros(2)
        shift[j] = eps
        ahead, behind = gradient(X, targets, *(point + shift)), gradient(X, targets, *(point - shift))
        columns.append((ahead - behind) / (2 * eps))
    return np.array(columns).T


@pytest.mark.parametrize("U, W", [BOOK["rprop_start"], (1.0, 1.0), (0.5, -0.7), (1.2, 0.3), (-2.0, 0.0), (0.0, 1.4)])
def test_hessian_matches_finite_differences_of_backward(book, U, W):
    X, targets = book
    H = counting.hessian(X, targets, U, W)
    assert H.shape == (2, 2) and H.dtype == np.float64
    assert H[0, 1] == H[1, 0]
    assert relative_error(H, finite_difference_hessian(X, targets, U, W)) < 1e-6


@pytest.mark.parametrize("n_samples, seq_len", [(30, 7), (12, 1), (20, 2), (40, 20)])
def test_hessian_on_random_data_matches_finite_differences(n_samples, seq_len):
    """Other lengths too: one step (W does not reach the output), two, and twenty (W^19 and its derivatives)."""
    X, targets = counting.make_dataset(n_samples, seq_len, seed=3)
    rng = np.random.default_rng(11)
    for U, W in rng.uniform(-1.5, 1.5, size=(5, 2)):
        H = counting.hessian(X, targets, U, W)
        assert relative_error(H, finite_difference_hessian(X, targets, U, W)) < 1e-6


def test_the_hessians_entries_are_its_floats(book):
    """What Newton's update reads in the fast engine (rnn_core.lockstep) is exactly what fit passes it."""
    polynomials = counting.hessian_polynomials(*book)
    for U, W in [BOOK["rprop_start"], (1.0, 1.0), (0.3, -1.2)]:
        (h_uu, h_uw), (h_wu, h_ww) = counting.hessian(*book, U, W).tolist()
        assert counting.hessian_entries(polynomials, U, W) == (h_uu, h_uw, h_ww) and h_wu == h_uw


def test_hessian_at_the_optimum_has_its_closed_form(book):
    X, targets = book
    H = counting.hessian(X, targets, 1.0, 1.0)
    T = X.shape[1]
    # At U = W = 1: p_n = t_n, residuals vanish, p_n' = sum_k X_{n,k} (T - k).
    dp = X @ np.arange(T - 1, -1, -1.0)
    expected = 2.0 * np.array([[targets @ targets, dp @ targets], [dp @ targets, dp @ dp]])
    np.testing.assert_allclose(H, expected)
    assert H[0, 0] == 3014.0  # the book's 50 rows: sum t^2 = 1507
    assert np.all(np.linalg.eigvalsh(H) > 0)  # a true minimum


def test_hessian_is_indefinite_at_the_book_start(book):
    eigenvalues = np.linalg.eigvalsh(counting.hessian(*book, *BOOK["rprop_start"]))
    assert eigenvalues[0] < 0 < eigenvalues[1]


def test_hessian_overflow_is_reported_not_warned(book):
    H = counting.hessian(*book, 1.0, 1e300)
    assert not np.all(np.isfinite(H))


def test_damped_newton_from_the_book_start_reaches_the_optimum(book):
    X, targets = book
    run = counting.fit(X, targets, BOOK["rprop_start"], optim.newton(damping=1.0), 500)
    assert run.diverged_at is None and run.reason is None
    np.testing.assert_allclose(run.params[-1], [1.0, 1.0], atol=1e-10)
    assert run.costs[-1] < 1e-20
    first_below = int(np.argmax(np.max(np.abs(run.params - 1.0), axis=1) < 1e-6))
    assert 10 < first_below < 60  # about 40 iterations: the start sits on a ridge of negative curvature
    eigenvalues = np.array([s["eigenvalues"] for s in run.states])
    assert eigenvalues[0, 0] < 0 and np.all(eigenvalues[-1] > 0)


def test_fit_passes_the_exact_hessian_every_iteration(book):
    X, targets = book
    seen = []

    def update(grads, state, params=None, hessian=None, **extra):
        seen.append(hessian)
        return {k: -1e-4 * np.sign(g) for k, g in grads.items()}, state

    spy = optim.Optimizer(lambda params: (), update, needs_hessian=True)
    run = counting.fit(X, targets, (0.5, 0.5), spy, 5)
    assert len(seen) == 5
    for (U, W), H in zip(run.params[:-1], seen, strict=True):
        np.testing.assert_array_equal(H, counting.hessian(X, targets, U, W))


def test_fit_computes_no_hessian_for_first_order_optimizers(book):
    extras = []

    def record(grads, state, params=None, **extra):
        extras.append(extra)
        return grads, state

    recorder = optim.Optimizer(lambda params: (), record)
    counting.fit(*book, (0.5, 0.5), optim.chain(recorder, optim.sgd(1e-4)), 2)
    assert extras == [{}, {}]


def test_a_non_finite_hessian_stops_the_run(book, monkeypatch):
    X, targets = book
    monkeypatch.setattr(counting, "hessian_at", lambda *args: np.full((2, 2), np.inf))  # what fit asks at each step
    run = counting.fit(X, targets, (0.5, 0.5), optim.newton(), 10)
    assert "hessian" in counting.DIVERGENCE_REASONS
    assert run.reason == "hessian" and run.diverged_at == 0
    assert len(run.params) == 1 and len(run.costs) == 1 and len(run.updates) == 0
    assert run.detail["U"] == 0.5 and run.detail["cost"] == run.costs[0]


def test_plain_descent_from_the_book_start_still_explodes(book):
    X, targets = book
    run = counting.fit(X, targets, (-2.0, 0.0), optim.sgd(0.0005), 500)
    assert run.reason == "state" and run.diverged_at == 38
    assert np.all(np.isfinite(run.params))
    # It creeps up to about U = 1.8, W = 1.5, then the next step throws it off the plot.
    np.testing.assert_allclose(run.params[36], [1.827, 1.465], atol=1e-3)
    assert np.all(np.abs(run.params[37]) > 200)


# --- fit's overflow checks change nothing while the run stays finite ------------------------------------
# (the race engine, fit_many, against fit: tests/test_fit_many.py)


def reference_fit(X, targets, start, optimizer, n_iter):
    """The bare loop: forward, backward, update, with none of fit's records or checks."""
    params = {"U": np.float64(start[0]), "W": np.float64(start[1])}
    state, rows = optimizer.init(params), [start]
    for _ in range(n_iter):
        U, W = float(params["U"]), float(params["W"])
        S = counting.forward(X, U, W)
        gU, gW = counting.backward(X, S, targets, W)
        step, state = optimizer.update({"U": np.float64(gU), "W": np.float64(gW)}, state, params)
        params = optim.apply_updates(params, step)
        rows.append((float(params["U"]), float(params["W"])))
    return np.array(rows)


@pytest.mark.parametrize(
    "start, optimizer",
    [
        (BOOK["rprop_start"], optim.rprop(0.001)),
        ((-2.0, 0.0), optim.sgd(0.0005)),
        (BOOK["rprop_start"], optim.adam(0.05)),
        (BOOK["rprop_start"], optim.chain(optim.clip_by_global_norm(10.0), optim.sgd(1e-3))),
    ],
    ids=["rprop", "sgd", "adam", "clipped-sgd"],
)
def test_fit_trajectory_is_bit_for_bit_the_reference(book, start, optimizer):
    X, targets = book
    run = counting.fit(X, targets, start, optimizer, 60)
    assert len(run.params) > 30
    reference = reference_fit(X, targets, start, optimizer, len(run.params) - 1)
    np.testing.assert_array_equal(run.params, reference)
