"""The optimizer race: runners are exactly the optim optimizers, state histories become arrays, and the table's
numbers (standings, one update, first- and second-order steps) are what the runs say."""

from __future__ import annotations

import numpy as np
import pytest

from lessons.counting.params import BOOK
from rnn_core import counting, optim, race

SETTINGS = {
    "sgd": ({"lr": 5e-4}, optim.sgd(5e-4)),
    "clip": (
        {"lr": 5e-4, "threshold": 50.0, "by": "norm"},
        optim.chain(optim.clip_by_global_norm(50.0), optim.sgd(5e-4)),
    ),
    "momentum": ({"lr": 2e-5, "mu": 0.9}, optim.momentum(2e-5, 0.9)),
    "rmsprop": ({"lr": 0.05, "decay": 0.9}, optim.rmsprop(0.05, 0.9)),
    "adam": ({"lr": 0.1}, optim.adam(0.1)),
    "rprop": (
        {"step0": 0.001, "variant": "irprop-"},
        optim.rprop(0.001, step_min=1e-6, step_max=50.0, variant="irprop-"),
    ),  # torch.optim.Rprop
    "newton": ({"damping": 10.0}, optim.newton(10.0)),
}


@pytest.fixture(scope="module")
def book():
    return counting.book_dataset()


@pytest.fixture(scope="module")
def lanes(book):
    return race.race(*book, BOOK["start"], {runner: s for runner, (s, _) in SETTINGS.items()}, 120)


def test_every_runner_is_the_optim_optimizer_it_names(book, lanes):
    assert list(lanes) == list(race.RUNNERS)  # in the order given
    for runner, (_, optimizer) in SETTINGS.items():
        expected = counting.fit(*book, BOOK["start"], optimizer, 120)
        run = lanes[runner].run
        np.testing.assert_array_equal(run.params, expected.params, err_msg=runner)
        np.testing.assert_array_equal(run.costs, expected.costs, err_msg=runner)
        assert (run.diverged_at, run.reason) == (expected.diverged_at, expected.reason)
        assert run.states == ()  # kept as arrays in the lane's series instead


def test_clipping_by_value_and_the_other_rprop_variants_are_reachable(book):
    by_value = race.run_lane(*book, BOOK["start"], "clip", 30, lr=5e-4, threshold=10.0, by="value")
    expected = counting.fit(*book, BOOK["start"], optim.chain(optim.clip_by_value(10.0), optim.sgd(5e-4)), 30)
    np.testing.assert_array_equal(by_value.run.params, expected.params)
    bounds = {
        "rprop-": {},
        "rprop+": {"step_min": 1e-6, "step_max": 50.0},
        "irprop-": {"step_min": 1e-6, "step_max": 50.0},
    }  # the book's none; Riedmiller & Braun's, PyTorch's
    for variant in optim.RPROP_VARIANTS:
        lane = race.run_lane(*book, BOOK["rprop_start"], "rprop", 30, step0=0.001, variant=variant)
        reference = counting.fit(*book, BOOK["rprop_start"], optim.rprop(0.001, variant=variant, **bounds[variant]), 30)
        np.testing.assert_array_equal(lane.run.params, reference.params, err_msg=variant)


def test_irprop_minus_in_the_race_is_bounded_as_pytorchs_and_ends_elsewhere_than_unbounded(book):
    """With PyTorch's step bounds iRprop- cannot shrink Delta below 1e-6, so it ends where torch.optim.Rprop
    would, not where the unbounded rule would."""
    lane = race.run_lane(*book, BOOK["rprop_start"], "rprop", 500, step0=0.001, variant="irprop-")
    assert lane.series["step"].min() >= 1e-6
    unbounded = counting.fit(*book, BOOK["rprop_start"], optim.rprop(0.001, variant="irprop-"), 500)
    assert unbounded.updates is not None and np.abs(unbounded.params[-1] - lane.run.params[-1]).max() > 1e-6


