"""Issue 23, the optimizer lesson: its charts are templates, drawn at each move with no Altair object.

Each chart's spec drawn from its template at the page's values (rows in slots, the few values it holds put in
their places) must equal the spec Altair builds from the same values, at settings drawn from the lesson's own
Param specs; and once a template exists, drawing the chart at new values builds no Altair object, on its own and
on the page after a move of each numeric control. Also: the cheap first view (the Rprop start exercise finds its
sample solution only when it is read) and the cache keys of the book's data set.
"""

from __future__ import annotations

import json
import threading
from unittest import mock

import altair as alt
import numpy as np
import pandas as pd
import pytest
from apptest_helpers import assert_clean, open_app
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import settings_of

from lessons.optimizers import exercises as opt_exercises
from lessons.optimizers import figures as F
from lessons.optimizers import readings as R
from lessons.optimizers.params import PARAMS, P
from rnn_core import counting, lockstep, race
from ui import charts

LANGS = ("en", "ko")


def comparable(spec: dict) -> dict:
    """A spec with its data frames as plain lists and its images as their bytes and places, so that two specs
    compare with ==."""
    datasets = {
        name: (rows.to_dict("list") if isinstance(rows, pd.DataFrame) else rows)
        for name, rows in spec.get("datasets", {}).items()
    }
    images = [(image.png, image.slot, image.x_range, image.y_range) for image in spec.get(charts.IMAGES, ())]
    return {**spec, "datasets": datasets, charts.IMAGES: images}


def small(v: dict, iters: int, n: int, length: int) -> dict:
    """A setting whose race is quick to run here (the chart's shape does not depend on its size)."""
    return {**v, "iters": iters, "n": n, "len": length}


def each_chart(v: dict):
    """``(name, figure, parts' arguments)`` of every chart the page draws at the setting ``v``."""
    args, data = R.race_args(v), R.data_args(v)
    yield "race", (args,)
    yield "step", (args,)
    for runner in F.runners_of(args):
        yield "cost", (args, v["goal"], runner)
    yield "norm", (data, v["cth"], v["cit"])
    for by in race.CLIP_KINDS:
        if race.update_at(R.clipping_runs(data, v["cth"])[by], v["cit"]) is not None:  # as the page checks
            yield "plane", (data, v["cth"], v["cit"], by)
    for weight in race.KEYS:
        yield "delta", (data, v["rd0"], weight)
    yield "newton", (data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=3)
@given(
    v=settings_of(PARAMS),
    iters=st.integers(1, 120),
    n=st.integers(1, 40),
    length=st.integers(1, 12),
)
def test_every_chart_drawn_from_its_template_is_the_chart_altair_builds(lang, v, iters, n, length):
    v = small(v, iters, n, length)
    with mock.patch("ui.i18n.current_language", return_value=lang):
        for name, arguments in each_chart(v):
            figure = F.FIGURES[name]
            post = figure.post or (lambda spec: spec)
            choices, fill, images = figure.parts(*arguments)
            drawn = post(charts.drawn(figure.shape(lang, *choices), fill, images))
            built = post(charts.vega_lite(figure.build(fill, *choices), fixed_size=figure.fixed_size, images=images))
            assert comparable(drawn) == comparable(built), name
            assert charts.PLACE not in json.dumps(comparable(drawn), default=str), name  # every value put in


def test_the_values_that_move_reach_the_spec():
    """The values a template holds are the page's: the race's URL and length, the goal, the window of the
    clipping plane and of Newton's zoom, the names of Newton's steps (which carry η and δ)."""
    v = {p.name: p.default for p in PARAMS} | {"iters": 37, "goal": 0.25, "nu": 0.5, "nw": -0.25, "ndamp": 30.0}
    args, data = R.race_args(v), R.data_args(v)
    cost = F.cost_chart("en", args, v["goal"], "adam")
    text = json.dumps(cost, default=str)
    assert F.race_url(args) in text and '"domain": [0, 37]' in text
    assert '"values": [{"g": 0.25, "g_shown": ""}]' in text
    newton = F.newton_chart("en", data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])
    names = list(R.step_names(v["lr_sgd"], v["ndamp"]).values())
    assert names[2].count("30") == 1 and names[2] in json.dumps(newton, default=str, ensure_ascii=False)
    assert '"domain": [-0.5, 1.5], "nice": false, "zero": false' in json.dumps(newton, default=str)  # U ± 1


