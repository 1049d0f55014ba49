"""The optimizer race lesson, driven through AppTest in both languages. Every number the tests expect on screen
is computed here with rnn_core."""

import inspect
import json

import numpy as np
import pytest
from apptest_helpers import assert_clean, by_key, open_app, texts, url_of

from rnn_core import counting, optim, race
from ui.i18n import catalog

BOOK_GD_START, BOOK_RPROP_START = (-2.0, 0.0), (-1.5, 2.0)
DEFAULT_RACE = {"sgd": {"lr": 0.0005}, "clip": {"lr": 0.0005, "threshold": 50.0, "by": "norm"},
                "momentum": {"lr": 2e-5, "mu": 0.9}, "rmsprop": {"lr": 0.05, "decay": 0.9}, "adam": {"lr": 0.1},
                "rprop": {"step0": 0.001, "variant": "rprop-"}, "newton": {"damping": 10.0}}


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


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_renders_the_race_in_both_languages(lang):
    at = open_app("optimizers", lang=lang)
    assert_clean(at)
    text = catalog(lang)
    assert at.title[0].value == text["optimizers.title"]
    lanes = race.race(*counting.book_dataset(), BOOK_GD_START, DEFAULT_RACE, 500)
    table = at.table[0].value
    assert list(table.index) == [text[f"optimizers.name_{runner}"] for runner in race.RUNNERS]
    sgd = lanes["sgd"].run
    assert sgd.diverged_at is not None  # the book's learning rate explodes, as in the counting lesson
    stopped = table[text["optimizers.col_stopped"]]
    assert stopped.iloc[0] == text["optimizers.stopped_at"].format(iteration=sgd.diverged_at,
                                                                  reason=text["optimizers.reason_state"])
    assert stopped.iloc[1:].tolist() == [text["optimizers.ran_all"].format(updates=500)] * 6
    reached = table[text["optimizers.col_reached"].format(goal="1")]
    for row, runner in zip(reached, race.RUNNERS, strict=True):
        first = race.first_below(lanes[runner].run.costs, 1.0)
        assert row == (text["optimizers.never"] if first is None else str(first)), runner
    line = text["optimizers.diverged_line"].split("{why}")[0].format(name=text["optimizers.name_sgd"],
                                                                      iteration=sgd.diverged_at)
    assert line in at.error[0].value
    all_titles = set().union(*(titles_in(spec) for spec in specs(at)))
    assert {text["optimizers.cost_axis"], text["optimizers.optimizer"], text["optimizers.norm_axis"]} <= all_titles
    assert len(at.get("vega_lite_chart")) == 9


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_books_rprop_run_is_computed_live(lang):
    at = open_app("optimizers", lang=lang)
    run = counting.fit(*counting.book_dataset(), BOOK_RPROP_START, optim.rprop(0.001), 500)
    assert metric(at, "optimizers.book_final_u", lang) == f"{run.params[-1, 0]:.4f}"
    assert metric(at, "optimizers.book_final_w", lang) == f"{run.params[-1, 1]:.4f}"
    np.testing.assert_allclose(run.params[-1], [1.0, 1.0], atol=1e-3)  # the book's claim holds
    first_step = run.updates[0]
    assert f"({first_step[0]:.4g}, {first_step[1]:.4g})" in texts(at)


