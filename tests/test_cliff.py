"""Pascanu's one-unit cliff: exact gradient, the wall's place and height, what one step from the wall does."""

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lessons.gradients import params
from rnn_core import cliff
from rnn_core.gradcheck import numerical_gradient, relative_error


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_error_follows_the_recurrence_step_by_step():
    for w, b in [(0.5, -1.0), (6.0, -3.0), (-3.0, 2.0)]:
        x = 0.5
        for _ in range(50):
            x = w * _sigmoid(x) + b
        assert cliff.error(w, b) == pytest.approx((_sigmoid(x) - 0.7) ** 2, rel=1e-12, abs=1e-15)


def test_w_zero_forgets_the_start():
    # with w = 0 every x_t (t >= 1) is b, so E = (sigma(b) - 0.7)^2 and it vanishes at b = logit(0.7)
    b = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(cliff.error(0.0, b), (_sigmoid(b) - 0.7) ** 2, rtol=1e-12, atol=1e-16)
    assert cliff.error(0.0, np.log(0.7 / 0.3)) == pytest.approx(0.0, abs=1e-30)


def test_surface_is_the_pointwise_error_on_the_grid():
    w = np.linspace(*params.CLIFF_W_RANGE, 7)
    b = np.linspace(*params.CLIFF_B_RANGE, 5)
    surface = cliff.error_surface(w, b)
    assert surface.shape == (5, 7)
    for i, bi in enumerate(b):
        for j, wj in enumerate(w):
            assert surface[i, j] == cliff.error(wj, bi)


def test_gradient_matches_finite_differences_off_the_wall():
    rng = np.random.default_rng(0)
    w = rng.uniform(*params.CLIFF_W_RANGE, 200)
    b = rng.uniform(*params.CLIFF_B_RANGE, 200)
    _, gw, gb = cliff.error_and_gradient(w, b)
    # Beside the wall the slope is tiny and finite differences only see rounding; on it they see the jump.
    # Keep the points where a finite difference can be trusted to 1e-6.
    keep = (np.minimum(np.abs(gw), np.abs(gb)) > 1e-3) & (np.hypot(gw, gb) < 1e3)
    assert keep.sum() >= 50
    for wi, bi, gwi, gbi in zip(w[keep], b[keep], gw[keep], gb[keep], strict=True):
        numeric = numerical_gradient(lambda p: float(cliff.error(p["w"], p["b"])), {"w": wi, "b": bi})
        assert relative_error([gwi, gbi], [numeric["w"], numeric["b"]]) <= 1e-6, (wi, bi)


def test_gradient_matches_finite_differences_close_to_the_cusp():
    # near (4, -2) the wall is wide enough for a finite difference to resolve its slope
    for w, b in [(4.5, -2.31), (4.2, -2.15), (3.9, -1.9)]:
        _, gw, gb = cliff.error_and_gradient(w, b)
        numeric = numerical_gradient(lambda p: float(cliff.error(p["w"], p["b"])), {"w": w, "b": b}, eps=1e-7)
        assert relative_error([float(gw), float(gb)], [numeric["w"], numeric["b"]]) <= 1e-6


@pytest.mark.parametrize("w", [5.0, 6.0, 8.0])
def test_wall_sits_where_the_start_is_the_unstable_fixed_point(w):
    b_wall = cliff.wall_point(w, *params.CLIFF_B_RANGE)
    assert b_wall == pytest.approx(0.5 - w * _sigmoid(0.5), abs=1e-3)
    below, above = cliff.error(w, b_wall - 1e-3), cliff.error(w, b_wall + 1e-3)
    assert below > 0.3 and above < 0.1  # E jumps by about 0.4 across it
    _, gw, gb = cliff.error_and_gradient(w, b_wall)
    assert np.hypot(gw, gb) > 1e3


def test_wall_is_too_thin_for_the_grid_but_the_jump_shows():
    w = np.linspace(*params.CLIFF_W_RANGE, 100)
    b = np.linspace(*params.CLIFF_B_RANGE, 100)
    surface = cliff.error_surface(w, b)
    column = surface[:, np.argmin(np.abs(w - 8.0))]  # w close to 8: one grid step in b crosses the wall
    assert np.max(np.abs(np.diff(column))) > 0.35
    _, gw, gb = cliff.error_and_gradient(w[None, :], b[:, None])
    assert np.median(np.hypot(gw, gb)) < 1.0  # the grid points themselves sit on gentle slopes


