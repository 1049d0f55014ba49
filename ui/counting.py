"""What the counting lesson's sections draw: cached runs, cached chart specs, and the surface's click.

Chart specs go through the one spec cache (:func:`ui.charts.spec_cache`), keyed on the language and the small
inputs that decide them, so a rerun that changes nothing in a chart ships it from the cache (and the browser,
which already holds it, gets a reference instead of the chart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import counting, optim
from ui import charts, surfaces, urlstate
from ui.i18n import t

PAGE = "counting"
GRID = 100  # cells per axis of the cost surface, as in the book's figure
LIMIT = 3.0  # the surface covers U, W in [-3, 3]
CENTRES = np.linspace(-LIMIT + LIMIT / GRID, LIMIT - LIMIT / GRID, GRID)
SURFACE_KEY = "counting_surface"


@st.cache_data(max_entries=32)
def dataset(data: str, n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return counting.book_dataset() if data == "book" else counting.make_dataset(n, length, seed)


@st.cache_resource(max_entries=64, show_spinner=False)
def training(data: str, n: int, length: int, seed: int, start: tuple, lr: float, iters: int) -> counting.Trajectory:
    """Plain gradient descent from ``start`` (shared by every session that asks for the same run; read-only)."""
    X, targets = dataset(data, n, length, seed)
    return counting.fit(X, targets, start, optim.sgd(lr), iters)


def data_args(v: dict) -> tuple:
    """The data set's settings as one cache key: (data, n, len, seed)."""
    return v["data"], v["n"], v["len"], v["seed"]


def run_of(v: dict) -> counting.Trajectory:
    return training(*data_args(v), (v["u0"], v["w0"]), v["lr"], v["iters"])


@charts.spec_cache(max_entries=64)
def history_charts(lang: str, data: tuple, start: tuple, lr: float, iters: int) -> tuple[dict, dict]:
    """The cost and the weights over the iterations of one run."""
    run = training(*data, start, lr, iters)
    history = pd.DataFrame({"step": np.arange(len(run.costs)), "cost": run.costs})
    weights = pd.DataFrame({
        "step": np.tile(np.arange(len(run.params)), 2),
        "value": np.concatenate([run.params[:, 0], run.params[:, 1]]),
        "weight": ["U"] * len(run.params) + ["W"] * len(run.params),
    })
    cost = charts.log_lines(history, "step", "cost", x_title=t("common.iteration"), y_title=t("counting.cost_axis"))
    both = charts.log_lines(weights, "step", "value", x_title=t("common.iteration"),
                            y_title=t("counting.weight_axis"), color="weight", color_title=t("counting.weight_axis"),
                            log_y=False, y_domain=(-4, 4))
    return charts.vega_lite(cost), charts.vega_lite(both)


@st.cache_resource(max_entries=16, show_spinner=False)
def surface_values(data: str, n: int, length: int, seed: int) -> np.ndarray:
    """log10(cost + 1) on the 100 × 100 grid of (U, W) centres, (W, U), capped at 30 (the book's colouring)."""
    X, targets = dataset(data, n, length, seed)
    costs = counting.cost_surface(X, targets, CENTRES, CENTRES)
    with np.errstate(over="ignore"):
        shown = np.minimum(np.log10(costs + 1.0), 30.0)
    shown.setflags(write=False)
    return shown


@charts.spec_cache(max_entries=64)
def surface_chart(lang: str, data: tuple, start: tuple, lr: float, iters: int) -> dict:
    """The clickable cost surface with the run's path, the optimum and the start."""
    run = training(*data, start, lr, iters)
    heat = surfaces.heatmap(surface_values(*data), (-LIMIT, LIMIT), (-LIMIT, LIMIT), slot=SURFACE_KEY,
                            x_title="U", y_title="W", value_title=t("counting.log_cost"), selection="cell")
    path = pd.DataFrame({"U": run.params[:, 0], "W": run.params[:, 1], "step": np.arange(len(run.params)),
                         "series": t("counting.path_name")})
    path = path[np.all(np.isfinite(run.params), axis=1)]
    points = pd.DataFrame({"U": [1.0, start[0]], "W": [1.0, start[1]],
                           "label": [t("counting.optimum_label"), t("counting.start_label")]})
    chart = heat.chart + charts.path_overlay(path, step_title=t("common.iteration")) + charts.markers(points)
    return charts.vega_lite(chart, fixed_size=True, images=(heat.image,))


def clicked_start() -> None:
    """A click on the surface moves the training start (once per click; before the start's widgets are drawn)."""
    event = st.session_state.get(SURFACE_KEY) or {}
    cells = (event.get("selection") or {}).get("cell") or []
    if not cells or cells == st.session_state.get("_counting_click"):
        return
    st.session_state["_counting_click"] = cells
    i, j = int(cells[0]["i"]), int(cells[0]["j"])
    if 0 <= i < GRID and 0 <= j < GRID:
        st.session_state[urlstate.key(PAGE, "u0")] = round(float(CENTRES[i]), 2)
        st.session_state[urlstate.key(PAGE, "w0")] = round(float(CENTRES[j]), 2)


def preset(u: float, w: float) -> None:
    st.session_state[urlstate.key(PAGE, "u")] = u
    st.session_state[urlstate.key(PAGE, "w")] = w


def default_iteration(run: counting.Trajectory, default: int) -> int:
    """The iteration whose gradient §6 reads: the one asked for, or by default the last point still on the
    surface's plot; never past the last iteration whose gradient is finite."""
    it_key = urlstate.key(PAGE, "it")
    evaluated = len(run.costs) - 1
    if st.session_state[it_key] == default:
        on_plot = np.flatnonzero(np.all(np.abs(run.params[: evaluated + 1]) <= LIMIT, axis=1))
        st.session_state[it_key] = int(on_plot[-1]) if len(on_plot) else evaluated
    st.session_state[it_key] = min(st.session_state[it_key], evaluated)
    return evaluated


@st.cache_resource(max_entries=64, show_spinner=False)
def gradient_norms(data: tuple, U: float, W: float) -> np.ndarray:
    """‖∂ξ/∂S_k‖ over the training batch for each state index k, at (U, W); non-finite where it overflowed."""
    X, targets = dataset(*data)
    flow = counting.bptt(X, counting.forward(X, U, W), targets, W)["gS"]
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(flow, axis=0)
    norms.setflags(write=False)
    return norms


@charts.spec_cache(max_entries=64)
def gradient_chart(lang: str, data: tuple, U: float, W: float) -> dict:
    norms = gradient_norms(data, U, W)
    finite = np.isfinite(norms)
    df = pd.DataFrame({"k": np.arange(len(norms))[finite], "norm": norms[finite]})
    return charts.vega_lite(charts.log_lines(df, "k", "norm", x_title=t("counting.k_axis"),
                                             y_title=t("counting.gs_axis"), points=True, integer_x=True))
