"""Graphviz (DOT) pictures of unrolled networks. Only numbers and translated labels go in; no user text."""

from __future__ import annotations

import numpy as np


def _num(x: float) -> str:
    return f"{x:.3g}"


def unrolled_counting(x: np.ndarray, S: np.ndarray, U: float, W: float, shown: int = 8) -> str:
    """The counting RNN unrolled over ``x`` (T,) with states ``S`` (T+1,) written in the nodes.

    Long sequences show the first ``shown - 1`` steps, an ellipsis, and the last step.
    """
    T = len(x)
    steps = list(range(1, T + 1)) if T <= shown else [*range(1, shown), None, T]
    lines = [
        "digraph G {", "rankdir=LR; nodesep=0.35; ranksep=0.5;",
        'node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
        f'S0 [label="S₀\\n{_num(S[0])}", shape=circle, style=filled, fillcolor="#eeeeee"];',
    ]
    prev = "S0"
    for t in steps:
        if t is None:
            lines.append('dots [label="…", shape=plaintext, fontsize=18];')
            lines.append(f'{prev} -> dots [label="W"];')
            prev = "dots"
            continue
        color = "#ffe9a8" if x[t - 1] == 1 else "#ffffff"
        lines.append(f'x{t} [label="X{t}={int(x[t - 1])}", shape=box, style=filled, fillcolor="{color}"];')
        lines.append(f'S{t} [label="S{t}\\n{_num(S[t])}", shape=circle, style=filled, fillcolor="#d6e8f7"];')
        lines.append(f'x{t} -> S{t} [label="U={_num(U)}", color="#E69F00"];')
        lines.append(f"{{rank=same; x{t}; S{t}}}")  # each input sits under its state: time runs left to right
        lines.append(f'{prev} -> S{t} [label="W={_num(W)}", color="#0072B2"];')
        prev = f"S{t}"
    lines.append(f'y [label="y = {_num(S[T])}", shape=doubleoctagon];')
    lines.append(f"{prev} -> y;")
    lines.append("}")
    return "\n".join(lines)


def folded_rnn(labels: dict[str, str]) -> str:
    """The RNN as the note draws it first: one state node with a loop (the directed cycle) through W."""
    return "\n".join([
        "digraph G {", "rankdir=BT; nodesep=0.4;",
        'node [fontname="Helvetica", fontsize=12]; edge [fontname="Helvetica", fontsize=11];',
        f'x [label="X\\n{labels["input"]}", shape=box, style=filled, fillcolor="#ffe9a8"];',
        f'S [label="S\\n{labels["state"]}", shape=circle, style=filled, fillcolor="#d6e8f7"];',
        f'o [label="O\\n{labels["output"]}", shape=box, style=filled, fillcolor="#e3f1df"];',
        'x -> S [label="U", color="#E69F00"];',
        'S -> S [label="W", color="#0072B2"];',
        'S -> o [label="V", color="#009E73"];',
        "}",
    ])


def unrolled_rnn(T: int, shown: int = 6) -> str:
    """The same network unrolled over ``T`` steps: one copy per step, the same U, W and V in every copy."""
    steps = list(range(1, T + 1)) if T <= shown else [*range(1, shown), None, T]
    lines = [
        "digraph G {", "rankdir=LR; nodesep=0.3; ranksep=0.45;",
        'node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
        'S0 [label="S₀", shape=circle, style=filled, fillcolor="#eeeeee"];',
    ]
    prev = "S0"
    for t in steps:
        if t is None:
            lines += ['dots [label="…", shape=plaintext, fontsize=18];', f'{prev} -> dots [label="W"];']
            prev = "dots"
            continue
        lines += [
            f'x{t} [label="X{t}", shape=box, style=filled, fillcolor="#ffe9a8"];',
            f'S{t} [label="S{t}", shape=circle, style=filled, fillcolor="#d6e8f7"];',
            f'o{t} [label="O{t}", shape=box, style=filled, fillcolor="#e3f1df"];',
            f'x{t} -> S{t} [label="U", color="#E69F00"];',
            f'{prev} -> S{t} [label="W", color="#0072B2"];',
            f'S{t} -> o{t} [label="V", color="#009E73"];',
            f"{{rank=same; x{t}; S{t}; o{t}}}",
        ]
        prev = f"S{t}"
    lines.append("}")
    return "\n".join(lines)
