"""Optimizers: pinned step-by-step values, equivalences, and convergence on the book's counting problem."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rnn_core import counting, optim


def run(optimizer: optim.Optimizer, gradients, w0: float = 0.0):
    """Feed a fixed gradient sequence to one scalar weight ``w``; return the updates, weights and states."""
    params = {"w": np.float64(w0)}
    state = optimizer.init(params)
    updates, weights, states = [], [], []
    for g in gradients:
        step, state = optimizer.update({"w": np.float64(g)}, state, params)
        params = optim.apply_updates(params, step)
        updates.append(float(step["w"]))
        weights.append(float(params["w"]))
        states.append(state)
    return np.array(updates), np.array(weights), states


# --- Rprop -------------------------------------------------------------------------------------------------

PUBLISHED_GRADIENTS = [1.0, 1.0, 1.0, -1.0, 1.0]


def test_irprop_minus_matches_the_published_step_vector():
    updates, _, states = run(optim.rprop(0.1, variant="irprop-"), PUBLISHED_GRADIENTS)
    np.testing.assert_allclose(np.abs(updates), [0.1, 0.12, 0.144, 0.0, 0.072], rtol=1e-12, atol=0)
    np.testing.assert_allclose(updates[[0, 1, 2, 4]], [-0.1, -0.12, -0.144, -0.072], rtol=1e-12)
    # The sign change shrinks Delta and forgets the gradient, so the next step neither grows nor shrinks.
    np.testing.assert_allclose([s["step"]["w"] for s in states], [0.1, 0.12, 0.144, 0.072, 0.072], rtol=1e-12)
    assert [float(s["prev_sign"]["w"]) for s in states] == [1.0, 1.0, 1.0, 0.0, 1.0]


def test_irprop_minus_with_pytorchs_bounds_matches_the_published_vector_and_stays_within_them():
    """What the race runs as iRprop- is torch.optim.Rprop: the published vector, Delta never above 50 when the
    sign holds, never below 1e-6 when it keeps flipping."""
    low, high = optim.PYTORCH_STEP_BOUNDS
    assert (low, high) == (1e-6, 50.0)
    updates, _, _ = run(optim.rprop(0.1, step_min=low, step_max=high, variant="irprop-"), PUBLISHED_GRADIENTS)
    np.testing.assert_allclose(np.abs(updates), [0.1, 0.12, 0.144, 0.0, 0.072], rtol=1e-12, atol=0)
    _, _, grown = run(optim.rprop(40.0, step_min=low, step_max=high, variant="irprop-"), [1.0] * 4)
    np.testing.assert_allclose([s["step"]["w"] for s in grown], [40.0, 48.0, 50.0, 50.0])
    _, _, shrunk = run(optim.rprop(2e-6, step_min=low, step_max=high, variant="irprop-"), [1.0, -1.0] * 3)
    assert min(float(s["step"]["w"]) for s in shrunk) == low


@pytest.mark.parametrize("variant", optim.RPROP_VARIANTS)
def test_rprop_is_its_named_step_rule_applied_to_each_weight(variant):
    """The optimizer is only bookkeeping around the step rule a student reads (rprop_minus_step, ...)."""
    opt, rule = optim.rprop(0.1, variant=variant), optim.RPROP_STEPS[variant]
    rng = np.random.default_rng(3)
    params = {"U": np.float64(0.0), "W": np.float64(0.0)}
    state = opt.init(params)
    for _ in range(8):
        grads = {k: np.float64(rng.normal()) for k in params}
        updates, new_state = opt.update(grads, state, params)
        for k, g in grads.items():
            update, delta, sign = rule(
                g, state["prev_sign"][k], state["step"][k], 1.2, 0.5, (None, None), state.get("prev_update", {}).get(k)
            )
            assert (updates[k], new_state["step"][k], new_state["prev_sign"][k]) == (update, delta, sign)
        state = new_state


def test_rprop_first_step_is_halved():
    updates, _, states = run(optim.rprop(0.001), [3.7])
    assert updates[0] == pytest.approx(-0.0005, rel=1e-12)
    assert float(states[0]["step"]["w"]) == pytest.approx(0.0005, rel=1e-12)


def test_rprop_minus_follows_the_books_rule_step_by_step():
    # Delta: 0.1 -> 0.05 (no previous sign) -> 0.06 -> 0.072 -> 0.036 (sign change, still steps) -> 0.018.
    updates, _, _ = run(optim.rprop(0.1, variant="rprop-"), PUBLISHED_GRADIENTS)
    np.testing.assert_allclose(updates, [-0.05, -0.06, -0.072, 0.036, -0.018], rtol=1e-12)


def test_rprop_plus_backtracks_the_step_that_jumped_over():
    updates, weights, states = run(optim.rprop(0.1, variant="rprop+"), PUBLISHED_GRADIENTS, w0=1.0)
    np.testing.assert_allclose(updates, [-0.1, -0.12, -0.144, 0.144, -0.072], rtol=1e-12)
    assert weights[3] == pytest.approx(weights[1], abs=1e-15)  # back where it was before the jump
    assert float(states[3]["prev_sign"]["w"]) == 0.0
    assert float(states[3]["step"]["w"]) == pytest.approx(0.072, rel=1e-12)


def test_rprop_steps_respect_the_bounds():
    grow, _, grow_states = run(optim.rprop(1.0, step_max=1.5, variant="irprop-"), [1.0] * 5)
    np.testing.assert_allclose([s["step"]["w"] for s in grow_states], [1.0, 1.2, 1.44, 1.5, 1.5])
    np.testing.assert_allclose(grow, [-1.0, -1.2, -1.44, -1.5, -1.5])
    _, _, shrink_states = run(optim.rprop(1.0, step_min=0.3, variant="rprop-"), [1.0, -1.0, 1.0, -1.0])
    np.testing.assert_allclose([s["step"]["w"] for s in shrink_states], [0.5, 0.3, 0.3, 0.3])


def test_rprop_adapts_each_component_separately():
    opt = optim.rprop(0.1, variant="irprop-")
    params = {"v": np.zeros(3)}
    state = opt.init(params)
    _, state = opt.update({"v": np.array([1.0, 1.0, 1.0])}, state, params)
    step, state = opt.update({"v": np.array([2.0, -5.0, 0.0])}, state, params)
    np.testing.assert_allclose(state["step"]["v"], [0.12, 0.05, 0.1])  # grow, shrink, keep
    np.testing.assert_allclose(step["v"], [-0.12, 0.0, 0.0])  # only the magnitude 0.12 moves; 0 gradient: 0


def test_rprop_rejects_an_unknown_variant():
    with pytest.raises(ValueError, match="variant"):
        optim.rprop(0.1, variant="rprop*")


def test_book_rprop_run_converges_to_the_optimum():
    X, targets = counting.book_dataset()
    run_ = counting.fit(X, targets, (-1.5, 2.0), optim.rprop(0.001), 500)
    assert run_.diverged_at is None and len(run_.updates) == 500
    np.testing.assert_allclose(np.abs(run_.updates[0]), [0.0005, 0.0005], rtol=1e-12)
    U, W = run_.params[-1]
    assert abs(U - 1.0) < 1e-3 and abs(W - 1.0) < 1e-3  # it ends at about (1.000278, 0.999937)
    assert run_.costs[-1] < 1e-4
    steps = np.array([[s["step"]["U"], s["step"]["W"]] for s in run_.states])
    assert steps.shape == (500, 2) and np.all(steps > 0)


# --- momentum ----------------------------------------------------------------------------------------------


def test_momentum_with_zero_mu_is_sgd():
    grads = np.random.default_rng(0).normal(size=(200, 3)) * 10.0
    lr = 0.01
    params_m = params_s = {"v": np.zeros(3)}
    mom, sgd = optim.momentum(lr, 0.0), optim.sgd(lr)
    state_m, state_s = mom.init(params_m), sgd.init(params_s)
    for g in grads:
        step_m, state_m = mom.update({"v": g}, state_m, params_m)
        step_s, state_s = sgd.update({"v": g}, state_s, params_s)
        np.testing.assert_array_equal(step_m["v"], step_s["v"])
        params_m, params_s = optim.apply_updates(params_m, step_m), optim.apply_updates(params_s, step_s)
    np.testing.assert_array_equal(params_m["v"], params_s["v"])


def test_momentum_keeps_a_trace_of_past_gradients():
    lr, mu = 0.1, 0.9
    updates, _, states = run(optim.momentum(lr, mu), [1.0, 2.0, -1.0])
    # v1 = 1, v2 = 0.9 + 2 = 2.9, v3 = 2.61 - 1 = 1.61 (a sum, not an average)
    np.testing.assert_allclose([s["v"]["w"] for s in states], [1.0, 2.9, 1.61], rtol=1e-12)
    np.testing.assert_allclose(updates, [-0.1, -0.29, -0.161], rtol=1e-12)


def test_nesterov_adds_the_look_ahead_term():
    lr, mu = 0.1, 0.9
    heavy, _, _ = run(optim.momentum(lr, mu), [1.0, 2.0, -1.0])
    nesterov, _, states = run(optim.momentum(lr, mu, nesterov=True), [1.0, 2.0, -1.0])
    # Same velocities; the step is -lr (g + mu v): -0.1 (1 + 0.9), -0.1 (2 + 2.61), -0.1 (-1 + 1.449)
    np.testing.assert_allclose([s["v"]["w"] for s in states], [1.0, 2.9, 1.61], rtol=1e-12)
    np.testing.assert_allclose(nesterov, [-0.19, -0.461, -0.0449], rtol=1e-12)
    assert not np.allclose(nesterov, heavy)
    # On a constant gradient both reach the same terminal speed, lr g / (1 - mu), Nesterov sooner.
    heavy, _, _ = run(optim.momentum(lr, mu), [1.0] * 400)
    nesterov, _, _ = run(optim.momentum(lr, mu, nesterov=True), [1.0] * 400)
    assert heavy[-1] == pytest.approx(-1.0, rel=1e-9) and nesterov[-1] == pytest.approx(-1.0, rel=1e-9)
    assert np.all(np.abs(nesterov[:50]) > np.abs(heavy[:50]))


# --- RMSProp and Adam, by hand -----------------------------------------------------------------------------


def test_rmsprop_matches_hand_computed_steps():
    lr, decay, eps = 0.01, 0.9, 1e-8
    updates, _, states = run(optim.rmsprop(lr, decay, eps), [2.0, -1.0, 0.5])
    # s1 = 0.1 * 4 = 0.4;  s2 = 0.9 * 0.4 + 0.1 * 1 = 0.46;  s3 = 0.9 * 0.46 + 0.1 * 0.25 = 0.439
    np.testing.assert_allclose([s["s"]["w"] for s in states], [0.4, 0.46, 0.439], rtol=1e-12)
    expected = [
        -0.01 * 2.0 / (math.sqrt(0.4) + 1e-8),  # -0.0316227761...
        +0.01 * 1.0 / (math.sqrt(0.46) + 1e-8),  # +0.0147441956...
        -0.01 * 0.5 / (math.sqrt(0.439) + 1e-8),  # -0.0075463...
    ]
    np.testing.assert_allclose(updates, expected, rtol=1e-12)
    assert updates[0] == pytest.approx(-0.031622776, rel=1e-7)


def test_rmsprop_puts_eps_outside_the_square_root():
    updates, _, _ = run(optim.rmsprop(1.0, 0.9, eps=1.0), [2.0])
    assert updates[0] == pytest.approx(-2.0 / (math.sqrt(0.4) + 1.0), rel=1e-12)  # not -2 / sqrt(0.4 + 1)
    zero, _, _ = run(optim.rmsprop(1.0, 0.9, eps=1e-8), [0.0])
    assert zero[0] == 0.0


def test_adam_matches_hand_computed_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    updates, _, states = run(optim.adam(lr, b1, b2, eps), [2.0, -1.0, 0.5])
    # m = 0.9 m + 0.1 g:        0.2, 0.18 - 0.1 = 0.08, 0.072 + 0.05 = 0.122
    # v = 0.999 v + 0.001 g^2:  0.004, 0.003996 + 0.001 = 0.004996, 0.004991004 + 0.00025 = 0.005241004
    np.testing.assert_allclose([s["m"]["w"] for s in states], [0.2, 0.08, 0.122], rtol=1e-12)
    np.testing.assert_allclose([s["v"]["w"] for s in states], [0.004, 0.004996, 0.005241004], rtol=1e-12)
    assert [s["count"] for s in states] == [1, 2, 3]
    m_hat = [0.2 / 0.1, 0.08 / 0.19, 0.122 / 0.271]  # 1 - 0.9^t
    v_hat = [0.004 / 0.001, 0.004996 / 0.001999, 0.005241004 / 0.002997001]  # 1 - 0.999^t
    expected = [-lr * m / (math.sqrt(v) + eps) for m, v in zip(m_hat, v_hat, strict=True)]
    np.testing.assert_allclose(updates, expected, rtol=1e-12)
    # Bias correction makes the first step lr in size whatever the gradient's scale.
    assert updates[0] == pytest.approx(-0.1, rel=1e-8)
    big, _, _ = run(optim.adam(lr), [2e6])
    assert big[0] == pytest.approx(-0.1, rel=1e-12)


# --- clipping ----------------------------------------------------------------------------------------------


def test_clip_by_global_norm_caps_the_length_and_keeps_the_direction():
    rng = np.random.default_rng(7)
    threshold = 5.0
    clip = optim.clip_by_global_norm(threshold)
    for _ in range(200):
        scale = 10.0 ** rng.uniform(-3, 6)
        grads = {"U": rng.normal(size=()) * scale, "W": rng.normal(size=(3,)) * scale}
        raw_norm = math.sqrt(float(grads["U"]) ** 2 + float(np.sum(grads["W"] ** 2)))
        clipped, state = clip.update(grads, clip.init(grads))
        norm = math.sqrt(float(clipped["U"]) ** 2 + float(np.sum(clipped["W"] ** 2)))
        assert state["raw_norm"] == pytest.approx(raw_norm, rel=1e-12)
        assert norm <= threshold * (1 + 1e-12)
        ratio = float(clipped["U"]) / float(grads["U"])
        assert ratio > 0 and np.allclose(clipped["W"], ratio * grads["W"], rtol=1e-12, atol=0)
        if raw_norm < threshold:
            assert not state["clipped"] and ratio == 1.0
        else:
            assert state["clipped"] and norm == pytest.approx(threshold, rel=1e-12)
        for k in grads:  # the state keeps the gradient passed on: c g / ||g|| when clipped, else g itself
            expected = threshold * grads[k] / raw_norm if state["clipped"] else grads[k]
            np.testing.assert_allclose(state["clipped_grad"][k], expected, rtol=1e-12, atol=0)
            np.testing.assert_array_equal(state["clipped_grad"][k], clipped[k])


def test_clip_state_starts_with_a_zero_clipped_gradient():
    params = {"U": np.float64(1.0), "W": np.array([1.0, 2.0])}
    for clip in (optim.clip_by_global_norm(1.0), optim.clip_by_value(1.0)):
        state = clip.init(params)
        assert set(state) == {"raw_norm", "clipped", "clipped_grad"}
        np.testing.assert_array_equal(state["clipped_grad"]["W"], [0.0, 0.0])
        assert float(state["clipped_grad"]["U"]) == 0.0


def test_clip_by_global_norm_handles_huge_and_zero_thresholds():
    grads = {"U": np.float64(3e200), "W": np.float64(-4e200)}  # the sum of squares would overflow
    clipped, state = optim.clip_by_global_norm(1.0).update(grads, {})
    assert state["raw_norm"] == pytest.approx(5e200, rel=1e-12)
    assert float(clipped["U"]) == pytest.approx(0.6) and float(clipped["W"]) == pytest.approx(-0.8)
    zero, state = optim.clip_by_global_norm(0.0).update({"U": np.float64(2.0), "W": np.float64(0.0)}, {})
    assert float(zero["U"]) == 0.0 and float(zero["W"]) == 0.0 and state["clipped"]
    nothing, _ = optim.clip_by_global_norm(0.0).update({"U": np.float64(0.0)}, {})
    assert float(nothing["U"]) == 0.0


def test_clip_then_sgd_compose_with_chain():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.1))
    params = {"U": np.float64(0.0), "W": np.float64(0.0)}
    state = opt.init(params)
    step, state = opt.update({"U": np.float64(30.0), "W": np.float64(40.0)}, state, params)
    assert float(step["U"]) == pytest.approx(-0.06) and float(step["W"]) == pytest.approx(-0.08)
    assert state[0]["raw_norm"] == pytest.approx(50.0) and state[0]["clipped"] and state[1] == ()


def test_clip_by_value_cuts_each_component():
    clip = optim.clip_by_value(1.0)
    grads = {"U": np.array([-3.0, 0.5, 7.0]), "W": np.float64(-0.25)}
    clipped, state = clip.update(grads, clip.init(grads))
    np.testing.assert_array_equal(clipped["U"], [-1.0, 0.5, 1.0])
    assert float(clipped["W"]) == -0.25
    assert state["clipped"] and state["raw_norm"] == pytest.approx(math.sqrt(9 + 0.25 + 49 + 0.0625))
    np.testing.assert_array_equal(state["clipped_grad"]["U"], [-1.0, 0.5, 1.0])
    assert float(state["clipped_grad"]["W"]) == -0.25
    untouched, state = clip.update({"U": np.array([0.1, -1.0])}, {})
    np.testing.assert_array_equal(untouched["U"], [0.1, -1.0])
    np.testing.assert_array_equal(state["clipped_grad"]["U"], [0.1, -1.0])
    assert not state["clipped"]


# --- Newton ------------------------------------------------------------------------------------------------


def test_newton_step_is_the_damped_newton_step_where_curvature_is_positive():
    H = np.array([[4.0, 1.0], [1.0, 3.0]])
    g = np.array([1.0, -2.0])
    step, eigenvalues = optim.newton_step(g, H, damping=0.5)
    np.testing.assert_allclose(step, -np.linalg.solve(H + 0.5 * np.eye(2), g), rtol=1e-12)
    np.testing.assert_allclose(eigenvalues, np.linalg.eigvalsh(H), rtol=1e-12)
    # Undamped on a quadratic 1/2 w^T H w: one step lands on the minimum.
    w = np.array([3.0, -1.0])
    step, _ = optim.newton_step(H @ w, H, damping=0.0)
    np.testing.assert_allclose(w + step, [0.0, 0.0], atol=1e-12)


def test_newton_step_goes_downhill_on_a_saddle():
    H = np.diag([2.0, -3.0])  # a saddle: plain Newton would move towards it along the second axis
    g = np.array([1.0, 1.0])
    step, eigenvalues = optim.newton_step(g, H, damping=1.0)
    np.testing.assert_allclose(step, [-1.0 / 3.0, -1.0 / 4.0], rtol=1e-12)  # -(|H| + I)^-1 g
    assert g @ step < 0
    np.testing.assert_allclose(eigenvalues, [-3.0, 2.0])


def test_newton_step_on_a_singular_hessian_without_damping_takes_no_step_there():
    step, _ = optim.newton_step(np.array([2.0, 5.0]), np.diag([4.0, 0.0]), damping=0.0)
    np.testing.assert_array_equal(step, [-0.5, 0.0])
    bad, eigenvalues = optim.newton_step(np.array([1.0, 1.0]), np.array([[np.inf, 0.0], [0.0, 1.0]]), 1.0)
    assert np.all(np.isnan(bad)) and np.all(np.isnan(eigenvalues))


def eigh_step(g: np.ndarray, H: np.ndarray, damping: float) -> tuple[np.ndarray, np.ndarray]:
    """-(|H| + damping I)^-1 g through LAPACK's eigensolver: H = V diag(l) V^T, so the step is V's columns
    weighted by each one's share of g over |l| + damping (none where that is 0)."""
    eigenvalues, V = np.linalg.eigh(H)
    curvature = np.abs(eigenvalues) + damping
    share = V.T @ g
    weights = np.array([s / k if k > 0 else 0.0 for s, k in zip(share, curvature, strict=True)])
    return -(V @ weights), eigenvalues


