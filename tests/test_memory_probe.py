"""The running-mean probe: its targets, its readout beating the baseline while the early gradient fades, and
the BPTT sensitivity against finite differences."""

import numpy as np
import pytest

from lessons.gradients import params
from rnn_core import memory_probe, vanilla

LESSON = dict(hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE)  # the page's probe


def probe_at(rho: float, T: int, seed: int, **changed):
    """The probe as the lesson runs it, with ``changed`` settings."""
    return memory_probe.running_mean_probe(rho, T, seed, **{**LESSON, **changed})


def test_running_mean_probe_targets_are_running_means_and_it_is_reproducible():
    a = probe_at(0.9, 30, seed=4, n=40)
    b = probe_at(0.9, 30, seed=4, n=40)
    for name in ("inputs", "target", "output", "sensitivity", "rms_error"):
        np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_allclose(a["target"], np.cumsum(a["inputs"]) / np.arange(1, 31), rtol=1e-12)
    np.testing.assert_array_equal(a["needed"], np.full(30, 1 / 30))
    assert a["t"][0] == 1 and a["t"][-1] == 30


def test_running_mean_probe_output_is_reasonable_while_the_early_gradient_vanishes():
    probe = probe_at(0.9, 60, seed=0)
    # the output is much better than always answering the average ...
    assert np.all(probe["rms_error"][5:] < 0.7 * probe["constant_error"][5:])
    # ... but the last output barely depends on the first inputs, though the task weighs them all 1/T
    assert probe["sensitivity"][-1] > probe["needed"][-1]
    assert probe["sensitivity"][0] < 1e-6 * probe["needed"][0]
    assert probe["log10_fade"] == pytest.approx(np.log10(probe["sensitivity"][-1] / probe["sensitivity"][0]))
    decades = np.log10(probe["sensitivity"][:50:10])  # t = 1, 11, ..., 41: it fades going back, step by step
    assert np.all(np.diff(decades) > 0.5)


def test_running_mean_probe_says_whether_the_first_input_still_gets_its_due():
    faded = probe_at(0.9, 60, seed=0)
    assert faded["share"] == pytest.approx(faded["sensitivity"][0] / faded["needed"][0])
    assert faded["share"] < params.FADED_SHARE  # what the page calls faded
    # reach: every input getting at least 1/T lies among the last `reach` ones, and the earliest of them does
    due = faded["sensitivity"] >= faded["needed"]
    assert not due[: 60 - faded["reach"]].any() and due[60 - faded["reach"]]
    assert 1 <= faded["reach"] < 30  # "only its last few inputs"
    reaches = probe_at(1.5, 10, seed=0)  # short and chaotic: step 1 still gets its weight
    assert reaches["share"] > 1.0 > params.FADED_SHARE
    low, high = params.MEM_LEVEL_RANGE
    levels = [probe_at(0.9, 10, seed=s)["level"] for s in range(20)]
    assert all(low <= mu <= high for mu in levels)
    assert all(0.5 <= mu <= 0.75 for mu in (probe_at(0.9, 10, seed=s, levels=(0.5, 0.75))["level"] for s in range(5)))


def test_running_mean_probe_sensitivity_matches_finite_differences():
    # rebuild the probe's network and readout from the same stream, then nudge one input of every sequence
    rho, T, seed, hidden, n = 0.8, 12, 3, 6, 5
    probe = probe_at(rho, T, seed, hidden=hidden, n=n)
    rng = np.random.default_rng(seed)
    params = memory_probe.probe_rnn(rho, hidden, 0.5, rng)
    X, _, target = memory_probe.running_mean_batch(n, T, 1.0, rng, LESSON["levels"])
    H_all, _ = vanilla.forward(X, params, "tanh")
    V, c = memory_probe.fit_readout(H_all, target)
    rms = np.sqrt(np.mean((vanilla.readout(H_all, V, c)[:, :, 0] - target) ** 2, axis=0))
    np.testing.assert_array_equal(rms, probe["rms_error"])  # the same network, data and readout as the probe
    eps = 1e-6
    numeric = np.zeros((n, T))
    for t in range(T):
        ends = []
        for sign in (1.0, -1.0):
            nudged = X.copy()
            nudged[:, t, 0] += sign * eps
            H_nudged, _ = vanilla.forward(nudged, params, "tanh")
            ends.append(vanilla.readout(H_nudged[:, -1], V, c)[:, 0])
        numeric[:, t] = (ends[0] - ends[1]) / (2 * eps)
    np.testing.assert_allclose(probe["sensitivity"], np.mean(np.abs(numeric), axis=0), rtol=1e-6, atol=1e-12)


def test_the_readout_is_the_least_squares_fit():
    # no other (V, c) does better on the training steps: the gradient of the squared error vanishes there
    rng = np.random.default_rng(0)
    H_all = rng.standard_normal((7, 9, 4))
    target = rng.standard_normal((7, 9))
    V, c = memory_probe.fit_readout(H_all, target)
    residual = vanilla.readout(H_all, V, c)[:, :, 0] - target
    np.testing.assert_allclose(np.einsum("nt,nth->h", residual, H_all), 0.0, atol=1e-10)
    assert abs(residual.sum()) < 1e-10


def test_the_probe_reports_a_finite_output():
    assert probe_at(1.5, 200, seed=1)["finite"]