@pytest.mark.parametrize("w", [4.5, 6.0, 9.0])
def test_wall_sides_are_the_two_plateaus(w):
    b_wall = cliff.wall_point(w, *params.CLIFF_B_RANGE)
    side = params.WALL_SIDE
    below, above = cliff.wall_sides(w, b_wall, side)
    assert below == cliff.error(w, b_wall - side) and above == cliff.error(w, b_wall + side)
    assert below - above > 0.25  # the jump the page quotes: from the sigma-near-0 state to the sigma-near-1 one


def test_the_cusp_is_where_the_slope_at_zero_reaches_one():
    assert cliff.W_CUSP * _sigmoid(0.0) * (1 - _sigmoid(0.0)) == 1.0


def test_no_wall_below_the_cusp():
    assert cliff.wall_point(2.0, *params.CLIFF_B_RANGE) is not None  # sigma(x_T) still crosses 1/2 ...
    profile = cliff.cross_section((2.0, -6.0), (2.0, 0.0), n=2001)
    assert np.max(np.abs(np.diff(profile["error"]))) < 0.01  # ... but smoothly


def test_cross_section_slope_is_the_derivative_along_the_segment():
    profile = cliff.cross_section((1.0, -3.0), (3.0, 0.0), n=4001)
    numeric = np.gradient(profile["error"], profile["s"])
    np.testing.assert_allclose(profile["slope"][1:-1], numeric[1:-1], atol=1e-5)
    np.testing.assert_allclose(profile["w"][[0, -1]], [1.0, 3.0])
    np.testing.assert_allclose(profile["b"][[0, -1]], [-3.0, 0.0])


def test_a_step_from_the_wall_is_thrown_far_and_clipping_keeps_it_short():
    w = 6.0
    b = cliff.wall_point(w, *params.CLIFF_B_RANGE)
    plain = cliff.gradient_step(w, b, lr=0.01)
    assert plain["finite"] and not plain["clipped"]
    assert plain["step_norm"] > 100.0  # far outside the plotted [0, 10] x [-6, 0]
    gw, gb = plain["gradient"]
    np.testing.assert_allclose(plain["end"], (w - 0.01 * gw, b - 0.01 * gb))
    clipped = cliff.gradient_step(w, b, lr=0.01, clip=1.0)
    assert clipped["clipped"] and clipped["step_norm"] == pytest.approx(0.01, rel=1e-12)
    assert clipped["gradient"] == plain["gradient"]
    assert clipped["end_error"] == pytest.approx(float(cliff.error(*clipped["end"])))


def test_a_step_on_the_plateau_is_unclipped_and_small():
    step = cliff.gradient_step(2.0, -1.0, lr=0.1, clip=1.0)
    assert not step["clipped"] and step["step_norm"] < 0.1


def test_extreme_parameters_do_not_warn():
    w = np.linspace(-1e3, 1e3, 101)
    b = np.linspace(-1e3, 1e3, 101)
    surface = cliff.error_surface(w, b)
    assert np.all(np.isfinite(surface)) and np.all((surface >= 0) & (surface <= 0.49 + 1e-12))
    E, gw, gb = cliff.error_and_gradient(w[None, :], b[:, None], T=200)
    assert np.all(np.isfinite(E))


def _fixed_points_reached(w, b, starts=(-50.0, 50.0), steps=2000):
    """Where x -> w sigma(x) + b settles from a very low and a very high start (the two outermost basins)."""
    ends = []
    for x in starts:
        for _ in range(steps):
            x = w * _sigmoid(x) + b
        ends.append(x)
    return ends


@pytest.mark.parametrize("w", [4.5, 6.0, 9.0])
def test_two_stable_states_only_inside_the_band(w):
    b_low, b_high = cliff.bistable_band(w)
    assert b_low < cliff.wall_point(w, *params.CLIFF_B_RANGE) < b_high  # the wall runs through the band
    inside = _fixed_points_reached(w, 0.5 * (b_low + b_high))
    assert inside[1] - inside[0] > 0.1  # two different stable states
    for b in (b_low - 0.05, b_high + 0.05):
        low, high = _fixed_points_reached(w, b)
        assert high - low == pytest.approx(0.0, abs=1e-9)  # one state, whatever the start


def test_no_band_at_or_below_the_cusp():
    assert cliff.bistable_band(4.0) is None and cliff.bistable_band(2.0) is None


# --- wall_point's shortcut: float64 guesses, the exact x_T proves ------------------------------------------------


