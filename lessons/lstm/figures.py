"""Charts and tables of the LSTM lesson: gate heatmaps, gradient flow, training curves, the lag sweep.

Titles and labels arrive translated; channels are objects (never shorthand strings), see ui/charts.py.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.numbers import D3_NUMBER, integer, number_expr, percent

MARK_COLOR = "#D55E00"  # vermillion: the marked steps
LOG_LABEL = f"replace({number_expr('datum.value')}, /^(−?)1·10/, '$110')"  # as num() writes them; 1·10⁻⁸ as 10⁻⁸
# Per PALETTE index used by the flow charts (a quantity keeps its colour and its dash from chart to chart).
DASHES = {0: [6, 3], 1: [1, 0], 2: [2, 2], 5: [10, 3, 2, 3]}


TITLE_ROOM = 20  # pixels above each panel of the gate heatmaps, where its title sits
# With Streamlit's autosize "fit", a chart's height holds its axes and legends too: what the gate heatmaps' two
# legends and step axis below take, and the flow chart's legend of one series a line.
HEATMAP_FRAME, FLOW_FRAME = 150, 200


def gate_heatmaps(
    panels: list[tuple[str, np.ndarray, bool]], marked: np.ndarray, *, step_title: str, unit_title: str,
    marked_title: str, panel_title: str, value_title: str, gate_title: str,
) -> alt.LayerChart:
    """The panels ``(title, values (T, H), is_gate)`` stacked in ONE view (time 1..T on x, each panel's units
    on y under its title), so that the figure can take the width of its container on any screen.

    Gates (values in (0, 1)) share one viridis scale on [0, 1] (``gate_title``); other values (the cell state)
    get a diverging scale centred on 0, titled by their panel. ``marked`` holds 0-based steps drawn as dashed
    vertical rules. Draw it with ``width="stretch"``. Rows: ``t``, ``unit``, ``panel`` (its title), ``value``,
    and the row ``y`` it is drawn at.
    """
    T, H = panels[0][1].shape
    row_px = max(3, min(8, 360 // (len(panels) * H)))  # 4 to 8 px a unit: the figure stays near 500 px tall
    gap = -(-TITLE_ROOM // row_px)  # empty rows above each panel, for its title
    span = H + gap  # rows per panel: its title's gap, then its units
    tt, hh = np.meshgrid(np.arange(1, T + 1, dtype=np.int16), np.arange(1, H + 1, dtype=np.int16), indexing="ij")
    frames = [pd.DataFrame({"t": tt.ravel(), "unit": hh.ravel(), "panel": title,
                            "value": values.ravel().astype(np.float32), "y": k * span + gap + hh.ravel(),
                            "gate": is_gate})
              for k, (title, values, is_gate) in enumerate(panels)]
    df = pd.concat(frames, ignore_index=True)
    rows = len(panels) * span
    x_scale = alt.Scale(domain=[0.5, T + 0.5], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0.5, rows + 0.5], nice=False, zero=False, reverse=True)
    # The y axis names each panel's first and last unit: row y of panel k is unit y - k*span - gap.
    ends = [k * span + gap + u for k in range(len(panels)) for u in ((1, H) if H > 1 else (1,))]
    y_axis = alt.Axis(values=ends, labelExpr=f"datum.value - floor((datum.value - 1) / {span}) * {span} - {gap}",
                      grid=False, ticks=False, domain=False, title=unit_title, labelOverlap="greedy")
    x_axis = alt.Axis(format="d", tickMinStep=1, labelOverlap=True, grid=False)
    tips = [alt.Tooltip("panel:N", title=panel_title), alt.Tooltip("t:Q", title=step_title),
            alt.Tooltip("unit:Q", title=unit_title), alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER)]

    def rects(gates: bool, color: alt.Color) -> alt.Chart:
        return alt.Chart(df).transform_filter(f"datum.gate == {str(gates).lower()}").transform_calculate(
            x0="datum.t - 0.5", x1="datum.t + 0.5", y0="datum.y - 0.5", y1="datum.y + 0.5",
        ).mark_rect().encode(
            x=alt.X("x0:Q", title=step_title, scale=x_scale, axis=x_axis), x2=alt.X2("x1:Q"),
            y=alt.Y("y0:Q", scale=y_scale, axis=y_axis), y2=alt.Y2("y1:Q"), color=color, tooltip=tips)

    legend = {"orient": "bottom", "direction": "horizontal", "gradientLength": 120, "titleLimit": 240}
    layers = [rects(True, alt.Color("value:Q", title=gate_title, scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                                    legend=alt.Legend(**legend)))]
    others = [values for _, values, is_gate in panels if not is_gate]
    if others:
        bound = max(max(float(np.max(np.abs(v))) for v in others), 1e-9)
        layers.append(rects(False, alt.Color("value:Q", title=next(p[0] for p in panels if not p[2]),
                                             scale=alt.Scale(scheme="blueorange", domain=[-bound, bound]),
                                             legend=alt.Legend(**legend))))
    titles = pd.DataFrame({"y": [k * span + gap + 0.5 for k in range(len(panels))],  # the top of its first row
                           "panel": [title for title, _, _ in panels]})
    layers.append(alt.Chart(titles).mark_text(align="left", baseline="bottom", fontWeight="bold", fontSize=13,
                                              dx=2, dy=-3).encode(x=alt.value(0), y=alt.Y("y:Q", scale=y_scale),
                                                           text=alt.Text("panel:N")))
    if len(marked):
        layers.append(alt.Chart(pd.DataFrame({"t": marked + 1, "label": marked_title})).mark_rule(
            color=MARK_COLOR, strokeWidth=2, strokeDash=[4, 2]
        ).encode(x=alt.X("t:Q", scale=x_scale), tooltip=[alt.Tooltip("label:N", title=marked_title),
                                                          alt.Tooltip("t:Q", title=step_title)]))
    return alt.layer(*layers).resolve_scale(color="independent").properties(height=rows * row_px + HEATMAP_FRAME)


def flow_lines(df: pd.DataFrame, *, step_title: str, value_title: str, series_title: str,
               marked: np.ndarray, colors: tuple[int, ...] = (1, 0, 5, 2)) -> alt.Chart | alt.LayerChart:
    """Gradient norms against the step (``step``, ``value``, ``series`` columns) on a log axis, with the marked
    steps as vertical rules. Rows with value ≤ 0 (an exact zero, which a log axis cannot draw) are left out.
    ``colors``: indices into PALETTE, one per series in order (a quantity keeps its colour from chart to chart)."""
    names = list(dict.fromkeys(df["series"]))  # colours and legend in the caller's order
    steps = alt.Scale(domain=[1, int(df["step"].max())], nice=False, zero=False)  # the steps are 1..T
    df = df[df["value"] > 0]
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=20, filled=True), clip=True).encode(
        x=alt.X("step:Q", title=step_title, axis=alt.Axis(format="d", tickMinStep=1), scale=steps),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(type="log"),
                axis=alt.Axis(labelExpr=LOG_LABEL, tickCount=6)),
        color=alt.Color("series:N", title=series_title,
                        scale=alt.Scale(domain=names, range=[PALETTE[k] for k in colors][: len(names)]),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=400, symbolType="stroke",
                                          symbolStrokeWidth=2.5, symbolSize=500)),
        # a second channel: the LSTM's lines lie on top of each other near 1, and the RNN's crosses them
        strokeDash=alt.StrokeDash("series:N", title=series_title, scale=alt.Scale(
            domain=names, range=[DASHES[k] for k in colors][: len(names)])),
        tooltip=[alt.Tooltip("series:N", title=series_title), alt.Tooltip("step:Q", title=step_title),
                 alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER)],
    )
    if not len(marked):  # no empty layer: its mark group would be an unnamed graphic (axe-core's svg-img-alt)
        return lines.properties(height=280 + FLOW_FRAME)
    rules = alt.Chart(pd.DataFrame({"step": marked + 1})).mark_rule(
        color=MARK_COLOR, strokeDash=[4, 2]).encode(x=alt.X("step:Q", scale=steps))
    return (rules + lines).properties(height=280 + FLOW_FRAME)  # the legend, one series a line, goes below


def training_curves(df: pd.DataFrame, *, step_title: str, value_title: str, series_title: str) -> alt.Chart:
    """Fraction of each training batch solved (``step``, ``value``, ``series`` columns), 0 to 1."""
    return alt.Chart(df).mark_line(clip=True).encode(
        x=alt.X("step:Q", title=step_title),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(range=list(PALETTE)),
                        legend=alt.Legend(orient="bottom", direction="vertical")),  # beside it, a phone cuts it
        tooltip=[alt.Tooltip("series:N", title=series_title), alt.Tooltip("step:Q", title=step_title),
                 alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER)],
    ).properties(height=240)


def sweep_chart(df: pd.DataFrame, chance: float, *, lag_title: str, rate_title: str, mean_title: str,
                range_title: str, series_title: str, chance_label: str, lag: int | None) -> alt.LayerChart:
    """Mean success rate against lag with the seeds' min–max as bars (``lag``, ``mean``, ``min``, ``max``,
    ``series`` columns, and ``mean_label``, ``range_label`` as the tooltips show them); a dashed line at the rate
    of guessing; a grey rule at the lag chosen above. Each field has its own title (a chart's titles name its
    quantities in the exported data)."""
    color = alt.Color("series:N", title=series_title, scale=alt.Scale(range=list(PALETTE)),
                      legend=alt.Legend(orient="right"))
    x = alt.X("lag:Q", title=lag_title, axis=alt.Axis(format="d"))
    tips = [alt.Tooltip("series:N", title=series_title), alt.Tooltip("lag:Q", title=lag_title),
            alt.Tooltip("mean_label:N", title=mean_title), alt.Tooltip("range_label:N", title=range_title)]
    y = alt.Y("mean:Q", title=rate_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=40)).encode(x=x, y=y, color=color, tooltip=tips)
    bars = alt.Chart(df).mark_rule(strokeWidth=2, opacity=0.5).encode(
        x=x, y=alt.Y("min:Q"), y2=alt.Y2("max"), color=color)
    guess = pd.DataFrame({"y": [chance], "label": [chance_label], "rate": [percent(chance)]})
    chance_rule = alt.Chart(guess).mark_rule(strokeDash=[5, 3], color="#777777").encode(
        y=alt.Y("y:Q"), tooltip=[alt.Tooltip("label:N", title=chance_label), alt.Tooltip("rate:N", title=rate_title)])
    chance_text = alt.Chart(guess).mark_text(align="left", dy=-7, dx=4, color="#555555").encode(
        y=alt.Y("y:Q"), x=alt.value(0), text=alt.Text("label:N"))
    layers = [bars, lines, chance_rule, chance_text]
    if lag is not None:
        layers.insert(0, alt.Chart(pd.DataFrame({"lag": [lag]})).mark_rule(color="#bbbbbb", strokeWidth=6,
                                                                            opacity=0.5).encode(x=alt.X("lag:Q")))
    return alt.layer(*layers).properties(height=320)


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
    """Rows of :func:`sweep_chart` from :func:`rnn_core.tasks.summarise_sweep` (arrays (M, L))."""
    return pd.concat([pd.DataFrame({"lag": lags, "mean": summary["mean"][m], "min": summary["min"][m],
                                    "max": summary["max"][m], "series": title,
                                    "mean_label": [percent(x) for x in summary["mean"][m]],
                                    "range_label": [f"{percent(lo)} – {percent(hi)}" for lo, hi in
                                                    zip(summary["min"][m], summary["max"][m], strict=True)]})
                      for m, title in enumerate(model_titles)], ignore_index=True)


def sweep_tables(lags: np.ndarray, summary: dict, n_seeds: int, columns: dict[str, str]) -> list[pd.DataFrame]:
    """The sweep as one table per model (side by side on a wide screen, stacked on a phone): one row per lag,
    the mean success rate, the seeds' range, and how many runs solved the task (``columns``: translated
    ``lag``, ``mean``, ``range``, ``solved`` headings)."""
    return [pd.DataFrame({
        columns["lag"]: [integer(lag) for lag in lags],
        columns["mean"]: [percent(x) for x in summary["mean"][m]],
        columns["range"]: [f"{percent(lo)} – {percent(hi)}" for lo, hi in
                           zip(summary["min"][m], summary["max"][m], strict=True)],
        columns["solved"]: [f"{integer(k)} / {integer(n_seeds)}" for k in summary["solved"][m]],
    }) for m in range(len(summary["mean"]))]


def gate_settings(gates: dict[str, float], fmt) -> str:
    """``{"f": 1.0, "i": 0.0}`` as ``f = 1, i = 0`` (the gate values of a mode, for its label)."""
    return ", ".join(f"{g} = {fmt(v)}" for g, v in gates.items())


def modes_table(modes: dict[str, dict[str, float]], names: dict[str, str], effects: dict[str, str],
                columns: list[str], fmt) -> str:
    """The operating modes as a Markdown table, one row per mode, the gate values from ``modes`` (``–`` for a
    gate the mode leaves free). ``names``/``effects``: translated per mode; ``columns``: translated headings
    (mode, then f, i, o, then what happens)."""
    rows = [f"| {' | '.join(columns)} |", "|" + "---|" * len(columns)]
    for mode, gates in modes.items():
        values = [fmt(gates[g]) if g in gates else "–" for g in ("f", "i", "o")]
        rows.append(f"| **{names[mode]}** | {' | '.join(values)} | {effects[mode]} |")
    return "\n".join(rows)
