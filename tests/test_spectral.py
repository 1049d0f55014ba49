"""Gradient flow through time: Jacobian products, Pascanu's conditions, float64's limits."""

import numpy as np
import pytest

from lessons.gradients import params
from rnn_core import counting, spectral, vanilla

NONLINEAR = ("tanh", "logistic", "relu")
LOG10_MAX = np.log10(np.finfo(np.float64).max)  # 308.25


def test_spectral_radius_and_largest_singular_value_of_known_matrices():
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert spectral.spectral_radius(rotation) == pytest.approx(1.0, abs=1e-15)
    assert spectral.spectral_radius(np.array([[0.9, 0.5], [0.0, 0.9]])) == pytest.approx(0.9, abs=1e-15)
    assert spectral.largest_singular_value(np.diag([3.0, -4.0])) == pytest.approx(4.0, abs=1e-15)
    assert np.isnan(spectral.spectral_radius(np.array([[np.inf, 0.0], [0.0, 1.0]])))


@pytest.mark.parametrize("kind", spectral.KINDS)
@pytest.mark.parametrize("size", [1, 2, 64])
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.5])
def test_random_recurrent_hits_the_requested_spectral_radius(kind, size, rho):
    W = spectral.random_recurrent(size, kind, rho, np.random.default_rng(size))
    assert W.shape == (size, size) and W.dtype == np.float64
    assert spectral.spectral_radius(W) == pytest.approx(rho, rel=1e-12)


def test_orthogonal_kind_has_every_eigenvalue_and_singular_value_at_rho():
    W = spectral.random_recurrent(32, "orthogonal", 0.7, np.random.default_rng(0))
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)), 0.7, rtol=1e-12)
    np.testing.assert_allclose(W.T @ W, 0.49 * np.eye(32), atol=1e-14)


