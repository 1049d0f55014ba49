"""The vanilla RNN: forward matches its equations, every hand-written gradient matches finite differences."""

import numpy as np
import pytest

from rnn_core import vanilla
from rnn_core.gradcheck import numerical_gradient, relative_error

ACTIVATION_NAMES = sorted(vanilla.ACTIVATIONS)
N, T, D, H, K = 3, 5, 2, 4, 3
KINK_MARGIN = 1e-3  # relu's kink at 0: finite differences need every pre-activation at least this far from it


def _problem(activation: str, seed: int = 0, steps: int = T) -> tuple[dict, np.ndarray]:
    """Parameters, inputs, h0 and an upstream gradient ; relu: first seed clear of the kink."""
    for s in range(seed, seed + 100):
        rng = np.random.default_rng(s)
        values = vanilla.init_params(D, H, rng, scale=0.9)
        values["b"] = 0.3 * rng.standard_normal(H)
        values["X"] = rng.standard_normal((N, steps, D))
        values["h0"] = 0.5 * rng.standard_normal((N, H))
        dH = rng.standard_normal((N, steps, H))
        _, cache = vanilla.forward(values["X"], _params(values), activation, values["h0"])
        if activation != "relu" or np.min(np.abs(cache["A"])) > KINK_MARGIN:
            return values, dH
    raise AssertionError("no kink-free relu problem found")


def _params(values: dict) -> dict:
    return {name: values[name] for name in ("W_xh", "W_hh", "b")}


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backward_matches_finite_differences_on_every_parameter_input_and_h0(activation):
    values, dH = _problem(activation)

    def loss(v):  # <dH, H_all>: its gradient on each h_t is exactly dH[:, t]
        H_all, _ = vanilla.forward(v["X"], _params(v), activation, v["h0"])
        return float(np.sum(dH * H_all))

    _, cache = vanilla.forward(values["X"], _params(values), activation, values["h0"])
    analytic = vanilla.backward(dH, cache)
    numeric = numerical_gradient(loss, values)
    assert set(analytic) == {"W_xh", "W_hh", "b", "X", "h0"}
    for name in values:
        assert analytic[name].shape == values[name].shape
        assert relative_error(analytic[name], numeric[name]) <= 1e-6, name


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_many_to_one_readout_gradient_matches_finite_differences(activation):
    # Two steps only: through more logistic steps the gradient on X and h0 vanishes (the lesson's point)
    # below what a finite difference can resolve to 1e-6.
    values, _ = _problem(activation, seed=7, steps=2)
    rng = np.random.default_rng(3)
    values["V"] = rng.standard_normal((H, K))
    values["c"] = rng.standard_normal(K)
    dY = rng.standard_normal((N, K))

    def loss(v):
        H_all, _ = vanilla.forward(v["X"], _params(v), activation, v["h0"])
        return float(np.sum(dY * vanilla.readout(H_all[:, -1], v["V"], v["c"])))

    H_all, cache = vanilla.forward(values["X"], _params(values), activation, values["h0"])
    out_grads = vanilla.readout_backward(dY, H_all[:, -1], values["V"])
    dH = np.zeros_like(H_all)
    dH[:, -1] = out_grads["H"]
    analytic = {**vanilla.backward(dH, cache), "V": out_grads["V"], "c": out_grads["c"]}
    numeric = numerical_gradient(loss, values)
    for name in values:
        assert relative_error(analytic[name], numeric[name]) <= 1e-6, name