def _wall_by_exact_bisection(w, b_low, b_high, T=cliff.HORIZON):
    """wall_point as it was before the float64 shortcut (issue 23): the exact x_T (with its tangents, from
    exact_error_and_gradient) at every step of a bisection of the whole range, kept as the reference."""
    lo, hi = float(b_low), float(b_high)
    f_lo, f_hi = cliff.exact_error_and_gradient(w, lo, T)[0], cliff.exact_error_and_gradient(w, hi, T)[0]
    if np.sign(f_lo) == np.sign(f_hi) or not (np.isfinite(f_lo) and np.isfinite(f_hi)):
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = cliff.exact_error_and_gradient(w, mid, T)[0]
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return lo


def _on_the_slider(k):
    """The page's cliff_w slider's k-th value (4.5 to 9.0 in steps of 0.1): the values a student can send."""
    param = params.P["cliff_w"]
    return float(np.round(param.lo + k * param.step, 10))


def test_wall_point_is_the_exact_bisections_float_at_every_slider_value():
    param = params.P["cliff_w"]
    steps = int(round((param.hi - param.lo) / param.step))
    for k in range(steps + 1):
        w = _on_the_slider(k)
        found = cliff.wall_point(w, *params.CLIFF_B_RANGE)
        assert found is not None and found == _wall_by_exact_bisection(w, *params.CLIFF_B_RANGE), w


@settings(max_examples=25)
@given(
    st.one_of(
        st.floats(4.5, 9.0),  # the slider's range, off its grid
        st.floats(0.01, 4.5),  # below it: a smooth crossing, no wall
        st.floats(9.0, 14.0),  # above: the wall leaves [-6, 0] near w = 10.6, so None
        st.floats(-3.0, 0.0),  # w <= 0: no shortcut, the whole range bisected
    ),
    st.sampled_from([params.CLIFF_B_RANGE, (-4.0, -1.0), (-6.0, -5.5)]),
)
def test_wall_point_is_the_exact_bisections_float_at_any_w(w, b_range):
    found = cliff.wall_point(w, *b_range)
    expected = _wall_by_exact_bisection(w, *b_range)
    assert found == expected, (w, b_range)
    if w > 0 and expected is None:
        event("no wall in range")


def test_wall_point_needs_few_exact_states(monkeypatch):
    # the point of the shortcut: a handful of exact x_T (each ~1 ms), not ~60
    calls = []
    exact = cliff.exact_state
    monkeypatch.setattr(cliff, "exact_state", lambda *a: calls.append(a) or exact(*a))
    for w in (4.5, 6.0, 9.0):
        calls.clear()
        cliff.wall_point(w, *params.CLIFF_B_RANGE)
        assert len(calls) <= 12, (w, len(calls))


@pytest.mark.parametrize("guess", ["low end", "high end", "far below", "next to it"])
def test_wall_point_is_right_whatever_float64_guesses(monkeypatch, guess):
    # a wrong guess costs exact evaluations (the bracket widens until its ends' exact signs are right), never the
    # answer
    w, (b_low, b_high) = 6.0, params.CLIFF_B_RANGE
    expected = _wall_by_exact_bisection(w, b_low, b_high)
    wrong = {
        "low end": b_low,
        "high end": b_high,
        "far below": expected - 1.0,
        "next to it": float(np.nextafter(expected, np.inf)),
    }[guess]
    monkeypatch.setattr(cliff, "float_guess", lambda *a: wrong)
    assert cliff.wall_point(w, b_low, b_high) == expected


@settings(max_examples=30)
@given(st.floats(-3.0, 12.0), st.floats(-7.0, 1.0))
def test_exact_state_is_exact_error_and_gradients_x_T(w, b):
    assert cliff.exact_state(w, b) == cliff.exact_error_and_gradient(w, b)[0]


@pytest.mark.parametrize("clip", [None, 0.5])
def test_a_step_given_what_it_starts_from_is_the_step_computed_afresh(clip):
    w = 7.0
    b = cliff.wall_point(w, *params.CLIFF_B_RANGE)
    afresh = cliff.gradient_step(w, b, lr=0.05, clip=clip)
    assert cliff.gradient_step(w, b, lr=0.05, clip=clip, known=cliff.exact_error_and_gradient(w, b)[1:]) == afresh
    assert afresh["end_gradient"] == cliff.exact_error_and_gradient(*afresh["end"])[2:]
    # what it is given is what it uses: a wrong gradient takes another step
    wrong = cliff.gradient_step(w, b, lr=0.05, clip=clip, known=(afresh["error"], 1.0, -1.0))
    assert wrong["gradient"] == (1.0, -1.0) and wrong["end"] != afresh["end"]
