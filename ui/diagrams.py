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