def test_state_series_holds_each_state_entry_as_an_array(book, lanes):
    for runner in ("momentum", "rprop", "newton", "clip"):
        states = counting.fit(*book, BOOK["start"], SETTINGS[runner][1], 120).states
        series = lanes[runner].series
        if runner == "momentum":
            np.testing.assert_array_equal(series["v"], [[s["v"]["U"], s["v"]["W"]] for s in states])
        if runner == "rprop":
            np.testing.assert_array_equal(series["step"], [[s["step"]["U"], s["step"]["W"]] for s in states])
            assert series["prev_sign"].shape == (len(states), 2)
        if runner == "newton":
            np.testing.assert_array_equal(series["eigenvalues"], [s["eigenvalues"] for s in states])
        if runner == "clip":  # a chain's tuple of states is merged; sgd adds nothing
            np.testing.assert_array_equal(series["raw_norm"], [s[0]["raw_norm"] for s in states])
            assert series["raw_norm"].shape == (len(states),)
    assert race.state_series(()) == {}
    assert set(lanes["sgd"].series) == set()


def test_clipped_gradients_are_those_the_descent_step_used(lanes):
    lane = lanes["clip"]
    clipped, raw = lane.series["clipped_grad"], lane.run.grads[: len(lane.run.updates)]
    np.testing.assert_allclose(lane.run.updates, -5e-4 * clipped, rtol=1e-12)
    norms = np.hypot(clipped[:, 0], clipped[:, 1])
    assert np.all(norms <= 50.0 * (1 + 1e-12))
    # By norm the direction is kept: the raw and clipped gradients are parallel.
    np.testing.assert_allclose(raw[:, 0] * clipped[:, 1], raw[:, 1] * clipped[:, 0], rtol=1e-9, atol=1e-9)


