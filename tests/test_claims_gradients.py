"""The gradients lesson's claims, checked at settings drawn from its own Param specs against computations of their
own (issue 22): each sentence the page would show there is true of values computed another way.

Section 5's sensitivities ``|d y_T / d x_t|`` are recomputed here by a forward pass and a reverse sweep written
for this test, and that sweep is checked against central finite differences of the last output; sections 1 and 2
against the closed forms ``|w|^m`` and the counting RNN's gradient by finite differences.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import numpy as np
import pytest
from apptest_helpers import assert_clean, open_app, texts
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.gradients import figures, params, readings
from rnn_core import cliff, counting, memory_probe, vanilla
from ui.i18n import catalog
from ui.numbers import num

MEMORY = [params.P[name] for name in ("mem_rho", "mem_len", "mem_seed")]


def written_from(text: str, key: str, lang: str = "en") -> bool:
    """Whether ``text`` begins with the sentence of ``key``, whatever its fields were filled with."""
    pieces = re.split(r"\{[a-z_0-9]*\}", catalog(lang)[key].replace("{{", "{").replace("}}", "}"))
    return re.match(".*?".join(re.escape(piece) for piece in pieces), text, flags=re.DOTALL) is not None


def rebuilt_probe(rho: float, T: int, seed: int) -> dict:
    """The probe's network, training batch and readout, drawn from the same stream as the page's probe."""
    rng = np.random.default_rng(seed)
    net = memory_probe.probe_rnn(rho, params.MEM_HIDDEN, 0.5, rng)
    X, _, target = memory_probe.running_mean_batch(params.MEM_SEQUENCES, T, 1.0, rng, params.MEM_LEVEL_RANGE)
    H = own_states(X[:, :, 0], net)
    V, c = own_readout(H, target)
    return {"net": net, "x": X[:, :, 0], "target": target, "H": H, "V": V, "c": c}


def own_readout(H: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """The least-squares readout by numpy's lstsq (an SVD) on the design ``[h_t, 1]``: (V (H,), c)."""
    N, T, hidden = H.shape
    design = np.hstack([H.reshape(N * T, hidden), np.ones((N * T, 1))])
    coef = np.linalg.lstsq(design, target.reshape(-1), rcond=None)[0]
    return coef[:-1], float(coef[-1])


def own_states(x: np.ndarray, net: dict) -> np.ndarray:
    """h_t = tanh(h_{t-1} W_hh + x_t W_xh + b) for (N, T) scalar inputs: (N, T, H)."""
    h = np.zeros((x.shape[0], net["W_hh"].shape[0]))
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(h @ net["W_hh"] + x[:, t : t + 1] * net["W_xh"][0] + net["b"])
        states.append(h)
    return np.stack(states, axis=1)


def own_sensitivity(probe: dict) -> np.ndarray:
    """mean over sequences of |d y_T / d x_t|, t = 1..T, by a reverse sweep of its own: (T,)."""
    H, net = probe["H"], probe["net"]
    g = np.tile(probe["V"], (H.shape[0], 1))  # d y_T / d h_T
    out = np.zeros(H.shape[:2])
    for t in range(H.shape[1] - 1, -1, -1):
        pre = g * (1.0 - H[:, t] ** 2)  # through tanh
        out[:, t] = pre @ net["W_xh"][0]  # into x_t
        g = pre @ net["W_hh"].T  # into h_{t-1}
    return np.mean(np.abs(out), axis=0)


def finite_difference(probe: dict, t: int, eps: float = 1e-5) -> float:
    """mean over sequences of |d y_T / d x_t| (t 0-based) by central differences of the last output."""

    def last_output(shift: float) -> np.ndarray:
        x = probe["x"].copy()
        x[:, t] += shift
        return own_states(x, probe["net"])[:, -1] @ probe["V"] + probe["c"]

    return float(np.mean(np.abs((last_output(eps) - last_output(-eps)) / (2 * eps))))


