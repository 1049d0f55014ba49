"""Lesson: taming the explosion. Gradient clipping, Rprop, momentum, RMSProp, Adam and Newton's method race on
the counting RNN's cost surface."""

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import counting, optim, race
from ui import charts, divergence, page, urlstate
from ui import optimizers_charts as oc
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE = "optimizers"
GRID, STEP_GRID, LOCAL_GRID = 100, 50, 60  # cells per axis: the race's surface, the stepping one, Newton's zoom
LIMIT = 3.0  # the surfaces cover U, W in [-3, 3], as in the book's figure
LOCAL = 1.0  # Newton's zoom: half the width of the window around the point
SURFACE_KEY = "optimizers_surface"
PLAYING = "optimizers_playing"
TICK_SECONDS = 0.6
BOOK = {"gd_start": (-2.0, 0.0), "rprop_start": (-1.5, 2.0), "lr": 0.0005, "iters": 500, "step0": 0.001}
NAMES = {"sgd": "optimizers.name_sgd", "clip": "optimizers.name_clip", "momentum": "optimizers.name_momentum",
         "rmsprop": "optimizers.name_rmsprop", "adam": "optimizers.name_adam", "rprop": "optimizers.name_rprop",
         "newton": "optimizers.name_newton"}
REASONS = {"state": "optimizers.reason_state", "cost": "optimizers.reason_cost",
           "gradient": "optimizers.reason_gradient", "parameters": "optimizers.reason_parameters",
           "hessian": "optimizers.reason_hessian"}
VARIANTS = {"rprop-": "optimizers.variant_minus", "rprop+": "optimizers.variant_plus",
            "irprop-": "optimizers.variant_irprop"}
CLIP_KINDS = {"norm": "optimizers.clip_by_norm", "value": "optimizers.clip_by_value"}
HOW = {"sgd": "optimizers.how_sgd", "clip": "optimizers.how_clip", "momentum": "optimizers.how_momentum",
       "rmsprop": "optimizers.how_rmsprop", "adam": "optimizers.how_adam", "rprop": "optimizers.how_rprop",
       "newton": "optimizers.how_newton"}
COST_DOMAIN = (1e-12, 1e8)  # the cost chart's log axis
PLACES = {  # Newton's section: preset points (button key: label key, U, W)
    "optimizers_btn_at_start": ("optimizers.at_start", *BOOK["gd_start"]),
    "optimizers_btn_at_wall": ("optimizers.at_wall", 1.0, 1.3),
    "optimizers_btn_at_flat": ("optimizers.at_flat", -1.4, -0.9),
    "optimizers_btn_at_optimum": ("optimizers.at_optimum", 1.2, 0.9),
}
AT_OPTIMUM = 1e-3  # a run that ends this close to the optimum (distance in the (U, W) plane) reached it
RULES = {  # each runner's update, as in rnn_core.race's docstring
    "sgd": r"w \leftarrow w - \eta\, g",
    "clip": r"g \leftarrow \mathrm{clip}(g),\quad w \leftarrow w - \eta\, g",
    "momentum": r"v \leftarrow \mu v + g,\quad w \leftarrow w - \eta\, v",
    "rmsprop": r"s \leftarrow \rho s + (1-\rho) g^2,\quad w \leftarrow w - \eta\, \frac{g}{\sqrt{s} + \epsilon}",
    "adam": r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
            r"w \leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}",
    "rprop": r"\Delta \leftarrow \Delta\cdot\eta^{\pm},\quad w \leftarrow w - \mathrm{sign}(g)\,\Delta",
    "newton": r"w \leftarrow w - (|H| + \delta I)^{-1} g",
}
HYPER = {  # each runner's hyper-parameters in the settings panel: (param, label key, number format)
    "sgd": [("lr_sgd", "optimizers.lr_label", "%g")],
    "clip": [("lr_clip", "optimizers.lr_label", "%g"), ("clip", "optimizers.clip_label", "%g"),
             ("clip_by", "optimizers.clip_by_label", None)],
    "momentum": [("lr_mom", "optimizers.lr_label", "%g"), ("mu", "optimizers.mu_label", "%.2f")],
    "rmsprop": [("lr_rms", "optimizers.lr_label", "%g"), ("decay", "optimizers.decay_label", "%.3f")],
    "adam": [("lr_adam", "optimizers.lr_label", "%g")],
    "rprop": [("rp_d0", "optimizers.step0_label", "%g"), ("rp_var", "optimizers.variant_label", None)],
    "newton": [("damp", "optimizers.damping_label", "%g")],
}

