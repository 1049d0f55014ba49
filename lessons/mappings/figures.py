"""The sequence-mappings lesson's figures: its Altair charts (the hidden states over time, the output
probabilities under them, accuracy against length, the training loss) and its Graphviz diagrams (the five
mappings side by side, one trained network unrolled over the student's input).

Charts: channels are objects, never shorthand strings (see ui/charts.py on speed). Every chart is a single view
that fits its container's width (``charts.show(..., width="stretch")``), with its legend below the plot, so
nothing is cut on a phone; the states and the probabilities are two charts whose y-axes take the same room, so
their step columns line up. Numbers in tooltips are formatted to read like :func:`ui.numbers.num` and
:func:`ui.numbers.percent` (the percent sign where the page's language puts it, from the charts' number locale
:func:`ui.numbers.d3_locale`). The page's charts (``*_chart``) are built from the cached runs of
:mod:`lessons.mappings.readings`, in the page's language, through the one spec cache
(:func:`ui.charts.spec_cache`), keyed on the language, the task and the typed symbols.

Diagrams (DOT): inputs at the bottom, states in the middle, outputs on top, time to the right (Karpathy's
layout). Only vetted symbols and translated labels go in; no raw user text.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from lessons.mappings import readings
from rnn_core import mappings
from ui import charts
from ui.charts import PALETTE
from ui.i18n import t
from ui.numbers import D3_NUMBER, d3_locale

# A y-axis title written level above the axis: rotated Hangul reads sideways.
LEVEL_TITLE = {
    "titleAngle": 0,
    "titleAnchor": "end",
    "titleAlign": "left",
    "titleBaseline": "bottom",
    "titleX": -30,
    "titleY": -8,
}
Y_AXIS_ROOM = 76  # pixels for the y labels of both heatmaps, so their columns line up
# A diverging map for signed states (−1 … 1), as the LSTM lesson draws its signed values; viridis for
# probabilities, as every other heatmap of values in [0, 1].
STATE_SCHEME, PROBABILITY_SCHEME = "blueorange", "viridis"
PERCENT = ".3~p"  # 3 significant digits, as ui.numbers.percent


def step_names(steps: int, encoder_steps: int = 0) -> list[str]:
    """Column names of the states chart: 1, 2, ... or, for an encoder-decoder, h1..hT then s1..sT'."""
    if encoder_steps:
        return [f"h{i + 1}" for i in range(encoder_steps)] + [f"s{j + 1}" for j in range(steps - encoder_steps)]
    return [str(i + 1) for i in range(steps)]


def _bottom_legend(length: int = 220, fmt: str | None = None) -> alt.Legend:
    return alt.Legend(
        orient="bottom",
        direction="horizontal",
        gradientLength=length,
        titleLimit=400,
        **({"format": fmt} if fmt else {}),
    )


def states_rows(states: np.ndarray, steps: list[str]) -> pd.DataFrame:
    """The rows of :func:`states`: a (step, unit, value) row per cell.

    Args:
        states: (T, H); steps: T step names in order.
    """
    T, H = states.shape
    units = [str(u + 1) for u in range(H)]
    return pd.DataFrame({"step": np.repeat(steps, H), "unit": np.tile(units, T), "value": states.ravel()})