def rotated(eigenvalues: tuple[float, float], angle: float) -> np.ndarray:
    """The symmetric matrix with these eigenvalues, its eigenvectors turned by ``angle`` (rounded as computed)."""
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag(eigenvalues) @ R.T
    return np.array([[H[0, 0], H[1, 0]], [H[1, 0], H[1, 1]]])  # exactly symmetric


# Eigenvalue sizes from 1e-100 to 1e100 (LAPACK rescales beyond about 1e146, which changes the last bits), the
# smaller at least 1e-3 of the larger in size: at a condition number c the two computations may part by about
# c times the rounding of one, and 1e3 x 1e-16 is well inside 1e-12.
scales = st.integers(-100, 100).map(lambda e: 10.0**e)
ratios = st.floats(1e-3, 1.0)
signs = st.sampled_from((1.0, -1.0))
angles = st.floats(0.0, math.pi)
gradients = st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)).filter(lambda g: math.hypot(*g) > 1e-6)
dampings = st.one_of(st.just(0.0), st.floats(1e-6, 10.0))  # in units of the larger curvature


@st.composite
def hessians(draw) -> tuple[np.ndarray, float]:
    """(H, the size of its larger eigenvalue): definite or indefinite (independent signs), near-degenerate (the
    two eigenvalues within 1e-9 of each other, relative), or with one exactly repeated eigenvalue."""
    scale, kind = draw(scales), draw(st.sampled_from(("any", "indefinite", "near-degenerate", "repeated")))
    first = draw(signs) * scale
    if kind == "any":
        second = draw(signs) * draw(ratios) * scale
    elif kind == "indefinite":
        second = -first * draw(ratios)
    elif kind == "near-degenerate":
        second = first * (1.0 + draw(st.floats(-1e-9, 1e-9)))
    else:
        second = first
    return rotated((first, second), draw(angles)), scale