def test_the_recorded_clipped_gradient_is_threshold_times_the_unit_gradient_or_g(book, lanes):
    """The transform records what it passed on; the series is that record, not a re-computation."""
    threshold = 50.0
    lane = race.run_lane(*book, BOOK["start"], "clip", 500, lr=5e-4, threshold=threshold, by="norm")
    states = counting.fit(*book, BOOK["start"], SETTINGS["clip"][1], 500).states
    np.testing.assert_array_equal(
        lane.series["clipped_grad"], [[s[0]["clipped_grad"]["U"], s[0]["clipped_grad"]["W"]] for s in states]
    )
    raw = lane.run.grads[: len(lane.run.updates)]
    norms = np.hypot(raw[:, 0], raw[:, 1])
    clipped = norms >= threshold
    assert clipped.any() and (~clipped).any()  # both cases occur along this run
    expected = np.where(clipped[:, None], threshold * raw / norms[:, None], raw)
    np.testing.assert_allclose(lane.series["clipped_grad"], expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(lane.series["clipped_grad"][~clipped], raw[~clipped])  # g itself, untouched
    np.testing.assert_array_equal(lane.series["clipped"], clipped)
    by_value = race.run_lane(*book, BOOK["start"], "clip", 60, lr=5e-4, threshold=10.0, by="value")
    raw = by_value.run.grads[: len(by_value.run.updates)]
    np.testing.assert_array_equal(by_value.series["clipped_grad"], np.clip(raw, -10.0, 10.0))
    np.testing.assert_array_equal(by_value.run.updates, -5e-4 * by_value.series["clipped_grad"])


def test_first_below_finds_the_first_iteration_at_or_under_the_threshold():
    costs = np.array([5.0, 3.0, 1.0, 2.0, 0.5])
    assert race.first_below(costs, 1.0) == 2
    assert race.first_below(costs, 0.1) is None
    assert race.first_below(np.array([1.0, 0.0]), 0.0) == 1
    assert race.first_below(np.array([]), 1.0) is None


def test_standing_of_the_books_plain_descent_says_where_it_diverged(lanes):
    row = race.standing(lanes["sgd"], 1.0)
    run = lanes["sgd"].run
    assert row["runner"] == "sgd" and row["reached"] is None
    assert (row["diverged_at"], row["reason"]) == (38, "state")
    assert (row["U"], row["W"]) == tuple(run.params[-1]) and row["cost"] == run.costs[-1]
    assert row["updates"] == len(run.updates)
    newton = race.standing(lanes["newton"], 1.0)
    assert newton["diverged_at"] is None and newton["reached"] == race.first_below(lanes["newton"].run.costs, 1.0)
    assert 0 < newton["reached"] < 60


def test_reversals_and_bouncing_read_how_a_run_ends(book, lanes):
    def lane_of(updates, costs, diverged_at=None):
        run = counting.Trajectory(
            params=np.zeros((len(updates) + 1, 2)),
            costs=np.asarray(costs, float),
            grads=np.zeros((len(updates) + 1, 2)),
            updates=np.asarray(updates, float),
            diverged_at=diverged_at,
        )
        return race.Lane("sgd", run, {})

    zigzag = [[0.1, (-1) ** i] for i in range(30)]
    assert race.reversals(lane_of(zigzag, [5.0] * 31)) == (29, 29)
    assert race.reversals(lane_of(zigzag, [5.0] * 31), window=5) == (4, 4)
    assert race.bouncing(lane_of(zigzag, [5.0] * 31), 1.0)
    assert not race.bouncing(lane_of(zigzag, [0.5] * 31), 1.0)  # below the threshold: it got there
    assert not race.bouncing(lane_of(zigzag[:8], [5.0] * 9), 1.0)  # too few updates to tell
    straight = [[0.1, 0.2]] * 30
    assert race.reversals(lane_of(straight, [5.0] * 31)) == (0, 29)
    assert not race.bouncing(lane_of(straight, [5.0] * 31), 1.0)
    assert race.reversals(lane_of([[0.0, 0.0]] * 30, [5.0] * 31)) == (0, 29)  # no step turns nothing back
    assert race.reversals(lane_of([], [5.0])) == (0, 0)
    # The page's default race (500 iterations): the clipped descent and RMSProp end bouncing; Newton, Adam and
    # the diverged plain descent do not.
    defaults = {runner: settings for runner, (settings, _) in SETTINGS.items()}
    full = race.race(*book, BOOK["start"], {**defaults, "rprop": {"step0": 0.001}}, 500)
    for runner in ("clip", "rmsprop"):
        turned, pairs = race.reversals(full[runner])
        assert 2 * turned >= pairs and race.bouncing(full[runner], 1.0), runner
    for runner in ("newton", "adam", "rprop", "momentum", "sgd"):
        assert not race.bouncing(full[runner], 1.0), runner
    assert not race.bouncing(lanes["clip"], 1.0)  # after 120 iterations it is still coming down


def test_summary_names_the_first_to_reach_the_threshold(lanes):
    rows = {runner: race.standing(lane, 1.0) for runner, lane in lanes.items()}
    result = race.summary(lanes, 1.0)
    reached = {r: row["reached"] for r, row in rows.items() if row["reached"] is not None}
    assert result["at"] == min(reached.values())
    assert result["first"] == [r for r in reached if reached[r] == result["at"]]
    assert result["diverged"] == ["sgd"]
    assert set(result["missed"]) == {
        r for r, row in rows.items() if row["reached"] is None and row["diverged_at"] is None
    }
    assert set(result["first"]) | set(result["missed"]) | set(result["diverged"]) <= set(lanes)
    nobody = race.summary(lanes, -1.0)  # a cost is never negative
    assert nobody["first"] == [] and nobody["at"] is None and "sgd" not in nobody["missed"]
    tie = race.summary({"a": lanes["newton"], "b": lanes["newton"]}, 1.0)
    assert tie["first"] == ["a", "b"]


def test_descent_limit_is_two_over_the_largest_curvature(book):
    largest, limit = race.descent_limit(*book)
    H = counting.hessian(*book, *race.OPTIMUM)
    assert largest == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-12) and limit == pytest.approx(2 / largest)
    assert limit < 5e-4  # so the book's learning rate cannot settle at the optimum
    # On a quadratic with that curvature, descent just under the limit settles and just over it does not.
    for eta, settles in ((0.99 * limit, True), (1.01 * limit, False)):
        x = 1.0
        for _ in range(3000):
            x -= eta * largest * x
        assert (abs(x) < 1.0) == settles


