"""Graphviz (DOT) pictures of unrolled networks. Only numbers and translated labels go in; no user text."""

from __future__ import annotations

import numpy as np

from ui.numbers import integer, num

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """A step index as a subscript: 12 → ₁₂."""
    return str(n).translate(_SUBSCRIPT)


def unrolled_counting(x: np.ndarray, S: np.ndarray, U: float, W: float, shown: int = 8) -> str:
    """The counting RNN unrolled over ``x`` (T,) with states ``S`` (T+1,) written in the nodes.

    Long sequences show the first ``shown - 1`` steps, an ellipsis, and the last step.
    """
    T = len(x)
    steps = list(range(1, T + 1)) if T <= shown else [*range(1, shown), None, T]
    lines = [
        "digraph G {", "rankdir=LR; nodesep=0.35; ranksep=0.5;",
        'node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
        f'S0 [label="S₀\\n{num(S[0])}", shape=circle, style=filled, fillcolor="#eeeeee"];',
    ]
    prev = "S0"
    for t in steps:
        if t is None:
            lines.append('dots [label="…", shape=plaintext, fontsize=18];')
            lines.append(f'{prev} -> dots [label="W"];')
            prev = "dots"
            continue
        color = "#ffe9a8" if x[t - 1] == 1 else "#ffffff"
        lines.append(f'x{t} [label="X{sub(t)} = {integer(x[t - 1])}", shape=box, style=filled, fillcolor="{color}"];')
        lines.append(f'S{t} [label="S{sub(t)}\\n{num(S[t])}", shape=circle, style=filled, fillcolor="#d6e8f7"];')
        lines.append(f'x{t} -> S{t} [label="U={num(U)}", color="#E69F00"];')
        lines.append(f"{{rank=same; x{t}; S{t}}}")  # each input sits under its state: time runs left to right
        lines.append(f'{prev} -> S{t} [label="W={num(W)}", color="#0072B2"];')
        prev = f"S{t}"
    lines.append(f'y [label="y = {num(S[T])}", shape=doubleoctagon];')
    lines.append(f"{prev} -> y;")
    lines.append("}")
    return "\n".join(lines)


# Home's two pictures. Their text is drawn at FONT_PT points: Streamlit shows a graph at its natural size (1 pt =
# 4/3 px) unless the column is narrower, so a picture narrow enough for its column keeps 14 pt = 18.7 px text.
FONT_PT = 14
_HOME_NODE = f'node [fontname="Helvetica", fontsize={FONT_PT}]; edge [fontname="Helvetica", fontsize={FONT_PT}];'
_COLOURS = {"input": "#ffe9a8", "state": "#d6e8f7", "output": "#e3f1df", "U": "#E69F00", "W": "#0072B2",
            "V": "#009E73"}


def folded_rnn(labels: dict[str, str]) -> str:
    """The RNN as the note draws it first: one state node with a loop (the directed cycle) through W."""
    return "\n".join([
        "digraph G {", "rankdir=BT; nodesep=0.4;", _HOME_NODE,
        f'x [label="X\\n{labels["input"]}", shape=box, style=filled, fillcolor="{_COLOURS["input"]}"];',
        f'S [label="S\\n{labels["state"]}", shape=circle, style=filled, fillcolor="{_COLOURS["state"]}"];',
        f'o [label="O\\n{labels["output"]}", shape=box, style=filled, fillcolor="{_COLOURS["output"]}"];',
        f'x -> S [label="U", color="{_COLOURS["U"]}"];',
        f'S -> S [label="W", color="{_COLOURS["W"]}"];',
        f'S -> o [label="V", color="{_COLOURS["V"]}"];',
        "}",
    ])


def unrolled_steps(T: int, shown: int = 4) -> list[int | None]:
    """The steps an unrolled picture draws: all of them up to ``shown``, else the first ``shown - 1``, an
    ellipsis (None) and the last."""
    return list(range(1, T + 1)) if T <= shown else [*range(1, shown), None, T]


def unrolled_rnn(T: int, shown: int = 4, stacked: bool = False) -> str:
    """The same network unrolled over ``T`` steps: one copy per step, the same U, W and V in every copy.

    Time runs left to right (outputs above, inputs below, as in the folded picture), or, with ``stacked``, top
    to bottom with each step on a row (input, state, output), which fits a phone's width.
    """
    lines = ["digraph G {", "rankdir=TB; nodesep=0.35; ranksep=0.3;" if stacked else
             "rankdir=LR; nodesep=0.3; ranksep=0.35;", _HOME_NODE,
             f'S0 [label="S{sub(0)}", shape=circle, style=filled, fillcolor="#eeeeee"];']
    prev = "S0"
    for t in unrolled_steps(T, shown):
        if t is None:
            lines += ['dots [label="…", shape=plaintext];', f'{prev} -> dots [label="W", color="{_COLOURS["W"]}"];']
            prev = "dots"
            continue
        # Within a step (one rank) Graphviz lays an edge's tail before its head: left to right when stacked,
        # top to bottom when time runs left to right; there the edges are laid reversed and drawn back
        # (dir=back), so that the output sits above its state and the input below, as in the folded picture.
        if stacked:
            u_edge, v_edge = f"x{t} -> S{t} [", f"S{t} -> o{t} ["
        else:
            u_edge, v_edge = f"S{t} -> x{t} [dir=back, ", f"o{t} -> S{t} [dir=back, "
        lines += [
            f'x{t} [label="X{sub(t)}", shape=box, style=filled, fillcolor="{_COLOURS["input"]}"];',
            f'S{t} [label="S{sub(t)}", shape=circle, style=filled, fillcolor="{_COLOURS["state"]}"];',
            f'o{t} [label="O{sub(t)}", shape=box, style=filled, fillcolor="{_COLOURS["output"]}"];',
            f'{u_edge}label="U", color="{_COLOURS["U"]}"];',
            f'{prev} -> S{t} [label="W", color="{_COLOURS["W"]}"];',
            f'{v_edge}label="V", color="{_COLOURS["V"]}"];',
            f"{{rank=same; x{t}; S{t}; o{t}}}",
        ]
        prev = f"S{t}"
    lines.append("}")
    return "\n".join(lines)