def states(
    source: pd.DataFrame | alt.NamedData,
    steps: list[str],
    hidden: int,
    *,
    step_title: str,
    unit_title: str,
    state_title: str,
    show_steps: bool,
) -> alt.Chart:
    """A heatmap of the hidden states: a column per step, a row per unit, coloured from −1 to 1.

    Args:
        source: the rows of :func:`states_rows` (or the slot a template's rows go in); steps: the T step names in
            order; hidden: the number of units H; show_steps: label the step axis (when no chart follows).
    """
    H = hidden
    units = [str(u + 1) for u in range(H)]
    return (
        alt.Chart(source)
        .mark_rect()
        .encode(
            x=alt.X(
                "step:O",
                title=step_title if show_steps else None,
                sort=steps,
                scale=alt.Scale(domain=steps),
                axis=alt.Axis(labelAngle=0, labelOverlap=True) if show_steps else None,
            ),
            y=alt.Y(
                "unit:O",
                title=unit_title,
                sort=units,
                axis=alt.Axis(labelOverlap=True, minExtent=Y_AXIS_ROOM, maxExtent=Y_AXIS_ROOM, **LEVEL_TITLE),
            ),
            color=alt.Color(
                "value:Q",
                title=state_title,
                scale=alt.Scale(scheme=STATE_SCHEME, domain=[-1, 1]),
                legend=_bottom_legend(fmt=D3_NUMBER),
            ),
            tooltip=[
                alt.Tooltip("step:O", title=step_title),
                alt.Tooltip("unit:O", title=unit_title),
                alt.Tooltip("value:Q", title=state_title, format=D3_NUMBER),
            ],
        )
        .properties(height=min(max(12 * H, 120), 300))
        .configure(locale=d3_locale())
    )


def probabilities_rows(probs: np.ndarray, steps: list[str], classes: list[str]) -> pd.DataFrame:
    """The rows of :func:`probabilities`: a (step, class, probability) row per cell, at the last ``len(probs)``
    of ``steps``.

    Args:
        probs: (T_out, K); steps: the T step names of the states chart; classes: K class names.
    """
    T_out, K = probs.shape
    out_steps = steps[len(steps) - T_out :]
    return pd.DataFrame({"step": np.repeat(out_steps, K), "cls": np.tile(classes, T_out), "p": probs.ravel()})


def probabilities(
    source: pd.DataFrame | alt.NamedData,
    steps: list[str],
    classes: list[str],
    *,
    step_title: str,
    class_title: str,
    prob_title: str,
) -> alt.Chart:
    """The output probabilities (class × step) at the steps that have an output; the other steps stay empty, so
    the columns line up with :func:`states` above.

    Args:
        source: the rows of :func:`probabilities_rows` (or the slot a template's rows go in); steps: the T step
            names of the states chart; classes: K class names.
    """
    K = len(classes)
    return (
        alt.Chart(source)
        .mark_rect()
        .encode(
            x=alt.X(
                "step:O",
                title=step_title,
                sort=steps,
                scale=alt.Scale(domain=steps),
                axis=alt.Axis(labelAngle=0, labelOverlap=True),
            ),
            y=alt.Y(
                "cls:N",
                title=None,
                sort=classes,
                axis=alt.Axis(
                    labelAngle=0,
                    labelOverlap=False,
                    minExtent=Y_AXIS_ROOM,
                    maxExtent=Y_AXIS_ROOM,
                    labelLimit=Y_AXIS_ROOM - 6,
                ),
            ),
            color=alt.Color(
                "p:Q",
                title=prob_title,
                scale=alt.Scale(scheme=PROBABILITY_SCHEME, domain=[0, 1]),
                legend=_bottom_legend(fmt="~%"),
            ),
            tooltip=[
                alt.Tooltip("step:O", title=step_title),
                alt.Tooltip("cls:N", title=class_title),
                alt.Tooltip("p:Q", title=prob_title, format=PERCENT),
            ],
        )
        .properties(height=max(22 * K, 66))
        .configure(locale=d3_locale())
    )


