"""The LSTM's BPTT against finite differences, the gates' operating modes, and the PyTorch layout."""

import numpy as np
import pytest

from lessons.lstm.params import BOOK_STORY
from rnn_core import lstm, lstm_fast
from rnn_core.gradcheck import numerical_gradient, relative_error

N, T, D, H = 2, 5, 3, 4


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    params = lstm.init_params(D, H, rng)
    params = {k: v + 0.3 * rng.normal(size=v.shape) for k, v in params.items()}  # no symmetric zero biases
    X = rng.normal(size=(N, T, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return rng, params, X, h0, c0


def _mixed_clamp(rng):
    """Every clamp form at once: (T,) schedules, a per-unit (T, H) one with holes, a outside tanh's range."""
    per_unit = np.where(rng.uniform(size=(T, H)) < 0.5, np.nan, rng.uniform(size=(T, H)))
    return {
        "f": lstm.clamp_steps(T, [1, 3], 1.0),
        "i": per_unit,
        "a": lstm.clamp_steps(T, [2], 4.2),
        "o": lstm.clamp_steps(T, [0], 0.0),
    }


def _richardson_gradient(f, inputs, eps=1e-3):
    """Centred differences at eps and 2 eps combined as (4 g(eps) - g(2 eps)) / 3 (Richardson extrapolation).

    Plain centred differences carry an O(eps²) error plus a rounding floor of about 1e-15/eps; on the entries
    that are close to zero (1e-5 against 1 elsewhere) that floor alone exceeds a relative 1e-6 for any eps.
    Cancelling the eps² term allows a large eps, so both errors stay near 1e-12.
    """
    fine, coarse = numerical_gradient(f, inputs, eps), numerical_gradient(f, inputs, 2 * eps)
    return {k: (4.0 * fine[k] - coarse[k]) / 3.0 for k in fine}


@pytest.mark.parametrize("clamped", [False, True])
def test_backward_matches_finite_differences_for_every_input(clamped):
    rng, params, X, h0, c0 = _setup()
    clamp = _mixed_clamp(rng) if clamped else None
    dH = rng.normal(size=(N, T, H))  # a random upstream gradient on every hidden state
    dC_last = rng.normal(size=(N, H))

    def loss(p):
        Hs, Cs, _ = lstm.forward(p["X"], {k: p[k] for k in params}, p["h0"], p["c0"], clamp=clamp)
        return float(np.sum(Hs * dH) + np.sum(Cs[:, -1] * dC_last))

    _, _, cache = lstm.forward(X, params, h0, c0, clamp=clamp)
    grads = lstm.backward(dH, cache, dC_last)
    numeric = _richardson_gradient(loss, {**params, "X": X, "h0": h0, "c0": c0})
    assert set(grads) == set(numeric)
    for name in numeric:
        assert grads[name].shape == numeric[name].shape
        assert relative_error(grads[name], numeric[name]) <= 1e-6, name


def test_gate_clamped_at_every_step_gets_no_gradient():
    rng, params, X, h0, c0 = _setup(1)
    _, _, cache = lstm.forward(X, params, h0, c0, clamp={"o": np.full(T, 0.7)})
    grads = lstm.backward(rng.normal(size=(N, T, H)), cache)
    for name in ("W_o", "U_o", "b_o"):
        assert np.all(grads[name] == 0.0)
    assert np.all(cache["o"] == 0.7)
    assert np.any(grads["W_f"] != 0.0)


def test_forget_one_input_zero_copies_the_cell_exactly_over_many_steps():
    rng = np.random.default_rng(2)
    steps = 300
    params = lstm.init_params(D, H, rng)
    c0 = rng.normal(size=(N, H))
    clamp = {"f": np.ones(steps), "i": np.zeros(steps)}
    _, C, _ = lstm.forward(rng.normal(size=(N, steps, D)), params, c0=c0, clamp=clamp)
    assert np.array_equal(C, np.broadcast_to(c0[:, None], C.shape))


def test_forget_zero_input_zero_erases_the_cell():
    rng, params, X, h0, c0 = _setup(3)
    clamp = {"f": lstm.clamp_steps(T, [2], 0.0), "i": lstm.clamp_steps(T, [2], 0.0)}
    _, C, _ = lstm.forward(X, params, h0, c0, clamp=clamp)
    assert np.all(C[:, 2] == 0.0)
    assert np.all(C[:, 1] != 0.0)


def test_forget_zero_at_the_first_step_makes_the_run_independent_of_c0():
    rng, params, X, h0, c0 = _setup(4)
    clamp = {"f": lstm.clamp_steps(T, [0], 0.0)}
    H1, C1, _ = lstm.forward(X, params, h0, c0, clamp=clamp)
    H2, C2, _ = lstm.forward(X, params, h0, 10.0 * c0, clamp=clamp)
    assert np.array_equal(C1, C2) and np.array_equal(H1, H2)


def test_book_story_writes_keeps_and_reads_4_2():
    """The book's operating modes: write 4.2 (i = 1, f = 0), keep two steps (f = 1, i = 0), read (o = 1)."""
    rng = np.random.default_rng(5)
    params = lstm.init_params(1, 1, rng)
    X = rng.normal(size=(1, 4, 1))
    written = BOOK_STORY["a"][0]
    clamp = {
        "f": np.array(BOOK_STORY["f"]),
        "i": np.array(BOOK_STORY["i"]),
        "a": np.array([written, np.nan, np.nan, np.nan]),  # only the written value is set; the rest computed
        "o": np.array(BOOK_STORY["o"]),
    }
    H_, C, _ = lstm.forward(X, params, c0=np.array([[-3.0]]), clamp=clamp)
    assert np.all(C[0, :, 0] == written)  # the stored value is the cell state, exactly
    assert np.all(H_[0, :3, 0] == 0.0)  # nothing is read while o = 0
    assert H_[0, 3, 0] == np.tanh(written)  # the readout is tanh(4.2) ≈ 0.9996, not 4.2
    assert H_[0, 3, 0] == pytest.approx(0.99955, abs=1e-5)


def test_cache_holds_every_gate_and_pre_activation():
    _, params, X, h0, c0 = _setup(6)
    Hs, C, cache = lstm.forward(X, params, h0, c0)
    for g in lstm.GATES:
        assert cache[g].shape == (N, T, H) and cache[f"z_{g}"].shape == (N, T, H)
    z_f = X[:, 0] @ params["W_f"] + h0 @ params["U_f"] + params["b_f"]
    assert np.allclose(cache["z_f"][:, 0], z_f, rtol=1e-14, atol=1e-14)
    assert np.allclose(cache["f"][:, 0], 1.0 / (1.0 + np.exp(-z_f)), rtol=1e-14, atol=1e-15)
    assert np.allclose(cache["a"], np.tanh(cache["z_a"]), rtol=1e-14, atol=1e-15)
    assert np.allclose(C[:, 0], cache["f"][:, 0] * c0 + cache["i"][:, 0] * cache["a"][:, 0], rtol=1e-14)
    assert np.allclose(Hs, cache["o"] * np.tanh(C), rtol=1e-14, atol=1e-15)
    assert cache["nonfinite_at"] is None


def test_gradient_highway_carries_the_cell_gradient_unchanged_when_forget_is_one():
    rng, params, X, h0, c0 = _setup(7)
    steps = 40
    X = rng.normal(size=(N, steps, D))
    o_read_last = np.zeros(steps)
    o_read_last[-1] = 1.0
    clamp = {"f": np.ones(steps), "i": np.zeros(steps), "o": o_read_last}
    _, _, cache = lstm.forward(X, params, h0, c0, clamp=clamp)
    flow = lstm.gradient_flow(cache)
    assert flow["dc"].shape == flow["dh"].shape == (steps,)
    assert flow["dc"][-1] > 0 and np.all(flow["dc"] == flow["dc"][-1])

    half = {"f": np.full(steps, 0.5), "i": np.zeros(steps), "o": o_read_last}
    _, _, cache = lstm.forward(X, params, h0, c0, clamp=half)
    flow = lstm.gradient_flow(cache)
    expected = flow["dc"][-1] * 0.5 ** np.arange(steps - 1, -1, -1)  # one factor f per step back
    assert np.allclose(flow["dc"], expected, rtol=1e-12, atol=0)


def test_gradient_flow_equals_backward_through_the_rest_of_the_sequence():
    """dL/dh_t and dL/dc_t are the h0 and c0 gradients of the same LSTM restarted from (h_t, c_t)."""
    rng, params, X, h0, c0 = _setup(8)
    Hs, C, cache = lstm.forward(X, params, h0, c0)
    dH_last = rng.normal(size=(N, H))
    flow = lstm.gradient_flow(cache, dH_last)
    assert flow["dh"][-1] == pytest.approx(np.linalg.norm(dH_last), rel=1e-15)
    for t in range(T - 1):
        _, _, rest = lstm.forward(X[:, t + 1 :], params, Hs[:, t], C[:, t])
        dH = np.zeros((N, T - 1 - t, H))
        dH[:, -1] = dH_last
        grads = lstm.backward(dH, rest)
        assert flow["dh"][t] == pytest.approx(np.linalg.norm(grads["h0"]), rel=1e-12)
        # total dL/dc_t: the later cells' share, plus the share through h_t = o_t ⊙ tanh(c_t)
        dc = grads["c0"] + grads["h0"] * cache["o"][:, t] * (1.0 - np.tanh(C[:, t]) ** 2)
        assert flow["dc"][t] == pytest.approx(np.linalg.norm(dc), rel=1e-12)


def test_nonfinite_input_is_reported_not_warned():
    _, params, X, h0, c0 = _setup(9)
    X = X.copy()
    X[0, 3, 0] = np.nan
    Hs, _, cache = lstm.forward(X, params, h0, c0)
    assert cache["nonfinite_at"] == 3
    assert np.all(np.isfinite(Hs[:, :3]))
    lstm.backward(np.ones_like(Hs), cache)  # no RuntimeWarning either


def test_clamp_rejects_unknown_gates_and_wrong_shapes():
    _, params, X, _, _ = _setup()
    with pytest.raises(ValueError, match="unknown gate"):
        lstm.forward(X, params, clamp={"c": np.ones(T)})
    with pytest.raises(ValueError, match="shape"):
        lstm.forward(X, params, clamp={"f": np.ones(T + 1)})


def test_init_params_shapes_forget_bias_and_determinism():
    params = lstm.init_params(D, H, np.random.default_rng(0), forget_bias=2.0)
    assert list(params) == list(lstm.PARAM_NAMES)
    for g in lstm.GATES:
        assert params[f"W_{g}"].shape == (D, H) and params[f"U_{g}"].shape == (H, H)
        assert params[f"b_{g}"].shape == (H,) and params[f"W_{g}"].dtype == np.float64
    assert np.all(params["b_f"] == 2.0) and np.all(params["b_i"] == 0.0)
    again = lstm.init_params(D, H, np.random.default_rng(0), forget_bias=2.0)
    assert all(np.array_equal(params[k], again[k]) for k in params)


# --- PyTorch layout (numpy only: the maths of torch.nn.LSTM written out in its own layout) ---


def _torch_state_dict(rng):
    return {
        "weight_ih_l0": rng.normal(size=(4 * H, D)),
        "weight_hh_l0": rng.normal(size=(4 * H, H)),
        "bias_ih_l0": rng.normal(size=4 * H),
        "bias_hh_l0": rng.normal(size=4 * H),
    }


def _torch_layout_forward(sd, X, h, c):
    """torch.nn.LSTM's documented recurrence: column vectors, gates stacked i, f, g, o."""
    out = []
    for t in range(X.shape[1]):
        gates = X[:, t] @ sd["weight_ih_l0"].T + sd["bias_ih_l0"]
        gates = gates + h @ sd["weight_hh_l0"].T + sd["bias_hh_l0"]
        i, f, g, o = np.split(gates, 4, axis=1)
        sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1), c


def test_params_from_torch_reproduces_the_torch_layout_forward():
    rng = np.random.default_rng(10)
    sd = _torch_state_dict(rng)
    X, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Hs, C, _ = lstm.forward(X, lstm.params_from_torch(sd), h0, c0)
    H_ref, c_ref = _torch_layout_forward(sd, X, h0, c0)
    assert np.allclose(Hs, H_ref, rtol=1e-12, atol=1e-13)
    assert np.allclose(C[:, -1], c_ref, rtol=1e-12, atol=1e-13)


def test_torch_conversion_round_trips():
    rng = np.random.default_rng(11)
    params = lstm.init_params(D, H, rng)
    back = lstm.params_from_torch(lstm.params_to_torch(params))
    assert list(back) == list(params)
    assert all(np.array_equal(back[k], params[k]) for k in params)

    sd = _torch_state_dict(rng)
    again = lstm.params_to_torch(lstm.params_from_torch(sd))
    assert np.array_equal(again["weight_ih_l0"], sd["weight_ih_l0"])
    assert np.array_equal(again["weight_hh_l0"], sd["weight_hh_l0"])
    assert np.allclose(again["bias_ih_l0"], sd["bias_ih_l0"] + sd["bias_hh_l0"], rtol=0, atol=0)
    assert np.all(again["bias_hh_l0"] == 0.0)
    X = rng.normal(size=(N, T, D))
    zeros = np.zeros((N, H))
    H_again, _ = _torch_layout_forward(again, X, zeros, zeros)
    H_orig, _ = _torch_layout_forward(sd, X, zeros, zeros)
    assert np.allclose(H_again, H_orig, rtol=1e-12, atol=1e-13)


def test_params_from_torch_puts_pytorch_gate_blocks_in_the_right_places():
    sd = {
        "weight_ih_l0": np.repeat(np.arange(4.0), H)[:, None] * np.ones((1, D)),  # block k filled with k
        "weight_hh_l0": np.zeros((4 * H, H)),
        "bias_ih_l0": np.repeat(np.arange(4.0), H),
        "bias_hh_l0": np.ones(4 * H),
    }
    params = lstm.params_from_torch(sd)
    for k, gate in enumerate(("i", "f", "a", "o")):  # PyTorch's i, f, g, o
        assert params[f"W_{gate}"].shape == (D, H) and np.all(params[f"W_{gate}"] == k)
        assert np.all(params[f"b_{gate}"] == k + 1.0)


# --- One cell by hand and the operating modes (the lesson's sections 1 and 2) ---


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_cell_values_follow_the_equations_for_a_one_unit_cell():
    weights = {"f": (0.5, 0.5, 1.0), "i": (1.0, -1.0, 0.0), "a": (1.0, 0.5, 0.0), "o": (1.0, 1.0, -0.5)}
    x, h_prev, c_prev = 0.7, -0.4, 1.3
    v = lstm.cell_values(x, h_prev, c_prev, lstm.one_unit_params(weights))
    z = {g: w * x + u * h_prev + b for g, (w, u, b) in weights.items()}
    for g in ("f", "i", "o"):
        assert v[f"z_{g}"] == pytest.approx(z[g], abs=1e-15)
        assert v[g] == pytest.approx(_sigmoid(z[g]), rel=1e-14)
    assert v["a"] == pytest.approx(np.tanh(z["a"]), rel=1e-14)
    c = _sigmoid(z["f"]) * c_prev + _sigmoid(z["i"]) * np.tanh(z["a"])
    assert v["kept"] == pytest.approx(_sigmoid(z["f"]) * c_prev, rel=1e-14)
    assert v["written"] == pytest.approx(_sigmoid(z["i"]) * np.tanh(z["a"]), rel=1e-14)
    assert v["c"] == pytest.approx(c, rel=1e-14)
    assert v["h"] == pytest.approx(_sigmoid(z["o"]) * np.tanh(c), rel=1e-14)


@pytest.mark.parametrize("cell_mode, output_mode", [(m, o) for m in lstm.CELL_MODES for o in lstm.OUTPUT_MODES])
def test_ideal_operating_modes_do_what_the_notes_table_says(cell_mode, output_mode):
    params = lstm.one_unit_params({g: (0.8, -0.6, 0.2) for g in lstm.GATES})
    x, h_prev, c_prev = 1.1, 0.3, -2.5
    v = lstm.cell_values(x, h_prev, c_prev, params, lstm.mode_clamp(cell_mode, output_mode))
    expected_c = {"keep": c_prev, "erase": 0.0, "write": v["a"]}[cell_mode]
    assert v["c"] == expected_c  # exactly: the gates are exactly 0 or 1
    assert v["h"] == (np.tanh(expected_c) if output_mode == "read" else 0.0)


def test_real_gates_are_never_exactly_zero_or_one():
    for saturation in (1.0, 4.0, 10.0):
        high, low = lstm.gate_value(1.0, saturation), lstm.gate_value(0.0, saturation)
        assert 0.0 < low < 0.5 < high < 1.0
        assert high == pytest.approx(_sigmoid(saturation), rel=1e-15) and low == pytest.approx(1.0 - high, rel=1e-9)
    assert lstm.gate_value(1.0, None) == 1.0 and lstm.gate_value(0.0, None) == 0.0
    params = lstm.one_unit_params({g: (0.0, 0.0, 0.0) for g in lstm.GATES})
    kept = lstm.cell_values(0.0, 0.0, 2.0, params, lstm.mode_clamp("keep", "hide", 4.0))
    assert 0.0 < abs(kept["h"]) and kept["c"] == pytest.approx(_sigmoid(4.0) * 2.0, rel=1e-14)  # a = tanh(0) = 0
    assert lstm.memory_after(_sigmoid(4.0), 50) == pytest.approx(_sigmoid(4.0) ** 50, rel=1e-14)


def test_story_stores_4_2_in_the_cell_and_reads_tanh_of_it():
    written, offered = BOOK_STORY["a"][:2]  # 4.2 is written at step 1; 0.7, offered at step 2, is not
    ideal = lstm.story(BOOK_STORY)
    assert np.array_equal(ideal["c"], np.full(4, written))
    assert np.array_equal(ideal["h"][:3], np.zeros(3)) and ideal["h"][3] == np.tanh(written)
    assert np.array_equal(ideal["f"], BOOK_STORY["f"]) and np.array_equal(ideal["a"], BOOK_STORY["a"])
    real = lstm.story(BOOK_STORY, 4.0)
    s = _sigmoid(4.0)
    c1 = (1 - s) * 0.0 + s * written  # c_0 = 0: the first write brings σ(4)·4.2
    assert real["c"][0] == pytest.approx(c1, rel=1e-14)
    assert real["c"][1] == pytest.approx(s * c1 + (1 - s) * offered, rel=1e-14)
    assert np.all(real["c"] < written) and np.all(real["h"][:3] > 0)  # it leaks, and shows a little through o ≈ 0


# --- The readable step functions, the fast path training uses, and what the lesson reads from them ---


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_fast_path_equals_the_readable_step_functions_to_1e_12(seed):
    rng, params, X, h0, c0 = _setup(seed)
    X = 3.0 * X  # saturated gates too
    H_read, C_read, cache = lstm.forward(X, params, h0, c0)
    H_fast, C_fast, fast = lstm_fast.forward(X, params, h0, c0)
    assert np.max(np.abs(H_read - H_fast)) <= 1e-12 and np.max(np.abs(C_read - C_fast)) <= 1e-12
    dH = rng.normal(size=H_read.shape)
    readable, fused = lstm.backward(dH, cache), lstm_fast.backward(dH, fast)
    assert set(readable) == set(fused)
    for name in readable:
        assert np.max(np.abs(readable[name] - fused[name])) <= 1e-12 * max(1.0, np.max(np.abs(readable[name]))), name


def test_one_step_forward_is_the_equations_and_one_step_back_its_chain_rule():
    rng, params, X, h0, c0 = _setup(4)
    x = X[:, 0]
    h, c, cache = lstm.step_forward(x, h0, c0, params)
    z = {g: x @ params[f"W_{g}"] + h0 @ params[f"U_{g}"] + params[f"b_{g}"] for g in lstm.GATES}
    sig = {g: 1 / (1 + np.exp(-z[g])) for g in "fio"}
    c_expected = sig["f"] * c0 + sig["i"] * np.tanh(z["a"])
    assert np.allclose(c, c_expected, rtol=1e-14) and np.allclose(h, sig["o"] * np.tanh(c_expected), rtol=1e-14)
    dh, dc_next = rng.normal(size=h.shape), rng.normal(size=c.shape)

    def loss(p):
        h_, c_, _ = lstm.step_forward(p["x"], p["h_prev"], p["c_prev"], {k: p[k] for k in params})
        return float(np.sum(h_ * dh) + np.sum(c_ * dc_next))

    d = lstm.step_backward(dh, dc_next, cache)
    numeric = _richardson_gradient(loss, {**params, "x": x, "h_prev": h0, "c_prev": c0})
    for name in numeric:
        assert relative_error(d[name], numeric[name]) <= 1e-6, name
    assert np.allclose(d["c_prev"], d["c"] * cache["f"])  # the highway: only f on the way back


def test_the_cell_path_alone_is_the_end_gradient_times_the_forget_gates():
    rng, params, X, h0, c0 = _setup(5)
    _, _, cache = lstm.forward(X, params, h0, c0)
    dH_last = rng.normal(size=(N, H))
    flow = lstm.gradient_flow(cache, dH_last)
    d_end = lstm.step_backward(dH_last, np.zeros((N, H)), cache["steps"][-1])["c"]
    for k in range(T):
        along = d_end * np.prod(cache["f"][:, k + 1 :], axis=1)
        assert flow["cell_path"][k] == pytest.approx(np.linalg.norm(along), rel=1e-12)
    clamped = lstm.forward(X, params, h0, c0, clamp={"f": np.full(T, 0.5)})[2]
    halved = lstm.gradient_flow(clamped, dH_last)["cell_path"]
    assert np.allclose(halved, halved[-1] * 0.5 ** np.arange(T - 1, -1, -1), rtol=1e-12)


@pytest.mark.parametrize("x, ba", [(1.0, 0.0), (-2.0, -3.0), (3.0, 6.0), (0.0, 0.0)])
def test_writing_with_f_and_i_one_grows_the_cell_by_less_than_one_a_step(x, ba):
    params = lstm.one_unit_params(
        {"f": (0.5, 0.5, 1.0), "i": (1.0, -1.0, 0.0), "a": (1.0, 0.5, ba), "o": (1.0, 1.0, -0.5)}
    )
    C, a = lstm.keep_writing(x, 0.5, 1.0, params, 50)
    assert np.allclose(np.diff(np.concatenate([[1.0], C])), a, rtol=0, atol=1e-12)  # c_t = c_{t-1} + a_t
    assert np.all(np.abs(a) < 1.0) and abs(C[-1]) <= 1.0 + 50
    if ba == 6.0:
        assert C[-1] > 45  # a ≈ 1 at every step: the cell grows by almost 1 a step, with no end
