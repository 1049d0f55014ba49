"""The counting RNN's maths: data, forward, BPTT against finite differences, the closed-form surface, fit."""

import numpy as np
import pytest

from lessons.counting.params import MAX_STEPS
from rnn_core import counting, optim
from rnn_core.gradcheck import numerical_gradient, relative_error


def test_book_dataset_matches_the_book():
    X, targets = counting.book_dataset()
    assert X.shape == (50, 10) and targets.shape == (50,)
    np.testing.assert_array_equal(X[0], [0, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    assert targets[0] == 2
    # Same stream as RandomState(1).rand(50, 10), rounded.
    np.testing.assert_array_equal(X, np.around(np.random.RandomState(1).rand(50, 10)))
    np.testing.assert_array_equal(targets, X.sum(axis=1))


def test_make_dataset_is_seeded_and_binary():
    X1, t1 = counting.make_dataset(30, 7, seed=5)
    X2, t2 = counting.make_dataset(30, 7, seed=5)
    X3, _ = counting.make_dataset(30, 7, seed=6)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, X3)
    assert set(np.unique(X1)) <= {0.0, 1.0}
    np.testing.assert_array_equal(t1, X1.sum(axis=1))


def test_forward_with_unit_weights_counts_the_ones():
    x = np.array([[0, 0, 0, 0, 1, 0, 1, 0, 1, 0.0]])
    S = counting.forward(x, 1.0, 1.0)
    assert S.shape == (1, 11)
    assert S[0, -1] == 3
    np.testing.assert_array_equal(S[0], np.concatenate([[0], np.cumsum(x[0])]))


def test_forward_matches_the_recurrence_step_by_step():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (4, 6)).astype(float)
    U, W = 0.7, -1.3
    S = counting.forward(X, U, W)
    expected = np.zeros(4)
    for t in range(6):
        expected = expected * W + X[:, t] * U
        np.testing.assert_allclose(S[:, t + 1], expected, rtol=1e-15)


@pytest.mark.parametrize("U, W", [(-2.0, 0.0), (0.3, 1.7), (1.2, -0.8), (1.0, 1.0), (-1.5, 2.0)])
def test_backward_matches_finite_differences(U, W):
    X, targets = counting.make_dataset(20, 8, seed=3)
    targets = targets + np.random.default_rng(1).normal(size=20)  # gradients are nonzero at the optimum too
    S = counting.forward(X, U, W)
    gU, gW = counting.backward(X, S, targets, W)
    num = numerical_gradient(lambda p: counting.cost(counting.forward(X, p["U"], p["W"]), targets), {"U": U, "W": W})
    assert relative_error([gU, gW], [num["U"], num["W"]]) < 1e-6


def test_bptt_gradient_at_each_state_matches_finite_differences():
    """dxi/dS_k from BPTT equals the cost's sensitivity to a nudge added to state k."""
    X, targets = counting.make_dataset(5, 6, seed=2)
    U, W = 0.9, 1.1
    steps = counting.bptt(X, counting.forward(X, U, W), targets, W)

    def cost_with_nudge(k, n, eps):
        S = np.zeros(7)
        for t in range(6):
            S[t + 1] = S[t] * W + X[n, t] * U + (eps if t + 1 == k else 0.0)
        others = np.delete(np.arange(5), n)
        rest = counting.cost(counting.forward(X[others], U, W), targets[others])
        return rest + (targets[n] - S[-1]) ** 2

    for k in range(1, 7):
        for n in range(5):
            fd = (cost_with_nudge(k, n, 1e-6) - cost_with_nudge(k, n, -1e-6)) / 2e-6
            assert steps["gS"][n, k] == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_cost_surface_equals_forward_at_every_point():
    X, targets = counting.book_dataset()
    rng = np.random.default_rng(7)
    U_values = np.sort(rng.uniform(-3, 3, 17))  # random, non-uniform grids
    W_values = np.concatenate([np.sort(rng.uniform(-3, 3, 13)), [0.0, 1.0, -1.0]])
    surface = counting.cost_surface(X, targets, U_values, W_values)
    assert surface.shape == (len(W_values), len(U_values))
    direct = np.array([[counting.cost(counting.forward(X, u, w), targets) for u in U_values] for w in W_values])
    np.testing.assert_allclose(surface, direct, rtol=1e-9, atol=1e-8)