def checked_sensitivity(rho: float, T: int, seed: int, probe: dict) -> np.ndarray:
    """The sensitivities recomputed (reverse sweep of this file), after checking them against the page's probe
    and against finite differences at step 1, at step T and where the weight 1/T is crossed."""
    own = rebuilt_probe(rho, T, seed)
    mine = own_sensitivity(own)
    due = np.flatnonzero(mine >= 1.0 / T)
    for t in {0, T - 1, *(due[:1]), *(due[:1] - 1)} - {-1}:
        assert finite_difference(own, int(t)) == pytest.approx(mine[t], rel=1e-5, abs=1e-10)  # rounding: ~1e-16 / eps
    np.testing.assert_allclose(probe["sensitivity"], mine, rtol=1e-9, atol=1e-300)
    return mine


def probe_at(rho: float, T: int, seed: int) -> dict:
    return memory_probe.running_mean_probe(
        rho, T, seed, hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE
    )


def clear_of_threshold(sensitivity: np.ndarray, T: int) -> bool:
    """No sensitivity so close to 1/T that rounding could put it on either side."""
    return bool(np.all(np.abs(sensitivity * T - 1.0) > 1e-6))


# --- issue 22, defect 7 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_issue22_7_only_the_last_n_inputs_is_said_only_when_exactly_those_get_1_over_t(lang):
    """At mem_rho=1.45, mem_len=200, mem_seed=11 the page said "Only the last 86 of the 200 inputs reach the
    output with that weight", though 17 of those 86 get less than 1/T: the inputs over 1/T are not one block."""
    rho, T, seed = 1.45, 200, 11
    at = open_app(page="gradients", lang=lang, params={"mem_rho": rho, "mem_len": T, "mem_seed": seed})
    assert_clean(at)
    mine = checked_sensitivity(rho, T, seed, probe_at(rho, T, seed))
    due = np.flatnonzero(mine >= 1.0 / T)
    earliest = int(due[0]) + 1
    below = int(np.sum(mine[due[0] :] < 1.0 / T))
    assert (len(due), earliest, below) == (69, 115, 17)  # what finite differences say about this setting
    page = texts(at)
    assert catalog(lang)["gradients.memory_reach_some"].format(reach=86, steps=T) not in page
    assert (
        catalog(lang)["gradients.memory_reach_scattered"].format(
            due=len(due), steps=T, earliest=earliest, below=below, reach=T - earliest + 1
        )
        in page
    )


# --- section 5 at random settings ------------------------------------------------------------------------------


@settings(max_examples=12)
@given(settings_of(MEMORY))
def test_section_5_claims_hold_at_random_settings(setting):
    rho, T, seed = setting["mem_rho"], setting["mem_len"], setting["mem_seed"]
    probe = probe_at(rho, T, seed)
    keys = readings.memory_claims(probe)
    mine = checked_sensitivity(rho, T, seed, probe)
    own = rebuilt_probe(rho, T, seed)
    # the output: RMS error at step T over the training sequences, against always answering their mean
    error = np.sqrt(np.mean((own["H"][:, -1] @ own["V"] + own["c"] - own["target"][:, -1]) ** 2))
    baseline = np.std(own["target"][:, -1])
    assert error == pytest.approx(probe["rms_error"][-1], rel=1e-6)
    if abs(error - baseline) > 1e-9 * baseline:
        assert ("gradients.memory_output_fine" in keys) == (error < baseline)
        assert ("gradients.memory_output_poor" in keys) == (error >= baseline)
    share = mine[0] * T  # what step 1 gets, as a share of its due 1/T
    if abs(share - params.FADED_SHARE) > 1e-9:
        assert ("gradients.memory_reaches" in keys) == (share >= params.FADED_SHARE)
    if "gradients.memory_faded" in keys:
        assert mine[0] < mine[-1]  # "n times smaller than at step T": the ratio is above 1
        assert 10 ** probe["log10_fade"] == pytest.approx(mine[-1] / mine[0], rel=1e-6)
    if "gradients.memory_reaches" not in keys and clear_of_threshold(mine, T):
        due = np.flatnonzero(mine >= 1.0 / T)
        tail = np.arange(T - probe["reach"], T)  # the last `reach` inputs
        if "gradients.memory_reach_none" in keys:
            assert len(due) == 0
        elif "gradients.memory_reach_some" in keys:  # "only the last N": every one of them, none before
            assert np.array_equal(due, tail)
        else:
            assert "gradients.memory_reach_scattered" in keys
            assert due[0] == tail[0] and 0 < len(due) < len(tail)
            assert probe["due"] == len(due) and probe["reach"] - probe["due"] == np.sum(mine[due[0] :] < 1.0 / T)


