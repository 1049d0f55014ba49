"""Graphviz (DOT) pictures for the sequence-mappings lesson: the five shapes side by side, and one trained network
unrolled over the student's input. Inputs at the bottom, states in the middle, outputs on top, time to the right
(Karpathy's layout). Only vetted symbols and translated labels go in; no raw user text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_core import mappings

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
    rows = ["<TR>" + "".join(f'<TD WIDTH="22" HEIGHT="22"><FONT POINT-SIZE="15">{c or "&nbsp;"}</FONT></TD>'
                             for c in cells[r:r + 3]) + "</TR>" for r in (0, 3, 6)]
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
            lines.append(f"{x} -> {h}" + (f" [label={_quote(edge_labels['x'])}];" if first and "x" in edge_labels
                                          else ";"))
        if col.y is not None:
            y = f"{prefix}y{i}"
            fill, pen = (WRONG_FILL, f', color="{WRONG_PEN}", penwidth=2.5') if col.wrong else (OUTPUT_FILL, "")
            text = "" if tiny else f"label={_quote(col.y)}, "
            lines.append(f'{y} [{text}shape=box, style="rounded,filled", fillcolor="{fill}"{pen}, {size}];')
            first = not any(c.y is not None for c in columns[:i])
            lines.append(f"{h} -> {y}" + (f" [label={_quote(edge_labels['y'])}];" if first and "y" in edge_labels
                                          else ";"))
    for i in range(1, len(states)):
        label = edge_labels.get("h") if i == 1 else None
        lines.append(f"{states[i - 1]} -> {states[i]}" + (f" [label={_quote(label)}];" if label else ";"))
    lines.append("{rank=same; " + "; ".join(states) + ";}")  # states in one row: time runs left to right
    return lines


def _header() -> list[str]:
    # Node text at 15 pt (20 px at natural size): the widest unrolled networks (ten columns, or the encoder-decoder's
    # ten and its hand-over edge) are drawn at about 0.8 of their natural size at 1280 px: above 14 px.
    return [
        "digraph G {", "rankdir=BT; nodesep=0.22; ranksep=0.3; newrank=true;",
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
    cols = [Column("h", "x" if has_x else None, "y" if has_y else None,
                   fill=DECODER_FILL if name == "seq2seq" and i >= 2 else STATE_FILL)
            for i, (has_x, has_y) in enumerate(SKETCHES[name])]
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


def unrolled(task: str, x: np.ndarray, outputs: np.ndarray, right: np.ndarray, shown_input: list[str],
             shown_output: list[str], labels: dict[str, str], limit: int = 10) -> str:
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
        enc = [Column("…") if t is None else Column(subscript("h", t + 1), x=symbol[x[t]])
               for t in _shown(len(x), SEQ2SEQ_LIMIT)]
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
        for t in _shown(len(x), limit):
            if t is None:
                cols.append(Column("…"))
                continue
            has_output = task == "many_to_many" or t == len(x) - 1
            j = t if task == "many_to_many" else 0
            y, wrong = out(j) if has_output else (None, False)
            cols.append(Column(subscript("h", t + 1), x=symbol[x[t]], y=y, wrong=wrong))
        lines += _network(cols, "n", edge_labels={"x": "U", "h": "W", "y": "V"})
    lines.append("}")
    return "\n".join(lines)