def test_cost_surface_is_zero_at_the_optimum_and_inf_where_it_overflows():
    X, targets = counting.make_dataset(10, 200, seed=0)
    surface = counting.cost_surface(X, targets, np.array([1.0, 2.0]), np.array([1.0, 50.0]))
    assert surface[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert np.isinf(surface[1, 1])  # 50^199 overflows float64; reported as inf, no warning


def test_book_gradient_descent_diverges_and_says_where():
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (-2.0, 0.0), optim.sgd(0.0005), 500)
    assert run.diverged_at is not None and run.diverged_at < 500
    assert run.reason in counting.DIVERGENCE_REASONS
    assert np.all(np.isfinite(run.params)) and np.all(np.isfinite(run.costs)) and np.all(np.isfinite(run.grads))
    assert len(run.params) == run.diverged_at + 1 and len(run.costs) == run.diverged_at
    # The book's story: the weights overshoot past the optimum to about 1.5 before the gradient explodes.
    before = run.params[:-2]
    assert np.any((before[:, 0] > 1.3) & (before[:, 1] > 1.3))
    assert abs(run.params[-1, 1]) > 1e10  # the last finite point is far off the plot
    assert run.detail["W"] == run.params[-1, 1] and run.detail["t"] >= 1


def test_book_run_with_fewer_rows_does_not_diverge():
    """The book's run (docs/SOURCES.md) overflows because its cost sums 50 rows: with 20 rows (or a mean cost) the
    same settings stay finite for 500 iterations."""
    X, targets = counting.book_dataset()
    run = counting.fit(X[:20], targets[:20], (-2.0, 0.0), optim.sgd(0.0005), 500)
    assert run.diverged_at is None and len(run.params) == 501 and len(run.costs) == 501


def test_fit_with_small_learning_rate_converges_to_the_optimum():
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (0.5, 0.5), optim.sgd(3e-5), 3000)
    assert run.diverged_at is None
    np.testing.assert_allclose(run.params[-1], [1.0, 1.0], atol=1e-3)
    assert run.costs[-1] < run.costs[0] * 1e-5


def test_fit_reports_parameter_overflow_from_a_huge_step():
    X, targets = counting.book_dataset()
    run = counting.fit(X, targets, (3.0, 3.0), optim.sgd(1e300), 5)
    assert run.diverged_at == 1 and run.reason == "parameters"
    assert len(run.params) == 1 and len(run.costs) == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0,0,0,0,1,0,1,0,1,0", [0, 0, 0, 0, 1, 0, 1, 0, 1, 0]),
        ("1 0 1", [1, 0, 1]),
        ("0010", [0, 0, 1, 0]),
        (" 1 ; 1 ", [1, 1]),
    ],
)
def test_parse_sequence_accepts_common_spellings(text, expected):
    np.testing.assert_array_equal(counting.parse_sequence(text, MAX_STEPS), expected)


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("  , ", "empty"),
        ("0,1,2", "symbol"),
        ("0 1 x", "symbol"),
        ("<b>1</b>", "symbol"),
        ("1" * (MAX_STEPS + 1), "too_long"),
        (",".join(["1"] * (MAX_STEPS + 50)), "too_long"),
        ("0.5", "symbol"),
    ],
)
def test_parse_sequence_rejects_bad_input_with_a_code(text, code):
    with pytest.raises(counting.SequenceError) as err:
        counting.parse_sequence(text, MAX_STEPS)
    assert err.value.code == code


def test_each_caller_gets_its_own_copy_of_the_book_dataset():
    X, targets = counting.book_dataset()
    X[0, 0], targets[0] = 7.0, -1.0  # a caller that writes to what it got
    again, again_targets = counting.book_dataset()
    assert again[0, 0] == 0.0 and again_targets[0] == 2  # changes nothing for the next one
    assert again.flags.writeable and again_targets.flags.writeable