def test_step_verdict_names_the_lowest_landing_and_the_uphill_steps(book):
    here = race.steps_at(*book, 1.0, 1.3, 5e-4, 100.0)  # the steep wall
    verdict = race.step_verdict(here)
    costs = {name: here[f"{name}_cost"] for name in ("gradient_step", "newton_plain", "newton_damped")}
    assert verdict["best"] == min(costs, key=costs.get)
    assert verdict["uphill"] == [name for name, cost in costs.items() if cost > here["cost"]]
    fake = {"cost": 1.0, "gradient_step_cost": float("inf"), "newton_plain_cost": 2.0, "newton_damped_cost": 0.5}
    assert race.step_verdict(fake) == {"best": "newton_damped", "uphill": ["gradient_step", "newton_plain"]}
    nothing = {"cost": 1.0, **{f"{n}_cost": float("inf") for n in costs}}
    assert race.step_verdict(nothing)["best"] is None


def test_distance_to_optimum(book):
    lane = race.run_lane(*book, BOOK["rprop_start"], "rprop", 500, step0=0.001)
    assert race.distance_to_optimum(lane) == pytest.approx(np.hypot(*(lane.run.params[-1] - 1.0)))
    assert race.distance_to_optimum(lane) < 1e-3


def test_update_at_takes_one_update_apart(book):
    lane = race.run_lane(*book, BOOK["rprop_start"], "rprop", 500, step0=0.001, variant="rprop-")
    first = race.update_at(lane, 0)
    assert first["iteration"] == 0
    np.testing.assert_array_equal(first["position"], BOOK["rprop_start"])
    np.testing.assert_array_equal(first["delta"], [0.0005, 0.0005])  # the first step is halved
    np.testing.assert_array_equal(np.abs(first["step"]), [0.0005, 0.0005])
    np.testing.assert_array_equal(np.sign(first["step"]), -np.sign(first["gradient"]))  # only the sign matters
    np.testing.assert_allclose(first["new_position"] - first["position"], first["step"], atol=1e-15)
    assert race.update_at(lane, 10_000)["iteration"] == len(lane.run.updates) - 1  # clamped to the last


def test_update_at_shows_what_each_optimizer_keeps(lanes):
    keeps = {
        "sgd": set(),
        "clip": {"clipped_grad", "raw_norm"},
        "momentum": {"v"},
        "rmsprop": {"rms"},
        "adam": {"m", "v"},
        "rprop": {"delta"},
        "newton": {"eigenvalues"},
    }
    common = {"iteration", "position", "cost", "gradient", "step", "new_position"}
    for runner, extra in keeps.items():
        assert set(race.update_at(lanes[runner], 3)) == common | extra, runner
    np.testing.assert_allclose(race.update_at(lanes["rmsprop"], 3)["rms"] ** 2, lanes["rmsprop"].series["s"][3])


def test_update_at_is_none_for_a_run_that_made_no_update(book):
    lane = race.run_lane(*book, (1.0, 1e40), "sgd", 5, lr=1e-4)  # W^10 overflows before the first update
    assert len(lane.run.updates) == 0 and lane.run.diverged_at == 0
    assert race.update_at(lane, 0) is None