def test_random_recurrent_depends_only_on_the_generator_it_is_given():
    a = spectral.random_recurrent(8, "gaussian", 1.1, np.random.default_rng(42))
    b = spectral.random_recurrent(8, "gaussian", 1.1, np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rho", [1.0, 0.9, 1.1])
def test_orthogonal_linear_recurrence_scales_the_norm_by_exactly_rho_per_step(rho):
    W = spectral.random_recurrent(64, "orthogonal", rho, np.random.default_rng(1))
    result = spectral.jacobian_norms(W, 200, "linear")
    np.testing.assert_allclose(result["norm"], rho ** np.arange(201.0), rtol=1e-12)
    np.testing.assert_allclose(result["norm"], result["predicted"], rtol=1e-12)


def test_diagonal_matrix_gives_its_largest_entry_to_the_power_m():
    W = np.diag([0.3, -0.95, 0.5, 0.9])
    result = spectral.jacobian_norms(W, 60, "linear")
    np.testing.assert_allclose(result["norm"], 0.95 ** np.arange(61.0), rtol=1e-12)
    assert result["rho"] == pytest.approx(0.95)


def test_linear_norm_is_never_below_rho_to_the_m():
    # ||W^m|| >= rho^m for every matrix (an eigenvector is stretched by exactly |lambda|^m)
    W = spectral.random_recurrent(16, "gaussian", 0.9, np.random.default_rng(3))
    result = spectral.jacobian_norms(W, 100, "linear")
    assert np.all(result["log10_norm"] >= result["log10_predicted"] - 1e-10)


def _finite_difference_jacobian(result, W, activation, m, eps=1e-6):
    """d h_M / d h_{M-m} by re-running vanilla.forward from a perturbed h_{M-m}, one column per unit."""
    states, inputs = result["states"], result["inputs"]
    M, H = inputs.shape
    params = {"W_xh": np.eye(H), "W_hh": W, "b": np.zeros(H)}
    if m == 0:
        return np.eye(H)
    J = np.zeros((H, H))
    for i in range(H):
        shift = np.zeros(H)
        shift[i] = eps
        ends = []
        for sign in (1.0, -1.0):
            start = (states[M - m] + sign * shift)[None]
            H_all, _ = vanilla.forward(inputs[None, M - m :], params, activation, start)
            ends.append(H_all[0, -1])
        J[:, i] = (ends[0] - ends[1]) / (2 * eps)  # column i: how every unit of h_M moves with (h_{M-m})_i
    return J


@pytest.mark.parametrize("activation", NONLINEAR)
def test_nonlinear_norms_match_finite_differences_of_the_forward_pass(activation):
    W = spectral.random_recurrent(5, "gaussian", 1.3, np.random.default_rng(4))
    M = 8
    result = spectral.jacobian_norms(W, M, activation, rng=np.random.default_rng(5), input_scale=1.0)
    pre_activations = result["states"][:-1] @ W + result["inputs"]
    assert np.min(np.abs(pre_activations)) > 1e-4  # no relu kink within reach of the finite difference
    for m in range(M + 1):
        numeric = np.linalg.norm(_finite_difference_jacobian(result, W, activation, m), 2)
        assert result["norm"][m] == pytest.approx(numeric, rel=1e-6), m


@pytest.mark.parametrize("activation", NONLINEAR)
def test_step_jacobian_is_diag_fprime_times_w_transposed(activation):
    rng = np.random.default_rng(6)
    W = rng.standard_normal((4, 4))
    h_prev, x = rng.standard_normal(4), rng.standard_normal(4)
    params = {"W_xh": np.eye(4), "W_hh": W, "b": np.zeros(4)}
    _, a = vanilla.step(h_prev[None], x[None], params, activation)
    J = spectral.step_jacobian(a[0], W, activation)
    eps = 1e-6
    for i in range(4):
        shift = np.zeros(4)
        shift[i] = eps
        plus, _ = vanilla.step((h_prev + shift)[None], x[None], params, activation)
        minus, _ = vanilla.step((h_prev - shift)[None], x[None], params, activation)
        np.testing.assert_allclose(J[:, i], (plus[0] - minus[0]) / (2 * eps), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", ("linear",) + NONLINEAR)
@pytest.mark.parametrize("rho", [0.8, 1.2, 2.0])
@pytest.mark.parametrize("kind", spectral.KINDS)
def test_pascanu_bound_holds_along_real_trajectories(activation, rho, kind):
    W = spectral.random_recurrent(16, kind, rho, np.random.default_rng(7))
    result = spectral.jacobian_norms(W, 120, activation, rng=np.random.default_rng(8), input_scale=2.0)
    # ||prod J|| <= (gamma lambda1)^m, in logs so it also holds past float64's range
    assert np.all(result["log10_norm"] <= result["log10_bound"] + 1e-10)
    assert result["gamma"] == vanilla.ACTIVATIONS[activation].gamma


def test_nonlinear_activation_needs_a_generator():
    with pytest.raises(ValueError):
        spectral.jacobian_norms(np.eye(2), 5, "tanh")


@pytest.mark.parametrize("activation", ("linear",) + NONLINEAR)
@pytest.mark.parametrize("kind", spectral.KINDS)
def test_extreme_lesson_settings_stay_finite_without_warnings(activation, kind):
    W = spectral.random_recurrent(64, kind, 1.5, np.random.default_rng(9))
    result = spectral.jacobian_norms(W, 200, activation, rng=np.random.default_rng(10), input_scale=5.0)
    finite = np.isfinite(result["norm"])
    assert result["overflow_at"] is None and result["state_nonfinite_at"] is None
    assert np.all(finite | (result["norm"] == 0.0))
    assert np.all(np.isfinite(result["log10_norm"]) | (result["log10_norm"] == -np.inf))


def test_overflow_is_flagged_at_the_first_step_past_float64():
    # 40^m passes 1.8e308 at m = 193; the logs carry on exactly
    W = spectral.random_recurrent(8, "orthogonal", 40.0, np.random.default_rng(11))
    result = spectral.jacobian_norms(W, 250, "linear")
    expected = int(np.ceil(LOG10_MAX / np.log10(40.0)))
    assert result["overflow_at"] == expected == 193
    assert np.all(np.isfinite(result["norm"][:expected])) and np.all(np.isposinf(result["norm"][expected:]))
    assert result["log10_norm"][250] == pytest.approx(250 * np.log10(40.0), rel=1e-12)


def test_underflow_is_flagged_where_the_norm_reaches_zero():
    W = spectral.random_recurrent(8, "orthogonal", 0.01, np.random.default_rng(12))
    result = spectral.jacobian_norms(W, 200, "linear")
    assert result["underflow_at"] == 162  # 1e-322 is a subnormal float64, 1e-324 rounds to 0
    assert result["log10_norm"][200] == pytest.approx(-400.0, rel=1e-12)


def test_nilpotent_matrix_hits_exact_zero():
    result = spectral.jacobian_norms(np.array([[0.0, 1.0], [0.0, 0.0]]), 5, "linear")
    np.testing.assert_array_equal(result["norm"], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert result["underflow_at"] == 2 and result["log10_norm"][2] == -np.inf


def test_relu_state_overflow_is_reported_and_its_norms_are_nan():
    W = 50.0 * np.eye(3)  # relu states grow like 50^t and overflow near t = 180
    result = spectral.jacobian_norms(W, 300, "relu", rng=np.random.default_rng(13), input_scale=1.0)
    assert result["state_nonfinite_at"] is not None and result["state_nonfinite_at"] <= 300
    assert np.isnan(result["norm"][-1])


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6, 0.9, 0.99])
def test_non_normal_example_grows_before_it_decays(rho):
    W = spectral.non_normal_example(rho, params.NON_NORMAL_A)
    assert spectral.spectral_radius(W) == pytest.approx(rho, abs=1e-15)
    norms = spectral.jacobian_norms(W, 3000, "linear")["norm"]
    peak = int(np.argmax(norms))
    assert peak > 0 and norms[peak] > 1.0
    assert np.all(np.diff(norms[peak:]) <= 1e-15)  # decays after the peak ...
    assert norms[-1] < 1e-6  # ... all the way down
    conditions = spectral.pascanu_conditions(W, "linear")
    assert conditions["regime"] == "vanishing_guaranteed" and conditions["transient_growth"]


def test_non_normal_example_peak_follows_its_closed_form():
    rho, a = params.NON_NORMAL_RHO, params.NON_NORMAL_A  # the lesson's example: it peaks at m = 9 or 10
    norms = spectral.jacobian_norms(spectral.non_normal_example(rho, a), 40, "linear")["norm"]
    m = np.arange(1, 41)
    closed = np.array([np.linalg.norm([[rho**k, k * a * rho ** (k - 1)], [0, rho**k]], 2) for k in m])
    np.testing.assert_allclose(norms[1:], closed, rtol=1e-12)
    assert int(np.argmax(norms)) in (9, 10)


@pytest.mark.parametrize(
    ("W", "activation", "regime"),
    [
        (np.diag([0.5, 0.2]), "linear", "vanishing_guaranteed"),
        (np.diag([1.2, 0.2]), "linear", "may_explode"),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), "linear", "boundary"),
        (np.diag([0.9, 0.1]), "tanh", "vanishing_guaranteed"),
        (np.diag([1.1, 0.1]), "relu", "may_explode"),
        (np.diag([3.0, 0.1]), "logistic", "vanishing_guaranteed"),  # 3 < 1/gamma = 4
        (np.diag([5.0, 0.1]), "logistic", "may_explode"),
        (np.diag([4.0, 0.1]), "logistic", "boundary"),
    ],
)
def test_pascanu_conditions_name_the_regime(W, activation, regime):
    conditions = spectral.pascanu_conditions(W, activation)
    assert conditions["regime"] == regime
    assert conditions["threshold"] == 1.0 / conditions["gamma"]
    assert conditions["quantity"] == ("rho" if activation == "linear" else "lambda1")