def schema_objects(work) -> int:
    """How many Altair schema objects ``work()`` constructs."""
    made = []
    original = alt.utils.schemapi.SchemaBase.__init__

    def counting(self, *args, **kwargs):
        made.append(type(self).__name__)
        original(self, *args, **kwargs)

    with mock.patch.object(alt.utils.schemapi.SchemaBase, "__init__", counting):
        work()
    return len(made)


def test_a_chart_at_new_values_builds_no_altair_object():
    base = {p.name: p.default for p in PARAMS}
    rng = np.random.default_rng(23)

    def draw_all(v):
        args, data = R.race_args(v), R.data_args(v)
        F.race_chart("en", args)
        F.step_chart("en", args)
        for runner in F.runners_of(args):
            F.cost_chart("en", args, v["goal"], runner)
        F.norm_chart("en", data, v["cth"], v["cit"])
        for by in race.CLIP_KINDS:
            if race.update_at(R.clipping_runs(data, v["cth"])[by], v["cit"]) is not None:
                F.plane_chart("en", data, v["cth"], v["cit"], by)
        for weight in race.KEYS:
            F.delta_chart("en", data, v["rd0"], weight)
        F.newton_chart("en", data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])

    draw_all(base)  # the templates, once
    for _ in range(3):
        v = base | {
            "u0": float(rng.integers(-30, 31) / 10),
            "w0": float(rng.integers(-30, 31) / 10),
            "iters": int(rng.integers(2, 400)),
            "goal": float(rng.integers(1, 100) / 10),
            "lr_adam": float(rng.integers(1, 100) / 100),
            "cth": float(rng.integers(1, 100) * 5),
            "cit": int(rng.integers(0, 400)),
            "rd0": float(rng.integers(1, 1000) / 1000),
            "nu": float(rng.integers(-300, 301) / 100),
            "nw": float(rng.integers(-300, 301) / 100),
            "ndamp": float(rng.integers(0, 100) * 10),
            "lr_sgd": float(rng.integers(1, 100) / 10000),
            "data": "generated",
            "n": int(rng.integers(1, 30)),
            "len": int(rng.integers(1, 10)),
        }
        assert schema_objects(lambda v=v: draw_all(v)) == 0


MOVES = {"u0": 1.3, "iters": 123, "goal": 0.3, "clip": 25.0, "cth": 85.0, "cit": 12, "rd0": 0.02, "nu": 0.37}
MOVES |= {"nw": -0.61, "ndamp": 40.0, "lr_sgd": 0.0007, "n": 17, "seed": 5}


def test_a_move_of_a_numeric_control_builds_no_altair_object_on_the_page():
    at = open_app("optimizers", params={"data": "generated"})
    assert_clean(at)
    at.session_state["optimizers.u0"] = -1.1  # a warm-up move: every template exists after it
    at.run()
    for name, value in MOVES.items():
        at.session_state[f"optimizers.{name}"] = value
        assert schema_objects(at.run) == 0, name
        assert_clean(at)


# --- a cheap first view ------------------------------------------------------------------------------------------


