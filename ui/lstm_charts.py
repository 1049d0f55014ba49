"""Charts and tables of the LSTM lesson: gate heatmaps, gradient flow, training curves, the lag sweep.

Titles and labels arrive translated; channels are objects (never shorthand strings), see ui/charts.py.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE
from ui.numbers import D3_NUMBER, integer, percent

MARK_COLOR = "#D55E00"  # vermillion: the marked steps


def gate_heatmaps(
    panels: list[tuple[str, np.ndarray, bool]], marked: np.ndarray, *, step_title: str, unit_title: str,
    marked_title: str, width: int = 760,
) -> alt.VConcatChart:
    """One heatmap per panel, stacked: ``(title, values (T, H), is_gate)``; time 1..T on x, units on y.

    Gates (values in (0, 1)) share a sequential colour scale on [0, 1]; other values (the cell state) get a
    diverging scale centred on 0. ``marked`` holds 0-based steps drawn as vertical rules on every panel.
    """
    # One data frame for every panel (a column each), in small types: it travels once, about 8 bytes a cell.
    T, H = panels[0][1].shape
    tt, hh = np.meshgrid(np.arange(1, T + 1, dtype=np.int16), np.arange(1, H + 1, dtype=np.int16), indexing="ij")
    df = pd.DataFrame({"t": tt.ravel(), "unit": hh.ravel(),
                       **{f"p{k}": values.ravel().astype(np.float32) for k, (_, values, _) in enumerate(panels)}})
    charts = []
    for k, (title, values, is_gate) in enumerate(panels):
        if is_gate:
            scale = alt.Scale(scheme="viridis", domain=[0, 1])
        else:
            bound = max(float(np.max(np.abs(values))), 1e-9)
            scale = alt.Scale(scheme="blueorange", domain=[-bound, bound])
        last = k == len(panels) - 1
        x = alt.X("t:O", title=step_title if last else None,
                  axis=alt.Axis(labelAngle=0, labelOverlap=True, labels=last, ticks=last))
        rect = alt.Chart(df).mark_rect().encode(
            x=x,
            y=alt.Y("unit:O", title=None,
                    axis=alt.Axis(labelAngle=0, values=[1, H] if H > 8 else alt.Undefined)),
            color=alt.Color(f"p{k}:Q", title=title, scale=scale,
                            legend=alt.Legend(orient="right", gradientLength=70, titleLimit=160)),
            tooltip=[alt.Tooltip("t:O", title=step_title), alt.Tooltip("unit:O", title=unit_title),
                     alt.Tooltip(f"p{k}:Q", title=title, format=D3_NUMBER)],
        )
        rules = alt.Chart(pd.DataFrame({"t": marked + 1, "label": marked_title})).mark_rule(
            color=MARK_COLOR, strokeWidth=2, strokeDash=[4, 2]
        ).encode(x=alt.X("t:O"), tooltip=[alt.Tooltip("label:N", title=marked_title),
                                           alt.Tooltip("t:O", title=step_title)])
        charts.append((rect + rules).properties(title=alt.TitleParams(title, anchor="start", fontSize=13),
                                                width=width, height=max(90, 7 * H)))
    return alt.vconcat(*charts, spacing=6).resolve_scale(color="independent")


def flow_lines(df: pd.DataFrame, *, step_title: str, value_title: str, series_title: str,
               marked: np.ndarray, colors: tuple[int, ...] = (1, 0, 5, 2)) -> alt.LayerChart:
    """Gradient norms against the step (``step``, ``value``, ``series`` columns) on a log axis, with the marked
    steps as vertical rules. Rows with value ≤ 0 (an exact zero, which a log axis cannot draw) are left out.
    ``colors``: indices into PALETTE, one per series in order (a quantity keeps its colour from chart to chart)."""
    names = list(dict.fromkeys(df["series"]))  # colours and legend in the caller's order
    steps = alt.Scale(domain=[1, int(df["step"].max())], nice=False, zero=False)  # the steps are 1..T
    df = df[df["value"] > 0]
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=16), clip=True).encode(
        x=alt.X("step:Q", title=step_title, axis=alt.Axis(format="d", tickMinStep=1), scale=steps),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(type="log")),
        color=alt.Color("series:N", title=series_title,
                        scale=alt.Scale(domain=names, range=[PALETTE[k] for k in colors][: len(names)]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        tooltip=[alt.Tooltip("series:N", title=series_title), alt.Tooltip("step:Q", title=step_title),
                 alt.Tooltip("value:Q", title=value_title, format=D3_NUMBER)],
    )
    rules = alt.Chart(pd.DataFrame({"step": marked + 1})).mark_rule(
        color=MARK_COLOR, strokeDash=[4, 2]).encode(x=alt.X("step:Q", scale=steps))
    return (rules + lines).properties(height=380)  # the legend below takes about 80 px of it


def training_curves(df: pd.DataFrame, *, step_title: str, value_title: str, series_title: str) -> alt.Chart:
    """Fraction of each training batch solved (``step``, ``value``, ``series`` columns), 0 to 1."""
    return alt.Chart(df).mark_line(clip=True).encode(
        x=alt.X("step:Q", title=step_title),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(range=list(PALETTE)),
                        legend=alt.Legend(orient="right")),
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


def sweep_table(lags: np.ndarray, summary: dict, model_titles: list[str], n_seeds: int,
                columns: dict[str, str]) -> pd.DataFrame:
    """The sweep as a table: one row per lag; per model the mean success rate, the seeds' range, and how many
    runs solved the task (``columns``: translated ``lag``, ``mean``, ``range``, ``solved`` headings)."""
    table = {columns["lag"]: [integer(lag) for lag in lags]}
    for m, title in enumerate(model_titles):
        table[f"{title}: {columns['mean']}"] = [percent(x) for x in summary["mean"][m]]
        table[f"{title}: {columns['range']}"] = [f"{percent(lo)} – {percent(hi)}" for lo, hi in
                                                 zip(summary["min"][m], summary["max"][m], strict=True)]
        table[f"{title}: {columns['solved']}"] = [f"{integer(k)} / {integer(n_seeds)}" for k in summary["solved"][m]]
    return pd.DataFrame(table)


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
