"""The optimizer race lesson, driven through AppTest in both languages. Every number the tests expect on screen
is computed here with rnn_core and written with ui.numbers; every outcome sentence is checked against what
rnn_core computes at several settings, not only the presets."""

import inspect
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, check_button, open_app, set_clock, texts, url_of

from lessons.optimizers.params import BOOK, P
from rnn_core import counting, optim, race
from ui import registry
from ui.i18n import catalog
from ui.numbers import integer, latex, num

ROOT = Path(__file__).resolve().parent.parent
# The race a page opened without settings runs: each runner at the page's default settings.
RACE_AT_DEFAULTS = {
    "sgd": {"lr": P["lr_sgd"].default},
    "clip": {"lr": P["lr_clip"].default, "threshold": P["clip"].default, "by": P["clip_by"].default},
    "momentum": {"lr": P["lr_mom"].default, "mu": P["mu"].default},
    "rmsprop": {"lr": P["lr_rms"].default, "decay": P["decay"].default},
    "adam": {"lr": P["lr_adam"].default},
    "rprop": {"step0": P["rp_d0"].default, "variant": P["rp_var"].default},
    "newton": {"damping": P["damp"].default},
}


def metric(at, label_key: str, lang: str = "en") -> str:
    label = catalog(lang)[label_key]
    return next(m.value for m in at.metric if m.label == label)


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def titles_in(spec) -> set[str]:
    """Every axis and legend title anywhere in a Vega-Lite spec."""
    found = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                found.add(value)
            found |= titles_in(value)
    elif isinstance(spec, list):
        for item in spec:
            found |= titles_in(item)
    return found


def tooltips_in(spec) -> list[dict]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "tooltip" and isinstance(value, list):
                found += value
            elif key == "tooltip" and isinstance(value, dict):
                found.append(value)
            else:
                found += tooltips_in(value)
    elif isinstance(spec, list):
        for item in spec:
            found += tooltips_in(item)
    return found


def table_rows(at, first_header: str) -> dict[str, list[str]]:
    """A Markdown table of the page, by the text of its first header cell: ``{first cell: other cells}``."""
    for block in at.markdown:
        lines = block.value.splitlines()
        if lines and lines[0].startswith(f"| {first_header} |"):
            rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]
            return {row[0].strip("*"): row[1:] for row in rows}
    raise AssertionError(f"no table headed {first_header!r}")


def bullet(at, name: str) -> str:
    """The race reading's line about one optimizer."""
    return next(line for line in texts(at).splitlines() if line.startswith(f"- **{name}.**"))


# --- the race ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_race_table_shows_what_rnn_core_computes(lang):
    at = open_app("optimizers", lang=lang)
    assert_clean(at)
    text = catalog(lang)
    assert at.title[0].value == text["optimizers.title"]
    lanes = race.race(*counting.book_dataset(), BOOK["start"], RACE_AT_DEFAULTS, 500)
    rows = table_rows(at, text["optimizers.optimizer"])
    assert list(rows) == [text[f"optimizers.name_{runner}"] for runner in race.RUNNERS]
    for runner, lane in lanes.items():
        uw, cost, reached, ran = rows[text[f"optimizers.name_{runner}"]]
        run = lane.run
        assert uw == f"({num(run.params[-1, 0])}, {num(run.params[-1, 1])})"
        assert cost == num(run.costs[-1])
        first = race.first_below(run.costs, 1.0)
        assert reached == (text["optimizers.never"] if first is None else integer(first))
        if run.diverged_at is None:
            assert ran == text["optimizers.ran_all"].format(updates=500)
        else:
            assert ran == text["optimizers.stopped_at"].format(
                iteration=run.diverged_at, reason=text[f"optimizers.reason_{run.reason}"]
            )
    sgd = lanes["sgd"].run
    assert sgd.diverged_at is not None  # the book's learning rate explodes, as in the counting lesson
    line = (
        text["optimizers.diverged_line"]
        .split("{why}")[0]
        .format(name=text["optimizers.name_sgd"], iteration=sgd.diverged_at)
    )
    assert line in at.error[0].value
    # The divergence box typesets its maths, with the weight written for LaTeX.
    assert f"$W = {latex(sgd.detail['W'])}$" in at.error[0].value
    all_titles = set().union(*(titles_in(spec) for spec in specs(at)))
    assert {text["optimizers.cost_axis"], text["optimizers.optimizer"], text["optimizers.norm_axis"]} <= all_titles


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_chart_tooltip_is_titled_and_no_latex_holds_english(lang):
    """On the Korean page no field name (`label`, `value`, ...) shows in a tooltip, and no LaTeX carries words."""
    at = open_app("optimizers", lang=lang)
    for spec in specs(at):
        for tip in tooltips_in(spec):
            assert tip.get("title"), tip
    assert all("\\text" not in e.value for e in at.latex)
    if lang == "ko":
        assert not any(
            "\\text" in value for key, value in catalog("ko").items() if key.startswith(("optimizers.", "divergence."))
        )