def test_pascanu_conditions_gammas():
    gammas = {a: spectral.pascanu_conditions(np.eye(2), a)["gamma"] for a in vanilla.ACTIVATIONS}
    assert gammas == {"tanh": 1.0, "logistic": 0.25, "relu": 1.0, "linear": 1.0}
    W = np.diag([2.0, 0.5])
    assert spectral.pascanu_conditions(W, "logistic")["step_bound"] == pytest.approx(0.25 * 2.0)


def test_orthogonal_rho_one_is_exactly_on_the_boundary():
    W = spectral.random_recurrent(16, "orthogonal", 1.0, np.random.default_rng(14))
    assert spectral.pascanu_conditions(W, "linear")["regime"] == "boundary"


def test_scalar_series_reproduces_the_books_numbers():
    exploding = spectral.scalar_series(1.5, 50)
    assert exploding["magnitude"][50] == pytest.approx(6.376e8, rel=1e-3)  # "about 6e8"
    vanishing = spectral.scalar_series(0.6, 20)
    assert vanishing["magnitude"][20] == pytest.approx(3.656e-5, rel=1e-3)
    np.testing.assert_allclose(exploding["log10_magnitude"], np.arange(51) * np.log10(1.5), rtol=1e-12)


def test_scalar_series_signs():
    np.testing.assert_array_equal(spectral.scalar_series(-2.0, 4)["sign"], [1, -1, 1, -1, 1])
    np.testing.assert_array_equal(spectral.scalar_series(-2.0, 4)["value"], [1, -2, 4, -8, 16])
    np.testing.assert_array_equal(spectral.scalar_series(0.5, 3)["sign"], [1, 1, 1, 1])
    zero = spectral.scalar_series(0.0, 3)
    np.testing.assert_array_equal(zero["sign"], [1, 0, 0, 0])
    np.testing.assert_array_equal(zero["magnitude"], [1, 0, 0, 0])
    assert zero["underflow_at"] == 1 and zero["log10_magnitude"][1] == -np.inf