# --- section 5's probe computes what vanilla's RNN and numpy's lstsq compute (issue 23: its cheaper path) ------


def probe_inputs(rho: float, T: int, seed: int) -> tuple:
    """The probe's network and training batch, drawn from the same stream as the page's probe."""
    rng = np.random.default_rng(seed)
    net = memory_probe.probe_rnn(rho, params.MEM_HIDDEN, 0.5, rng)
    X, _, target = memory_probe.running_mean_batch(params.MEM_SEQUENCES, T, 1.0, rng, params.MEM_LEVEL_RANGE)
    return net, X, target


@settings(max_examples=15)
@given(settings_of(MEMORY))
def test_probe_states_and_sensitivity_are_vanillas_forward_and_backward(setting):
    # the probe's own forward pass (no cache) and reverse sweep (no weight gradients) give the very floats of
    # vanilla.forward and of vanilla.backward from d y_T / d h_T = V^T (the probe's former code)
    net, X, target = probe_inputs(setting["mem_rho"], setting["mem_len"], setting["mem_seed"])
    H, cache = vanilla.forward(X, net, "tanh")
    np.testing.assert_array_equal(memory_probe.states(X, net), H)
    V, _ = memory_probe.fit_readout(H, target)
    dH = np.zeros_like(H)
    dH[:, -1] = vanilla.readout_backward(np.ones((len(X), 1)), H[:, -1], V)["H"]
    through_backward = np.mean(np.abs(vanilla.backward(dH, cache)["X"][:, :, 0]), axis=0)
    np.testing.assert_array_equal(memory_probe.input_sensitivity(H, net, V), through_backward)


@settings(max_examples=12)
@given(settings_of(MEMORY))
def test_probe_readout_is_numpys_lstsq(setting):
    net, X, target = probe_inputs(setting["mem_rho"], setting["mem_len"], setting["mem_seed"])
    H = own_states(X[:, :, 0], net)
    V, c = memory_probe.fit_readout(H, target)
    V_ref, c_ref = own_readout(H, target)
    mine, ref = np.append(V[:, 0], c), np.append(V_ref, c_ref)
    assert np.max(np.abs(mine - ref)) <= 1e-9 * np.max(np.abs(ref))


@pytest.mark.parametrize("rho", [params.P["mem_rho"].lo, params.P["mem_rho"].default, params.P["mem_rho"].hi])
@pytest.mark.parametrize("T", [params.P["mem_len"].lo, params.P["mem_len"].hi])
def test_probe_readout_takes_the_normal_equations_at_the_sliders_ends(monkeypatch, rho, T):
    # the cheap path is the one the page takes: lstsq (its fallback) is not called at the sliders' ends
    called = []
    lstsq = np.linalg.lstsq
    monkeypatch.setattr(np.linalg, "lstsq", lambda *a, **k: called.append(a) or lstsq(*a, **k))
    net, X, target = probe_inputs(rho, T, 0)
    memory_probe.fit_readout(memory_probe.states(X, net), target)
    assert not called


def test_probe_readout_falls_back_to_lstsq_when_the_design_is_ill_conditioned():
    # two units with the same states: the normal equations are singular, lstsq gives its minimum-norm solution
    rng = np.random.default_rng(3)
    H = rng.standard_normal((6, 8, 3))
    H = np.concatenate([H, H[:, :, :1]], axis=2)
    target = rng.standard_normal((6, 8))
    V, c = memory_probe.fit_readout(H, target)
    V_ref, c_ref = own_readout(H, target)
    np.testing.assert_allclose(np.append(V[:, 0], c), np.append(V_ref, c_ref), rtol=1e-12, atol=1e-14)
    assert V[0, 0] == pytest.approx(V[3, 0], rel=1e-12)  # the minimum norm splits the weight between the twins