def accuracy_by_length(
    curve: dict[str, np.ndarray],
    trained_range: tuple[int, int],
    *,
    length_title: str,
    accuracy_title: str,
    count_title: str,
    kind_title: str,
    trained_name: str,
    beyond_name: str,
    height: int = 260,
) -> alt.LayerChart:
    """Whole-output accuracy against length, the training lengths shaded; two marker shapes tell the held-out
    points from the longer ones without colour."""
    df = pd.DataFrame(
        {
            "length": curve["length"],
            "accuracy": curve["accuracy"],
            "n": curve["n"],
            "kind": np.where(curve["trained"], trained_name, beyond_name),
        }
    )
    band = (
        alt.Chart(pd.DataFrame({"lo": [trained_range[0] - 0.5], "hi": [trained_range[1] + 0.5]}))
        .mark_rect(color="#56B4E9", opacity=0.15)
        .encode(x=alt.X("lo:Q"), x2=alt.X2("hi"))
    )
    x = alt.X("length:Q", title=length_title, axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y(
        "accuracy:Q", title=accuracy_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="~%", **LEVEL_TITLE)
    )
    line = alt.Chart(df).mark_line(color="#767676", strokeWidth=1.2).encode(x=x, y=y)
    points = (
        alt.Chart(df)
        .mark_point(filled=True, size=55)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "kind:N",
                title=kind_title,
                scale=alt.Scale(domain=[trained_name, beyond_name], range=[PALETTE[0], PALETTE[3]]),
                # One entry a line: side by side the two names ran past a phone's width and were cut.
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400, titleLimit=400),
            ),
            shape=alt.Shape(
                "kind:N",
                title=kind_title,
                scale=alt.Scale(domain=[trained_name, beyond_name], range=["circle", "triangle-up"]),
            ),
            tooltip=[
                alt.Tooltip("length:Q", title=length_title, format="d"),
                alt.Tooltip("accuracy:Q", title=accuracy_title, format=PERCENT),
                alt.Tooltip("n:Q", title=count_title, format="d"),
                alt.Tooltip("kind:N", title=kind_title),
            ],
        )
    )
    return (band + line + points).properties(height=height).configure(locale=d3_locale())