def test_scalar_series_flags_float64_limits():
    assert spectral.scalar_series(10.0, 400)["overflow_at"] == 309  # 1e308 fits, 1e309 does not
    assert spectral.scalar_series(0.1, 400)["underflow_at"] == 324
    steady = spectral.scalar_series(1.0, 400)
    assert steady["overflow_at"] is None and steady["underflow_at"] is None


def test_counting_gradient_flow_is_a_geometric_series_in_w():
    X, targets = counting.book_dataset()
    T = X.shape[1]
    for U, W in params.BOOK["marked_points"]:
        flow = spectral.counting_gradient_flow(X, targets, U, W)
        S = counting.forward(X, U, W)
        end = np.sum(2.0 * (S[:, -1] - targets))  # dxi/dS_T summed over the batch
        expected = end * W ** (T - np.arange(T + 1.0))
        np.testing.assert_allclose(flow["gradient"], expected, rtol=1e-12, atol=1e-12)
        assert flow["nonfinite_at"] is None
    constant = spectral.counting_gradient_flow(X, targets, 2.0, 1.0)["gradient"]
    assert np.all(constant == constant[-1]) and constant[-1] != 0.0
    zero = spectral.counting_gradient_flow(X, targets, 1.0, 0.0)["gradient"]
    assert np.all(zero[:T] == 0.0) and zero[T] != 0.0


def test_counting_gradient_flow_flags_overflow():
    X, targets = counting.book_dataset()
    flow = spectral.counting_gradient_flow(np.tile(X, (1, 40)), np.tile(X, (1, 40)).sum(axis=1), 1.0, 10.0)
    assert flow["nonfinite_at"] is not None


def test_eigenvalues_come_largest_modulus_first():
    values = spectral.eigenvalues(np.array([[0.0, -2.0], [2.0, 0.0]]))  # a rotation by 90 degrees, scaled by 2
    np.testing.assert_allclose(sorted(values.imag), [-2.0, 2.0], atol=1e-15)
    np.testing.assert_allclose(values.real, 0.0, atol=1e-15)
    W = spectral.random_recurrent(20, "gaussian", 1.2, np.random.default_rng(0))
    moduli = np.abs(spectral.eigenvalues(W))
    assert moduli[0] == pytest.approx(spectral.spectral_radius(W), rel=1e-12)
    assert np.all(np.diff(moduli) <= 1e-12)
    assert np.all(np.isnan(spectral.eigenvalues(np.array([[np.nan, 0.0], [0.0, 1.0]]))))


@pytest.mark.parametrize(
    ("w", "regime", "alternates", "steps"),
    [
        (1.5, "exploding", False, 1 / np.log10(1.5)),  # ten-fold every 5.68 steps
        (0.6, "vanishing", False, 1 / -np.log10(0.6)),
        (-0.5, "vanishing", True, 1 / np.log10(2.0)),
        (-2.0, "exploding", True, 1 / np.log10(2.0)),
        (1.0, "steady", False, np.inf),
        (-1.0, "steady", True, np.inf),
        (0.0, "zero", False, 0.0),
    ],
)
def test_scalar_regime_names_the_three_cases_and_the_sign_flip(w, regime, alternates, steps):
    result = spectral.scalar_regime(w)
    assert result["regime"] == regime and result["alternates"] == alternates
    assert result["steps_per_decade"] == pytest.approx(steps, rel=1e-12)
    if np.isfinite(steps) and steps > 0:  # after that many steps the series has changed by exactly 10
        assert abs(spectral.scalar_series(w, 1)["log10_magnitude"][1]) * steps == pytest.approx(1.0, rel=1e-12)


def test_norm_summary_finds_the_transient_peak_and_the_average_rate():
    result = spectral.jacobian_norms(spectral.non_normal_example(0.9, 4.0), 100, "linear")
    summary = spectral.norm_summary(result["log10_norm"])
    assert summary["peak_m"] == int(np.argmax(result["norm"])) and summary["peak_m"] > 0
    assert summary["log10_peak"] == pytest.approx(np.log10(result["norm"].max()), rel=1e-12)
    assert summary["rate"] == pytest.approx(result["norm"][100] ** (1 / 100), rel=1e-12)
    orthogonal = spectral.jacobian_norms(
        spectral.random_recurrent(8, "orthogonal", 1.1, np.random.default_rng(0)), 50, "linear"
    )
    assert spectral.norm_summary(orthogonal["log10_norm"])["rate"] == pytest.approx(1.1, rel=1e-12)
    nilpotent = spectral.jacobian_norms(np.array([[0.0, 1.0], [0.0, 0.0]]), 5, "linear")
    assert spectral.norm_summary(nilpotent["log10_norm"])["rate"] == 0.0
    assert np.isnan(spectral.norm_summary(np.array([0.0]))["rate"])