@settings(max_examples=8)
@given(settings_of(MEMORY))
def test_the_memory_charts_series_are_their_rows_in_order(setting):
    # figures.first_seen reads a column's distinct values without a Python loop over its rows: the same list
    trace, reach = figures.memory_rows(setting["mem_rho"], setting["mem_len"], setting["mem_seed"])
    for rows in (trace, reach, trace.iloc[::-1]):
        assert figures.first_seen(rows["series"]) == list(dict.fromkeys(rows["series"]))
        assert figures.first_seen(rows["dash"]) == list(dict.fromkeys(rows["dash"]))


# --- sections 1 and 2 at random settings -----------------------------------------------------------------------


@given(settings_of([params.P["w"]]))
def test_section_1_regime_and_negligible_claims_hold(setting):
    w, steps = setting["w"], params.SERIES_STEPS
    text = readings.scalar_text(w, steps)
    en = catalog("en")
    factor = abs(w) ** steps  # the closed form: |w|^m
    if w == 0:
        assert text.startswith(en["gradients.scalar_zero"].split("{")[0])
    elif abs(w) < 1:
        assert text.startswith(en["gradients.scalar_vanishing"].split("{")[0])
        negligible = en["gradients.scalar_negligible"].split("{")[0]
        assert (negligible in text) == (factor < params.NEGLIGIBLE)
    elif abs(w) > 1:
        assert text.startswith(en["gradients.scalar_exploding"].split("{")[0])
    else:
        assert text.startswith(en["gradients.scalar_steady"].split("{")[0])
    assert (en["gradients.scalar_alternates"] in text) == (w < 0)


@settings(max_examples=30)
@given(settings_of([params.P["count_u"], params.P["count_w"]]))
def test_section_2_flow_numbers_are_the_gradient_at_k_0_and_t(setting):
    """The flow sentence's gradients at k = T and k = 0 are dξ/dS_T and dξ/dS_0 of the book's data at (U, W), by
    finite differences of the cost in the states (a nudge to S_k carries on through W), and it says "grows" or
    "fades" as they do."""
    U, W = setting["count_u"], setting["count_w"]
    flow = readings.counting_flows(((U, W),))[0]
    X, targets = counting.book_dataset()
    T = X.shape[1]

    def cost_nudged(k: int, eps: float) -> float:  # nudge every sequence's S_k, then carry on
        S = counting.forward(X, U, W)[:, k] + eps
        for t in range(k + 1, T + 1):
            S = S * W + X[:, t - 1] * U
        return float(np.sum((targets - S) ** 2))

    fds = {}
    for k, value in ((T, flow["gradient"][-1]), (0, flow["gradient"][0])):
        eps = 1e-3 * max(1.0, float(np.abs(counting.forward(X, U, W)[:, k]).max()))
        fds[k] = (cost_nudged(k, eps) - cost_nudged(k, -eps)) / (2 * eps)  # exact for a quadratic, but rounding
        assert value == pytest.approx(fds[k], rel=1e-5, abs=1e-9 * max(1.0, abs(fds[k])))
    text = readings.flow_reading(U, W, T)
    en = catalog("en")
    if np.all(counting.forward(X, U, W)[:, -1] == targets):  # every sequence counted exactly
        assert text == en["gradients.flow_exact"]
    elif abs(W) > 1:  # "grows from {end} to {start}"
        assert text.startswith(en["gradients.flow_exploding"].split("{")[0]) and abs(fds[0]) > abs(fds[T])
    elif 0 < abs(W) < 1:  # "fades from {end} to {start}"
        assert text.startswith(en["gradients.flow_vanishing"].split("{")[0]) and abs(fds[0]) < abs(fds[T])


