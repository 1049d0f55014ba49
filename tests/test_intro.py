"""The home page's computations: typed numbers, and the nudge that shows each state depends on earlier inputs."""

import numpy as np
import pytest

from lessons.home.params import INPUT_LIMIT, MAX_STEPS, SCALE_STEP, P
from rnn_core import intro, vanilla

LIMITS = MAX_STEPS, INPUT_LIMIT  # the home page's


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1, 0, -0.5", [1, 0, -0.5]),
        ("1 2 3", [1, 2, 3]),
        ("−1; .5; 2e2", [-1, 0.5, 200]),
        ("7", [7]),
        (f"{-INPUT_LIMIT:g} {INPUT_LIMIT:g}", [-INPUT_LIMIT, INPUT_LIMIT]),
        (" ".join(["0"] * MAX_STEPS), [0] * MAX_STEPS),
    ],
)
def test_parse_numbers_accepts_plain_decimals(text, expected):
    np.testing.assert_array_equal(intro.parse_numbers(text, *LIMITS), expected)


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        (" , ", "empty"),
        ("1, x", "number"),
        ("0x10", "number"),
        ("1_0", "number"),
        ("__import__('os')", "number"),
        ("nan", "number"),
        ("inf", "number"),
        ("1e400", "too_large"),
        (f"{INPUT_LIMIT + 1:g}", "too_large"),
        (" ".join(["1"] * (MAX_STEPS + 1)), "too_long"),
    ],
)
def test_parse_numbers_rejects_bad_input_with_a_code(text, code):
    with pytest.raises(intro.InputError) as err:
        intro.parse_numbers(text, *LIMITS)
    assert err.value.code == code


def test_nudge_difference_matches_two_separate_runs():
    params = intro.toy_rnn(5, seed=3, scale=1.2)
    x = np.array([0.5, -1.0, 0.0, 2.0, 0.3])
    out = intro.nudge_first_input(params, x, "tanh", 0.05)
    H0, _ = vanilla.forward(x[None, :, None], params, activation="tanh")
    x1 = x.copy()
    x1[0] += 0.05
    H1, _ = vanilla.forward(x1[None, :, None], params, activation="tanh")
    np.testing.assert_allclose(out["states"], H0[0])
    np.testing.assert_allclose(out["difference"], np.linalg.norm(H1[0] - H0[0], axis=1))


def test_linear_nudge_follows_powers_of_the_recurrent_matrix():
    """With f linear, the nudge at step t is delta * W_xh W_hh^(t-1): the geometric series of the next lessons."""
    params = intro.toy_rnn(3, seed=0, scale=0.9)
    x = np.zeros(8)
    out = intro.nudge_first_input(params, x, "linear", 0.1)
    expected = [np.linalg.norm(0.1 * params["W_xh"][0] @ np.linalg.matrix_power(params["W_hh"], t)) for t in range(8)]
    np.testing.assert_allclose(out["difference"], expected, rtol=1e-12)


def test_toy_rnn_is_seeded():
    a, b = intro.toy_rnn(4, 7, 1.0), intro.toy_rnn(4, 7, 1.0)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W_hh"], intro.toy_rnn(4, 8, 1.0)["W_hh"])


def test_overflow_is_reported_not_warned():
    """A linear recurrence with gain 100 passes float64's largest value within 200 steps: the states say so with
    inf, the difference with a non-finite value, and no RuntimeWarning escapes (pytest turns one into an error)."""
    params = {"W_xh": np.ones((1, 2)), "W_hh": 100.0 * np.eye(2), "b": np.zeros(2)}
    out = intro.nudge_first_input(params, np.full(200, 1000.0), "linear", 1.0)
    finite = np.isfinite(out["states"]).all(axis=1)
    assert finite[:100].all() and not finite.all()  # 100^154 is about 1e308: it overflows near step 155
    first_bad = int(np.argmin(finite))
    assert 140 < first_bad < 170
    assert not np.isfinite(out["difference"][first_bad:]).any()


def test_mean_slope_is_the_activations_slope_averaged_over_the_run():
    params = intro.toy_rnn(5, seed=2, scale=1.3)
    x = np.array([1.0, -0.5, 2.0, 0.0])
    _, cache = vanilla.forward(x[None, :, None], params, activation="tanh")
    assert intro.mean_slope(params, x, "tanh") == pytest.approx(np.mean(1 - np.tanh(cache["A"]) ** 2), rel=1e-12)
    assert intro.mean_slope(params, x, "linear") == 1.0
    assert 0 < intro.mean_slope(params, x, "logistic") <= 0.25


def test_larger_weights_push_tanh_into_its_flat_ends():
    """The home page's case at its defaults: with tanh, weight scale 1.5 (one comparison step up) keeps less of
    the nudge than 1, and the average slope is smaller there (0.742 against 0.943), which is the sentence the
    page says only when both hold."""
    d = {p.name: p.default for p in P.values()}
    assert d["act"] == "tanh"
    x = intro.parse_numbers(d["x"], *LIMITS)
    now, up = d["scale"], d["scale"] + SCALE_STEP

    def network(scale: float) -> vanilla.Params:
        return intro.toy_rnn(d["hidden"], d["seed"], scale)

    kept = {s: intro.nudge_first_input(network(s), x, "tanh", d["delta"])["difference"][-1] for s in (now, up)}
    slope = {s: intro.mean_slope(network(s), x, "tanh") for s in (now, up)}
    assert kept[up] < kept[now] and slope[up] < slope[now]
    assert intro.mean_slope(network(0.01), x, "tanh") > 0.999  # tiny weights: tanh is nearly linear


def test_mean_slope_leaves_out_an_overflowed_run():
    params = {"W_xh": np.ones((1, 2)), "W_hh": 100.0 * np.eye(2), "b": np.zeros(2)}
    assert intro.mean_slope(params, np.full(200, 1000.0), "relu") == 1.0  # only the finite pre-activations count