def test_average_gradient_norm_and_turn_angle():
    grads = np.array([[3.0, 4.0], [0.0, 1.0]])
    assert race.average_gradient_norm(grads) == 3.0
    assert np.isnan(race.average_gradient_norm(np.empty((0, 2))))
    assert race.turn_angle(np.array([3.0, 4.0]), np.array([0.6, 0.8])) == pytest.approx(0.0, abs=1e-6)
    assert race.turn_angle(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert race.turn_angle(np.array([0.0, 0.0]), np.array([1.0, 0.0])) == 0.0


def test_steps_at_compares_the_gradient_step_with_newtons(book):
    X, targets = book
    here = race.steps_at(X, targets, -2.0, 0.0, 5e-4, 100.0)
    g = np.array(counting.backward(X, counting.forward(X, -2.0, 0.0), targets, 0.0))
    np.testing.assert_array_equal(here["gradient"], g)
    np.testing.assert_array_equal(here["gradient_step"], -5e-4 * g)
    H = counting.hessian(X, targets, -2.0, 0.0)
    np.testing.assert_array_equal(here["newton_damped"], optim.newton_step(g, H, 100.0)[0])
    np.testing.assert_array_equal(here["newton_plain"], optim.newton_step(g, H, 0.0)[0])
    assert here["eigenvalues"][0] < 0 < here["eigenvalues"][1]  # a saddle-like point
    for name in ("gradient_step", "newton_plain", "newton_damped"):
        end = np.array([-2.0, 0.0]) + here[name]
        assert here[f"{name}_cost"] == counting.cost(counting.forward(X, *end), targets)
        assert here[f"{name}_cost"] < here["cost"]  # every one goes downhill here


def test_damping_tames_newtons_step_where_a_curvature_is_almost_zero(book):
    flat = race.steps_at(*book, -1.4, -0.9, 5e-4, 100.0)
    low, high = np.abs(flat["eigenvalues"])
    assert min(low, high) < 0.01 * max(low, high)
    assert np.hypot(*flat["newton_plain"]) > 100 * np.hypot(*flat["newton_damped"])
    wall = race.steps_at(*book, 1.0, 1.3, 5e-4, 100.0)
    assert np.hypot(*wall["gradient_step"]) > 100 * np.hypot(*wall["newton_damped"])  # the steep wall


def test_steps_at_the_optimum_are_zero(book):
    here = race.steps_at(*book, 1.0, 1.0, 5e-4, 0.0)
    for name in ("gradient_step", "newton_plain", "newton_damped"):
        np.testing.assert_array_equal(here[name], [0.0, 0.0])


def test_unknown_runner_or_clipping_is_rejected():
    with pytest.raises(ValueError, match="runner"):
        race.make_optimizer("lbfgs", lr=0.1)
    with pytest.raises(ValueError, match="clipping"):
        race.make_optimizer("clip", lr=0.1, threshold=1.0, by="angle")


@pytest.mark.parametrize("goal", [1.0, 0.1, 1e-3])
@pytest.mark.parametrize("start", [BOOK["start"], (-1.5, 2.0), (2.9, -2.9), (0.5, 0.3), (-3.0, 3.0)])
def test_a_race_run_until_someone_reaches_the_goal_is_the_start_of_the_whole_race(book, start, goal):
    """``until_below`` stops every lane at the first iteration where some lane's cost is at most the goal: each
    lane is then exactly the first part of its whole run (the same bits), and who got there first, and when, is
    what the whole race says. Starts where a lane diverges are among these."""
    entries = {runner: settings for runner, (settings, _) in SETTINGS.items()}
    whole = race.race(*book, start, entries, 300)
    short = race.race(*book, start, entries, 300, until_below=goal)
    decided = race.summary(whole, goal)
    assert {k: race.summary(short, goal)[k] for k in ("first", "at")} == {k: decided[k] for k in ("first", "at")}
    stop = 300 if decided["at"] is None else decided["at"]
    for runner, lane in short.items():
        run, full = lane.run, whole[runner].run
        rows = len(run.params)
        assert rows == min(stop + 1, len(full.params))  # up to the stop, or to where the lane diverged
        np.testing.assert_array_equal(run.params, full.params[:rows])
        np.testing.assert_array_equal(run.costs, full.costs[: len(run.costs)])
        np.testing.assert_array_equal(run.grads, full.grads[: len(run.grads)])
        np.testing.assert_array_equal(run.updates, full.updates[: len(run.updates)])
        assert len(run.updates) == rows - 1
        if run.diverged_at is not None:
            assert (run.diverged_at, run.reason) == (full.diverged_at, full.reason)
        for name, series in lane.series.items():
            np.testing.assert_array_equal(series, whole[runner].series[name][: len(series)])