def test_clipping_section_shows_the_runs_and_pascanus_rule():
    at = open_app("optimizers", params={"cth": "20.0", "cit": "12"})
    assert_clean(at)
    X, targets = counting.book_dataset()
    norm = race.run_lane(X, targets, BOOK_GD_START, "clip", 500, lr=0.0005, threshold=20.0, by="norm")
    value = race.run_lane(X, targets, BOOK_GD_START, "clip", 500, lr=0.0005, threshold=20.0, by="value")
    plain = counting.fit(X, targets, BOOK_GD_START, optim.sgd(0.0005), 500)
    assert metric(at, "optimizers.plain_diverges") == str(plain.diverged_at)
    assert metric(at, "optimizers.final_cost_norm") == f"{norm.run.costs[-1]:.4g}"
    assert metric(at, "optimizers.final_cost_value") == f"{value.run.costs[-1]:.4g}"
    average = race.average_gradient_norm(norm.run.grads)
    assert f"{average:.4g}" in texts(at) and f"{10 * average:.4g}" in texts(at)
    raw = norm.run.grads[12]
    assert f"g = ({raw[0]:.4g}, {raw[1]:.4g})" in texts(at)
    by_key(at, "button", "optimizers_btn_average").click().run()
    assert by_key(at, "slider", "optimizers.cth").value == round(average / 5) * 5


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
    for kind, key in [("pills", "optimizers.race"), ("number_input", "optimizers.lr_sgd"),
                      ("selectbox", "optimizers.rp_var"), ("selectbox", "optimizers.focus"),
                      ("slider", "optimizers.cth"), ("slider", "optimizers.nw"), ("slider", "optimizers.it")]:
        assert list(np.atleast_1d(by_key(again, kind, key).value)) == list(np.atleast_1d(by_key(at, kind, key).value))
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    assert again.table[0].value.equals(at.table[0].value)
    assert url_of(again) == {**url, "lang": "en"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bad_url_values_fall_back_with_a_notice(lang):
    at = open_app("optimizers", lang=lang, params={"race": "sgd,lbfgs", "lr_sgd": "abc", "focus": "zzz",
                                                   "it": "-3", "cth": "1e9", "nu": "nan", "w0": "0.5"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`race`", "`lr_sgd`", "`focus`", "`it`", "`cth`", "`nu`"):
        assert name in warnings
    assert list(by_key(at, "pills", "optimizers.race").value) == list(race.RUNNERS)
    assert by_key(at, "slider", "optimizers.cth").value == 50.0
    assert by_key(at, "number_input", "optimizers.w0").value == 0.5  # the valid one is kept


def race_params(lr: float) -> dict:
    return {name: str(lr) for name in ("lr_sgd", "lr_clip", "lr_mom", "lr_rms", "lr_adam")}


@pytest.mark.parametrize("params", [
    {**race_params(1.0), "iters": "5000", "goal": "0.0", "clip": "0.0", "cth": "0.0", "damp": "0.0",
     "ndamp": "0.0", "rp_d0": "1.0", "rd0": "1.0", "mu": "0.99", "decay": "0.999", "it": "5000", "speed": "25"},
    {**race_params(1e-5), "iters": "1", "goal": "1000000.0", "clip": "2000.0", "cth": "2000.0", "cit": "499",
     "clip_by": "value", "rp_var": "rprop+", "rp_d0": "1e-06", "rd0": "1e-06", "mu": "0.0", "decay": "0.0"},
    {"data": "generated", "n": "500", "len": "50", "seed": "999999", "u0": "3.0", "w0": "3.0", "nu": "3.0",
     "nw": "3.0", "ndamp": "1000000.0", "damp": "1000000.0", "focus": "newton", "it": "3"},
    {"data": "generated", "n": "1", "len": "1", "seed": "0", "u0": "-3.0", "w0": "-3.0", "nu": "-3.0",
     "nw": "-3.0", "focus": "clip", "it": "2"},
    {"race": "", "it": "9"},
])
def test_widget_extremes_render_without_errors(params):
    at = open_app("optimizers", params=params)
    assert_clean(at)
    assert at.warning.len == 0  # every value above is in range
    assert "nan" not in texts(at).lower().split() and "inf" not in texts(at).lower().split()
    if params.get("race") == "":
        assert catalog("en")["optimizers.none_racing"] in texts(at)
        return
    data = params.get("data", "book")
    X, targets = (counting.book_dataset() if data == "book"
                  else counting.make_dataset(int(params["n"]), int(params["len"]), int(params["seed"])))
    entries = {
        "sgd": {"lr": float(params.get("lr_sgd", 0.0005))},
        "clip": {"lr": float(params.get("lr_clip", 0.0005)), "threshold": float(params.get("clip", 50.0)),
                 "by": params.get("clip_by", "norm")},
        "momentum": {"lr": float(params.get("lr_mom", 2e-5)), "mu": float(params.get("mu", 0.9))},
        "rmsprop": {"lr": float(params.get("lr_rms", 0.05)), "decay": float(params.get("decay", 0.9))},
        "adam": {"lr": float(params.get("lr_adam", 0.1))},
        "rprop": {"step0": float(params.get("rp_d0", 0.001)), "variant": params.get("rp_var", "rprop-")},
        "newton": {"damping": float(params.get("damp", 10.0))},
    }
    start = (float(params.get("u0", -2.0)), float(params.get("w0", 0.0)))
    lanes = race.race(X, targets, start, entries, int(params.get("iters", 500)))
    errors = " ".join(e.value for e in at.error)
    for runner, lane in lanes.items():
        name = catalog("en")[f"optimizers.name_{runner}"]
        if lane.run.diverged_at is None:
            assert f"**{name}** diverged" not in errors
        else:
            assert f"**{name}** diverged at iteration {lane.run.diverged_at}." in errors


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
    last = counting.fit(*counting.book_dataset(), BOOK_GD_START, optim.sgd(0.0005), 500).diverged_at
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
    params = {"data": "generated", "n": "40", "len": "8", "seed": "7", "u0": "-1.5", "w0": "2.0", "iters": "120",
              "goal": "2.5", "race": "clip,adam,rprop", "lr_sgd": "0.0003", "lr_clip": "0.0004", "clip": "40.0",
              "clip_by": "value", "lr_mom": "3e-05", "mu": "0.8", "lr_rms": "0.04", "decay": "0.95",
              "lr_adam": "0.2", "rp_var": "rprop+", "rp_d0": "0.002", "damp": "20.0", "it": "17", "focus": "adam",
              "speed": "5", "cth": "35.0", "cit": "12", "rd0": "0.003", "nu": "1.0", "nw": "1.3", "ndamp": "50.0"}
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
    kinds = {"it": "slider", "cth": "slider", "cit": "slider", "nu": "slider", "nw": "slider", "focus": "selectbox",
             "rp_var": "selectbox", "clip_by": "selectbox", "speed": "radio", "data": "radio", "race": "pills"}
    for name, kind in kinds.items():
        widget = by_key(at, kind, f"optimizers.{name}")
        value = widget.value if kind != "pills" else ",".join(widget.value)
        assert str(value) == params[name], name
    for name in ("n", "len", "seed", "u0", "w0", "iters", "goal", "lr_sgd", "lr_clip", "clip", "lr_mom", "mu",
                 "lr_rms", "decay", "lr_adam", "rp_d0", "damp", "rd0", "ndamp"):
        widget = [w for w in at.number_input if w.key == f"optimizers.{name}"]
        if widget:  # the settings of runners not in the race are not drawn, but kept
            assert str(widget[0].value) == params[name], name
    assert url_of(at) == {**params, "lang": "en"}
    by_key(at, "slider", "optimizers.cth").set_value(45.0).run()  # one move keeps every other parameter
    assert url_of(at) == {**params, "cth": "45.0", "lang": "en"}


def test_panel_takes_one_update_apart():
    at = open_app("optimizers", params={"focus": "momentum", "it": "5"})
    assert_clean(at)
    lane = race.run_lane(*counting.book_dataset(), BOOK_GD_START, "momentum", 500, lr=2e-5, mu=0.9)
    detail = race.update_at(lane, 5)
    text = catalog("en")
    header = f"| {text['optimizers.quantity']} | U | W |"
    panel = next(m.value for m in at.markdown if m.value.startswith(header))
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in panel.splitlines()[2:]]
    rows = {name: (u, w) for name, u, w in cells}
    assert rows[text["optimizers.q_gradient"]] == (f"{detail['gradient'][0]:.4g}", f"{detail['gradient'][1]:.4g}")
    assert rows[text["optimizers.q_velocity"]] == (f"{detail['v'][0]:.4g}", f"{detail['v'][1]:.4g}")
    assert rows[text["optimizers.q_step"]] == (f"{detail['step'][0]:.4g}", f"{detail['step'][1]:.4g}")


def test_focus_falls_back_to_a_racing_optimizer():
    at = open_app("optimizers", params={"race": "adam,newton", "focus": "rprop"})
    assert_clean(at)
    assert by_key(at, "selectbox", "optimizers.focus").value == "adam"
    assert by_key(at, "selectbox", "optimizers.focus").options == [catalog("en")["optimizers.name_adam"],
                                                                    catalog("en")["optimizers.name_newton"]]


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


def test_preset_buttons_move_the_start_and_the_newton_point():
    at = open_app("optimizers")
    by_key(at, "button", "optimizers_btn_rprop_start").click().run()
    assert (by_key(at, "number_input", "optimizers.u0").value,
            by_key(at, "number_input", "optimizers.w0").value) == BOOK_RPROP_START
    by_key(at, "button", "optimizers_btn_at_flat").click().run()
    assert (by_key(at, "slider", "optimizers.nu").value, by_key(at, "slider", "optimizers.nw").value) == (-1.4, -0.9)
    here = race.steps_at(*counting.book_dataset(), -1.4, -0.9, 0.0005, 100.0)
    text = catalog("en")
    assert text["optimizers.reading_flat"].format(plain=f"{np.hypot(*here['newton_plain']):.4g}",
                                                  damped=f"{np.hypot(*here['newton_damped']):.4g}",
                                                  damping="100") in texts(at)
    assert metric(at, "optimizers.lambda1") == f"{here['eigenvalues'][0]:.4g}"
    labels = {b.key: b.label for b in at.button}
    assert labels["optimizers_btn_at_flat"] == text["optimizers.at_flat"].format(u="−1.4", w="−0.9")
    assert labels["optimizers_btn_gd_start"] == text["optimizers.preset_gd_start"].format(u="−2", w="0")
    assert labels["optimizers_btn_rprop_start"] == text["optimizers.preset_rprop_start"].format(u="−1.5", w="2")


def test_under_the_hood_shows_the_running_source():
    at = open_app("optimizers")
    sources = [c.value.strip() for c in at.code]
    for function in (race.run_lane, race.update_at, race.steps_at, counting.fit, optim.rprop, optim.newton_step):
        assert inspect.getsource(function).strip() in sources


# --- readings: every outcome sentence is read off the runs on screen --------------------------------------------


def expected_race_reading(text: dict, lanes: dict, goal: float, iterations: int) -> tuple[str, list[str]]:
    """The summary sentence and each runner's outcome sentences, built from rnn_core's results."""
    names = {runner: text[f"optimizers.name_{runner}"] for runner in lanes}
    outcome = race.summary(lanes, goal)
    goal_text = f"{goal:.3g}"
    if outcome["at"] is None:
        summary = text["optimizers.race_nobody"].format(goal=goal_text, iterations=iterations)
    else:
        summary = text["optimizers.race_first"].format(goal=goal_text, iteration=outcome["at"],
                                                       names=", ".join(names[r] for r in outcome["first"]))
    lines = []
    for runner, lane in lanes.items():
        row, said = race.standing(lane, goal), []
        if row["reached"] is not None:
            said.append(text["optimizers.outcome_reached"].format(goal=goal_text, iteration=row["reached"]))
        if row["diverged_at"] is not None:
            said.append(text["optimizers.outcome_diverged"].format(
                iteration=row["diverged_at"], reason=text[f"optimizers.reason_{row['reason']}"]))
        elif row["reached"] is None:
            said.append(text["optimizers.outcome_missed"].format(goal=goal_text, updates=row["updates"],
                                                                 cost=f"{row['cost']:.4g}"))
        if race.bouncing(lane, goal):
            turned, pairs = race.reversals(lane)
            said.append(text["optimizers.outcome_bouncing"].format(turned=turned, pairs=pairs))
        lines.append(f"- **{names[runner]}.** {text[f'optimizers.how_{runner}']} {' '.join(said)}")
    return summary, lines


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_race_reading_states_what_the_default_race_did(lang):
    at = open_app("optimizers", lang=lang)
    assert_clean(at)
    text = catalog(lang)
    lanes = race.race(*counting.book_dataset(), BOOK_GD_START, DEFAULT_RACE, 500)
    summary, lines = expected_race_reading(text, lanes, 1.0, 500)
    shown = texts(at)
    assert summary in shown
    for line in lines:
        assert line in shown
    # What the old fixed prose claimed, now as computed facts of this race: Newton first, plain descent
    # diverged, RMSProp and the clipped descent bounce, Adam reached the goal.
    outcome = race.summary(lanes, 1.0)
    assert outcome["first"] == ["newton"] and outcome["diverged"] == ["sgd"]
    assert race.bouncing(lanes["rmsprop"], 1.0) and race.bouncing(lanes["clip"], 1.0)
    assert not race.bouncing(lanes["adam"], 1.0) and race.standing(lanes["adam"], 1.0)["reached"] is not None
    turned, pairs = race.reversals(lanes["rmsprop"])
    assert text["optimizers.outcome_bouncing"].format(turned=turned, pairs=pairs) in shown


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_race_reading_follows_other_settings(lang):
    """From the book's Rprop start, with a heavily damped Newton and smaller η for RMSProp and Adam, the
    outcome differs from the defaults': Rprop is first, momentum diverges, RMSProp does not bounce."""
    params = {"u0": "-1.5", "w0": "2.0", "iters": "200", "race": "momentum,rmsprop,adam,rprop,newton",
              "lr_rms": "0.01", "lr_adam": "0.05", "damp": "10000.0"}
    at = open_app("optimizers", lang=lang, params=params)
    assert_clean(at)
    text = catalog(lang)
    entries = {"momentum": DEFAULT_RACE["momentum"], "rmsprop": {"lr": 0.01, "decay": 0.9}, "adam": {"lr": 0.05},
               "rprop": DEFAULT_RACE["rprop"], "newton": {"damping": 10000.0}}
    lanes = race.race(*counting.book_dataset(), BOOK_RPROP_START, entries, 200)
    summary, lines = expected_race_reading(text, lanes, 1.0, 200)
    shown = texts(at)
    assert summary in shown
    for line in lines:
        assert line in shown
    outcome = race.summary(lanes, 1.0)
    assert outcome["first"] == ["rprop"] and outcome["diverged"] == ["momentum"]  # unlike the default race
    assert not race.bouncing(lanes["rmsprop"], 1.0)
    for lane in lanes.values():
        turned, pairs = race.reversals(lane)
        assert text["optimizers.outcome_bouncing"].format(turned=turned, pairs=pairs) not in shown


def test_race_reading_when_nobody_reaches_the_threshold():
    at = open_app("optimizers", params={"iters": "3", "race": "sgd,adam"})
    assert_clean(at)
    text = catalog("en")
    assert text["optimizers.race_nobody"].format(goal="1", iterations=3) in texts(at)
    assert text["optimizers.race_first"].split("{")[0] not in texts(at)
    assert text["optimizers.outcome_bouncing"].split("{")[1].split("}")[1] not in texts(at)  # 3 updates tell nothing


def clip_reading_parts(text: dict, threshold: float, goal: float = 1.0) -> list[str]:
    X, targets = counting.book_dataset()
    lane = race.run_lane(X, targets, BOOK_GD_START, "clip", 500, lr=0.0005, threshold=threshold, by="norm")
    curvature, limit = race.descent_limit(X, targets)
    reading = text["optimizers.clip_reading"].format(lr="0.0005", threshold=f"{threshold:.4g}",
                                                     max_step=f"{0.0005 * threshold:.4g}", optimum="(1, 1)",
                                                     curvature=f"{curvature:.4g}", limit=f"{limit:.4g}")
    above = text["optimizers.clip_above" if 0.0005 > limit else "optimizers.clip_below"].format(lr="0.0005")
    turned, pairs = race.reversals(lane)
    key = "optimizers.clip_bouncing" if race.bouncing(lane, goal) else "optimizers.clip_not_bouncing"
    values = {"turned": turned, "pairs": pairs, "cost": f"{lane.run.costs[-1]:.4g}", "goal": f"{goal:.3g}"}
    return [f"{reading} {above}", f"{text[key].format(**values)} {text['optimizers.clip_try']}"]


def clip_sentence(text: dict, key: str, threshold: float, goal: float = 1.0) -> str:
    """``optimizers.clip_bouncing`` or ``clip_not_bouncing`` filled with the run's numbers."""
    lane = race.run_lane(*counting.book_dataset(), BOOK_GD_START, "clip", 500, lr=0.0005, threshold=threshold,
                         by="norm")
    turned, pairs = race.reversals(lane)
    return text[key].format(turned=turned, pairs=pairs, cost=f"{lane.run.costs[-1]:.4g}", goal=f"{goal:.3g}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_clip_reading_says_bouncing_only_when_the_run_bounces(lang):
    text = catalog(lang)
    at = open_app("optimizers", lang=lang)  # c = 50: the clipped path ends bouncing across the valley
    shown = texts(at)
    for part in clip_reading_parts(text, 50.0):
        assert part in shown
    assert clip_sentence(text, "optimizers.clip_bouncing", 50.0) in shown
    assert clip_sentence(text, "optimizers.clip_not_bouncing", 50.0) not in shown
    at = open_app("optimizers", lang=lang, params={"cth": "20.0"})  # c = 20: it does not bounce
    shown = texts(at)
    for part in clip_reading_parts(text, 20.0):
        assert part in shown
    assert clip_sentence(text, "optimizers.clip_bouncing", 20.0) not in shown
    assert clip_sentence(text, "optimizers.clip_not_bouncing", 20.0) in shown


def test_clip_reading_with_a_goal_the_bouncing_run_meets():
    """Bouncing is claimed only while the cost is above ξ*: with ξ* = 1000 the c = 50 run is not 'bouncing'."""
    at = open_app("optimizers", params={"goal": "1000.0"})
    shown = texts(at)
    for part in clip_reading_parts(catalog("en"), 50.0, goal=1000.0):
        assert part in shown
    assert clip_sentence(catalog("en"), "optimizers.clip_bouncing", 50.0, goal=1000.0) not in shown
    assert clip_sentence(catalog("en"), "optimizers.clip_not_bouncing", 50.0, goal=1000.0) in shown


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_books_rprop_ending_and_rprop_constants_come_from_the_run(lang):
    at = open_app("optimizers", lang=lang)
    text = catalog(lang)
    lane = race.run_lane(*counting.book_dataset(), BOOK_RPROP_START, "rprop", 500, step0=0.001)
    distance = race.distance_to_optimum(lane)
    key = "optimizers.book_rprop_at_optimum" if distance < 1e-3 else "optimizers.book_rprop_elsewhere"
    shown = texts(at)
    assert text[key].format(distance=f"{distance:.4g}", optimum="(1, 1)") in shown
    norms = np.hypot(lane.run.grads[:, 0], lane.run.grads[:, 1])
    assert text["optimizers.rprop_text"].format(eta_plus="1.2", eta_minus="0.5", gmin=f"{norms.min():.4g}",
                                                gmax=f"{norms.max():.4g}") in shown
    assert any(rf"\eta^{{+}} = {race.ETA_PLUS:g},\ \eta^{{-}} = {race.ETA_MINUS:g}" in e.value for e in at.latex)


@pytest.mark.parametrize("point", [(1.0, 1.3), (-2.0, 0.0)])
def test_newton_verdict_names_the_step_that_lands_lowest(point):
    at = open_app("optimizers", params={"nu": str(point[0]), "nw": str(point[1])})
    assert_clean(at)
    text = catalog("en")
    here = race.steps_at(*counting.book_dataset(), *point, 0.0005, 100.0)
    names = {"gradient_step": text["optimizers.gradient_step"].format(lr="0.0005"),
             "newton_plain": text["optimizers.newton_plain"],
             "newton_damped": text["optimizers.newton_damped"].format(damping="100")}
    verdict = race.step_verdict(here)
    best = verdict["best"]
    assert text["optimizers.newton_best"].format(name=names[best], cost=f"{here['cost']:.4g}",
                                                 after=f"{here[f'{best}_cost']:.4g}") in texts(at)
    uphill = text["optimizers.newton_uphill"].split("{")[0]
    if verdict["uphill"]:
        assert text["optimizers.newton_uphill"].format(
            names=", ".join(f"“{names[k]}”" for k in verdict["uphill"])) in texts(at)
    else:
        assert uphill not in texts(at)