def test_every_chart_has_a_save_menu_with_its_own_file_name():
    """Charts that read the race's CSV by URL get their menu too (the rows are inlined when saved)."""
    at = open_app("optimizers")
    menus = [w.key for w in at.toggle if w.key and w.key.startswith("save.") and w.key.endswith(".table")]
    names = [key.split(".")[1] for key in menus]
    assert sorted(names) == sorted(
        [
            "optimizers-race-surface",
            "optimizers-race-costs",
            "optimizers-race-step",
            "optimizers-clipping-norms",
            "optimizers-clipped-by-norm",
            "optimizers-clipped-by-value",
            "optimizers-rprop-delta-U",
            "optimizers-rprop-delta-W",
            "optimizers-newton-step",
        ]
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_books_rprop_run_is_computed_live(lang):
    at = open_app("optimizers", lang=lang)
    run = counting.fit(*counting.book_dataset(), BOOK["rprop_start"], optim.rprop(0.001), 500)
    assert metric(at, "optimizers.book_final_u", lang) == num(run.params[-1, 0], 5)
    assert metric(at, "optimizers.book_final_w", lang) == num(run.params[-1, 1], 5)
    np.testing.assert_allclose(run.params[-1], [1.0, 1.0], atol=1e-3)  # the book's claim holds
    first_step = run.updates[0]
    assert f"({num(first_step[0])}, {num(first_step[1])})" in texts(at)
    distance = float(np.hypot(*(run.params[-1] - 1.0)))
    key = "optimizers.book_rprop_at_optimum" if distance < 1e-3 else "optimizers.book_rprop_elsewhere"
    assert catalog(lang)[key].format(distance=num(distance), optimum="(1, 1)") in texts(at)


def test_the_rprop_variants_are_named_and_run_as_stated():
    """Rprop- is the book's (no bounds), Rprop+ Riedmiller & Braun's and iRprop- PyTorch's, both bounded to
    [1e-6, 50]: the table's numbers are those of optim.rprop with exactly those settings."""
    at = open_app("optimizers", params={"rd0": "0.01"})
    text = catalog("en")
    rows = table_rows(at, text["optimizers.variant_label"])
    X, targets = counting.book_dataset()
    bounds = {
        "rprop-": {},
        "rprop+": {"step_min": 1e-6, "step_max": 50.0},
        "irprop-": {"step_min": 1e-6, "step_max": 50.0},
    }
    names = {
        "rprop-": "optimizers.variant_minus",
        "rprop+": "optimizers.variant_plus",
        "irprop-": "optimizers.variant_irprop",
    }
    for variant, extra in bounds.items():
        run = counting.fit(X, targets, BOOK["rprop_start"], optim.rprop(0.01, variant=variant, **extra), 500)
        uw, cost, _ = rows[text[names[variant]]]
        assert (uw, cost) == (f"({num(run.params[-1, 0])}, {num(run.params[-1, 1])})", num(run.costs[-1]))
    assert (
        "Riedmiller & Braun" in text["optimizers.variant_plus"]
        and "torch.optim.Rprop" in text["optimizers.variant_irprop"]
    )
    shown = texts(at)
    assert text["optimizers.variants_text"].format(low=num(1e-6), high=num(50.0)) in shown


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_rprop_rule_is_typeset_without_words(lang):
    at = open_app("optimizers", lang=lang)
    formulas = [e.value for e in at.latex]
    assert any(r"\operatorname{sign} g_t \ne \operatorname{sign} g_{t-1}" in f for f in formulas)
    assert any(rf"\eta^{{+}} = {latex(race.ETA_PLUS)}" in f for f in formulas)


# --- section 3 ----------------------------------------------------------------------------------------------------


def test_clipping_section_shows_the_runs_and_pascanus_rule():
    at = open_app("optimizers", params={"cth": "20.0", "cit": "12"})
    assert_clean(at)
    X, targets = counting.book_dataset()
    norm = race.run_lane(X, targets, BOOK["start"], "clip", 500, lr=0.0005, threshold=20.0, by="norm")
    value = race.run_lane(X, targets, BOOK["start"], "clip", 500, lr=0.0005, threshold=20.0, by="value")
    plain = counting.fit(X, targets, BOOK["start"], optim.sgd(0.0005), 500)
    assert metric(at, "optimizers.plain_diverges") == integer(plain.diverged_at)
    assert metric(at, "optimizers.final_cost_norm") == num(norm.run.costs[-1])
    assert metric(at, "optimizers.final_cost_value") == num(value.run.costs[-1])
    average = race.average_gradient_norm(norm.run.grads)
    assert num(average) in texts(at) and num(10 * average) in texts(at)
    raw = norm.run.grads[12]
    assert f"g = ({num(raw[0])}, {num(raw[1])})" in texts(at)
    by_key(at, "button", "optimizers_btn_average").click().run()
    assert by_key(at, "slider", "optimizers.cth").value == round(average / 5) * 5


@pytest.mark.parametrize(
    ("lang", "threshold", "goal"),
    [
        ("en", 50.0, 1.0),
        ("ko", 50.0, 1.0),
        ("en", 20.0, 1.0),
        ("ko", 20.0, 1.0),
        ("en", 50.0, 1000.0),
        ("en", 500.0, 1.0),
    ],
)
def test_clip_reading_says_bouncing_only_when_the_run_bounces(lang, threshold, goal):
    """The sentence about the run clipped by norm is the one its computed steps and cost call for."""
    at = open_app("optimizers", lang=lang, params={"cth": str(threshold), "goal": str(goal)})
    text, shown = catalog(lang), texts(at)
    X, targets = counting.book_dataset()
    lane = race.run_lane(X, targets, BOOK["start"], "clip", 500, lr=0.0005, threshold=threshold, by="norm")
    steps = lane.run.updates[-50:]
    turned = int(np.sum(np.sum(steps[1:] * steps[:-1], axis=1) < 0))  # counted here, not read from race
    bounces = 2 * turned >= len(steps) - 1 and lane.run.costs[-1] > goal
    assert bounces == race.bouncing(lane, goal)
    values = {"turned": turned, "pairs": len(steps) - 1, "cost": num(lane.run.costs[-1]), "goal": num(goal)}
    said = text["optimizers.clip_bouncing" if bounces else "optimizers.clip_not_bouncing"].format(**values)
    unsaid = text["optimizers.clip_not_bouncing" if bounces else "optimizers.clip_bouncing"].format(**values)
    assert said in shown and unsaid not in shown
    curvature = float(np.linalg.eigvalsh(counting.hessian(X, targets, 1.0, 1.0))[-1])
    key = "optimizers.clip_above" if 0.0005 > 2 / curvature else "optimizers.clip_below"
    assert text[key].format(lr=num(0.0005)) in shown
    assert num(2 / curvature) in shown and num(0.0005 * threshold) in shown


# --- the race reading, at several settings ----------------------------------------------------------------------


RACES = [
    ({}, BOOK["start"], RACE_AT_DEFAULTS, 500, 1.0),
    (
        {
            "u0": "-1.5",
            "w0": "2.0",
            "iters": "200",
            "race": "momentum,rmsprop,adam,rprop,newton",
            "lr_rms": "0.01",
            "lr_adam": "0.05",
            "damp": "10000.0",
        },
        BOOK["rprop_start"],
        {
            "momentum": RACE_AT_DEFAULTS["momentum"],
            "rmsprop": {"lr": 0.01, "decay": 0.9},
            "adam": {"lr": 0.05},
            "rprop": RACE_AT_DEFAULTS["rprop"],
            "newton": {"damping": 10000.0},
        },
        200,
        1.0,
    ),
    (
        {
            "u0": "0.5",
            "w0": "-1.2",
            "iters": "300",
            "goal": "0.1",
            "race": "sgd,clip,rprop",
            "rp_var": "irprop-",
            "clip_by": "value",
        },
        (0.5, -1.2),
        {
            "sgd": RACE_AT_DEFAULTS["sgd"],
            "clip": {"lr": 0.0005, "threshold": 50.0, "by": "value"},
            "rprop": {"step0": 0.001, "variant": "irprop-"},
        },
        300,
        0.1,
    ),
    (
        {"iters": "3", "race": "sgd,adam"},
        BOOK["start"],
        {"sgd": RACE_AT_DEFAULTS["sgd"], "adam": RACE_AT_DEFAULTS["adam"]},
        3,
        1.0,
    ),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(("params", "start", "entries", "iters", "goal"), RACES)
def test_the_race_reading_says_what_each_run_did(lang, params, start, entries, iters, goal):
    at = open_app("optimizers", lang=lang, params=params)
    assert_clean(at)
    text, shown = catalog(lang), texts(at)
    lanes = race.race(*counting.book_dataset(), start, entries, iters)
    reached = {r: race.first_below(lane.run.costs, goal) for r, lane in lanes.items()}
    hits = {r: i for r, i in reached.items() if i is not None}
    if hits:
        at_ = min(hits.values())
        first = ", ".join(text[f"optimizers.name_{r}"] for r, i in hits.items() if i == at_)
        assert text["optimizers.race_first"].format(goal=num(goal), names=first, iteration=at_) in shown
    else:
        assert text["optimizers.race_nobody"].format(goal=num(goal), iterations=iters) in shown
    for runner, lane in lanes.items():
        line = bullet(at, text[f"optimizers.name_{runner}"])
        run = lane.run
        said_reached = text["optimizers.outcome_reached"].format(goal=num(goal), iteration=reached[runner])
        assert (said_reached in line) == (reached[runner] is not None)
        if run.diverged_at is not None:
            assert (
                text["optimizers.outcome_diverged"].format(
                    iteration=run.diverged_at, reason=text[f"optimizers.reason_{run.reason}"]
                )
                in line
            )
        elif reached[runner] is None:
            assert (
                text["optimizers.outcome_missed"].format(
                    goal=num(goal), updates=len(run.updates), cost=num(run.costs[-1])
                )
                in line
            )
        bounce_words = text["optimizers.outcome_bouncing"].split("{turned}")[1].split(".")[0]
        assert (bounce_words in line) == race.bouncing(lane, goal)


# --- section 2: stepping and play -----------------------------------------------------------------------------


def test_url_round_trip_restores_the_same_view():
    at = open_app("optimizers")
    by_key(at, "pills", "optimizers.race").set_value(["sgd", "rprop", "newton"]).run()
    by_key(at, "number_input", "optimizers.lr_sgd").set_value(0.0002).run()
    by_key(at, "selectbox", "optimizers.rp_var").set_value("irprop-").run()
    by_key(at, "selectbox", "optimizers.focus").set_value("newton").run()
    by_key(at, "slider", "optimizers.cth").set_value(120.0).run()
    by_key(at, "slider", "optimizers.nw").set_value(1.3).run()
    by_key(at, "slider", "optimizers.it").set_value(7).run()
    assert_clean(at)
    url = url_of(at)
    assert url["race"] == "sgd,rprop,newton" and url["rp_var"] == "irprop-" and url["it"] == "7"

    again = open_app("optimizers", lang=url.pop("lang"), params=url)
    assert_clean(again)
    for kind, key in [
        ("pills", "optimizers.race"),
        ("number_input", "optimizers.lr_sgd"),
        ("selectbox", "optimizers.rp_var"),
        ("selectbox", "optimizers.focus"),
        ("slider", "optimizers.cth"),
        ("slider", "optimizers.nw"),
        ("slider", "optimizers.it"),
    ]:
        assert list(np.atleast_1d(by_key(again, kind, key).value)) == list(np.atleast_1d(by_key(at, kind, key).value))
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    header = catalog("en")["optimizers.optimizer"]
    assert table_rows(again, header) == table_rows(at, header)
    assert url_of(again) == {**url, "lang": "en"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_values_fall_back_with_a_notice(lang):
    at = open_app(
        "optimizers",
        lang=lang,
        params={
            "race": "sgd,lbfgs",
            "lr_sgd": "abc",
            "focus": "zzz",
            "it": "-3",
            "cth": "1e9",
            "nu": "nan",
            "w0": "0.5",
        },
    )
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`race`", "`lr_sgd`", "`focus`", "`it`", "`cth`", "`nu`"):
        assert name in warnings
    assert list(by_key(at, "pills", "optimizers.race").value) == list(race.RUNNERS)
    assert by_key(at, "slider", "optimizers.cth").value == 50.0
    assert by_key(at, "number_input", "optimizers.w0").value == 0.5  # the valid one is kept


def race_params(lr: float) -> dict:
    return {name: str(lr) for name in ("lr_sgd", "lr_clip", "lr_mom", "lr_rms", "lr_adam")}


@pytest.mark.parametrize(
    "params",
    [
        {
            **race_params(1.0),
            "iters": "5000",
            "goal": "0.0",
            "clip": "0.0",
            "cth": "0.0",
            "damp": "0.0",
            "ndamp": "0.0",
            "rp_d0": "1.0",
            "rd0": "1.0",
            "mu": "0.99",
            "decay": "0.999",
            "it": "5000",
            "speed": "25",
        },
        {
            **race_params(1e-5),
            "iters": "1",
            "goal": "1000000.0",
            "clip": "2000.0",
            "cth": "2000.0",
            "cit": "499",
            "clip_by": "value",
            "rp_var": "rprop+",
            "rp_d0": "1e-06",
            "rd0": "1e-06",
            "mu": "0.0",
            "decay": "0.0",
        },
        {
            "data": "generated",
            "n": "500",
            "len": "50",
            "seed": "999999",
            "u0": "3.0",
            "w0": "3.0",
            "nu": "3.0",
            "nw": "3.0",
            "ndamp": "1000000.0",
            "damp": "1000000.0",
            "focus": "newton",
            "it": "3",
        },
        {
            "data": "generated",
            "n": "1",
            "len": "1",
            "seed": "0",
            "u0": "-3.0",
            "w0": "-3.0",
            "nu": "-3.0",
            "nw": "-3.0",
            "focus": "clip",
            "it": "2",
        },
        {"race": "", "it": "9"},
    ],
)
def test_widget_extremes_render_without_errors(params):
    at = open_app("optimizers", params=params)
    assert_clean(at)
    offer = [b for b in at.button if b.key == "work_run_race"]  # a long race: offered, and run when asked
    if offer:
        offer[0].click().run()
        assert_clean(at)
    deadline = time.monotonic() + 180
    while catalog("en")["work.why"] in [c.value for c in at.caption]:  # a long race, in the server's work queue
        assert time.monotonic() < deadline, "the long race never finished"
        time.sleep(0.5)
        at.run()  # what the waiting box's poll does
        assert_clean(at)
    assert at.warning.len == 0  # every value above is in range
    words = texts(at).lower().split()
    assert "nan" not in words and "inf" not in words and not re.search(r"\de[+-]\d", texts(at))
    if params.get("race") == "":
        assert catalog("en")["optimizers.none_racing"] in texts(at)
        return
    errors = " ".join(e.value for e in at.error)
    data = params.get("data", "book")
    X, targets = (
        counting.book_dataset()
        if data == "book"
        else counting.make_dataset(int(params["n"]), int(params["len"]), int(params["seed"]))
    )
    sgd = counting.fit(
        X,
        targets,
        (float(params.get("u0", -2.0)), float(params.get("w0", 0.0))),
        optim.sgd(float(params.get("lr_sgd", 0.0005))),
        int(params.get("iters", 500)),
    )
    name = catalog("en")["optimizers.name_sgd"]
    assert (f"**{name}** diverged at iteration {sgd.diverged_at}." in errors) == (sgd.diverged_at is not None)


def test_play_moves_every_path_on_and_pause_stops_it():
    at = open_app("optimizers")
    it = by_key(at, "slider", "optimizers.it")
    assert it.value == 0
    by_key(at, "button", "optimizers_btn_play").click().run()  # under AppTest a tick is a whole-script run
    assert_clean(at)
    assert at.session_state["optimizers_playing"]
    assert by_key(at, "button", "optimizers_btn_play").label == catalog("en")["optimizers.pause"]
    per_tick = 13  # speed "auto": the 500 iterations in 40 ticks
    first = by_key(at, "slider", "optimizers.it").value
    assert first == per_tick  # the click's own run is the first tick
    at.run()
    assert by_key(at, "slider", "optimizers.it").value == first + per_tick
    assert url_of(at)["it"] == str(first + per_tick)
    by_key(at, "button", "optimizers_btn_play").click().run()  # pause
    paused = by_key(at, "slider", "optimizers.it").value
    at.run()
    assert by_key(at, "slider", "optimizers.it").value == paused
    assert not at.session_state["optimizers_playing"]


def test_play_stops_by_itself_at_the_last_iteration():
    at = open_app("optimizers", params={"race": "sgd", "speed": "25", "it": "20"})  # sgd diverges at 38
    last = counting.fit(*counting.book_dataset(), BOOK["start"], optim.sgd(0.0005), 500).diverged_at
    by_key(at, "button", "optimizers_btn_play").click().run()
    for _ in range(3):
        at.run()
    assert_clean(at)
    assert by_key(at, "slider", "optimizers.it").value == last
    assert not at.session_state["optimizers_playing"]
    by_key(at, "button", "optimizers_btn_play").click().run()  # playing again starts from the beginning
    assert by_key(at, "slider", "optimizers.it").value == 25  # 0, then the first tick


def test_play_stops_at_the_end_and_the_button_says_play_again():
    """The stepping fragment's last tick turns playing off: the flag is off, the slider at the last iteration,
    the button reads "play" and the link carries the last iteration."""
    at = open_app("optimizers", params={"iters": "100"})
    last = 100
    at.session_state["optimizers_playing"] = True
    at.session_state["optimizers.it"] = last - 1  # one tick (ceil(100 / 40) = 3 iterations) from the end
    at.run()
    assert_clean(at)
    assert not at.session_state["optimizers_playing"]
    assert by_key(at, "slider", "optimizers.it").value == last
    assert by_key(at, "button", "optimizers_btn_play").label == catalog("en")["optimizers.play"]
    assert url_of(at)["it"] == str(last)
    at.run()  # and it stays there
    assert by_key(at, "slider", "optimizers.it").value == last
    assert not at.session_state["optimizers_playing"]


def test_a_deep_link_with_every_parameter_restores_every_widget():
    params = {
        "data": "generated",
        "n": "40",
        "len": "8",
        "seed": "7",
        "u0": "-1.5",
        "w0": "2.0",
        "iters": "120",
        "goal": "2.5",
        "race": "clip,adam,rprop",
        "lr_sgd": "0.0003",
        "lr_clip": "0.0004",
        "clip": "40.0",
        "clip_by": "value",
        "lr_mom": "3e-05",
        "mu": "0.8",
        "lr_rms": "0.04",
        "decay": "0.95",
        "lr_adam": "0.2",
        "rp_var": "rprop+",
        "rp_d0": "0.002",
        "damp": "20.0",
        "it": "17",
        "focus": "adam",
        "speed": "5",
        "cth": "35.0",
        "cit": "12",
        "rd0": "0.003",
        "nu": "1.0",
        "nw": "1.3",
        "ndamp": "50.0",
    }
    at = open_app("optimizers", params=params)
    assert_clean(at)
    assert at.warning.len == 0
    defaults = url_of(open_app("optimizers"))
    assert set(params) == set(defaults) - {"lang"}  # every parameter of the page is in this link
    assert all(params[k] != defaults[k] for k in params)  # each at a value other than its default
    for name, value in params.items():
        shown = at.session_state[f"optimizers.{name}"]
        if name == "race":
            assert ",".join(shown) == value
        else:
            assert str(shown) == value, name
    kinds = {
        "it": "slider",
        "cth": "slider",
        "cit": "slider",
        "nu": "slider",
        "nw": "slider",
        "focus": "selectbox",
        "rp_var": "selectbox",
        "clip_by": "selectbox",
        "speed": "radio",
        "data": "radio",
        "race": "pills",
    }
    for name, kind in kinds.items():
        widget = by_key(at, kind, f"optimizers.{name}")
        value = widget.value if kind != "pills" else ",".join(widget.value)
        assert str(value) == params[name], name
    assert url_of(at) == {**params, "lang": "en"}
    by_key(at, "slider", "optimizers.cth").set_value(45.0).run()  # one move keeps every other parameter
    assert url_of(at) == {**params, "cth": "45.0", "lang": "en"}


@pytest.mark.parametrize(
    ("focus", "rows"),
    [
        ("momentum", {"q_gradient": "gradient", "q_velocity": "v"}),
        ("adam", {"q_adam_m": "m", "q_adam_v": "v"}),
        ("rprop", {"q_delta": "delta"}),
    ],
)
def test_panel_takes_one_update_apart(focus, rows):
    at = open_app("optimizers", params={"focus": focus, "it": "5"})
    assert_clean(at)
    lanes = race.race(*counting.book_dataset(), BOOK["start"], RACE_AT_DEFAULTS, 500)
    detail = race.update_at(lanes[focus], 5)
    text = catalog("en")
    table = table_rows(at, text["optimizers.quantity"])
    for key, field in {**rows, "q_step": "step"}.items():
        assert table[text[f"optimizers.{key}"]] == [num(detail[field][0]), num(detail[field][1])]
    if focus == "adam":  # m̂ and v̂ are defined where the rule shows them
        assert text["optimizers.rule_adam"].format(k=6) in texts(at)
        assert any(r"\hat m = \frac{m}{1-\beta_1^{\,k}}" in e.value for e in at.latex)


def test_focus_falls_back_to_a_racing_optimizer():
    at = open_app("optimizers", params={"race": "adam,newton", "focus": "rprop"})
    assert_clean(at)
    assert by_key(at, "selectbox", "optimizers.focus").value == "adam"
    assert by_key(at, "selectbox", "optimizers.focus").options == [
        catalog("en")["optimizers.name_adam"],
        catalog("en")["optimizers.name_newton"],
    ]


def test_clicking_the_surface_moves_the_start():
    at = open_app("optimizers", params={"it": "4"})
    at.session_state["optimizers_surface"] = {"selection": {"cell": [{"i": 80, "j": 60}]}}
    at.run()
    assert_clean(at)
    centres = np.linspace(-3 + 0.03, 3 - 0.03, 100)
    assert by_key(at, "number_input", "optimizers.u0").value == round(centres[80], 2)
    assert by_key(at, "number_input", "optimizers.w0").value == round(centres[60], 2)
    assert by_key(at, "slider", "optimizers.it").value == 0  # a new race starts from its first iteration
    by_key(at, "number_input", "optimizers.u0").set_value(0.5).run()  # the old click must not undo this
    assert by_key(at, "number_input", "optimizers.u0").value == 0.5


# --- section 5: every verdict chosen from the computed steps -------------------------------------------------------


NEWTON_POINTS = [(1.05, 0.98), (1.2, 0.9), (-1.4, -0.9), (1.0, 1.3), (-2.0, 0.0), (0.5, 1.1), (1.3, 0.95), (2.0, -0.5)]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("point", NEWTON_POINTS)
def test_newton_verdicts_follow_the_computed_steps(lang, point):
    at = open_app("optimizers", lang=lang, params={"nu": str(point[0]), "nw": str(point[1])})
    assert_clean(at)
    text, shown = catalog(lang), texts(at)
    X, targets = counting.book_dataset()
    low, high = np.linalg.eigvalsh(counting.hessian(X, targets, *point))
    here = race.steps_at(X, targets, *point, 0.0005, 100.0)
    names = {
        "gradient_step": text["optimizers.gradient_step"].format(lr=num(0.0005)),
        "newton_plain": text["optimizers.newton_plain"],
        "newton_damped": text["optimizers.newton_damped"].format(damping=num(100.0)),
    }
    # The shape of H, from its eigenvalues.
    bowl, saddle = low > 0, low < 0 < high
    assert (text["optimizers.reading_bowl"].split("{")[0] in shown) == bowl
    assert (text["optimizers.reading_saddle"] in shown) == saddle
    # What the undamped step did: the cost after it, against the cost here.
    cost = counting.cost(counting.forward(X, *point), targets)
    end = np.array(point) + here["newton_plain"]
    with np.errstate(over="ignore", invalid="ignore"):  # a huge step may overflow the cost: that is uphill
        after = counting.cost(counting.forward(X, *end), targets) if np.all(np.isfinite(end)) else np.inf
    # How well the quadratic model ξ + g·s + s·Hs/2 (with H itself) predicted the drop, recomputed here.
    g = np.array(counting.backward(X, counting.forward(X, *point), targets, point[1]))
    H = counting.hessian(X, targets, *point)
    step = here["newton_plain"]
    predicted = cost + g @ step + 0.5 * step @ H @ step
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = (cost - after) / (cost - predicted)
    holds = abs(ratio - 1) <= 0.1
    expected = (
        "newton_model_fails"
        if not holds
        else "newton_no_bottom"
        if low <= 0
        else "newton_landed"
        if after <= 0.1 * cost
        else "newton_model_bottom"
    )
    sign = {"en": " %", "ko": "%"}[lang]  # Korean writes 90% (docs/glossary-ko.md), the English pages 90 %
    values = {
        "name": names["newton_plain"],
        "cost": num(cost),
        "length": num(np.hypot(*step)),
        "after": num(after) if np.isfinite(after) else text["optimizers.overflowed"],
        "predicted": num(predicted),
        "predicted_drop": num(cost - predicted),
        "change": num(after - cost) if np.isfinite(after) else text["optimizers.overflowed"],
        "tolerance": f"10{sign}",
        "low": num(low),
        "left": f"{num(100 * after / cost)}{sign}" if np.isfinite(after) else text["optimizers.overflowed"],
    }
    for key in ("newton_landed", "newton_model_bottom", "newton_no_bottom", "newton_model_fails"):
        assert (text[f"optimizers.{key}"].format(**values) in shown) == (key == expected), key
    # Uphill: every step whose cost after is above the cost here is named, and only those.
    uphill_head = text["optimizers.newton_uphill"].split("{")[0]
    uphill = [k for k in names if not here[f"{k}_cost"] <= cost]
    if uphill:
        assert text["optimizers.newton_uphill"].format(names=", ".join(f"“{names[k]}”" for k in uphill)) in shown
    else:
        assert uphill_head not in shown
    # The step table holds each step's length and landing cost.
    rows = table_rows(at, text["optimizers.step_title"])
    for key, name in names.items():
        cost_after = here[f"{key}_cost"]
        assert rows[name][1] == (num(cost_after) if np.isfinite(cost_after) else text["optimizers.overflowed"])


def test_the_presets_show_what_the_text_says():
    """'Near the optimum' lands close to the bottom; 'Steep wall': Newton's step is short where the gradient is
    huge; 'Almost flat': one curvature near 0 makes the undamped step huge."""
    X, targets = counting.book_dataset()
    at = open_app("optimizers")
    text = catalog("en")
    by_key(at, "button", "optimizers_btn_at_optimum").click().run()
    point = (by_key(at, "slider", "optimizers.nu").value, by_key(at, "slider", "optimizers.nw").value)
    assert point == (1.05, 0.98)
    here = race.steps_at(X, targets, *point, 0.0005, 100.0)
    assert here["newton_plain_cost"] < 0.1 * here["cost"]
    assert "**" + text["optimizers.newton_landed"].split("**")[1] in texts(at)
    assert "**" + text["optimizers.newton_model_fails"].split("**")[1] not in texts(at)
    wall = race.steps_at(X, targets, 1.0, 1.3, 0.0005, 100.0)
    assert np.hypot(*wall["newton_plain"]) < 0.01 * np.hypot(*wall["gradient_step"])
    by_key(at, "button", "optimizers_btn_at_flat").click().run()
    flat = race.steps_at(X, targets, -1.4, -0.9, 0.0005, 100.0)
    smallest = min(np.abs(flat["eigenvalues"]))
    assert smallest < 100.0  # below the damping δ = 100: the sentence's claim
    assert text["optimizers.reading_flat"].format(
        smallest=num(smallest),
        total=num(smallest + 100.0),
        plain=num(np.hypot(*flat["newton_plain"])),
        damped=num(np.hypot(*flat["newton_damped"])),
        damping="100",
    ) in texts(at)
    labels = {b.key: b.label for b in at.button}
    assert labels["optimizers_btn_at_optimum"] == text["optimizers.at_optimum"].format(u="1.05", w="0.98")
    assert labels["optimizers_btn_gd_start"] == text["optimizers.preset_gd_start"].format(u="−2", w="0")
    assert metric(at, "optimizers.lambda1") == num(flat["eigenvalues"][0])


# --- exercises, through the page itself --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_exercise_answered_wrong_then_right_on_the_page(lang, no_class):
    at = open_app("optimizers", lang=lang)
    set_clock(at, 100.0)
    ex = registry.make("optimizers_curvature", at.session_state["exercise.optimizers_curvature"]["seed"])
    wrong = next(choice for choice in ex.choices if choice != ex.answer)
    at.radio(key="exercise.optimizers_curvature.chosen").set_value(wrong)
    check_button(at, lang, "optimizers_curvature").click().run()
    assert_clean(at)
    assert any(e.value.startswith(catalog(lang)["exercise_box.wrong"].split("{")[0]) for e in at.error)
    set_clock(at, 102.0)
    at.radio(key="exercise.optimizers_curvature.chosen").set_value(ex.answer)
    check_button(at, lang, "optimizers_curvature").click().run()
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    # The page agrees: at the exercise's point, section 5 says bowl or saddle as the answer does.
    point = {"nu": str(ex.params["U"]), "nw": str(ex.params["W"])}
    shown = texts(open_app("optimizers", lang=lang, params=point))
    bowl = catalog(lang)["optimizers.reading_bowl"].split("{")[0]
    assert (bowl in shown) == (ex.answer == "bowl")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_setting_exercise_reads_the_pages_own_widgets(lang, no_class):
    at = open_app("optimizers", lang=lang, params={"race": "rprop"})
    set_clock(at, 100.0)
    ex = registry.make("optimizers_rprop_start", at.session_state["exercise.optimizers_rprop_start"]["seed"])
    goal = ex.answer
    by_key(at, "number_input", "optimizers.rp_d0").set_value(goal["rp_d0"]).run()
    by_key(at, "selectbox", "optimizers.rp_var").set_value(goal["rp_var"]).run()
    by_key(at, "number_input", "optimizers.u0").set_value(1.0).run()  # the optimum itself: too close
    by_key(at, "number_input", "optimizers.w0").set_value(1.0).run()
    at.button(key="exercise.optimizers_rprop_start.check").click().run()
    assert catalog(lang)["exercises.optimizers_rprop_start_hint_close"] in [i.value for i in at.info]
    set_clock(at, 102.0)
    by_key(at, "number_input", "optimizers.u0").set_value(goal["u0"]).run()
    by_key(at, "number_input", "optimizers.w0").set_value(goal["w0"]).run()
    at.button(key="exercise.optimizers_rprop_start.check").click().run()
    assert_clean(at)
    assert catalog(lang)["exercise_box.right"].format(tries=2) in [s.value for s in at.success]
    # The page agrees: its race table has Rprop end within 10⁻³ of (1, 1).
    uw = table_rows(at, catalog(lang)["optimizers.optimizer"])[catalog(lang)["optimizers.name_rprop"]][0]
    u, w = (float(x.replace("−", "-")) for x in uw.strip("()").split(", "))
    assert abs(u - 1) < 5e-3 and abs(w - 1) < 5e-3


# --- under the hood -----------------------------------------------------------------------------------------------


def test_under_the_hood_shows_readable_public_functions_each_with_its_line():
    at = open_app("optimizers", open_code=True)
    sources = [c.value.strip() for c in at.code if c.value.startswith("def ")]  # not the share box's link
    heads = [m.value for m in at.markdown if m.value.startswith("**`rnn_core.")]
    assert heads and len(heads) == len(sources)
    for head in heads:
        name = head.split("`")[1]
        assert not any(part.startswith("_") for part in name.split(".")), name
        assert " · " in head  # each function says what it does in this lesson
    for source in sources:
        assert len(source.splitlines()) <= 60
        assert not re.search(r"\b_[a-z]\w*\(", source)  # no call into a private helper either
    for function in (
        counting.fit,
        race.race,
        race.update_at,
        race.steps_at,
        optim.rprop,
        optim.rprop_minus_step,
        optim.irprop_minus_step,
        optim.newton_step,
    ):
        assert inspect.getsource(function).strip() in sources
    assert "fit_many" not in " ".join(heads)  # the race engine is proven equal to fit, not shown


def test_a_race_reruns_only_the_runners_whose_settings_moved():
    """A lane another race already ran is reused (the very object), the others are run, and every lane is the
    runner's race run from scratch: a lane does not depend on who else races."""
    from lessons.optimizers import readings

    data, start, iters = ("book", P["n"].default, P["len"].default, P["seed"].default), (-1.2, 0.4), 120
    entries = tuple((runner, tuple(settings.items())) for runner, settings in RACE_AT_DEFAULTS.items())
    first = readings._racing(data, start, iters, entries)
    moved = tuple(
        (runner, tuple({**dict(s), "mu": 0.5}.items()) if runner == "momentum" else s) for runner, s in entries
    )
    second = readings._racing(data, start, iters, moved)
    assert list(second) == list(RACE_AT_DEFAULTS)
    assert [r for r in second if second[r] is first[r]] == [r for r in RACE_AT_DEFAULTS if r != "momentum"]
    X, targets = counting.book_dataset()
    whole = race.race(X, targets, start, {runner: dict(settings) for runner, settings in moved}, iters)
    for runner, lane in second.items():
        np.testing.assert_array_equal(lane.run.params, whole[runner].run.params)
        np.testing.assert_array_equal(lane.run.costs, whole[runner].run.costs)
        assert (
            lane.run.diverged_at == whole[runner].run.diverged_at and lane.series.keys() == whole[runner].series.keys()
        )
        for name, series in lane.series.items():
            np.testing.assert_array_equal(series, whole[runner].series[name])
    assert not np.array_equal(second["momentum"].run.params, first["momentum"].run.params)


def test_a_session_reads_the_race_once_per_setting():
    """readings.remembered: what was made for the same arguments last time, made again when they change (also from
    0.0 to -0.0, equal numbers but not the same start)."""
    from lessons.optimizers import readings

    made = []

    def make(value):
        made.append(value)
        return [value]

    first = readings.remembered("_test.slot", ((0.0, 1.0), 5), lambda: make(1))
    assert readings.remembered("_test.slot", ((0.0, 1.0), 5), lambda: make(2)) is first and made == [1]
    assert readings.remembered("_test.slot", ((-0.0, 1.0), 5), lambda: make(3)) == [3]
    assert readings.remembered("_test.slot", ((0.0, 1.0), 5), lambda: make(4)) == [4] and made == [1, 3, 4]