@pytest.mark.parametrize("lang", ["en", "ko"])
@given(data=st.data())
@settings(max_examples=3)
def test_section_5_sentence_on_the_page_is_the_chosen_one(lang, data):
    """A few full renders: the page shows the sentences memory_claims chose, at a random setting."""
    setting = data.draw(settings_of(MEMORY))
    at = open_app(page="gradients", lang=lang, params=setting)
    assert_clean(at)
    probe = probe_at(setting["mem_rho"], setting["mem_len"], setting["mem_seed"])
    page = texts(at)
    for key in readings.memory_claims(probe):
        assert catalog(lang)[key].split("{")[0] in page


# --- exercises: the answer is what the page shows ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(0, 400, 9))
def test_each_exercise_answer_is_what_the_page_shows_at_its_setting(seed):
    """At the exercise's own setting: the first m where section 1's |w|^m drops below the share (brute force),
    the regime section 2's sentence names, the ρ section 3's metric shows, and the regime its sentence names."""
    from lessons.gradients import exercises

    ex = exercises.steps_below(np.random.default_rng(seed))
    w = ex.page_params["w"]
    series = readings.spectral.scalar_series(w, params.SERIES_STEPS)["magnitude"]  # what section 1's chart draws
    below = next(m for m in range(params.SERIES_STEPS + 1) if abs(w) ** m < exercises.SHARE)
    assert series[below] < exercises.SHARE <= series[below - 1]
    assert ex.check(str(below)).correct
    ex = exercises.counting_regime(np.random.default_rng(seed))
    U, W = ex.page_params["count_u"], ex.page_params["count_w"]
    text = readings.flow_reading(U, W, counting.book_dataset()[0].shape[1])
    named = {
        "gradients.flow_exploding": "exploding",
        "gradients.flow_vanishing": "vanishing",
        "gradients.flow_steady": "neither",
        "gradients.flow_exact": "neither",  # no error: the gradient is 0 at every k
    }
    (key,) = [k for k in named if written_from(text, k)]
    assert ex.check(named[key]).correct
    for make in (exercises.spectral_radius, exercises.matrix_regime):
        ex = make(np.random.default_rng(seed))
        matrix = ex.page_params["matrix"]
        study = readings.recurrence("typed", 2, 0, 1.0, params.P["steps"].default, 1.0, matrix)
        rho = float(np.max(np.abs(np.linalg.eigvals(np.array(ex.params["W"])))))  # brute: numpy's eigenvalues
        assert study["linear_conditions"]["rho"] == pytest.approx(rho, rel=1e-9, abs=1e-12)
        if ex.id == "gradients_spectral_radius":
            assert ex.check(num(study["linear_conditions"]["rho"], 4)).correct  # section 3's metric ρ
        else:
            linear, _ = readings.conditions_text(study, params.P["steps"].default)
            named = {
                "gradients.cond_linear_vanishing": "vanishing",
                "gradients.cond_linear_explode": "exploding",
                "gradients.cond_linear_boundary": "neither",
            }
            (key,) = [k for k in named if written_from(linear, k)]
            assert ex.check(named[key]).correct


# --- section 4 at random settings -------------------------------------------------------------------------------


def unit_decimal(w: float, b, digits: int = 100) -> tuple[Decimal, Decimal]:
    """Pascanu et al.'s unit, written here in decimal arithmetic: x_0 = 0.5, x_t = w σ(x_{t-1}) + b for 50 steps;
    returns (x_50, E = (σ(x_50) − 0.7)²). ``b`` a float or a Decimal."""
    with localcontext() as ctx:
        ctx.prec = digits
        w_, b_, x = Decimal(w), Decimal(b), Decimal("0.5")
        for _ in range(50):
            x = w_ / (1 + (-x).exp()) + b_
        return x, (1 / (1 + (-x).exp()) - Decimal("0.7")) ** 2


