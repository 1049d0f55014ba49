"""The LSTM lesson's figures: its charts, its tables and its picture of one cell.

Each chart is a template (:func:`ui.charts.template`): its shape, built and validated once per language and the
few choices that decide its marks, and its rows, plain data frames computed on each draw; the few values that
move but cannot be rows (the steps on the x axis, the cell state's colour domain) are put into the filled spec.
A drawn spec is kept by the one spec cache (:func:`ui.charts.spec_cache`), keyed on the language and small
inputs; a trained pair is passed as ``_pair`` (not hashed) beside the :func:`lessons.lstm.readings.fingerprint`
that determines it. The data come from :mod:`lessons.lstm.readings`; the builders below them take where their
rows are (data frames or a template's slots) and translated titles. Channels are objects (never shorthand strings), see
ui/charts.py. The cell's picture is Graphviz (DOT) with the live values in its labels: only numbers and
translated labels go in, no user text.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lessons.lstm import params, readings
from rnn_core import sweep, tasks
from ui import charts
from ui.charts import PALETTE
from ui.i18n import t
from ui.numbers import D3_NUMBER, d3_locale, integer, num, number_expr, percent

MARK_COLOR = "#D55E00"  # vermillion: the marked steps
LOG_LABEL = f"replace({number_expr('datum.value')}, /^(−?)1·10/, '$110')"  # as num() writes them; 1·10⁻⁸ as 10⁻⁸
# Per PALETTE index used by the flow charts (a quantity keeps its colour and its dash from chart to chart).
DASHES = {0: [6, 3], 1: [1, 0], 2: [2, 2], 5: [10, 3, 2, 3]}
TITLE_ROOM = 20  # pixels above each panel of the gate heatmaps, where its title sits
# With Streamlit's autosize "fit", a chart's height holds its axes and legends too: what the gate heatmaps' two
# legends and step axis below take, and the flow chart's legend of one series a line.
HEATMAP_FRAME, FLOW_FRAME = 150, 200
BLUE, ORANGE = (120, 178, 222), (240, 178, 122)  # the cell's picture: light enough that black text stays readable

MODE_EFFECTS = {
    "keep": "lstm.what_keep",
    "erase": "lstm.what_erase",
    "write": "lstm.what_write",
    "read": "lstm.what_read",
    "hide": "lstm.what_hide",
}
STORY_STEPS = {1: "lstm.story_step1", 2: "lstm.story_step2", 3: "lstm.story_step3", 4: "lstm.story_step4"}
LAG_AXES = {"first_symbol": "lstm.lag_axis_first_symbol", "adding": "lstm.lag_axis_adding"}
LAG_COLUMNS = {"first_symbol": "lstm.col_lag_first_symbol", "adding": "lstm.col_lag_adding"}


# --- sections 1 and 2: the cell, its modes, the book's story ----------------------------------------------------


def diagram_labels() -> dict[str, str]:
    return {
        "forget": t("lstm.gate_f"),
        "input": t("lstm.gate_i"),
        "candidate": t("lstm.gate_a"),
        "output": t("lstm.gate_o"),
        "set": t("lstm.set_label"),
    }


def fill(value: float) -> str:
    """A colour whose depth follows a value in [−1, 1]: white at 0, blue towards 1, orange towards −1.

    The σ gates lie in (0, 1), so they range from white to blue; the candidate a lies in (−1, 1), so it is
    shaded by its size, blue when positive and orange when negative.
    """
    v = min(max(value, -1.0), 1.0)
    white, tint = (255, 255, 255), BLUE if v >= 0 else ORANGE
    r, g, b = (round(w + (c - w) * abs(v)) for w, c in zip(white, tint, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def cell_diagram(v: dict, labels: dict[str, str], clamped: frozenset = frozenset()) -> str:
    """One cell: the inputs x_t and h_{t-1}, the four gates, the cell path c_{t-1} → c_t and the output h_t.

    Args:
        v: from :func:`rnn_core.lstm.cell_values`, plus ``x``, ``h_prev``, ``c_prev``.
        labels: translated names ``forget``, ``input``, ``candidate``, ``output``, ``set`` (shown on a clamped
            gate instead of its formula).
        clamped: gates whose value was set rather than computed.
    The cell path is drawn thicker the closer f is to 1: the "highway" that carries c forward.
    """

    def gate(g: str, name: str, fn: str) -> str:
        z, value = v[f"z_{g}"], v[g]
        body = f"{g} = {labels['set']}" if g in clamped else f"z = {num(z)}\\n{g} = {fn}(z)"
        return f'{g} [label="{name}\\n{body}\\n= {num(value)}", fillcolor="{fill(value)}"];'

    lines = [
        "digraph G {",
        "rankdir=LR; nodesep=0.22; ranksep=0.42; newrank=true;",
        'node [fontname="Helvetica", fontsize=12, shape=box, style="rounded,filled", fillcolor="#ffffff"];',
        'edge [fontname="Helvetica", fontsize=11, color="#555555"];',
        f'c0 [label="cₜ₋₁\\n{num(v["c_prev"])}", fillcolor="#e3f1df"];',
        f'inp [label="xₜ = {num(v["x"])}\\nhₜ₋₁ = {num(v["h_prev"])}", fillcolor="#ffe9a8"];',
        gate("f", labels["forget"], "σ"),
        gate("i", labels["input"], "σ"),
        gate("a", labels["candidate"], "tanh"),
        gate("o", labels["output"], "σ"),
        'mf [label="×", shape=circle, width=0.35, fixedsize=true];',
        'mi [label="×", shape=circle, width=0.35, fixedsize=true];',
        'add [label="+", shape=circle, width=0.35, fixedsize=true];',
        'tc [label="tanh", shape=ellipse];',
        'mo [label="×", shape=circle, width=0.35, fixedsize=true];',
        f'c1 [label="cₜ\\n{num(v["c"])}", fillcolor="#e3f1df", penwidth=2];',
        f'h1 [label="hₜ\\n{num(v["h"])}", fillcolor="#d6e8f7", penwidth=2];',
        "{rank=same; c0; inp;}",
        "{rank=same; f; i; a; o;}",
        "{rank=same; mf; mi; tc;}",
        # the cell path: thick when f is near 1
        f'c0 -> mf [penwidth={1 + 3 * min(max(v["f"], 0.0), 1.0):.2f}, color="#009E73"];',
        f'mf -> add [label="f·cₜ₋₁ = {num(v["kept"])}", penwidth={1 + 3 * min(max(v["f"], 0.0), 1.0):.2f}, '
        'color="#009E73"];',
        f'mi -> add [label="i·a = {num(v["written"])}"];',
        'add -> c1 [color="#009E73", penwidth=2];',
        "c1 -> tc;",
        f'tc -> mo [label="{num(v["tanh_c"])}"];',
        "mo -> h1;",
        "f -> mf; i -> mi; a -> mi; o -> mo;",
        'inp -> f [color="#E69F00"]; inp -> i [color="#E69F00"]; inp -> a [color="#E69F00"]; '
        'inp -> o [color="#E69F00"];',
        "}",
    ]
    return "\n".join(lines)


def modes_table() -> str:
    """The operating modes as a Markdown table, one row per mode, the gate values rnn_core sets (``–`` for a gate
    the mode leaves free). The gates' columns are headed by their letters: the table fits a phone."""
    columns = [t("lstm.col_mode"), "$f$", "$i$", "$o$", t("lstm.col_what")]
    rows = [f"| {' | '.join(columns)} |", "|" + "---|" * len(columns)]
    for mode, gates in readings.MODE_GATES.items():
        values = [num(gates[g]) if g in gates else "–" for g in ("f", "i", "o")]
        rows.append(f"| **{t(readings.MODE_NAMES[mode])}** | {' | '.join(values)} | {t(MODE_EFFECTS[mode])} |")
    return "\n".join(rows)