@given(hessians(), gradients, dampings)
def test_the_closed_form_saddle_free_step_is_eighs(drawn, g, damping):
    H, scale = drawn
    g = np.array(g)
    step, eigenvalues = optim.newton_step(g, H, damping * scale)
    expected, expected_eigenvalues = eigh_step(g, H, damping * scale)
    assert np.linalg.norm(step - expected) <= 1e-12 * np.linalg.norm(expected)
    assert np.max(np.abs(eigenvalues - expected_eigenvalues)) <= 1e-12 * np.max(np.abs(expected_eigenvalues))
    assert eigenvalues[0] <= eigenvalues[1]


entries = st.one_of(st.just(0.0), st.floats(1e-6, 1.0), st.floats(-1.0, -1e-6))  # times a scale


@given(scales, entries, entries, entries, gradients, dampings)
def test_the_closed_form_saddle_free_step_is_eighs_on_any_entries(scale, a, b, c, g, damping):
    """Entries drawn directly (diagonal ones, zeros and sign patterns included), where H is not too close to
    singular for the comparison to mean something (see above)."""
    H = scale * np.array([[a, b], [b, c]])
    expected, expected_eigenvalues = eigh_step(np.array(g), H, damping * scale)
    sizes = np.abs(expected_eigenvalues) + damping * scale
    assume(sizes.max() > 0 and sizes.min() >= 1e-3 * sizes.max())
    step, eigenvalues = optim.newton_step(np.array(g), H, damping * scale)
    assert np.linalg.norm(step - expected) <= 1e-12 * np.linalg.norm(expected)
    assert np.max(np.abs(eigenvalues - expected_eigenvalues)) <= 1e-12 * np.max(np.abs(expected_eigenvalues))