def slope(w: float, b: float) -> float:
    """‖∇E‖ at (w, b) by central differences in 100-digit arithmetic, with a step (1e-45) far narrower than the
    wall (about 1e-17 wide in b at w = 9): right even on the wall, where float64 loses every digit."""
    h = Decimal("1e-45")
    with localcontext() as ctx:
        ctx.prec = 100
        gw = (unit_decimal(Decimal(w) + h, b)[1] - unit_decimal(Decimal(w) - h, b)[1]) / (2 * h)
        gb = (unit_decimal(w, Decimal(b) + h)[1] - unit_decimal(w, Decimal(b) - h)[1]) / (2 * h)
        return float((gw * gw + gb * gb).sqrt())


CLIFF = [params.P[name] for name in ("cliff_w", "lr", "clip")]


@settings(max_examples=30)
@given(settings_of(CLIFF))
def test_section_4_cliff_claims_hold_at_random_settings(setting):
    w, lr, clip = setting["cliff_w"], setting["lr"], setting["clip"]
    study = readings.cliff_study(w, lr, clip)
    b = study["wall_b"]
    below_wall, above_wall = unit_decimal(w, b)[0], unit_decimal(w, np.nextafter(b, 0.0))[0]
    assert below_wall < 0 < above_wall  # the wall: x_50 changes sign between b and the next float
    below, above = study["sides"]
    assert below == pytest.approx(float(unit_decimal(w, b - params.WALL_SIDE)[1]), rel=1e-9, abs=1e-15)
    assert above == pytest.approx(float(unit_decimal(w, b + params.WALL_SIDE)[1]), rel=1e-9, abs=1e-15)
    grad = slope(w, b)
    assert study["plain"]["grad_norm"] == pytest.approx(grad, rel=1e-9)
    assert study["plain"]["step_norm"] == pytest.approx(lr * study["plain"]["grad_norm"], rel=1e-12)
    end_w, end_b = study["plain"]["end"]
    (w_low, w_high), (b_low, b_high) = params.CLIFF_W_RANGE, params.CLIFF_B_RANGE
    inside = w_low <= end_w <= w_high and b_low <= end_b <= b_high
    text = readings.cliff_step_text(study, w, lr)
    en = catalog("en")
    assert (en["gradients.cliff_inside"] in text) == inside and (en["gradients.cliff_outside"] in text) != inside
    there = slope(end_w, end_b)
    if abs(there - params.STUCK_SLOPE) > 1e-6 * params.STUCK_SLOPE:
        assert (en["gradients.cliff_stuck"] in text) == (there < params.STUCK_SLOPE)
    clip_text = readings.cliff_clip_text(study, clip)
    if grad >= clip * (1 + 1e-9):
        assert written_from(clip_text, "gradients.cliff_clipped")
        assert study["clipped"]["step_norm"] == pytest.approx(lr * clip, rel=1e-9)
    elif grad < clip * (1 - 1e-9):
        assert written_from(clip_text, "gradients.cliff_not_clipped")


@settings(max_examples=10)
@given(settings_of(CLIFF))
def test_section_4_study_is_three_gradient_steps_computed_afresh(setting):
    # the study reuses the exact error and gradient it already has (issue 23): the same floats as three steps
    # each computed from scratch
    w, lr, clip = setting["cliff_w"], setting["lr"], setting["clip"]
    study = readings.cliff_study(w, lr, clip)
    plain = cliff.gradient_step(w, study["wall_b"], lr)
    assert study["plain"] == plain
    assert study["clipped"] == cliff.gradient_step(w, study["wall_b"], lr, clip=clip)
    assert study["after"] == cliff.gradient_step(*plain["end"], lr)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_gradient_on_the_wall_is_the_true_one_at_the_steep_end(lang):
    """Found while checking section 4 (not in the issue): at w = 8.7 float64 loses every digit of x_50 by the
    wall, and the page gave a gradient twice the true one at its own (w, b). It is computed exactly now."""
    w = 8.7
    at = open_app(page="gradients", lang=lang, params={"cliff_w": w})
    assert_clean(at)
    study = readings.cliff_study(w, params.P["lr"].default, params.P["clip"].default)
    grad = slope(w, study["wall_b"])
    assert study["plain"]["grad_norm"] == pytest.approx(grad, rel=1e-9)
    label = catalog(lang)["gradients.grad_metric"]
    assert next(m.value for m in at.metric if m.label == label) == num(grad)