def ideal_and_real(ideal: dict, real: dict, sat: float) -> pd.DataFrame:
    """The cell with its gates set exactly, against gates that can only approach 0 and 1 (``sat``), as text."""
    compared = {t("lstm.row_ideal"): ideal, t("lstm.row_real", sat=num(sat)): real}
    return pd.DataFrame(
        {name: [num(r[k]) for k in ("f", "i", "o", "c", "h")] for name, r in compared.items()},
        index=["f", "i", "o", "cₜ", "hₜ"],
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def story_table(lang: str, sat: float) -> pd.DataFrame:
    """The book's four-step story with exact gates, and the cell and output with gates saturating at ``sat``, in
    ``lang``. Shared by every session, never changed (``st.table`` only reads it): a move of section 1 reruns
    section 2 with ``sat`` unchanged."""
    exact, realistic = readings.stories(sat)
    columns = {
        "aₜ": exact["a"],
        "f": exact["f"],
        "i": exact["i"],
        "o": exact["o"],
        "cₜ": exact["c"],
        "hₜ": exact["h"],
        t("lstm.col_c_real"): realistic["c"],
        t("lstm.col_h_real"): realistic["h"],
    }
    return pd.DataFrame(
        {
            t("lstm.col_step"): [t(STORY_STEPS[k], value=readings.story_value()) for k in STORY_STEPS],
            **{name: [num(x, 4) for x in values] for name, values in columns.items()},
        }
    )


# --- section 3: training curves and the gates along the example -------------------------------------------------
# A student's move (another example, another lag, another clamp) builds no Altair object: see the module docstring.


@charts.spec_cache(max_entries=64)
def curves_chart(lang: str, fp: tuple, _pair: dict) -> dict:
    """The fraction of each training batch solved, both models."""
    curves = curves_frame({t(readings.MODEL_NAMES[m]): _pair[m]["run"] for m in ("lstm", "rnn")})
    return charts.filled(curves_shape(lang), {"curves": curves})


@charts.template(max_entries=4)
def curves_shape(lang: str) -> alt.Chart:
    return training_curves(
        charts.slot("curves"),
        step_title=t("lstm.update_axis"),
        value_title=t("lstm.solved_axis"),
        series_title=t("lstm.model_axis"),
    )


def gate_panels(cache: dict, C: np.ndarray, units: int) -> list[tuple[str, np.ndarray, bool]]:
    """The heatmap panels of one sequence: forget, input and output gates and the cell state, first ``units``."""
    return [
        (t("lstm.panel_f"), cache["f"][0, :, :units], True),
        (t("lstm.panel_i"), cache["i"][0, :, :units], True),
        (t("lstm.panel_o"), cache["o"][0, :, :units], True),
        (t("lstm.panel_c"), C[0, :, :units], False),
    ]


def heatmap_titles() -> dict[str, str]:
    """The gate heatmaps' axis, legend and tooltip titles, translated."""
    return {
        "step_title": t("lstm.step_axis"),
        "unit_title": t("lstm.unit_axis"),
        "marked_title": t("lstm.marked"),
        "panel_title": t("lstm.panel_axis"),
        "value_title": t("lstm.value_axis"),
        "gate_title": t("lstm.gate_value_axis"),
    }


@charts.spec_cache(max_entries=64)
def gates_chart(lang: str, fp: tuple, source: tuple, _run: tasks.TrainResult) -> dict:
    """The trained LSTM's forget, input and output gates and its cell state along the example ``source``."""
    X, _ = readings.example_inputs(*fp[:2], source)
    _, C, cache = tasks.lstm_insides(_run, X)
    return heatmap_spec(lang, gate_panels(cache, C, C.shape[2]), tasks.marked_steps(X[0]))


def heatmap_spec(lang: str, panels: list[tuple[str, np.ndarray, bool]], marked: np.ndarray) -> dict:
    """The gate heatmaps of ``panels`` (see :func:`gate_heatmaps`) as a filled template."""
    T, H = panels[0][1].shape
    layout = tuple((title, is_gate) for title, _, is_gate in panels)
    shape = heatmap_shape(lang, H, layout, bool(len(marked)))
    spec = charts.filled(shape, heatmap_rows(panels, marked, t("lstm.marked")))
    return with_x_domain(with_cell_bound(spec, cell_bound(panels)), heatmap_steps(T))


@charts.template(max_entries=64)
def heatmap_shape(lang: str, H: int, layout: tuple[tuple[str, bool], ...], marked: bool) -> alt.LayerChart:
    """The heatmaps' shape: units ``H``, the panels' titles and kinds. The steps (a typed sequence has any
    length) and the cell state's colour domain are the draw's own (:func:`with_x_domain`,
    :func:`with_cell_bound`); one step and [−1, 1] here."""
    slots = {name: charts.slot(name) for name in ("cells", "titles", "marked")}
    return gate_heatmaps(slots, T=1, H=H, layout=layout, marked=marked, bound=1.0, **heatmap_titles())


# --- section 4: the gradient along time ---------------------------------------------------------------------------


def flow_frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    T = len(next(iter(series.values())))
    return pd.DataFrame(
        {
            "step": np.tile(np.arange(1, T + 1), len(series)),
            "value": np.concatenate(list(series.values())),
            "series": np.repeat(list(series), T),
        }
    )


@charts.spec_cache(max_entries=64)
def flow_chart(lang: str, fp: tuple, forget: float | None, _pair: dict) -> dict:
    """Section 4: the gradient's size at each step, the RNN's hidden state against the LSTM's two states and
    its cell path alone."""
    lstm_flow, rnn_flow, _ = readings.gradient_flows(fp, forget, _pair)
    series = {
        t("lstm.series_rnn_h"): rnn_flow["dh"],
        t("lstm.series_lstm_c"): lstm_flow["dc"],
        t("lstm.series_lstm_h"): lstm_flow["dh"],
        t("lstm.series_cell_path"): lstm_flow["cell_path"],
    }
    marked = np.array([0]) if fp[0] == "first_symbol" else np.array([], int)
    return flow_spec(lang, flow_frame(series), marked, (1, 0, 5, 2))


def flow_spec(lang: str, df: pd.DataFrame, marked: np.ndarray, colors: tuple[int, ...]) -> dict:
    """:func:`flow_lines` of ``df`` (``step``, ``value``, ``series``) as a filled template."""
    names = tuple(dict.fromkeys(df["series"]))  # colours and legend in the caller's order
    shape = flow_shape(lang, names, bool(len(marked)), colors)
    return with_x_domain(charts.filled(shape, flow_rows(df, marked)), flow_steps(int(df["step"].max())))


@charts.template(max_entries=64)
def flow_shape(lang: str, names: tuple[str, ...], marked: bool, colors: tuple[int, ...]):
    """The flow chart's shape; its steps are the draw's own (:func:`with_x_domain`), two here."""
    return flow_lines(
        {"lines": charts.slot("lines"), "marked": charts.slot("marked")},
        T=2,
        names=names,
        marked=marked,
        colors=colors,
        step_title=t("lstm.step_axis"),
        value_title=t("lstm.flow_axis"),
        series_title=t("lstm.flow_series"),
    )


# --- section 5: the sweep ---------------------------------------------------------------------------------------


@charts.spec_cache(max_entries=64)
def sweep_chart(lang: str, task: str, lag: int) -> dict:
    """Section 5: success rate against lag, both models, the lag chosen in section 3 marked."""
    stored = readings.shipped(task)
    titles = [t(readings.MODEL_NAMES[m]) for m in stored.models]
    rows = rates_rows(
        sweep_frame(stored.lags, sweep.summarise_sweep(stored), titles),
        tasks.CHANCE[task],
        t(readings.BASELINES[task]),
        lag,
    )
    return charts.filled(sweep_shape(lang, task), rows)


@charts.template(max_entries=8)
def sweep_shape(lang: str, task: str) -> alt.LayerChart:
    return rates_by_lag(
        {name: charts.slot(name) for name in ("rates", "guess", "lag")},
        lag_title=t(LAG_AXES[task]),
        rate_title=t("lstm.rate_axis"),
        mean_title=t("lstm.col_mean"),
        range_title=t("lstm.col_range"),
        series_title=t("lstm.model_axis"),
        chance_label=t(readings.BASELINES[task]),
        marked=True,
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def sweep_tables(lang: str, task: str) -> list[tuple[str, pd.DataFrame]]:
    """Section 5's table, one per model: its name and its rows, in ``lang``. Shared by every session, never
    changed (``st.table`` only reads them): they change with the task and the language only."""
    stored = readings.shipped(task)
    tables = rate_tables(
        stored.lags,
        sweep.summarise_sweep(stored),
        len(stored.seeds),
        {
            "lag": t(LAG_COLUMNS[task]),
            "mean": t("lstm.col_mean"),
            "range": t("lstm.col_range"),
            "solved": t("lstm.col_solved"),
        },
    )
    return [(t(readings.MODEL_NAMES[m]), table) for m, table in zip(stored.models, tables, strict=True)]


# --- section 6: a student's own LSTM ------------------------------------------------------------------------------


@charts.spec_cache(max_entries=16)
def own_gates_chart(lang: str, fp: tuple, _weights: dict, _steps: np.ndarray) -> dict:
    """Section 6: the uploaded LSTM's gates and cell state along the typed sequence (the first units)."""
    C, cache, _ = readings.own_run(_weights, _steps)
    return heatmap_spec(lang, gate_panels(cache, C, params.OWN_UNITS_SHOWN), np.array([], int))


@charts.spec_cache(max_entries=16)
def own_flow_chart(lang: str, fp: tuple, _weights: dict, _steps: np.ndarray) -> dict:
    """Section 6: the uploaded LSTM's gradient flow along the typed sequence."""
    _, _, flow = readings.own_run(_weights, _steps)
    series = {
        t("lstm.series_lstm_c"): flow["dc"],
        t("lstm.series_lstm_h"): flow["dh"],
        t("lstm.series_cell_path"): flow["cell_path"],
    }
    return flow_spec(lang, flow_frame(series), np.array([], int), (0, 5, 2))


# --- the rows of each chart: plain data in, data frames out --------------------------------------------------------


def heatmap_layout(n_panels: int, H: int) -> tuple[int, int, int]:
    """``(row_px, gap, span)`` of the stacked heatmaps: pixels a unit's row, empty rows above each panel for its
    title, rows per panel (its gap, then its units)."""
    row_px = max(3, min(8, 360 // (n_panels * H)))  # 4 to 8 px a unit: the figure stays near 500 px tall
    gap = -(-TITLE_ROOM // row_px)
    return row_px, gap, H + gap


def heatmap_rows(
    panels: list[tuple[str, np.ndarray, bool]], marked: np.ndarray, marked_title: str
) -> dict[str, pd.DataFrame]:
    """The rows of :func:`gate_heatmaps`: ``cells`` (``t``, ``unit``, ``panel`` (its title), ``value``, the row
    ``y`` it is drawn at, ``gate``), the panels' ``titles`` and the ``marked`` steps (0-based in ``marked``), when
    there are some."""
    T, H = panels[0][1].shape
    _, gap, span = heatmap_layout(len(panels), H)
    tt, hh = np.meshgrid(np.arange(1, T + 1, dtype=np.int16), np.arange(1, H + 1, dtype=np.int16), indexing="ij")
    cells = pd.concat(
        [
            pd.DataFrame(
                {
                    "t": tt.ravel(),
                    "unit": hh.ravel(),
                    "panel": title,
                    "value": values.ravel().astype(np.float32),
                    "y": k * span + gap + hh.ravel(),
                    "gate": is_gate,
                }
            )
            for k, (title, values, is_gate) in enumerate(panels)
        ],
        ignore_index=True,
    )
    titles = pd.DataFrame(
        {
            "y": [k * span + gap + 0.5 for k in range(len(panels))],  # the top of its first row
            "panel": [title for title, _, _ in panels],
        }
    )
    rows = {"cells": cells, "titles": titles}
    if len(marked):  # no empty layer (see flow_lines)
        rows["marked"] = pd.DataFrame({"t": marked + 1, "label": marked_title})
    return rows


def cell_bound(panels: list[tuple[str, np.ndarray, bool]]) -> float | None:
    """The cell state's colour domain is [−bound, bound]: its largest size (None without such a panel)."""
    others = [values for _, values, is_gate in panels if not is_gate]
    return max(max(float(np.max(np.abs(v))) for v in others), 1e-9) if others else None


def with_cell_bound(spec: dict, bound: float | None) -> dict:
    """The heatmaps' filled spec with the cell state's colour domain [−bound, bound] (the second layer's colour
    scale). Why not a row: a scale's domain cannot be read from data in Vega-Lite without changing the picture
    (a domain from the data's extent is not symmetric about 0). Only the dicts along that path are copied: the
    template's spec is shared."""
    if bound is None:
        return spec
    layers = list(spec["layer"])
    layer = dict(layers[1])
    encoding = dict(layer["encoding"])
    color = dict(encoding["color"])
    color["scale"] = {**color["scale"], "domain": [-bound, bound]}
    encoding["color"], layer["encoding"], layers[1] = color, encoding, layer
    return {**spec, "layer": layers}


def heatmap_steps(T: int) -> list[float]:
    """The heatmaps' x domain: a cell from t - 0.5 to t + 0.5 for t = 1..T."""
    return [0.5, T + 0.5]


def flow_steps(T: int) -> list[int]:
    """The flow chart's x domain: the steps 1..T."""
    return [1, T]


def with_x_domain(spec: dict, domain: list) -> dict:
    """A filled spec with ``domain`` as the x scale's domain in every view that sets one (the steps of a
    sequence of any length: one shape for all). Only the dicts along those paths are copied."""

    def view(part: dict) -> dict:
        x = part.get("encoding", {}).get("x")
        if not isinstance(x, dict) or "domain" not in x.get("scale", {}):
            return part
        return {**part, "encoding": {**part["encoding"], "x": {**x, "scale": {**x["scale"], "domain": domain}}}}

    return {**spec, "layer": [view(layer) for layer in spec["layer"]]} if "layer" in spec else view(spec)


def flow_rows(df: pd.DataFrame, marked: np.ndarray) -> dict[str, pd.DataFrame]:
    """The rows of :func:`flow_lines`: the ``lines`` with value > 0 (an exact zero, which a log axis cannot draw,
    is left out) and the ``marked`` steps (0-based in ``marked``) as rules, when there are some (no empty layer)."""
    lines = {"lines": df[df["value"] > 0]}
    # the rules first, as they are layered (the text alternative takes a quantity's range from the first rows)
    return {"marked": pd.DataFrame({"step": marked + 1}), **lines} if len(marked) else lines


def rates_rows(df: pd.DataFrame, chance: float, chance_label: str, lag: int) -> dict[str, pd.DataFrame]:
    """The rows of :func:`rates_by_lag`: the sweep's ``rates`` (:func:`sweep_frame`), the rate of ``guess``ing
    and the chosen ``lag``."""
    return {  # in the order they are layered (the text alternative takes a quantity's range from the first rows)
        "lag": pd.DataFrame({"lag": [lag]}),
        "rates": df,
        "guess": pd.DataFrame({"y": [chance], "label": [chance_label], "rate": [percent(chance)]}),
    }


# --- the chart builders: where the rows are (data frames or template slots), translated titles, an Altair chart ----


def gate_heatmaps(
    data: dict,
    *,
    T: int,
    H: int,
    layout: tuple[tuple[str, bool], ...],
    marked: bool,
    bound: float,
    step_title: str,
    unit_title: str,
    marked_title: str,
    panel_title: str,
    value_title: str,
    gate_title: str,
) -> alt.LayerChart:
    """The panels (``layout``: each one's title and whether it is a gate; T steps, H units) stacked in ONE view
    (time 1..T on x, each panel's units on y under its title), so that the figure can take the width of its
    container on any screen. ``data``: :func:`heatmap_rows`.

    Gates (values in (0, 1)) share one viridis scale on [0, 1] (``gate_title``); other values (the cell state)
    get a diverging scale on [−bound, bound], titled by their panel. With ``marked``, the marked steps are
    dashed vertical rules. Draw it with ``width="stretch"``.
    """
    row_px, gap, span = heatmap_layout(len(layout), H)
    rows = len(layout) * span
    x_scale = alt.Scale(domain=heatmap_steps(T), nice=False, zero=False)
    y_scale = alt.Scale(domain=[0.5, rows + 0.5], nice=False, zero=False, reverse=True)
    # The y axis names each panel's first and last unit: row y of panel k is unit y - k*span - gap.
    ends = [k * span + gap + u for k in range(len(layout)) for u in ((1, H) if H > 1 else (1,))]
    y_axis = alt.Axis(
        values=ends,
        labelExpr=f"datum.value - floor((datum.value - 1) / {span}) * {span} - {gap}",
        grid=False,
        ticks=False,
        domain=False,
        title=unit_title,
        labelOverlap="greedy",
    )
    x_axis = alt.Axis(format="d", tickMinStep=1, labelOverlap=True, grid=False)
    tips = [
        alt.Tooltip("panel:N", title=panel_title),
        alt.Tooltip("t:Q", title=step_title),
        alt.Tooltip("unit:Q", title=unit_title),
        alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER),
    ]

    def rects(gates: bool, color: alt.Color) -> alt.Chart:
        return (
            alt.Chart(data["cells"])
            .transform_filter(f"datum.gate == {str(gates).lower()}")
            .transform_calculate(
                x0="datum.t - 0.5",
                x1="datum.t + 0.5",
                y0="datum.y - 0.5",
                y1="datum.y + 0.5",
            )
            .mark_rect()
            .encode(
                x=alt.X("x0:Q", title=step_title, scale=x_scale, axis=x_axis),
                x2=alt.X2("x1:Q"),
                y=alt.Y("y0:Q", scale=y_scale, axis=y_axis),
                y2=alt.Y2("y1:Q"),
                color=color,
                tooltip=tips,
            )
        )

    legend = {"orient": "bottom", "direction": "horizontal", "gradientLength": 120, "titleLimit": 240}
    layers = [
        rects(
            True,
            alt.Color(
                "value:Q",
                title=gate_title,
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                legend=alt.Legend(**legend),
            ),
        )
    ]
    others = [title for title, is_gate in layout if not is_gate]
    if others:  # the second layer: with_cell_bound finds its colour scale there
        layers.append(
            rects(
                False,
                alt.Color(
                    "value:Q",
                    title=others[0],
                    scale=alt.Scale(scheme="blueorange", domain=[-bound, bound]),
                    legend=alt.Legend(**legend),
                ),
            )
        )
    layers.append(
        alt.Chart(data["titles"])
        .mark_text(align="left", baseline="bottom", fontWeight="bold", fontSize=13, dx=2, dy=-3)
        .encode(x=alt.value(0), y=alt.Y("y:Q", scale=y_scale), text=alt.Text("panel:N"))
    )
    if marked:
        layers.append(
            alt.Chart(data["marked"])
            .mark_rule(color=MARK_COLOR, strokeWidth=2, strokeDash=[4, 2])
            .encode(
                x=alt.X("t:Q", scale=x_scale),
                tooltip=[alt.Tooltip("label:N", title=marked_title), alt.Tooltip("t:Q", title=step_title)],
            )
        )
    return alt.layer(*layers).resolve_scale(color="independent").properties(height=rows * row_px + HEATMAP_FRAME)


def flow_lines(
    data: dict,
    *,
    T: int,
    names: tuple[str, ...],
    marked: bool,
    step_title: str,
    value_title: str,
    series_title: str,
    colors: tuple[int, ...] = (1, 0, 5, 2),
) -> alt.Chart | alt.LayerChart:
    """Gradient norms against the step 1..T on a log axis (``data``: :func:`flow_rows`), one line per series
    (``names``, in order), with the marked steps as vertical rules when ``marked``. ``colors``: indices into
    PALETTE, one per series in order (a quantity keeps its colour from chart to chart)."""
    steps = alt.Scale(domain=flow_steps(T), nice=False, zero=False)
    lines = (
        alt.Chart(data["lines"])
        .mark_line(point=alt.OverlayMarkDef(size=20, filled=True), clip=True)
        .encode(
            x=alt.X("step:Q", title=step_title, axis=alt.Axis(format="d", tickMinStep=1), scale=steps),
            y=alt.Y(
                "value:Q",
                title=value_title,
                scale=alt.Scale(type="log"),
                axis=alt.Axis(labelExpr=LOG_LABEL, tickCount=6),
            ),
            color=alt.Color(
                "series:N",
                title=series_title,
                scale=alt.Scale(domain=list(names), range=[PALETTE[k] for k in colors][: len(names)]),
                legend=alt.Legend(
                    orient="bottom",
                    columns=1,
                    labelLimit=400,
                    symbolType="stroke",
                    symbolStrokeWidth=2.5,
                    symbolSize=500,
                ),
            ),
            # a second channel: the LSTM's lines lie on top of each other near 1, and the RNN's crosses them
            strokeDash=alt.StrokeDash(
                "series:N",
                title=series_title,
                scale=alt.Scale(domain=list(names), range=[DASHES[k] for k in colors][: len(names)]),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("step:Q", title=step_title),
                alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER),
            ],
        )
    )
    if not marked:  # no empty layer: its mark group would be an unnamed graphic (axe-core's svg-img-alt)
        return lines.properties(height=280 + FLOW_FRAME)
    rules = (
        alt.Chart(data["marked"]).mark_rule(color=MARK_COLOR, strokeDash=[4, 2]).encode(x=alt.X("step:Q", scale=steps))
    )
    return (rules + lines).properties(height=280 + FLOW_FRAME)  # the legend, one series a line, goes below


def training_curves(data, *, step_title: str, value_title: str, series_title: str) -> alt.Chart:
    """Fraction of each training batch solved (rows ``step``, ``value``, ``series``: :func:`curves_frame`), 0 to 1."""
    return (
        alt.Chart(data)
        .mark_line(clip=True)
        .encode(
            x=alt.X("step:Q", title=step_title),
            y=alt.Y("value:Q", title=value_title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "series:N",
                title=series_title,
                scale=alt.Scale(range=list(PALETTE)),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),  # beside it, a phone cuts it
            tooltip=[
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("step:Q", title=step_title),
                alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER),
            ],
        )
        .properties(height=240)
    )


def rates_by_lag(
    data: dict,
    *,
    lag_title: str,
    rate_title: str,
    mean_title: str,
    range_title: str,
    series_title: str,
    chance_label: str,
    marked: bool,
) -> alt.LayerChart:
    """Mean success rate against lag with the seeds' min–max as bars (``data``: :func:`rates_rows`: ``rates``
    with ``lag``, ``mean``, ``min``, ``max``, ``series``, and ``mean_label``, ``range_label`` as the tooltips show
    them); a dashed line at the rate of guessing; with ``marked``, a grey rule at the lag chosen above. Each field
    has its own title (a chart's titles name its quantities in the exported data)."""
    color = alt.Color(
        "series:N", title=series_title, scale=alt.Scale(range=list(PALETTE)), legend=alt.Legend(orient="right")
    )
    x = alt.X("lag:Q", title=lag_title, axis=alt.Axis(format="d"))
    tips = [
        alt.Tooltip("series:N", title=series_title),
        alt.Tooltip("lag:Q", title=lag_title),
        alt.Tooltip("mean_label:N", title=mean_title),
        alt.Tooltip("range_label:N", title=range_title),
    ]
    y = alt.Y("mean:Q", title=rate_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    rates = data["rates"]
    lines = alt.Chart(rates).mark_line(point=alt.OverlayMarkDef(size=40)).encode(x=x, y=y, color=color, tooltip=tips)
    bars = (
        alt.Chart(rates)
        .mark_rule(strokeWidth=2, opacity=0.5)
        .encode(x=x, y=alt.Y("min:Q"), y2=alt.Y2("max"), color=color)
    )
    chance_rule = (
        alt.Chart(data["guess"])
        .mark_rule(strokeDash=[5, 3], color="#777777")
        .encode(
            y=alt.Y("y:Q"),
            tooltip=[alt.Tooltip("label:N", title=chance_label), alt.Tooltip("rate:N", title=rate_title)],
        )
    )
    chance_text = (
        alt.Chart(data["guess"])
        .mark_text(align="left", dy=-7, dx=4, color="#555555")
        .encode(y=alt.Y("y:Q"), x=alt.value(0), text=alt.Text("label:N"))
    )
    layers = [bars, lines, chance_rule, chance_text]
    if marked:
        layers.insert(
            0,
            alt.Chart(data["lag"]).mark_rule(color="#bbbbbb", strokeWidth=6, opacity=0.5).encode(x=alt.X("lag:Q")),
        )
    # The axis's percent sign where the page's language puts it, as the tooltips' (ui.numbers.percent).
    return alt.layer(*layers).properties(height=320).configure(locale=d3_locale())


def curves_frame(runs: dict, points: int = 150) -> pd.DataFrame:
    """Rows ``step``, ``value`` (fraction of the batch solved), ``series`` for training curves, at most about
    ``points`` per run: a run's ``solved`` is averaged over blocks (a shipped run is already stored that way,
    ``curve_every`` steps a block)."""
    frames = []
    for name, run in runs.items():
        every = run.curve_every
        group = max(1, int(np.ceil(len(run.solved) / points)))
        solved = np.array([run.solved[k : k + group].mean() for k in range(0, len(run.solved), group)])
        step = (np.arange(len(solved)) + 1) * group * every
        frames.append(pd.DataFrame({"step": step, "value": solved, "series": name}))
    return pd.concat(frames, ignore_index=True)


def sweep_frame(lags: np.ndarray, summary: dict, model_titles: list[str]) -> pd.DataFrame:
    """Rows of :func:`rates_by_lag` from :func:`rnn_core.sweep.summarise_sweep` (arrays (M, L))."""
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "lag": lags,
                    "mean": summary["mean"][m],
                    "min": summary["min"][m],
                    "max": summary["max"][m],
                    "series": title,
                    "mean_label": [percent(x) for x in summary["mean"][m]],
                    "range_label": [
                        f"{percent(lo)} – {percent(hi)}"
                        for lo, hi in zip(summary["min"][m], summary["max"][m], strict=True)
                    ],
                }
            )
            for m, title in enumerate(model_titles)
        ],
        ignore_index=True,
    )


def rate_tables(lags: np.ndarray, summary: dict, n_seeds: int, columns: dict[str, str]) -> list[pd.DataFrame]:
    """The sweep as one table per model (side by side on a wide screen, stacked on a phone): one row per lag,
    the mean success rate, the seeds' range, and how many runs solved the task (``columns``: translated
    ``lag``, ``mean``, ``range``, ``solved`` headings)."""
    return [
        pd.DataFrame(
            {
                columns["lag"]: [integer(lag) for lag in lags],
                columns["mean"]: [percent(x) for x in summary["mean"][m]],
                columns["range"]: [
                    f"{percent(lo)} – {percent(hi)}"
                    for lo, hi in zip(summary["min"][m], summary["max"][m], strict=True)
                ],
                columns["solved"]: [f"{integer(k)} / {integer(n_seeds)}" for k in summary["solved"][m]],
            }
        )
        for m in range(len(summary["mean"]))
    ]