def test_many_to_many_readout_backward_matches_finite_differences():
    rng = np.random.default_rng(5)
    values = {"H": rng.standard_normal((N, T, H)), "V": rng.standard_normal((H, K))}
    values["c"] = rng.standard_normal(K)
    dY = rng.standard_normal((N, T, K))

    def loss(v):
        return float(np.sum(dY * vanilla.readout(v["H"], v["V"], v["c"])))

    analytic = vanilla.readout_backward(dY, values["H"], values["V"])
    numeric = numerical_gradient(loss, values)
    assert vanilla.readout(values["H"], values["V"], values["c"]).shape == (N, T, K)
    for name in values:
        assert relative_error(analytic[name], numeric[name]) <= 1e-6, name


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_forward_follows_the_equation_step_by_step(activation):
    values, _ = _problem(activation, seed=11)
    f = vanilla.ACTIVATIONS[activation].f
    H_all, cache = vanilla.forward(values["X"], _params(values), activation, values["h0"])
    h = values["h0"]
    for t in range(T):
        a = h @ values["W_hh"] + values["X"][:, t] @ values["W_xh"] + values["b"]
        h = f(a)
        np.testing.assert_allclose(cache["A"][:, t], a, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(H_all[:, t], h, rtol=1e-14, atol=1e-14)
    assert H_all.shape == (N, T, H) and H_all.dtype == np.float64
    assert cache["nonfinite_at"] is None


def test_h0_defaults_to_zeros():
    rng = np.random.default_rng(2)
    params = vanilla.init_params(D, H, rng)
    X = rng.standard_normal((N, T, D))
    H_default, _ = vanilla.forward(X, params)
    H_zeros, _ = vanilla.forward(X, params, h0=np.zeros((N, H)))
    np.testing.assert_array_equal(H_default, H_zeros)


def test_linear_scalar_rnn_is_a_geometric_series():
    # one unit, W_hh = w, input only at t = 1: h_t = w^(t-1), and dh_T/dh_0 = w^T
    w = 1.5
    params = {"W_xh": np.array([[1.0]]), "W_hh": np.array([[w]]), "b": np.zeros(1)}
    X = np.zeros((1, 10, 1))
    X[0, 0, 0] = 1.0
    H_all, cache = vanilla.forward(X, params, "linear")
    np.testing.assert_allclose(H_all[0, :, 0], w ** np.arange(10), rtol=1e-15)
    dH = np.zeros_like(H_all)
    dH[0, -1, 0] = 1.0
    np.testing.assert_allclose(vanilla.backward(dH, cache)["h0"], [[w**10]], rtol=1e-15)


def test_overflow_is_reported_not_warned():
    # 10^t overflows float64 after about 308 steps; the test run turns any RuntimeWarning into an error
    params = {"W_xh": np.eye(2), "W_hh": 10.0 * np.eye(2), "b": np.zeros(2)}
    X = np.ones((1, 400, 2))
    H_all, cache = vanilla.forward(X, params, "linear")
    assert cache["nonfinite_at"] is not None
    assert np.all(np.isfinite(H_all[:, : cache["nonfinite_at"]]))
    assert not np.all(np.isfinite(H_all[:, cache["nonfinite_at"]]))
    grads = vanilla.backward(np.ones_like(H_all), cache)
    assert not np.all(np.isfinite(grads["W_hh"]))


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_activation_derivatives_match_finite_differences_and_gamma_bounds_them(activation):
    act = vanilla.ACTIVATIONS[activation]
    a = np.linspace(-6.0, 6.0, 1201)
    a = a[np.abs(a) > 1e-3]  # relu's kink
    eps = 1e-6
    numeric = (act.f(a + eps) - act.f(a - eps)) / (2 * eps)
    assert relative_error(act.df(a), numeric) <= 1e-6
    assert np.max(np.abs(act.df(a))) <= act.gamma + 1e-12
    assert np.max(np.abs(act.df(np.linspace(-1e-3, 1e-3, 11)))) == pytest.approx(act.gamma, rel=1e-6)


def test_logistic_saturates_without_overflow():
    act = vanilla.ACTIVATIONS["logistic"]
    np.testing.assert_array_equal(act.f(np.array([-1e4, 1e4])), [0.0, 1.0])
    np.testing.assert_array_equal(act.df(np.array([-1e4, 1e4])), [0.0, 0.0])


def test_init_params_scale_sets_the_spectral_radius():
    rng = np.random.default_rng(0)
    params = vanilla.init_params(3, 300, rng, scale=0.8)
    assert params["W_xh"].shape == (3, 300) and params["W_hh"].shape == (300, 300)
    np.testing.assert_array_equal(params["b"], np.zeros(300))
    rho = np.max(np.abs(np.linalg.eigvals(params["W_hh"])))
    assert rho == pytest.approx(0.8, abs=0.08)


def test_unknown_activation_is_rejected():
    params = vanilla.init_params(1, 2, np.random.default_rng(0))
    with pytest.raises(ValueError):
        vanilla.forward(np.zeros((1, 1, 1)), params, "softplus")