def test_the_closed_form_eigenvectors_diagonalise_h():
    """symmetric_eigen's own contract: (cos, sin) is a unit eigenvector of the larger eigenvalue, (-sin, cos) of
    the other: saddles (one with trace 0), a bowl, a cap, a diagonal, a matrix whose eigenvalues are equal."""
    for a, b, c in (
        (2.0, 3.0, -1.0),
        (-4.0, 1.0, -3.0),
        (1.0, 2.0, -1.0),
        (-5.0, 0.0, 2.0),
        (7.0, 0.0, 7.0),
        (1e-3, -2e5, 3e5),
    ):
        big, small, cos, sin = optim.symmetric_eigen(a, b, c)
        H, V = np.array([[a, b], [b, c]]), np.array([[cos, -sin], [sin, cos]])
        assert abs(big) >= abs(small)
        np.testing.assert_allclose(V.T @ V, np.eye(2), rtol=0, atol=1e-15)
        np.testing.assert_allclose(V.T @ H @ V, np.diag([big, small]), rtol=0, atol=1e-12 * max(abs(big), 1.0))


def test_newton_needs_the_hessian_and_chain_says_so():
    assert optim.newton().needs_hessian
    assert not optim.sgd(0.1).needs_hessian and not optim.chain(optim.sgd(0.1)).needs_hessian
    chained = optim.chain(optim.clip_by_global_norm(10.0), optim.newton(damping=0.0))
    assert chained.needs_hessian
    params = {"U": np.float64(0.0), "W": np.float64(0.0)}
    grads = {"U": np.float64(2.0), "W": np.float64(4.0)}
    step, state = chained.update(grads, chained.init(params), params, hessian=np.diag([2.0, 4.0]))
    assert float(step["U"]) == pytest.approx(-1.0) and float(step["W"]) == pytest.approx(-1.0)
    np.testing.assert_allclose(state[1]["eigenvalues"], [2.0, 4.0])
    with pytest.raises(ValueError, match="hessian"):
        optim.newton().update({"U": np.float64(1.0), "W": np.float64(1.0)}, {}, params)