# --- section 3 at random settings -------------------------------------------------------------------------------

HALVES = st.sampled_from((-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0))
MATRICES = settings_of([params.P[name] for name in ("kind", "size", "seed", "rho", "steps", "xs")])


@settings(max_examples=25)
@given(MATRICES, st.lists(HALVES, min_size=4, max_size=4))
def test_section_3_conditions_and_notes_hold_for_matrix_powers_computed_here(setting, entries):
    kind, size, seed, rho, steps, xs = (setting[k] for k in ("kind", "size", "seed", "rho", "steps", "xs"))
    matrix = "; ".join(", ".join(f"{v:g}" for v in entries[i : i + 2]) for i in (0, 2))
    study = readings.recurrence(kind, size, seed, rho, steps, xs, matrix)
    W = np.array(study["W"])
    eigen = float(np.max(np.abs(np.linalg.eigvals(W))))  # numpy's eigenvalues and SVD, not rnn_core.spectral
    lambda1 = float(np.linalg.svd(W, compute_uv=False)[0])
    conditions = study["linear_conditions"]
    assert conditions["rho"] == pytest.approx(eigen, rel=1e-9, abs=1e-12)
    assert conditions["lambda1"] == pytest.approx(lambda1, rel=1e-9, abs=1e-12)
    linear, tanh = readings.conditions_text(study, steps)
    if abs(eigen - 1) > 1e-9:
        assert written_from(linear, "gradients.cond_linear_vanishing" if eigen < 1 else "gradients.cond_linear_explode")
    if abs(lambda1 - 1) > 1e-9:
        assert written_from(tanh, "gradients.cond_tanh_vanishing" if lambda1 < 1 else "gradients.cond_tanh_may_explode")
    # the linear curve is ||W^m||, m = 0..steps, by repeated products here (in log10, past float64's range)
    mine = own_log10_powers(W, steps)
    finite = np.isfinite(mine)
    np.testing.assert_allclose(study["linear"]["log10_norm"][finite], mine[finite], atol=1e-8)
    measured = 10 ** (mine[-1] / steps) if np.isfinite(mine[-1]) else 0.0
    assert f"×{num(measured, 4)}" in linear  # "Measured over {steps} steps: ×{rate} a step"
    # "W stretches some vectors before its powers shrink them": the curve rises to its peak, then falls
    for text, _ in readings.norm_notes(study, steps):
        if written_from(text, "gradients.transient"):
            peak = int(np.nanargmax(mine))
            assert eigen < 1 < lambda1 and 0 < peak < steps and mine[-1] < mine[peak]
            assert f"$m$ = {peak}" in text
        if written_from(text, "gradients.transient_rising"):
            assert eigen < 1 < lambda1 and int(np.nanargmax(mine)) == steps
    # a tanh RNN's step stretches a gradient by at most λ₁ (|tanh'| ≤ 1): "vanishing guaranteed" bounds every m
    if lambda1 < 1:
        tanh_logs = study["tanh"]["log10_norm"]
        ok = np.isfinite(tanh_logs)
        assert np.all(tanh_logs[ok] <= np.arange(steps + 1)[ok] * np.log10(lambda1) + 1e-9)


def own_log10_powers(W: np.ndarray, steps: int) -> np.ndarray:
    """log10 ||W^m||_2 for m = 0..steps, the product renormalised at each step so that it never overflows."""
    logs, P, scale = [0.0], np.eye(len(W)), 0.0
    for _ in range(steps):
        P = P @ W
        top = float(np.max(np.abs(P)))
        if top == 0:
            logs.append(-np.inf)
            P, scale = np.zeros_like(P), -np.inf
            continue
        P, scale = P / top, scale + np.log10(top)
        logs.append(scale + np.log10(np.linalg.norm(P, 2)))
    return np.array(logs)
