"""Graphviz (DOT) pictures of recurrent networks, folded and unrolled, and what every lesson's pictures share (the
subscripts, which steps an unrolled picture draws, the font size and the colours). Only numbers and translated
labels go in; no user text."""

from __future__ import annotations

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """A step index as a subscript: 12 → ₁₂."""
    return str(n).translate(_SUBSCRIPT)


# Home's two pictures. Their text is drawn at FONT_PT points: Streamlit shows a graph at its natural size (1 pt =
# 4/3 px) unless the column is narrower, so a picture narrow enough for its column keeps 14 pt = 18.7 px text.
FONT_PT = 14
_HOME_NODE = f'node [fontname="Helvetica", fontsize={FONT_PT}]; edge [fontname="Helvetica", fontsize={FONT_PT}];'
COLOURS = {"input": "#ffe9a8", "state": "#d6e8f7", "output": "#e3f1df", "U": "#E69F00", "W": "#0072B2",
            "V": "#009E73"}


def folded_rnn(labels: dict[str, str]) -> str:
    """The RNN as the note draws it first: one state node with a loop (the directed cycle) through W."""
    return "\n".join([
        "digraph G {", "rankdir=BT; nodesep=0.4;", _HOME_NODE,
        f'x [label="X\\n{labels["input"]}", shape=box, style=filled, fillcolor="{COLOURS["input"]}"];',
        f'S [label="S\\n{labels["state"]}", shape=circle, style=filled, fillcolor="{COLOURS["state"]}"];',
        f'o [label="O\\n{labels["output"]}", shape=box, style=filled, fillcolor="{COLOURS["output"]}"];',
        f'x -> S [label="U", color="{COLOURS["U"]}"];',
        f'S -> S [label="W", color="{COLOURS["W"]}"];',
        f'S -> o [label="V", color="{COLOURS["V"]}"];',
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
            lines += ['dots [label="…", shape=plaintext];', f'{prev} -> dots [label="W", color="{COLOURS["W"]}"];']
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
            f'x{t} [label="X{sub(t)}", shape=box, style=filled, fillcolor="{COLOURS["input"]}"];',
            f'S{t} [label="S{sub(t)}", shape=circle, style=filled, fillcolor="{COLOURS["state"]}"];',
            f'o{t} [label="O{sub(t)}", shape=box, style=filled, fillcolor="{COLOURS["output"]}"];',
            f'{u_edge}label="U", color="{COLOURS["U"]}"];',
            f'{prev} -> S{t} [label="W", color="{COLOURS["W"]}"];',
            f'{v_edge}label="V", color="{COLOURS["V"]}"];',
            f"{{rank=same; x{t}; S{t}; o{t}}}",
        ]
        prev = f"S{t}"
    lines.append("}")
    return "\n".join(lines)