P = {p.name: p for p in (
    Param("data", "book", "choice", options=("book", "generated")),
    Param("n", 50, "int", 1, 500),
    Param("len", 10, "int", 1, 50),
    Param("seed", 1, "int", 0, 999_999),
    Param("u0", BOOK["gd_start"][0], "float", -3.0, 3.0, 0.1),
    Param("w0", BOOK["gd_start"][1], "float", -3.0, 3.0, 0.1),
    Param("iters", BOOK["iters"], "int", 1, 5000),
    Param("goal", 1.0, "float", 0.0, 1e6, 0.1),
    Param("race", race.RUNNERS, "multi", options=race.RUNNERS),
    Param("lr_sgd", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("lr_clip", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("clip", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("clip_by", "norm", "choice", options=race.CLIP_KINDS),
    Param("lr_mom", 2e-5, "float", 1e-7, 1.0, 1e-5),
    Param("mu", 0.9, "float", 0.0, 0.99, 0.01),
    Param("lr_rms", 0.05, "float", 1e-5, 1.0, 0.01),
    Param("decay", 0.9, "float", 0.0, 0.999, 0.01),
    Param("lr_adam", 0.1, "float", 1e-5, 1.0, 0.01),
    Param("rp_var", "rprop-", "choice", options=optim.RPROP_VARIANTS),
    Param("rp_d0", BOOK["step0"], "float", 1e-6, 1.0, 0.001),
    Param("damp", 10.0, "float", 0.0, 1e6, 10.0),
    Param("it", 0, "int", 0, 5000),
    Param("focus", "rprop", "choice", options=race.RUNNERS),
    Param("speed", "1", "choice", options=("1", "5", "25")),
    Param("cth", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("cit", 37, "int", 0, BOOK["iters"] - 1),
    Param("rd0", BOOK["step0"], "float", 1e-6, 1.0, 0.001),
    Param("nu", BOOK["gd_start"][0], "float", -3.0, 3.0, 0.05),
    Param("nw", BOOK["gd_start"][1], "float", -3.0, 3.0, 0.05),
    Param("ndamp", 100.0, "float", 0.0, 1e6, 10.0),
)}


# --- computations, cached on small arguments --------------------------------------------------------------


@st.cache_data(max_entries=32)
def dataset(data_args: tuple) -> tuple[np.ndarray, np.ndarray]:
    data, n, length, seed = data_args
    return counting.book_dataset() if data == "book" else counting.make_dataset(n, length, seed)


@st.cache_data(max_entries=64)
def racing(data_args: tuple, start: tuple, iters: int, entries: tuple) -> dict:
    X, targets = dataset(data_args)
    return race.race(X, targets, start, {runner: dict(settings) for runner, settings in entries}, iters)


@st.cache_data(max_entries=64)
def lane(data_args: tuple, start: tuple, runner: str, iters: int, settings: tuple) -> race.Lane:
    X, targets = dataset(data_args)
    return race.run_lane(X, targets, start, runner, iters, **dict(settings))


def clipping_runs(data_args: tuple, threshold: float) -> dict:
    """The book's gradient descent without clipping, clipped by norm and clipped by value."""
    plain = lane(data_args, BOOK["gd_start"], "sgd", BOOK["iters"], (("lr", BOOK["lr"]),))
    clipped = {by: lane(data_args, BOOK["gd_start"], "clip", BOOK["iters"],
                        (("lr", BOOK["lr"]), ("threshold", threshold), ("by", by))) for by in race.CLIP_KINDS}
    return {"plain": plain, **clipped}


def rprop_variants(data_args: tuple, step0: float) -> dict:
    return {variant: lane(data_args, BOOK["rprop_start"], "rprop", BOOK["iters"],
                          (("step0", step0), ("variant", variant))) for variant in optim.RPROP_VARIANTS}


@st.cache_data(max_entries=8)
def descent_limit(data_args: tuple) -> tuple[float, float]:
    return race.descent_limit(*dataset(data_args))


@st.cache_data(max_entries=32)
def steps(data_args: tuple, U: float, W: float, lr: float, damping: float) -> dict:
    X, targets = dataset(data_args)
    return race.steps_at(X, targets, U, W, lr, damping)


@st.cache_data(max_entries=8)
def surface_cells(data_args: tuple, grid: int) -> pd.DataFrame:
    X, targets = dataset(data_args)
    centres = np.linspace(-LIMIT + LIMIT / grid, LIMIT - LIMIT / grid, grid)
    with np.errstate(over="ignore"):
        shown = np.log10(counting.cost_surface(X, targets, centres, centres) + 1.0)  # the book's colouring
    return charts.surface_cells(centres, centres, np.minimum(shown, 30.0))


@st.cache_data(max_entries=32)
def local_cells(data_args: tuple, U: float, W: float) -> pd.DataFrame:
    X, targets = dataset(data_args)
    offsets = np.linspace(-LOCAL + LOCAL / LOCAL_GRID, LOCAL - LOCAL / LOCAL_GRID, LOCAL_GRID)
    with np.errstate(over="ignore"):
        shown = np.log10(counting.cost_surface(X, targets, U + offsets, W + offsets) + 1.0)
    return charts.surface_cells(U + offsets, W + offsets, np.minimum(shown, 30.0))


# --- charts: each built and validated once per set of inputs (see ui.optimizers_charts.vega_lite). `lang` is
# part of every key because the titles are translated inside. The entries hold their data (the race's surface
# is 10,000 cells), hence the small bounds. ----------------------------------------------------------------


def runner_names(runners) -> dict[str, str]:
    return {runner: t(NAMES[runner]) for runner in runners}


def start_and_optimum(start: tuple) -> pd.DataFrame:
    return pd.DataFrame({"U": [race.OPTIMUM[0], start[0]], "W": [race.OPTIMUM[1], start[1]],
                         "label": [t("optimizers.optimum_label", **point(race.OPTIMUM)), t("optimizers.start_label")]})


@st.cache_data(max_entries=16)
def race_chart(lang: str, data_args: tuple, start: tuple, iters: int, entries: tuple) -> dict:
    lanes = racing(data_args, start, iters, entries)
    names = runner_names(lanes)
    surface = oc.grey_surface(surface_cells(data_args, GRID), value_title=t("optimizers.log_cost"),
                              domain=(-LIMIT, LIMIT), selection="cell", size=560)
    paths = oc.path_lines(oc.paths(lanes, names), oc.colours_of(names), name_title=t("optimizers.optimizer"),
                          step_title=t("common.iteration")) if lanes else None
    return charts.vega_lite(oc.stack(surface, paths, oc.markers(start_and_optimum(start))), fixed_size=True)


@st.cache_data(max_entries=32)
def cost_chart(lang: str, data_args: tuple, start: tuple, iters: int, entries: tuple, goal: float) -> dict:
    lanes = racing(data_args, start, iters, entries)
    names = runner_names(lanes)
    costs = pd.concat([pd.DataFrame({"name": names[r], "step": np.arange(len(l_.run.costs)), "cost": l_.run.costs})
                       for r, l_ in lanes.items()], ignore_index=True)
    return charts.vega_lite(oc.stack(
        oc.runner_lines(costs, oc.colours_of(names), "cost", x_title=t("common.iteration"),
                        y_title=t("optimizers.cost_axis"), name_title=t("optimizers.optimizer"),
                        y_domain=COST_DOMAIN),
        oc.threshold_rules({t("optimizers.goal_rule"): goal}, [0], title=t("optimizers.goal_label"))))


@st.cache_data(max_entries=64)
def step_chart(lang: str, data_args: tuple, start: tuple, iters: int, entries: tuple, i: int) -> dict:
    lanes = racing(data_args, start, iters, entries)
    names = runner_names(lanes)
    colours, name_title, step_title = oc.colours_of(names), t("optimizers.optimizer"), t("common.iteration")
    return charts.vega_lite(oc.stack(
        oc.grey_surface(surface_cells(data_args, STEP_GRID), value_legend=False, value_title=t("optimizers.log_cost"),
                        domain=(-LIMIT, LIMIT), size=400),
        oc.path_lines(oc.paths(lanes, names, until=i), colours, name_title=name_title, step_title=step_title,
                      point_size=10, legend="bottom", legend_columns=2),
        oc.heads(oc.positions(lanes, names, i), colours, name_title=name_title, step_title=step_title)),
        fixed_size=True)


@st.cache_data(max_entries=32)
def norm_chart(lang: str, data_args: tuple, threshold: float, iteration: int) -> dict:
    runs = clipping_runs(data_args, threshold)
    names = {"plain": t("optimizers.series_plain"), "norm": t("optimizers.clip_by_norm"),
             "value": t("optimizers.clip_by_value")}
    rows = pd.concat([pd.DataFrame({"name": names[key], "step": np.arange(len(run.run.grads)),
                                    "norm": np.hypot(run.run.grads[:, 0], run.run.grads[:, 1])})
                      for key, run in runs.items()], ignore_index=True)
    colours = dict(zip(names.values(), (oc.RUNNER_COLOURS["sgd"], oc.RUNNER_COLOURS["clip"], charts.PALETTE[0]),
                       strict=True))
    average = race.average_gradient_norm(runs["norm"].run.grads)
    return charts.vega_lite(oc.stack(
        oc.runner_lines(rows, colours, "norm", x_title=t("common.iteration"), y_title=t("optimizers.norm_axis"),
                        name_title=t("optimizers.run_title"), rule_at=iteration, y_domain=(0.1, 1e6)),
        oc.threshold_rules({t("optimizers.threshold_rule"): threshold, t("optimizers.average_rule"): average},
                           [0, 0.6 * BOOK["iters"]], title=t("optimizers.norm_axis"))))


@st.cache_data(max_entries=64)
def plane_chart(lang: str, data_args: tuple, threshold: float, iteration: int, by: str) -> dict:
    detail = race.update_at(clipping_runs(data_args, threshold)[by], iteration)  # the page checks it is not None
    raw, cut = detail["gradient"], detail["clipped_grad"]
    colours = {t("optimizers.raw_gradient"): "#D55E00", t("optimizers.clipped_gradient"): "#0072B2"}
    region = threshold if by == "norm" else threshold * np.sqrt(2.0)  # how far the region reaches
    half = 1.3 * max(float(np.hypot(*cut)), min(region, float(np.hypot(*raw))), 1e-9)
    arrows = oc.arrow_rows((0.0, 0.0), dict(zip(colours, (raw, cut), strict=True)), half)
    return charts.vega_lite(oc.gradient_plane(arrows, oc.region_outline(by, threshold, half), colours, half,
                                          title=t("optimizers.arrow_title"), length_title=t("optimizers.length"),
                                          x_title="∂ξ/∂U", y_title="∂ξ/∂W"), fixed_size=True)


@st.cache_data(max_entries=32)
def delta_chart(lang: str, data_args: tuple, step0: float, weight: str) -> dict:
    column = race.KEYS.index(weight)
    rows = pd.concat([pd.DataFrame({"step": np.arange(1, len(run.run.updates) + 1),
                                    "value": run.series["step"][:, column], "series": t(VARIANTS[variant])})
                      for variant, run in rprop_variants(data_args, step0).items() if len(run.run.updates)],
                     ignore_index=True)
    colours = dict(zip((t(VARIANTS[variant]) for variant in optim.RPROP_VARIANTS),
                       (oc.RUNNER_COLOURS["rprop"], charts.PALETTE[1], charts.PALETTE[2]), strict=True))
    return charts.vega_lite(oc.variant_lines(rows, colours, x_title=t("common.iteration"),
                                         y_title=t("optimizers.delta_axis", weight=weight),
                                         color_title=t("optimizers.variant_label")))


def step_names(lr: float, damping: float) -> dict[str, str]:
    return {"gradient_step": t("optimizers.gradient_step", lr=divergence.fmt(lr)),
            "newton_plain": t("optimizers.newton_plain"),
            "newton_damped": t("optimizers.newton_damped", damping=divergence.fmt(damping))}


@st.cache_data(max_entries=32)
def newton_chart(lang: str, data_args: tuple, U: float, W: float, lr: float, damping: float) -> dict:
    here, names = steps(data_args, U, W, lr, damping), step_names(lr, damping)
    colours = dict(zip(names.values(), ("#D55E00", "#F0E442", "#56B4E9"), strict=True))
    arrows = oc.arrow_rows((U, W), {names[k]: here[k] for k in names}, LOCAL)
    return charts.vega_lite(oc.newton_window(local_cells(data_args, U, W), arrows, colours, (U, W), LOCAL,
                                         value_title=t("optimizers.log_cost"), title=t("optimizers.step_title"),
                                         length_title=t("optimizers.length"), size=380), fixed_size=True)


# --- page helpers ------------------------------------------------------------------------------------------


def clicked_start() -> dict:
    """A click on the race's surface moves the start; applied once per click."""
    event = st.session_state.get(SURFACE_KEY) or {}
    cells = (event.get("selection") or {}).get("cell") or []
    if not cells or cells == st.session_state.get("_optimizers_click"):
        return {}
    st.session_state["_optimizers_click"] = cells
    i, j = int(cells[0]["i"]), int(cells[0]["j"])
    if not (0 <= i < GRID and 0 <= j < GRID):
        return {}
    centre = lambda index: round(-LIMIT + (2 * index + 1) * LIMIT / GRID, 2)
    return {"u0": centre(i), "w0": centre(j), "it": 0}


def put(**values) -> None:
    """A preset button: set some of the page's values."""
    for name, value in values.items():
        st.session_state[urlstate.key(PAGE, name)] = value


def toggle_play(last: int) -> None:
    playing = not st.session_state.get(PLAYING, False)
    st.session_state[PLAYING] = playing
    if playing and st.session_state[urlstate.key(PAGE, "it")] >= last:
        st.session_state[urlstate.key(PAGE, "it")] = 0  # play again from the start


def coordinate(x: float) -> str:
    """A coordinate for prose and labels: as short as it can be, with a true minus sign (−2, 1.3)."""
    return f"{x:g}".replace("-", "−")


def point(uw: tuple) -> dict[str, str]:
    """``{"u": ..., "w": ...}`` for the ``{u}, {w}`` fields of a label."""
    return {"u": coordinate(uw[0]), "w": coordinate(uw[1])}


def optimum_text() -> str:
    return "({u}, {w})".format(**point(race.OPTIMUM))


def power_of_ten(x: float) -> str:
    """10 to a whole power in superscripts: 1e-12 -> 10⁻¹²."""
    return "10" + str(round(np.log10(x))).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def listing(names: list[str]) -> str:
    return ", ".join(names)


def race_reading(lanes: dict, names: dict[str, str], goal: float, iterations: int) -> str:
    """The reading under the race: who reached the goal first, then per runner its mechanism (true whatever the
    settings) and what it did in this race, every outcome read off the computed runs."""
    outcome = race.summary(lanes, goal)
    goal_text = divergence.fmt(goal)
    if outcome["at"] is None:
        summary = t("optimizers.race_nobody", goal=goal_text, iterations=iterations)
    else:
        summary = t("optimizers.race_first", goal=goal_text, iteration=outcome["at"],
                    names=listing([names[r] for r in outcome["first"]]))
    lines = []
    for runner, lane_ in lanes.items():
        row = race.standing(lane_, goal)
        said = []
        if row["reached"] is not None:
            said.append(t("optimizers.outcome_reached", goal=goal_text, iteration=row["reached"]))
        if row["diverged_at"] is not None:
            said.append(t("optimizers.outcome_diverged", iteration=row["diverged_at"],
                          reason=t(REASONS[row["reason"]])))
        elif row["reached"] is None:
            said.append(t("optimizers.outcome_missed", goal=goal_text, updates=row["updates"],
                          cost=number(row["cost"])))
        if race.bouncing(lane_, goal):
            turned, pairs = race.reversals(lane_)
            said.append(t("optimizers.outcome_bouncing", turned=turned, pairs=pairs))
        lines.append(t("optimizers.race_line", name=names[runner], how=t(HOW[runner]), outcome=" ".join(said)))
    head = t("optimizers.race_reading", iterations=iterations, goal=goal_text, summary=summary)
    return head + "\n\n" + "\n".join(f"- {line}" for line in lines)


def clip_outcome(lane_: race.Lane, goal: float) -> str:
    """What the run clipped by norm did, read off the run: diverged, bouncing (:func:`rnn_core.race.bouncing`),
    or neither."""
    run = lane_.run
    if run.diverged_at is not None:
        return t("optimizers.clip_diverged", iteration=run.diverged_at, reason=t(REASONS[run.reason]))
    turned, pairs = race.reversals(lane_)
    key = "optimizers.clip_bouncing" if race.bouncing(lane_, goal) else "optimizers.clip_not_bouncing"
    return t(key, turned=turned, pairs=pairs, cost=number(run.costs[-1]), goal=divergence.fmt(goal))


def number(x: float) -> str:
    """A number for prose and tables; an overflowed one in words (never inf or nan on screen)."""
    return f"{x:.4g}" if np.isfinite(x) else t("optimizers.overflowed")


def latex_number(x: float) -> str:
    """``1.234 \\times 10^{5}`` rather than ``1.234e+05`` inside LaTeX."""
    text = number(x)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def standings_table(runs: dict, labels: dict[str, str], first_column: str, goal: float, stopped: bool) -> pd.DataFrame:
    """The race table: final weights and cost, when the cost first reached ``goal``, and how each run ended."""
    rows = [race.standing(run, goal) for run in runs.values()]
    table = {
        t("optimizers.col_u"): [number(row["U"]) for row in rows],
        t("optimizers.col_w"): [number(row["W"]) for row in rows],
        t("optimizers.col_cost"): [number(row["cost"]) for row in rows],
        t("optimizers.col_reached", goal=divergence.fmt(goal)): [
            t("optimizers.never") if row["reached"] is None else str(row["reached"]) for row in rows],
    }
    if stopped:
        table[t("optimizers.col_stopped")] = [
            t("optimizers.ran_all", updates=row["updates"]) if row["diverged_at"] is None
            else t("optimizers.stopped_at", iteration=row["diverged_at"], reason=t(REASONS[row["reason"]]))
            for row in rows]
    return pd.DataFrame(table, index=pd.Index(list(labels.values()), name=first_column))


v = urlstate.bind_page(PAGE, P.values(), overrides=clicked_start())
page.frame("optimizers.title", "optimizers.intro")
lang = current_language()
names = runner_names(race.RUNNERS)
data_args = (v["data"], v["n"], v["len"], v["seed"])

# 1. The race ----------------------------------------------------------------------------------------------
page.section("optimizers.race_header")
st.markdown(t("optimizers.race_text", lr=divergence.fmt(P["lr_sgd"].default),
              lr_mom=divergence.fmt(P["lr_mom"].default)))
page.counting_data_controls(PAGE, P)
s1, s2, s3, s4 = st.columns(4)
with s1:
    urlstate.number(PAGE, P["u0"], t("optimizers.u0_label"), format="%.2f")
with s2:
    urlstate.number(PAGE, P["w0"], t("optimizers.w0_label"), format="%.2f")
with s3:
    urlstate.number(PAGE, P["iters"], t("optimizers.iters_label"))
with s4:
    urlstate.number(PAGE, P["goal"], t("optimizers.goal_label"), format="%g", help=t("optimizers.goal_help"))
b1, b2, _ = st.columns([3, 2, 2])
b1.button(t("optimizers.preset_gd_start", **point(BOOK["gd_start"])), key="optimizers_btn_gd_start", on_click=put,
          kwargs={"u0": BOOK["gd_start"][0], "w0": BOOK["gd_start"][1], "it": 0})
b2.button(t("optimizers.preset_rprop_start", **point(BOOK["rprop_start"])), key="optimizers_btn_rprop_start",
          on_click=put,
          kwargs={"u0": BOOK["rprop_start"][0], "w0": BOOK["rprop_start"][1], "it": 0})

urlstate.multichoice(PAGE, P["race"], t("optimizers.race_label"), names.get, widget=st.pills, selection_mode="multi")
racing_now = [runner for runner in race.RUNNERS if runner in v["race"]]
with st.expander(t("optimizers.settings_title"), icon="⚙️"):
    st.caption(t("optimizers.settings_caption"))
    for runner in racing_now:
        row = st.columns([1.3, 1, 1, 1], vertical_alignment="bottom")
        row[0].markdown(f"**{names[runner]}**")
        for column, (name, label, fmt) in zip(row[1:], HYPER[runner], strict=False):
            with column:
                if name == "clip_by":
                    urlstate.choice(PAGE, P[name], t(label), lambda o: t(CLIP_KINDS[o]), widget=st.selectbox)
                elif name == "rp_var":
                    urlstate.choice(PAGE, P[name], t(label), lambda o: t(VARIANTS[o]), widget=st.selectbox)
                else:
                    urlstate.number(PAGE, P[name], t(label), format=fmt)

settings = {
    "sgd": {"lr": v["lr_sgd"]},
    "clip": {"lr": v["lr_clip"], "threshold": v["clip"], "by": v["clip_by"]},
    "momentum": {"lr": v["lr_mom"], "mu": v["mu"]},
    "rmsprop": {"lr": v["lr_rms"], "decay": v["decay"]},
    "adam": {"lr": v["lr_adam"]},
    "rprop": {"step0": v["rp_d0"], "variant": v["rp_var"]},
    "newton": {"damping": v["damp"]},
}
start = (v["u0"], v["w0"])
entries = tuple((runner, tuple(settings[runner].items())) for runner in racing_now)
race_args = (data_args, start, v["iters"], entries)
lanes = racing(*race_args)
st.vega_lite_chart(race_chart(lang, *race_args), key=SURFACE_KEY, on_select="rerun", selection_mode="cell",
                   width="content")
st.caption(t("optimizers.surface_caption"))
if not lanes:
    st.info(t("optimizers.none_racing"), icon="👆")
else:
    st.table(standings_table(lanes, runner_names(lanes), t("optimizers.optimizer"), v["goal"], stopped=True))
    diverged = [runner for runner, lane_ in lanes.items() if lane_.run.diverged_at is not None]
    if diverged:
        lines = [t("optimizers.diverged_line", name=names[r], iteration=lanes[r].run.diverged_at,
                   why=divergence.describe(lanes[r].run)) for r in diverged]
        st.error("\n".join(f"- {line}" for line in lines) + "\n\n" + t("optimizers.diverged_advice"), icon="💥")
    st.markdown(f"**{t('optimizers.cost_chart')}**")
    st.vega_lite_chart(cost_chart(lang, *race_args, v["goal"]))
    st.caption(t("optimizers.cost_caption", low=power_of_ten(COST_DOMAIN[0]), high=power_of_ten(COST_DOMAIN[1])))
    st.markdown(race_reading(lanes, runner_names(lanes), v["goal"], v["iters"]))

# 2. Step through it ----------------------------------------------------------------------------------------
page.section("optimizers.step_header")
st.markdown(t("optimizers.step_text"))
it_key = urlstate.key(PAGE, "it")
last = max((len(lane_.run.params) - 1 for lane_ in lanes.values()), default=0)
st.session_state[it_key] = min(st.session_state[it_key], last)
playing = bool(st.session_state.get(PLAYING)) and last > 0
st.session_state[PLAYING] = playing
p1, p2, p3 = st.columns([1, 2, 2], vertical_alignment="bottom")
p1.button(t("optimizers.pause") if playing else t("optimizers.play"), key="optimizers_btn_play",
          on_click=toggle_play, args=(last,), disabled=last == 0, type="primary")
with p2:
    urlstate.choice(PAGE, P["speed"], t("optimizers.speed_label"), lambda o: t("optimizers.speed_option", n=o),
                    horizontal=True)
if racing_now:
    focus_key = urlstate.key(PAGE, "focus")
    if st.session_state[focus_key] not in racing_now:
        st.session_state[focus_key] = racing_now[0]
    with p3:
        urlstate.choice(PAGE, dataclasses.replace(P["focus"], options=tuple(racing_now)),
                        t("optimizers.focus_label"), names.get, widget=st.selectbox)


@st.fragment(run_every=TICK_SECONDS if playing else None)
def stepper() -> None:
    """The iteration slider, the paths so far and one update; while playing, each run moves every path on."""
    if st.session_state.get(PLAYING):
        ahead = min(st.session_state[it_key] + int(v["speed"]), last)
        st.session_state[it_key] = ahead
        if ahead >= last:
            st.session_state[PLAYING] = False
            st.rerun()  # the whole page, so that the timer stops and the button says "play" again
    st.query_params["it"] = str(st.session_state[it_key])  # the link follows the steps
    if last > 0:
        st.slider(t("optimizers.it_label"), 0, last, key=it_key)
    i = st.session_state[it_key]
    if not lanes:
        return
    chart_column, panel = st.columns([5, 4])
    chart_column.vega_lite_chart(step_chart(lang, *race_args, i), width="content")
    focus = st.session_state[urlstate.key(PAGE, "focus")]
    detail = race.update_at(lanes[focus], i)
    if detail is None:
        panel.info(t("optimizers.no_update", name=names[focus]), icon="💥")
        return
    j = detail["iteration"]
    panel.markdown(t("optimizers.panel_title", name=names[focus], iteration=j,
                     U=f"{detail['position'][0]:.4g}", W=f"{detail['position'][1]:.4g}",
                     U1=f"{detail['new_position'][0]:.4g}", W1=f"{detail['new_position'][1]:.4g}"))
    if j < i:
        panel.caption(t("optimizers.panel_ended", name=names[focus], iteration=j))
    panel.latex(RULES[focus])
    quantities = {  # shown when the runner keeps them, in this order
        "gradient": "optimizers.q_gradient", "clipped_grad": "optimizers.q_clipped",
        "v": "optimizers.q_adam_v" if focus == "adam" else "optimizers.q_velocity", "m": "optimizers.q_adam_m",
        "rms": "optimizers.q_rms", "delta": "optimizers.q_delta", "step": "optimizers.q_step",
    }
    rows = {t(key): detail[q] for q, key in quantities.items() if q in detail}
    panel.dataframe(oc.vector_table(rows, (t("optimizers.quantity"), "U", "W")), hide_index=True)
    panel.markdown(t("optimizers.panel_numbers", cost=number(detail["cost"]),
                     grad_norm=number(float(np.hypot(*detail["gradient"]))),
                     step_length=number(float(np.hypot(*detail["step"])))))
    if focus == "clip":
        panel.caption(t("optimizers.panel_clip" if v["clip_by"] == "norm" else "optimizers.panel_clip_value",
                        raw=number(detail["raw_norm"]), threshold=number(v["clip"])))
    if focus == "newton":
        panel.caption(t("optimizers.panel_newton", l1=number(detail["eigenvalues"][0]),
                        l2=number(detail["eigenvalues"][1]), damping=number(v["damp"])))


stepper()

# 3. Clipping -----------------------------------------------------------------------------------------------
page.section("optimizers.clip_header")
st.markdown(t("optimizers.clip_text", u0=coordinate(BOOK["gd_start"][0]), w0=coordinate(BOOK["gd_start"][1]),
              lr=divergence.fmt(BOOK["lr"]), iterations=BOOK["iters"]))
f1, f2 = st.columns(2)
f1.markdown(f"**{t(CLIP_KINDS['norm'])}**")
f1.latex(r"\|g\| \ge c \;\Rightarrow\; g \leftarrow \frac{c}{\|g\|}\, g")
f2.markdown(f"**{t(CLIP_KINDS['value'])}**")
f2.latex(r"g_i \leftarrow \min(\max(g_i, -c), c)")
c1, c2 = st.columns(2)
with c1:
    urlstate.slider(PAGE, P["cth"], t("optimizers.cth_label"))
with c2:
    urlstate.slider(PAGE, P["cit"], t("optimizers.cit_label"))
runs = clipping_runs(data_args, v["cth"])
average = race.average_gradient_norm(runs["norm"].run.grads)
k1, k2, k3 = st.columns(3)
if runs["plain"].run.diverged_at is not None:
    k1.metric(t("optimizers.plain_diverges"), str(runs["plain"].run.diverged_at))
else:
    k1.metric(t("optimizers.plain_cost"), number(runs["plain"].run.costs[-1]))
k2.metric(t("optimizers.final_cost_norm"), number(runs["norm"].run.costs[-1]))
k3.metric(t("optimizers.final_cost_value"), number(runs["value"].run.costs[-1]))
low_factor, high_factor = race.PASCANU_RANGE
st.markdown(t("optimizers.pascanu", average=number(average), low=number(low_factor * average),
              high=number(high_factor * average), low_factor=f"{low_factor:g}", high_factor=f"{high_factor:g}",
              ratio=number(v["cth"] / average) if average > 0 else "—"))
st.button(t("optimizers.use_average"), key="optimizers_btn_average", on_click=put,
          kwargs={"cth": float(min(round(average / 5) * 5, P["cth"].hi))})
st.markdown(f"**{t('optimizers.norm_chart')}**")
st.vega_lite_chart(norm_chart(lang, data_args, v["cth"], v["cit"]))
st.caption(t("optimizers.norm_caption"))
for column, by in zip(st.columns(2), race.CLIP_KINDS, strict=True):
    detail = race.update_at(runs[by], v["cit"])
    column.markdown(f"**{t(CLIP_KINDS[by])}**")
    if detail is None:
        column.info(t("optimizers.no_update", name=t(CLIP_KINDS[by])), icon="💥")
        continue
    column.vega_lite_chart(plane_chart(lang, data_args, v["cth"], v["cit"], by), width="content")
    raw, cut = detail["gradient"], detail["clipped_grad"]
    column.caption(t("optimizers.arrow_caption", iteration=detail["iteration"], raw_u=f"{raw[0]:.4g}",
                     raw_w=f"{raw[1]:.4g}", cut_u=f"{cut[0]:.4g}", cut_w=f"{cut[1]:.4g}",
                     raw_norm=number(float(np.hypot(*raw))), cut_norm=number(float(np.hypot(*cut))),
                     turn=f"{race.turn_angle(raw, cut):.1f}"))
curvature, limit = descent_limit(data_args)
st.markdown(t("optimizers.clip_reading", lr=divergence.fmt(BOOK["lr"]), threshold=number(v["cth"]),
              max_step=number(BOOK["lr"] * v["cth"]), optimum=optimum_text(),
              curvature=number(curvature), limit=number(limit))
            + " " + t("optimizers.clip_above" if BOOK["lr"] > limit else "optimizers.clip_below",
                      lr=divergence.fmt(BOOK["lr"])))
st.markdown(clip_outcome(runs["norm"], v["goal"]) + " " + t("optimizers.clip_try"))

# 4. Rprop --------------------------------------------------------------------------------------------------
page.section("optimizers.rprop_header")
book_rprop = lane(("book", 50, 10, 1), BOOK["rprop_start"], "rprop", BOOK["iters"],
                  (("step0", BOOK["step0"]), ("variant", "rprop-")))
first = race.update_at(book_rprop, 0)
book_norms = np.hypot(book_rprop.run.grads[:, 0], book_rprop.run.grads[:, 1])
st.markdown(t("optimizers.rprop_text", eta_plus=f"{race.ETA_PLUS:g}", eta_minus=f"{race.ETA_MINUS:g}",
              gmin=number(book_norms.min()), gmax=number(book_norms.max())))
st.latex(r"\Delta_t = \begin{cases} \eta^{+}\Delta_{t-1} & \text{if } g_t\, g_{t-1} > 0 \\ "
         r"\eta^{-}\Delta_{t-1} & \text{otherwise} \end{cases}\qquad w_{t+1} = w_t - \mathrm{sign}(g_t)\, \Delta_t"
         rf"\qquad \eta^{{+}} = {race.ETA_PLUS:g},\ \eta^{{-}} = {race.ETA_MINUS:g}")
r1, r2, r3 = st.columns(3)
r1.metric(t("optimizers.book_final_u"), f"{book_rprop.run.params[-1, 0]:.4f}")
r2.metric(t("optimizers.book_final_w"), f"{book_rprop.run.params[-1, 1]:.4f}")
r3.metric(t("optimizers.book_final_cost"), number(book_rprop.run.costs[-1]))
distance = race.distance_to_optimum(book_rprop)
ending = t("optimizers.book_rprop_at_optimum" if distance < AT_OPTIMUM else "optimizers.book_rprop_elsewhere",
           distance=number(distance), optimum=optimum_text())
st.markdown(t("optimizers.book_rprop", iterations=len(book_rprop.run.updates), step0=divergence.fmt(BOOK["step0"]),
              u0=coordinate(BOOK["rprop_start"][0]), w0=coordinate(BOOK["rprop_start"][1]),
              gu=number(first["gradient"][0]), gw=number(first["gradient"][1]), su=f"{first['step'][0]:.4g}",
              sw=f"{first['step'][1]:.4g}", ending=ending))
with st.columns(3)[0]:
    urlstate.number(PAGE, P["rd0"], t("optimizers.rd0_label"), format="%g")
st.markdown(f"**{t('optimizers.delta_chart')}**")
for column, weight in zip(st.columns(2), race.KEYS, strict=True):
    column.vega_lite_chart(delta_chart(lang, data_args, v["rd0"], weight))
variants = rprop_variants(data_args, v["rd0"])
st.table(standings_table(variants, {k: t(VARIANTS[k]) for k in variants}, t("optimizers.variant_label"), v["goal"],
                         stopped=False))
st.markdown(t("optimizers.variants_text"))

# 5. Second order -------------------------------------------------------------------------------------------
page.section("optimizers.newton_header")
st.markdown(t("optimizers.newton_text"))
f1, f2, f3 = st.columns(3)
f1.markdown(f"**{t('optimizers.formula_gradient')}**")
f1.latex(r"\Delta w = -\eta\, g")
f2.markdown(f"**{t('optimizers.formula_newton')}**")
f2.latex(r"\Delta w = -(|H| + \delta I)^{-1} g")
f3.markdown(f"**{t('optimizers.formula_hessian')}**")
f3.latex(r"H = \begin{pmatrix} \partial^2\xi/\partial U^2 & \partial^2\xi/\partial U\partial W \\ "
         r"\partial^2\xi/\partial W\partial U & \partial^2\xi/\partial W^2 \end{pmatrix}")
n1, n2, n3 = st.columns(3)
with n1:
    urlstate.slider(PAGE, P["nu"], t("optimizers.nu_label"))
with n2:
    urlstate.slider(PAGE, P["nw"], t("optimizers.nw_label"))
with n3:
    urlstate.number(PAGE, P["ndamp"], t("optimizers.ndamp_label"), format="%g")
for column, (button_key, (label, pu, pw)) in zip(st.columns(len(PLACES)), PLACES.items(), strict=True):
    column.button(t(label, **point((pu, pw))), key=button_key, on_click=put, kwargs={"nu": pu, "nw": pw},
                  width="stretch")
here = steps(data_args, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])
e1, e2, e3 = st.columns([2, 1, 1])
hu, huw, _, hw = (latex_number(h) for h in here["hessian"].ravel())
e1.latex(rf"H = \begin{{pmatrix}} {hu} & {huw} \\ {huw} & {hw} \end{{pmatrix}}")
e2.metric(t("optimizers.lambda1"), number(here["eigenvalues"][0]))
e3.metric(t("optimizers.lambda2"), number(here["eigenvalues"][1]))
g1, g2 = st.columns([4, 3])
g1.vega_lite_chart(newton_chart(lang, data_args, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"]), width="content")
names_of_steps = step_names(v["lr_sgd"], v["ndamp"])
g2.dataframe(pd.DataFrame({
    t("optimizers.step_title"): list(names_of_steps.values()),
    t("optimizers.length"): [number(float(np.hypot(*here[k]))) for k in names_of_steps],
    t("optimizers.cost_after"): [number(here[f"{k}_cost"]) for k in names_of_steps],
}), hide_index=True)
g2.caption(t("optimizers.cost_here_caption", cost=number(here["cost"])))
low, high = here["eigenvalues"]
if low < 0:
    g2.markdown(t("optimizers.reading_saddle"))
if min(abs(low), abs(high)) < 0.01 * max(abs(low), abs(high)):
    g2.markdown(t("optimizers.reading_flat", plain=number(float(np.hypot(*here["newton_plain"]))),
                  damped=number(float(np.hypot(*here["newton_damped"]))), damping=number(v["ndamp"])))
if low > 0:
    g2.markdown(t("optimizers.reading_bowl", ratio=number(high / low)))
verdict = race.step_verdict(here)
if verdict["best"] is not None:
    g2.markdown(t("optimizers.newton_best", name=names_of_steps[verdict["best"]], cost=number(here["cost"]),
                  after=number(here[f"{verdict['best']}_cost"])))
if verdict["uphill"]:
    g2.markdown(t("optimizers.newton_uphill", names=listing([f"“{names_of_steps[k]}”" for k in verdict["uphill"]])))
st.markdown(t("optimizers.newton_reading"))

under_the_hood(race.make_optimizer, race.race, race.run_lane, race.state_series, race.standing, race.summary,
               race.reversals, race.bouncing, race.update_at, race.steps_at, race.step_verdict, race.descent_limit,
               counting.fit, counting.fit_many, counting._Run, counting._evaluate_batch, counting.hessian, optim.chain,
               optim.clip_by_global_norm, optim.clip_by_value, optim.momentum, optim.rmsprop, optim.adam, optim.rprop,
               optim.newton_step)