def test_the_rprop_start_exercise_finds_its_sample_solution_only_when_read():
    with mock.patch.object(lockstep, "run", side_effect=AssertionError("a run while the variant is made")):
        ex = opt_exercises.rprop_start(np.random.default_rng(5))
    answer = ex.answer
    # read three ways at once (sessions that share the variant): one search, the same answer
    seen, calls = [], []
    original = lockstep.run

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    with mock.patch.object(lockstep, "run", counted):
        threads = [threading.Thread(target=lambda: seen.append(dict(answer))) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len({json.dumps(s, sort_keys=True) for s in seen}) == 1
    first_calls = len(calls)
    assert first_calls >= 1
    assert {**answer} == dict(answer) == json.loads(json.dumps(answer)) == seen[0]
    assert len(calls) == first_calls  # read again: no new search
    assert set(answer) == {"data", "race", "rp_d0", "rp_var", "iters", "u0", "w0"}
    assert ex.explain_values["u0"] and ex.explain_values["w0"]
    # the sample solution is what the page's judge accepts
    assert ex.check({**answer}).correct


def test_a_sample_solution_is_the_first_converging_start_in_the_search_order():
    """The batched search (three starts at a time in lockstep) finds the start one run at a time would."""
    for seed in range(3):
        ex = opt_exercises.rprop_start(np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        step0 = float(rng.choice((R.BOOK["rprop_step0"], 0.01, 0.1)))
        variant = str(rng.choice(("rprop-", "irprop-")))
        distance = float(rng.choice((1.5, 2.0, 2.5)))
        candidates = [(u / 2, w / 2) for u in range(-6, 7) for w in range(-6, 7)]
        candidates = [candidates[k] for k in rng.permutation(len(candidates))]
        candidates.sort(key=lambda start: start[0] > 0)
        book = counting.book_dataset()
        for start in candidates:
            if np.hypot(start[0] - race.OPTIMUM[0], start[1] - race.OPTIMUM[1]) < distance:
                continue
            lane = race.run_lane(*book, start, "rprop", opt_exercises.ITERS, step0=step0, variant=variant)
            if lane.run.diverged_at is None and race.distance_to_optimum(lane) < opt_exercises.CONVERGED:
                break
        assert (ex.answer["u0"], ex.answer["w0"]) == start


@pytest.mark.parametrize("data", [("book", 50, 10, 0), ("generated", 40, 8, 3)])
def test_the_runs_of_sections_3_and_4_trained_together_are_each_its_own_run(data):
    """Clipping's two runs and Rprop's three variants are trained in lockstep: each is bit for bit the run alone."""
    X, targets = R.dataset(data)
    threshold, step0 = 20.0, 0.01
    clipped = R.clipping_runs(data, threshold)
    for by in race.CLIP_KINDS:
        alone = race.run_lane(
            X, targets, R.BOOK["start"], "clip", R.BOOK["iters"], lr=R.BOOK["lr"], threshold=threshold, by=by
        )
        assert_same_lane(clipped[by], alone)
    variants = R.rprop_variants(data, step0)
    for variant in variants:
        alone = race.run_lane(X, targets, R.BOOK["rprop_start"], "rprop", R.BOOK["iters"], step0=step0, variant=variant)
        assert_same_lane(variants[variant], alone)


def assert_same_lane(got: race.Lane, alone: race.Lane) -> None:
    assert got.runner == alone.runner
    for field in ("params", "costs", "grads", "updates"):
        np.testing.assert_array_equal(getattr(got.run, field), getattr(alone.run, field))
    assert (got.run.diverged_at, got.run.reason) == (alone.run.diverged_at, alone.run.reason)
    assert set(got.series) == set(alone.series)
    for name in got.series:
        np.testing.assert_array_equal(got.series[name], alone.series[name])


def test_the_book_data_set_ignores_the_generated_ones_settings_in_cache_keys():
    v = {p.name: p.default for p in PARAMS}
    assert R.data_args(v | {"n": 7, "len": 3, "seed": 9}) == R.data_args(v)
    assert R.race_args(v | {"n": 7}) == R.race_args(v)
    generated = v | {"data": "generated"}
    assert R.data_args(generated | {"n": 7}) != R.data_args(generated)


def test_a_race_of_more_than_about_half_a_second_of_cpu_is_queued():
    """The cost model's ends: the book's race runs in the student's run; the book's data at the most updates and
    every runner, or the largest generated set, goes through the work queue."""
    v = {p.name: p.default for p in PARAMS}
    assert R.race_work(R.race_args(v)) <= R.RACE_INLINE_WORK
    assert R.race_work(R.race_args(v | {"iters": P["iters"].hi})) > R.RACE_INLINE_WORK
    big = v | {"data": "generated", "n": 500, "len": 50}  # the page's race on the largest data set
    assert R.race_work(R.race_args(big)) > R.RACE_INLINE_WORK


def test_the_race_winner_exercise_runs_the_whole_race_only_when_its_explanation_or_hints_are_read():
    book = counting.book_dataset()
    whole_races = []
    original = race.race

    def counted(*args, **kwargs):
        if (args[5] if len(args) > 5 else kwargs.get("until_below")) is None:
            whole_races.append(1)
        return original(*args, **kwargs)

    with mock.patch.object(race, "race", counted):
        for seed in range(4):
            ex = opt_exercises.race_winner(np.random.default_rng(seed))
            assert not whole_races
            start, goal = (ex.params["u0"], ex.params["w0"]), ex.params["goal"]
            lanes = race.race(*book, start, opt_exercises.RACE_SETTINGS, opt_exercises.ITERS)
            whole_races.clear()
            outcome = race.summary(lanes, goal)
            assert outcome["first"] == [ex.answer] and outcome["at"] > 0
            assert ex.explain_values["at"] == outcome["at"]  # read: the whole race, once
            assert len(ex.explain_values["reached"]) == len(opt_exercises.RUNNERS)
            assert list(ex.mistakes) == [
                ("exercises.optimizers_race_winner_hint_diverged", r) for r in outcome["diverged"]
            ]
            assert len(whole_races) == 1
            whole_races.clear()


@settings(max_examples=25)
@given(v=settings_of(PARAMS, data="book"), iters=st.integers(1, 600))
def test_the_race_csv_is_what_pandas_writes_byte_for_byte(v, iters):
    """The race's CSV, written directly (F.rows_csv), equals pandas' ``to_csv`` of the same rows at settings drawn
    from the page's own specs, diverged runs included."""
    args = R.race_args({**v, "iters": iters})
    lanes = R._race(R.dataset(args[0]), *args[1:])
    expected = F.race_rows(lanes).to_csv(index=False, float_format="%.7g").encode()
    assert F.rows_csv(lanes) == expected


def test_the_race_csv_writes_the_cost_a_diverged_run_could_not_compute_as_pandas_does():
    lanes = R._race(R.dataset(R.data_args({"data": "book"})), (2.9, 2.9), 60, (("sgd", (("lr", 0.5),)),))
    run = lanes["sgd"].run
    assert len(run.costs) == len(run.params) - 1  # diverged: its last row's cost overflowed
    assert F.rows_csv(lanes) == F.race_rows(lanes).to_csv(index=False, float_format="%.7g").encode()


def test_a_lanes_csv_rows_are_written_once_and_a_new_lane_gets_its_own():
    X, targets = counting.book_dataset()
    lanes = race.race(X, targets, (-1.5, 2.0), {"adam": {"lr": 0.1}, "sgd": {"lr": 5e-4}}, 40)
    first = F.rows_csv(lanes)
    written = [F._lane_rows(runner, lane) for runner, lane in lanes.items()]  # read again: the very strings kept
    assert all(F._lane_rows(r, lane) is w for (r, lane), w in zip(lanes.items(), written, strict=True))
    assert F.rows_csv(lanes) == first
    moved = race.race(X, targets, (-1.5, 2.0), {"adam": {"lr": 0.05}}, 40)["adam"]  # one runner's setting moved
    assert F.rows_csv({"adam": moved, "sgd": lanes["sgd"]}) != first
    assert F.rows_csv({"adam": moved, "sgd": lanes["sgd"]}).decode().count("\nadam,") == len(moved.run.params)