def loss_curve(losses: np.ndarray, *, iteration_title: str, loss_title: str, height: int = 220) -> alt.Chart:
    """The training loss before each update, on a log axis (it falls over decades)."""
    df = pd.DataFrame({"iteration": np.arange(1, len(losses) + 1), "loss": losses})
    df = df[df["loss"] > 0]  # a log axis cannot draw 0 (a loss is 0 only if every probability is exactly 1)
    return (
        alt.Chart(df)
        .mark_line(color=PALETTE[0], clip=True)
        .encode(
            x=alt.X("iteration:Q", title=iteration_title, axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y(
                "loss:Q", title=loss_title, scale=alt.Scale(type="log"), axis=alt.Axis(format=D3_NUMBER, **LEVEL_TITLE)
            ),
            tooltip=[
                alt.Tooltip("iteration:Q", title=iteration_title, format="d"),
                alt.Tooltip("loss:Q", title=loss_title, format=D3_NUMBER),
            ],
        )
        .properties(height=height)
        .configure(locale=d3_locale())
    )


# --- The page's charts, in its language ------------------------------------------------------------------------


def fit_width(spec: dict) -> dict:
    """The chart's width follows its container and its height stays what the chart asks for (the plot's own
    height, the legend below it extra): Streamlit's default "fit" would squeeze the plot to make room for the
    legend. Called on a freshly built or filled spec (its own top level), before it is cached."""
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def run_steps(task: str, symbols: tuple[int, ...]) -> list[str]:
    """The step names of the states and probabilities charts (h1.. then s1.. for the encoder-decoder)."""
    result = readings.answer(task, symbols)
    return step_names(len(result.states), result.encoder_steps if task == "seq2seq" else 0)


# The states and probabilities charts are templates (ui.charts.template): their shape (the step names on the
# axis, the units, the classes, the titles) depends on the language, the mapping and the steps the input runs
# for, at most 60 per mapping and language, each built and validated once per process; a new typed input of a
# length seen before only puts its rows in (no Altair object). The step names stay constants of the shape, not
# rows: the probabilities chart leaves the steps without an output empty, which only a domain in the chart does.


@charts.template(max_entries=384)
def states_template(lang: str, task: str, steps: tuple[str, ...]) -> alt.Chart:
    return states(
        charts.slot("states"),
        list(steps),
        mappings.TASKS[task].hidden,
        step_title=t("mappings.step_axis"),
        unit_title=t("mappings.unit_axis"),
        state_title=t("mappings.state_value"),
        show_steps=False,
    )


@charts.template(max_entries=384)
def probabilities_template(lang: str, task: str, steps: tuple[str, ...]) -> alt.Chart:
    return probabilities(
        charts.slot("probabilities"),
        list(steps),
        readings.output_names(task),
        step_title=t("mappings.step_axis"),
        class_title=t("mappings.output_axis"),
        prob_title=t("mappings.prob_axis"),
    )


@charts.spec_cache(max_entries=128)
def states_chart(lang: str, task: str, symbols: tuple[int, ...]) -> dict:
    """Section 3: the hidden state after each step, a column per step (the probabilities chart follows)."""
    steps = run_steps(task, symbols)
    rows = {"states": states_rows(readings.answer(task, symbols).states, steps)}
    return fit_width(charts.filled(states_template(lang, task, tuple(steps)), rows))


@charts.spec_cache(max_entries=128)
def probabilities_chart(lang: str, task: str, symbols: tuple[int, ...]) -> dict:
    """Section 3: the output probabilities at the steps that have an output, under the states' columns."""
    steps = run_steps(task, symbols)
    rows = {
        "probabilities": probabilities_rows(readings.answer(task, symbols).probs, steps, readings.output_names(task))
    }
    return fit_width(charts.filled(probabilities_template(lang, task, tuple(steps)), rows))


@charts.spec_cache(max_entries=16)
def accuracy_chart(lang: str, task: str) -> dict:
    """Section 4: whole-output accuracy against length, the training lengths shaded."""
    return fit_width(
        charts.vega_lite(
            accuracy_by_length(
                readings.evaluation(task)[0],
                mappings.TASKS[task].lengths,
                length_title=t("mappings.shapes_axis" if task in mappings.PICTURES else "mappings.length_axis"),
                accuracy_title=t("mappings.accuracy_axis"),
                count_title=t("mappings.count_axis"),
                kind_title=t("mappings.kind_axis"),
                trained_name=t("mappings.kind_trained"),
                beyond_name=t("mappings.kind_beyond"),
            )
        )
    )


@charts.spec_cache(max_entries=16)
def loss_chart(lang: str, task: str) -> dict:
    """Section 4: the training loss before each update."""
    return fit_width(
        charts.vega_lite(
            loss_curve(
                readings.model(task).losses, iteration_title=t("common.iteration"), loss_title=t("mappings.loss_axis")
            )
        )
    )


# --- Diagrams --------------------------------------------------------------------------------------------------

INPUT_FILL, STATE_FILL, DECODER_FILL, OUTPUT_FILL = "#fbe3b5", "#d6e8f7", "#e4dcf0", "#cdebdc"
WRONG_FILL, WRONG_PEN = "#f6cbb7", "#D55E00"  # Okabe–Ito vermillion: the output disagrees with the right one
SEQ2SEQ_LIMIT = 5  # steps drawn of the encoder and of the decoder each: ten columns and the hand-over edge
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Column:
    """One time step: its state node, and its input and output when it has them."""

    state: str  # the state's name, e.g. "h₃"; "…" marks skipped steps
    x: str | None = None
    y: str | None = None
    wrong: bool = False
    picture: tuple[str, ...] | None = None  # the input drawn as a 3x3 grid
    fill: str = STATE_FILL


def subscript(name: str, k: int) -> str:
    """A state's name with its step as a subscript: ``h₁₂``."""
    return name + str(k).translate(SUBSCRIPTS)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _picture_label(cells: tuple[str, ...]) -> str:
    rows = [
        "<TR>"
        + "".join(
            f'<TD WIDTH="22" HEIGHT="22"><FONT POINT-SIZE="15">{c or "&nbsp;"}</FONT></TD>' for c in cells[r : r + 3]
        )
        + "</TR>"
        for r in (0, 3, 6)
    ]
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"


def _network(columns: list[Column], prefix: str, tiny: bool = False, edge_labels: dict | None = None) -> list[str]:
    """Nodes and edges of one unrolled network; ``edge_labels`` names the first input, recurrent and output
    edges (the weights every step shares)."""
    edge_labels = edge_labels or {}
    size = 'width=0.22, height=0.22, fixedsize=true, label=""' if tiny else "margin=0.04, width=0.42, height=0.42"
    lines, states = [], []
    for i, col in enumerate(columns):
        h = f"{prefix}h{i}"
        states.append(h)
        if col.state == "…":
            lines.append(f'{h} [label="…", shape=plaintext, fontsize=18];')
            continue
        label = "" if tiny else f"label={_quote(col.state)}, "
        lines.append(f'{h} [{label}shape=circle, style=filled, fillcolor="{col.fill}", {size}];')
        if col.picture is not None or col.x is not None:
            x = f"{prefix}x{i}"
            if col.picture is not None and not tiny:
                lines.append(f"{x} [label={_picture_label(col.picture)}, shape=plaintext];")
            else:
                text = "" if tiny else f"label={_quote(col.x)}, "
                lines.append(f'{x} [{text}shape=box, style=filled, fillcolor="{INPUT_FILL}", {size}];')
            first = not any(c.x is not None or c.picture is not None for c in columns[:i])
            lines.append(
                f"{x} -> {h}" + (f" [label={_quote(edge_labels['x'])}];" if first and "x" in edge_labels else ";")
            )
        if col.y is not None:
            y = f"{prefix}y{i}"
            fill, pen = (WRONG_FILL, f', color="{WRONG_PEN}", penwidth=2.5') if col.wrong else (OUTPUT_FILL, "")
            text = "" if tiny else f"label={_quote(col.y)}, "
            lines.append(f'{y} [{text}shape=box, style="rounded,filled", fillcolor="{fill}"{pen}, {size}];')
            first = not any(c.y is not None for c in columns[:i])
            lines.append(
                f"{h} -> {y}" + (f" [label={_quote(edge_labels['y'])}];" if first and "y" in edge_labels else ";")
            )
    for i in range(1, len(states)):
        label = edge_labels.get("h") if i == 1 else None
        lines.append(f"{states[i - 1]} -> {states[i]}" + (f" [label={_quote(label)}];" if label else ";"))
    lines.append("{rank=same; " + "; ".join(states) + ";}")  # states in one row: time runs left to right
    return lines


def _header() -> list[str]:
    # Node text at 15 pt (20 px at natural size): the widest unrolled networks (ten columns, or the encoder-decoder's
    # ten and its hand-over edge) are drawn at about 0.8 of their natural size at 1280 px: above 14 px.
    return [
        "digraph G {",
        "rankdir=BT; nodesep=0.22; ranksep=0.3; newrank=true;",
        'node [fontname="Helvetica", fontsize=15]; edge [fontname="Helvetica", fontsize=14, arrowsize=0.6];',
    ]


SKETCHES = {  # (has input, has output) per step, for the overview
    "one_to_one": [(True, True)],
    "one_to_many": [(True, True), (False, True), (False, True)],
    "many_to_one": [(True, False), (True, False), (True, True)],
    "seq2seq": [(True, False), (True, False), (False, True), (False, True), (False, True)],
    "many_to_many": [(True, True), (True, True), (True, True)],
}


SKETCH_COLUMNS = max(len(columns) for columns in SKETCHES.values())


def sketch(name: str, selected: bool) -> str:
    """One of the five mappings, small and unlabelled (the page writes its name under it); the selected one is
    shaded.

    Every sketch is laid out SKETCH_COLUMNS steps wide (invisible steps pad the shorter ones on both sides),
    so all five have the same natural size and are drawn at the same scale in equal columns.
    (One DOT per mapping: Graphviz's layout fails on some of these shapes inside clusters.)
    """
    cols = [
        Column(
            "h",
            "x" if has_x else None,
            "y" if has_y else None,
            fill=DECODER_FILL if name == "seq2seq" and i >= 2 else STATE_FILL,
        )
        for i, (has_x, has_y) in enumerate(SKETCHES[name])
    ]
    lines = _header()
    background = "#e6f0f8" if selected else "white"
    lines.append(f'bgcolor="{background}"; pad=0.08; nodesep=0.14;')
    lines += _network(cols, "m", tiny=True)
    missing = SKETCH_COLUMNS - len(cols)
    left, right = [f"pl{i}" for i in range(missing // 2)], [f"pr{i}" for i in range(missing - missing // 2)]
    row = [*left, *(f"mh{i}" for i in range(len(cols))), *right]
    for pad in left + right:
        lines.append(f'{pad} [style=invis, shape=circle, width=0.22, height=0.22, fixedsize=true, label=""];')
    for a, b in zip(row, row[1:], strict=False):
        if a.startswith("p") or b.startswith("p"):
            lines.append(f"{a} -> {b} [style=invis];")
    lines.append("{rank=same; " + "; ".join(row) + ";}")
    lines.append("}")
    return "\n".join(lines)


def _shown(n: int, limit: int) -> list[int | None]:
    """Which of n steps to draw: all of them, or the first ones, an ellipsis (None) and the last two."""
    return list(range(n)) if n <= limit else [*range(limit - 3), None, n - 2, n - 1]


def unrolled(
    task: str,
    x: np.ndarray,
    outputs: np.ndarray,
    right: np.ndarray,
    shown_input: list[str],
    shown_output: list[str],
    labels: dict[str, str],
    limit: int = 10,
) -> str:
    """The task's trained network unrolled over the input ``x`` (symbol indices) with its ``outputs`` (class
    indices). ``shown_input[i]``/``shown_output[k]`` is how input symbol i/class k is written. Outputs that
    differ from ``right`` are marked.

    ``labels`` holds the translated edge names: ``encoded`` (the state handed from encoder to decoder).
    """
    symbol = shown_input

    def out(j: int) -> tuple[str, bool]:
        wrong = j >= len(right) or outputs[j] != right[j]
        return shown_output[outputs[j]], wrong

    lines = _header()
    if task in mappings.PICTURES:
        picture = tuple("" if c == 0 else mappings.SHAPES[c - 1] for c in x)
        cols = []
        for j in _shown(len(outputs), limit):
            if j is None:
                cols.append(Column("…"))
                continue
            y, wrong = out(j)
            cols.append(Column(subscript("h", j + 1), y=y, wrong=wrong, picture=picture if j == 0 else None))
        lines += _network(cols, "n", edge_labels={"x": "U", "h": "W", "y": "V"})
    elif task == "seq2seq":
        enc = [
            Column("…") if step is None else Column(subscript("h", step + 1), x=symbol[x[step]])
            for step in _shown(len(x), SEQ2SEQ_LIMIT)
        ]
        dec = []
        for j in _shown(len(outputs), SEQ2SEQ_LIMIT):
            if j is None:
                dec.append(Column("…", fill=DECODER_FILL))
                continue
            y, wrong = out(j)
            fed = "∅" if j == 0 else shown_output[outputs[j - 1]]  # the decoder is fed its previous guess
            dec.append(Column(subscript("s", j + 1), x=fed, y=y, wrong=wrong, fill=DECODER_FILL))
        lines += _network(enc, "e", edge_labels={"x": "U", "h": "W"})
        lines += _network(dec, "d", edge_labels={"x": "U′", "h": "W′", "y": "V"})
        lines.append(f"eh{len(enc) - 1} -> dh0 [label={_quote(labels['encoded'])}, penwidth=2];")
        lines.append("{rank=same; eh" + f"{len(enc) - 1}; dh0;" + "}")
    else:
        cols = []
        for step in _shown(len(x), limit):
            if step is None:
                cols.append(Column("…"))
                continue
            has_output = task == "many_to_many" or step == len(x) - 1
            j = step if task == "many_to_many" else 0
            y, wrong = out(j) if has_output else (None, False)
            cols.append(Column(subscript("h", step + 1), x=symbol[x[step]], y=y, wrong=wrong))
        lines += _network(cols, "n", edge_labels={"x": "U", "h": "W", "y": "V"})
    lines.append("}")
    return "\n".join(lines)
